"""The fleet web page in a real headless Chromium (Debian's, driven by Playwright) against a real
central on 127.0.0.1, with kiosks sending real signed heartbeats; remote support's screenshot."""

from __future__ import annotations

import io
import time

import httpx
import pytest
from PIL import Image
from sqlalchemy import update

from central.db import create_engine_for, heartbeats
from central.operators import add_operator
from central.server import EmbeddedCentral
from kiosk.central_client import CentralClient
from kiosk.config_updates import ConfigStore

from support.browser import HAVE_CHROMIUM, chromium, log_in as browser_log_in

pytestmark = pytest.mark.skipif(not HAVE_CHROMIUM, reason="Debian's chromium is not installed")
PASSWORD = "correct horse 1"


@pytest.fixture(scope="module")
def browser():
    with chromium() as browser:
        yield browser


@pytest.fixture
def central(tmp_path):
    db = str(tmp_path / "central.db")
    engine = create_engine_for(db)
    add_operator(engine, "ana", "Ana Li", "publisher", PASSWORD)
    add_operator(engine, "vic", "Vic Wang", "viewer", PASSWORD)
    add_operator(engine, "sue", "Sue Ma", "support", PASSWORD)
    engine.dispose()
    with EmbeddedCentral(db, dev=True) as server:
        server.db = db
        yield server


def log_in(page, url: str, operator: str, password: str = PASSWORD) -> None:
    browser_log_in(page, url, operator, password)


def heartbeat(central, kiosk_id: str, running: int) -> None:
    with CentralClient(central.url, kiosk_id, CentralClient.enrol(central.url, kiosk_id)) as client:
        client.heartbeat({"operator_config": {"group": "north", "running": running},
                          "devices": {"idcard": {"state": "online"}}, "queue": {"pending": 2, "dead": 0}})


def test_every_page_needs_a_login(central, browser):
    page = browser.new_page()
    for path in ("/fleet", "/fleet/audit", "/fleet/kiosks/K-1", "/fleet/api", "/fleet/openapi.json"):
        page.goto(f"{central.url}{path}")
        assert page.url == f"{central.url}/fleet/login"
    assert httpx.post(f"{central.url}/fleet/kiosks/K-1/acknowledge", data={"csrf": "x"}).status_code == 403
    page.close()


def test_a_kiosk_going_offline_and_its_config_version_changing_show_up(central, browser):
    heartbeat(central, "K-1", running=1)
    page = browser.new_page()
    log_in(page, central.url, "ana")
    assert page.url == f"{central.url}/fleet"
    row = page.locator("#kiosk-K-1")
    assert row.locator("td.state").inner_text().startswith("online")
    assert row.locator("td.config").inner_text().startswith("1 /")

    engine = create_engine_for(central.db)
    with engine.begin() as conn:  # the kiosk fell silent ten minutes ago
        conn.execute(update(heartbeats).where(heartbeats.c.kiosk_id == "K-1").values(received_at=time.time() - 600))
    engine.dispose()
    page.reload()
    assert page.locator("#kiosk-K-1 td.state").inner_text().startswith("offline")
    assert "offline" in page.locator("#kiosk-K-1").inner_text()
    page.select_option("select[name=state]", "offline")
    page.click("form.filters button")
    assert page.locator("#kiosks tbody tr").count() == 1

    heartbeat(central, "K-2", running=2)
    page.goto(f"{central.url}/fleet")
    assert page.locator("#kiosk-K-2 td.config").inner_text().startswith("2 /")
    assert page.locator("#kiosk-K-2 td.state").inner_text().startswith("online")
    page.close()


def test_a_refused_config_version_shows_its_version_and_reason(central, browser, tmp_path):
    """The refusal as the kiosk's store records it; the update check's own error is another thing."""
    store = ConfigStore(tmp_path / "kiosk-state")
    store.refused(3, "config version 3 fails the operator schema: services.0.fee_fen: must be >= 0")
    with CentralClient(central.url, "K-1", CentralClient.enrol(central.url, "K-1")) as client:
        client.heartbeat({"operator_config": {"group": "north", "running": 2, "rejected": store.status()["rejected"],
                                              "last_error": "central unreachable"}})
    page = browser.new_page()
    log_in(page, central.url, "vic")
    shown = page.locator("#kiosk-K-1 td.config .refused").inner_text()
    assert shown == "refused version 3: config version 3 fails the operator schema: services.0.fee_fen: must be >= 0"
    page.goto(f"{central.url}/fleet/kiosks/K-1")
    assert "refused version 3: config version 3 fails" in page.locator(".refused").inner_text()
    assert page.locator(".update-check").inner_text() == "last update check failed: central unreachable"
    details = page.locator("dl").inner_text()
    assert "applied 2, staged —, wanted —" in details and "{" not in details and "None" not in details
    page.close()


def test_wrong_passwords_lock_the_account_and_the_right_one_then_fails_too(central, browser):
    page = browser.new_page()
    for _ in range(4):
        log_in(page, central.url, "ana", "not the password")
        assert "wrong operator id or password" in page.locator(".error").inner_text()
    log_in(page, central.url, "ana", "not the password")
    assert "locked" in page.locator(".error").inner_text()
    log_in(page, central.url, "ana")
    assert page.url == f"{central.url}/fleet/login"
    assert "locked" in page.locator(".error").inner_text()
    page.close()


