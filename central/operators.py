"""Operators of the fleet web page: accounts, roles, logins with lockout, and their audit trail.

Passwords are kept only as argon2id hashes (argon2-cffi's PasswordHasher). After MAX_FAILURES
wrong passwords in a row an account is locked for LOCK_S seconds, recorded in the database so
that a restart or another worker does not reset it. Every login, failed login, lockout, logout
and whatever else an operator does goes into `operator_audit` through `audit()`.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, Engine, insert, select, update

from central.db import operator_audit, operators

# Each may do what the ones before it may; support also asks kiosks for screenshots and bundles.
ROLES = ("viewer", "support", "publisher", "admin")
OPERATOR_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
MIN_PASSWORD = 10
MAX_PASSWORD = 1024  # argon2 takes any length; a megabyte "password" is only a way to burn CPU
MAX_FAILURES = 5
LOCK_S = 15 * 60

_hasher = PasswordHasher()  # argon2id with the library's recommended parameters
# Checked when the id is unknown, so that an unknown id costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not a password of anyone")


@dataclass(frozen=True)
class Operator:
    operator_id: str
    name: str
    role: str

    def may(self, role: str) -> bool:
        return ROLES.index(self.role) >= ROLES.index(role)


class LoginRefused(Exception):
    """Wrong id or password, or a locked account; the message is what the page shows."""


def audit(conn: Connection, operator: str, action: str, **detail: Any) -> None:
    """One row of the operators' audit trail (logins, publications, acknowledgements …)."""
    conn.execute(insert(operator_audit).values(at=time.time(), operator=operator, action=action, detail=detail))


def add_operator(engine: Engine, operator_id: str, name: str, role: str, password: str) -> Operator:
    if not OPERATOR_ID.match(operator_id):
        raise ValueError("operator id: 1-64 letters, digits, '.', '_', '@' or '-'")
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    if not name.strip() or len(name) > 200:
        raise ValueError("name: 1-200 characters")
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise ValueError(f"password: {MIN_PASSWORD} to {MAX_PASSWORD} characters")
    with engine.begin() as conn:
        if conn.execute(select(operators.c.operator_id).where(operators.c.operator_id == operator_id)).first():
            raise ValueError(f"operator {operator_id} exists already")
        conn.execute(insert(operators).values(operator_id=operator_id, name=name.strip(), role=role,
                                              password_hash=_hasher.hash(password), failed_logins=0,
                                              created_at=time.time()))
        audit(conn, "cli", "operator_added", operator_id=operator_id, role=role)
    return Operator(operator_id, name.strip(), role)


def list_operators(conn: Connection, now: float | None = None) -> list[dict[str, Any]]:
    now = time.time() if now is None else now
    rows = conn.execute(select(operators.c.operator_id, operators.c.name, operators.c.role,
                               operators.c.failed_logins, operators.c.locked_until)
                        .order_by(operators.c.operator_id)).all()
    return [{"id": r.operator_id, "name": r.name, "role": r.role, "failed_logins": r.failed_logins,
             "locked": bool(r.locked_until and r.locked_until > now)} for r in rows]


def get_operator(conn: Connection, operator_id: str) -> Operator | None:
    row = conn.execute(select(operators.c.operator_id, operators.c.name, operators.c.role)
                       .where(operators.c.operator_id == operator_id)).first()
    return None if row is None else Operator(row.operator_id, row.name, row.role)


def login(engine: Engine, operator_id: str, password: str, *, source: str = "",
          now: float | None = None) -> Operator:
    """The operator, if the password is right and the account not locked; else LoginRefused.
    The outcome is audited either way, and committed even when refused."""
    now = time.time() if now is None else now
    password = password[:MAX_PASSWORD + 1]
    with engine.begin() as conn:  # committed before raising: a refusal must count
        outcome = _attempt(conn, operator_id, password, source, now)
    if isinstance(outcome, str):
        raise LoginRefused(outcome)
    return outcome


LOCKED = "this account is locked after too many wrong passwords; try later or ask an administrator"
WRONG = "wrong operator id or password"


def _attempt(conn: Connection, operator_id: str, password: str, source: str, now: float) -> Operator | str:
    row = conn.execute(select(operators).where(operators.c.operator_id == operator_id)).first()
    if row is None:
        _verify(_DUMMY_HASH, password)
        audit(conn, operator_id[:64], "login_failed", reason="unknown operator", source=source)
        return WRONG
    if row.locked_until and row.locked_until > now:
        audit(conn, row.operator_id, "login_refused", reason="locked", source=source)
        return LOCKED
    if not _verify(row.password_hash, password):
        failures = row.failed_logins + 1
        locked_until = now + LOCK_S if failures >= MAX_FAILURES else None
        conn.execute(update(operators).where(operators.c.operator_id == row.operator_id)
                     .values(failed_logins=0 if locked_until else failures, locked_until=locked_until))
        audit(conn, row.operator_id, "login_failed", reason="wrong password", source=source)
        if locked_until:
            audit(conn, row.operator_id, "locked", failures=failures, until=locked_until)
            return LOCKED
        return WRONG
    values: dict[str, Any] = {"failed_logins": 0, "locked_until": None}
    if _hasher.check_needs_rehash(row.password_hash):
        values["password_hash"] = _hasher.hash(password)
    conn.execute(update(operators).where(operators.c.operator_id == row.operator_id).values(**values))
    audit(conn, row.operator_id, "login", source=source)
    return Operator(row.operator_id, row.name, row.role)


def unlock(conn: Connection, operator_id: str, by: str) -> bool:
    done = conn.execute(update(operators).where(operators.c.operator_id == operator_id)
                        .values(failed_logins=0, locked_until=None)).rowcount == 1
    if done:
        audit(conn, by, "unlocked", operator_id=operator_id)
    return done


def _verify(stored: str, password: str) -> bool:
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False
