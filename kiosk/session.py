"""The citizen's visit, stage by stage, with a countdown on every step.

The machine is built from the configured services' stage lists (kiosk/flow.py): attract → home →
the chosen service's stages in order (skipping those whose `when` is false) → done → attract,
with `out_of_service` reachable from attract and home. What each stage means is generic:

- citizen stages (identify, verify, scan, choose, select, enter, confirm, pay, capture_photo,
  result, rate)
  wait for the citizen, with a "need more time?" prompt `warning_s` before their deadline (a
  payment's countdown is its order's, without the prompt);
- machine stages (ask, act, dispense, record) wait for central or a device, under a hard
  ceiling that ends the visit with an error.

Cancel works from every citizen stage and from done; leaving a visit, however, wipes its data.

The Session is Qt-free and thread-safe: screens call its intents from the GUI thread, the core's
workers report results from theirs, and every change is published as an immutable SessionView.
Long work (reading the card, asking central, printing) is started through the Runner and never
runs inside a Session method.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass
from typing import Callable, Protocol

from kiosk.config import KioskConfig
from kiosk.flow import build_flow, state_name
from kiosk.inputs import entry_error, normalise_key
from kiosk.payments import reference
from kiosk.services.base import Option
from kiosk.services.stages import Stage
from kiosk.site_clock import SiteClock
from kiosk.visit import ServiceResult, Visit, new_visit_id

RATING_REASONS = ("slow", "hard_to_use", "device_problem", "unhappy_with_result", "other")
REASON_REQUIRED_BELOW = 3  # 不满意 and 非常不满意 ask why
ENTRY_MAX = 32
PAYMENT_GRACE_S = 10  # past the order's expiry, for central's final word to arrive


class Runner(Protocol):
    """The core's side: starts long work off the caller's thread and reports back to the Session."""

    def start_stage(self, visit: Visit, stage: Stage) -> None: ...

    def record_rating(self, visit: Visit) -> None: ...

    def visit_ended(self, visit: Visit, outcome: str) -> None: ...


@dataclass(frozen=True)
class Tile:
    id: str
    title: str
    subtitle: str
    available: bool
    reason: str | None = None  # a message code when unavailable
    hours: tuple[str, ...] = ()  # opening windows in site time; () = round the clock


@dataclass(frozen=True)
class StepView:
    """A question with choices (a Choose stage, or a result's follow-up actions)."""

    id: str
    title: str
    prompt: str
    choices: tuple[tuple[str, str], ...]
    index: int
    count: int
    selected: str | None = None


@dataclass(frozen=True)
class SelectView:
    """Several picks from a list (a Select stage): each option with its amount; the ones not
    selectable say why."""

    id: str
    title: str
    prompt: str
    options: tuple[Option, ...]
    selected: tuple[str, ...]
    total_fen: int
    index: int
    count: int


@dataclass(frozen=True)
class PaymentView:
    """A Pay stage: the QR code to scan, what it pays for, and what central says of it."""

    state: str  # opening (no code yet) | waiting | paid (being delivered) | central's final state
    amount_fen: int = 0
    lines: tuple[tuple[str, int], ...] = ()  # (label, amount_fen)
    qr_url: str = ""
    order_id: str = ""
    reference: str = ""  # what the citizen sees of the order's number (and finds on the receipt)


@dataclass(frozen=True)
class EntryView:
    """Typed input on the on-screen keyboard. `value` is what was typed (a plate, a phone
    number, an application number): shown back to the citizen as typed."""

    id: str
    title: str
    prompt: str
    format: str
    value: str
    error: str | None = None  # a message code once the citizen submitted something invalid


@dataclass(frozen=True)
class VerifyView:
    """The identity check as the citizen sees it."""

    method: str | None = None  # face | fingerprint
    guidance: str | None = None  # a guidance code: move_closer, too_dark, blink, turn_left …
    challenge: str | None = None  # the liveness challenge asked now
    progress: float = 0.0  # 0..1 of the current attempt
    result: str | None = None  # verified | refused | locked, once decided


@dataclass(frozen=True)
class PhotoView:
    """An ID photo being taken: what to fix now, then the photo to accept or retake."""

    guidance: str | None = None  # a guidance code (move_closer, photo_open_eyes …) while capturing
    photo: bytes | None = None  # the GA 461 photo (JPEG) once taken; the citizen accepts or retakes
    tries: int = 0  # photos taken so far in this visit
    max_tries: int = 3


@dataclass(frozen=True)
class RatingView:
    score: int | None = None
    needs_reason: bool = False
    reasons: tuple[str, ...] = RATING_REASONS


@dataclass(frozen=True)
class SessionView:
    """Everything a screen may show. Personal values are already masked."""

    state: str  # attract, home, out_of_service, done, or the current stage's kind
    language: str
    kiosk_name: str
    stage_id: str | None = None
    service_id: str | None = None
    tiles: tuple[Tile, ...] = ()
    service_title: str = ""
    step: StepView | None = None
    select: SelectView | None = None
    payment: PaymentView | None = None
    entry: EntryView | None = None
    verify: VerifyView | None = None
    photo: PhotoView | None = None
    handout: str | None = None  # a Dispense stage: moving | checking | presented (take the card)
    rating: RatingView | None = None
    action: str | None = None  # the device action of an `act` stage: print_receipt, print_document …
    summary: tuple[tuple[str, str], ...] = ()  # (label code, value); "text:…" labels are already translated
    rows: tuple[tuple[str, str], ...] = ()  # the result stage's rows, same form
    message: str | None = None  # a message code the screens translate
    countdown: int | None = None
    prompt_more_time: bool = False
    can_cancel: bool = False
    can_back: bool = False
    outcome: str | None = None
    reference: str | None = None
    reason: str | None = None
    receipt_printed: bool | None = None
    document_printed: bool | None = None
    out_of_service_reason: str | None = None
    out_of_service_notice: str | None = None  # a technician's own words for citizens
    notices: tuple[str, ...] = ()  # the operators' notices on the attract screen, in the language
    visit_id: str | None = None
    sequence: int = 0


@dataclass
class _Timer:
    deadline: float | None = None
    prompting: bool = False
    extensions: int = 0
    last_published: int | None = None


class Session:
    def __init__(self, config: KioskConfig, runner: Runner, services: dict | None = None, *,
                 clock: Callable[[], float] = time.monotonic, site_clock: SiteClock | None = None):
        """`services`: {id: Service} as the core built them (by default built here from config);
        `site_clock`: the site's wall clock (which notices are in their dates)."""
        if services is None:
            from kiosk.services import build_services

            services = build_services(config)
        self._config = config
        self._runner = runner
        self._services = services
        self._clock = clock
        self._site_clock = site_clock or SiteClock(config.kiosk.timezone)
        self._lock = threading.RLock()
        self._listeners: list[Callable[[SessionView], None]] = []
        self._flow = build_flow(services)()
        self._timer = _Timer()
        self._language = config.language
        self._availability: dict[str, str | None] = {s: None for s in services}
        self._out_of_service: str | None = None
        self._notice: str | None = None
        self._message: str | None = None
        self._verify = VerifyView()
        self._photo_guidance: str | None = None
        self._entry = ""
        self._entry_error: str | None = None
        self._carry: str | None = None  # a problem to tell the citizen at the end (receipt not printed …)
        self._sequence = 0
        self.visit: Visit | None = None

    # ---- observing -------------------------------------------------------------------------
    def subscribe(self, listener: Callable[[SessionView], None]) -> None:
        """Listeners run on the thread that made the change and must not block."""
        with self._lock:
            self._listeners.append(listener)
            listener(self._view())

    @property
    def state(self) -> str:
        """What the citizen is at: attract, home, out_of_service, done, or the stage's kind."""
        stage = self._stage()
        return stage.kind if stage is not None else self._flow.current_state_value

    @property
    def stage(self) -> Stage | None:
        with self._lock:
            return self._stage()

    def view(self) -> SessionView:
        with self._lock:
            return self._view()

    # ---- citizen intents ---------------------------------------------------------------------
    def touch(self) -> None:
        with self._lock:
            if self._flow.current_state_value == "attract":
                self.visit = Visit(id=new_visit_id(self._config.kiosk.id))
                self._send("start")
            elif self._citizen_stage() or self.state == "home":
                self._activity()

    def choose_service(self, service_id: str) -> None:
        with self._lock:
            if self.state != "home" or self.visit is None:
                return
            if service_id not in self._availability or self._availability[service_id] is not None:
                self._message = "service_unavailable"
                self._publish()
                return
            self.visit.service_id = service_id
            self._advance()

    def choose(self, step_id: str, choice_id: str) -> None:
        """A pick on a Choose stage, or one of the result screen's follow-up actions."""
        with self._lock:
            stage = self._stage()
            if stage is None or stage.id != step_id or stage.kind not in ("choose", "result"):
                return
            if choice_id not in {cid for cid, _label in self._choices(stage)}:
                return
            self.visit.choices[step_id] = choice_id
            self._advance()

    def toggle(self, stage_id: str, option_id: str) -> None:
        """Select or unselect one option of a Select stage (not-selectable ones stay out)."""
        with self._lock:
            stage = self._stage()
            if stage is None or stage.kind != "select" or stage.id != stage_id:
                return
            selectable = {o.id for o in self._options(stage) if o.selectable}
            if option_id not in selectable:
                return
            chosen = list(self.visit.selected.get(stage_id, ()))
            if option_id in chosen:
                chosen.remove(option_id)
            else:
                chosen.append(option_id)
            self.visit.selected[stage_id] = tuple(o for o in (o.id for o in self._options(stage)) if o in chosen)
            self._message = None
            self._activity()

    def key(self, stage_id: str, key: str) -> None:
        """One key of the on-screen keyboard on an Enter stage."""
        with self._lock:
            stage = self._stage()
            if stage is None or stage.kind != "enter" or stage.id != stage_id:
                return
            char = normalise_key(stage.format, key, self._entry)
            if char and len(self._entry) < ENTRY_MAX:
                self._entry += char
                self._entry_error = None
            self._activity()

    def backspace(self, stage_id: str) -> None:
        with self._lock:
            stage = self._stage()
            if stage is not None and stage.kind == "enter" and stage.id == stage_id:
                self._entry = self._entry[:-1]
                self._entry_error = None
                self._activity()

    def submit_entry(self, stage_id: str) -> None:
        with self._lock:
            stage = self._stage()
            if stage is None or stage.kind != "enter" or stage.id != stage_id:
                return
            error = entry_error(stage.format, self._entry)
            if error is not None:
                self._entry_error = error
                self._activity()
                return
            self.visit.inputs[stage.id] = self._entry
            self._advance()

    def back(self) -> None:
        """Back to the previous question the citizen answered (a choice or a typed entry)."""
        with self._lock:
            target = self._back_target()
            if target is None:
                return
            self.visit.choices.pop(target.id, None)
            self.visit.inputs.pop(target.id, None)
            self._go(target)

    def confirm(self) -> None:
        """Go on from a confirm or result stage, or with a Select stage's picks (one at least)."""
        with self._lock:
            if self.visit is None:
                return
            if self.state == "select":
                if not self.visit.selected.get(self._stage().id):
                    self._message = "select_none"
                    self._activity()
                    return
                self._advance()
            elif self.state in ("confirm", "result"):
                self._advance()

    def rate(self, score: int) -> None:
        with self._lock:
            if self.state != "rate" or self.visit is None or not 1 <= score <= 5:
                return
            self.visit.rating = score
            if score < REASON_REQUIRED_BELOW:
                self.visit.rating_reason = None
                self._activity()  # the reasons show; the rating is kept once one is picked
                return
            self._runner.record_rating(self.visit)
            self._advance()

    def rate_reason(self, reason: str) -> None:
        with self._lock:
            if (self.state != "rate" or self.visit is None or self.visit.rating is None
                    or self.visit.rating >= REASON_REQUIRED_BELOW or reason not in RATING_REASONS):
                return
            self.visit.rating_reason = reason
            self._runner.record_rating(self.visit)
            self._advance()

    def skip_rating(self) -> None:
        with self._lock:
            if self.state == "rate":
                self._advance()

    def accept_photo(self, stage_id: str) -> None:
        """The citizen keeps the photo shown."""
        with self._lock:
            stage = self._stage()
            if stage is not None and stage.kind == "capture_photo" and stage.id == stage_id and self.visit.photo:
                self._advance()

    def retake_photo(self, stage_id: str) -> None:
        """Another photo; after the last try, the citizen is sent to a counter."""
        with self._lock:
            stage = self._stage()
            if stage is None or stage.kind != "capture_photo" or stage.id != stage_id or not self.visit.photo:
                return
            self.visit.photo = None
            if self.visit.photo_tries >= stage.max_tries:
                self._finish_with("photo_go_to_counter")
                return
            self._photo_guidance = None
            self._arm_timer(keep_extensions=True)
            self._publish()
            self._runner.start_stage(self.visit, stage)

    def finish(self) -> None:
        with self._lock:
            if self.state == "done":
                self._end_visit(self._done_outcome())

    def cancel(self, reason: str = "cancelled") -> None:
        with self._lock:
            if self._cancellable():
                if self._completed():
                    outcome = "completed"
                elif self.visit is not None and self.visit.identity_refused:
                    outcome = "identity_refused"
                else:
                    outcome = reason
                self._end_visit(outcome)

    def more_time(self) -> None:
        with self._lock:
            if self._timer.prompting:
                self._timer.extensions += 1
                self._timer.prompting = False
                self._timer.deadline = self._clock() + self._config.timeouts.extend_s
                self._publish()

    def set_language(self, language: str) -> None:
        with self._lock:
            if language in ("zh", "en") and language != self._language:
                self._language = language
                if self._citizen_stage():
                    self._activity()
                self._publish()

    # ---- reports from the core's workers ----------------------------------------------------
    def card_read(self, visit_id: str, card) -> None:
        with self._lock:
            if not self._is_current(visit_id, "identify"):
                return
            self.visit.card = card
            self._message = None
            self._verify = VerifyView()
            self._advance()

    def identify_problem(self, visit_id: str, message: str) -> None:
        """The card (or the scanned code) could not be used yet: guide and keep waiting."""
        with self._lock:
            if self.visit is None or self.visit.id != visit_id or self.state not in ("identify", "scan", "read_document"):
                return
            if self._message != message:
                self._message = message
                self._publish()

    scan_problem = identify_problem

    def scanned(self, visit_id: str, code: str) -> None:
        with self._lock:
            if not self._is_current(visit_id, "scan"):
                return
            self.visit.inputs[self._stage().id] = code
            self._message = None
            self._advance()

    def verify_update(self, visit_id: str, method: str, guidance: str | None = None,
                      challenge: str | None = None, progress: float = 0.0) -> None:
        """What the identity check asks of the citizen now."""
        with self._lock:
            if not self._is_current(visit_id, "verify"):
                return
            update = VerifyView(method, guidance, challenge, progress)
            if update != self._verify:
                self._verify = update
                self._publish()

    def verify_step(self, visit_id: str, step) -> None:
        """The identity policy's next step (kiosk.identity.policy.PolicyStep): start, retry or
        fall back to another method, with its message. The citizen is acting: the clock restarts."""
        with self._lock:
            if not self._is_current(visit_id, "verify"):
                return
            self._message = step.message
            self._verify = VerifyView(method=step.method)
            self._arm_timer(keep_extensions=True)
            self._publish()

    def verify_finished(self, visit_id: str, step) -> None:
        """The identity check is over: verified goes on with the visit, anything else ends it."""
        with self._lock:
            if not self._is_current(visit_id, "verify"):
                return
            if step.action == "verified":
                self._verify = VerifyView(result="verified")
                self._advance()
                return
            self.visit.identity_refused = True
            self._verify = VerifyView(result=step.action)
            self._finish_with(step.message)

    def photo_update(self, visit_id: str, stage_id: str, guidance: str | None) -> None:
        """What the citizen at the camera should fix now (None: hold still, it is being taken)."""
        with self._lock:
            stage = self._stage()
            if self._is_current(visit_id, "capture_photo") and stage.id == stage_id and not self.visit.photo \
                    and guidance != self._photo_guidance:
                self._photo_guidance = guidance
                self._publish()

    def photo_taken(self, visit_id: str, stage_id: str, jpeg: bytes) -> None:
        """A frame passed every check: its GA 461 photo, for the citizen to accept or retake."""
        with self._lock:
            stage = self._stage()
            if not self._is_current(visit_id, "capture_photo") or stage.id != stage_id or self.visit.photo:
                return
            self.visit.photo = jpeg
            self.visit.photo_tries += 1
            self._photo_guidance = None
            self._arm_timer(keep_extensions=True)
            self._publish()

    def handout_update(self, visit_id: str, stage_id: str, state: str) -> None:
        """Where the card being handed out is (kiosk/handlers/dispense.py)."""
        with self._lock:
            stage = self._stage()
            if self._is_current(visit_id, "dispense") and stage.id == stage_id and self.visit.handout != state:
                self.visit.handout = state
                self._publish()

    def payment_update(self, visit_id: str, stage_id: str, order) -> None:
        """What central says of the visit's order (kiosk.payments.Order): the code to show, paid,
        refunded. The countdown follows the order's own expiry from the first word on it; once
        paid, the wait for central's delivery is the machine's, under its hard ceiling."""
        with self._lock:
            stage = self._stage()
            if not self._is_current(visit_id, "pay") or stage.id != stage_id:
                return
            before = self.visit.payment
            self.visit.payment = order
            left = order.seconds_left()
            if before is None and left is not None:
                self._timer = _Timer(deadline=self._clock() + max(0.0, left) + PAYMENT_GRACE_S)
            if order.state == "paid" and (before is None or before.state != "paid"):
                self._timer = _Timer(deadline=self._clock() + self._config.timeouts.working_s)
            self._publish()

    def stage_done(self, visit_id: str, stage_id: str, result: ServiceResult | None = None) -> None:
        """A machine stage finished; `result` is what central answered (ask stages)."""
        with self._lock:
            stage = self._stage()
            if self.visit is None or self.visit.id != visit_id or stage is None or stage.id != stage_id:
                return
            if result is not None:
                self.visit.result = result
            self._advance()

    def at_stage(self, visit_id: str, stage_id: str) -> bool:
        """Whether the visit is still at this stage: a machine stage that outlived its ceiling (the
        visit failed, the citizen left and the visit was wiped) must not go on to print."""
        with self._lock:
            stage = self._stage()
            return self.visit is not None and self.visit.id == visit_id and stage is not None and stage.id == stage_id

    def stage_problem(self, visit_id: str, stage_id: str, message: str) -> None:
        """A machine stage went on despite a problem the citizen should hear of at the end
        (e.g. a receipt that did not print)."""
        with self._lock:
            stage = self._stage()
            if self.visit is not None and self.visit.id == visit_id and stage is not None and stage.id == stage_id:
                self._carry = message

    def stage_failed(self, visit_id: str, stage_id: str | None, message: str) -> None:
        """A machine stage cannot go on: the visit ends at `done` with `message`."""
        with self._lock:
            stage = self._stage()
            if self.visit is None or self.visit.id != visit_id or stage is None:
                return
            if stage.citizen and not stage.worker:  # nothing of the kiosk's runs there
                return
            if stage_id is not None and stage.id != stage_id:
                return
            self._fail(message)

    def set_availability(self, availability: dict[str, str | None], out_of_service: str | None,
                         notice: str | None = None) -> None:
        """Which services can be offered now (None = available, else a reason code), and whether
        the whole kiosk is out of service. A visit under way is never cut short by this."""
        with self._lock:
            changed = (availability != self._availability or out_of_service != self._out_of_service
                       or notice != self._notice)
            self._availability = dict(availability)
            self._out_of_service = out_of_service
            self._notice = notice
            current = self._flow.current_state_value
            if out_of_service and current == "attract":
                self._send("suspend")
            elif out_of_service and current == "home":
                self._end_visit("cancelled")
                self._send("suspend")
            elif not out_of_service and current == "out_of_service":
                self._send("resume")
            elif changed:
                self._publish()

    # ---- time --------------------------------------------------------------------------------
    def tick(self) -> None:
        """Called a few times a second by the core's ticker (or by tests with a fake clock)."""
        with self._lock:
            if self._timer.deadline is None:
                return
            remaining = self._timer.deadline - self._clock()
            if remaining <= 0:
                self._timed_out()
                return
            timeouts = self._config.timeouts
            if ((self._citizen_stage() or self.state == "home") and self.state != "pay" and not self._timer.prompting
                    and remaining <= timeouts.warning_s and self._timer.extensions < timeouts.max_extensions):
                self._timer.prompting = True
                self._publish()
            elif math.ceil(remaining) != self._timer.last_published:
                self._publish()

    def _timed_out(self) -> None:
        stage = self._stage()
        if stage is not None and (not stage.citizen or not self._cancellable()):
            self._fail("machine_timeout")  # a paid order being delivered is the machine's wait too
        elif stage is not None and stage.kind == "rate" and self._completed():
            self._advance()  # the outcome stays a moment longer, with "take your card"
        elif self.state == "done":
            self._end_visit(self._done_outcome())
        else:
            self._end_visit("timeout")

    # ---- moving through the stages -----------------------------------------------------------
    def _service(self):
        return self._services[self.visit.service_id]

    def _stage(self) -> Stage | None:
        if self.visit is None or self.visit.stage_id is None:
            return None
        return self._service().step(self.visit.stage_id)

    def _citizen_stage(self) -> bool:
        stage = self._stage()
        return stage is not None and stage.citizen

    def _advance(self) -> None:
        """To the next stage that applies to this visit, or to done after the last."""
        service = self._service()
        steps = service.steps
        current = self._stage()
        start = 0 if current is None else steps.index(current) + 1
        for stage in steps[start:]:
            if stage.kind == "rate" and not service.config.rating:
                continue
            if stage.applies(self.visit):
                self._go(stage)
                return
        self._finish_with(self._carry)

    def _go(self, stage: Stage) -> None:
        self.visit.stage_id = stage.id
        self._entry, self._entry_error = "", None
        if stage.kind == "enter":
            self._entry = self.visit.inputs.pop(stage.id, "")
        self._send(f"to_{state_name(self.visit.service_id, stage.id)}")
        if stage.worker:
            self._runner.start_stage(self.visit, stage)

    def _finish_with(self, message: str | None) -> None:
        if self.visit is not None:
            self.visit.stage_id = None
        self._message = message  # set first: the one view of `done` published carries it
        self._send("finish")

    def _fail(self, message: str) -> None:
        """The visit ends at `done` because a stage could not go on. A payment that failed fails
        the visit, whatever was looked up before it (a query's answer is not the outcome)."""
        stage = self._stage()
        if stage is not None and stage.kind == "pay" and self.visit.result is not None:
            self.visit.result = None
        self._finish_with(message)

    def _back_target(self) -> Stage | None:
        stage = self._stage()
        if stage is None or not stage.citizen or stage.kind not in ("choose", "select", "enter", "confirm"):
            return None
        steps = self._service().steps
        for earlier in reversed(steps[:steps.index(stage)]):
            if not earlier.applies(self.visit):
                continue  # skipped on the way here
            if earlier.worker:
                return None  # never back over the card, the identity check, central or a payment
            if earlier.kind in ("choose", "select", "enter"):
                return earlier
        return None

    def _send(self, event: str) -> None:
        self._flow.send(event)
        if self.visit is not None:
            self.visit.furthest_state = self.state
        if self.state != "done":  # there the message explains the outcome
            self._message = None
        if self.state == "attract":
            self._carry = None
        self._arm_timer()
        self._publish()

    def _end_visit(self, outcome: str) -> None:
        visit, self.visit = self.visit, None
        if visit is not None:
            try:
                self._runner.visit_ended(visit, outcome)
            finally:
                visit.wipe()
        self._language = self._config.language
        self._message = None
        self._carry = None
        self._verify = VerifyView()
        self._photo_guidance = None
        self._entry, self._entry_error = "", None
        if self._flow.current_state_value != "attract":
            self._flow.send("reset")
        self._arm_timer()
        self._publish()

    def _done_outcome(self) -> str:
        if self._completed():
            return "completed"
        return "identity_refused" if self.visit is not None and self.visit.identity_refused else "failed"

    def _cancellable(self) -> bool:
        """Cancel is offered on citizen stages, home and done; not once a payment is taken and
        central is delivering it (the money is in: the citizen waits for the outcome)."""
        if self.state == "pay" and self.visit.payment is not None and self.visit.payment.state == "paid":
            return False
        return self._citizen_stage() or self.state in ("home", "done")

    def _completed(self) -> bool:
        return bool(self.visit and self.visit.result is not None
                    and (self.state in ("result", "rate", "done")))

    def _activity(self) -> None:
        if self._citizen_stage() or self.state == "home":
            self._arm_timer(keep_extensions=True)
            self._publish()

    def _arm_timer(self, keep_extensions: bool = False) -> None:
        timeouts, stage = self._config.timeouts, self._stage()
        if stage is not None:
            limit = timeouts.for_state(stage.kind) if stage.citizen else timeouts.per_state.get(stage.kind, timeouts.working_s)
            if stage.kind == "dispense":  # motions, the read, and the citizen taking the card
                limit = timeouts.per_state.get(stage.kind, 3 * timeouts.working_s + timeouts.card_take_s)
        elif self.state == "home":
            limit = timeouts.for_state("home")
        elif self.state == "done":
            limit = timeouts.done_s
        else:
            limit = None
        extensions = self._timer.extensions if keep_extensions else 0
        self._timer = _Timer(
            deadline=None if limit is None else self._clock() + limit,
            extensions=extensions,
        )

    def _is_current(self, visit_id: str, kind: str) -> bool:
        return self.visit is not None and self.visit.id == visit_id and self.state == kind

    def _choices(self, stage: Stage) -> tuple[tuple[str, str], ...]:
        service = self._service()
        if stage.kind == "result":
            return service.result_actions(self.visit, self._language)
        return service.choices(stage, self.visit, self._language)

    def _options(self, stage: Stage) -> tuple[Option, ...]:
        return self._service().options(stage, self.visit, self._language)

    def _payment_view(self) -> PaymentView:
        order = self.visit.payment
        if order is None:
            return PaymentView(state="opening")
        state = "waiting" if order.state == "created" else order.state
        return PaymentView(state=state, amount_fen=order.amount_fen,
                           lines=tuple((line.label, line.amount_fen) for line in order.lines),
                           qr_url=order.qr_url if order.state == "created" else "", order_id=order.order_id,
                           reference=reference(order.order_id))

    def _publish(self) -> None:
        self._sequence += 1
        view = self._view()
        self._timer.last_published = view.countdown
        for listener in list(self._listeners):
            listener(view)

    # ---- the view ----------------------------------------------------------------------------
    def _view(self) -> SessionView:
        lang, state, stage = self._language, self.state, self._stage()
        remaining = None
        if self._timer.deadline is not None:
            remaining = max(0, math.ceil(self._timer.deadline - self._clock()))
        view = dict(
            state=state,
            language=lang,
            kiosk_name=self._config.kiosk.name.pick(lang),
            message=self._message or (self._carry if state in ("result", "rate", "done") else None),
            countdown=remaining,
            prompt_more_time=self._timer.prompting,
            can_cancel=self._cancellable(),
            out_of_service_reason=self._out_of_service,
            out_of_service_notice=self._notice,
            sequence=self._sequence,
        )
        if state == "attract":
            today = self._site_clock.now().date().isoformat()
            view["notices"] = tuple(n.text.pick(lang) for n in self._config.notices
                                    if (n.from_date or today) <= today <= (n.until_date or today))
        if state == "home":
            view["tiles"] = tuple(
                Tile(
                    id=s.id,
                    title=s.title.pick(lang),
                    subtitle=s.subtitle.pick(lang) if s.subtitle else "",
                    available=self._availability.get(s.id) is None,
                    reason=self._availability.get(s.id),
                    hours=tuple(s.hours),
                )
                for s in self._config.services
                if s.enabled and s.id in self._services
            )
        visit = self.visit
        if visit is None:
            return SessionView(**view)
        view["visit_id"] = visit.id
        if visit.service_id:
            service = self._service()
            view["service_id"] = service.id
            view["service_title"] = service.title(lang)
            if stage is not None:
                view["stage_id"] = stage.id
                view["can_back"] = self._back_target() is not None
                view.update(self._stage_view(service, stage, lang))
            if state == "done" and self._verify.result:
                view["verify"] = self._verify
        if visit.result is not None:
            view.update(
                outcome=visit.result.outcome,
                reference=visit.result.reference,
                reason=visit.result.reason,
                receipt_printed=visit.receipt_printed,
                document_printed=visit.document_printed,
            )
        return SessionView(**view)

    def _stage_view(self, service, stage: Stage, lang: str) -> dict:
        kind = stage.kind
        if kind == "verify":
            return {"verify": self._verify}
        if kind in ("choose", "result"):
            title, prompt = service.stage_texts(stage, lang)
            questions = [s for s in service.steps if s.kind in ("choose", "select", "enter") and s.applies(self.visit)]
            index = questions.index(stage) if stage in questions else 0
            step = StepView(id=stage.id, title=title, prompt=prompt, choices=self._choices(stage),
                            index=index, count=len(questions), selected=self.visit.choices.get(stage.id))
            extra = {"step": step}
            if kind == "result":
                extra["rows"] = service.result_rows(self.visit, lang)
            return extra
        if kind == "select":
            title, prompt = service.stage_texts(stage, lang)
            options = self._options(stage)
            selected = self.visit.selected.get(stage.id, ())
            questions = [s for s in service.steps if s.kind in ("choose", "select", "enter") and s.applies(self.visit)]
            return {"select": SelectView(
                id=stage.id, title=title, prompt=prompt, options=options, selected=selected,
                total_fen=sum(o.amount_fen for o in options if o.id in selected),
                index=questions.index(stage) if stage in questions else 0, count=len(questions))}
        if kind == "pay":
            return {"payment": self._payment_view(), "summary": service.summary(self.visit, lang)}
        if kind == "enter":
            title, prompt = service.stage_texts(stage, lang)
            return {"entry": EntryView(id=stage.id, title=title, prompt=prompt, format=stage.format,
                                       value=self._entry, error=self._entry_error)}
        if kind == "confirm":
            extra = {"summary": service.summary(self.visit, lang)}
            title, prompt = service.stage_texts(stage, lang)
            if title or prompt:
                extra["step"] = StepView(id=stage.id, title=title, prompt=prompt, choices=(), index=0, count=0)
            return extra
        if kind == "act":
            return {"action": stage.action}
        if kind == "capture_photo":
            return {"photo": PhotoView(guidance=self._photo_guidance, photo=self.visit.photo,
                                       tries=self.visit.photo_tries, max_tries=stage.max_tries)}
        if kind == "dispense":
            return {"handout": self.visit.handout or "moving"}
        if kind == "rate":
            score = self.visit.rating
            return {"rating": RatingView(score=score, needs_reason=score is not None and score < REASON_REQUIRED_BELOW)}
        if kind in ("ask", "record") and self.visit.card is not None:
            return {"summary": service.summary(self.visit, lang)}
        return {}
