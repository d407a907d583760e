"""Services as declared stages: the machine built from the lists, skipped stages, typed input,
the card-free progress query, and a service added by a test alone (a folder's worth of code
plus config, nothing changed elsewhere)."""

import pytest
from statemachine.exceptions import TransitionNotAllowed

from drivers.idcard.demo_cards import load_demo_card
from kiosk.config import ConfigError, load_config
from kiosk.identity.policy import PolicyStep
from kiosk.inputs import entry_error, keys_for
from kiosk.services import build_services, register, unregister
from kiosk.services.base import Service
from kiosk.services.stages import Act, Ask, Choose, Confirm, Dispense, Enter, Identify, Rate, Record, Result, Verify, expand
from kiosk.session import Session
from kiosk.visit import ServiceResult

from tests.kiosk.test_session import Clock, RecordingRunner

VERIFIED = PolicyStep("verified", None, "identity_verified")


class LostPropertyReport(Service):
    """A service that exists only in this test: report lost property by phone number."""

    id = "lost_property_test"
    stages = (Identify(identity="none"), Enter("phone", format="phone"), Confirm(), Ask("report"), Result(), Rate())
    requires = ("idcard",)

    def ask(self, operation, visit, central):
        return ServiceResult("issued", reference="LP-" + visit.inputs["phone"][-4:])

    def result_rows(self, visit, language):
        return (("text:受理编号", visit.result.reference),)


def session_for(config, clock=None):
    runner = RecordingRunner()
    session = Session(config, runner, build_services(config), clock=clock or Clock())
    session.set_availability({s.id: None for s in config.services}, None)
    return session, runner


@pytest.fixture
def test_service():
    register(LostPropertyReport)
    yield LostPropertyReport
    unregister(LostPropertyReport.id)


def test_a_service_is_its_class_plus_config(test_service):
    config = load_config(overrides={"services": [{
        "id": "lost_property_test",
        "title": {"zh": "失物登记", "en": "Lost property"},
        "steps": [{"id": "phone", "title": {"zh": "联系电话"}, "prompt": {"zh": "请输入手机号码"}}],
    }]})
    session, runner = session_for(config)
    session.touch()
    assert [t.id for t in session.view().tiles] == ["lost_property_test"]
    session.choose_service("lost_property_test")
    session.card_read(session.visit.id, load_demo_card("zhang-wei"))
    assert session.state == "enter"  # identity="none": no verify stage
    for key in "1381234567":
        session.key("phone", key)
    session.submit_entry("phone")
    assert session.view().entry.error == "phone_invalid"  # ten digits
    session.key("phone", "8")
    session.key("phone", "X")  # not a phone key: ignored
    assert session.view().entry.value == "13812345678"
    session.submit_entry("phone")
    assert session.state == "confirm"
    session.confirm()
    service = build_services(config)["lost_property_test"]
    session.stage_done(session.visit.id, "report", service.ask("report", session.visit, central=None))
    session.stage_done(session.visit.id, "record")
    view = session.view()
    assert view.state == "result" and view.rows == (("text:受理编号", "LP-5678"),)
    session.confirm()
    assert session.state == "rate"
    assert runner.calls == ["identify", "report", "record"]


def test_expand_adds_the_identity_check_and_the_record():
    steps = expand((Identify(), Choose("purpose"), Ask("apply"), Act("receipt"), Rate()))
    assert [type(s) for s in steps] == [Identify, Verify, Choose, Ask, Act, Record, Rate]
    with pytest.raises(ValueError, match="unique"):
        expand((Choose("x"), Choose("x")))


def test_a_choose_stage_without_configured_choices_fails_at_start_up():
    config = load_config()
    config.service("no_criminal_record").steps.clear()
    with pytest.raises(ValueError, match="needs its choices in the config"):
        build_services(config)


def test_a_service_needing_an_unconfigured_device_fails_at_start_up():
    config = load_config()
    del config.devices["docprinter"]
    with pytest.raises(ValueError, match="requires devices not configured: docprinter"):
        build_services(config)


class Dispensing(Service):
    id = "dispensing_test"
    stages = (Identify(identity="none"), Dispense())


class Stapling(Service):
    id = "stapling_test"
    stages = (Identify(identity="none"), Act("staple", action="staple"))


class Printing(Service):
    id = "printing_test"
    stages = (Identify(identity="none"), Ask("apply"), Act("receipt", action="print_receipt"))

    def ask(self, operation, visit, central):
        return ServiceResult("issued")


@pytest.mark.parametrize("cls, problem", [
    (Dispensing, "stage 'dispense' needs the service to define handout()"),
    (Stapling, "device action 'staple' is not one the kiosk has"),
    (Printing, "stage 'receipt' needs the service to define receipt()"),
    (type("Asking", (Service,), {"id": "asking_test", "stages": (Ask("apply"),)}),
     "stage 'apply' needs the service to define ask()"),
])
def test_a_stage_the_service_cannot_serve_fails_at_start_up(cls, problem):
    register(cls)
    try:
        with pytest.raises(ConfigError, match=problem):
            load_config(overrides={"services": [{"id": cls.id, "title": {"zh": "测试"}}]})
    finally:
        unregister(cls.id)


def test_an_unknown_service_id_is_refused_plainly():
    with pytest.raises(ConfigError, match="does not implement: 'no_such_service'"):
        load_config(overrides={"services": [{"id": "no_such_service", "title": {"zh": "无"}}]})


def test_the_machine_refuses_a_jump_to_another_services_stage():
    session, _runner = session_for(load_config())
    session.touch()
    session.choose_service("no_criminal_record")
    with pytest.raises(TransitionNotAllowed):
        session._flow.send("to_temporary_id__confirm")