def test_forms_without_the_sessions_csrf_token_are_refused(central, browser):
    heartbeat(central, "K-1", running=1)
    context = browser.new_context()
    page = context.new_page()
    log_in(page, central.url, "ana")
    cookie = {c["name"]: c["value"] for c in context.cookies()}["fleet_session"]
    with httpx.Client(base_url=central.url, cookies={"fleet_session": cookie}) as client:
        assert client.get("/fleet").status_code == 200  # the session itself is good
        assert client.post("/fleet/kiosks/K-1/acknowledge", data={"csrf": "forged"}).status_code == 403
        assert client.post("/fleet/kiosks/K-1/acknowledge", data={}).status_code in (403, 422)
    # the login form's own token: a post from elsewhere has none
    assert httpx.post(f"{central.url}/fleet/login",
                      data={"operator": "ana", "password": PASSWORD, "csrf": "x"}).status_code == 403
    context.close()


def test_a_viewer_cannot_act_and_a_publisher_can(central, browser):
    heartbeat(central, "K-1", running=1)
    engine = create_engine_for(central.db)
    with engine.begin() as conn:
        conn.execute(update(heartbeats).where(heartbeats.c.kiosk_id == "K-1").values(received_at=time.time() - 600))
    engine.dispose()

    viewer = browser.new_context()
    page = viewer.new_page()
    log_in(page, central.url, "vic")
    assert page.locator("#kiosk-K-1 form").count() == 0  # no button offered
    csrf = page.locator("header input[name=csrf]").get_attribute("value")
    cookie = {c["name"]: c["value"] for c in viewer.cookies()}["fleet_session"]
    answer = httpx.post(f"{central.url}/fleet/kiosks/K-1/acknowledge", data={"csrf": csrf},
                        cookies={"fleet_session": cookie})
    assert answer.status_code == 403 and "publisher" in answer.text
    viewer.close()

    publisher = browser.new_context()
    page = publisher.new_page()
    log_in(page, central.url, "ana")
    page.click("#kiosk-K-1 form button")
    assert "acknowledged by ana" in page.locator("#kiosk-K-1").inner_text()
    page.goto(f"{central.url}/fleet/audit")
    audit = page.locator("#audit").inner_text()
    assert "alarm_acknowledged" in audit and "refused" in audit and "login" in audit
    page.click("header button")  # log out
    assert page.url == f"{central.url}/fleet/login"
    page.goto(f"{central.url}/fleet")
    assert page.url == f"{central.url}/fleet/login"
    publisher.close()


def test_the_page_loads_nothing_from_elsewhere(central, browser):
    page = browser.new_page()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    log_in(page, central.url, "ana")
    assert requested and all(url.startswith(central.url) for url in requested)
    answer = httpx.get(f"{central.url}/fleet/login")
    assert "form-action 'self'" in answer.headers["content-security-policy"]
    cookie = answer.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    page.close()


def test_the_api_browser_runs_on_centrals_own_files_for_a_logged_in_operator(central, browser):
    page = browser.new_page()
    requested: list[str] = []
    refused: list[str] = []  # what the page's Content-Security-Policy blocked, as the console says
    page.on("request", lambda request: requested.append(request.url))
    page.on("console", lambda message: "Content Security Policy" in message.text and refused.append(message.text))
    log_in(page, central.url, "vic")
    page.click("nav a[href='/fleet/api']")
    page.wait_for_selector(".opblock-summary-path", timeout=60_000)
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert "/api/v1/heartbeat" in [path.strip() for path in paths]
    assert not refused
    assert f"{central.url}/fleet/openapi.json" in requested
    assert all(url.startswith(central.url) for url in requested)
    page.close()
    policy = httpx.get(f"{central.url}/fleet/static/swagger-ui/swagger-ui.css").headers
    assert policy["content-type"].startswith("text/css")
    assert httpx.get(f"{central.url}/fleet/static/swagger-ui/index.html").status_code == 404


