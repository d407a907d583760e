"""Staged rollout against a real central serving the repository, with real kiosk updaters
talking to it over HTTP: the heartbeat answer releases each wave in turn."""

from __future__ import annotations

import pytest
from hypothesis import given, strategies as st
from tuf.api.metadata import Metadata
from tuf.api.serialization.json import JSONSerializer

from central import deployments
from central.server import EmbeddedCentral
from common.rollout import make_plan, wave_of
from kiosk.central_client import CentralClient
from kiosk.config import ConfigError, load_config
from kiosk.config_updates import ConfigUpdates, Refused

from support.signed_config import GROUP

V1 = {"language": "zh"}
V2 = {"language": "en"}


class Kiosk:
    """One kiosk's updater and central client: a round is what the core does, in its order."""

    def __init__(self, tmp_path, central, trust, kiosk_id, check=None):
        config = load_config(overrides={"data_dir": str(tmp_path / kiosk_id), "kiosk.id": kiosk_id,
                                        "central.url": central.url, "updates.group": GROUP,
                                        "updates.url": f"{central.url}/tuf", "updates.trust": str(trust)})
        self.id = kiosk_id
        self.updates = ConfigUpdates(config, check=check)
        secret = CentralClient.enrol(central.url, kiosk_id)
        self.updates.sign_as(kiosk_id, secret)  # as the kiosk's core does
        self.client = CentralClient(central.url, kiosk_id, secret)

    def round(self):
        self.updates.poll_once()
        answer = self.client.heartbeat({"operator_config": self.updates.status()})
        self.updates.heard(answer.get("config_release"))
        self.updates.between_visits()
        return answer

    @property
    def running(self):
        return self.updates.store.running_version()


@pytest.fixture
def central(central_db, repo):
    """Central on SQLite and on PostgreSQL, serving the repository under /tuf/."""
    with EmbeddedCentral(central_db, dev=True, tuf_repo=str(repo.path)) as server:
        yield server


@pytest.fixture
def fleet(tmp_path, central, trust, repo, keys):
    """Six kiosks running version 1 (no plan: applied at once)."""
    kiosks = [Kiosk(tmp_path, central, trust, f"k{n}") for n in range(1, 7)]
    repo.publish(GROUP, V1, keys)
    for kiosk in kiosks:
        kiosk.round()
    assert [k.running for k in kiosks] == [1] * 6
    yield kiosks
    for kiosk in kiosks:
        kiosk.client.close()


def overview(central, version=2):
    with central.context.engine.connect() as conn:
        return next(d for d in deployments.deployments_overview(conn) if d["version"] == version)


def running(fleet):
    return {k.id: k.running for k in fleet}


def test_a_list_wave_applies_first_and_the_rest_only_downloads_until_it_is_met(central, fleet, repo, keys):
    repo.publish(GROUP, V2, keys, rollout=make_plan(["k1,k2"]))
    for kiosk in fleet:
        kiosk.round()
    assert running(fleet) == {"k1": 2, "k2": 2, "k3": 1, "k4": 1, "k5": 1, "k6": 1}
    assert all(k.updates.status()["staged"] == 2 for k in fleet[2:])  # downloaded, held back
    fleet[0].round()  # k1 says it applied; k2 has not said so yet: the wave is not met
    for kiosk in fleet[2:]:
        kiosk.round()
    assert [k.running for k in fleet[2:]] == [1] * 4
    shown = overview(central)
    assert (shown["state"], shown["wave"]) == ("running", 1)
    assert shown["waves"][0]["counts"]["applied"] == 1 and shown["waves"][1]["counts"]["downloaded"] == 4
    fleet[1].round()  # now the whole first wave applied: the rest is released
    for kiosk in fleet[2:]:
        assert kiosk.round()["config_release"] == {"group": GROUP, "version": 2, "latest": 2}
    assert set(running(fleet).values()) == {2}
    for kiosk in fleet:
        kiosk.round()
    assert overview(central)["state"] == "done"


def test_a_percentage_wave_applies_exactly_its_share_first(central, fleet, repo, keys):
    plan = make_plan(["50%"])
    first = {k.id for k in fleet if wave_of(plan, GROUP, 2, k.id) == 0}
    assert 0 < len(first) < len(fleet)  # these ids split; the test means something
    repo.publish(GROUP, V2, keys, rollout=plan)
    for kiosk in fleet:
        kiosk.round()
    assert {k for k, v in running(fleet).items() if v == 2} == first
    for _ in range(2):
        for kiosk in fleet:
            kiosk.round()
    assert set(running(fleet).values()) == {2}


