"""`kiosk diag`: the technicians' actions from a keyboard or a remote shell, on the kiosk itself.

It works on the running kiosk's data directory (run it as the kiosk's user): the outbox and its
dead letters, the out-of-service notice the kiosk picks up within seconds, one sync round with
central, the diagnostic bundle, the audit trail every action is written to (as
`console:<user>`). Devices stay with the running kiosk, so `selftest DEVICE` and `reconnect
DEVICE` ask the running kiosk process over its local control channel (kiosk/local_control.py)
to do them, and `status` and `export` ask it for its overview (kiosk/overview.py).
"""

from __future__ import annotations

import getpass
import json
import sys
import time
from contextlib import contextmanager

import click

from kiosk.commands.common import fail


def _actor() -> str:
    return f"console:{getpass.getuser()}"


@contextmanager
def _parts(config_path):
    """(config, outbox, audit trail, out-of-service notice) of the kiosk's data directory."""
    from kiosk.audit import AuditTrail
    from kiosk.config import ConfigError, load_config
    from kiosk.maintenance import Maintenance
    from offline_queue.outbox import Outbox

    try:
        config = load_config(config_path)
    except ConfigError as exc:
        fail(str(exc), 2)
    if not config.data_path("outbox.db").exists():
        fail(f"no kiosk data at {config.data_dir} (has the kiosk run with this config?)", 2)
    outbox = Outbox(config.data_path("outbox.db"), config.data_path("keys", "outbox.key"),
                    max_items=config.queue.max_items, warn_ratio=config.queue.warn_ratio)
    try:
        yield (config, outbox, AuditTrail(config.data_path("audit.log"), outbox, config.kiosk.id),
               Maintenance(config.data_path("out-of-service.json")))
    finally:
        outbox.close()


def _print(value) -> None:
    click.echo(json.dumps(value, ensure_ascii=False, indent=1, default=str))


@click.group()
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="The kiosk's config.")
@click.pass_context
def diag(ctx, config_path):
    """Technicians' actions on this kiosk, each written to its audit trail."""
    ctx.obj = config_path


@diag.command()
@click.pass_obj
def status(config_path):
    """Queue figures, dead letters, whether the kiosk is out of service, the last audit entries;
    and the running kiosk's overview (devices, counters, network and central, versions, the
    machine), or null with a line on stderr when it is not running."""
    with _parts(config_path) as (config, outbox, audit, maintenance):
        notice = maintenance.current()
        stats = outbox.stats()
        running = _running_overview(config, "devices, counters, network and versions are shown only while it "
                                              "runs; the queue, dead letters and audit entries are its data directory's")
        _print({"kiosk": config.kiosk.id, "queue": stats, "dead_letters": outbox.dead_letters(),
                "out_of_service": None if notice is None else vars(notice),
                "audit": audit.entries(10), "running": running is not None, "overview": running})
        audit.record(_actor(), "status")


def _ask(config, command: dict, *, timeout: float | None = None) -> dict:
    """The running kiosk's answer to `command`, asked as this console's user
    (kiosk/local_control.py); NotRunning when it is not running."""
    from kiosk.local_control import SOCKET_NAME, request

    more = {} if timeout is None else {"timeout": timeout}
    return request(config.data_path(SOCKET_NAME), {**command, "actor": _actor()}, **more)


def _running_overview(config, without: str) -> dict | None:
    """The running kiosk's overview (kiosk/overview.py); None without one, said on stderr with
    `without`: what the command gives instead."""
    from kiosk.local_control import NotRunning

    try:
        answer = _ask(config, {"command": "status"}, timeout=10.0)
    except NotRunning as exc:
        click.echo(f"{exc}: {without}", err=True)
        return None
    except (OSError, ValueError) as exc:
        click.echo(f"no answer from the running kiosk ({exc}): its overview is left out", err=True)
        return None
    if not answer.get("ok"):
        click.echo(f"the running kiosk did not give its overview: {answer.get('error')}", err=True)
        return None
    return answer["result"]


def _on_device(config_path, command: str, device: str, elsewhere: str) -> dict:
    """`command` on DEVICE in the running kiosk, its result; exits 3 when the kiosk is not
    running (`elsewhere`: what to do instead), 4 when refused (a visit), 2 for a bad device."""
    from kiosk.config import ConfigError, load_config
    from kiosk.local_control import NotRunning

    try:
        config = load_config(config_path)
    except ConfigError as exc:
        fail(str(exc), 2)
    try:
        answer = _ask(config, {"command": command, "device": device})
    except NotRunning as exc:
        fail(f"{exc}: {elsewhere}", 3)
    except (OSError, ValueError) as exc:
        fail(f"no answer from the running kiosk: {exc}", 1)
    if not answer.get("ok"):
        fail(answer.get("error", "refused"), 4 if answer.get("refused") else 2)
    return answer["result"]


