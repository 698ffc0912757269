"""How often the event loop ran other tasks while a piece of async work ran."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

T = TypeVar("T")


async def ticks_during(work: Awaitable[T]) -> tuple[T, int]:
    """`work`'s result, and how many times a task that only yields got to run
    meanwhile (0 when `work` never gave the loop back)."""
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0)

    task = asyncio.create_task(ticker())
    await asyncio.sleep(0)
    start = ticks
    try:
        result = await work
    finally:
        task.cancel()
    return result, ticks - start