def a_screen_png(size=(270, 480)) -> bytes:
    image = Image.new("RGB", size, (11, 61, 145))
    image.paste((255, 255, 255), (20, 200, size[0] - 20, 280))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def test_support_asks_for_a_screenshot_and_sees_it_and_a_viewer_cannot(central, browser):
    """The kiosk is a real signed client here; tests/e2e/test_remote_screenshot.py has the real
    kiosk and its window."""
    with CentralClient(central.url, "K-1", CentralClient.enrol(central.url, "K-1")) as kiosk:
        kiosk.heartbeat({"devices": {}, "queue": {"pending": 0, "dead": 0}})
        page = browser.new_page()
        problems: list[str] = []
        page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
        log_in(page, central.url, "sue", PASSWORD)
        page.goto(f"{central.url}/fleet/kiosks/K-1")
        page.click("#ask-screenshot")
        assert "/fleet/kiosks/K-1/remote/" in page.url
        assert page.locator("#request .state").inner_text() == "pending"

        told = kiosk.heartbeat({})["remote_requests"]  # the kiosk's next heartbeat
        assert [(r["kind"], r["by"]) for r in told] == [("screenshot", "sue")]
        png = a_screen_png()
        kiosk.remote_result(told[0]["id"], "image/png", png)

        # No script on the page: it refreshes itself while it waits, and then shows the picture.
        page.wait_for_selector("#screenshot", timeout=15_000)
        assert page.locator("#request .state").inner_text() == "done"
        page.wait_for_function("document.getElementById('screenshot').complete")
        assert page.locator("#screenshot").evaluate("img => [img.naturalWidth, img.naturalHeight]") == [270, 480]
        page.goto(f"{central.url}/fleet/kiosks/K-1")
        assert "done" in page.locator(f"#remote-{told[0]['id']} .state").inner_text()
        page.goto(f"{central.url}/fleet/audit")
        audit = page.locator("#audit").inner_text()
        assert "remote_requested" in audit and "remote_uploaded" in audit and "remote_viewed" in audit
        assert not [p for p in problems if "Content Security Policy" in p], problems
        page.close()

        viewer = browser.new_page()
        log_in(viewer, central.url, "vic", PASSWORD)
        viewer.goto(f"{central.url}/fleet/kiosks/K-1")
        assert viewer.locator("#ask-screenshot").count() == 0 and viewer.locator("#remote").count() == 0
        shown = viewer.goto(f"{central.url}/fleet/kiosks/K-1/remote/{told[0]['id']}/content")
        assert shown.status == 403
        viewer.close()


def test_a_technicians_steps_at_every_kiosk_on_one_page(central, browser):
    """Audit entries as kiosks send them through the outbox (kind "audit"); the kiosk page
    links each actor to their page, which lists what they did at every kiosk."""
    start = time.time()

    def entry(kiosk_id: str, n: int, actor: str, action: str) -> dict:
        return {"key": f"audit:{kiosk_id}-{n}", "kind": "audit", "created_at": start + n + (10 if kiosk_id == "K-2" else 0),
                "payload": {"id": f"{kiosk_id}-{n}", "at": f"2026-12-03T08:0{n}:00+00:00", "kiosk_id": kiosk_id,
                            "actor": actor, "action": action, "outcome": "done", "detail": {"device": "printer"}}}

    for kiosk_id, steps in (("K-1", [("technician:T-07", "enter"), ("technician:T-07", "self_test"),
                                     ("technician:T-09", "enter")]),
                            ("K-2", [("technician:T-07", "service_off")])):
        with CentralClient(central.url, kiosk_id, CentralClient.enrol(central.url, kiosk_id)) as kiosk:
            kiosk.heartbeat({"devices": {}, "queue": {"pending": 0, "dead": 0}})
            answers = kiosk.post_batch([entry(kiosk_id, n, *step) for n, step in enumerate(steps)])
            assert {a["status"] for a in answers} == {"stored"}
    page = browser.new_page()
    log_in(page, central.url, "vic")
    page.goto(f"{central.url}/fleet/kiosks/K-1")
    page.click("#trail a:text('technician:T-07')")
    rows = page.locator("#trail tbody tr").all_inner_texts()
    assert len(rows) == 3
    assert [row.split("\t")[1:3] for row in rows] == [["K-2", "service_off"], ["K-1", "self_test"], ["K-1", "enter"]]
    page.close()


def test_a_technicians_page_shows_the_refusals_of_their_account(central, browser):
    """Wrong PINs and lockouts as kiosks send them (the account as the actor), and as older kiosks
    sent them (the generic actor, the account in the detail); a name that was no account is not
    theirs."""
    start = time.time()
    refusals = [("technician:T-07", "wrong_pin", "technician:T-07"),
                ("technician", "account_locked", "technician:T-07"),
                ("technician", "unknown_account", "technician:T-07"), ("technician", "wrong_pin", "technician")]
    with CentralClient(central.url, "K-1", CentralClient.enrol(central.url, "K-1")) as kiosk:
        kiosk.heartbeat({"devices": {}, "queue": {"pending": 0, "dead": 0}})
        answers = kiosk.post_batch([
            {"key": f"audit:refused-{n}", "kind": "audit", "created_at": start + n,
             "payload": {"id": f"refused-{n}", "at": f"2026-12-03T08:0{n}:00+00:00", "kiosk_id": "K-1", "actor": actor,
                         "action": "enter", "outcome": "refused", "detail": {"account": account, "reason": reason}}}
            for n, (actor, reason, account) in enumerate(refusals)])
        assert {a["status"] for a in answers} == {"stored"}
    page = browser.new_page()
    log_in(page, central.url, "vic")
    page.goto(f"{central.url}/fleet/technicians/technician:T-07")
    rows = page.locator("#trail tbody tr").all_inner_texts()
    assert [row.split("\t")[2:4] for row in rows] == [["enter", "refused"], ["enter", "refused"]]
    assert "reason=account_locked" in rows[0] and "reason=wrong_pin" in rows[1]
    page.close()
