#!/usr/bin/env bash
# Check that requirements-runtime.lock holds exactly what pip would install for the project's
# wheel alone (held to requirements.lock), with requirements-nodeps.lock: no pin missing, none
# left over from a dependency that has gone. Needs .venv (script/bootstrap).
#
# usage: packaging/check-runtime-lock.sh [WHEEL]   (without WHEEL, one is built from the tree)
set -euo pipefail
cd "$(dirname "$0")/.."

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
quiet() { "$@" 2> >(grep -v "is ignored: it is neither a file nor a directory" >&2); }

wheel=${1:-}
if [[ -z $wheel ]]; then
    quiet .venv/bin/python -m pip wheel --quiet --no-deps --wheel-dir "$work/wheel" .
    wheel=$(ls "$work"/wheel/police_kiosk-*.whl)
fi
grep -v '^#' requirements.lock >"$work/constraints.txt"
quiet .venv/bin/python -m pip install --quiet --dry-run --ignore-installed --report "$work/report.json" \
    -c "$work/constraints.txt" "$wheel"
.venv/bin/python - "$work/report.json" >"$work/requirements.txt" <<'PY'
import json, sys

report = json.load(open(sys.argv[1]))
for item in report["install"]:
    meta = item["metadata"]
    if meta["name"] != "police-kiosk":
        print(f"{meta['name']}=={meta['version']}")
PY
if ! diff <({ cat "$work/requirements.txt"; grep -v '^#' requirements-nodeps.lock; } | sort -f) \
    <(grep -v '^#' requirements-runtime.lock | cut -d' ' -f1 | sort -f) >&2; then
    echo "requirements-runtime.lock is out of date (< missing, > left over): run script/update-lock" >&2
    exit 1
fi
