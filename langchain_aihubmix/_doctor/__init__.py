"""Private: the probes and wire capture behind the public doctor module."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Finding:
    """One answer of the doctor.

    Attributes:
        question: What was asked of the gateway.
        seen: The variant the gateway showed.
        handled: Whether this package handles that variant (None: not settled).
        defaults_fit: Whether the package's defaults work with it (None: not settled).
        note: How the package behaves under it.
    """

    question: str
    seen: str
    handled: bool | None
    defaults_fit: bool | None
    note: str = ""
