"""Shared test helpers: where the recorded fixtures live."""

from __future__ import annotations

from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
RECORDED = FIXTURES / "recorded"


@pytest.fixture
def recorded_dir() -> Path:
    """Directory of real recorded Gemini traffic (copied from ../shared)."""
    return RECORDED
