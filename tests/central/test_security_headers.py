"""Every HTML page central serves carries a Content-Security-Policy without inline script,
frame-ancestors 'none', nosniff and a Referrer-Policy; so does every error page (there were
none at all)."""

from __future__ import annotations

import base64
import hashlib
import re

import httpx
import pytest

CLEAN = "11010519491231002X"


def _issued(enrolled) -> str:
    return enrolled().call("no_criminal_record", "apply",
                           {"visit_id": "v-1", "id_number": CLEAN, "name": "张三", "purpose": "就业"})["verify_url"]


def _assert_page_headers(answer: httpx.Response) -> str:
    assert answer.headers["content-type"].startswith("text/html")
    policy = answer.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy and "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["referrer-policy"] == "no-referrer"
    return policy


def test_the_verification_page(enrolled):
    answer = httpx.get(_issued(enrolled))
    policy = _assert_page_headers(answer)
    assert "script-src" not in policy and "default-src 'none'" in policy  # no script at all
    assert "<script" not in answer.text and "<style" not in answer.text and " style=" not in answer.text
    css = httpx.get(str(answer.url.join("/static/verify.css")))
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")


@pytest.mark.parametrize("path", ["/verify/NCR20261202ABCDEFGH", "/verify/%3Cscript%3E", "/nowhere"])
def test_not_found_pages(central, path):
    answer = httpx.get(central.url + path)
    assert answer.status_code == 404
    assert answer.headers["x-content-type-options"] == "nosniff"
    if answer.headers["content-type"].startswith("text/html"):
        _assert_page_headers(answer)


def test_the_api_browser_allows_only_its_own_inline_script(central):
    from central.api_browser import PAGE, page_html, policy

    page = page_html("central")
    scripts = re.findall(r"<script>(.*?)</script>", page, re.S)
    assert scripts
    for script in scripts:
        digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in policy(page)
    assert "https:" not in policy(page) and "script-src 'self' 'sha256-" in policy(page)
    # The page itself is for logged-in operators (tests/central/test_fleet_web.py).
    answer = httpx.get(central.url + PAGE)
    assert answer.status_code == 303 and answer.headers["location"] == "/fleet/login"


def test_only_a_development_central_gives_its_api_document_to_anyone(tmp_path, central):
    from central.server import EmbeddedCentral

    assert httpx.get(central.url + "/openapi.json").status_code == 200  # the tests' central runs --dev
    with EmbeddedCentral(str(tmp_path / "prod.db"), dev=False) as production:
        for path in ("/openapi.json", "/docs", "/redoc"):
            assert httpx.get(production.url + path).status_code == 404


def test_json_answers_carry_nosniff_too(central):
    answer = httpx.get(central.url + "/api/v1/health")
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert "content-security-policy" not in answer.headers
