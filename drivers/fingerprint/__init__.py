"""Fingerprint modules: AS608 / R30x on a UART (serial port or serial-to-TCP bridge)."""
