"""The stages a service is declared from, in the order a citizen meets them.

A service lists its stages (`Service.stages`); the visit machine is built from those lists
(kiosk/flow.py), and what each stage does lives in one handler per kind (kiosk/handlers/).
Cancel, countdowns, the "need more time?" prompt and the wipe are the same for every stage.

Citizen stages wait for the citizen and have a countdown with the "need more time?" prompt;
machine stages wait for a device or central and have a hard ceiling instead. A stage whose
`when` is false for the visit is skipped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, ClassVar, Literal

IdentityPolicy = Literal["policy", "none"]
EntryFormat = Literal["digits", "letters", "code", "plate", "phone", "permit", "id_number"]
Action = Literal["print_receipt", "print_document"]
# Where the identity check's material comes from: the card just read, or the service (central's
# answer: the fingerprints and photo recorded at application, for a citizen without a card).
IdentitySource = Literal["card", "service"]


@dataclass(frozen=True)
class Stage:
    id: str
    # Skip the stage unless this says yes for the visit (e.g. only when a choice was made).
    when: Callable[[object], bool] | None = field(default=None, compare=False, repr=False)
    kind: ClassVar[str]
    citizen: ClassVar[bool] = True
    # Started on the core's workers as soon as the visit reaches it (machine stages, and the
    # citizen stages that wait on a device or central: the card, the scanner, a payment).
    worker: ClassVar[bool] = False

    def applies(self, visit) -> bool:
        return self.when is None or bool(self.when(visit))


@dataclass(frozen=True)
class Identify(Stage):
    """Read the resident ID card; then, unless `identity="none"`, the card holder proves it is
    them (face with liveness, or the fingerprint: the identity policy of kiosk/identity)."""

    id: str = "identify"
    identity: IdentityPolicy = "policy"
    kind: ClassVar[str] = "identify"
    worker: ClassVar[bool] = True


@dataclass(frozen=True)
class Verify(Stage):
    """The identity check after the card read; added by the flow for `Identify(identity="policy")`.
    Declared on its own with `source="service"`, it checks the citizen against what the service
    gives (`Service.identity_material`), and with `fallback="unusable"` a method that did not
    match is final: the next method is only for a citizen the first one cannot be used on."""

    id: str = "verify"
    source: IdentitySource = "card"
    fallback: Literal["always", "unusable"] = "always"
    kind: ClassVar[str] = "verify"
    worker: ClassVar[bool] = True


@dataclass(frozen=True)
class Scan(Stage):
    """The citizen holds a code (the QR on a receipt) under the barcode scanner."""

    id: str = "scan"
    kind: ClassVar[str] = "scan"
    worker: ClassVar[bool] = True


@dataclass(frozen=True)
class ReadDocument(Stage):
    """The citizen lays a chip travel document (the Hong Kong and Macau permit) on the PC/SC
    reader; the kiosk opens the chip with the access key the service gives
    (`Service.access_key`) and the service checks what it holds (`Service.check_document`).
    Only on a kiosk with that reader (`devices.chipdoc`): elsewhere the stage is left out."""

    id: str = "document"
    device: ClassVar[str] = "chipdoc"
    kind: ClassVar[str] = "read_document"
    worker: ClassVar[bool] = True


@dataclass(frozen=True)
class Choose(Stage):
    """One question with big choices: fixed ones from the service's config (`[[services.steps]]`
    with this id), or, with `from_answer`, built by the service from what central answered."""

    from_answer: bool = False
    kind: ClassVar[str] = "choose"


@dataclass(frozen=True)
class Select(Stage):
    """Several picks from a list the service builds from central's answer (`Service.options`):
    fines to pay, each with its amount; some shown but not selectable, with the reason. The
    citizen confirms the selection (at least one)."""

    kind: ClassVar[str] = "select"


@dataclass(frozen=True)
class Enter(Stage):
    """Typed input on the on-screen keyboard, validated as `format` (kiosk/inputs.py)."""

    format: EntryFormat = "code"
    kind: ClassVar[str] = "enter"


@dataclass(frozen=True)
class Confirm(Stage):
    """The citizen checks what will be done (masked name and number, the choices) and confirms."""

    id: str = "confirm"
    kind: ClassVar[str] = "confirm"


@dataclass(frozen=True)
class Ask(Stage):
    """Ask central (`Service.ask(operation, …)`). `offline="accept"` accepts the application for
    later when central cannot be reached (`Service.accept_offline`); "refuse" says so plainly."""

    operation: str = "apply"
    offline: Literal["accept", "refuse"] = "refuse"
    kind: ClassVar[str] = "ask"
    citizen: ClassVar[bool] = False
    worker: ClassVar[bool] = True


@dataclass(frozen=True)
class Pay(Stage):
    """A QR-code payment: central opens an order for what the service asks (`Service.order`),
    the citizen pays in their payment app while the kiosk shows the code with the amount and a
    countdown, and central delivers what was paid for once the provider says paid. The order's
    intent is in the outbox before the code shows; cancelling ends the visit and closes the order
    (kiosk/handlers/pay.py, docs/payments.md)."""

    id: str = "pay"
    kind: ClassVar[str] = "pay"
    worker: ClassVar[bool] = True


@dataclass(frozen=True)
class Act(Stage):
    """A device action. By default it runs only when the visit has something to hand out
    (no result yet, or a result that is printable)."""

    action: Action = "print_receipt"
    kind: ClassVar[str] = "act"
    citizen: ClassVar[bool] = False
    worker: ClassVar[bool] = True

    def applies(self, visit) -> bool:
        if self.when is not None:
            return bool(self.when(visit))
        return visit.result is None or visit.result.printable


@dataclass(frozen=True)
class Dispense(Stage):
    """Hand a finished card out of the card dispenser (`Service.handout` says which slot and how
    to recognise the card): moved to the read position, read and checked to be the citizen's,
    presented at the mouth, taken or retracted. Every motion is journaled before and after
    (kiosk/card_handout.py). The machine's stage: nothing to cancel once a card moves."""

    id: str = "dispense"
    kind: ClassVar[str] = "dispense"
    citizen: ClassVar[bool] = False
    worker: ClassVar[bool] = True


