"""The reference central backend: record intake, services, verification, heartbeats.

Kiosk requests are signed (central/auth.py); the kiosk id used everywhere comes from the
verified signature, never from the body. Each service is a router of its own under
/api/v1/services/<id>/ (central/services/), and decisions come from a pluggable back office
(central/backoffice.py). Endpoints are plain `def`s: FastAPI runs them in its thread pool,
where the synchronous SQLAlchemy engine belongs.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from datetime import datetime
from typing import Any

from fastapi import Depends, FastAPI, HTTPException
from pydantic import BaseModel, Field
from sqlalchemy import select, text

from central import api_browser, deployments, errors, presence, remote, remote_api, verify
from central import metrics as metrics_routes
from central.applications import CST
from central.auth import SignatureVerifier, SignedRequest, signed
from central.backoffice import BackOffice
from central.context import Central
from central.db import (KIOSK_ID, KioskEnrolled, create_engine_for, enrol_kiosk, heartbeats, insert_for, secrets_key,
                        setting)
from central.demo_backoffice import DemoBackOffice
from central.guard import BodyGuard
from central.headers import SecurityHeaders
from central.intake import MAX_BATCH, ItemResult, store_batch
from central.payments import routes as payment_routes
from central.price_list import PriceList
from central.payments.orders import EXPIRY_S, OrderBook
from central.payments.provider import PaymentProvider
from central.payments.sweep import SWEEP_EVERY_S, Sweeper
from central.models import Storable
from central.ratelimit import RateLimiter, RateLimits
from central.services import registry

API = "/api/v1"


class BatchIn(BaseModel):
    items: list[dict[str, Any]] = Field(max_length=MAX_BATCH)


class BatchOut(BaseModel):
    results: list[ItemResult]


class EnrolIn(Storable):
    kiosk_id: str


class HeartbeatIn(Storable):
    status: dict[str, Any]


def create_app(database_url: str, *, dev: bool = False, public_url: str | None = None,
               backoffice: BackOffice | None = None, payments: PaymentProvider | None = None,
               payment_expiry_s: float = EXPIRY_S, payment_sweep_s: float | None = SWEEP_EVERY_S,
               rate_limits: RateLimits | None = None, key_file: str | None = None,
               tuf_repo: str | None = None, tuf_timestamp_key: str | None = None,
               presence_rules: presence.PresenceRules | None = None, metrics_token: str | None = None) -> FastAPI:
    """Central on `database_url`; `backoffice` decides applications (the demo data set if None);
    `payments` is the payment provider (None: paid services answer 503). The payment sweep runs
    every `payment_sweep_s` seconds while the app is served (None: only when called).
    `rate_limits` as central/ratelimit.py's defaults if None; `key_file` see central/keys.py.
    `tuf_repo`: the operator-config repository served under /tuf/, its timestamp kept fresh
    with `tuf_timestamp_key` (central/tuf_serve.py)."""
    presence_rules = presence.PresenceRules() if presence_rules is None else presence_rules
    engine = create_engine_for(database_url, key_file=key_file)
    secrets_key(engine)  # a missing or exposed key file fails here, before listening
    backoffice = DemoBackOffice() if backoffice is None else backoffice
    if not isinstance(backoffice, BackOffice):
        raise TypeError(f"{type(backoffice).__name__} does not implement central.backoffice.BackOffice")
    if payments is not None and not isinstance(payments, PaymentProvider):
        raise TypeError(f"{type(payments).__name__} does not implement central.payments.provider.PaymentProvider")
    limiter = RateLimiter(rate_limits)
    central = Central(engine, setting(engine, "id_hash_key"), SignatureVerifier(engine, limiter), backoffice,
                      public_url, payments, PriceList(tuf_repo))
    book = OrderBook(central, expiry_s=payment_expiry_s)
    watch = deployments.RepositoryWatch(tuf_repo) if tuf_repo else None
    keeper = None
    if tuf_repo and tuf_timestamp_key:
        from central.tuf_serve import TimestampKeeper

        keeper = TimestampKeeper(tuf_repo, tuf_timestamp_key)

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI):
        sweeper = Sweeper(book, payment_sweep_s).start() if payments is not None and payment_sweep_s else None
        if keeper is not None:
            keeper.start()
        try:
            yield
        finally:
            if keeper is not None:
                await asyncio.to_thread(keeper.stop)
            if sweeper is not None:
                await asyncio.to_thread(sweeper.stop)

    # The OpenAPI document and its browser are for logged-in operators (/fleet/api); a
    # development central (`--dev`) also gives the document to anyone at /openapi.json.
    app = FastAPI(title="Police kiosk central", version="1", docs_url=None, redoc_url=None,
                  openapi_url="/openapi.json" if dev else None, lifespan=lifespan)
    app.state.engine = engine
    app.state.central = central
    app.state.orders = book
    app.state.presence_rules = presence_rules

    errors.install(app)
    metrics = metrics_routes.mount(app, metrics_token)

    @app.get(f"{API}/health")
    def health() -> dict[str, str]:
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception:
            raise HTTPException(503, "database unavailable") from None
        return {"status": "ok"}

    @app.post(f"{API}/enrol")
    def enrol(body: EnrolIn) -> dict[str, str]:
        if not dev:
            raise HTTPException(403, "self-enrolment is off; provision with `kiosk central enrol`")
        if not KIOSK_ID.match(body.kiosk_id):
            raise HTTPException(422, "kiosk id must be 1-64 letters, digits, '.', '_' or '-'")
        try:
            secret = enrol_kiosk(engine, body.kiosk_id, replace=None)
        except KioskEnrolled as exc:
            raise HTTPException(409, str(exc)) from None
        return {"kiosk_id": body.kiosk_id, "secret": secret.hex()}

    @app.post(f"{API}/records/batch")
    def records_batch(body: BatchIn, request: SignedRequest = Depends(signed)) -> BatchOut:
        with engine.begin() as conn:
            kiosk_id = central.verifier.authenticate(conn, request)
            results = store_batch(conn, central, kiosk_id, body.items)
        metrics.batch(body.items, results)
        return BatchOut(results=results)

    @app.post(f"{API}/heartbeat")
    def heartbeat(body: HeartbeatIn, request: SignedRequest = Depends(signed)) -> dict[str, Any]:
        now = time.time()
        with engine.begin() as conn:
            kiosk_id = central.verifier.authenticate(conn, request)
            previous = conn.execute(select(heartbeats.c.received_at).where(heartbeats.c.kiosk_id == kiosk_id)).scalar()
            presence.heartbeat_arrived(conn, kiosk_id, previous, now, presence_rules)
            statement = insert_for(conn, heartbeats).values(kiosk_id=kiosk_id, received_at=now, status=body.status)
            conn.execute(statement.on_conflict_do_update(
                index_elements=[heartbeats.c.kiosk_id],
                set_={"received_at": statement.excluded.received_at, "status": statement.excluded.status},
            ))
            # Staged rollout: the highest version of its group's config this kiosk may apply.
            release = deployments.heard(conn, kiosk_id, body.status, watch, now) if watch is not None else None
            # Support's screenshots and bundles asked for (central/remote.py): done between visits.
            requests = remote.heard(conn, kiosk_id, now)
        answer: dict[str, Any] = {"ok": True, "server_time": datetime.fromtimestamp(now, CST).isoformat(timespec="seconds")}
        if release is not None:
            answer["config_release"] = release
        if requests:
            answer["remote_requests"] = requests
        return answer

    registry.mount(app)
    if tuf_repo:
        from central.tuf_serve import mount

        mount(app, tuf_repo)
    from central.fleet_web import create_router as fleet_pages

    app.include_router(fleet_pages(engine, presence_rules, tuf_repo, watch))
    app.include_router(payment_routes.router)
    app.include_router(remote_api.router)
    app.include_router(verify.router)
    app.add_middleware(BodyGuard, limiter=limiter)
    app.add_middleware(SecurityHeaders, policies={api_browser.PAGE: api_browser.policy(api_browser.page_html(app.title))})
    return app
