"""`kiosk central …`: run, inspect and provision the reference central backend.

FastAPI, uvicorn and SQLAlchemy are imported inside the commands, so other `kiosk` commands
never pay for them. A database is a SQLAlchemy URL (sqlite:///path.db,
postgresql+psycopg://…) or a plain file path meaning SQLite.
"""

from __future__ import annotations

import functools

import click

from kiosk.commands.common import emit_json, fail

# central.presence's defaults, repeated so that `kiosk --help` does not import SQLAlchemy.
OFFLINE_AFTER_S, FLAP_CHANGES, FLAP_WINDOW_S = 180.0, 4, 3600.0


def _clean_database_errors(func):
    """Database and argument problems become one line on stderr, exit status 1."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        from sqlalchemy.exc import SQLAlchemyError

        try:
            return func(*args, **kwargs)
        except SQLAlchemyError as exc:
            fail(f"database: {str(exc).splitlines()[0]}")
        except (ValueError, OSError) as exc:
            fail(str(exc) or type(exc).__name__)

    return wrapper


@click.group()
def central():
    """The reference central backend (FastAPI; SQLite or PostgreSQL)."""


@central.command()
@click.option("--database", required=True, help="SQLAlchemy URL or SQLite file path.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8700, show_default=True, type=click.IntRange(0, 65535),
              help="0 picks a free port (printed on start).")
@click.option("--dev", is_flag=True, help="Allow kiosks to self-enrol (POST /api/v1/enrol).")
@click.option("--public-url", help="Base URL printed in certificate QR codes (default: as requested).")
@click.option("--log-level", default="info", show_default=True,
              type=click.Choice(["critical", "error", "warning", "info", "debug"]))
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Worker processes sharing the port (about one per core).")
@click.option("--key-file", help="Central's key for kiosk secrets (default: $KIOSK_CENTRAL_KEY_FILE, "
                                 "or DATABASE.key for SQLite).")
@click.option("--source-rate", default="6000/minute", show_default=True,
              help="Requests per source address ('off' behind a proxy that limits; docs/security.md).")
@click.option("--kiosk-rate", default="1200/minute", show_default=True, help="Requests per authenticated kiosk.")
@click.option("--auth-failure-rate", default="30/minute", show_default=True,
              help="Failed authentications per source address.")
@click.option("--tls-cert", help="Serve HTTPS with this certificate chain (PEM); needs --tls-key.")
@click.option("--tls-key", help="The private key of --tls-cert (PEM).")
@click.option("--tls-client-ca", help="Require kiosks' client certificates signed by this CA (PEM).")
@click.option("--payment-provider", "payment_provider", metavar="URL",
              help="The payment provider simulator's URL (`kiosk emulate payment-provider`); "
                   "without it paid services answer 503.")
@click.option("--tuf-repo", type=click.Path(file_okay=False), metavar="DIR",
              help="Serve this operator-config repository under /tuf/ (docs/operator-config.md).")
@click.option("--tuf-timestamp-key", type=click.Path(dir_okay=False), metavar="FILE",
              help="The timestamp role's key (timestamp-1.pem): central re-signs the timestamp before it expires.")
@click.option("--payment-key-file", type=click.Path(dir_okay=False), metavar="FILE",
              help="The key notifications are signed with (default: the simulator's demo key).")
@click.option("--metrics-token-file", type=click.Path(dir_okay=False), metavar="FILE",
              help="Serve /metrics to scrapers sending this file's token as `Authorization: Bearer`.")
@click.option("--offline-after", default=OFFLINE_AFTER_S, show_default=True, metavar="SECONDS",
              type=click.FloatRange(min=1), help="A kiosk is offline once its last heartbeat is older than this.")
@click.option("--flap-changes", default=FLAP_CHANGES, show_default=True, type=click.IntRange(2, 1000),
              help="Changes between online and offline within --flap-window that mark a kiosk as flapping.")
@click.option("--flap-window", default=FLAP_WINDOW_S, show_default=True, metavar="SECONDS",
              type=click.FloatRange(min=60), help="The window --flap-changes are counted in.")
@_clean_database_errors
def serve(database: str, host: str, port: int, dev: bool, public_url: str | None, log_level: str,
          workers: int, key_file: str | None, source_rate: str, kiosk_rate: str, auth_failure_rate: str,
          tls_cert: str | None, tls_key: str | None, tls_client_ca: str | None, payment_provider: str | None,
          payment_key_file: str | None, tuf_repo: str | None, tuf_timestamp_key: str | None,
          metrics_token_file: str | None, offline_after: float, flap_changes: int, flap_window: float) -> None:
    """Serve the central API until interrupted; prints `listening on URL` once ready."""
    import ssl
    from pathlib import Path

    from limits import parse

    from central.db import create_engine_for
    from central.presence import PresenceRules
    from central.ratelimit import RateLimits
    from central.server import Tls, bind_socket, serve as serve_on, server_for

    rates = [None if rate == "off" else rate for rate in (source_rate, kiosk_rate, auth_failure_rate)]
    for rate in filter(None, rates):
        try:
            parse(rate)
        except ValueError:
            fail(f"rate {rate!r}: give it as N/second, N/minute, N/hour, or off")
    rate_limits = RateLimits(*rates)

    if bool(tls_cert) != bool(tls_key) or (tls_client_ca and not tls_cert):
        fail("--tls-cert and --tls-key go together (and --tls-client-ca needs them)")
    tls = Tls(tls_cert, tls_key, tls_client_ca) if tls_cert else None
    if tls:
        try:
            server_for(None, log_level, tls)  # loads the certificate, key and CA now
        except (OSError, ssl.SSLError) as exc:
            fail(f"TLS: {exc}")

    payments = None
    if payment_key_file and not payment_provider:
        fail("--payment-key-file needs --payment-provider")
    if payment_provider:
        from central.payments.provider import SimulatorProvider
        from central.payments.simulator import DEFAULT_KEY

        key = Path(payment_key_file).read_bytes().strip() if payment_key_file else DEFAULT_KEY
        if not key:
            fail(f"payment key file {payment_key_file} is empty")
        payments = SimulatorProvider(payment_provider, key)

    if tuf_timestamp_key and not tuf_repo:
        fail("--tuf-timestamp-key needs --tuf-repo")
    if tuf_timestamp_key:
        from central.tuf_keys import KeysError, load_signer

        try:
            load_signer(tuf_timestamp_key)
        except KeysError as exc:
            fail(str(exc))

    metrics_token = None
    if metrics_token_file:
        metrics_token = Path(metrics_token_file).read_text().strip()
        if len(metrics_token) < 16:
            fail(f"metrics token file {metrics_token_file}: the token needs at least 16 characters")

    from central.db import secrets_key

    engine = create_engine_for(database, key_file=key_file)
    secrets_key(engine)  # a bad URL, database or key file fails here, before listening
    engine.dispose()
    sock = bind_socket(host, port)
    bound_host, bound_port = sock.getsockname()[:2]
    shown_host = f"[{bound_host}]" if ":" in bound_host else bound_host
    click.echo(f"central listening on {'https' if tls else 'http'}://{shown_host}:{bound_port}")
    serve_on(sock, database, workers=workers, log_level=log_level, tls=tls, dev=dev, public_url=public_url,
             key_file=key_file, rate_limits=rate_limits, payments=payments, tuf_repo=tuf_repo,
             tuf_timestamp_key=tuf_timestamp_key, metrics_token=metrics_token,
             presence_rules=PresenceRules(offline_after, flap_changes, flap_window))


@central.command()
@click.option("--database", required=True, help="SQLAlchemy URL or SQLite file path.")
@_clean_database_errors
def stats(database: str) -> None:
    """Headline figures as JSON: completed visits, records, duplicates rejected, certificates."""
    from central.stats import stats as central_stats

    emit_json(central_stats(database))


@central.command()
@click.option("--database", required=True, help="SQLAlchemy URL or SQLite file path.")
@_clean_database_errors
def fleet(database: str) -> None:
    """Every enrolled kiosk with its latest heartbeat: devices, queue, what it offers."""
    from central.stats import fleet as central_fleet

    emit_json(central_fleet(database))


@central.command()
@click.option("--database", required=True, help="SQLAlchemy URL or SQLite file path.")
@click.option("--kiosk", "kiosk_id", help="Only this kiosk's entries.")
@click.option("--actor", help="Only this technician's (or console:<user>'s) entries.")
@_clean_database_errors
def audit(database: str, kiosk_id: str | None, actor: str | None) -> None:
    """The technicians' audit trail from every kiosk, newest first, as JSON."""
    from central.stats import audit as central_audit

    emit_json(central_audit(database, kiosk_id=kiosk_id, actor=actor))


