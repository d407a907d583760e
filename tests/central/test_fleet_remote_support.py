"""Remote support on the fleet page in a real headless Chromium against a real central: an
operator with the support role asks a kiosk for a screenshot and sees it once the kiosk (a real
signed client here; tests/e2e/test_remote_screenshot.py has the real kiosk and its window) has
answered its heartbeat's request; a viewer is offered nothing and is refused the picture."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from central.db import create_engine_for
from central.operators import add_operator
from central.server import EmbeddedCentral
from kiosk.central_client import CentralClient

from support.browser import HAVE_CHROMIUM, chromium, log_in

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
    add_operator(engine, "sue", "Sue Ma", "support", PASSWORD)
    add_operator(engine, "vic", "Vic Wang", "viewer", PASSWORD)
    engine.dispose()
    with EmbeddedCentral(db, dev=True) as server:
        yield server


@pytest.fixture
def kiosk(central):
    with CentralClient(central.url, "K-1", CentralClient.enrol(central.url, "K-1")) as client:
        client.heartbeat({"devices": {}, "queue": {"pending": 0, "dead": 0}})
        yield client


def a_screen_png(size=(270, 480)) -> bytes:
    image = Image.new("RGB", size, (11, 61, 145))
    image.paste((255, 255, 255), (20, 200, size[0] - 20, 280))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def test_support_asks_for_a_screenshot_and_sees_it(central, kiosk, browser):
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
