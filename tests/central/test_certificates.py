"""No-criminal-record certificates through the signed service call, the verification page, heartbeats, health."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest

from central import demo_backoffice as demo_data
from central.applications import valid_until as _service_valid_until
from central.services import no_criminal_record
from central.identity import check_character, is_valid_id_number, mask_id_number, mask_name
from central.stats import stats as central_stats
from kiosk.central_client import CentralClient, CentralRejected, CentralUnavailable

CLEAN = "11010519491231002X"
WITH_RECORD = next(iter(demo_data.CRIMINAL_RECORDS))


def test_clean_person_gets_a_certificate_with_a_working_verify_url(enrolled):
    client = enrolled()
    answer = client.call("no_criminal_record", "apply", {"visit_id": "v-1", "id_number": CLEAN, "name": "张三", "purpose": "就业"})
    assert answer["outcome"] == "issued" and answer["reason"] is None
    assert answer["certificate_no"].startswith("NCR")
    assert answer["verify_url"] == f"{client.base_url}/verify/{answer['certificate_no']}"
    assert dt.datetime.fromisoformat(answer["issued_at"]).utcoffset() == dt.timedelta(0)
    assert {"outcome", "certificate_no", "verify_url", "issued_at", "valid_until", "reason"} <= set(answer)

    page = httpx.get(answer["verify_url"])
    assert page.status_code == 200
    assert "1101**********002X" in page.text and "张*" in page.text and "就业" in page.text
    assert "有效 / Valid" in page.text and "无犯罪记录证明" in page.text
    assert CLEAN not in page.text and "张三" not in page.text


def test_asking_again_for_the_same_visit_gives_the_same_certificate(enrolled):
    client = enrolled()
    first = client.call("no_criminal_record", "apply", {"visit_id": "v-1", "id_number": CLEAN, "name": "张三", "purpose": "就业"})
    again = client.call("no_criminal_record", "apply", {"visit_id": "v-1", "id_number": CLEAN, "name": "张三", "purpose": "就业"})
    assert again == first


def test_visit_id_cannot_be_reused_for_another_person(enrolled):
    client = enrolled()
    client.call("no_criminal_record", "apply", {"visit_id": "v-1", "id_number": CLEAN, "name": "张三", "purpose": "就业"})
    with pytest.raises(CentralRejected) as refused:
        client.call("no_criminal_record", "apply", {"visit_id": "v-1", "id_number": WITH_RECORD, "name": "李四", "purpose": "就业"})
    assert refused.value.status == 409


def test_person_with_a_record_is_sent_to_a_counter(enrolled, central_db):
    answer = enrolled().call("no_criminal_record", "apply", {"visit_id": "v-2", "id_number": WITH_RECORD, "name": "李四", "purpose": "出国"})
    assert answer["outcome"] == "refused"
    assert answer["certificate_no"] is None and answer["verify_url"] is None
    assert answer["reason"].startswith("请到户籍所在地派出所窗口办理")
    figures = central_stats(central_db)
    assert (figures["certificates_issued"], figures["certificates_refused"]) == (0, 1)


def test_invalid_id_number_is_rejected_without_echoing_it(enrolled):
    with pytest.raises(CentralRejected) as refused:
        enrolled().call("no_criminal_record", "apply", {"visit_id": "v-3", "id_number": "110105194912310021", "name": "张三", "purpose": "就业"})
    assert refused.value.status == 422
    assert "110105194912310021" not in str(refused.value)


def test_unknown_certificate_is_not_found(central):
    page = httpx.get(f"{central.url}/verify/NCR20260101AAAAAAAA")
    assert page.status_code == 404 and "未找到" in page.text


def test_heartbeat_is_stored_per_kiosk(enrolled, central_db):
    client = enrolled()
    assert client.heartbeat({"printer": "online"})["ok"] is True
    assert client.heartbeat({"printer": "paper_out"})["ok"] is True
    assert central_stats(central_db)["kiosks_reporting"] == 1


def test_health_and_openapi(central, enrolled):
    assert enrolled().ping() is True
    schema = httpx.get(f"{central.url}/openapi.json").json()
    assert "/api/v1/records/batch" in schema["paths"]
    assert "/api/v1/services/no_criminal_record/apply" in schema["paths"]


def test_client_reports_unreachable_central_as_unavailable():
    import socket

    with socket.socket() as sock:  # a port that was just free: nothing listens there
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with CentralClient(f"http://127.0.0.1:{port}", "K-1", b"\x00" * 32, timeout=1.0) as client:
        assert client.ping() is False
        with pytest.raises(CentralUnavailable, match="unreachable"):
            client.post_batch([])


def test_client_reports_a_silent_central_as_a_timeout():
    import socket

    with socket.socket() as sock:  # accepts connections (backlog) but never answers
        sock.bind(("127.0.0.1", 0))
        sock.listen(1)
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        with CentralClient(url, "K-1", b"\x00" * 32, timeout=0.3) as client:
            with pytest.raises(CentralUnavailable, match="timed out"):
                client.heartbeat({})


def test_demo_record_holders_have_valid_id_numbers():
    assert demo_data.CRIMINAL_RECORDS
    assert all(is_valid_id_number(n) for n in demo_data.CRIMINAL_RECORDS)
    assert not demo_data.has_criminal_record(CLEAN)
    assert demo_data.has_criminal_record(WITH_RECORD.lower())


def test_identity_helpers():
    assert check_character("11010519491231002") == "X"
    assert is_valid_id_number("11010519491231002x")
    assert not is_valid_id_number("1101051949123100")
    assert mask_id_number(CLEAN) == "1101**********002X"
    assert (mask_name("张三"), mask_name("欧阳娜娜")) == ("张*", "欧**娜")


@pytest.mark.parametrize(
    "issued, valid_until",
    [("2026-01-15", "2026-04-15"), ("2026-11-30", "2027-02-28"), ("2027-11-30", "2028-02-29")],
)
def test_certificates_are_valid_three_calendar_months(issued, valid_until):
    tz = dt.timezone(dt.timedelta(hours=8))
    noon = dt.datetime.fromisoformat(issued).replace(hour=12, tzinfo=tz).timestamp()
    assert _service_valid_until(no_criminal_record.INFO, noon).isoformat() == valid_until