@dataclass(frozen=True)
class CapturePhoto(Stage):
    """An ID photo at the camera: live guidance until a frame passes every check
    (kiosk/identity/photo_checks.py), then the GA 461 photo for the citizen to accept or retake
    (`max_tries` photos, then the visit ends at "please go to a counter")."""

    id: str = "photo"
    max_tries: int = 3
    kind: ClassVar[str] = "capture_photo"
    worker: ClassVar[bool] = True


@dataclass(frozen=True)
class Record(Stage):
    """The visit's record goes into the outbox, before the citizen sees the outcome. The flow
    adds it after the last machine stage; it runs once the visit has a result."""

    id: str = "record"
    kind: ClassVar[str] = "record"
    citizen: ClassVar[bool] = False
    worker: ClassVar[bool] = True

    def applies(self, visit) -> bool:
        return visit.result is not None and (self.when is None or bool(self.when(visit)))


@dataclass(frozen=True)
class Result(Stage):
    """The outcome in rows (`Service.result_rows`), with the service's follow-up choices if any
    (`Service.result_actions`)."""

    id: str = "result"
    kind: ClassVar[str] = "result"


@dataclass(frozen=True)
class Rate(Stage):
    """好差评: five levels; the two lowest ask for a reason. Skipped where the service's config
    says `rating = false`."""

    id: str = "rate"
    kind: ClassVar[str] = "rate"


MACHINE_KINDS = frozenset({"ask", "act", "dispense", "record"})


def expand(stages: tuple[Stage, ...]) -> tuple[Stage, ...]:
    """The stages as the visit machine runs them: a Verify after an Identify that checks the
    holder, and a Record after the last machine stage (or before the first result/rate)."""
    steps: list[Stage] = []
    for stage in stages:
        steps.append(stage)
        if isinstance(stage, Identify) and stage.identity == "policy":
            steps.append(Verify(id="verify" if stage.id == "identify" else f"{stage.id}_verify", when=stage.when))
    if not any(isinstance(s, Record) for s in steps):
        machine = [i for i, s in enumerate(steps) if s.kind in MACHINE_KINDS]
        if machine:
            steps.insert(machine[-1] + 1, Record())
    ids = [s.id for s in steps]
    duplicates = {i for i in ids if ids.count(i) > 1}
    if duplicates:
        raise ValueError(f"stage ids must be unique within a service: {', '.join(sorted(duplicates))}")
    return tuple(steps)
