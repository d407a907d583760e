"""Protocol-level device emulators shipped with the product (`kiosk emulate …`).

Each emulator is split into the shared codec, its device state, and a fault plan, and is driven
through one small control interface (see control.py) from tests, the CLI and diagnostics.
"""
