"""Recording what a stop interrupted, from the outbox's journal of a visit's steps (a real
encrypted outbox on disk)."""

from __future__ import annotations

from kiosk.interrupted import interrupted_record, record_interrupted
from offline_queue.outbox import Outbox


def steps(outbox, visit_id, *names, service="no_criminal_record"):
    for name in names:
        outbox.visit_step(visit_id, service, name, "NCR-7" if name == "central_apply" else None)


def test_a_print_begun_counts_as_printed_unless_it_is_known_to_have_failed(tmp_path):
    with Outbox(tmp_path / "outbox.db", tmp_path / "outbox.key") as outbox:
        steps(outbox, "begun", "card_read", "identity_checked", "central_apply", "document_printing")
        steps(outbox, "failed", "card_read", "central_apply", "document_printing", "document_not_printed",
              "receipt_printing", "receipt_printed")
        begun = interrupted_record(outbox, "begun", "no_criminal_record", "K-1")
        failed = interrupted_record(outbox, "failed", "no_criminal_record", "K-1")
    assert begun["done"] == ["card_read", "identity_checked", "central_apply", "document_printing"]
    assert begun["result"] == {"reference": "NCR-7"}  # central marks that certificate printed
    assert (begun["document_printed"], begun["receipt_printed"]) == (True, False)
    assert (failed["document_printed"], failed["receipt_printed"]) == (False, True)


def test_each_interrupted_visit_is_recorded_once_and_hand_outs_are_left_to_the_dispenser(tmp_path):
    with Outbox(tmp_path / "outbox.db", tmp_path / "outbox.key") as outbox:
        steps(outbox, "v-photo", "card_read", "identity_checked", service="id_photo")
        steps(outbox, "v-pickup", "central_lookup", "identity_checked", service="id_card_pickup")
        assert record_interrupted(outbox, "K-1", skip={"v-pickup"}) == ["v-photo"]
        assert record_interrupted(outbox, "K-1", skip={"v-pickup"}) == []  # recorded: its steps are gone
        assert outbox.visit_outcome("v-photo") == "interrupted"
        assert outbox.visit_outcome("v-pickup") is None
        [item] = outbox.due(10)
    assert item.payload["done"] == ["card_read", "identity_checked"] and item.payload["service"] == "id_photo"
