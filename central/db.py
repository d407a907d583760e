"""Central's tables (SQLAlchemy Core), portable between SQLite and PostgreSQL.

Timestamps are epoch seconds (Float) and payloads use the generic JSON type, so the same code
and queries run on both engines; only "insert, ignoring a conflict" differs per dialect and is
isolated in `insert_for`.

Kiosk secrets cannot be hashed (verifying an HMAC needs the secret itself): they are stored
wrapped under central's key file (central/keys.py), which lives outside the database. A SQLite
database and its WAL are created and kept mode 0600.
"""

from __future__ import annotations

import os
import re
import secrets
import stat
import time
import weakref
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Connection,
    Engine,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
    select,
    update,
)
from sqlalchemy.engine import make_url

from central.keys import PREFIX, key_path_for, load_or_create_key, open_sealed, seal

metadata = MetaData()

kiosks = Table(
    "kiosks",
    metadata,
    Column("kiosk_id", String(64), primary_key=True),
    Column("secret", String(64), nullable=False),  # wrapped, see central/keys.py (plain hex before)
    Column("enrolled_at", Float, nullable=False),
)

records = Table(
    "records",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("idempotency_key", String(200), nullable=False, unique=True),
    Column("kiosk_id", String(64), nullable=False, index=True),
    Column("kind", String(40), nullable=False),
    Column("created_at", Float, nullable=False),
    Column("received_at", Float, nullable=False),
    Column("payload", JSON, nullable=False),
)
Index("ix_records_kind", records.c.kind)

