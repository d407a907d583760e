"""The operator config: what central's operators may change for a group of kiosks.

Operators publish it signed (kiosk/config_updates/, docs/operator-config.md); the kiosk lays it
over its local file, which keeps what belongs to the machine alone (kiosk id and site, devices,
central's URL and credentials, data_dir, the group). The rule of the overlay: each section the
operator config has replaces the same section of the local file whole, and a section it leaves
out keeps the local value. Whole, not merged key by key, so that one published config means the
same on every kiosk of the group whatever their local files say.

The models here are the source of `config/operator.schema.json` (`kiosk config schema
--operator`); the sections mirror kiosk/config.py's, which they are mapped onto.
"""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from kiosk.config import (ConfigError, IdentityMethod, Notice, ServiceConfig, StepConfig, Technician, Text,
                          Timeouts, first_problem)
from kiosk.print_templates import CertificateKind, CertificateTemplate, ReceiptTemplate, issuer_problem


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class OperatorService(_Strict):
    """A service as operators set it: kiosk/config.py's ServiceConfig plus its identity methods."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")
    title: Text
    subtitle: Text | None = None
    enabled: bool = True
    hours: list[str] = Field(default_factory=list)
    rating: bool = True
    central: Literal["live", "offline_ok"] | None = None
    steps: list[StepConfig] = Field(default_factory=list)
    fees_fen: dict[str, int] = Field(default_factory=dict)
    # The identity methods in the order tried (identity.methods[id]); unset: the default methods.
    identity_methods: list[IdentityMethod] | None = Field(None, min_length=1)

    @model_validator(mode="after")
    def _as_service(self):
        ServiceConfig.model_validate(self._service_fields())  # hours, fees: the kiosk's own checks
        return self

    def _service_fields(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude={"identity_methods"}, exclude_unset=True)


class Documents(_Strict):
    """What receipts and certificates print that operators set: the issuing authority on the A4
    certificates, the hotline on receipts, the receipts' title and footer lines, and per kind of
    certificate its issuer and a note in its small print (kiosk/print_templates.py)."""

    issuer: Text | None = None
    hotline: str | None = Field(None, max_length=32)
    receipt: ReceiptTemplate | None = None
    certificates: dict[CertificateKind, CertificateTemplate] | None = None

    @field_validator("issuer")
    @classmethod
    def _issuer_fits(cls, issuer: Text | None) -> Text | None:
        problem = issuer and issuer_problem(issuer.zh)  # the certificates print the Chinese
        if problem:
            raise ValueError(problem)
        return issuer


class Sync(_Strict):
    heartbeat_s: float | None = Field(None, ge=1)  # central.heartbeat_s
    max_backoff_s: float | None = Field(None, ge=1)  # queue.max_backoff_s


class Updates(_Strict):
    poll_s: float | None = Field(None, ge=5)
    jitter_s: float | None = Field(None, ge=0)


class OperatorConfig(_Strict):
    language: Literal["zh", "en"] | None = None  # the language a visit starts in
    services: list[OperatorService] | None = None  # the home screen's tiles, in this order
    default_identity_methods: list[IdentityMethod] | None = Field(None, min_length=1)
    timeouts: Timeouts | None = None
    notices: list[Notice] | None = None
    documents: Documents | None = None
    sync: Sync | None = None
    updates: Updates | None = None
    technicians: list[Technician] | None = None

    @model_validator(mode="after")
    def _unique(self):
        for name, ids in (("service", [s.id for s in self.services or ()]),
                          ("technician", [t.id for t in self.technicians or ()])):
            if len(ids) != len(set(ids)):
                raise ValueError(f"{name} ids must be unique")
        return self


def validate_operator(data: dict[str, Any], source: str = "operator config") -> dict[str, Any]:
    """The operator config as published: validated, in its JSON form, only what was set."""
    try:
        model = OperatorConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"invalid {source}: {first_problem(exc)}") from None
    return model.model_dump(mode="json", exclude_unset=True)


def read_operator_file(path: str | Path) -> dict[str, Any]:
    """An operator config file, TOML or JSON by its suffix, validated."""
    import json

    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text) if path.suffix == ".json" else tomllib.loads(text)
    except (OSError, ValueError) as exc:  # TOMLDecodeError and JSONDecodeError are ValueErrors
        raise ConfigError(f"cannot read operator config {path}: {exc}") from None
    return validate_operator(data, f"operator config {path}")


def overlay(local: dict[str, Any], operator: dict[str, Any]) -> dict[str, Any]:
    """The local config's data with the operator's sections laid over it (see the module doc)."""
    op = OperatorConfig.model_validate(operator)
    data = copy.deepcopy(local)
    fields = op.model_fields_set

    def section(name: str) -> dict[str, Any]:
        return data.setdefault(name, {})

    if "language" in fields:
        data["language"] = op.language
    if "timeouts" in fields:
        data["timeouts"] = op.timeouts.model_dump(mode="json")
    if "notices" in fields:
        data["notices"] = [n.model_dump(mode="json", exclude_unset=True) for n in op.notices]
    if "technicians" in fields:
        section("diagnostics")["technicians"] = [t.model_dump(mode="json") for t in op.technicians]
    if "default_identity_methods" in fields:
        section("identity")["default_methods"] = list(op.default_identity_methods)
    if "services" in fields:
        data["services"] = [s._service_fields() for s in op.services]
        section("identity")["methods"] = {s.id: list(s.identity_methods) for s in op.services
                                          if s.identity_methods is not None}
    if op.documents is not None:
        for key, value in op.documents.model_dump(mode="json", exclude_unset=True).items():
            # the templates replace the local ones whole; issuer and hotline are the site's
            section("documents" if key in ("receipt", "certificates") else "kiosk")[key] = value
    if op.sync is not None:
        if op.sync.heartbeat_s is not None:
            section("central")["heartbeat_s"] = op.sync.heartbeat_s
        if op.sync.max_backoff_s is not None:
            section("queue")["max_backoff_s"] = op.sync.max_backoff_s
    if op.updates is not None and isinstance(data.get("updates"), dict):  # only where updates are on
        data["updates"].update(op.updates.model_dump(exclude_none=True))
    return data


def operator_json_schema() -> dict[str, Any]:
    return OperatorConfig.model_json_schema()
