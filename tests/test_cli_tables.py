"""Every command the lazy tables announce exists and is a click command."""

from __future__ import annotations

import subprocess
import sys

import click
import pytest

from kiosk.cli import cli


def _entries(group: click.Group, prefix: str = "kiosk"):
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        yield f"{prefix} {name}", command
        if isinstance(command, click.Group):  # lazy tables and plain groups (kiosk central …)
            yield from _entries(command, f"{prefix} {name}")


@pytest.mark.parametrize("path, command", list(_entries(cli)), ids=lambda v: v if isinstance(v, str) else "")
def test_announced_command_resolves(path, command):
    assert isinstance(command, click.Command), f"{path} is not a click command"
    assert command.help or command.short_help, f"{path} has no help text"


def test_central_payments_is_announced():
    assert "kiosk central payments" in {path for path, _command in _entries(cli)}


def test_cli_module_imports_no_command_module_eagerly():
    code = "import sys, kiosk.cli; print(sorted(m for m in sys.modules if m.startswith('kiosk.commands.')))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "['kiosk.commands.lazy']", result.stderr
