"""Central per service, over real HTTP through the signed kiosk client: every operation.

Each test runs on SQLite and on PostgreSQL (the `central_db` fixture).
"""

from __future__ import annotations

import datetime as dt
import json
import time

import httpx
import pytest
from sqlalchemy import create_engine, select, update

from central.backoffice import Decision
from central.demo_backoffice import DemoBackOffice
from central.db import applications, normalise_url, records
from central.demo_backoffice import DemoBackOffice
from central.server import EmbeddedCentral
from central.stats import stats as central_stats
from drivers.idcard.demo_cards import load_demo_card
from kiosk.central_client import CentralClient, CentralRejected

LI_NA = load_demo_card("li-na")  # the demo back office has a record for her
ZHANG_WEI = load_demo_card("zhang-wei")
INVALID = "110105194912310021"  # wrong check character


def ncr(visit_id: str, card=ZHANG_WEI, purpose: str = "就业") -> dict:
    return {"visit_id": visit_id, "id_number": card.id_number, "name": card.name, "purpose": purpose}


def tid(visit_id: str, card=ZHANG_WEI) -> dict:
    return {"visit_id": visit_id, "id_number": card.id_number, "name": card.name, "sex": card.sex_name,
            "birth_date": card.birth_date.isoformat(), "address": card.address, "purpose": "乘机"}


def visit_record(key: str, **payload) -> dict:
    return {"key": key, "kind": "visit", "created_at": time.time(),
            "payload": {"visit_id": key, "outcome": "completed", **payload}}


def rating(key: str, service: str, level, reason=None) -> dict:
    payload = {"visit_id": key, "service": service, "level": level}
    if reason is not None:
        payload["reason"] = reason
    return {"key": f"{key}:rating", "kind": "rating", "created_at": time.time(), "payload": payload}


def rejected(call) -> CentralRejected:
    with pytest.raises(CentralRejected) as refused:
        call()
    return refused.value


def database_rows(central_db: str, table) -> list[dict]:
    engine = create_engine(normalise_url(central_db))
    try:
        with engine.connect() as conn:
            return [dict(row) for row in conn.execute(select(table)).mappings()]
    finally:
        engine.dispose()


def run_sql(central_db: str, statement) -> None:
    engine = create_engine(normalise_url(central_db))
    try:
        with engine.begin() as conn:
            conn.execute(statement)
    finally:
        engine.dispose()


# ---- no_criminal_record/apply ------------------------------------------------------------------

def test_no_criminal_record_is_issued_with_a_verify_page(enrolled):
    client = enrolled()
    answer = client.call("no_criminal_record", "apply", ncr("v-1"))
    assert answer["outcome"] == "issued" and answer["reason"] is None
    assert answer["certificate_no"].startswith("NCR") and answer["reference"] == answer["certificate_no"]
    assert dt.datetime.fromisoformat(answer["issued_at"]).utcoffset() == dt.timedelta(0)
    assert dt.date.fromisoformat(answer["valid_until"]) > dt.date.today()
    page = httpx.get(answer["verify_url"])
    assert page.status_code == 200 and "无犯罪记录证明" in page.text and "张*" in page.text
    assert ZHANG_WEI.id_number not in page.text and ZHANG_WEI.name not in page.text


def test_li_na_is_refused_and_sent_to_a_counter(enrolled):
    answer = enrolled().call("no_criminal_record", "apply", ncr("v-1", LI_NA))
    assert answer["outcome"] == "refused"
    assert (answer["certificate_no"], answer["verify_url"], answer["valid_until"]) == (None, None, None)
    assert "please apply at the police station" in answer["reason"]
    assert answer["reference"].startswith("NCRA")


def test_a_resend_for_the_same_visit_gets_the_same_answer(enrolled):
    client = enrolled()
    first = client.call("no_criminal_record", "apply", ncr("v-1"))
    assert client.call("no_criminal_record", "apply", ncr("v-1")) == first
    # the same visit id for another service is another request
    assert rejected(lambda: client.call("temporary_id", "apply", tid("v-1"))).status == 409


