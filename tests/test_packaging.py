"""The setup scripts and packaging files: syntax, package groups, udev rules, systemd units."""

from __future__ import annotations

import configparser
import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SYSTEM_DEPS = ROOT / "packaging" / "system-deps.sh"

BASH_SCRIPTS = [
    "script/bootstrap", "script/test", "script/demo", "script/update-lock", "script/smoke-qt",
    "script/check-fresh-debian", ".ci/run", "packaging/system-deps.sh", "packaging/build-deb.sh",
    "script/deb", "script/check-deb", "packaging/build-venv.sh",
]
SH_SCRIPTS = [
    "packaging/kiosk-session/police-kiosk-session", "packaging/debian/postinst",
    "packaging/debian/prerm", "packaging/debian/postrm", "packaging/debian/preinst",
]


def list_packages(*groups: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(SYSTEM_DEPS), "--list", *groups], capture_output=True, text=True, timeout=10)


@pytest.mark.parametrize("script", BASH_SCRIPTS + SH_SCRIPTS)
def test_script_is_executable_and_parses(script: str) -> None:
    path = ROOT / script
    assert path.stat().st_mode & 0o111, f"{script} is not executable"
    shell = "bash" if script in BASH_SCRIPTS else "sh"
    result = subprocess.run([shell, "-n", str(path)], capture_output=True, text=True, timeout=10)
    assert result.returncode == 0, result.stderr


def test_package_groups_list_the_qt_runtime_and_a_cjk_font() -> None:
    result = list_packages("base", "qt")
    assert result.returncode == 0, result.stderr
    packages = result.stdout.split()
    assert packages == sorted(set(packages))
    for needed in ("python3", "python3-venv", "libegl1", "libxcb-cursor0", "xvfb", "fonts-noto-cjk"):
        assert needed in packages


def test_unknown_package_group_is_refused_with_the_known_ones() -> None:
    result = list_packages("base", "nonsense")
    assert result.returncode == 2
    assert "unknown group 'nonsense'" in result.stderr
    assert "base" in result.stderr


RULE_TERM = re.compile(r'^(?P<key>[A-Z_]+)(\{(?P<attr>[A-Za-z_]+)\})?(?P<op>==|!=|\+=|=)"(?P<value>[^"]*)"$')


def test_udev_rules_parse_and_name_only_kiosk_devices() -> None:
    rules = (ROOT / "packaging" / "udev" / "99-police-kiosk.rules").read_text(encoding="utf-8")
    symlinks = set()
    for line in rules.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        terms = [RULE_TERM.match(term.strip()) for term in line.split(", ")]
        assert all(terms), f"unparsable rule: {line}"
        fields = {(m["key"], m["attr"]): m for m in terms}
        assert fields[("SUBSYSTEM", None)]["op"] == "=="
        assert fields[("MODE", None)]["value"] == "0660", "no world-accessible device nodes"
        assert fields[("GROUP", None)]["value"] in {"dialout", "lp"}
        for m in terms:
            if m["attr"] in {"idVendor", "idProduct"}:
                assert re.fullmatch(r"[0-9a-f]{4}", m["value"]), line
            if m["key"] == "SYMLINK":
                assert m["op"] == "+="
                symlinks.add(m["value"])
    assert symlinks == {"kiosk-idcard", "kiosk-fingerprint", "kiosk-printer", "kiosk-scanner"}


def _unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str
    parser.read(ROOT / "packaging" / "systemd" / name, encoding="utf-8")
    return parser


@pytest.mark.parametrize("unit", ["police-kiosk.service", "police-kiosk-central.service"])
def test_systemd_units_restart_always_and_run_the_installed_kiosk(unit: str) -> None:
    parser = _unit(unit)
    service = parser["Service"]
    assert service["Restart"] == "always"
    assert service["ExecStart"].split()[0].startswith("/usr/bin/")
    assert parser["Install"]["WantedBy"].endswith(".target")


