"""The visit's record goes into the outbox in the same transaction that marks the visit
complete, before the citizen sees the outcome; a full outbox ends the visit plainly."""

from __future__ import annotations

import logging

from offline_queue.outbox import OutboxFull

log = logging.getLogger(__name__)


def run(ctx, visit, stage) -> None:
    service = ctx.services[visit.service_id]
    try:
        ctx.outbox.record_visit(visit.id, "completed", service.record(visit, "completed"))
    except OutboxFull as exc:
        log.error("visit not recorded: %s", exc)
        ctx.session.stage_failed(visit.id, stage.id, "record_failed")
        return
    ctx.visit_recorded(visit.id)
    ctx.session.stage_done(visit.id, stage.id)