# ---- temporary_id/apply ------------------------------------------------------------------------

def test_temporary_id_is_issued_to_everyone_for_three_months(enrolled):
    client = enrolled()
    answer = client.call("temporary_id", "apply", tid("v-1", LI_NA))
    assert answer["outcome"] == "issued" and answer["certificate_no"].startswith("TID")
    issued = dt.datetime.fromisoformat(answer["issued_at"]).astimezone(dt.timezone(dt.timedelta(hours=8))).date()
    assert 89 <= (dt.date.fromisoformat(answer["valid_until"]) - issued).days <= 92
    assert client.call("temporary_id", "apply", tid("v-1", LI_NA)) == answer
    page = httpx.get(answer["verify_url"])
    assert page.status_code == 200 and "临时身份证明" in page.text and "李*" in page.text
    assert LI_NA.address not in page.text


def test_temporary_id_birth_date_must_agree_with_the_id_number(enrolled):
    body = {**tid("v-1"), "birth_date": "1985-03-13"}
    refused = rejected(lambda: enrolled().call("temporary_id", "apply", body))
    assert refused.status == 422 and "birth_date" in refused.reason


# ---- errors common to all operations -----------------------------------------------------------

@pytest.mark.parametrize("service, operation, body", [
    ("no_criminal_record", "apply", {**ncr("v-1"), "id_number": INVALID}),
    ("temporary_id", "apply", {**tid("v-1"), "id_number": INVALID}),
    ("progress_query", "query", {"id_number": INVALID}),
    ("progress_query", "reprint", {"visit_id": "v-1", "reference": "NCR20260101AAAAAAAA", "id_number": INVALID}),
])
def test_an_invalid_id_number_is_422_with_a_clear_detail_and_not_echoed(enrolled, service, operation, body):
    refused = rejected(lambda: enrolled().call(service, operation, body))
    assert refused.status == 422
    assert "not a valid 18-character resident ID number" in refused.reason
    assert INVALID not in str(refused)


def test_a_malformed_body_is_422_in_one_line_without_the_values(enrolled):
    body = {**ncr("v-1"), "name": "张" * 65}
    refused = rejected(lambda: enrolled().call("no_criminal_record", "apply", body))
    assert refused.status == 422 and refused.reason.startswith("body.name:") and "张张" not in refused.reason


def test_a_bad_signature_is_401(central, enrolled):
    enrolled("K-1")
    with CentralClient(central.url, "K-1", b"\x01" * 32) as wrong:
        refused = rejected(lambda: wrong.call("no_criminal_record", "apply", ncr("v-1")))
    assert (refused.status, refused.reason) == (401, "unknown kiosk or bad signature")


def test_unknown_service_or_operation_is_404(enrolled):
    client = enrolled()
    unknown_service = rejected(lambda: client.call("passport_renewal", "apply", {}))
    assert (unknown_service.status, unknown_service.reason) == (404, "central offers no service 'passport_renewal'")
    unknown_operation = rejected(lambda: client.call("no_criminal_record", "cancel", {}))
    assert unknown_operation.status == 404 and "no operation 'cancel'" in unknown_operation.reason
    with pytest.raises(ValueError, match="service id"):
        client.call("../enrol", "apply", {})


def test_unknown_routes_still_want_a_signature(central):
    answer = httpx.post(f"{central.url}/api/v1/services/passport_renewal/apply", json={})
    assert answer.status_code == 401


# ---- progress_query/query ----------------------------------------------------------------------

def test_query_by_id_number_lists_every_application_of_that_person(enrolled):
    client = enrolled()
    issued = client.call("no_criminal_record", "apply", ncr("v-1"))
    temporary = client.call("temporary_id", "apply", tid("v-2"))
    client.call("no_criminal_record", "apply", ncr("v-3", LI_NA))  # someone else's
    found = client.call("progress_query", "query", {"id_number": ZHANG_WEI.id_number})["applications"]
    assert [(a["reference"], a["service"], a["state"]) for a in found] == [
        (issued["reference"], "no_criminal_record", "issued"), (temporary["reference"], "temporary_id", "issued")]
    assert all(a["printed"] is False and a["reprintable"] is True for a in found)
    assert set(found[0]) == {"kind", "reference", "service", "state", "submitted_at", "updated_at", "printed",
                             "reprintable"} and found[0]["kind"] == "application"


