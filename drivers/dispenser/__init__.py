"""Card dispenser: CRT-591-style framed serial protocol, driver and emulator."""
