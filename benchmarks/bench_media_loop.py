"""One `ainvoke` with a 19 MB image: how long the event loop stalls meanwhile.

A 1 ms ticker task measures its own lateness while one call runs alone on the loop
(nothing else competes, so every millisecond late is blocking work). The package
gets the image as a standard base64 block; the raw SDKs as `Part.from_bytes` / a
data URL built inside the call. The emulator runs in a child process.

langchain-core itself copies every base64 block into a data URL for tracing
(`_format_for_tracing`) on the loop before any integration code runs; that time is
measured on its own and shown in the note.
"""

from __future__ import annotations

import asyncio
import base64
import os
import time
from collections.abc import Awaitable, Callable
from typing import Any

from benchmarks._common import (
    MODEL,
    ROUTES,
    Row,
    external_hub,
    loop_lateness,
    median,
    openai_image_messages,
    package_model,
    raw_genai,
    raw_openai,
)

SIZE = 19 * 1024 * 1024
_Call = Callable[[], Awaitable[Any]]
TICK = 0.001


async def _stall(call: Callable[[], Awaitable[Any]]) -> float:
    async with loop_lateness(TICK) as worst:
        await call()
    return worst[0]


def _core_tracing_ms(message: Any) -> float:
    from langchain_core.language_models.chat_models import _format_for_tracing

    start = time.perf_counter()
    _format_for_tracing([message])
    return (time.perf_counter() - start) * 1e3


def bench_media_loop(quick: bool) -> list[Row]:
    from google.genai import types
    from langchain_core.messages import HumanMessage

    rounds = 2 if quick else 5
    data = b"\x89PNG\r\n\x1a\n" + os.urandom(SIZE - 8)
    b64 = base64.b64encode(data).decode()
    message = HumanMessage(
        content=[
            {"type": "text", "text": "describe this"},
            {"type": "image", "base64": b64, "mime_type": "image/png"},
        ]
    )
    core = median([_core_tracing_ms(message) for _ in range(3)])
    rows = []
    with external_hub() as (base_url, api_key):
        for route in ROUTES:
            llm = package_model(base_url, api_key, route, timeout=120)

            def package(llm: Any = llm) -> Awaitable[Any]:
                return llm.ainvoke([message])

            def make_raw(route: str = route) -> Callable[[], Awaitable[Any]]:
                """A raw async client for the running loop, and its call."""
                if route == "native":
                    client = raw_genai(base_url, api_key)

                    def native() -> Awaitable[Any]:
                        part = types.Part.from_bytes(data=data, mime_type="image/png")
                        return client.aio.models.generate_content(
                            model=MODEL, contents=["describe this", part]
                        )

                    return native
                oclient = raw_openai(base_url, api_key, is_async=True)

                def openai() -> Awaitable[Any]:
                    url = "data:image/png;base64," + b64
                    return oclient.chat.completions.create(
                        model=MODEL, messages=openai_image_messages(url)
                    )

                return openai

            async def measure(make: Callable[[], _Call]) -> float:
                call = make()
                await call()  # this loop's client, built outside the measurement
                return await _stall(call)

            stalls: dict[str, list[float]] = {"package": [], "raw": []}
            for i in range(rounds):
                order = [("package", lambda: package), ("raw", make_raw)]
                for name, call in order if i % 2 == 0 else order[::-1]:
                    stalls[name].append(asyncio.run(measure(call)))
            row = Row(
                f"19 MB image ainvoke: max loop stall ({route})",
                median(stalls["package"]) * 1e3,
                median(stalls["raw"]) * 1e3,
                "ms",
                "package <= 5 ms",
                note=f"of which langchain-core's tracing copy: {core:.1f} ms",
            )
            row.ok = median(stalls["package"]) * 1e3 <= 5.0
            rows.append(row)
    return rows
