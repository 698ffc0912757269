"""Hostile suite helpers: the summary line of what it exercised."""

from __future__ import annotations

from typing import Any


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Report the hostile suite's figures (see `tests/hostile/tally.py`)."""
    from tests.hostile.tally import TALLY

    if TALLY["calls"]:
        keys = ("calls", "faults", "wrong answers", "untyped errors", "key leaks")
        figures = ", ".join(f"{key} {TALLY[key]}" for key in keys)
        terminalreporter.write_line(f"hostile: {figures}")
