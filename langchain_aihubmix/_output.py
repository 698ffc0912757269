"""Output-shape building shared by both routes: content blocks and usage deltas.

Both routes feed model output, part by part, into a `ContentAssembler` and turn token
counts into usage with `UsageTracker`, so that the two routes (and a stream and its
non-stream twin) cannot disagree on block indices or token arithmetic. See
docs/architecture.md ("Output contract").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, cast

from langchain_core.messages import AIMessage, AIMessageChunk
from langchain_core.messages.ai import (
    InputTokenDetails,
    OutputTokenDetails,
    UsageMetadata,
)

MODEL_PROVIDER = "google_genai"
"""`response_metadata["model_provider"]`: picks core's google_genai translator."""

SIGNATURES_KEY = "__gemini_function_call_thought_signatures__"
"""`additional_kwargs` key holding `{tool_call_id: thought_signature}`."""

_Coalescing = Literal["text", "thinking"]


class ContentAssembler:
    """Turns a sequence of output parts into indexed content blocks.

    Consecutive text parts share one block, as do consecutive thought parts; any other
    part starts a new block. A signature joins the current block unless that block
    already has one. Each `add_*` returns the block delta to emit (or `None`), carrying
    the block's index, so that merging a stream's chunks rebuilds exactly the blocks a
    single whole response gives.
    """

    def __init__(self) -> None:
        self._index = -1
        self._kind: str | None = None
        self._signed = False

    def _open(self, kind: str, signature: str | None) -> bool:
        """Whether a part of `kind` must start a new block; updates the state."""
        fresh = (
            self._kind != kind
            or kind not in ("text", "thinking")
            or (signature is not None and self._signed)
        )
        if fresh:
            self._index += 1
            self._kind = kind
            self._signed = False
        if signature is not None:
            self._signed = True
        return fresh

    def add_text(
        self, text: str, signature: str | None = None
    ) -> dict[str, Any] | None:
        """Answer text; an empty text part only matters when it carries a signature."""
        if not text and signature is None:
            return None
        if not text and self._kind == "text" and not self._signed:
            self._signed = True
            return {
                "type": "text",
                "text": "",
                "index": self._index,
                "extras": {"signature": signature},
            }
        self._open("text", signature)
        block: dict[str, Any] = {"type": "text", "text": text, "index": self._index}
        if signature is not None:
            block["extras"] = {"signature": signature}
        return block

    def add_thinking(
        self, text: str, signature: str | None = None
    ) -> dict[str, Any] | None:
        """A thought summary delta."""
        if not text and signature is None:
            return None
        self._open("thinking", signature)
        block: dict[str, Any] = {
            "type": "thinking",
            "thinking": text,
            "index": self._index,
        }
        if signature is not None:
            block["signature"] = signature
        return block

    def add_block(self, block: dict[str, Any]) -> dict[str, Any]:
        """Any other block (code, code result, image): always a block of its own."""
        self._open(str(block["type"]), None)
        return {**block, "index": self._index}


@dataclass(frozen=True)
class TokenCounts:
    """Cumulative token counts of a response, already in LangChain's terms.

    `input` includes tool-use prompt tokens; `output` includes thoughts.
    """

    input: int = 0
    output: int = 0
    cache_read: int = 0
    reasoning: int = 0


def usage_from_counts(counts: TokenCounts) -> UsageMetadata:
    """Build `usage_metadata`; total is always input + output."""
    usage = cast(
        "UsageMetadata",
        {
            "input_tokens": counts.input,
            "output_tokens": counts.output,
            "total_tokens": counts.input + counts.output,
        },
    )
    if counts.cache_read > 0:
        usage["input_token_details"] = InputTokenDetails(cache_read=counts.cache_read)
    if counts.reasoning > 0:
        usage["output_token_details"] = OutputTokenDetails(reasoning=counts.reasoning)
    return usage


class UsageTracker:
    """Turns cumulative counts (one per stream chunk) into per-chunk deltas.

    Input tokens (and cache reads) go out with the first chunk, and again only if the
    server revises its prompt count upwards. Output and reasoning tokens go out with
    the final chunk, from the final counts: Gemini can lower a running count in its
    last chunk (an image model's thought count falls from 244 to 167 in a recorded
    stream), so only the final counts are exact. Hence no delta is negative, and the
    chunks sum to the final counts for every stream Gemini sends.
    """

    def __init__(self) -> None:
        self._input = 0
        self._cache_read = 0

    def feed(self, counts: TokenCounts, *, final: bool = False) -> UsageMetadata | None:
        """The delta this chunk carries, or `None` when it carries nothing."""
        new_input = max(self._input, counts.input)
        new_cache = max(self._cache_read, counts.cache_read)
        delta = TokenCounts(
            input=new_input - self._input,
            cache_read=new_cache - self._cache_read,
            output=counts.output if final else 0,
            reasoning=counts.reasoning if final else 0,
        )
        self._input, self._cache_read = new_input, new_cache
        if delta == TokenCounts() and not final:
            return None
        return usage_from_counts(delta)


def chunk_to_message(chunk: AIMessageChunk) -> AIMessage:
    """A complete chunk (or a stream's sum) as an `AIMessage` with parsed tool calls."""
    return AIMessage(
        content=chunk.content,
        additional_kwargs=chunk.additional_kwargs,
        response_metadata=chunk.response_metadata,
        usage_metadata=chunk.usage_metadata,
        tool_calls=chunk.tool_calls,
        invalid_tool_calls=chunk.invalid_tool_calls,
        id=chunk.id,
    )
