"""KioskCore: the Qt-free heart of one kiosk.

It wires the configuration, the devices, the outbox, the sync worker, the central client and the
Session together, runs every slow thing (card reads, HTTP, printing, SQLite writes) on its own
worker threads, and decides which services can be offered from the devices' and central's state.
The screens get a Session to watch and call; tests and the fleet simulator drive the same object
without a screen.
"""

from __future__ import annotations

import concurrent.futures
import logging
import os
import sqlite3
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from common.credentials import credential
from common.memory import give_back_freed_memory
from drivers.base import DeviceError, DeviceState, DeviceStatus
from kiosk import overview
from kiosk.audit import AuditTrail
from kiosk.card_handout import CardHandout, Journal
from kiosk.central_client import CentralClient, CentralRejected, CentralUnavailable
from kiosk.config import KioskConfig
from kiosk.device_counters import DeviceCounters
from kiosk.devices import DeviceMonitor
from kiosk.gui_pulse import GuiPulse
from kiosk.handlers import StageContext, handler_for
from kiosk.handlers.verify import IdentityParts
from kiosk.identity.policy import FailureLog, IdentityPolicy
from kiosk.identity.settings import FaceSettings
from kiosk.identity.worker import FaceWorker
from kiosk.interrupted import handout_done, interrupted_record, record_interrupted
from kiosk.local_control import SOCKET_NAME, ControlServer, kiosk_commands
from kiosk.maintenance import Maintenance
from kiosk.payments import reconcile
from kiosk.prompts import spoken_prompt
from kiosk.remote import RemoteSupport
from kiosk.selftests import SelfTests
from kiosk.services import build_services
from kiosk.services.stages import Dispense, Identify, Pay, Verify
from kiosk.session import Session, SessionView
from kiosk.site_clock import SiteClock
from kiosk.speech import Speaker
from kiosk.verification import METHOD_DEVICES, Preview
from kiosk.visit import Visit
from offline_queue.outbox import Outbox, OutboxFull
from offline_queue.sync import SyncWorker

if TYPE_CHECKING:
    from kiosk.config_updates import ConfigUpdates

log = logging.getLogger(__name__)

HANDOUT_PURGE_EVERY_S = 3600.0  # finished hand-outs are forgotten after a week (kiosk/card_handout.py)


