"""The visit state machine, headless, with a fake clock: every path a citizen can take."""

import pytest

from drivers.idcard.demo_cards import load_demo_card
from kiosk.config import load_config
from kiosk.identity.policy import PolicyStep
from kiosk.services import build_services
from kiosk.session import Session
from kiosk.visit import ServiceResult

SERVICE = "no_criminal_record"


class RecordingRunner:
    """The Session's other side, recording what the Session asked for."""

    def __init__(self):
        self.calls = []
        self.ended = []

    def start_stage(self, visit, stage):
        self.calls.append(stage.id)

    def record_rating(self, visit):
        self.calls.append(("rating", visit.rating, visit.rating_reason))

    def visit_ended(self, visit, outcome):
        self.ended.append((visit, outcome))


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now

    def advance(self, seconds):
        self.now += seconds


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def runner():
    return RecordingRunner()


@pytest.fixture
def session(clock, runner):
    config = load_config(overrides={"timeouts.default_s": 60, "timeouts.warning_s": 15,
                                    "timeouts.extend_s": 60, "timeouts.max_extensions": 1})
    session = Session(config, runner, build_services(config), clock=clock)
    session.views = []
    session.subscribe(session.views.append)
    return session


def card():
    return load_demo_card("zhang-wei")


VERIFIED = PolicyStep("verified", None, "identity_verified")


def to_confirm(session):
    session.touch()
    session.choose_service(SERVICE)
    session.card_read(session.visit.id, card())
    assert session.state == "verify"
    session.verify_finished(session.visit.id, VERIFIED)
    session.choose("purpose", "visa")
    assert session.state == "confirm"


ISSUED = ServiceResult("issued", "NCR-1", "http://c/verify/NCR-1", "2026-12-02T06:00:00+00:00")


def test_full_visit(session, runner):
    to_confirm(session)
    view = session.view()
    assert ("id_number", load_demo_card("zhang-wei").masked_id) in view.summary
    assert dict(view.summary)["text:选择用途"] == "签证办理"
    session.confirm()
    assert session.state == "ask" and runner.calls == ["identify", "verify", "apply"]
    visit = session.visit
    session.stage_done(visit.id, "apply", ISSUED)
    assert (session.state, session.view().action) == ("act", "print_document")
    session.stage_done(visit.id, "document")
    assert (session.state, session.view().action) == ("act", "print_receipt")
    session.stage_done(visit.id, "receipt")
    assert session.state == "record"
    session.stage_done(visit.id, "record")
    assert session.state == "rate" and session.view().outcome == "issued"
    assert runner.calls[-4:] == ["apply", "document", "receipt", "record"]
    session.rate(5)
    assert ("rating", 5, None) in runner.calls and session.state == "done"
    session.finish()
    assert session.state == "attract" and session.visit is None
    assert runner.ended[-1][1] == "completed"
    assert visit.card is None and visit.choices == {}  # wiped


def test_refused_prints_nothing_and_is_recorded_before_the_rating(session, runner):
    to_confirm(session)
    session.confirm()
    session.stage_done(session.visit.id, "apply", ServiceResult("refused", reason="请到窗口办理"))
    assert session.state == "record"
    session.stage_done(session.visit.id, "record")
    view = session.view()
    assert view.state == "rate" and view.outcome == "refused" and view.reason == "请到窗口办理"
    assert "document" not in runner.calls and "receipt" not in runner.calls


def test_accepted_offline_prints_the_receipt_but_no_certificate(session, runner):
    to_confirm(session)
    session.confirm()
    session.stage_done(session.visit.id, "apply", ServiceResult("accepted_offline", "SQ1"))
    assert session.view().action == "print_receipt"
    assert "document" not in runner.calls


def test_the_two_lowest_ratings_ask_for_a_reason(session, runner):
    to_confirm(session)
    session.confirm()
    for stage in ("apply", "document", "receipt", "record"):
        session.stage_done(session.visit.id, stage, ISSUED if stage == "apply" else None)
    session.rate(1)
    view = session.view()
    assert view.state == "rate" and view.rating.needs_reason and "slow" in view.rating.reasons
    assert not any(isinstance(c, tuple) and c[0] == "rating" for c in runner.calls)
    session.rate_reason("not-a-reason")
    assert session.state == "rate"
    session.rate_reason("device_problem")
    assert ("rating", 1, "device_problem") in runner.calls and session.state == "done"


def test_a_print_problem_is_told_at_the_end(session):
    to_confirm(session)
    session.confirm()
    visit_id = session.visit.id
    session.stage_done(visit_id, "apply", ISSUED)
    session.stage_problem(visit_id, "document", "document_not_printed")
    session.stage_done(visit_id, "document")
    for stage in ("receipt", "record"):
        session.stage_done(visit_id, stage)
    assert session.view().message == "document_not_printed"


def test_unavailable_service_cannot_be_chosen(session, runner):
    session.set_availability({SERVICE: "printer_paper_out"}, None)
    session.touch()
    assert session.view().tiles[0].available is False
    assert session.view().tiles[0].reason == "printer_paper_out"
    session.choose_service(SERVICE)
    assert session.state == "home" and session.view().message == "service_unavailable"
    assert runner.calls == []


def test_out_of_service_and_back(session):
    session.set_availability({SERVICE: "printer_paper_out"}, "printer_paper_out")
    assert session.state == "out_of_service"
    session.touch()
    assert session.state == "out_of_service"
    session.set_availability({SERVICE: None}, None)
    assert session.state == "attract"


def test_visit_under_way_is_not_cut_short_by_a_device_change(session):
    to_confirm(session)
    session.set_availability({SERVICE: "printer_paper_out"}, "printer_paper_out")
    assert session.state == "confirm"