# One row per application, whatever the service: decided online (issued/refused at once) or
# accepted offline by a kiosk and decided later. No ID number or name in clear (identity.py).
applications = Table(
    "applications",
    metadata,
    Column("visit_id", String(200), primary_key=True),  # one application per visit, however often asked
    Column("reference", String(40), nullable=False, unique=True),  # what the receipt shows
    Column("service", String(40), nullable=False, index=True),
    Column("kiosk_id", String(64), nullable=False),
    Column("state", String(16), nullable=False),  # issued | accepted | refused
    Column("certificate_no", String(40), unique=True),  # NULL until issued
    Column("purpose", String(200), nullable=False),
    Column("reason", Text),  # shown to the citizen when refused
    Column("submitted_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
    Column("issued_at", Float),
    Column("valid_until", String(10)),  # ISO date, Beijing calendar
    Column("printed", Boolean, nullable=False, default=False),  # learned from synced visit records
    Column("id_masked", String(32), nullable=False),
    Column("id_hash", String(64), nullable=False, index=True),  # keyed hash, see identity.py
    Column("name_masked", String(64), nullable=False),
)

# A granted reprint, so a resend of the same visit's request gets the same answer.
reprints = Table(
    "reprints",
    metadata,
    Column("visit_id", String(200), primary_key=True),
    Column("kiosk_id", String(64), nullable=False),
    Column("reference", String(40), nullable=False),
    Column("id_hash", String(64), nullable=False),
    Column("granted_at", Float, nullable=False),
)

# A citizen's rating of a visit, from the outbox records of kind "rating".
ratings = Table(
    "ratings",
    metadata,
    Column("record_key", String(200), primary_key=True),
    Column("kiosk_id", String(64), nullable=False),
    Column("service", String(40), nullable=False, index=True),
    Column("level", Integer, nullable=False),  # 1..5
    Column("reason", Text),  # optional, at most RATING_REASON_MAX characters
    Column("rated_at", Float, nullable=False),
)

nonces = Table(
    "nonces",
    metadata,
    Column("kiosk_id", String(64), primary_key=True),
    Column("nonce", String(64), primary_key=True),
    Column("seen_at", Float, nullable=False, index=True),
)

counters = Table(
    "counters",
    metadata,
    Column("name", String(40), primary_key=True),
    Column("value", BigInteger, nullable=False),
)

heartbeats = Table(
    "heartbeats",
    metadata,
    Column("kiosk_id", String(64), primary_key=True),
    Column("received_at", Float, nullable=False),
    Column("status", JSON, nullable=False),
)

settings = Table(
    "settings",
    metadata,
    Column("name", String(40), primary_key=True),
    Column("value", Text, nullable=False),
)

THREADS = 40  # anyio's default thread limit, which runs FastAPI's plain `def` endpoints

KIOSK_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


def normalise_url(url_or_path: str) -> str:
    """Accept a SQLAlchemy URL, or a plain file path meaning a SQLite database."""
    # SQLAlchemy reads a bare postgresql:// as psycopg2; the driver we ship is psycopg 3.
    for scheme in ("postgresql://", "postgres://"):
        if url_or_path.startswith(scheme):
            return "postgresql+psycopg://" + url_or_path[len(scheme):]
    if "://" in url_or_path:
        return url_or_path
    return f"sqlite:///{Path(url_or_path).resolve()}"


# Each engine's key for kiosk secrets, loaded when first needed (stats and fleet never need it).
_KEY_FILES: weakref.WeakKeyDictionary[Engine, Path | str | None] = weakref.WeakKeyDictionary()
_KEYS: weakref.WeakKeyDictionary[Engine, bytes] = weakref.WeakKeyDictionary()


def create_engine_for(url: str, *, create: bool = True, key_file: str | Path | None = None) -> Engine:
    """An engine with central's schema in place. `create=False` refuses a missing SQLite file;
    `key_file`: see central/keys.py."""
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if not create and (database in ("", ":memory:") or not Path(database).exists()):
            raise ValueError(f"no central database at {database or url}")
        if database not in ("", ":memory:"):
            _private_files(Path(database))
        engine = create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
    else:
        # As many connections as FastAPI has threads for our endpoints (40): no request waits
        # for a connection while a thread is free. pre_ping: central survives a database restart.
        engine = create_engine(url, pool_pre_ping=True, pool_size=THREADS, max_overflow=0)
    metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(insert_for(conn, counters).values(name="duplicates_rejected", value=0)
                     .on_conflict_do_nothing())
        conn.execute(insert_for(conn, settings).values(name="id_hash_key", value=secrets.token_hex(32))
                     .on_conflict_do_nothing())
    _KEY_FILES[engine] = key_file
    return engine


def _private_files(database: Path) -> None:
    """The database, its WAL and shared memory: mode 0600, made so before SQLite opens them
    (SQLite gives the WAL and -shm the database file's mode)."""
    if not database.exists():
        database.parent.mkdir(parents=True, exist_ok=True)
        os.close(os.open(database, os.O_WRONLY | os.O_CREAT, 0o600))
    for path in (database, Path(f"{database}-wal"), Path(f"{database}-shm")):
        if path.exists() and stat.S_IMODE(path.stat().st_mode) & 0o077:
            os.chmod(path, 0o600)


def secrets_key(engine: Engine) -> bytes:
    """The key kiosk secrets are wrapped under; legacy plain rows are wrapped on first load."""
    key = _KEYS.get(engine)
    if key is None:
        key = load_or_create_key(key_path_for(engine.url.render_as_string(hide_password=False),
                                              _KEY_FILES.get(engine)))
        with engine.begin() as conn:
            for kiosk_id, stored in conn.execute(select(kiosks.c.kiosk_id, kiosks.c.secret)).all():
                if not stored.startswith(PREFIX):
                    conn.execute(update(kiosks).where(kiosks.c.kiosk_id == kiosk_id)
                                 .values(secret=seal(key, bytes.fromhex(stored))))
        _KEYS[engine] = key
    return key


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers run beside the writer; FULL makes an acknowledged record survive a
    # power cut (the kiosk deletes nothing, but it stops resending once we said "stored").
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.close()


def insert_for(conn: Any, table: Table) -> Any:
    """The dialect's INSERT, which offers on_conflict_do_nothing/do_update on both engines."""
    name = conn.dialect.name
    if name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    elif name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        raise ValueError(f"central supports SQLite and PostgreSQL, not {name}")
    return insert(table)


class KioskEnrolled(ValueError):
    """The kiosk id has a secret already; replacing it takes the kiosk using it off the air."""


def kiosk_has_spoken(conn: Connection, kiosk_id: str) -> bool:
    """Whether any request signed with this kiosk's secret got through (it left a trace)."""
    return any(conn.execute(select(table.c.kiosk_id).where(table.c.kiosk_id == kiosk_id).limit(1)).first()
               for table in (nonces, heartbeats, records, applications))


def enrol_kiosk(engine: Engine, kiosk_id: str, *, replace: bool | None = False) -> bytes:
    """Issue a fresh secret for `kiosk_id`. An id enrolled already is refused (KioskEnrolled)
    unless `replace` (an operator's decision: the earlier secret stops working at once);
    `replace=None` replaces only a secret no request has used yet (a kiosk that died between
    enrolling and saving its secret enrols again)."""
    if not KIOSK_ID.match(kiosk_id):
        raise ValueError("kiosk id must be 1-64 letters, digits, '.', '_' or '-'")
    secret = secrets.token_bytes(32)
    key = secrets_key(engine)
    with engine.begin() as conn:
        known = conn.execute(select(kiosks.c.kiosk_id).where(kiosks.c.kiosk_id == kiosk_id)).first() is not None
        if known and not (replace or (replace is None and not kiosk_has_spoken(conn, kiosk_id))):
            raise KioskEnrolled(f"kiosk {kiosk_id} is enrolled already; an operator replaces its secret with "
                                f"`kiosk central enrol --replace`")
        statement = insert_for(conn, kiosks).values(
            kiosk_id=kiosk_id, secret=seal(key, secret), enrolled_at=time.time()
        )
        conn.execute(statement.on_conflict_do_update(
            index_elements=[kiosks.c.kiosk_id],
            set_={"secret": statement.excluded.secret, "enrolled_at": statement.excluded.enrolled_at},
        ))
    return secret


def kiosk_secret(conn: Connection, kiosk_id: str) -> bytes | None:
    """The kiosk's secret; None for an unknown kiosk (or one the key file does not open)."""
    value = conn.execute(select(kiosks.c.secret).where(kiosks.c.kiosk_id == kiosk_id)).scalar()
    return None if value is None else open_sealed(secrets_key(conn.engine), value)


def setting(engine: Engine, name: str) -> str:
    with engine.connect() as conn:
        return conn.execute(select(settings.c.value).where(settings.c.name == name)).scalar_one()
