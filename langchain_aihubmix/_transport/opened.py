"""Closing, in order, the HTTP responses an SDK's async stream left open.

Leaving google-genai's async stream (a chain of async generators down to httpcore's
connection) early closes none of them: the garbage collector finalizes them at once
and the outer ones find the inner ones busy ("aclose(): asynchronous generator is
already running"). `tracked` records each response opened while the stream's next
item is awaited and closes them when the stream ends, then the stream itself.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator
from contextvars import ContextVar
from typing import TypeVar

import httpx2

_T = TypeVar("_T")

_OPENED: ContextVar[list[httpx2.Response] | None] = ContextVar(
    "aihubmix_opened", default=None
)


async def _record(response: httpx2.Response) -> None:
    opened = _OPENED.get()
    if opened is not None:
        opened.append(response)


def track(client: httpx2.AsyncClient) -> httpx2.AsyncClient:
    """`client` (a new async client) with the response hook `tracked` relies on."""
    hooks = client.event_hooks
    hooks["response"] = [*hooks.get("response", ()), _record]
    client.event_hooks = hooks
    return client


async def tracked(stream: AsyncIterator[_T]) -> AsyncGenerator[_T, None]:
    """`stream`'s items; when it ends or is closed, the responses it opened on a
    `track`ed client are closed, then `stream` itself. Use it under
    `contextlib.aclosing`."""
    opened: list[httpx2.Response] = []
    try:
        while True:
            token = _OPENED.set(opened)
            try:
                item = await anext(stream)
            except StopAsyncIteration:
                return
            finally:
                _OPENED.reset(token)
            yield item
    finally:
        for response in opened:
            await response.aclose()
        aclose = getattr(stream, "aclose", None)
        if aclose is not None:
            await aclose()
