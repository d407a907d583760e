"""Central takes an ID number or a reference only in its one strict form: a listed person's
number in another script's digits, or with a trailing newline, is refused (it used to be
issued a certificate, the list lookup missing it), and lookups refuse what no receipt shows."""

from __future__ import annotations

import httpx
import pytest

from central import demo_backoffice as demo_data
from common.certno import is_certificate_number
from kiosk.central_client import CentralRejected

WITH_RECORD = next(iter(demo_data.CRIMINAL_RECORDS))
FULLWIDTH = WITH_RECORD.translate({ord(d): 0xFF10 + int(d) for d in "0123456789"})
ARABIC_INDIC = WITH_RECORD[:6] + WITH_RECORD[6:14].translate({ord(d): 0x0660 + int(d) for d in "0123456789"}) + WITH_RECORD[14:]


@pytest.mark.parametrize("forged", [FULLWIDTH, ARABIC_INDIC, WITH_RECORD + "\n", " " + WITH_RECORD,
                                    WITH_RECORD + "\u200b"], ids=["fullwidth", "arabic-indic", "newline", "space", "zwsp"])
@pytest.mark.parametrize("service", ["no_criminal_record", "temporary_id"])
def test_a_forged_listed_number_gets_no_certificate(enrolled, forged, service):
    body = {"visit_id": "v-1", "id_number": forged, "name": "李四", "purpose": "就业"}
    if service == "temporary_id":
        body |= {"sex": "男", "birth_date": "1968-11-05", "address": "上海"}
    with pytest.raises(CentralRejected) as refused:
        enrolled().call(service, "apply", body)
    assert refused.value.status == 422 and WITH_RECORD[6:14] not in refused.value.reason


def test_issued_numbers_carry_their_check_character(enrolled):
    answer = enrolled().call("no_criminal_record", "apply",
                             {"visit_id": "v-2", "id_number": "11010519491231002X", "name": "张三", "purpose": "就业"})
    assert is_certificate_number(answer["certificate_no"])
    page = httpx.get(answer["verify_url"])
    assert page.status_code == 200
    broken = answer["certificate_no"][:-1] + ("2" if answer["certificate_no"][-1] != "2" else "3")
    assert httpx.get(f"{answer['verify_url'].rsplit('/', 1)[0]}/{broken}").status_code == 404


@pytest.mark.parametrize("reference", ["NCR2026\n", "ＮＣＲ20261201", "NCR 2026", "ncr20261201", "A\x00BCD"])
def test_a_reference_that_no_receipt_shows_is_refused(enrolled, reference):
    with pytest.raises(CentralRejected) as refused:
        enrolled().call("progress_query", "query", {"reference": reference})
    assert refused.value.status == 422
