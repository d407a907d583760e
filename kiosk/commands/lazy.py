"""A click group whose subcommands are imported only when run.

`kiosk device printer status` must not pay for OpenCV, and `kiosk run` must not pay for FastAPI:
each subcommand names its module, and the module is imported when that subcommand is used.
"""

from __future__ import annotations

import importlib

import click


class LazyGroup(click.Group):
    """`commands` maps a name to ("module", "attribute", "one-line help")."""

    def __init__(self, *args, commands: dict[str, tuple[str, str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self._lazy = commands

    def list_commands(self, ctx):
        return sorted(self._lazy)

    def get_command(self, ctx, name):
        spec = self._lazy.get(name)
        if spec is None:
            return None
        module_name, attribute, _help = spec
        return getattr(importlib.import_module(module_name), attribute)

    def format_commands(self, ctx, formatter):
        rows = [(name, self._lazy[name][2]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


def lazy_group(commands: dict[str, tuple[str, str, str]], **kwargs):
    """Decorator: `@lazy_group({...})` on a function makes it a LazyGroup."""
    return click.group(cls=LazyGroup, commands=commands, **kwargs)