def test_query_by_reference_shows_that_one_application_and_nothing_personal(enrolled):
    client = enrolled()
    refused = client.call("no_criminal_record", "apply", ncr("v-1", LI_NA))
    client.call("temporary_id", "apply", tid("v-2", LI_NA))
    answer = client.call("progress_query", "query", {"reference": refused["reference"]})
    assert [(a["reference"], a["state"], a["reprintable"]) for a in answer["applications"]] == [
        (refused["reference"], "refused", False)]
    text = json.dumps(answer, ensure_ascii=False)
    assert LI_NA.id_number not in text and "李" not in text and "3101" not in text
    assert client.call("progress_query", "query", {"reference": "SQ20260101DEADBEEF"}) == {"applications": []}


def test_query_needs_exactly_one_of_id_number_and_reference(enrolled):
    client = enrolled()
    both = {"id_number": ZHANG_WEI.id_number, "reference": "x"}
    assert rejected(lambda: client.call("progress_query", "query", both)).status == 422
    assert rejected(lambda: client.call("progress_query", "query", {})).status == 422


# ---- progress_query/reprint, and "printed" from synced records ---------------------------------

def reprint(visit_id: str, reference: str, card=ZHANG_WEI) -> dict:
    return {"visit_id": visit_id, "reference": reference, "id_number": card.id_number}


def test_reprint_gives_what_the_card_does_not_and_is_idempotent(enrolled):
    client = enrolled()
    issued = client.call("temporary_id", "apply", tid("v-1"))
    document = client.call("progress_query", "reprint", reprint("v-2", issued["reference"]))
    assert document == {
        "service": "temporary_id", "reference": issued["reference"], "certificate_no": issued["certificate_no"],
        "verify_url": issued["verify_url"], "issued_at": issued["issued_at"], "valid_until": issued["valid_until"],
        "purpose": "乘机", "name_masked": "张*", "card_fields": ["name", "sex", "birth_date", "address"],
    }
    assert client.call("progress_query", "reprint", reprint("v-2", issued["reference"])) == document


def test_reprint_is_refused_to_another_card_holder(enrolled):
    client = enrolled()
    issued = client.call("no_criminal_record", "apply", ncr("v-1"))
    refused = rejected(lambda: client.call("progress_query", "reprint", reprint("v-2", issued["reference"], LI_NA)))
    assert (refused.status, refused.reason) == (403, "this application belongs to another ID card")


def test_printed_is_learned_from_a_synced_record_and_ends_reprints(enrolled, central_db):
    client = enrolled()
    issued = client.call("no_criminal_record", "apply", ncr("v-1"))
    granted = client.call("progress_query", "reprint", reprint("v-2", issued["reference"]))
    record = visit_record("v-1", service="no_criminal_record", document_printed=True,
                          result={"outcome": "issued", "reference": issued["reference"]})
    assert client.post_batch([record])[0]["status"] == "stored"
    [summary] = client.call("progress_query", "query", {"reference": issued["reference"]})["applications"]
    assert (summary["printed"], summary["reprintable"]) == (True, False)
    refused = rejected(lambda: client.call("progress_query", "reprint", reprint("v-3", issued["reference"])))
    assert refused.status == 409 and "printed already" in refused.reason
    # the reprint granted before is still answered the same to its own visit's resend
    assert client.call("progress_query", "reprint", reprint("v-2", issued["reference"])) == granted
    assert central_stats(central_db)["services"]["no_criminal_record"]["printed"] == 1