def test_with_approve_the_next_wave_waits_for_an_operator(central, fleet, repo, keys):
    repo.publish(GROUP, V2, keys, rollout=make_plan(["k1"], approve=True))
    for _ in range(2):
        for kiosk in fleet:
            kiosk.round()
    assert running(fleet) == {"k1": 2, "k2": 1, "k3": 1, "k4": 1, "k5": 1, "k6": 1}
    assert overview(central)["state"] == "waiting_approval"
    with central.context.engine.begin() as conn:
        shown = deployments.approve(conn, GROUP, 2, "ops:li")
    assert (shown["state"], shown["wave"]) == ("running", 2)
    for kiosk in fleet:
        kiosk.round()
    assert set(running(fleet).values()) == {2}


def test_refusals_in_the_first_wave_halt_and_nobody_else_applies(tmp_path, central, trust, fleet, repo, keys):
    def refuse(config):
        if config.get("language") == "en":
            raise ConfigError("this kiosk cannot show English")

    fleet[0] = Kiosk(tmp_path / "again", central, trust, "k1-refusing", check=refuse)
    fleet[0].round()
    repo.publish(GROUP, V2, keys, rollout=make_plan(["k1-refusing,k2"], errors=0.5))
    for _ in range(3):
        for kiosk in fleet:
            kiosk.round()
    assert set(running(fleet).values()) == {1}  # k2, in the first wave too, heard the halt first
    shown = overview(central)
    assert shown["state"] == "halted"
    refused = [k for k in shown["waves"][0]["kiosks"] if k["state"] == "refused"]
    assert [k["kiosk_id"] for k in refused] == ["k1-refusing"]
    assert "cannot show English" in refused[0]["reason"]


def test_a_plan_altered_in_the_served_targets_is_refused(central, fleet, repo, keys):
    repo.publish(GROUP, V2, keys, rollout=make_plan(["k1"]))
    name = f"{repo.targets().signed.version}.targets.json"
    md = Metadata.from_bytes((repo.metadata_dir / name).read_bytes())
    md.signed.targets[f"groups/{GROUP}/config.json"].unrecognized_fields["custom"]["rollout"]["waves"][0] = \
        {"kiosks": ["k3"]}
    (repo.metadata_dir / name).write_bytes(md.to_bytes(JSONSerializer()))  # the old signature kept
    with pytest.raises(Refused, match="bad signature"):
        fleet[2].updates.updater.fetch()
    assert fleet[2].running == 1


def test_without_a_gate_only_the_first_wave_applies_and_a_plan_less_version_applies_at_once(
        tmp_path, repo, keys, served, trust):
    def kiosk(kiosk_id):
        config = load_config(overrides={"data_dir": str(tmp_path / kiosk_id), "kiosk.id": kiosk_id,
                                        "updates.group": GROUP, "updates.url": served, "updates.trust": str(trust)})
        return ConfigUpdates(config)

    a, b = kiosk("a"), kiosk("b")
    repo.publish(GROUP, V1, keys, rollout=make_plan(["a"]))
    for updates in (a, b):
        updates.poll_once()
        updates.between_visits()  # central never answered: no gate
    assert (a.store.running_version(), b.store.running_version()) == (1, 0)
    repo.publish(GROUP, V2, keys)
    for updates in (a, b):
        updates.poll_once()
        updates.between_visits()
    assert (a.store.running_version(), b.store.running_version()) == (2, 2)


# ---- the membership rule ---------------------------------------------------------------------
ids = st.lists(st.from_regex(r"[a-z0-9-]{1,12}", fullmatch=True), min_size=1, max_size=30, unique=True)


@given(ids, st.integers(1, 100), st.integers(1, 100), st.integers(1, 500))
def test_a_larger_percentage_only_adds_kiosks(kiosks, p, q, version):
    low, high = sorted((p, q))
    small = {k for k in kiosks if wave_of(make_plan([f"{low}%"]), GROUP, version, k) == 0}
    large = {k for k in kiosks if wave_of(make_plan([f"{high}%"]), GROUP, version, k) == 0}
    assert small <= large