@diag.command()
@click.pass_obj
def sync(config_path):
    """One sync round with central now; exit 1 if central could not take it."""
    from kiosk.central_client import CentralClient
    from kiosk.core import load_or_enrol_secret
    from offline_queue.sync import SyncWorker

    with _parts(config_path) as (config, outbox, audit, _maintenance):
        with CentralClient(config.central.url, config.kiosk.id, load_or_enrol_secret(config),
                           timeout=config.central.timeout_s) as central:
            worker = SyncWorker(outbox, central)
            totals = {"sent": 0, "delivered": 0, "retry": 0, "dead": 0}
            more = True
            while more:  # batch after batch while full ones go through
                result = worker.sync_once(force=True)
                totals = {k: totals[k] + result[k] for k in totals}
                more = result["more"]
        ok = totals["retry"] == 0
        shown = {**totals, "pending": outbox.stats()["pending"], "last_error": worker.state.last_error}
        audit.record(_actor(), "sync", "done" if ok else "failed", **totals)
        _print(shown)
    sys.exit(0 if ok else 1)


@diag.command()
@click.argument("device")
@click.pass_obj
def selftest(config_path, device):
    """Run DEVICE's self-test in the running kiosk; print its result, exit 1 unless it passed.
    Refused while a citizen's visit is in progress."""
    result = _on_device(config_path, "selftest", device, "start it, or run the self-test from its diagnostics screen")
    _print(result)
    sys.exit(0 if result["state"] == "passed" else 1)


@diag.command()
@click.argument("device")
@click.pass_obj
def reconnect(config_path, device):
    """Close DEVICE in the running kiosk and open it again; print its status, exit 1 unless it
    is online. Refused while a citizen's visit is in progress."""
    status = _on_device(config_path, "reconnect", device, "it opens its devices when it starts")
    _print(status)
    sys.exit(0 if status["state"] == "online" else 1)


@diag.group("dead-letters", invoke_without_command=True)
@click.pass_context
def dead_letters(ctx):
    """List the items central refused for good (and the quarantined ones)."""
    if ctx.invoked_subcommand is None:
        with _parts(ctx.obj) as (_config, outbox, _audit, _maintenance):
            _print(outbox.dead_letters())


@dead_letters.command()
@click.argument("key")
@click.pass_obj
def retry(config_path, key):
    """Send a dead item again."""
    with _parts(config_path) as (_config, outbox, audit, _maintenance):
        done = outbox.retry_dead(key)
        audit.record(_actor(), "dead_letter_retry", "done" if done else "not_found", key=key)
    if not done:
        fail(f"no dead item {key!r}", 1)
    click.echo(f"{key}: pending again; it goes with the next sync")


@dead_letters.command()
@click.argument("key")
@click.option("--reason", required=True, help="Why it is given up (kept with it and in the audit trail).")
@click.pass_obj
def discard(config_path, key, reason):
    """Give a dead or quarantined item up for good, with the reason."""
    with _parts(config_path) as (_config, outbox, audit, _maintenance):
        try:
            done = outbox.discard(key, reason)
        except ValueError as exc:
            audit.record(_actor(), "dead_letter_discard", "refused", key=key, reason="no reason given")
            fail(str(exc), 2)
        audit.record(_actor(), "dead_letter_discard", "done" if done else "not_found", key=key, reason=reason)
    if not done:
        fail(f"no dead or quarantined item {key!r}", 1)
    click.echo(f"{key}: discarded")


@diag.command()
@click.option("--out", required=True, type=click.Path(dir_okay=True), help="A file, or a directory (a USB stick).")
@click.pass_obj
def export(config_path, out):
    """The diagnostic bundle (masked logs, audit trail, queue figures, the overview, the
    self-tests' last results; nothing of a citizen)."""
    from pathlib import Path

    from kiosk import overview
    from kiosk.bundle import write_bundle
    from kiosk.selftests import FILE_NAME, ResultStore

    with _parts(config_path) as (config, outbox, audit, maintenance):
        snapshot = _running_overview(config, "the bundle has what its data directory keeps of the devices") \
            or overview.from_data_dir(config)
        path = Path(out)
        if not path.name.endswith(".tar.gz"):
            if not path.is_dir():
                fail(f"nothing mounted at {path}: give a directory that exists or a FILE.tar.gz", 2)
            path = path / f"kiosk-{config.kiosk.id}-{time.strftime('%Y%m%d-%H%M%S')}.tar.gz"
        try:
            written = write_bundle(path, config=config, outbox=outbox, audit=audit, maintenance=maintenance,
                                   snapshot=snapshot, self_tests=ResultStore(config.data_path(FILE_NAME)).all())
        except OSError as exc:
            audit.record(_actor(), "export", "failed", reason=exc.strerror or type(exc).__name__)
            fail(f"cannot write {path}: {exc.strerror or exc}", 1)
        audit.record(_actor(), "export", bytes=written.stat().st_size)
    click.echo(str(written))


@diag.group()
def service():
    """Take the kiosk out of service with a message for citizens, or put it back."""


@service.command("off")
@click.option("--message", required=True, help="What citizens read on the screen.")
@click.pass_obj
def service_off(config_path, message):
    """Out of service: citizens see MESSAGE and no service until `service on`."""
    with _parts(config_path) as (_config, _outbox, audit, maintenance):
        try:
            notice = maintenance.set(message, _actor())
        except ValueError as exc:
            fail(str(exc), 2)
        audit.record(_actor(), "service_off", message=notice.message)
    click.echo("out of service (the kiosk shows it within seconds, after a visit under way)")


@service.command("on")
@click.pass_obj
def service_on(config_path):
    """Back in service."""
    with _parts(config_path) as (_config, _outbox, audit, maintenance):
        was = maintenance.clear()
        audit.record(_actor(), "service_on", "done" if was else "not_out_of_service")
    click.echo("back in service" if was else "it was not out of service")
