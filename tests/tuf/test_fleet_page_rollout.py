"""A staged rollout as operators see it on the fleet page (real Chromium): the first wave's
kiosks apply, the deployment waits for approval, a publisher releases the next wave from the
page, and the rest apply; who published each version is in the audit log."""

from __future__ import annotations

import getpass
from datetime import datetime, timedelta, timezone

import pytest

from central.db import create_engine_for
from central.operators import add_operator
from central.server import EmbeddedCentral
from common.rollout import make_plan
from support.browser import HAVE_CHROMIUM, chromium, log_in
from support.signed_config import GROUP
from test_rollout import V1, V2, Kiosk
from test_tuf_cli import ROOT, kiosk, ok

pytestmark = pytest.mark.skipif(not HAVE_CHROMIUM, reason="Debian's chromium is not installed")
PASSWORD = "correct horse 1"


def test_a_publisher_releases_the_next_wave_from_the_page(tmp_path, repo, keys, trust):
    db = str(tmp_path / "central.db")
    engine = create_engine_for(db)
    add_operator(engine, "ana", "Ana Li", "publisher", PASSWORD)
    engine.dispose()
    with EmbeddedCentral(db, dev=True, tuf_repo=str(repo.path)) as central, chromium() as browser:
        fleet = [Kiosk(tmp_path, central, trust, kiosk_id) for kiosk_id in ("k1", "k2")]
        try:
            repo.publish(GROUP, V1, keys)
            for kiosk in fleet:
                kiosk.round()
            repo.publish(GROUP, V2, keys, rollout=make_plan(["k1"], approve=True))
            for _ in range(2):
                for kiosk in fleet:
                    kiosk.round()
            assert [k.running for k in fleet] == [2, 1]

            page = browser.new_page()
            log_in(page, central.url, "ana", PASSWORD)
            assert page.locator("#kiosk-k1 td.config").inner_text().startswith("2 / 2")
            assert page.locator("#kiosk-k2 td.config").inner_text().startswith("1 / 2")
            row = page.locator(f"#deployment-{GROUP}-2")
            assert "waiting_approval" in row.locator("td.state").inner_text()
            row.locator("form[action$=approve] button").click()
            assert "waiting_approval" not in page.locator(f"#deployment-{GROUP}-2 td.state").inner_text()

            for kiosk in fleet:
                kiosk.round()
            assert [k.running for k in fleet] == [2, 2]
            for kiosk in fleet:  # the heartbeat after applying tells central
                kiosk.round()
            page.reload()
            assert page.locator("#kiosk-k2 td.config").inner_text().startswith("2 / 2")
            page.goto(f"{central.url}/fleet/audit")
            assert "deployment_approve" in page.locator("#audit").inner_text()
        finally:
            for kiosk in fleet:
                kiosk.client.close()


def test_who_published_which_version_is_in_the_audit_log(tmp_path, repo, key_dirs):
    """Publishing is offline (the CLI, on the operator's machine): the name it signs into the
    version is what central audits once it sees the version, with no kiosk calling."""
    db = str(tmp_path / "central.db")
    engine = create_engine_for(db)
    add_operator(engine, "vic", "Vic Wang", "viewer", PASSWORD)
    engine.dispose()
    example = ROOT / "config" / "operator.example.toml"
    named = ok("admin", "config", "publish", example, "--group", GROUP, "--keys", key_dirs["keys"],
               "--repo", repo.path, "--operator", "li.wei")
    assert (named["version"], named["published_by"]) == (1, "li.wei")
    assert ok("admin", "config", "publish", example, "--group", GROUP, "--keys", key_dirs["keys"],
              "--repo", repo.path)["published_by"] == getpass.getuser()
    custom = repo.targets().signed.targets[f"groups/{GROUP}/config.json"].unrecognized_fields["custom"]
    assert custom["published_by"] == getpass.getuser()
    assert datetime.fromisoformat(custom["published_at"]) > datetime.now(timezone.utc) - timedelta(minutes=5)
    with EmbeddedCentral(db, dev=True, tuf_repo=str(repo.path)) as central, chromium() as browser:
        page = browser.new_page()
        log_in(page, central.url, "vic", PASSWORD)  # the kiosks page reads the repository
        page.goto(f"{central.url}/fleet/audit")
        published = [row.split("\t") for row in page.locator("#audit tbody tr").all_inner_texts()
                     if "config_published" in row]
        assert [row[1] for row in published] == [getpass.getuser()]  # version 1 was never seen as the newest
        assert f"group={GROUP}" in published[0][3] and "version=2" in published[0][3]
        assert f"published_at={custom['published_at']}" in published[0][3]
        page.reload()
        assert len([r for r in page.locator("#audit tbody tr").all_inner_texts() if "config_published" in r]) == 1
    refused = kiosk("admin", "config", "publish", example, "--group", GROUP, "--keys", key_dirs["keys"],
                    "--repo", repo.path, "--operator", "li wei; drop")
    assert refused.returncode == 1 and "publishing operator" in refused.stderr