def test_a_record_of_a_failed_print_leaves_it_reprintable(enrolled):
    client = enrolled()
    issued = client.call("no_criminal_record", "apply", ncr("v-1"))
    client.post_batch([visit_record("v-1", service="no_criminal_record", document_printed=False,
                                    result={"outcome": "issued", "reference": issued["reference"]})])
    [summary] = client.call("progress_query", "query", {"reference": issued["certificate_no"]})["applications"]
    assert (summary["printed"], summary["reprintable"]) == (False, True)


def test_no_reprint_of_a_refusal_or_an_old_document(enrolled, central_db):
    client = enrolled()
    refusal = client.call("no_criminal_record", "apply", ncr("v-1", LI_NA))
    refused = rejected(lambda: client.call("progress_query", "reprint", reprint("v-2", refusal["reference"], LI_NA)))
    assert refused.status == 409 and "refused" in refused.reason
    issued = client.call("no_criminal_record", "apply", ncr("v-3"))
    run_sql(central_db, update(applications).where(applications.c.visit_id == "v-3")
            .values(issued_at=time.time() - 31 * 86400))
    too_old = rejected(lambda: client.call("progress_query", "reprint", reprint("v-4", issued["reference"])))
    assert too_old.status == 409 and "30 days" in too_old.reason
    unknown = rejected(lambda: client.call("progress_query", "reprint", reprint("v-5", "NCR20260101AAAAAAAA")))
    assert unknown.status == 404


# ---- offline applications ----------------------------------------------------------------------

def offline_record(visit_id: str, card, reference: str) -> dict:
    return visit_record(visit_id, service="no_criminal_record", choices={"purpose": "employment"},
                        result={"outcome": "accepted_offline", "reference": reference, "issued_at": None},
                        applicant={"id_number": card.id_number, "name": card.name})


def test_offline_applications_are_decided_on_ingest_and_stored_without_clear_identity(enrolled, central_db):
    client = enrolled()
    answers = client.post_batch([offline_record("v-1", ZHANG_WEI, "SQ20261202AAAA0001"),
                                 offline_record("v-2", LI_NA, "SQ20261202AAAA0002")])
    assert [a["status"] for a in answers] == ["stored", "stored"]
    assert client.post_batch([offline_record("v-1", ZHANG_WEI, "SQ20261202AAAA0001")])[0]["status"] == "duplicate"
    [mine] = client.call("progress_query", "query", {"id_number": ZHANG_WEI.id_number})["applications"]
    assert (mine["reference"], mine["state"], mine["printed"], mine["reprintable"]) == (
        "SQ20261202AAAA0001", "issued", False, True)
    [hers] = client.call("progress_query", "query", {"reference": "SQ20261202AAAA0002"})["applications"]
    assert hers["state"] == "refused"
    # issued later: the citizen prints it with the card; the document gets a certificate number
    document = client.call("progress_query", "reprint", reprint("v-3", "SQ20261202AAAA0001"))
    assert document["certificate_no"].startswith("NCR") and httpx.get(document["verify_url"]).status_code == 200
    stored = json.dumps([row["payload"] for row in database_rows(central_db, records)], ensure_ascii=False)
    stored += json.dumps(database_rows(central_db, applications), ensure_ascii=False, default=str)
    for card in (ZHANG_WEI, LI_NA):
        assert card.id_number not in stored and card.name not in stored
    assert "1101**********1239" in stored


class UndecidedBackOffice(DemoBackOffice):
    """A back office that takes its time: every application stays accepted."""

    def check_no_criminal_record(self, applicant, purpose):
        return Decision("accepted")

    def issue_temporary_id(self, applicant, purpose):
        return Decision("accepted")


def test_a_back_office_may_leave_applications_accepted(central_db):
    with EmbeddedCentral(central_db, backoffice=UndecidedBackOffice()) as central:
        with CentralClient(central.url, "K-1", CentralClient.enrol(central.url, "K-1")) as client:
            online = client.call("no_criminal_record", "apply", ncr("v-1"))
            assert (online["outcome"], online["certificate_no"]) == ("accepted", None)
            client.post_batch([offline_record("v-2", LI_NA, "SQ20261202AAAA0003")])
            found = client.call("progress_query", "query", {"reference": "SQ20261202AAAA0003"})["applications"]
    assert [(a["state"], a["reprintable"]) for a in found] == [("accepted", False)]
    assert central_stats(central_db)["services"]["no_criminal_record"]["accepted"] == 2