def test_switching_a_service_off_removes_its_tile():
    config = load_config()
    config.service("temporary_id").enabled = False
    session, _runner = session_for(config)
    session.touch()
    assert [t.id for t in session.view().tiles] == ["no_criminal_record", "progress_query", "traffic_fines",
                                                    "hkmo_endorsement", "id_card_pickup", "id_photo"]


def test_tiles_follow_the_configured_order():
    config = load_config()
    config.services.reverse()
    session, _runner = session_for(config)
    session.touch()
    assert [t.id for t in session.view().tiles] == ["id_photo", "id_card_pickup", "hkmo_endorsement",
                                                    "traffic_fines", "progress_query", "temporary_id",
                                                    "no_criminal_record"]


# ---- the progress query ---------------------------------------------------------------------
APPLICATIONS = {"applications": [
    {"reference": "NCR20261201ABCD", "service": "no_criminal_record", "state": "issued",
     "submitted_at": "2026-12-01T02:00:00+00:00", "printed": False, "reprintable": True},
    {"reference": "SQ20261130XYZ1", "service": "no_criminal_record", "state": "accepted",
     "submitted_at": "2026-11-30T02:00:00+00:00", "printed": False, "reprintable": False},
]}


def test_progress_by_typed_number_shows_the_state_and_offers_no_reprint():
    session, runner = session_for(load_config())
    session.touch()
    session.choose_service("progress_query")
    session.choose("method", "number")
    assert session.state == "enter" and session.view().entry.format == "code"
    assert session.view().can_back  # over the skipped card and scan stages, back to the method
    session.back()
    assert session.state == "choose" and "method" not in session.visit.choices
    session.choose("method", "number")
    for key in "sq2026":
        session.key("reference", key)
    session.submit_entry("reference")
    assert session.state == "ask" and session.visit.inputs["reference"] == "SQ2026"
    session.stage_done(session.visit.id, "query", ServiceResult("answered", data={}))
    session.visit.answers["query"] = {"applications": APPLICATIONS["applications"][1:]}
    view = session.view()
    assert view.state == "result"
    assert view.rows[0][0] == "text:无犯罪记录证明 SQ20261130XYZ1" and view.rows[0][1].startswith("已受理")
    assert [cid for cid, _ in view.step.choices] == ["finish"]  # reprinting needs the card
    session.choose("result", "finish")
    assert session.state == "record"
    assert "identify" not in runner.calls and "reprint" not in runner.calls


def test_progress_by_card_offers_the_reprint_and_prints_it():
    session, runner = session_for(load_config())
    session.touch()
    session.choose_service("progress_query")
    session.choose("method", "card")
    assert session.state == "identify"
    session.card_read(session.visit.id, load_demo_card("zhang-wei"))
    session.verify_finished(session.visit.id, VERIFIED)
    assert session.state == "ask"
    session.visit.answers["query"] = APPLICATIONS
    session.stage_done(session.visit.id, "query", ServiceResult("answered", data=APPLICATIONS))
    view = session.view()
    assert [cid for cid, _ in view.step.choices] == ["reprint:NCR20261201ABCD", "finish"]
    assert "未打印" in view.rows[0][1]
    session.choose("result", "reprint:NCR20261201ABCD")
    assert session.state == "ask" and session.stage.id == "reprint"
    session.visit.answers["reprint"] = {"service": "no_criminal_record"}
    session.stage_done(session.visit.id, "reprint", ServiceResult("issued", reference="NCR20261201ABCD"))
    assert (session.state, session.view().action) == ("act", "print_document")


def test_a_scanned_code_is_the_application_number():
    from kiosk.services.base import ServiceRefused
    from kiosk.services.progress_query import reference_from_code

    assert reference_from_code("http://central/verify/NCR20261201ABCD\r") == "NCR20261201ABCD"
    assert reference_from_code("sq20261130xyz1") == "SQ20261130XYZ1"
    with pytest.raises(ServiceRefused):
        reference_from_code("https://example.com/?q=<script>")


@pytest.mark.parametrize("plate, error", [
    ("京A12345", None), ("粤BD12345", None), ("沪A12345F", None), ("京AI2345", "plate_invalid"),
    ("A12345", "plate_province"), ("京A1234", "plate_invalid"), ("", "entry_empty"),
])
def test_plate_numbers(plate, error):
    assert entry_error("plate", plate) == error


def test_the_plate_keyboard_starts_with_the_provinces():
    assert "京" in keys_for("plate", "") and "A" not in keys_for("plate", "")
    assert "A" in keys_for("plate", "京") and "1" not in keys_for("plate", "京")
    assert "1" in keys_for("plate", "京A") and "O" not in keys_for("plate", "京A")


def test_operator_notices_show_on_the_attract_screen_within_their_dates():
    from datetime import datetime, timezone

    from kiosk.config import Notice, Text
    from kiosk.session import Session
    from kiosk.site_clock import SiteClock

    config = load_config()
    config.notices = [Notice(text=Text(zh="12月5日系统维护", en="Maintenance on 5 December"), until_date="2026-12-05"),
                      Notice(text=Text(zh="新年快乐", en="Happy new year"), from_date="2027-01-01")]
    now = [datetime(2026, 12, 4, 16, 30, tzinfo=timezone.utc)]  # 5 December, 00:30 in Beijing
    session = Session(config, session_for(config)[1], site_clock=SiteClock("Asia/Shanghai", now=lambda: now[0]))
    assert session.view().notices == ("12月5日系统维护",)
    now[0] = datetime(2026, 12, 5, 16, 30, tzinfo=timezone.utc)  # the 6th
    assert session.view().notices == ()
    now[0] = datetime(2027, 1, 1, 1, 0, tzinfo=timezone.utc)
    session.set_language("en")
    assert session.view().notices == ("Happy new year",)
