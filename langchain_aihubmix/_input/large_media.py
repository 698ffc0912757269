"""Large inline media: converted without stalling an event loop, spliced into bodies.

`aplan` runs the conversion of an async call: base64 fields validated ahead a slice
at a time (yielding to the loop), other large inline data converted in a worker
thread. `MediaSplicer` serves both routes' clients: built the usual way, a request
holds a large image several times over (the SDK's JSON text, then its bytes), each
copy made in one blocking call. Instead each large part enters the SDK's request as
a short stand-in token, and an httpx request hook on the route's client sends the
encoded body as segments, the media encoded slice by slice as the socket takes it.
The wire bytes are the SDK's own (base64 needs no JSON escaping); tokens are unique
per call and unregistered when it ends, so no other call's request is changed.
"""

from __future__ import annotations

import asyncio
import base64
import uuid
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from typing import Any, TypeGuard, TypeVar

import httpx2
from langchain_core.messages import BaseMessage

from langchain_aihubmix._input.conversation import Conversation, MediaPart, Part, Turn
from langchain_aihubmix._input.encoding import avalidated, prevalidated

T = TypeVar("T")

HEAVY_INPUT_CHARS = 1024 * 1024
"""Messages carrying this much inline data (other than base64 fields) are
normalised off the event loop."""

BASE64_TEXT_CHARS = 64 * 1024
"""Base64 fields from this size up are validated ahead, yielding to the loop."""


async def aplan(plan: Callable[[], T], messages: Sequence[BaseMessage]) -> T:
    """`plan()`, the conversion of `messages` (reading nothing else the loop
    changes), run so that megabytes of inline media never stall the loop: base64
    fields validated ahead, yielding to the loop, then trusted by `plan`; other
    large inline data (data URLs, bytes) makes `plan` run in a worker thread."""
    texts, other = _heavy_inline_data(messages)
    known = await avalidated(texts) if texts else {}
    with prevalidated(known):
        if other >= HEAVY_INPUT_CHARS:
            return await asyncio.to_thread(plan)
        return plan()


def _heavy_inline_data(messages: Sequence[BaseMessage]) -> tuple[list[str], int]:
    """The base64 texts of `base64` / `data` fields from `BASE64_TEXT_CHARS` up, and
    the size of all other inline data (URLs with payloads, bytes): a cheap look at
    content-block values (and one nested level, as in `image_url.url`)."""
    texts: list[str] = []
    other = 0
    for message in messages:
        if isinstance(message.content, str):
            continue
        for block in message.content:
            if not isinstance(block, Mapping):
                continue
            for key, value in block.items():
                if isinstance(value, Mapping):
                    other += sum(len(v) for v in value.values() if _sized(v))
                elif isinstance(value, str) and key in ("base64", "data"):
                    if len(value) >= BASE64_TEXT_CHARS:
                        texts.append(value)
                elif _sized(value) and len(value) > 1024:
                    other += len(value)
    return texts, other


def _sized(value: object) -> TypeGuard[str | bytes]:
    return isinstance(value, (str, bytes))


SPLICE_MIN_BYTES = 256 * 1024
"""Inline media from this decoded size up is spliced; smaller media goes as usual."""

_SLICE_BYTES = 3 * 64 * 1024
"""Raw bytes encoded per step (a multiple of 3: slices concatenate to the whole)."""

_SLICE_CHARS = 256 * 1024
"""Base64 characters sent per step when the media is already base64 text."""

_PREFIX = "AiHubMixSplice"
_PREFIX_BYTES = _PREFIX.encode("ascii")
_TOKEN_CHARS = len(_PREFIX) + 32 + 2
"""Prefix + 32 hex digits + "AA": base64 alphabet only and a multiple of 4 long, so
a stand-in passes any base64 check on its way into the SDK's request."""


