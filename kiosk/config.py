"""The kiosk's configuration: pydantic models, loaded from TOML.

`config/default.toml` (package data) holds the defaults; a deployment points `--config` at its own
file, and the demo overrides the device and central URLs at run time. The models are the source of
`config/schema.json` (`kiosk config schema`), which a test keeps in step with this file.
"""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from common.config_groups import GROUP
from kiosk.pin import PIN_HASH_PATTERN, pin_hash_problem
from kiosk.print_templates import DocumentTemplates
from kiosk.site_clock import parse_window


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Text(_Strict):
    """A text shown to citizens, in Chinese and English."""

    zh: str
    en: str = ""

    def pick(self, language: str) -> str:
        return (self.en or self.zh) if language == "en" else self.zh


class KioskIdentity(_Strict):
    id: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,64}$")
    name: Text
    hotline: str = ""
    # The authority that issues documents at this site, as printed on certificates.
    issuer: Text = Field(default_factory=lambda: Text(zh="公安局", en="Public Security Bureau"))
    # The site's clock: receipts, certificates, opening hours and screens use it; records keep UTC.
    timezone: str = "Asia/Shanghai"

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, zone: str) -> str:
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {zone!r} (an IANA name such as Asia/Shanghai)") from None
        return zone


class DeviceConfig(_Strict):
    url: str
    poll_interval_s: float = Field(3.0, gt=0)


class CentralConfig(_Strict):
    url: str
    secret_file: str = "kiosk.secret"
    # Dev and demo only: enrol with central's --dev endpoint when no secret file exists.
    enrol_if_missing: bool = False
    timeout_s: float = Field(5.0, gt=0)
    heartbeat_s: float = Field(60.0, ge=1)


class SpeechConfig(_Strict):
    enabled: bool = True
    command: str = "espeak-ng"
    speed_wpm: int = Field(150, ge=80, le=400)
    # Write prompts as WAV files here instead of playing them (tests, checking a new text).
    record_dir: str | None = None


class QueueConfig(_Strict):
    """The outbox's bound: past it, new visits are refused rather than risk losing queued ones."""

    max_items: int = Field(50_000, ge=1)
    warn_ratio: float = Field(0.8, gt=0, le=1)
    # Delivered items are kept this long (a technician can still see them), then purged.
    retention_days: float = Field(7, ge=0)
    # The sync worker's backoff while central is unreachable: doubling from 1 s up to this.
    max_backoff_s: float = Field(300, ge=1)




class LogsConfig(_Strict):
    """The log file under data_dir/logs: rotated at max_bytes, `backups` old files kept, so the
    disk holds at most (backups + 1) × max_bytes of log. The journal has its own bound."""

    max_bytes: int = Field(5_000_000, ge=100_000)
    backups: int = Field(5, ge=1, le=100)


class Technician(_Strict):
    """A technician's account: who they are and their PIN as a hash (`kiosk config pin-hash`)."""

    id: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,64}$")
    name: str = Field(min_length=1, max_length=64)
    pin_hash: str = Field(pattern=PIN_HASH_PATTERN)

    @field_validator("pin_hash")
    @classmethod
    def _pin_hash(cls, value: str) -> str:
        problem = pin_hash_problem(value)
        if problem:
            raise ValueError(problem)
        return value


class DiagnosticsConfig(_Strict):
    """The technicians' mode. Without a PIN hash or a technician it cannot be entered at all."""

    # An argon2id hash made by `kiosk config pin-hash` (or an older PBKDF2 one); a cost below
    # kiosk.pin's minimums is refused.
    pin_hash: str | None = Field(None, pattern=PIN_HASH_PATTERN)
    # Wrong PINs lock the account they were typed for: `lockout_failures` of them lock it for
    # `lockout_s`, each further lockout doubles, up to a day, until its right PIN is given.
    lockout_failures: int = Field(5, ge=1)
    lockout_s: int = Field(300, ge=10)
    # Wrong PINs across all accounts lock the entry itself (whoever picks an account) for
    # `entry_lockout_s`: someone trying account after account is stopped too.
    entry_lockout_failures: int = Field(10, ge=1)
    entry_lockout_s: int = Field(900, ge=10)
    idle_exit_s: int = Field(120, ge=15)  # a forgotten diagnostics screen returns to citizens
    # Where the screen's "export" writes the diagnostic bundle: a USB stick's mount point.
    export_dir: str = "/media/kiosk-usb"
    # Accounts pushed by operators (docs/operator-config.md); each one's PIN opens the mode too.
    technicians: list[Technician] = Field(default_factory=list)

    @field_validator("pin_hash")
    @classmethod
    def _pin_hash(cls, value: str | None) -> str | None:
        problem = None if value is None else pin_hash_problem(value)
        if problem:
            raise ValueError(problem)
        return value


