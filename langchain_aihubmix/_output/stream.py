"""What both routes' stream states share: ids, blocks, picking, state, completeness."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, Protocol, TypeVar

import httpx2
from langchain_core.messages import AIMessageChunk
from langchain_core.messages.ai import UsageMetadata
from langchain_core.utils._merge import merge_lists

from langchain_aihubmix._errors.base import NoAnswerError
from langchain_aihubmix._input.conversation import MODEL_PROVIDER, SYNTHETIC_ID_PREFIX
from langchain_aihubmix._output.to_messages import (
    ContentAssembler,
    TokenCounts,
    UsageTracker,
    message_chunk,
)


class _Indexed(Protocol):
    @property
    def index(self) -> int | None: ...


_I = TypeVar("_I", bound=_Indexed)


def synthetic_id() -> str:
    """A fresh id for a call or code block the server sent without one (or reused)."""
    return f"{SYNTHETIC_ID_PREFIX}{uuid.uuid4().hex}"


def add_delta(
    content: list[str | dict[str, Any]], block: dict[str, Any] | None
) -> None:
    """Add a block delta (None: nothing) to one chunk's content, as chunks merge:
    deltas of one block within one chunk merge through the core function that merges
    stream chunks, so a whole response and its stream agree."""
    if block is not None:
        content[:] = merge_lists(content, [block]) or []


def pick(items: Sequence[_I] | None, wanted: int) -> _I | None:
    """The candidate (or choice) with index `wanted`; a missing index is its place."""
    for position, item in enumerate(items or ()):
        if (position if item.index is None else item.index) == wanted:
            return item
    return None


def indices(items: Sequence[_Indexed] | None) -> list[int]:
    """Every candidate's (or choice's) index, in order; `[0]` when there is none."""
    return sorted(
        position if item.index is None else item.index
        for position, item in enumerate(items or ())
    ) or [0]


_POLICY = ("SAFETY", "PROHIBITED_CONTENT", "RECITATION")
EXPLAINED_EMPTY = frozenset(
    {"MAX_TOKENS", "LANGUAGE", "BLOCKLIST", "SPII", "IMAGE_OTHER", "NO_IMAGE", *_POLICY}
    | {f"IMAGE_{reason}" for reason in _POLICY}
)
"""Finish reasons that account for a reply with no answer (a limit, a refusal, a
policy): it stays an answer. With any other, it is a `NoAnswerError`."""


def ensure_complete(finished: bool, sender: str) -> None:
    """Raise when a stream ended before `sender` sent its final chunk.

    A connection error, so that it is classified as one (sent, it may have been
    billed: retried only with `retry_billable`, and only before a first chunk).
    """
    if not finished:
        msg = f"the stream ended before {sender} sent its final chunk"
        raise httpx2.RemoteProtocolError(msg)


class StreamCore:
    """One candidate's (or choice's) blocks, usage, response metadata and done flag.

    Both routes' stream states hold one: the response metadata gathered so far goes
    out once, on the final chunk; only index 0 reports usage, since a response's
    usage covers all its candidates (it would otherwise be counted `n` times). A
    reply with nothing but thoughts raises `no_answer` (unless `EXPLAINED_EMPTY`).
    """

    def __init__(
        self, requested_model: str, index: int, no_answer: type[NoAnswerError]
    ) -> None:
        self.index = index
        self.blocks = ContentAssembler()
        self.meta: dict[str, Any] = {"model_name": requested_model}
        self.done = False
        self._called = False
        self._usage = UsageTracker()
        self._no_answer = no_answer

    def usage(self, counts: TokenCounts | None, *, final: bool) -> UsageMetadata | None:
        """The usage delta a chunk carries (see `UsageTracker`), on index 0 only."""
        if counts is None or self.index:
            return None
        return self._usage.feed(counts, final=final)

    def chunk(
        self, content: list[str | dict[str, Any]], *, final: bool, **fields: Any
    ) -> AIMessageChunk:
        """A chunk; the final one carries the metadata and marks the state done."""
        # a tool call or spoken audio (speech models) is an answer without text
        self._called = self._called or bool(
            fields.get("tool_call_chunks") or fields.get("audio")
        )
        if final and not (self.done or self._called or self.blocks.answered):
            self._check_explained()
        metadata = {"model_provider": MODEL_PROVIDER, **(self.meta if final else {})}
        self.done = self.done or final
        return message_chunk(content, metadata, last=final, **fields)

    def _check_explained(self) -> None:
        """Raise `no_answer` unless the finish reason or a blocked prompt explains."""
        reason, meta = self.meta.get("finish_reason"), self.meta
        blocked = meta.get("prompt_feedback", {}).get("block_reason")
        if reason not in EXPLAINED_EMPTY and not blocked:
            model, message = str(meta["model_name"]), meta.get("finish_message")
            raise self._no_answer.of_reply(model, reason, message)
