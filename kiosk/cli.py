"""The `kiosk` command: one entry point, subcommands grouped by audience.

Each group lives in its own module under kiosk/commands and is imported only when used, so
`kiosk device printer status` never pays for Qt and `kiosk run` never pays for FastAPI.
"""

from __future__ import annotations

from common.memory import limit_malloc_arenas
from kiosk.commands.lazy import lazy_group

GROUPS = {
    "run": ("kiosk.commands.run", "run", "Start the kiosk application."),
    "demo": ("kiosk.commands.demo", "demo", "Emulators + embedded central + kiosk, in one command."),
    "device": ("kiosk.commands.device", "device", "Talk to one device by URL (technicians, scripts)."),
    "emulate": ("kiosk.commands.emulate", "emulate", "Run a device emulator on its real transport."),
    "identity": ("kiosk.commands.identity", "identity", "Run identity verification on a photo and a camera."),
    "central": ("kiosk.commands.central", "central", "The reference central backend."),
    "queue": ("kiosk.commands.queue", "queue", "The outbox as a technician reads it."),
    "diag": ("kiosk.commands.diag", "diag", "Technicians' actions on this kiosk, audited."),
    "simulate-fleet": ("kiosk.commands.simulate", "simulate_fleet", "Run N headless kiosks against a central."),
    "config": ("kiosk.commands.config", "config", "Validate configuration, export its JSON schema, fetch the signed one."),
    "admin": ("kiosk.commands.admin", "admin", "Operators: keys, the signed config repository, publishing."),
}


@lazy_group(GROUPS, context_settings={"help_option_names": ["-h", "--help"]})
def cli():
    """Police self-service kiosk (警务自助服务站)."""


def main():
    limit_malloc_arenas()  # before any thread: the kiosk runs for weeks
    cli(prog_name="kiosk")


if __name__ == "__main__":
    main()