class Timeouts(_Strict):
    """Seconds a citizen has on each step; the "need more time?" prompt shows `warning_s` before."""

    default_s: int = Field(60, ge=10)
    warning_s: int = Field(15, ge=3)
    extend_s: int = Field(60, ge=10)
    max_extensions: int = Field(2, ge=0)
    per_state: dict[str, int] = Field(default_factory=dict)
    # Waiting on the machine, not the citizen: no prompt, a hard ceiling that fails the step.
    working_s: int = Field(30, ge=5)
    done_s: int = Field(15, ge=3)
    # A card presented at the dispenser's mouth and not taken within this goes to the reject bin.
    card_take_s: int = Field(30, ge=5)

    def for_state(self, state: str) -> int:
        return self.per_state.get(state, self.default_s)


class Choice(_Strict):
    id: str
    label: Text


class StepConfig(_Strict):
    """The texts of one citizen stage of a service, and a Choose stage's fixed choices."""

    id: str
    title: Text
    prompt: Text
    choices: list[Choice] = Field(default_factory=list)


class ServiceConfig(_Strict):
    """One tile on the home screen. What the service does (its stages, devices, central access)
    is declared by its package, kiosk/services/<id>/; here is what a site or operator sets."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")
    title: Text
    subtitle: Text | None = None
    enabled: bool = True
    # Opening hours in site time, e.g. ["08:30-12:00", "13:30-17:30"]; none = round the clock.
    hours: list[str] = Field(default_factory=list)
    rating: bool = True  # ask for a 好差评 rating at the end
    # "live": needs an answer from central during the visit; "offline_ok": may be accepted offline
    # and completed by central later (the receipt says so). Unset: the service's own default.
    central: Literal["live", "offline_ok"] | None = None
    steps: list[StepConfig] = Field(default_factory=list)  # the fixed choices of Choose stages
    # Fees an operator sets, by item, in fen. Central prices payments itself and reads them from
    # the published operator config (central/price_list.py); the kiosk shows central's answer.
    fees_fen: dict[str, int] = Field(default_factory=dict)

    @field_validator("fees_fen")
    @classmethod
    def _fees(cls, fees: dict[str, int]) -> dict[str, int]:
        for item, fen in fees.items():
            if not item.isidentifier() or fen < 0:
                raise ValueError(f"fee {item!r}: an identifier and a whole number of fen, 0 or more")
        return fees

    @field_validator("hours")
    @classmethod
    def _hours_parse(cls, hours: list[str]) -> list[str]:
        for window in hours:
            parse_window(window)
        return hours

    def step(self, step_id: str) -> StepConfig | None:
        return next((s for s in self.steps if s.id == step_id), None)


IdentityMethod = Literal["face", "fingerprint"]


class IdentityConfig(_Strict):
    """Identity verification (人证比对): thresholds, liveness and the policy (docs/identity.md)."""

    # face_recognition's distance: at or below is the same person (its documented 0.6; our two
    # bundled people are 0.67-0.71 apart, edited ID-size copies of one photo 0.13-0.29).
    threshold: float = Field(0.6, gt=0, lt=2)
    liveness: bool = True
    challenges: list[Literal["blink", "turn"]] = Field(default_factory=lambda: ["blink", "turn"], min_length=1)
    challenge_timeout_s: float = Field(8.0, gt=0)
    attempt_timeout_s: float = Field(30.0, gt=0)
    max_attempts: int = Field(3, ge=1)  # per method and visit
    lockout_failures_per_day: int = Field(5, ge=1)  # per card, counted across visits
    # Methods in the order they are tried: a method's failures fall back to the next one.
    default_methods: list[IdentityMethod] = Field(default_factory=lambda: ["face", "fingerprint"], min_length=1)
    methods: dict[str, list[IdentityMethod]] = Field(default_factory=dict)  # per service id
    # The face worker (dlib's models, ~150 MB, ~1.7 s to load) starts when a citizen touches the
    # attract screen and stops after this long with nobody at the kiosk; 0 keeps it loaded.
    face_worker_idle_stop_s: float = Field(300, ge=0)

    def methods_for(self, service_id: str) -> list[str]:
        return list(self.methods.get(service_id, self.default_methods))


class Notice(_Strict):
    """A notice on the attract screen, between visits."""

    text: Text
    # Shown from/until these site dates (YYYY-MM-DD, both included); unset = always.
    from_date: str | None = Field(None, pattern=r"^\d{4}-\d{2}-\d{2}$")
    until_date: str | None = Field(None, pattern=r"^\d{4}-\d{2}-\d{2}$")


class UpdatesConfig(_Strict):
    """Signed operator configuration for this kiosk's group, through TUF (docs/operator-config.md)."""

    group: str = Field(pattern=GROUP.pattern)
    # The repository: URL/metadata/ and URL/targets/. Unset: central's /tuf/.
    url: str | None = None
    # The root of trust installed with the kiosk (root.json of the repository), and where the
    # updater keeps its metadata and the configs; both relative to data_dir unless absolute.
    trust: str = "tuf-root.json"
    state_dir: str = "operator-config"
    poll_s: float = Field(300, ge=5)
    jitter_s: float = Field(60, ge=0)  # up to this much is added to each wait, so kiosks spread out

    def repository_url(self, central_url: str) -> str:
        return (self.url or central_url.rstrip("/") + "/tuf").rstrip("/")


