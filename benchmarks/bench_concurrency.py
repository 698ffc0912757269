"""500 concurrent `ainvoke` on one instance vs the raw async SDK: wall time and the
longest event-loop stall (a 1 ms ticker measuring its own lateness).

The emulator runs in a child process so its threads do not compete for our GIL
(which would otherwise dominate the stall measurement).
"""

from __future__ import annotations

import asyncio
import gc
import logging
import re
import time
from collections.abc import Awaitable, Callable
from typing import Any

from benchmarks._common import (
    MODEL,
    ROUTES,
    Row,
    external_hub,
    median,
    package_model,
    raw_genai,
    raw_openai,
)

N = 500
TICK = 0.001


class _SlowSteps(logging.Handler):
    """Collects asyncio debug mode's "Executing <...> took N seconds" reports, and
    the cyclic garbage collector's passes, so that a step's own time can be told
    from a GC pass that happened to run inside it (a pass walks the whole heap,
    whichever code triggered it)."""

    def __init__(self) -> None:
        super().__init__()
        self.steps: list[tuple[float, float, str]] = []  # (end, took, text)
        self.gc: list[tuple[float, float]] = []  # (start, end)
        self._gc_start = 0.0

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if "_measure(" in text:  # the harness creating its n coroutines
            return
        if m := re.search(r"took ([0-9.]+) seconds", text):
            self.steps.append((time.perf_counter(), float(m.group(1)), text[:160]))

    def gc_callback(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._gc_start = time.perf_counter()
        else:
            self.gc.append((self._gc_start, time.perf_counter()))

    def worst_own_step(self) -> tuple[float, str]:
        """The longest step minus the GC passes inside it."""
        worst, where = 0.0, ""
        for end, took, text in self.steps:
            start = end - took
            in_gc = sum(max(0.0, min(end, b) - max(start, a)) for a, b in self.gc)
            if took - in_gc > worst:
                worst, where = took - in_gc, text
        return worst, where

    def worst_gc(self) -> float:
        return max((b - a for a, b in self.gc), default=0.0)


async def _measure(
    make_call: Callable[[], Callable[[], Awaitable[Any]]], n: int,
    debug: bool = False,
) -> tuple[float, float, int]:
    call = make_call()
    await call()  # build this loop's client outside the measurement
    loop = asyncio.get_running_loop()
    loop.set_debug(debug)
    loop.slow_callback_duration = 0.005
    stop = False
    worst = 0.0

    async def ticker() -> None:
        nonlocal worst
        while not stop:
            start = time.perf_counter()
            await asyncio.sleep(TICK)
            worst = max(worst, time.perf_counter() - start - TICK)

    tick = asyncio.create_task(ticker())
    await asyncio.sleep(0.01)
    start = time.perf_counter()
    results = await asyncio.gather(*(call() for _ in range(n)), return_exceptions=True)
    wall = time.perf_counter() - start
    stop = True
    await tick
    errors = sum(isinstance(r, BaseException) for r in results)
    return wall, worst, errors


def _slow_steps(make: Callable[[], Callable[[], Awaitable[Any]]], n: int) -> _SlowSteps:
    """One debug-mode run of `n` concurrent calls, with its slow steps and GC passes."""
    handler = _SlowSteps()
    logger = logging.getLogger("asyncio")
    logger.addHandler(handler)
    gc.callbacks.append(handler.gc_callback)
    try:
        asyncio.run(_measure(make, n, debug=True))
    finally:
        logger.removeHandler(handler)
        gc.callbacks.remove(handler.gc_callback)
    return handler


def bench_concurrency(quick: bool) -> list[Row]:
    rounds = 2 if quick else 5
    n = 200 if quick else N
    rows = []
    with external_hub() as (base_url, api_key):
        for route in ROUTES:
            llm = package_model(base_url, api_key, route)

            def pkg(llm: Any = llm) -> Callable[[], Awaitable[Any]]:
                return lambda: llm.ainvoke("hi")

            if route == "native":
                def raw() -> Callable[[], Awaitable[Any]]:
                    client = raw_genai(base_url, api_key)
                    return lambda: client.aio.models.generate_content(
                        model=MODEL, contents="hi"
                    )
            else:
                def raw() -> Callable[[], Awaitable[Any]]:
                    client = raw_openai(base_url, api_key, is_async=True)
                    return lambda: client.chat.completions.create(
                        model=MODEL, messages=[{"role": "user", "content": "hi"}]
                    )

            stats: dict[str, list[tuple[float, float, int]]] = {
                "package": [], "raw": []
            }
            asyncio.run(_measure(pkg, 20))  # warm up
            asyncio.run(_measure(raw, 20))
            for i in range(rounds):
                order = [("package", pkg), ("raw", raw)]
                for name, make in order if i % 2 == 0 else order[::-1]:
                    stats[name].append(asyncio.run(_measure(make, n)))
            walls = {k: median([s[0] for s in v]) for k, v in stats.items()}
            stalls = {k: max(s[1] for s in v) for k, v in stats.items()}
            errors = {k: sum(s[2] for s in v) for k, v in stats.items()}
            wall_row = Row(f"{n} concurrent ainvoke: wall ({route})",
                           walls["package"], walls["raw"], "s", "ratio <= 1.2",
                           note=f"errors pkg={errors['package']} raw={errors['raw']}")
            wall_row.ok = (wall_row.ratio or 99) <= 1.2 and errors["package"] == 0
            stall_row = Row(f"{n} concurrent ainvoke: max loop stall ({route})",
                            stalls["package"] * 1e3, stalls["raw"] * 1e3, "ms",
                            "package <= 5 ms")
            stall_row.note = "ticker lateness: includes other tasks' fair share"
            steps = {name: _slow_steps(make, n) for name, make in
                     (("package", pkg), ("raw", raw))}
            (own, where), (raw_own, _) = (steps[k].worst_own_step()
                                         for k in ("package", "raw"))
            step_row = Row(f"{n} concurrent ainvoke: longest loop step, GC passes "
                           f"excluded ({route})", own * 1e3, raw_own * 1e3,
                           "ms", "package <= 5 ms", note=where.replace("|", "/"))
            step_row.ok = own * 1e3 <= 5.0
            gc_row = Row(f"{n} concurrent ainvoke: longest GC pass ({route})",
                         steps["package"].worst_gc() * 1e3,
                         steps["raw"].worst_gc() * 1e3, "ms", "(interpreter-wide)")
            stall_row.ok = stalls["package"] * 1e3 <= 5.0
            rows += [wall_row, stall_row, step_row, gc_row]
    return rows
