"""Injected faults: a FIFO book of HTTP errors, dropped connections and delays."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Literal, get_args

FaultKind = Literal["429", "500", "502", "503", "504", "drop", "slow", "free_quota"]
FreeLimit = Literal["minute", "day", "trial"]
FAULT_KINDS: frozenset[str] = frozenset(get_args(FaultKind))


@dataclass
class Fault:
    """One fault, applied to the next `count` matching requests."""

    kind: FaultKind
    count: int = 1
    retry_delay: float = 1.0
    after_chunks: int = 1
    delay: float = 1.0
    route: Literal["native", "openai"] | None = None
    limit: FreeLimit = "minute"


class FaultBook:
    """Pending faults, consumed in order by matching requests (thread-safe)."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def add(self, fault: Fault) -> None:
        """Schedule a fault."""
        if fault.kind not in FAULT_KINDS:
            raise ValueError(
                f"unknown fault kind {fault.kind!r}; use one of {sorted(FAULT_KINDS)}"
            )
        if fault.count < 1:
            raise ValueError("count must be >= 1")
        with self._lock:
            self._faults.append(fault)

    def take(self, route: str) -> Fault | None:
        """The next fault for `route`, with its remaining count decremented."""
        with self._lock:
            for fault in self._faults:
                if fault.route is None or fault.route == route:
                    fault.count -= 1
                    if fault.count == 0:
                        self._faults.remove(fault)
                    return fault
        return None

    def clear(self) -> None:
        """Drop every pending fault."""
        with self._lock:
            self._faults.clear()
