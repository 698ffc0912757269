"""Reliability suite helpers (the `hub` fixture comes from tests/conftest.py)."""

from __future__ import annotations

from typing import Any


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Report what the reliability suite exercised (calls, faults, fuzzed inputs)."""
    from tests.reliability.test_faults import STATS
    from tests.reliability.test_fuzz import COUNTS

    if STATS or COUNTS:
        terminalreporter.write_line(f"reliability: fault injection {dict(STATS)}")
        terminalreporter.write_line(f"reliability: fuzzing {dict(COUNTS)}")
