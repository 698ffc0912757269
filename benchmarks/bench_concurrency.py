"""500 concurrent `ainvoke` on one instance vs the raw async SDK: wall time and the
longest event-loop stall (a 1 ms ticker measuring its own lateness).

The emulator runs in a child process so its threads do not compete for our GIL
(which would otherwise dominate the stall measurement).
"""

from __future__ import annotations

import asyncio
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
    """Collects asyncio debug mode's "Executing <...> took N seconds" reports."""

    def __init__(self) -> None:
        super().__init__()
        self.worst = 0.0
        self.where = ""

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if "_measure(" in text:  # the harness creating its n coroutines
            return
        if m := re.search(r"took ([0-9.]+) seconds", text):
            took = float(m.group(1))
            if took > self.worst:
                self.worst, self.where = took, text[:160]


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
            steps = {}
            for name, make in (("package", pkg), ("raw", raw)):
                handler = _SlowSteps()
                logger = logging.getLogger("asyncio")
                logger.addHandler(handler)
                try:
                    asyncio.run(_measure(make, n, debug=True))
                finally:
                    logger.removeHandler(handler)
                steps[name] = handler
            step_row = Row(f"{n} concurrent ainvoke: longest loop step ({route})",
                           steps["package"].worst * 1e3, steps["raw"].worst * 1e3,
                           "ms", "package <= 5 ms",
                           note=steps["package"].where.replace("|", "/"))
            step_row.ok = steps["package"].worst * 1e3 <= 5.0
            stall_row.ok = stalls["package"] * 1e3 <= 5.0
            rows += [wall_row, stall_row, step_row]
    return rows
