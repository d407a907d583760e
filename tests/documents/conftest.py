"""A certificate for each test (tests/support/pdf_tools.py)."""

import pytest

from kiosk.documents import Document
from support.pdf_tools import sample_certificate


@pytest.fixture
def certificate() -> Document:
    return sample_certificate()
