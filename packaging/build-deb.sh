#!/usr/bin/env bash
# Build dist/police-kiosk_<version>_amd64.deb with dpkg-deb, on Debian 12 (as root: it mounts).
#
# The package carries /opt/police-kiosk/venv ready to run: built here with Debian's python3 from
# requirements-runtime.lock (the runtime pins of requirements.lock, each file's sha256), installed
# with pip --require-hashes --no-index from files cached in ~/.cache/police-kiosk-deb. Installing
# it needs only Debian's own packages: no package index, no compiler.
#
# --tuf-root FILE: the province's operator-config root of trust (`kiosk admin repo init` wrote it
# as REPO/metadata/1.root.json), installed as /etc/police-kiosk/tuf-root.json.
set -euo pipefail
cd "$(dirname "$0")/.."

tuf_root=
if [[ ${1:-} == --tuf-root ]]; then
    tuf_root=$(realpath "${2:?--tuf-root needs a file}")
    python3 -c 'import json, sys; assert json.load(open(sys.argv[1]))["signed"]["_type"] == "root"' "$tuf_root" \
        2>/dev/null || { echo "build-deb: $tuf_root is not a TUF root (root.json)" >&2; exit 1; }
    shift 2
fi
[[ $# -eq 0 ]] || { echo "usage: packaging/build-deb.sh [--tuf-root ROOT.json]" >&2; exit 2; }

say() { echo "build-deb: $*"; }
if ((EUID != 0)); then
    echo "build-deb: needs root (the venv is built in a private mount namespace)" >&2
    exit 1
fi
# Also compiles the Qt translations the wheel carries.
script/bootstrap base qt
command -v dpkg-deb >/dev/null || { echo "build-deb: needs dpkg-deb (Debian)" >&2; exit 1; }
packaging/system-deps.sh deb-build | sed 's/^system-deps: /build-deb: /'
/usr/bin/python3 -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null ||
    { echo "build-deb: needs Debian 12's /usr/bin/python3 (3.11), the kiosks' interpreter" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# 1. The wheel (committed and uncommitted files alike: build from a clean checkout for releases).
.venv/bin/python -m pip wheel --quiet --no-deps --wheel-dir "$work/wheel" . \
    2> >(grep -v "is ignored: it is neither a file nor a directory" >&2)
wheel=$(ls "$work"/wheel/police_kiosk-*.whl)
version=$(basename "$wheel" | cut -d- -f2)
say "wheel $(basename "$wheel")"

# 2. Runtime pins: requirements-runtime.lock must be what pip would install for the wheel alone.
packaging/check-runtime-lock.sh "$wheel" 2>&1 | sed 's/^/build-deb: /'
say "$(grep -c '==' requirements-runtime.lock) runtime pins (of $(grep -c '==' requirements.lock) in requirements.lock)"
.venv/bin/python packaging/wheelhouse.py fetch requirements-runtime.lock >"$work/files.txt"

# 3. The tree.
root=$work/root
packaging/build-venv.sh "$root" "$wheel" requirements-runtime.lock "$work/files.txt"
install -d "$root/usr/bin"
ln -s /opt/police-kiosk/venv/bin/kiosk "$root/usr/bin/kiosk"
install -D -m 755 packaging/kiosk-session/police-kiosk-session "$root/usr/lib/police-kiosk/police-kiosk-session"
install -D -m 644 packaging/kiosk-session/police-kiosk.desktop "$root/usr/share/xsessions/police-kiosk.desktop"
install -D -m 644 -t "$root/lib/systemd/system" packaging/systemd/*.service
install -D -m 644 packaging/udev/99-police-kiosk.rules "$root/lib/udev/rules.d/99-police-kiosk.rules"
install -D -m 644 packaging/xorg/10-police-kiosk.conf "$root/etc/X11/xorg.conf.d/10-police-kiosk.conf"
install -D -m 644 config/default.toml "$root/etc/police-kiosk/kiosk.toml"
conffiles=(/etc/police-kiosk/kiosk.toml /etc/default/police-kiosk /etc/default/police-kiosk-central)
if [[ -n $tuf_root ]]; then
    install -D -m 644 "$tuf_root" "$root/etc/police-kiosk/tuf-root.json"
    conffiles+=(/etc/police-kiosk/tuf-root.json)
    say "root of trust $tuf_root"
fi
install -D -m 644 packaging/debian/default-police-kiosk "$root/etc/default/police-kiosk"
install -D -m 644 packaging/debian/default-police-kiosk-central "$root/etc/default/police-kiosk-central"
install -D -m 644 packaging/README.md "$root/usr/share/doc/police-kiosk/README.md"

# 4. Control files. Runtime Debian packages come from system-deps.sh, the one list of them
# (the deb-runtime group, Qt's libraries and font, speech; Xvfb is for tests); plus the X
# session's own, pcscd for PC/SC readers, and CUPS for the A4 certificate printer (the cups
# group's cups-pdf and poppler are for tests). The venv's interpreter is Debian's python3.11.
mapfile -t runtime < <(packaging/system-deps.sh --list deb-runtime qt speech | grep -vxE 'xvfb|xauth')
runtime+=(adduser xserver-xorg xinit x11-xserver-utils matchbox-window-manager pcscd cups cups-client)
depends=$(printf '%s\n' "${runtime[@]}" | sort -u |
    sed 's/^python3$/python3 (>= 3.11), python3 (<< 3.12)/' | paste -sd, | sed 's/,/, /g')
install -d "$root/DEBIAN"
cat >"$root/DEBIAN/control" <<CONTROL
Package: police-kiosk
Version: $version
Architecture: amd64
Maintainer: Police Kiosk Team <kiosk@localhost>
Section: misc
Priority: optional
Depends: $depends
Installed-Size: $(du -sk "$root" | cut -f1)
Description: 24-hour police self-service kiosk (警务自助服务站)
 Fullscreen kiosk application, device drivers (GA 467 ID card reader, ESC/POS
 receipt printer), offline outbox and the reference central backend. The
 Python environment comes ready in /opt/police-kiosk/venv.
CONTROL
printf '%s\n' "${conffiles[@]}" >"$root/DEBIAN/conffiles"
install -m 755 packaging/debian/preinst packaging/debian/postinst packaging/debian/prerm \
    packaging/debian/postrm "$root/DEBIAN/"

mkdir -p dist
deb=dist/police-kiosk_${version}_amd64.deb
# zstd -9: on 2 cores dpkg-deb's default (xz -6) took over 20 min for the ~790 MB tree, zstd -9
# under 3 min for a package ~25 % bigger (283 MB). Debian 12's dpkg and apt read it.
dpkg-deb --root-owner-group -Zzstd -z9 --build "$root" "$deb" >/dev/null
say "built $deb ($(du -h "$deb" | cut -f1))"