def load_or_enrol_secret(config: KioskConfig) -> bytes:
    """The kiosk's secret with central: a systemd credential of the file's name when the unit
    passes one (then no file is read or written), else the file, else enrolment if allowed."""
    path = Path(config.data_dir, config.central.secret_file)
    path = credential(path.name) or path
    if path.exists():
        try:
            secret = bytes.fromhex(path.read_text().strip())
        except ValueError:
            secret = b""
        if not secret:
            raise RuntimeError(f"kiosk credentials at {path} are damaged: provision them again")
        return secret
    if not config.central.enrol_if_missing:
        raise RuntimeError(f"no kiosk credentials at {path}: provision them with `kiosk central enrol`")
    secret = CentralClient.enrol(config.central.url, config.kiosk.id, timeout=config.central.timeout_s)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written beside and renamed into place: a kill mid-write must not leave an empty secret.
    partial = path.with_name(path.name + ".partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(secret.hex())
        out.flush()
        os.fsync(out.fileno())
    os.replace(partial, path)
    return secret


class KioskCore:
    def __init__(self, config: KioskConfig, *, clock: Callable[[], float] = time.monotonic,
                 face_worker: FaceWorker | None = None,
                 fingerprint_template: Callable[[object], bytes | None] | None = None,
                 site_clock: SiteClock | None = None, config_updates: ConfigUpdates | None = None):
        """`face_worker`: share one (tests); by default the core starts its own and closes it.
        `fingerprint_template(card)`: the card holder's finger in the reader's template format,
        or None; converting the card's vendor fingerprint block needs the licensed library, so
        without one the fingerprint method is unavailable and the face check stands alone.
        `site_clock`: the site's wall clock (tests move it to try opening hours).
        `config_updates`: the signed operator config's poller (kiosk/config_updates/); the core
        polls with it, reports it in the heartbeat and applies what it staged between visits."""
        self.config = config
        self.config_version = overview.config_version(config)
        Path(config.data_dir).mkdir(parents=True, exist_ok=True)
        config.data_path("keys").mkdir(mode=0o700, exist_ok=True)
        self.site_clock = site_clock or SiteClock(config.kiosk.timezone)
        self.services = build_services(config, self.site_clock)
        self.session = Session(config, self, self.services, clock=clock, site_clock=self.site_clock)
        self.started_at = time.time()  # the overview's uptime
        self.device_counters = DeviceCounters(config.data_path("device-counters.json"))
        self.devices = DeviceMonitor(config.devices, on_change=lambda _s: self.refresh_availability(),
                                     counters=self.device_counters)
        self.outbox = Outbox(config.data_path("outbox.db"), config.data_path("keys", "outbox.key"),
                             max_items=config.queue.max_items, warn_ratio=config.queue.warn_ratio)
        self.outbox.release_in_flight()
        self.audit = AuditTrail(config.data_path("audit.log"), self.outbox, config.kiosk.id)
        self.maintenance = Maintenance(config.data_path("out-of-service.json"))
        self.self_tests = SelfTests(self)
        # `kiosk diag selftest` on the kiosk's shell asks this process: the devices are its own.
        self.control = ControlServer(config.data_path(SOCKET_NAME), kiosk_commands(self))
        secret = load_or_enrol_secret(config)
        self.central = CentralClient(config.central.url, config.kiosk.id, secret, timeout=config.central.timeout_s)
        # Support's screenshots and bundles (kiosk/remote.py); the screens register the capture.
        self.remote = RemoteSupport(central=self.central, audit=self.audit, idle=self.idle,
                                    write_bundle=self._write_bundle, work_dir=config.data_path("remote"))
        self.sync = SyncWorker(self.outbox, self.central, max_delay=config.queue.max_backoff_s,
                               keep_delivered_s=config.queue.retention_days * 86_400,
                               on_change=lambda _s: self.refresh_availability())
        self._central_online = True
        self._heartbeat_due = True
        # The GUI thread's pulse (kiosk/gui_pulse.py), set by `kiosk run`; None without a screen.
        self.gui_pulse: GuiPulse | None = None
        self._gui_stalled = False
        # Orders of earlier visits whose outcome central has not told yet: no new payment is
        # taken until they are settled (kiosk/payments.py). Known from the ledger at start.
        self._open_payments = len(self.outbox.open_payments())
        self._own_visits: set[str] = set()  # visits of this run: they record themselves
        self._pool = concurrent.futures.ThreadPoolExecutor(max_workers=4, thread_name_prefix="kiosk-work")
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._recorded: set[str] = set()
        self._availability: dict[str, str | None] = {}
        # Until every device has answered once (and the dispenser's last card is settled),
        # nothing is offered, but the kiosk is not out of service either: it is starting.
        self._devices_starting = True
        speech = config.speech
        self.speaker = Speaker(enabled=speech.enabled, command=speech.command, speed_wpm=speech.speed_wpm,
                               record_dir=speech.record_dir)
        self._last_spoken_view: SessionView | None = None
        self.config_updates = config_updates
        if config_updates is not None:
            config_updates.sign_as(config.kiosk.id, secret)  # central's repository is for its kiosks
        self._idle_checked = float("-inf")
        # Set while a technician has the diagnostics mode open (kiosk/diagnostics.py): a staged
        # operator config waits for them to leave, as it waits for a visit to end.
        self.technician_in_mode = threading.Event()
        self.face_worker = face_worker or FaceWorker()
        self._own_face_worker = face_worker is None
        self._face_warming: threading.Thread | None = None
        self._last_visit_seen = time.monotonic()
        self._memory_to_give_back = False
        self._handouts_purged_at = time.monotonic()  # _settle_handouts purges at start
        self.identity_policy = IdentityPolicy(config.identity, FailureLog(config.data_dir))
        self.preview = Preview()  # the camera's frames for the screens, only during a face check
        # Where a card dispenser is configured, every card motion is journaled (kiosk/card_handout.py).
        self.handout_journal = Journal(config.data_path("handout.db")) if "dispenser" in config.devices else None
        self.stages = StageContext(
            config=config, session=self.session, services=self.services, devices=self.devices,
            central=self.central, outbox=self.outbox, stop=self._stop, central_lost=self._central_lost,
            visit_recorded=self._visit_recorded, clock=self.site_clock, handout_journal=self.handout_journal,
            identity=IdentityParts(self.identity_policy, self.face_worker, FaceSettings.from_config(config.identity),
                                   self.preview, fingerprint_template or (lambda _card: None)),
        )

    # ---- lifecycle ---------------------------------------------------------------------------
    def start(self, *, ticker: bool = True, devices_in_background: bool = False) -> "KioskCore":
        """`devices_in_background` (`kiosk run`): the devices are opened on a thread, so the
        attract screen comes up without waiting for them (and for their drivers' imports);
        until they have all answered, every service is greyed "devices_starting"."""
        self.session.subscribe(self._speak)
        if self._face_worker_on_demand():
            self.session.subscribe(self._face_worker_for_visit)
        self._reconcile_payments()
        self._record_interrupted()
        self.control.start()
        if devices_in_background:
            self._spawn(lambda: self._guarded(self._open_devices), "devices-start")
        else:
            self._open_devices()
        self.sync.start()
        self._spawn(self._watch_central, "central-watch")
        if self.config_updates is not None:
            self._spawn(lambda: self.config_updates.run(self._stop), "config-updates")
        if ticker:
            self._spawn(self._tick, "session-ticker")
        self.refresh_availability()
        if not self._face_worker_on_demand():
            self.face_worker.prewarm()  # the models load while the kiosk already shows its screen
        if "docprinter" in self.config.devices:  # and the CJK font, so the first certificate is quick
            self._pool.submit(self._guarded, self._warm_up_documents)
        return self

    def _warm_up_documents(self) -> None:
        from kiosk.documents import warm_up

        warm_up()
        self._memory_to_give_back = True  # the parse's garbage (~60 MB): between visits

    def _open_devices(self) -> None:
        try:
            self.devices.start()
            self._settle_handouts()
        finally:  # even after a driver's bug: what did not open is greyed (or out of service)
            self._devices_starting = False
            self.refresh_availability()
        _warm_up_identity()  # so the first card does not wait for these imports

    def stop(self) -> None:
        self._stop.set()
        self.control.stop()
        if self.config_updates is not None:
            self.config_updates.wake()  # its thread returns now, not after its wait
        for thread in self._threads:
            thread.join(timeout=5)
        self._pool.shutdown(wait=True, cancel_futures=True)
        self.sync.stop()
        self.devices.stop()
        self.central.close()
        self.outbox.close()
        self.speaker.stop()
        if self._own_face_worker:
            self.face_worker.close()
        self.identity_policy.failures.close()
        if self.handout_journal is not None:
            self.handout_journal.close()

    def _spawn(self, target, name: str) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def _speak(self, view: SessionView) -> None:
        text = spoken_prompt(view, self._last_spoken_view)
        self._last_spoken_view = view
        if text:
            self.speaker.say(text, view.language)

    def _tick(self) -> None:
        while not self._stop.wait(0.2):
            self.session.tick()
            now = time.monotonic()
            if now - self._idle_checked >= 1.0:  # once a second is soon enough between visits
                self._idle_checked = now
                self.between_visits()

    # ---- the face worker on demand (config identity.face_worker_idle_stop_s) -----------------
    def _face_worker_on_demand(self) -> bool:
        """Only a worker of the core's own: a shared one (tests) is its owner's business."""
        return self._own_face_worker and self.config.identity.face_worker_idle_stop_s > 0

    def _face_worker_for_visit(self, view: SessionView) -> None:
        """A citizen has touched the screen: the models load while they choose a service and
        place their card (~1.7 s; the first face check waits for whatever is left)."""
        if view.state in ("attract", "out_of_service") and view.visit_id is None:
            return
        self._last_visit_seen = time.monotonic()
        if self.face_worker.pid is None and (self._face_warming is None or not self._face_warming.is_alive()):
            self._face_warming = self.face_worker.prewarm()

    def _stop_idle_face_worker(self) -> None:
        if not self._face_worker_on_demand() or self.face_worker.pid is None or not self.idle():
            return
        if time.monotonic() - self._last_visit_seen >= self.config.identity.face_worker_idle_stop_s:
            log.info("face worker stopped: nobody at the kiosk for %.0f s", self.config.identity.face_worker_idle_stop_s)
            self.face_worker.close()

    def idle(self) -> bool:
        """Nobody at the kiosk: the attract screen or out of service, no visit begun."""
        view = self.session.view()
        return view.state in ("attract", "out_of_service") and view.visit_id is None

    def unattended(self) -> bool:
        """Idle, and no technician in the diagnostics mode either: the kiosk may start again."""
        return self.idle() and not self.technician_in_mode.is_set()

    def between_visits(self) -> None:
        """While nobody is at the kiosk (attract or out of service, no visit), a staged operator
        config is applied, and an idle face worker is stopped. A visit under way always
        finishes on the config it began with, and a technician's mode is left first."""
        self._stop_idle_face_worker()
        if self._memory_to_give_back and self.idle():
            self._memory_to_give_back = False
            give_back_freed_memory()
        if self.config_updates is not None and self.unattended():
            try:
                self.config_updates.between_visits()
            except OSError:
                log.exception("operator config not applied")
        if self.handout_journal is not None and self.idle() \
                and time.monotonic() - self._handouts_purged_at >= HANDOUT_PURGE_EVERY_S:
            self._handouts_purged_at = time.monotonic()
            try:  # a kiosk that runs for weeks without a restart keeps only a week of hand-outs too
                self.handout_journal.purge()
            except sqlite3.Error as exc:
                log.error("hand-out journal not purged: %s", exc)

    def _watch_central(self) -> None:
        last_heartbeat = float("-inf")
        while True:
            online = self.central.ping()
            if online != self._central_online:
                log.info("central %s", "reachable" if online else "unreachable")
                self._central_online = online
                if online:
                    self.sync.wake()
                    self._heartbeat_due = True
            if online and (self._open_payments or self.outbox.open_payments()):
                self._reconcile_payments()
            if self.handout_journal is not None and not self._devices_starting \
                    and self.handout_journal.unfinished() and self.session.visit is None:
                self._settle_handouts()  # e.g. once a technician has cleared a jam
            self.refresh_availability()  # also opens and closes services by their hours
            stalled = self.gui_pulse is not None and self.gui_pulse.stalled()
            if stalled != self._gui_stalled:  # operators hear of a frozen screen at once
                if stalled:
                    log.error("the screen has not answered for %.0f s", self.gui_pulse.status()["last_tick_age_s"])
                else:
                    log.info("the screen answers again")
                self._gui_stalled, self._heartbeat_due = stalled, True
            if self.remote.pending() and self.idle():  # e.g. a bundle asked for during a visit
                self._pool.submit(self._guarded, self.remote.work)
            now = time.monotonic()
            if online and (self._heartbeat_due or now - last_heartbeat >= self.config.central.heartbeat_s):
                if self._send_heartbeat():
                    last_heartbeat = now
            if self._stop.wait(1.0 if online and self._heartbeat_due else (5.0 if online else 2.0)):
                return

    @property
    def central_reachable(self) -> bool:
        """Whether central answered the last ping (every few seconds)."""
        return self._central_online

    def heartbeat_status(self) -> dict:
        """What central's operators see of this kiosk. No personal data."""
        stats = self.outbox.stats()
        view = self.session.view()
        return {
            "config_version": self.config_version,
            "state": view.state,
            "out_of_service": view.out_of_service_reason,
            "maintenance": None if (notice := self.maintenance.current()) is None else
            {"message": notice.message, "by": notice.by, "since": notice.since},
            "services": dict(self._availability),
            "devices": {name: status.to_json() for name, status in self.devices.statuses().items()},
            "queue": {key: stats[key] for key in ("pending", "in_flight", "dead", "quarantined",
                                                  "oldest_pending_age_s", "near_full", "full")},
            "sync": {"online": self.sync.state.online, "last_error": self.sync.state.last_error},
            # The signed operator config: the version run, the one seen, the last refusal and why.
            "operator_config": self.config_updates.status() if self.config_updates is not None else None,
            # How long ago the GUI thread last ticked; stalled: it stopped answering.
            "gui": self.gui_pulse.status() if self.gui_pulse is not None else None,
        }

    def _send_heartbeat(self) -> bool:
        self._heartbeat_due = False
        try:
            answer = self.central.heartbeat(self.heartbeat_status())
            if self.config_updates is not None:  # central's word on staged rollout
                self.config_updates.heard(answer.get("config_release"))
            if answer.get("remote_requests"):
                self._pool.submit(self._guarded, self._remote_requests, answer["remote_requests"])
            return True
        except (CentralUnavailable, CentralRejected) as exc:
            log.warning("heartbeat not sent: %s", exc)
            return False

    # ---- availability (CUSS-style: a service is offered only if what it needs is there) -------
    def refresh_availability(self) -> None:
        statuses = self.devices.statuses()
        queue_full = self.outbox.stats()["full"]
        starting = self._devices_starting
        availability = {service_id: "devices_starting" if starting else self._unavailable_reason(service, statuses, queue_full)
                        for service_id, service in self.services.items() if service.config.enabled}
        if availability != self._availability:
            self._heartbeat_due = True  # operators hear of a greyed-out service within a second
        self._availability = availability
        out_of_service = None
        reasons = {r for r in availability.values() if r != "closed"}
        if not starting and all(reason is not None for reason in availability.values()):
            out_of_service = "closed" if not reasons else (reasons.pop() if len(reasons) == 1 else "no_service_available")
        notice = self.maintenance.current()
        if notice is not None:  # a technician's word comes first
            out_of_service = "maintenance"
        self.session.set_availability(availability, out_of_service, notice.message if notice else None)

    def _unavailable_reason(self, service, statuses: dict[str, DeviceStatus], queue_full: bool) -> str | None:
        if queue_full:  # nothing can be recorded: first, whatever else is missing too
            return "queue_full"
        for requirement in service.requires:
            choices = (requirement,) if isinstance(requirement, str) else requirement
            usable = [d for d in choices if statuses.get(d) is not None and statuses[d].usable]
            if not usable:
                return device_reason(choices[0], statuses.get(choices[0]))
        if any(isinstance(s, Dispense) for s in service.stages) and self.handout_journal is not None \
                and self.handout_journal.unfinished():
            return "dispenser_fault"  # where the last card went is not settled yet
        checks_holder = any((isinstance(s, Identify) and s.identity == "policy" and s.when is None)
                            or (isinstance(s, Verify) and s.source == "service") for s in service.stages)
        if checks_holder:
            # The card holder proves it: face OR fingerprint suffices.
            devices = [METHOD_DEVICES[m] for m in self.config.identity.methods_for(service.id)]
            if not any(statuses.get(d) is not None and statuses[d].usable for d in devices):
                return device_reason(devices[0], statuses.get(devices[0]))
        if service.central_mode == "live" and not self._central_online:
            return "central_unreachable"
        if self._open_payments and any(isinstance(s, Pay) for s in service.stages):
            return "payments_unsettled"
        if not self.site_clock.within(service.config.hours):
            return "closed"
        return None

    def _remote_requests(self, requests) -> None:
        """Support's requests from the heartbeat's answer, taken and done off the watch thread."""
        if self.remote.heard(requests):
            self.remote.work()

    def _write_bundle(self, out: Path) -> Path:
        """The diagnostic bundle support asked for: as a technician's export, with the
        technicians' overview as its snapshot and the self-tests' last results (kiosk/bundle.py)."""
        from kiosk.bundle import write_bundle

        return write_bundle(out, config=self.config, outbox=self.outbox, audit=self.audit,
                            maintenance=self.maintenance, snapshot=overview.running(self),
                            self_tests=self.self_tests.results())

    def _reconcile_payments(self) -> None:
        """Settle the ledger's open orders with central (at start, before any payment is taken)
        and record the visits a stop interrupted after their payment. Never raises: an
        unreachable central leaves the orders open and the paid services closed until it answers."""
        visit = self.session.visit
        try:
            self._open_payments = reconcile(self.outbox, self.central, kiosk_id=self.config.kiosk.id,
                                            busy_visit=visit.id if visit else None, own_visits=self._own_visits)
        except Exception:  # a bug here must not keep the kiosk from serving unpaid services
            log.exception("payment reconciliation failed")
        self.refresh_availability()

    def _record_interrupted(self) -> None:
        """Before any service is offered: record the visits a stop interrupted with what they had
        done (kiosk/interrupted.py); those with a payment or a card hand-out are recorded once
        their order or their card is settled. Never raises: the visits stay for the next start."""
        journal = self.handout_journal
        handouts = set() if journal is None else \
            {v for v, _s in journal.unfinished()} | {ended.visit_id for ended in journal.finished()}
        try:
            record_interrupted(self.outbox, self.config.kiosk.id, skip=handouts | self._own_visits)
        except Exception:  # a bug here must not keep the kiosk from serving
            log.exception("interrupted visits not recorded")

    def _settle_handouts(self) -> None:
        """Before the pickup service is offered: settle every hand-out a stop interrupted, from
        where the dispenser says the card is, and record each visit that did not record itself
        with how its hand-out ended (central reports it on to the back office). Never raises: a
        dispenser that cannot answer keeps the service closed until it can."""
        journal = self.handout_journal
        if journal is None:
            return
        if journal.unfinished():
            try:
                with self.devices.in_use("dispenser") as dispenser:
                    CardHandout(dispenser, journal).recover()
            except DeviceError as exc:
                log.error("dispenser cannot say where the last card is (%s): pickup stays closed", exc.message)
        busy = self.session.visit.id if self.session.visit is not None else None
        service = next((sid for sid, svc in self.services.items()
                        if any(isinstance(s, Dispense) for s in svc.stages)), "id_card_pickup")
        for ended in journal.finished():
            if ended.visit_id in self._own_visits or ended.visit_id == busy \
                    or self.outbox.visit_outcome(ended.visit_id) is not None:
                continue
            record = interrupted_record(self.outbox, ended.visit_id, service, self.config.kiosk.id,
                                        more_done=handout_done(journal, ended.visit_id))
            record["handout"] = {"state": ended.state, "reason": ended.reason}
            try:
                self.outbox.record_visit(ended.visit_id, "interrupted", record)
            except OutboxFull as exc:
                log.error("visit %s not recorded: %s", ended.visit_id, exc)
                continue
            log.warning("visit %s stopped around its card hand-out (%s): recorded as interrupted",
                        ended.visit_id, ended.state)
        journal.purge()
        self.refresh_availability()

    # ---- Runner: the Session asks, the pool works ---------------------------------------------
    def start_stage(self, visit: Visit, stage) -> None:
        self._own_visits.add(visit.id)
        self._pool.submit(self._guarded, handler_for(stage.kind), self.stages, visit, stage)

    def record_rating(self, visit: Visit) -> None:
        payload = {"visit_id": visit.id, "service": visit.service_id, "score": visit.rating,
                   "reason": visit.rating_reason}
        self._pool.submit(self._guarded, self._enqueue, "rating", f"{visit.id}:rating", payload)

    def visit_ended(self, visit: Visit, outcome: str) -> None:
        if visit.id in self._recorded:
            self._recorded.discard(visit.id)
            return  # recorded at completion
        if visit.service_id is None:
            return  # never got past the home screen: nothing to keep
        # Built now, before the visit is wiped; a visit that did not complete carries no personal data.
        record = self.services[visit.service_id].record(visit, outcome)
        record.pop("applicant", None)
        self._pool.submit(self._guarded, self._record_ended, visit.id, outcome, record)

    def _guarded(self, job, *args) -> None:
        try:
            job(*args)
        except Exception:  # a bug in one visit's job must not take the kiosk down
            log.exception("job %s failed", getattr(job, "__name__", job))
            visit = next((a for a in args if isinstance(a, Visit)), None)
            if visit is not None:
                self.session.stage_failed(visit.id, None, "machine_error")

    def _central_lost(self) -> None:
        self._central_online = False
        self._pool.submit(self.refresh_availability)

    def _visit_recorded(self, visit_id: str) -> None:
        self._recorded.add(visit_id)
        self.sync.wake()
        self.refresh_availability()  # the queue may have reached its bound

    def _record_ended(self, visit_id: str, outcome: str, record: dict) -> None:
        self.outbox.record_visit(visit_id, outcome, record)
        self.sync.wake()
        self.refresh_availability()

    def _enqueue(self, kind: str, key: str, payload: dict) -> None:
        try:
            self.outbox.enqueue(kind, key, payload)
        except OutboxFull as exc:  # a rating is worth less than the visits already queued
            log.warning("%s %s not queued: %s", kind, key, exc)
            return
        self.sync.wake()


def _warm_up_identity() -> None:
    import drivers.idcard.photo  # noqa: F401 (OpenCV, numpy)
    import kiosk.identity.verifier  # noqa: F401




def device_reason(device: str, status: DeviceStatus | None) -> str:
    """A message code the screens can translate: printer_paper_out, idcard_unavailable, …"""
    if status is None or status.state in (DeviceState.NO_DEVICE, DeviceState.OFFLINE):
        return f"{device}_unavailable"
    detail = status.detail or {}
    if detail.get("paper") == "out":
        return f"{device}_paper_out"
    if detail.get("cover") == "open":
        return f"{device}_cover_open"
    return f"{device}_fault"

