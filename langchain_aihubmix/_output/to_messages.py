"""Output-shape building shared by both routes: content blocks and usage deltas.

Both routes feed model output, part by part, into a `ContentAssembler` and turn token
counts into usage with `UsageTracker`, so that the two routes (and a stream and its
non-stream twin) cannot disagree on block indices or token arithmetic. See
docs/architecture.md ("Output contract").
"""

from __future__ import annotations

from typing import Any, NamedTuple, cast

from langchain_core.messages import AIMessageChunk
from langchain_core.messages.ai import (
    InputTokenDetails,
    OutputTokenDetails,
    UsageMetadata,
)
from langchain_core.messages.tool import ToolCallChunk

from langchain_aihubmix._input.conversation import SIGNATURES_KEY


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
        self.answered = False
        """Whether anything but thoughts (and signature-only text) was added."""

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
        self.answered = self.answered or bool(text)
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

    def add_block(
        self, block: dict[str, Any], signature: str | None = None
    ) -> dict[str, Any]:
        """Any other block (code, code result, image): always a block of its own."""
        self.answered = True
        self._open(str(block["type"]), None)
        signed = {} if signature is None else {"signature": signature}
        return {**block, **signed, "index": self._index}


class TokenCounts(NamedTuple):
    """Cumulative token counts of a response, already in LangChain's terms.

    `input` includes tool-use prompt tokens; `output` includes thoughts. Immutable;
    a named tuple rather than a frozen dataclass because the native route builds one
    per stream chunk, and a named tuple is about half the cost to build.
    """

    input: int = 0
    output: int = 0
    cache_read: int = 0
    reasoning: int = 0
    audio: int = 0  # audio output tokens (text-to-speech), part of output


def usage_from_counts(counts: TokenCounts) -> UsageMetadata:
    """Build `usage_metadata`; total is always input + output; both details always
    there, `0` when none (as ChatOpenAI and ChatGoogleGenerativeAI give them), and
    `audio` output tokens when there are some (text-to-speech)."""
    details = OutputTokenDetails(reasoning=counts.reasoning)
    if counts.audio:
        details["audio"] = counts.audio
    return cast(
        "UsageMetadata",
        {
            "input_tokens": counts.input,
            "output_tokens": counts.output,
            "total_tokens": counts.input + counts.output,
            "input_token_details": InputTokenDetails(cache_read=counts.cache_read),
            "output_token_details": details,
        },
    )


class UsageTracker:
    """Turns cumulative counts (one per stream chunk) into per-chunk deltas.

    All usage, input included, goes out once, on the final chunk, from the final
    counts: Gemini can lower a running count before its last chunk (a prompt count of
    169 falls to 79 on Gemini 2.0 and on Google's OpenAI-compatible layer; an image
    model's thought count falls from 244 to 167), so only the final counts are exact,
    and a count reported early could not be taken back without a negative delta.
    Earlier chunks carry no usage. A chunk after the final one (a trailing usage-only
    event) carries only what rose since. Hence no delta is negative, and the chunks
    sum to the final counts, which are the counts of the same response unstreamed.
    """

    def __init__(self) -> None:
        self._sent: TokenCounts | None = None

    def feed(self, counts: TokenCounts, *, final: bool = False) -> UsageMetadata | None:
        """The delta this chunk carries, or `None` when it carries nothing.

        Every chunk before the final one returns before any object is built.
        """
        sent = self._sent
        if sent is None:
            if not final:
                return None
            self._sent = counts
            return usage_from_counts(counts)
        rise = TokenCounts(
            *(max(0, new - old) for new, old in zip(counts, sent, strict=True))
        )
        if rise == TokenCounts():
            return None
        self._sent = TokenCounts(
            *(max(new, old) for new, old in zip(counts, sent, strict=True))
        )
        return usage_from_counts(rise)


def message_chunk(
    content: list[str | dict[str, Any]],
    metadata: dict[str, Any],
    *,
    usage: UsageMetadata | None = None,
    tool_call_chunks: list[ToolCallChunk] | None = None,
    signatures: dict[str, str] | None = None,
    audio: bytes | None = None,
    id: str | None = None,
    last: bool = False,
) -> AIMessageChunk:
    """One output chunk, built with only the fields that differ from their defaults.

    pydantic validates every keyword given to a message's constructor, even one equal
    to the field's default; a stream chunk is mostly defaults (no tool calls, no
    signatures, no usage, no id, not last), and building a chunk is per-token work.
    The message is the same either way. `audio` (a WAV file) goes in
    `additional_kwargs["audio"]`, where core's google_genai translator reads it.
    """
    fields: dict[str, Any] = {}
    if usage is not None:
        fields["usage_metadata"] = usage
    if tool_call_chunks:
        fields["tool_call_chunks"] = tool_call_chunks
    if signatures or audio:
        extra = {SIGNATURES_KEY: signatures, "audio": audio}
        fields["additional_kwargs"] = {k: v for k, v in extra.items() if v}
    if id is not None:
        fields["id"] = id
    if last:
        fields["chunk_position"] = "last"
    return AIMessageChunk(content=content, response_metadata=metadata, **fields)
