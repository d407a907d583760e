"""Payments: the seam a real payment provider plugs into (provider.py), a simulator of one for
the demo and tests (simulator.py), and how notifications are signed (notification.py)."""