class KioskConfig(_Strict):
    kiosk: KioskIdentity
    data_dir: str = "var"
    language: Literal["zh", "en"] = "zh"
    devices: dict[str, DeviceConfig]
    central: CentralConfig
    timeouts: Timeouts = Field(default_factory=Timeouts)
    queue: QueueConfig = Field(default_factory=QueueConfig)
    speech: SpeechConfig = Field(default_factory=SpeechConfig)
    logs: LogsConfig = Field(default_factory=LogsConfig)
    identity: IdentityConfig = Field(default_factory=IdentityConfig)
    diagnostics: DiagnosticsConfig = Field(default_factory=DiagnosticsConfig)
    notices: list[Notice] = Field(default_factory=list)
    # What receipts and certificates print around their fixed content (kiosk/print_templates.py).
    documents: DocumentTemplates = Field(default_factory=DocumentTemplates)
    updates: UpdatesConfig | None = None
    services: list[ServiceConfig]

    @model_validator(mode="after")
    def _unique_services(self):
        ids = [s.id for s in self.services]
        if len(ids) != len(set(ids)):
            raise ValueError("service ids must be unique")
        return self

    def service(self, service_id: str) -> ServiceConfig:
        for service in self.services:
            if service.id == service_id:
                return service
        raise KeyError(service_id)

    def data_path(self, *parts: str) -> Path:
        return Path(self.data_dir).joinpath(*parts)


class ConfigError(Exception):
    """A configuration file that cannot be used; the message says where and why."""


def default_config_text() -> str:
    return resources.files("config").joinpath("default.toml").read_text(encoding="utf-8")


def load_config(path: str | Path | None = None, overrides: dict[str, Any] | None = None,
                operator: dict[str, Any] | None = None) -> KioskConfig:
    """Load a TOML config (the packaged default when `path` is None) and apply dotted overrides,
    e.g. {"devices.printer.url": "escpos+tcp://127.0.0.1:9100"}, then the operator config
    (kiosk/operator_config.py: its sections replace the local ones)."""
    data = config_data(path, overrides)
    if operator is not None:
        from kiosk.operator_config import overlay

        data = overlay(data, operator)
    try:
        config = KioskConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"invalid config {path or 'default.toml'}: {first_problem(exc)}") from None
    from kiosk.services import build_services  # the services check what they need of the config

    try:
        build_services(config)
    except ValueError as exc:
        raise ConfigError(f"invalid config {path or 'default.toml'}: {exc}") from None
    return config


def config_data(path: str | Path | None = None, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """The TOML file (or the packaged default) as data, with the dotted overrides applied; not
    validated (load_config does that)."""
    try:
        text = Path(path).read_text(encoding="utf-8") if path else default_config_text()
        data = tomllib.loads(text)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read config {path or 'default.toml'}: {exc}") from None
    for dotted, value in (overrides or {}).items():
        _set_dotted(data, dotted, value)
    return data


def first_problem(exc: ValidationError) -> str:
    """The first of a validation's errors as `where: what`, for one clear line."""
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first["loc"]) or "(top level)"
    return f"{where}: {first['msg']}"


def _set_dotted(data: dict, dotted: str, value: Any) -> None:
    *parents, leaf = dotted.split(".")
    node = data
    for key in parents:
        node = node.setdefault(key, {})
    node[leaf] = value


def json_schema() -> dict[str, Any]:
    return KioskConfig.model_json_schema()
