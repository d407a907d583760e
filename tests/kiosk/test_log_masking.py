"""Log masking covers the whole formatted record: message, arguments, traceback and stack, on
the kiosk's handlers and central's, for 18- and 15-digit ID numbers and phone numbers."""

from __future__ import annotations

import io
import logging

import pytest

from common.masking import MaskingFilter, install_masking, mask_name, mask_personal
from kiosk.diagnostics import RecentLog
from kiosk.logs import setup_logging

ID18 = "11010519491231002X"
ID15 = "110105491231002"
MOBILE = "13812345678"


def _handler() -> tuple[logging.Handler, io.StringIO]:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    handler.addFilter(MaskingFilter())
    return handler, out


@pytest.fixture
def logger():
    log = logging.getLogger("test.log_masking")
    log.propagate = False
    handler, out = _handler()
    log.addHandler(handler)
    yield log, out
    log.removeHandler(handler)
    log.propagate = True


def test_a_traceback_carries_no_id_number(logger):
    log, out = logger
    try:
        raise ValueError(f"no record for {ID18}")
    except ValueError:
        log.exception("lookup failed")
    text = out.getvalue()
    assert "Traceback" in text and ID18 not in text and "1101**********002X" in text


def test_a_stack_carries_no_id_number(logger):
    log, out = logger
    number = ID18  # noqa: F841  (the stack shows this line's source)
    log.warning("here", stack_info=True)
    log.warning("and %s", ID18, stack_info=True)
    assert ID18 not in out.getvalue()


def test_a_chained_exception_in_arguments_is_masked(logger):
    log, out = logger
    log.error("failed: %r", {"id": ID18, "phone": MOBILE})
    text = out.getvalue()
    assert ID18 not in text and MOBILE not in text


@pytest.mark.parametrize("text, secret", [
    (f"old card {ID15} read", ID15),
    (f"call {MOBILE} back", MOBILE),
    ("call +86 138 1234 5678 back", "1234 5678"),
    ("call 138-1234-5678 back", "1234-5678"),
    ("landline 010-62345678", "62345678"),
    ("fullwidth １１０１０５１９４９１２３１００２X", "１９４９１２３１"),
])
def test_15_digit_numbers_phones_and_unicode_digits_are_masked(text, secret):
    masked = mask_personal(text)
    assert secret not in masked and "*" in masked


@pytest.mark.parametrize("text", [
    "synced 200 items in 1.5 s", "nonce 0123456789abcdef0123456789abcdef", "at 2026-12-02 03:38:09",
    "port 8700", "key v-1", "sha 3f2a9e11012345678901234567890abcd",
])
def test_ordinary_lines_are_left_alone(text):
    assert mask_personal(text) == text


def test_the_kiosk_log_file_masks_tracebacks(tmp_path, monkeypatch):
    import sys
    import threading

    for owner, hook in ((sys, "excepthook"), (threading, "excepthook"), (sys, "unraisablehook")):
        monkeypatch.setattr(owner, hook, getattr(owner, hook))  # setup_logging replaces them: put back after
    root = logging.getLogger()
    before = list(root.handlers)
    setup_logging(tmp_path)
    try:
        try:
            raise KeyError(ID18)
        except KeyError:
            logging.getLogger("kiosk.test").exception("visit of %s failed", MOBILE)
        for handler in root.handlers:
            handler.flush()
    finally:
        for handler in root.handlers[:]:
            if handler not in before:
                root.removeHandler(handler)
                handler.close()
    text = (tmp_path / "kiosk.log").read_text()
    assert "Traceback" in text and ID18 not in text and MOBILE not in text


def test_the_diagnostics_buffer_masks_tracebacks():
    recent = RecentLog()
    log = logging.getLogger("test.recent")
    log.addHandler(recent)
    try:
        try:
            raise KeyError(ID15)
        except KeyError:
            log.exception("failed")
    finally:
        log.removeHandler(recent)
    assert ID15 not in "\n".join(recent.lines)


def test_install_masking_reaches_handlers_configured_later():
    """Central's uvicorn configures its own handlers: install_masking covers every one."""
    log = logging.getLogger("test.later")
    log.propagate = False
    out = io.StringIO()
    plain = logging.StreamHandler(out)
    log.addHandler(plain)
    try:
        install_masking(["test.later"])
        install_masking(["test.later"])  # twice is once
        assert sum(isinstance(f, MaskingFilter) for f in plain.filters) == 1
        try:
            raise RuntimeError(ID18)
        except RuntimeError:
            log.exception("boom")
    finally:
        log.removeHandler(plain)
        log.propagate = True
    assert ID18 not in out.getvalue()


def test_the_name_of_a_visit_in_progress_is_masked_until_the_visit_is_wiped(logger):
    from drivers.idcard.demo_cards import demo_card_names, load_demo_card
    from kiosk.visit import Visit

    log, out = logger
    card = load_demo_card(demo_card_names()[0])
    name = card.name
    visit = Visit(id="v-1")
    visit.card = card
    log.info("greeting %s at the reader", name)
    visit.wipe()
    log.info("after the visit: %s", name)
    first, second = out.getvalue().splitlines()
    assert name not in first and mask_name(name) in first
    assert name in second  # forgotten with the visit: nothing personal is kept for masking


def test_another_visits_card_replaces_the_name(logger):
    from types import SimpleNamespace

    from kiosk.visit import Visit

    visit = Visit(id="v-2")
    visit.card = SimpleNamespace(name="欧阳娜娜")
    assert mask_personal("欧阳娜娜 here") == "欧**娜 here"
    visit.card = SimpleNamespace(name="张伟")
    assert mask_personal("欧阳娜娜 and 张伟") == "欧阳娜娜 and 张*"
    visit.wipe()
    assert mask_personal("张伟") == "张伟"