@central.command()
@click.option("--database", required=True, help="SQLAlchemy URL or SQLite file path.")
@_clean_database_errors
def payments(database: str) -> None:
    """Payment orders as JSON: by state, fen charged and refunded, paid orders not yet reconciled."""
    from central.payments.ledger import payments as central_payments

    emit_json(central_payments(database))


@central.command()
@click.option("--database", required=True, help="SQLAlchemy URL or SQLite file path.")
@click.option("--kiosk-id", required=True, help="The id configured on the kiosk.")
@click.option("--replace", is_flag=True, help="Replace an enrolled kiosk's secret (the old one stops working).")
@click.option("--key-file", help="Central's key for kiosk secrets, as for `serve`.")
@_clean_database_errors
def enrol(database: str, kiosk_id: str, replace: bool, key_file: str | None) -> None:
    """Issue a kiosk's secret and print it as hex; an enrolled id only with --replace."""
    from central.db import create_engine_for, enrol_kiosk

    engine = create_engine_for(database, key_file=key_file)
    try:
        click.echo(enrol_kiosk(engine, kiosk_id, replace=replace).hex())
    finally:
        engine.dispose()


@central.group(invoke_without_command=True)
@click.option("--database", help="SQLAlchemy URL or SQLite file path.")
@click.option("--tuf-repo", type=click.Path(file_okay=False), metavar="DIR",
              help="Learn of versions published there first (as serving it does).")
