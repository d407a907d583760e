"""Device actions: print the receipt, print the A4 document. A print that fails is recorded as
not printed and the visit goes on (the result is already central's: it can be reprinted from
the progress query); the citizen is told at the end. Each job carries a key made of the visit
and the stage, so a retried stage never prints twice."""

from __future__ import annotations

import logging

from drivers.base import DeviceError, DeviceTimeout

log = logging.getLogger(__name__)

PROBLEMS = {"print_receipt": "receipt_not_printed", "print_document": "document_not_printed"}
# How long the citizen waits for the A4 printer to finish the job (under the stage's ceiling).
DOCUMENT_WAIT_S = 20.0


def run(ctx, visit, stage) -> None:
    service = ctx.services[visit.service_id]
    action = stage.action
    what = action.removeprefix("print_")  # receipt | document
    try:
        if action == "print_receipt":
            receipt = service.receipt(visit)
            with ctx.devices.in_use("printer") as printer:
                if not _still_wanted(ctx, visit, stage):
                    return
                ctx.did(visit, "receipt_printing")
                printer.print_receipt(receipt)
        elif action == "print_document":
            from kiosk.documents import render_pdf

            title = f"{service.id} {visit.result.reference or visit.id}"
            pdf = render_pdf(service.document(visit))
            with ctx.devices.in_use("docprinter") as printer:
                if not _still_wanted(ctx, visit, stage):
                    return
                ctx.did(visit, "document_printing")
                job = printer.print_pdf(pdf, title=title, job_key=f"{visit.id}:{stage.id}")
                del pdf
                _wait_printed(printer, job)
        else:  # Service.steps refuses such a service at start-up; this is only a guard
            raise ValueError(f"no device action {action!r}")
        visit.printed[action] = True
        ctx.did(visit, f"{what}_printed")
    except DeviceError as exc:
        log.error("%s failed: %s: %s", action, exc.kind, exc.message)
        visit.printed[action] = False
        ctx.did(visit, f"{what}_not_printed")  # known to have failed: reprintable after a stop too
        ctx.session.stage_problem(visit.id, stage.id, PROBLEMS.get(action, "device_action_failed"))
    ctx.session.stage_done(visit.id, stage.id)


def _still_wanted(ctx, visit, stage) -> bool:
    """Rendering or waiting for the device can outlast the stage's ceiling on a loaded machine:
    the visit has ended meanwhile and the citizen may be gone. Nothing of theirs is printed for
    nobody to take; what central issued stays unprinted, and the progress query reprints it."""
    if ctx.session.at_stage(visit.id, stage.id):
        return True
    log.warning("visit %s left stage %s before it printed: not printed", visit.id, stage.id)
    return False


def _wait_printed(printer, job: str) -> None:
    """Until the job is out of the printer. Failed (aborted, cancelled, the queue stopped, paper
    out) raises; still going after DOCUMENT_WAIT_S counts as printed: the job is the printer's
    now, and recording it as not printed would let it be reprinted while it may still come out."""
    try:
        printer.wait_job(job, timeout=DOCUMENT_WAIT_S)
    except DeviceTimeout:
        log.warning("document job %s still printing after %.0f s: counted as printed", job, DOCUMENT_WAIT_S)
