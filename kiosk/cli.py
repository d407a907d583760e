"""The `kiosk` command: one entry point, subcommands grouped by audience.

Each group lives in its own module under kiosk/commands and is imported only when used, so
`kiosk device printer status` never pays for Qt and `kiosk run` never pays for FastAPI.
"""

from __future__ import annotations

import importlib

import click

# group name -> (module, attribute, help)
_GROUPS = {
    "run": ("kiosk.commands.run", "run", "Start the kiosk application."),
    "demo": ("kiosk.commands.demo", "demo", "Emulators + embedded central + kiosk, in one command."),
    "device": ("kiosk.commands.device", "device", "Talk to one device by URL (technicians, scripts)."),
    "emulate": ("kiosk.commands.emulate", "emulate", "Run a device emulator on its real transport."),
    "central": ("kiosk.commands.central", "central", "The reference central backend."),
    "config": ("kiosk.commands.config", "config", "Validate configuration, export its JSON schema."),
}


class LazyGroup(click.Group):
    def list_commands(self, ctx):
        return sorted(_GROUPS)

    def get_command(self, ctx, name):
        spec = _GROUPS.get(name)
        if spec is None:
            return None
        module_name, attribute, _help = spec
        return getattr(importlib.import_module(module_name), attribute)

    def format_commands(self, ctx, formatter):
        rows = [(name, _GROUPS[name][2]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
def cli():
    """Police self-service kiosk (警务自助服务站)."""


def main():
    cli(prog_name="kiosk")


if __name__ == "__main__":
    main()
