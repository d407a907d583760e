"""Operator accounts on a real SQLite central database: argon2id hashes, lockout, audit rows."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from central.db import create_engine_for, operator_audit, operators
from central.operators import MAX_FAILURES, LoginRefused, add_operator, login, unlock


@pytest.fixture
def engine(tmp_path):
    engine = create_engine_for(str(tmp_path / "central.db"))
    yield engine
    engine.dispose()


def test_password_stored_as_argon2id_only(engine):
    add_operator(engine, "ana", "Ana", "viewer", "correct horse 1")
    with engine.connect() as conn:
        stored = conn.execute(select(operators.c.password_hash)).scalar_one()
    assert stored.startswith("$argon2id$") and "correct horse" not in stored
    assert login(engine, "ana", "correct horse 1").role == "viewer"


def test_wrong_passwords_lock_the_account_even_for_the_right_one(engine):
    add_operator(engine, "ana", "Ana", "viewer", "correct horse 1")
    for _ in range(MAX_FAILURES):
        with pytest.raises(LoginRefused):
            login(engine, "ana", "wrong password")
    with pytest.raises(LoginRefused, match="locked"):
        login(engine, "ana", "correct horse 1")
    with engine.begin() as conn:
        actions = conn.execute(select(operator_audit.c.action).order_by(operator_audit.c.id)).scalars().all()
        assert actions.count("login_failed") == MAX_FAILURES and "locked" in actions
        assert actions[-1] == "login_refused"
        assert unlock(conn, "ana", by="root")
    assert login(engine, "ana", "correct horse 1").operator_id == "ana"


def test_cli_adds_an_operator_with_the_password_from_stdin(tmp_path):
    from click.testing import CliRunner

    from kiosk.cli import cli

    database = str(tmp_path / "central.db")
    runner = CliRunner()
    added = runner.invoke(cli, ["central", "operator", "add", "--database", database, "--id", "ana",
                                "--name", "Ana", "--role", "publisher"], input="correct horse 1\ncorrect horse 1\n")
    assert added.exit_code == 0, added.output
    listed = runner.invoke(cli, ["central", "operator", "list", "--database", database])
    assert '"role": "publisher"' in listed.output and "correct horse" not in listed.output
    engine = create_engine_for(database)
    try:
        assert login(engine, "ana", "correct horse 1").role == "publisher"
    finally:
        engine.dispose()