@given(ids, st.integers(1, 500))
def test_a_list_wave_is_exactly_its_list(kiosks, version):
    named = kiosks[: len(kiosks) // 2 + 1]
    plan = make_plan([",".join(named), "30%"])
    assert {k for k in kiosks if wave_of(plan, GROUP, version, k) == 0} == set(named)
    assert all(wave_of(plan, GROUP, version, k) in (1, 2) for k in kiosks if k not in named)


def test_everyone_is_in_the_first_wave_at_100_percent_and_plans_are_checked():
    assert all(wave_of(make_plan(["100%"]), GROUP, 3, f"k{n}") == 0 for n in range(50))
    for bad in (["rest", "k1"], ["60%", "50%"], ["0%"], ["x%"], ["2.5%"]):
        with pytest.raises(ValueError):
            make_plan(bad)


def test_operators_see_approve_and_halt_deployments_from_the_command_line(tmp_path, repo, keys):
    import json
    import subprocess
    import sys
    from pathlib import Path

    kiosk = [str(Path(sys.executable).with_name("kiosk")), "central", "deployments"]
    database = f"sqlite:///{tmp_path / 'central.db'}"
    from central.db import create_engine_for

    create_engine_for(database).dispose()
    repo.publish(GROUP, V2, keys, rollout=make_plan(["k1", "k2"], approve=True))

    def run(*args):
        return subprocess.run(kiosk + list(args), capture_output=True, text=True, timeout=60)

    shown = json.loads(run("--database", database, "--tuf-repo", str(repo.path)).stdout)
    assert [(d["version"], d["state"], [w["spec"] for w in d["waves"]]) for d in shown] == \
        [(1, "running", ["k1", "k2", "rest"])]
    approved = json.loads(run("approve", "--database", database, "--group", GROUP, "--version", "1").stdout)
    assert (approved["state"], approved["wave"], approved["history"][-1]["event"]) == ("running", 2, "approved")
    assert json.loads(run("halt", "--database", database, "--group", GROUP, "--version", "1").stdout)["state"] == "halted"
    again = run("approve", "--database", database, "--group", GROUP, "--version", "1")
    assert again.returncode == 1 and "is halted" in again.stderr


def test_the_kiosk_core_applies_a_held_version_once_its_heartbeat_answer_releases_it(tmp_path, repo, keys, trust):
    from kiosk.core import KioskCore
    from kiosk.demo_env import DemoEnvironment

    overrides = {"speech.enabled": False, "updates.group": GROUP, "updates.trust": str(trust),
                 "updates.state_dir": str(tmp_path / "state")}
    with DemoEnvironment(tmp_path / "demo", overrides=overrides,
                         central_options={"tuf_repo": str(repo.path)}) as env:
        updates = ConfigUpdates(env.config)
        core = KioskCore(env.config, config_updates=updates)
        try:
            repo.publish(GROUP, V2, keys, rollout=make_plan(["another-kiosk"]))
            updates.poll_once()
            assert core.idle() and core._send_heartbeat()
            core.between_visits()
            assert updates.store.running_version() == 0  # held: its wave is not released
            assert updates.status()["release"] == {"group": GROUP, "version": 0, "latest": 1}
            with env.central.context.engine.begin() as conn:
                deployments.approve(conn, GROUP, 1, "ops:li")  # moved on by hand
            assert core._send_heartbeat()
            core.between_visits()
            assert updates.store.running_version() == 1
        finally:
            core.stop()


def test_central_serves_its_repository_to_its_kiosks_only(central, repo, keys):
    """The configs carry technicians' PIN hashes: nobody but an enrolled kiosk reads them."""
    import httpx

    from kiosk.central_client import KioskSignature

    repo.publish(GROUP, V1, keys)
    assert httpx.get(f"{central.url}/tuf/metadata/timestamp.json").status_code == 401
    secret = CentralClient.enrol(central.url, "k-tuf")
    with httpx.Client(auth=KioskSignature("k-tuf", secret), base_url=central.url) as kiosk:
        assert kiosk.get("/tuf/metadata/timestamp.json").json()["signed"]["_type"] == "timestamp"
        assert kiosk.get("/tuf/metadata/2.root.json").status_code == 404  # no newer root
        assert kiosk.get("/tuf/targets/..%2Fmetadata%2Froot.json").status_code == 404  # not a target
        assert kiosk.get("/tuf/keys/timestamp-1.pem").status_code == 404
    with httpx.Client(auth=KioskSignature("k-tuf", b"not its secret"), base_url=central.url) as impostor:
        assert impostor.get("/tuf/metadata/timestamp.json").status_code == 401
