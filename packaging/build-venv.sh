#!/usr/bin/env bash
# Build /opt/police-kiosk/venv inside the package tree ROOT, at its real path (a venv cannot move:
# its scripts name their interpreter), with Debian's /usr/bin/python3, from the hashed lock only.
#
#   packaging/build-venv.sh ROOT PROJECT.whl requirements-runtime.lock FILES.txt
#
# FILES.txt lists the locked files in the cache (packaging/wheelhouse.py fetch). Runs in a private
# mount namespace: an overlay takes its writes to /opt and ROOT/opt/police-kiosk is mounted on
# /opt/police-kiosk, so this machine's /opt stays untouched. Called by packaging/build-deb.sh.
set -euo pipefail
if [[ -z ${BUILD_VENV_IN_NAMESPACE:-} ]]; then
    exec unshare --mount --propagation private env BUILD_VENV_IN_NAMESPACE=1 "$0" "$@"
fi
# The venv sees only itself (a PYTHONPATH holding the checkout would pass for the project).
unset PYTHONPATH PYTHONHOME PYTHONUSERBASE
root=$(realpath "$1") wheel=$(realpath "$2") lock=$(realpath "$3") files=$(realpath "$4")
cache=${POLICE_KIOSK_DEB_CACHE:-$HOME/.cache/police-kiosk-deb}
opt=/opt/police-kiosk
venv=$opt/venv
say() { echo "build-venv: $*"; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/upper" "$work/overlay-work" "$work/links" "$root$opt"
mount -t overlay overlay -o "lowerdir=/opt,upperdir=$work/upper,workdir=$work/overlay-work" /opt
mkdir -p "$opt"
mount --bind "$root$opt" "$opt"

/usr/bin/python3 -m venv "$venv"
while IFS= read -r file; do ln -s "$file" "$work/links/"; done <"$files"

# Packages with no wheel for the target come as sdists (pyscard, face_recognition_models): build
# each once with Debian's python (gcc, swig, libpcsclite-dev: system-deps.sh deb-build) and keep
# the wheel under the sdist's sha256; the install below checks it against that recorded hash.
cp "$lock" "$work/install.txt"
while read -r sha file; do
    built=$cache/built/$sha
    if ! compgen -G "$built/*.whl" >/dev/null; then
        say "building $file"
        echo "$sha  $work/links/$file" | sha256sum --check --quiet
        rm -rf "$built.part"
        "$venv/bin/python" -m pip wheel --quiet --no-deps --use-pep517 --wheel-dir "$built.part" "$work/links/$file" \
            2> >(grep -v "is ignored: it is neither a file nor a directory" >&2)
        mv -T "$built.part" "$built"
    fi
    built_wheel=$(ls "$built"/*.whl)
    ln -s "$built_wheel" "$work/links/"
    sed -i "s|--hash=sha256:$sha |&--hash=sha256:$(sha256sum "$built_wheel" | cut -d' ' -f1) |" "$work/install.txt"
done < <(sed -nE 's/^[^#].*--hash=sha256:([0-9a-f]{64}) +# (.*\.(tar\.gz|zip))$/\1 \2/p' "$lock")

# Only the lock's files, each checked against its hash; no index, no pip configuration.
hermetic=(env -u PIP_FIND_LINKS -u PIP_INDEX_URL -u PIP_EXTRA_INDEX_URL -u PIP_CONSTRAINT
    PIP_CONFIG_FILE=/dev/null "$venv/bin/python" -m pip install --quiet --no-index --no-deps)
"${hermetic[@]}" --require-hashes --find-links "$work/links" -r "$work/install.txt"
"${hermetic[@]}" "$wheel"
"$venv/bin/kiosk" --help >/dev/null
say "$venv: $("$venv/bin/python" -V), $(grep -c '==' "$lock") locked packages and $(basename "$wheel")"