def test_countdown_prompt_then_more_time(session, clock):
    session.touch()
    clock.advance(44)
    session.tick()
    assert not session.view().prompt_more_time and session.view().countdown == 16
    clock.advance(2)
    session.tick()
    assert session.view().prompt_more_time
    session.more_time()
    view = session.view()
    assert not view.prompt_more_time and view.countdown == 60 and view.state == "home"


def test_timeout_cancels_and_wipes(session, clock, runner):
    to_confirm(session)
    visit = session.visit
    clock.advance(61)
    session.tick()
    assert session.state == "attract" and session.visit is None
    assert runner.ended == [(visit, "timeout")]
    assert visit.card is None
    assert all(v.summary == () for v in session.views[-1:])


def test_extensions_are_limited(session, clock):
    session.touch()
    clock.advance(50)
    session.tick()
    session.more_time()  # the one extension allowed
    clock.advance(50)
    session.tick()
    assert not session.view().prompt_more_time  # no more extensions: no prompt, only the countdown
    clock.advance(11)
    session.tick()
    assert session.state == "attract"


def test_activity_restarts_the_countdown(session, clock):
    session.touch()
    clock.advance(40)
    session.touch()  # a touch anywhere counts as activity
    clock.advance(40)
    session.tick()
    assert session.state == "home"


def test_cancel_from_every_citizen_state(session, runner):
    for advance in (lambda s: None,
                    lambda s: s.choose_service(SERVICE),
                    lambda s: (s.choose_service(SERVICE), s.card_read(s.visit.id, card())),
                    lambda s: (s.choose_service(SERVICE), s.card_read(s.visit.id, card()),
                               s.verify_finished(s.visit.id, VERIFIED))):
        session.touch()
        advance(session)
        session.cancel()
        assert session.state == "attract" and session.visit is None
    assert [outcome for _visit, outcome in runner.ended] == ["cancelled"] * 4


def test_machine_states_cannot_be_cancelled_but_time_out(session, clock):
    to_confirm(session)
    session.confirm()
    session.cancel()
    assert session.state == "ask"
    clock.advance(31)
    session.tick()
    assert session.state == "done" and session.view().message == "machine_timeout"


def test_stale_reports_from_an_old_visit_are_ignored(session):
    session.touch()
    session.choose_service(SERVICE)
    old_id = session.visit.id
    session.cancel()
    session.touch()
    session.choose_service(SERVICE)
    session.card_read(old_id, card())
    assert session.state == "identify"


def test_identify_guidance_messages(session):
    session.touch()
    session.choose_service(SERVICE)
    session.identify_problem(session.visit.id, "card_read_failed")
    assert session.view().message == "card_read_failed"


def test_back_from_confirm_reopens_the_step(session):
    to_confirm(session)
    session.back()
    assert session.state == "choose" and session.view().step.id == "purpose"
    assert "purpose" not in session.visit.choices


def test_there_is_no_going_back_over_the_identity_check(session):
    to_confirm(session)
    session.back()
    assert session.view().can_back is False
    session.back()
    assert session.state == "choose"


def test_language_resets_after_the_visit(session):
    session.touch()
    session.set_language("en")
    view = session.view()
    assert view.language == "en" and view.tiles[0].title == "No-Criminal-Record Certificate"
    session.cancel()
    assert session.view().language == "zh"



def test_verify_shows_the_check_then_goes_on(session, runner):
    session.touch()
    session.choose_service(SERVICE)
    session.card_read(session.visit.id, card())
    visit_id = session.visit.id
    assert session.state == "verify" and runner.calls == ["identify", "verify"]
    session.verify_step(visit_id, PolicyStep("start", "face", "identity_start_face"))
    session.verify_update(visit_id, "face", "blink", "blink", 0.3)
    view = session.view()
    assert view.message == "identity_start_face"
    assert (view.verify.method, view.verify.guidance, view.verify.challenge, view.verify.progress) == \
        ("face", "blink", "blink", 0.3)
    session.verify_step(visit_id, PolicyStep("fallback", "fingerprint", "identity_use_fingerprint"))
    assert session.view().verify.method == "fingerprint" and session.view().message == "identity_use_fingerprint"
    session.verify_finished(visit_id, VERIFIED)
    assert session.state == "choose" and session.view().verify is None


def test_a_refused_identity_ends_the_visit_without_printing(session, runner):
    session.touch()
    session.choose_service(SERVICE)
    session.card_read(session.visit.id, card())
    visit = session.visit
    session.verify_finished(visit.id, PolicyStep("refused", None, "identity_failed"))
    view = session.view()
    assert view.state == "done" and view.message == "identity_failed" and view.verify.result == "refused"
    assert "apply" not in runner.calls
    session.finish()
    assert session.state == "attract" and runner.ended == [(visit, "identity_refused")]
    assert visit.card is None


def test_the_first_view_of_done_already_says_why(session):
    session.touch()
    session.choose_service(SERVICE)
    session.card_read(session.visit.id, card())
    visit_id = session.visit.id
    session.verify_step(visit_id, PolicyStep("fallback", "fingerprint", "identity_use_fingerprint"))
    seen = len(session.views)
    session.verify_finished(visit_id, PolicyStep("refused", None, "identity_unavailable"))
    done = [v for v in session.views[seen:] if v.state == "done"]
    assert done and all(v.message == "identity_unavailable" for v in done)


def test_verify_times_out_on_its_own_countdown(session, clock, runner):
    session.touch()
    session.choose_service(SERVICE)
    session.card_read(session.visit.id, card())
    assert session.view().countdown == 90  # per_state.verify in config/default.toml
    clock.advance(91)
    session.tick()
    assert session.state == "attract" and runner.ended[-1][1] == "timeout"