def test_a_back_office_must_implement_every_operation(central_db):
    from central.app import create_app

    class Half:
        def check_no_criminal_record(self, applicant, purpose):
            return Decision("issued")

    with pytest.raises(TypeError, match="does not implement"):
        create_app(central_db, backoffice=Half())


def test_an_offline_record_with_an_invalid_applicant_is_rejected_per_item(enrolled):
    record = offline_record("v-1", ZHANG_WEI, "SQ20261202AAAA0004")
    record["payload"]["applicant"]["id_number"] = INVALID
    [answer] = enrolled().post_batch([record])
    assert answer["status"] == "rejected" and "applicant.id_number" in answer["reason"]
    assert INVALID not in answer["reason"]


def test_an_applicant_in_any_kind_of_record_is_checked_and_stored_masked(enrolled, central_db):
    odd = {"key": "n-1", "kind": "note", "created_at": time.time(), "payload": {"applicant": {"id_number": 5}}}
    fine = {"key": "n-2", "kind": "note", "created_at": time.time(),
            "payload": {"applicant": {"id_number": LI_NA.id_number, "name": LI_NA.name}}}
    assert [a["status"] for a in enrolled().post_batch([odd, fine])] == ["rejected", "stored"]
    [row] = database_rows(central_db, records)
    assert row["payload"]["applicant"]["id_masked"] == "3101**********2463"
    assert "id_number" not in row["payload"]["applicant"] and LI_NA.name not in json.dumps(row, ensure_ascii=False)


# ---- ratings -----------------------------------------------------------------------------------

def test_ratings_are_stored_per_service_and_counted_in_stats(enrolled, central_db):
    client = enrolled()
    client.call("no_criminal_record", "apply", ncr("v-1"))
    client.call("no_criminal_record", "apply", ncr("v-2", LI_NA))
    client.call("temporary_id", "apply", tid("v-3"))
    old_kiosk = {"key": "v-4:rating", "kind": "rating", "created_at": time.time(),
                 "payload": {"visit_id": "v-4", "service": "temporary_id", "score": 4}}  # before `level`
    answers = client.post_batch([
        rating("v-1", "no_criminal_record", 5), rating("v-2", "no_criminal_record", 1, "排队太久"),
        rating("v-3", "temporary_id", 5), old_kiosk,
        rating("v-5", "temporary_id", 6), rating("v-6", "temporary_id", True),
        rating("v-7", "temporary_id", 3, "长" * 201),
    ])
    assert [a["status"] for a in answers] == ["stored"] * 4 + ["rejected"] * 3
    assert "1 to 5" in answers[4]["reason"] and "200 characters" in answers[6]["reason"]
    client.post_batch([rating("v-1", "no_criminal_record", 5)])  # a resend counts once
    services = central_stats(central_db)["services"]
    assert services["no_criminal_record"]["ratings"] == {
        "count": 2, "mean": 3.0, "distribution": {"1": 1, "2": 0, "3": 0, "4": 0, "5": 1}}
    assert services["temporary_id"]["ratings"]["distribution"] == {"1": 0, "2": 0, "3": 0, "4": 1, "5": 1}
    assert (services["no_criminal_record"]["issued"], services["no_criminal_record"]["refused"]) == (1, 1)
    assert services["temporary_id"]["issued"] == 1
    assert services["progress_query"]["ratings"]["count"] == 0


def test_openapi_lists_every_service_operation(central):
    paths = httpx.get(f"{central.url}/openapi.json").json()["paths"]
    assert {"/api/v1/services/no_criminal_record/apply", "/api/v1/services/temporary_id/apply",
            "/api/v1/services/progress_query/query", "/api/v1/services/progress_query/reprint"} <= set(paths)
