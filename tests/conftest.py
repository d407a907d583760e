"""Shared test setup: Qt runs offscreen, everywhere, whoever starts pytest."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
