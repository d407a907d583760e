"""A staged rollout as operators see it on the fleet page (real Chromium): the first wave's
kiosks apply, the deployment waits for approval, a publisher releases the next wave from the
page, and the rest apply; who published each version is in the audit log."""

from __future__ import annotations

import getpass
from datetime import datetime, timedelta, timezone

import httpx
import pytest

from central import deployments
from central.db import create_engine_for
from central.operators import add_operator
from central.server import EmbeddedCentral
from common.rollout import make_plan
from kiosk.config import ConfigError
from support.browser import HAVE_CHROMIUM, chromium, log_in
from support.signed_config import GROUP
from test_rollout import V1, V2, Kiosk
from test_tuf_cli import ROOT, kiosk, ok

pytestmark = pytest.mark.skipif(not HAVE_CHROMIUM, reason="Debian's chromium is not installed")
PASSWORD = "correct horse 1"


def refuse_english(config):
    if config.get("language") == "en":
        raise ConfigError("this kiosk cannot show English")


def test_a_publisher_releases_the_next_wave_from_the_page(tmp_path, repo, keys, trust):
    db = str(tmp_path / "central.db")
    engine = create_engine_for(db)
    add_operator(engine, "ana", "Ana Li", "publisher", PASSWORD)
    engine.dispose()
    with EmbeddedCentral(db, dev=True, tuf_repo=str(repo.path)) as central, chromium() as browser:
        fleet = [Kiosk(tmp_path, central, trust, kiosk_id) for kiosk_id in ("k1", "k2")]
        fleet.append(Kiosk(tmp_path, central, trust, "k3", check=refuse_english))
        try:
            repo.publish(GROUP, V1, keys)
            for kiosk in fleet:
                kiosk.round()
            # k1 and k3 first: half of them applying meets the wave, half refusing does not halt it.
            repo.publish(GROUP, V2, keys, rollout=make_plan(["k1,k3"], approve=True, success=0.5, errors=0.6))
            for _ in range(2):
                for kiosk in fleet:
                    kiosk.round()
            assert [k.running for k in fleet] == [2, 1, 1]

            page = browser.new_page()
            log_in(page, central.url, "ana", PASSWORD)
            assert page.locator("#kiosk-k1 td.config").inner_text().startswith("2 / 2")
            assert page.locator("#kiosk-k2 td.config").inner_text().startswith("1 / 2")
            assert "refused version 2: " in page.locator("#kiosk-k3 td.config").inner_text()
            row = page.locator(f"#deployment-{GROUP}-2")
            assert "waiting_approval" in row.locator("td.state").inner_text()
            first, rest = row.locator(f"#wave-{GROUP}-2-1"), row.locator(f"#wave-{GROUP}-2-2")
            assert first.locator("li").all_inner_texts() == [  # open by itself: it has a refusal
                "k1: applied", "k3: refused: version 2 fails the schema: this kiosk cannot show English"]
            rest.locator("summary").click()  # closed until asked: a wave may be hundreds of kiosks
            assert rest.locator("li").all_inner_texts() == ["k2: downloaded"]
            row.locator("form[action$=approve] button").click()
            assert "waiting_approval" not in page.locator(f"#deployment-{GROUP}-2 td.state").inner_text()

            for kiosk in fleet:
                kiosk.round()
            assert [k.running for k in fleet] == [2, 2, 1]
            for kiosk in fleet:  # the heartbeat after applying tells central
                kiosk.round()
            page.reload()
            assert page.locator("#kiosk-k2 td.config").inner_text().startswith("2 / 2")
            page.locator(f"#wave-{GROUP}-2-2 summary").click()
            assert page.locator(f"#wave-{GROUP}-2-2 li").all_inner_texts() == ["k2: applied"]
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
        # Version 1 was superseded before central looked: its publication is audited all the same.
        assert [(row[1], f"group={GROUP}" in row[3]) for row in published] == [(getpass.getuser(), True),
                                                                               ("li.wei", True)]
        assert "version=2" in published[0][3] and "version=1" in published[1][3]
        assert f"published_at={custom['published_at']}" in published[0][3]
        page.reload()
        assert len([r for r in page.locator("#audit tbody tr").all_inner_texts() if "config_published" in r]) == 2
    refused = kiosk("admin", "config", "publish", example, "--group", GROUP, "--keys", key_dirs["keys"],
                    "--repo", repo.path, "--operator", "li wei; drop")
    assert refused.returncode == 1 and "publishing operator" in refused.stderr


def test_a_viewer_cannot_approve_or_halt_a_deployment_even_with_their_own_csrf_token(tmp_path, repo, keys):
    db = str(tmp_path / "central.db")
    engine = create_engine_for(db)
    add_operator(engine, "vic", "Vic Wang", "viewer", PASSWORD)
    engine.dispose()
    repo.publish(GROUP, V2, keys, rollout=make_plan(["k1"], approve=True))
    with EmbeddedCentral(db, dev=True, tuf_repo=str(repo.path)) as central, chromium() as browser:
        context = browser.new_context()
        page = context.new_page()
        log_in(page, central.url, "vic", PASSWORD)  # central learns of version 1 as the page shows
        row = page.locator(f"#deployment-{GROUP}-1")
        assert "running (wave 1)" in row.locator("td.state").inner_text()
        assert row.locator("form").count() == 0  # no buttons offered
        csrf = page.locator("header input[name=csrf]").get_attribute("value")
        cookie = {c["name"]: c["value"] for c in context.cookies()}["fleet_session"]

        def shown() -> tuple:
            with central.context.engine.connect() as conn:
                d, = deployments.deployments_overview(conn)
            return d["state"], d["wave"], d["history"]

        before = shown()
        with httpx.Client(base_url=central.url, cookies={"fleet_session": cookie}) as viewer:
            for action in ("approve", "halt"):
                answer = viewer.post(f"/fleet/deployments/{action}",
                                     data={"csrf": csrf, "group": GROUP, "version": "1"})
                assert answer.status_code == 403 and "publisher" in answer.text
        assert shown() == before
        page.goto(f"{central.url}/fleet/audit")
        refusals = [r for r in page.locator("#audit tbody tr").all_inner_texts() if "\trefused\t" in r]
        assert [("/fleet/deployments/halt" in r, "/fleet/deployments/approve" in r) for r in refusals] == \
            [(True, False), (False, True)]
        published = [r.split("\t")[1] for r in page.locator("#audit tbody tr").all_inner_texts()
                     if "\tconfig_published\t" in r]
        assert published == ["(not named)"]  # signed here without a name, as by hand
        context.close()