@pytest.mark.parametrize("unit", ["police-kiosk.service", "police-kiosk-central.service"])
def test_systemd_units_are_watched(unit: str) -> None:
    """The app's READY=1 and WATCHDOG=1 (tests/e2e/test_watchdog.py) are what these ask for."""
    service = _unit(unit)["Service"]
    assert (service["Type"], service["NotifyAccess"]) == ("notify", "all")
    assert 10 <= int(service["WatchdogSec"]) <= 60


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze not installed")
def test_systemd_analyze_verify_passes_on_the_units(tmp_path: Path) -> None:
    """In a root of their own: the system's units, the units under test, and stand-ins for the
    programs they start (this machine need not have X or the kiosk installed)."""
    for program in ("kiosk", "xinit", "chvt"):
        stand_in = tmp_path / "usr" / "bin" / program
        stand_in.parent.mkdir(parents=True, exist_ok=True)
        stand_in.write_text("#!/bin/sh\n")
        stand_in.chmod(0o755)
    system_units = Path("/usr/lib/systemd/system")
    shutil.copytree(system_units, tmp_path / "usr" / "lib" / "systemd" / "system", symlinks=True)
    units = tmp_path / "etc" / "systemd" / "system"
    units.mkdir(parents=True)
    for unit in (ROOT / "packaging" / "systemd").glob("*.service"):
        shutil.copy(unit, units)
    result = subprocess.run(["systemd-analyze", "verify", f"--root={tmp_path}", "police-kiosk.service",
                             "police-kiosk-central.service"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and not result.stderr.strip(), result.stderr


def test_kiosk_session_runs_the_app_in_a_loop_without_blanking() -> None:
    session = (ROOT / "packaging" / "kiosk-session" / "police-kiosk-session").read_text(encoding="utf-8")
    assert "xset -dpms" in session and "xset s off" in session
    assert re.search(r"while :; do\n\s+/usr/bin/kiosk run --production --fullscreen", session)
    desktop = (ROOT / "packaging" / "kiosk-session" / "police-kiosk.desktop").read_text(encoding="utf-8")
    assert "Exec=/usr/lib/police-kiosk/police-kiosk-session" in desktop


SESSION = ROOT / "packaging" / "kiosk-session" / "police-kiosk-session"
XORG_SNIPPET = ROOT / "packaging" / "xorg" / "10-police-kiosk.conf"


def _xorg_sections(text: str) -> dict[str, dict[str, str]]:
    """Section name -> {option: value} of an xorg.conf file; unbalanced sections fail."""
    sections: dict[str, dict[str, str]] = {}
    current = None
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if m := re.fullmatch(r'Section "(\w+)"', line):
            assert current is None, f"nested section: {raw}"
            current = sections.setdefault(m[1], {})
        elif line == "EndSection":
            assert current is not None, "EndSection without Section"
            current = None
        else:
            m = re.fullmatch(r'Option "(\w+)" "([^"]*)"', line)
            assert m and current is not None, f"unparsable line: {raw}"
            current[m[1]] = m[2]
    assert current is None, "section not closed"
    return sections


def test_xorg_snippet_keeps_the_keyboard_on_the_kiosk_and_the_screen_on() -> None:
    flags = _xorg_sections(XORG_SNIPPET.read_text(encoding="utf-8"))["ServerFlags"]
    assert flags["DontVTSwitch"] == "true"  # Ctrl+Alt+Fn
    assert flags["DontZap"] == "true"  # Ctrl+Alt+Backspace
    assert flags["DontZoom"] == "true"
    for timer in ("BlankTime", "StandbyTime", "SuspendTime", "OffTime"):
        assert flags[timer] == "0"


def test_the_package_installs_the_xorg_snippet() -> None:
    build = (ROOT / "packaging" / "build-deb.sh").read_text(encoding="utf-8")
    assert ('install -D -m 644 packaging/xorg/10-police-kiosk.conf '
            '"$root/etc/X11/xorg.conf.d/10-police-kiosk.conf"') in build


def test_kiosk_session_leaves_no_keyboard_way_out_and_no_input_method() -> None:
    session = SESSION.read_text(encoding="utf-8")
    code = [line.split("#", 1)[0] for line in session.splitlines()]
    assert "setxkbmap -option '' || true" in code
    assert "QT_IM_MODULE=none" in code and "export QT_IM_MODULE QT_IM_MODULES" in code
    everything = "\n".join(code) + (ROOT / "packaging" / "kiosk-session" / "police-kiosk.desktop").read_text()
    for escape in ("xterm", "x-terminal-emulator", "terminal", "startx", "xfce", "lxsession"):
        assert escape not in everything.lower()


def test_kiosk_session_starts_kiosk_run_again_after_it_dies(tmp_path: Path) -> None:
    """The session script itself, with stand-ins for X's programs and for /usr/bin/kiosk (the
    one path changed): a kiosk that crashes is started again, with its arguments and without an
    input method."""
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    for program in ("xset", "setxkbmap", "matchbox-window-manager", "logger"):
        (fake_bin / program).write_text(f'#!/bin/sh\necho "{program} $*" >>"{tmp_path}/calls"\n')
        (fake_bin / program).chmod(0o755)
    runs = tmp_path / "runs"
    kiosk = fake_bin / "kiosk"
    kiosk.write_text(f'#!/bin/sh\necho "$* IM=$QT_IM_MODULE" >>"{runs}"\nexit 70\n')  # starts, then crashes
    kiosk.chmod(0o755)
    script = SESSION.read_text(encoding="utf-8")
    assert script.count("/usr/bin/kiosk ") == 1
    session = tmp_path / "session"
    session.write_text(script.replace("/usr/bin/kiosk ", f"{kiosk} "))
    env = {"PATH": f"{fake_bin}:/usr/bin:/bin", "QT_IM_MODULE": "qtvirtualkeyboard"}
    proc = subprocess.Popen(["sh", str(session)], env=env, start_new_session=True)
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and (not runs.exists() or len(runs.read_text().splitlines()) < 2):
            time.sleep(0.1)
        assert proc.poll() is None, "the session ended"
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    started = runs.read_text().splitlines()
    assert len(started) >= 2, "kiosk run was not started again"
    assert started[0] == "run --production --fullscreen --config /etc/police-kiosk/kiosk.toml IM=none"
    calls = (tmp_path / "calls").read_text()
    assert "setxkbmap -option " in calls and "xset -dpms" in calls
    assert "kiosk run exited with status 70; restarting in 3 s" in calls


def test_lock_pins_every_line_exactly() -> None:
    lines = [
        line for line in (ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#")
    ]
    assert lines
    for line in lines:
        assert re.fullmatch(r"[A-Za-z0-9_.\-]+==[A-Za-z0-9_.+!\-]+", line), line
    assert not any(line.lower().startswith(("police-kiosk", "police_kiosk")) for line in lines)


def test_runtime_lock_hashes_each_pin_of_the_main_locks() -> None:
    """requirements-runtime.lock: one file per pin with its sha256, at requirements.lock's versions."""
    def pins(name: str) -> dict[str, str]:
        found = {}
        for line in (ROOT / name).read_text(encoding="utf-8").splitlines():
            if line and not line.startswith("#"):
                package, version = line.split()[0].split("==")
                found[re.sub(r"[-_.]+", "-", package).lower()] = version
        return found

    locked = pins("requirements.lock") | pins("requirements-nodeps.lock")
    runtime = pins("requirements-runtime.lock")
    lines = [line for line in (ROOT / "requirements-runtime.lock").read_text(encoding="utf-8").splitlines()
             if line and not line.startswith("#")]
    for line in lines:
        assert re.fullmatch(r"\S+==\S+ --hash=sha256:[0-9a-f]{64}  # \S+\.(whl|tar\.gz|zip)", line), line
    for package, version in runtime.items():
        assert locked.get(package) == version, (package, version)
    assert {"pyside6-essentials", "pyscard", "face-recognition", "dlib-bin"} <= runtime.keys()
    assert not {"pytest", "hypothesis", "playwright", "schemathesis"} & runtime.keys()


def test_runtime_lock_is_what_the_wheel_needs_no_more_no_less() -> None:
    """A dependency dropped from pyproject.toml leaves no pin behind (the .deb build refuses it)."""
    result = subprocess.run([str(ROOT / "packaging" / "check-runtime-lock.sh")], capture_output=True,
                            text=True, timeout=300, stdin=subprocess.DEVNULL)
    assert result.returncode == 0, result.stderr[-3000:]


def test_deb_depends_on_no_compiler() -> None:
    runtime = list_packages("deb-runtime").stdout.split()
    build = list_packages("deb-build").stdout.split()
    assert {"libpcsclite1", "kbd", "python3"} <= set(runtime)
    assert {"gcc", "swig", "libpcsclite-dev", "python3-dev"} <= set(build)
    assert not {"gcc", "swig", "libpcsclite-dev", "python3-dev"} & set(runtime)


def _wheel(directory: Path) -> Path:
    import zipfile

    path = directory / "demo_pkg-1.0-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as wheel:
        wheel.writestr("demo_pkg/__init__.py", "")
        wheel.writestr("demo_pkg-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: demo-pkg\nVersion: 1.0\n")
        wheel.writestr("demo_pkg-1.0.dist-info/WHEEL",
                       "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
        wheel.writestr("demo_pkg-1.0.dist-info/RECORD", "")
    return path


@pytest.mark.parametrize("matches", [True, False])
def test_wheelhouse_fetch_caches_by_hash_and_refuses_a_different_file(tmp_path: Path, matches: bool) -> None:
    import hashlib
    import os
    import sys

    index = tmp_path / "index"
    index.mkdir()
    real = hashlib.sha256(_wheel(index).read_bytes()).hexdigest()
    digest = real if matches else "0" * 64
    lock = tmp_path / "runtime.lock"
    lock.write_text(f"# header\ndemo-pkg==1.0 --hash=sha256:{digest}  # demo_pkg-1.0-py3-none-any.whl\n")
    cache = tmp_path / "cache"
    env = os.environ | {"POLICE_KIOSK_DEB_CACHE": str(cache), "PIP_NO_INDEX": "1",
                        "PIP_FIND_LINKS": str(index), "PIP_CONFIG_FILE": os.devnull}
    result = subprocess.run([sys.executable, str(ROOT / "packaging" / "wheelhouse.py"), "fetch", str(lock)],
                            capture_output=True, text=True, timeout=120, env=env)
    cached = cache / "files" / digest / "demo_pkg-1.0-py3-none-any.whl"
    if matches:
        assert result.returncode == 0, result.stderr
        assert result.stdout.split() == [str(cached)] and cached.is_file()
    else:
        assert result.returncode != 0 and "refusing it" in result.stderr
        assert not (cache / "files").exists() or not any((cache / "files").iterdir())
