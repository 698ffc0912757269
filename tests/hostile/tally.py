"""What the hostile suite exercised: calls, faults served, and what went wrong."""

from __future__ import annotations

from tests.support import tally

TALLY = tally(
    "hostile", "calls", "faults", "wrong answers", "untyped errors", "key leaks"
)
"""calls, faults (broken replies served), wrong answers (a broken reply returned
as an answer, or a legal stream summed differently), untyped errors, key leaks."""