def _encoded_len(data: bytes | str) -> int:
    if isinstance(data, str):
        return len(data)
    return 4 * ((len(data) + 2) // 3)


def _slices(data: bytes | str) -> Iterator[bytes]:
    """The base64 text of `data`, as ASCII bytes, a bounded slice at a time."""
    if isinstance(data, str):
        for start in range(0, len(data), _SLICE_CHARS):
            yield data[start : start + _SLICE_CHARS].encode("ascii")
    else:
        view = memoryview(data)
        for start in range(0, len(data), _SLICE_BYTES):
            yield base64.b64encode(view[start : start + _SLICE_BYTES])


class SplicedBody(httpx2.SyncByteStream, httpx2.AsyncByteStream):
    """A request body: the SDK's encoded body with each token replaced by its media.

    Re-iterable (a retried or redirected request sends it again).
    """

    def __init__(self, segments: list[bytes | MediaPart]) -> None:
        self._segments = segments
        self.length = sum(
            len(s) if isinstance(s, bytes) else _encoded_len(s.data or b"")
            for s in segments
        )

    def __iter__(self) -> Iterator[bytes]:
        for segment in self._segments:
            if isinstance(segment, bytes):
                yield segment
            else:
                yield from _slices(segment.data or b"")

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for piece in self:
            yield piece
            await asyncio.sleep(0)  # let the loop run between slices


class MediaSplicer:
    """Stand-in tokens for one route's large media, and the hooks that splice them.

    One per route instance; its hooks go on every httpx client the route builds.
    """

    def __init__(self) -> None:
        self._pending: dict[bytes, MediaPart] = {}

    @contextmanager
    def stand_ins(self, conv: Conversation) -> Iterator[Conversation]:
        """`conv` with each large inline media part replaced by a stand-in token.

        The tokens stay registered until the block exits: wrap the whole call
        (for a stream, its whole iteration) in it.
        """
        tokens: list[bytes] = []

        def swap(part: Part) -> Part:
            if not isinstance(part, MediaPart) or part.inline_size < SPLICE_MIN_BYTES:
                return part
            token = f"{_PREFIX}{uuid.uuid4().hex}AA"
            tokens.append(token.encode("ascii"))
            self._pending[tokens[-1]] = part
            return replace(part, data=token)

        turns = [Turn(t.role, [swap(p) for p in t.parts]) for t in conv.turns]
        try:
            yield Conversation(list(conv.system), turns) if tokens else conv
        finally:
            for token in tokens:
                self._pending.pop(token, None)

    def client_args(self, args: dict[str, Any], *, is_async: bool) -> dict[str, Any]:
        """httpx client arguments `args` plus this splicer's request hook (after
        any hooks of the user's own, so that theirs see the request as built)."""
        hooks = dict(args.get("event_hooks") or {})
        mine = self.arequest_hook if is_async else self.request_hook
        hooks["request"] = [*hooks.get("request", ()), mine]
        return {**args, "event_hooks": hooks}

    def request_hook(self, request: httpx2.Request) -> None:
        """httpx `request` event hook (sync clients)."""
        if self._pending:
            self._splice(request)

    async def arequest_hook(self, request: httpx2.Request) -> None:
        """httpx `request` event hook (async clients)."""
        if self._pending:
            self._splice(request)

    def _splice(self, request: httpx2.Request) -> None:
        if not isinstance(request.stream, httpx2.ByteStream):
            return
        body = request.content
        segments: list[bytes | MediaPart] = []
        start = 0
        at = body.find(_PREFIX_BYTES)
        while at != -1:
            media = self._pending.get(body[at : at + _TOKEN_CHARS])
            if media is not None:
                segments += [body[start:at], media]
                start = at + _TOKEN_CHARS
            at = body.find(_PREFIX_BYTES, at + 1)
        if not segments:
            return
        segments.append(body[start:])
        spliced = SplicedBody(segments)
        request.stream = spliced
        request.headers["Content-Length"] = str(spliced.length)
