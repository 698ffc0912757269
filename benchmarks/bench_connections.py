"""Connection reuse: 100 sequential invokes / streams per instance, sync and async."""

from __future__ import annotations

import asyncio
from typing import Any

from benchmarks._common import MODEL, ROUTES, Row, package_model, raw_openai


def _count(hub: Any, fn: Any) -> int:
    before = hub.connections_opened
    fn()
    return hub.connections_opened - before


def bench_connections(quick: bool) -> list[Row]:
    from langchain_aihubmix.testing import AiHubMixEmulator

    n = 100
    rows = []
    with AiHubMixEmulator() as hub:
        for route in ROUTES:
            for kind in ("invoke", "stream"):
                for mode in ("sync", "async"):
                    llm = package_model(hub.base_url, hub.api_key, route)

                    def sync_run(llm: Any = llm, kind: str = kind) -> None:
                        for _ in range(n):
                            if kind == "invoke":
                                llm.invoke("hi")
                            else:
                                for _chunk in llm.stream("hi"):
                                    pass

                    async def async_body(llm: Any = llm, kind: str = kind) -> None:
                        for _ in range(n):
                            if kind == "invoke":
                                await llm.ainvoke("hi")
                            else:
                                async for _chunk in llm.astream("hi"):
                                    pass

                    def async_run(body: Any = async_body) -> None:
                        asyncio.run(body())

                    opened = _count(hub, sync_run if mode == "sync" else async_run)
                    rows.append(
                        Row(
                            f"connections, {n} {kind}s {mode} ({route})",
                            opened,
                            None,
                            "conns",
                            "== 1",
                            ok=opened == 1,
                        )
                    )
        # the raw openai sync stream, for comparison (it does not pool after [DONE])
        client = raw_openai(hub.base_url, hub.api_key)

        def raw_stream() -> None:
            for _ in range(n):
                for _chunk in client.chat.completions.create(
                    model=MODEL,
                    messages=[{"role": "user", "content": "hi"}],
                    stream=True,
                ):
                    pass

        opened = _count(hub, raw_stream)
        rows.append(
            Row(
                f"connections, {n} streams sync (raw openai SDK)",
                opened,
                None,
                "conns",
                "(comparison)",
                ok=None,
            )
        )
    return rows
