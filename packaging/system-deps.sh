#!/usr/bin/env bash
# The one place Debian packages get installed, for development, CI and the .deb's docs.
#
#   packaging/system-deps.sh [group...]      default: base qt demo test
#   packaging/system-deps.sh --list [group...]   print the packages, install nothing
#
# Installs only what dpkg says is missing; when nothing is, it touches neither apt nor sudo,
# so a second run takes a fraction of a second.
set -euo pipefail

# Packages per group. Add a group (e.g. postgresql, pcscd vsmartcard-vpcd) here, then pass its
# name from the script that needs it.
declare -A PACKAGES_BY_GROUP=(
    # Build and run the Python environment; gcc and python3-dev compile sdists such as pyscard.
    # swig and libpcsclite-dev build pyscard (no Linux wheel); libpcsclite1 comes with them.
    [base]="python3 python3-venv python3-dev gcc ca-certificates git swig libpcsclite-dev"
    # Qt offscreen (tests) and on X (Xvfb or a real display): the libraries PySide6's wheels
    # expect from the system. Noto Sans CJK SC, not WenQuanYi: citizens read this screen, and
    # Noto's hanzi follow the mainland standard forms and come in seven weights; the 89 MB
    # download happens once.
    [qt]="libglib2.0-0 libegl1 libgl1 libfontconfig1 libxkbcommon0 libdbus-1-3
          xvfb xauth libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1
          libxcb-render-util0 libxcb-shape0 libxcb-xkb1 libxkbcommon-x11-0
          fonts-noto-cjk"
    # Central's tests start a throwaway PostgreSQL 15 server (the Python driver brings libpq).
    [postgresql]="postgresql"
    # PC/SC tests: a real pcscd with vpcd, the virtual reader a Python card plugs into.
    [pcsc]="pcscd vsmartcard-vpcd"
    # Document printers: CUPS and its client (lp), the cups-pdf backend the tests print to, and
    # poppler-utils (pdftotext, pdffonts) to read printed certificates back.
    [cups]="cups cups-client printer-driver-cups-pdf poppler-utils"
    # The fleet web page's tests: Debian's Chromium, driven headless by Playwright.
    [browser]="chromium"
    # packaging/build-deb.sh builds the .deb's venv with Debian's python3 and compiles pyscard
    # there; the .deb's own Depends are deb-runtime (plus qt and speech): no compiler.
    [deb-build]="python3 python3-venv python3-dev gcc swig libpcsclite-dev"
    [deb-runtime]="python3 libpcsclite1 kbd ca-certificates"
    # Spoken prompts.
    [speech]="espeak-ng"
    # What `script/demo` and `script/test` need beyond base and qt.
    [demo]="espeak-ng"
    [test]="espeak-ng"
    # script/check-fresh-debian builds a minimal Debian root to try the scripts in.
    [fresh-root]="debootstrap git"
)

list_only=false
if [[ ${1:-} == --list ]]; then
    list_only=true
    shift
fi
(($#)) || set -- base qt demo test

wanted=()
for group in "$@"; do
    if [[ -z ${PACKAGES_BY_GROUP[$group]+set} ]]; then
        echo "system-deps: unknown group '$group' (known: ${!PACKAGES_BY_GROUP[*]})" >&2
        exit 2
    fi
    read -r -a packages <<<"${PACKAGES_BY_GROUP[$group]//$'\n'/ }"
    wanted+=("${packages[@]}")
done
mapfile -t wanted < <(printf '%s\n' "${wanted[@]}" | sort -u)

if $list_only; then
    printf '%s\n' "${wanted[@]}"
    exit 0
fi

# "ii" = selected for install and installed; anything else (absent, half-configured) is missing.
mapfile -t installed < <(dpkg-query -W -f='${db:Status-Abbrev} ${Package}\n' "${wanted[@]}" 2>/dev/null |
    awk '$1 == "ii" { print $2 }' | sort -u)
mapfile -t missing < <(comm -23 <(printf '%s\n' "${wanted[@]}") <(printf '%s\n' "${installed[@]}"))

if ((${#missing[@]} == 0)); then
    echo "system-deps: all ${#wanted[@]} packages present ($*)"
    exit 0
fi

if ((EUID == 0)); then
    as_root=()
elif command -v sudo >/dev/null; then
    as_root=(sudo)
else
    echo "system-deps: missing ${missing[*]}; run as root or install sudo" >&2
    exit 1
fi

echo "system-deps: installing ${missing[*]}"
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "system-deps: installed ${#missing[@]} packages"
