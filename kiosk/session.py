"""The citizen's visit as a state machine, with a countdown on every step.

    attract ─touch─▶ home ─choose_service─▶ identify ─card─▶ verify ─verified─▶ steps ─▶ confirm ─▶ working
       ▲                                                           │                              │
       │                                                           │ identity refused / locked    │
       │                                   printing ◀── issued / accepted ─────────────────────────┤
       │                                      │                    │                              │ refused
       └──── done ◀── rate ◀──────────────────┴────────────────────┴──────────────────────────────┘

In `verify` the citizen proves they hold the card (face with liveness, fingerprint as the
fallback; kiosk/identity). A refused or locked check ends the visit at `done`, nothing printed.

Cancel works from every state the citizen controls; `out_of_service` takes over from attract or
home when no service can be offered. Every state but attract and out_of_service has a deadline:
where the citizen is acting, a "need more time?" prompt comes `warning_s` before it; where the
machine is working, the deadline is a hard ceiling that ends the visit with an error.

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

from statemachine import State, StateMachine

from kiosk.config import KioskConfig
from kiosk.privacy import mask_name
from kiosk.visit import ServiceResult, Visit, new_visit_id

CITIZEN_STATES = frozenset({"home", "identify", "verify", "steps", "confirm", "rate"})
MACHINE_STATES = frozenset({"working", "printing"})


class VisitFlow(StateMachine):
    """Only the transitions; what happens on them lives in Session."""

    attract = State(initial=True)
    home = State()
    identify = State()
    verify = State()
    steps = State()
    confirm = State()
    working = State()
    printing = State()
    rate = State()
    done = State()
    out_of_service = State()

    start = attract.to(home)
    choose_service = home.to(identify)
    card_accepted = identify.to(verify)
    identity_verified = verify.to(steps, cond="has_steps") | verify.to(confirm)
    identity_refused = verify.to(done)
    steps_complete = steps.to(confirm)
    back_to_steps = confirm.to(steps, cond="has_steps")
    submit = confirm.to(working)
    answered_printable = working.to(printing)
    answered_final = working.to(rate)
    receipt_finished = printing.to(rate)
    work_failed = working.to(done) | printing.to(done)
    rating_finished = rate.to(done)
    reset = (home.to(attract) | identify.to(attract) | verify.to(attract) | steps.to(attract) | confirm.to(attract)
             | working.to(attract) | printing.to(attract) | rate.to(attract) | done.to(attract))
    suspend = attract.to(out_of_service) | home.to(out_of_service)
    resume = out_of_service.to(attract)

    def __init__(self, has_steps: Callable[[], bool]):
        self._has_steps = has_steps
        super().__init__()

    def has_steps(self) -> bool:
        return self._has_steps()


class Runner(Protocol):
    """The core's side: starts long work off the caller's thread and reports back to the Session."""

    def start_identify(self, visit: Visit) -> None: ...

    def start_verify(self, visit: Visit) -> None: ...

    def start_completion(self, visit: Visit) -> None: ...

    def record_rating(self, visit: Visit) -> None: ...

    def visit_ended(self, visit: Visit, outcome: str) -> None: ...


@dataclass(frozen=True)
class Tile:
    id: str
    title: str
    subtitle: str
    available: bool
    reason: str | None = None  # a message code when unavailable


@dataclass(frozen=True)
class StepView:
    id: str
    title: str
    prompt: str
    choices: tuple[tuple[str, str], ...]
    index: int
    count: int
    selected: str | None = None


@dataclass(frozen=True)
class VerifyView:
    """The identity check as the citizen sees it."""

    method: str | None = None  # face | fingerprint
    guidance: str | None = None  # a guidance code: move_closer, too_dark, blink, turn_left …
    challenge: str | None = None  # the liveness challenge asked now
    progress: float = 0.0  # 0..1 of the current attempt
    result: str | None = None  # verified | refused | locked, once decided


@dataclass(frozen=True)
class SessionView:
    """Everything a screen may show. Personal values are already masked."""

    state: str
    language: str
    kiosk_name: str
    tiles: tuple[Tile, ...] = ()
    service_title: str = ""
    step: StepView | None = None
    verify: VerifyView | None = None
    summary: tuple[tuple[str, str], ...] = ()  # (label code, value)
    message: str | None = None  # a message code the screens translate
    countdown: int | None = None
    prompt_more_time: bool = False
    can_cancel: bool = False
    outcome: str | None = None
    reference: str | None = None
    reason: str | None = None
    receipt_printed: bool | None = None
    out_of_service_reason: str | None = None
    visit_id: str | None = None
    sequence: int = 0


@dataclass
class _Timer:
    deadline: float | None = None
    prompting: bool = False
    extensions: int = 0
    last_published: int | None = None


class Session:
    def __init__(self, config: KioskConfig, runner: Runner, *, clock: Callable[[], float] = time.monotonic):
        self._config = config
        self._runner = runner
        self._clock = clock
        self._lock = threading.RLock()
        self._listeners: list[Callable[[SessionView], None]] = []
        self._flow = VisitFlow(has_steps=self._service_has_steps)
        self._timer = _Timer()
        self._language = config.language
        self._availability: dict[str, str | None] = {s.id: None for s in config.services}
        self._out_of_service: str | None = None
        self._message: str | None = None
        self._verify = VerifyView()
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
        return self._flow.current_state_value

    def view(self) -> SessionView:
        with self._lock:
            return self._view()

    # ---- citizen intents ---------------------------------------------------------------------
    def touch(self) -> None:
        with self._lock:
            if self.state == "attract":
                self.visit = Visit(id=new_visit_id(self._config.kiosk.id))
                self._enter("start")
            elif self.state in CITIZEN_STATES:
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
            self._enter("choose_service")
            self._runner.start_identify(self.visit)

    def choose(self, step_id: str, choice_id: str) -> None:
        with self._lock:
            if self.state != "steps" or self.visit is None:
                return
            steps = self._service().steps
            current = self._current_step_index()
            if steps[current].id != step_id or choice_id not in {c.id for c in steps[current].choices}:
                return
            self.visit.choices[step_id] = choice_id
            if self._current_step_index() >= len(steps):
                self._enter("steps_complete")
            else:
                self._activity()

    def back(self) -> None:
        with self._lock:
            if self.state == "confirm" and self.visit is not None and self._service_has_steps():
                last = self._service().steps[-1].id
                self.visit.choices.pop(last, None)
                self._enter("back_to_steps")
            elif self.state == "steps" and self.visit is not None and self.visit.choices:
                self.visit.choices.pop(list(self.visit.choices)[-1])
                self._activity()

    def confirm(self) -> None:
        with self._lock:
            if self.state != "confirm" or self.visit is None:
                return
            self._enter("submit")
            self._runner.start_completion(self.visit)

    def rate(self, score: int) -> None:
        with self._lock:
            if self.state != "rate" or self.visit is None or not 1 <= score <= 5:
                return
            self.visit.rating = score
            self._runner.record_rating(self.visit)
            self._enter("rating_finished")

    def skip_rating(self) -> None:
        with self._lock:
            if self.state == "rate":
                self._enter("rating_finished")

    def finish(self) -> None:
        with self._lock:
            if self.state == "done":
                self._end_visit(self._done_outcome())

    def cancel(self, reason: str = "cancelled") -> None:
        with self._lock:
            if self.state in CITIZEN_STATES or self.state == "done":
                refused = self.state == "done" and self.visit is not None and self.visit.identity_refused
                outcome = "completed" if self._completed() else ("identity_refused" if refused else reason)
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
                if self.state in CITIZEN_STATES:
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
            self._enter("card_accepted")
            self._runner.start_verify(self.visit)

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
                self._enter("identity_verified")
                return
            self.visit.identity_refused = True
            self._verify = VerifyView(result=step.action)
            self._message = step.message
            self._enter("identity_refused")

    def identify_problem(self, visit_id: str, message: str) -> None:
        """The card could not be used yet (no card, read error, expired): guide and keep waiting."""
        with self._lock:
            if self._is_current(visit_id, "identify") and self._message != message:
                self._message = message
                self._publish()

    def service_answered(self, visit_id: str, result: ServiceResult) -> None:
        with self._lock:
            if not self._is_current(visit_id, "working"):
                return
            self.visit.result = result
            self._enter("answered_printable" if result.printable else "answered_final")

    def receipt_finished(self, visit_id: str, printed: bool, problem: str | None = None) -> None:
        with self._lock:
            if not self._is_current(visit_id, "printing"):
                return
            self.visit.receipt_printed = printed
            self._message = problem
            self._enter("receipt_finished")

    def completion_failed(self, visit_id: str, message: str) -> None:
        with self._lock:
            if self.visit is None or self.visit.id != visit_id or self.state not in MACHINE_STATES:
                return
            self._message = message
            self._enter("work_failed")

    def set_availability(self, availability: dict[str, str | None], out_of_service: str | None) -> None:
        """Which services can be offered now (None = available, else a reason code), and whether
        the whole kiosk is out of service. A visit under way is never cut short by this."""
        with self._lock:
            changed = availability != self._availability or out_of_service != self._out_of_service
            self._availability = dict(availability)
            self._out_of_service = out_of_service
            if out_of_service and self.state == "attract":
                self._enter("suspend")
            elif out_of_service and self.state == "home":
                self._end_visit("cancelled")
                self._enter("suspend")
            elif not out_of_service and self.state == "out_of_service":
                self._enter("resume")
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
            if (self.state in CITIZEN_STATES and not self._timer.prompting
                    and remaining <= timeouts.warning_s and self._timer.extensions < timeouts.max_extensions):
                self._timer.prompting = True
                self._publish()
            elif math.ceil(remaining) != self._timer.last_published:
                self._publish()

    def _timed_out(self) -> None:
        state = self.state
        if state in MACHINE_STATES:
            self._message = "machine_timeout"
            self._enter("work_failed")
        elif state == "rate":
            self._enter("rating_finished")
        elif state == "done":
            self._end_visit(self._done_outcome())
        else:
            self._end_visit("timeout")

    # ---- internals ---------------------------------------------------------------------------
    def _enter(self, event: str) -> None:
        self._flow.send(event)
        if self.visit is not None:
            self.visit.furthest_state = self.state
        if self.state not in ("rate", "done"):  # there the message explains the outcome
            self._message = None
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
        self._verify = VerifyView()
        if self.state != "attract":
            self._flow.send("reset")
        self._arm_timer()
        self._publish()

    def _done_outcome(self) -> str:
        if self._completed():
            return "completed"
        return "identity_refused" if self.visit is not None and self.visit.identity_refused else "failed"

    def _completed(self) -> bool:
        return bool(self.visit and self.visit.result is not None and self.state in ("rate", "done"))

    def _activity(self) -> None:
        if self.state in CITIZEN_STATES:
            self._arm_timer(keep_extensions=True)
            self._publish()

    def _arm_timer(self, keep_extensions: bool = False) -> None:
        state, timeouts = self.state, self._config.timeouts
        if state in CITIZEN_STATES:
            limit = timeouts.for_state(state)
        elif state in MACHINE_STATES:
            limit = timeouts.working_s
        elif state == "done":
            limit = timeouts.done_s
        else:
            limit = None
        extensions = self._timer.extensions if keep_extensions else 0
        self._timer = _Timer(
            deadline=None if limit is None else self._clock() + limit,
            extensions=extensions,
        )

    def _is_current(self, visit_id: str, state: str) -> bool:
        return self.visit is not None and self.visit.id == visit_id and self.state == state

    def _service(self):
        return self._config.service(self.visit.service_id)

    def _service_has_steps(self) -> bool:
        return bool(self.visit and self.visit.service_id and self._service().steps)

    def _current_step_index(self) -> int:
        steps = self._service().steps
        for index, step in enumerate(steps):
            if step.id not in self.visit.choices:
                return index
        return len(steps)

    def _publish(self) -> None:
        self._sequence += 1
        view = self._view()
        self._timer.last_published = view.countdown
        for listener in list(self._listeners):
            listener(view)

    def _view(self) -> SessionView:
        lang, state = self._language, self.state
        remaining = None
        if self._timer.deadline is not None:
            remaining = max(0, math.ceil(self._timer.deadline - self._clock()))
        view = dict(
            state=state,
            language=lang,
            kiosk_name=self._config.kiosk.name.pick(lang),
            message=self._message,
            countdown=remaining,
            prompt_more_time=self._timer.prompting,
            can_cancel=state in CITIZEN_STATES or state == "done",
            out_of_service_reason=self._out_of_service,
            sequence=self._sequence,
        )
        if state == "home":
            view["tiles"] = tuple(
                Tile(
                    id=s.id,
                    title=s.title.pick(lang),
                    subtitle=s.subtitle.pick(lang) if s.subtitle else "",
                    available=self._availability.get(s.id) is None,
                    reason=self._availability.get(s.id),
                )
                for s in self._config.services
                if s.enabled
            )
        visit = self.visit
        if visit is not None:
            view["visit_id"] = visit.id
            if visit.service_id:
                service = self._service()
                view["service_title"] = service.title.pick(lang)
                if state == "steps":
                    index = self._current_step_index()
                    step = service.steps[min(index, len(service.steps) - 1)]
                    view["step"] = StepView(
                        id=step.id,
                        title=step.title.pick(lang),
                        prompt=step.prompt.pick(lang),
                        choices=tuple((c.id, c.label.pick(lang)) for c in step.choices),
                        index=index,
                        count=len(service.steps),
                        selected=visit.choices.get(step.id),
                    )
                if state == "verify" or (state == "done" and self._verify.result):
                    view["verify"] = self._verify
                if state in ("confirm", "working", "printing") and visit.card is not None:
                    view["summary"] = self._summary(service, lang)
            if visit.result is not None:
                view.update(
                    outcome=visit.result.outcome,
                    reference=visit.result.reference,
                    reason=visit.result.reason,
                    receipt_printed=visit.receipt_printed,
                )
        return SessionView(**view)

    def _summary(self, service, lang: str) -> tuple[tuple[str, str], ...]:
        card = self.visit.card
        rows = [("service", service.title.pick(lang)), ("name", mask_name(card.name)), ("id_number", card.masked_id)]
        for step in service.steps:
            chosen = self.visit.choices.get(step.id)
            label = next((c.label.pick(lang) for c in step.choices if c.id == chosen), "")
            rows.append((f"step:{step.title.pick(lang)}", label))
        return tuple(rows)
