"""Asking central: the service's operation through the signed client. Central unreachable: an
`offline="accept"` stage accepts the application for later (the record carries it to central),
any other says so plainly. Central refusing the request as sent ends the visit."""

from __future__ import annotations

import logging

from kiosk.central_client import CentralRejected, CentralUnavailable
from kiosk.services.base import ServiceRefused

log = logging.getLogger(__name__)


def run(ctx, visit, stage) -> None:
    service = ctx.services[visit.service_id]
    try:
        result = service.ask(stage.operation, visit, ctx.central)
    except CentralUnavailable as exc:
        log.warning("central unavailable during visit: %s", exc)
        ctx.central_lost()
        if stage.offline != "accept" or service.central_mode != "offline_ok":
            ctx.session.stage_failed(visit.id, stage.id, "central_unreachable")
            return
        result = service.accept_offline(stage.operation, visit)
        ctx.did(visit, "accepted_offline", result.reference)
        ctx.session.stage_done(visit.id, stage.id, result)
        return
    except CentralRejected as exc:
        log.error("central rejected the request: %s", exc)
        ctx.session.stage_failed(visit.id, stage.id, "central_rejected")
        return
    except ServiceRefused as exc:
        ctx.session.stage_failed(visit.id, stage.id, exc.message)
        return
    ctx.did(visit, f"central_{stage.operation}", result.reference if result is not None else None)
    ctx.session.stage_done(visit.id, stage.id, result)