@click.pass_context
@_clean_database_errors
def deployments(ctx, database: str | None, tuf_repo: str | None) -> None:
    """Staged rollouts as JSON: each version's waves, counts per state, each kiosk's state."""
    if ctx.invoked_subcommand is not None:
        return
    if not database:
        fail("--database is required")
    from central import deployments as rollout
    from central.db import create_engine_for

    engine = create_engine_for(database, create=False)
    try:
        with engine.begin() as conn:
            if tuf_repo:
                rollout.sync(conn, rollout.RepositoryWatch(tuf_repo))
            emit_json(rollout.deployments_overview(conn))
    finally:
        engine.dispose()


def _operator_action(action: str):
    @click.option("--database", required=True, help="SQLAlchemy URL or SQLite file path.")
    @click.option("--group", required=True)
    @click.option("--version", required=True, type=click.IntRange(1))
    @click.option("--operator", default=None, help="Who does it, for the deployment's history (default: $USER).")
    @_clean_database_errors
    def command(database: str, group: str, version: int, operator: str | None) -> None:
        import getpass

        from central import deployments as rollout
        from central.db import create_engine_for

        engine = create_engine_for(database, create=False)
        try:
            with engine.begin() as conn:
                emit_json(getattr(rollout, action)(conn, group, version, operator or getpass.getuser()))
        except rollout.DeploymentError as exc:
            fail(str(exc))
        finally:
            engine.dispose()

    return command


deployments.command("approve", help="Release the deployment's next wave.")(_operator_action("approve"))
deployments.command("halt", help="Stop the deployment: no further kiosk is released it.")(_operator_action("halt"))


@central.group()
def operator():
    """Operators of the fleet web page (/fleet): viewer, support, publisher or admin."""


@operator.command("add")
@click.option("--database", required=True, help="SQLAlchemy URL or SQLite file path.")
@click.option("--id", "operator_id", required=True, help="The login id.")
@click.option("--name", required=True, help="The operator's name as the audit log shows it.")
@click.option("--role", required=True, type=click.Choice(["viewer", "support", "publisher", "admin"]))
@_clean_database_errors
def operator_add(database: str, operator_id: str, name: str, role: str) -> None:
    """Add an operator; the password is read from stdin or a prompt, never from the command line."""
    from central.db import create_engine_for
    from central.operators import add_operator

    password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    engine = create_engine_for(database)
    try:
        added = add_operator(engine, operator_id, name, role, password)
    finally:
        engine.dispose()
    click.echo(f"operator {added.operator_id} added ({added.role})")


@operator.command("list")
@click.option("--database", required=True, help="SQLAlchemy URL or SQLite file path.")
@_clean_database_errors
def operator_list(database: str) -> None:
    """The operators as JSON: id, name, role, failed logins, whether locked."""
    from central.db import create_engine_for
    from central.operators import list_operators

    engine = create_engine_for(database, create=False)
    try:
        with engine.connect() as conn:
            emit_json(list_operators(conn))
    finally:
        engine.dispose()
