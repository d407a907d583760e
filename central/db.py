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
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
    false,
    inspect,
    select,
    text,
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

# A granted reprint of a paid order's receipt (no second charge), per visit as `reprints`.
order_reprints = Table(
    "order_reprints",
    metadata,
    Column("visit_id", String(200), primary_key=True),
    Column("kiosk_id", String(64), nullable=False),
    Column("order_id", String(240), nullable=False, index=True),
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

# id_card_pickup: a card central named to a kiosk for a visit, and what the kiosk reported
# became of it. No ID number (a keyed hash), no fingerprint, no photo.
card_pickups = Table(
    "card_pickups",
    metadata,
    Column("visit_id", String(200), primary_key=True),
    Column("kiosk_id", String(64), nullable=False),
    Column("card_ref", String(64), nullable=False, index=True),
    Column("id_hash", String(64), nullable=False),
    Column("slot", Integer, nullable=False),
    Column("state", String(16), nullable=False),  # looked_up | handed_over | retracted | wrong_card
    Column("reason", String(40)),  # retracted: not_taken | fault | restart
    Column("looked_up_at", Float, nullable=False),
    Column("reported_at", Float),
)

# id_photo: ID photos kept with the citizen's consent, sealed under a key only the receipt code
# and the ID number give (central/services/id_photo.py); found by a keyed hash of the code.
id_photos = Table(
    "id_photos",
    metadata,
    Column("code_hash", String(64), primary_key=True),
    Column("visit_id", String(200), nullable=False, unique=True),
    Column("kiosk_id", String(64), nullable=False),
    Column("id_hash", String(64), nullable=False),
    Column("salt", LargeBinary(16), nullable=False),
    Column("sealed", LargeBinary, nullable=False),  # AES-GCM nonce + ciphertext + tag
    Column("stored_at", Float, nullable=False),
    Column("expires_at", Float, nullable=False, index=True),
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

# Payment orders (central/payments/orders.py): one per paid stage of a visit, keyed by the kiosk's
# idempotency key "<visit_id>:<stage_id>". Amounts are integer fen; no ID number or name in clear.
orders = Table(
    "orders",
    metadata,
    Column("order_id", String(240), primary_key=True),
    Column("provider_order_id", String(32), nullable=False, unique=True),  # derived: providers limit ids
    Column("kiosk_id", String(64), nullable=False, index=True),
    Column("visit_id", String(200), nullable=False),
    Column("service", String(40), nullable=False, index=True),
    Column("amount_fen", BigInteger, nullable=False),
    Column("description", String(200), nullable=False),
    Column("lines", JSON, nullable=False),
    Column("request", JSON, nullable=False),  # what the service's fulfil needs (its `Priced.request`)
    Column("provider_ref", String(64)),  # NULL until the provider confirmed the order
    Column("qr_url", Text),
    Column("state", String(16), nullable=False),  # created | paid | failed | expired | cancelled | refunded
    Column("paid_fen", BigInteger, nullable=False, default=0),
    Column("paid_at", Float),
    Column("refunded_fen", BigInteger, nullable=False, default=0),
    Column("delivery", String(16), nullable=False),  # none | pending | delivering | delivered | refused
    Column("delivered_at", Float),
    Column("result", JSON),
    Column("reason", String(40)),  # a message code: why refused or refunded
    Column("expires_at", Float, nullable=False),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
    Column("last_query_at", Float),  # the provider was last asked then (status polls, the sweep)
    # For the progress query (central/payments/receipts.py): the short reference the receipt shows
    # (common/orders.py), the payer's keyed ID hash when they paid with the ID card (identity.py;
    # NULL for a fine paid by plate), and whether a kiosk reported the receipt printed.
    Column("reference", String(40), index=True),
    Column("id_hash", String(64), index=True),
    Column("receipt_printed", Boolean, nullable=False, default=False, server_default=false()),
    Column("shown", JSON),  # what a reprinted receipt shows of the request, masked (Priced.shown)
)
Index("ix_orders_state", orders.c.state)
Index("ix_orders_delivery", orders.c.delivery)

# Money going back. The id is derived from the order and the purpose, so a retry is the same refund.
refunds = Table(
    "refunds",
    metadata,
    Column("refund_id", String(32), primary_key=True),
    Column("order_id", String(240), nullable=False, index=True),
    Column("amount_fen", BigInteger, nullable=False),
    Column("reason", String(40), nullable=False),
    Column("state", String(16), nullable=False),  # pending | succeeded
    Column("created_at", Float, nullable=False),
    Column("refunded_at", Float),
)
Index("ix_refunds_state", refunds.c.state)

# Operators of the fleet web page (central/operators.py): argon2id hashes, never passwords;
# failed logins counted and the account locked for a while after too many.
operators = Table(
    "operators",
    metadata,
    Column("operator_id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("role", String(16), nullable=False),  # viewer | support | publisher | admin
    Column("password_hash", String(200), nullable=False),
    Column("failed_logins", Integer, nullable=False, default=0),
    Column("locked_until", Float),
    Column("created_at", Float, nullable=False),
)

# What operators did: logins, lockouts, publications … (central/operators.py audit()).
operator_audit = Table(
    "operator_audit",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", Float, nullable=False, index=True),
    Column("operator", String(64), nullable=False),
    Column("action", String(40), nullable=False),
    Column("detail", JSON, nullable=False),
)

# Fleet page sessions: the cookie's token is stored only as its SHA-256.
operator_sessions = Table(
    "operator_sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("operator_id", String(64), nullable=False, index=True),
    Column("csrf", String(64), nullable=False),
    Column("created_at", Float, nullable=False),
    Column("expires_at", Float, nullable=False, index=True),
)

# Each kiosk's online state as last observed, and every change of it (central/presence.py).
kiosk_presence = Table(
    "kiosk_presence",
    metadata,
    Column("kiosk_id", String(64), primary_key=True),
    Column("online", Boolean, nullable=False),
    Column("since", Float, nullable=False),
)
presence_changes = Table(
    "presence_changes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kiosk_id", String(64), nullable=False, index=True),
    Column("online", Boolean, nullable=False),
    Column("at", Float, nullable=False, index=True),
)

# A publisher's acknowledgement of a kiosk's alarm: it stands until the kiosk's state changes.
alarm_acks = Table(
    "alarm_acks",
    metadata,
    Column("kiosk_id", String(64), primary_key=True),
    Column("operator_id", String(64), nullable=False),
    Column("at", Float, nullable=False),
)

# Support's requests to one kiosk (central/remote.py): a screenshot of its screen between visits,
# or a diagnostic bundle; the kiosk hears of them in its heartbeat's answer and uploads the result
# here (PNG or tar.gz, at most central/guard.py's limit for uploads), or says why it refused.
remote_requests = Table(
    "remote_requests",
    metadata,
    Column("request_id", String(32), primary_key=True),
    Column("kiosk_id", String(64), nullable=False, index=True),
    Column("kind", String(16), nullable=False),  # screenshot | bundle
    Column("state", String(16), nullable=False),  # pending | sent | done | refused
    Column("requested_by", String(64), nullable=False),
    Column("requested_at", Float, nullable=False, index=True),
    Column("sent_at", Float),  # first told to the kiosk in a heartbeat's answer
    Column("answered_at", Float),
    Column("reason", String(80)),  # why the kiosk refused
    Column("content_type", String(40)),
    Column("size", Integer),
    Column("content", LargeBinary),
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
    _add_new_columns(engine)
    with engine.begin() as conn:
        conn.execute(insert_for(conn, counters).values(name="duplicates_rejected", value=0)
                     .on_conflict_do_nothing())
        conn.execute(insert_for(conn, settings).values(name="id_hash_key", value=secrets.token_hex(32))
                     .on_conflict_do_nothing())
    _KEY_FILES[engine] = key_file
    return engine


def _add_new_columns(engine: Engine) -> None:
    """Columns added to a table after a database was made (create_all adds tables, not columns):
    each is nullable or has a server default, so ALTER TABLE … ADD COLUMN fills existing rows."""
    present = inspect(engine)
    with engine.begin() as conn:
        for table in metadata.sorted_tables:
            have = {column["name"] for column in present.get_columns(table.name)}
            for column in table.columns:
                if column.name in have:
                    continue
                if not column.nullable and column.server_default is None:
                    raise ValueError(f"central's table {table.name} lacks {column.name}, which has no default")
                kind = column.type.compile(dialect=engine.dialect)
                default = ""
                if column.server_default is not None:
                    default = " DEFAULT " + str(column.server_default.arg.compile(dialect=engine.dialect))
                null = "" if column.nullable else " NOT NULL"
                conn.execute(text(f'ALTER TABLE {table.name} ADD COLUMN {column.name} {kind}{default}{null}'))
                for index in table.indexes:
                    if [c.name for c in index.columns] == [column.name]:
                        index.create(conn, checkfirst=True)
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
