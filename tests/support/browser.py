"""Debian's Chromium, headless, driven by Playwright; and the fleet page's login."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
# Without the background-networking flags Chromium keeps calling out to hosts a closed network
# refuses; nothing here may leave the machine.
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
HAVE_CHROMIUM = Path(CHROMIUM).exists()


@contextlib.contextmanager
def chromium() -> Iterator:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


def log_in(page, url: str, operator: str, password: str) -> None:
    page.goto(f"{url}/fleet/login")
    page.fill("input[name=operator]", operator)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
