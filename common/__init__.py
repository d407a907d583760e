"""Small helpers shared by the kiosk, the drivers and central, so each rule lives once.

Standard library only: every other package may import `common`, and it imports none of them
(tests/test_layering.py).
"""
