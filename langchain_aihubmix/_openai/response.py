"""Chat Completions (whole or streamed) to LangChain messages, one mapper for both."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Final, cast

from langchain_core.messages import AIMessage, AIMessageChunk, message_chunk_to_message
from langchain_core.messages.ai import UsageMetadata
from langchain_core.messages.tool import ToolCallChunk, tool_call_chunk
from openai.types.chat import (
    ChatCompletion,
    ChatCompletionChunk,
    ChatCompletionMessage,
    ChatCompletionMessageCustomToolCall,
)
from openai.types.chat.chat_completion_chunk import ChoiceDelta, ChoiceDeltaToolCall
from openai.types.chat.chat_completion_message_tool_call import (
    ChatCompletionMessageToolCallUnion,
)
from openai.types.completion_usage import CompletionUsage
from pydantic import BaseModel

from langchain_aihubmix._errors.base import MalformedResponseError
from langchain_aihubmix._errors.openai import OpenAINoAnswerError
from langchain_aihubmix._openai.citations import grounding_metadata, url_citations
from langchain_aihubmix._openai.extras import read_extras
from langchain_aihubmix._openai.thought_tags import ThoughtTagSplitter
from langchain_aihubmix._openai.usage import counts_from_usage
from langchain_aihubmix._output.stream import (
    StreamCore,
    add_delta,
    indices,
    pick,
    synthetic_id,
)
from langchain_aihubmix._output.to_messages import TokenCounts

_FINISH_REASONS: Final[dict[str, str]] = {
    "stop": "STOP",
    "length": "MAX_TOKENS",
    "tool_calls": "STOP",
    "function_call": "STOP",
    "content_filter": "SAFETY",
}
"""OpenAI `finish_reason` -> Gemini's enum name (the native route's value).

Anything else (a gateway passing Gemini's own reason through) is upper-cased.
"""


def finish_reason_name(reason: str) -> str:
    """The Gemini name for an OpenAI-style `finish_reason`."""
    return _FINISH_REASONS.get(reason, reason.upper())


@dataclass(frozen=True)
class _Fragment:
    """One tool-call delta (or a whole call), route-neutral."""

    index: int | None
    id: str
    name: str
    arguments: str
    signature: str | None


@dataclass
class _DraftCall:
    """A tool call being assembled from fragments."""

    id: str
    name: str
    signature: str | None
    args: list[str] = field(default_factory=list)

    @property
    def raw(self) -> str:
        return "".join(self.args)


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


class _CallAssembler:
    """Groups tool-call fragments into calls, whatever the server's indexing.

    A fragment belongs to a new call when it has a non-empty id not seen before (so
    a repeated `index: 0` with a new id is a new call), or a name while the call it
    would continue already has another name, or the same name and complete JSON
    arguments (servers that send whole calls with empty ids and no index). Otherwise
    it continues the call with its `index` (when known) or the latest call. Empty ids
    count as no id. The whole call set is closed at the end of the message.
    """

    def __init__(self) -> None:
        self.calls: list[_DraftCall] = []
        self._by_index: dict[int, _DraftCall] = {}
        self._by_id: dict[str, _DraftCall] = {}
        self._last: _DraftCall | None = None

    def add(self, frag: _Fragment, *, new: bool = False) -> None:
        call = None if new else self._target(frag)
        if call is None:
            call = _DraftCall(frag.id, frag.name, frag.signature)
            self.calls.append(call)
        else:
            call.id = call.id or frag.id
            call.name = call.name or frag.name
            call.signature = call.signature or frag.signature
        if frag.arguments:
            call.args.append(frag.arguments)
        if frag.index is not None:
            self._by_index[frag.index] = call
        if frag.id:
            self._by_id.setdefault(frag.id, call)
        self._last = call

    def _target(self, frag: _Fragment) -> _DraftCall | None:
        if frag.id:
            known = self._by_id.get(frag.id)
            if known is not None and frag.name in ("", known.name):
                return known
            return None
        if frag.index is not None and frag.index in self._by_index:
            candidate: _DraftCall | None = self._by_index[frag.index]
        elif frag.index is not None and frag.name:
            return None
        else:
            candidate = self._last
        if candidate is None or not frag.name or not candidate.name:
            return candidate
        if frag.name == candidate.name and not _is_json(candidate.raw):
            return candidate
        return None


def _split_arguments(raw: str) -> list[dict[str, Any]] | None:
    """The JSON objects in a call's arguments, or None when they are not objects.

    Empty arguments are `{}`. Concatenated objects (`{...}{...}`) are split; empty
    ones among non-empty ones are dropped, so a `{}` placeholder followed by the
    real arguments gives the real arguments, and two real objects give two calls.
    """
    text = raw.strip()
    if not text:
        return [{}]
    decoder = json.JSONDecoder()
    objects: list[dict[str, Any]] = []
    position = 0
    while position < len(text):
        try:
            value, position = decoder.raw_decode(text, position)
        except ValueError:
            return None
        if not isinstance(value, dict):
            return None
        objects.append(value)
        while position < len(text) and text[position].isspace():
            position += 1
    return [o for o in objects if o] or [{}]


def _fragments(
    calls: Iterable[ChoiceDeltaToolCall | ChatCompletionMessageToolCallUnion] | None,
) -> list[_Fragment]:
    """Stream deltas' tool calls, or a whole message's (indexed by position)."""
    out = []
    for position, call in enumerate(calls or ()):
        if isinstance(call, ChatCompletionMessageCustomToolCall):
            raise MalformedResponseError(
                f"Unexpected custom tool call {call.custom.name!r}: this package only "
                "declares function tools."
            )
        index = call.index if isinstance(call, ChoiceDeltaToolCall) else position
        function = call.function
        name = (function.name if function else None) or ""
        args = (function.arguments if function else None) or ""
        signature = read_extras(call).signature
        out.append(_Fragment(index, call.id or "", name, args, signature))
    return out


class OpenAIStreamState:
    """Maps the chunks of one Chat Completions stream to `AIMessageChunk`s.

    `feed(chunk)` for every chunk, then `finish()` once: tool calls (whose deltas may
    be reordered, repeated or padded with a `{}` placeholder), message-level
    signatures and the final metadata go out on the final chunk. A whole completion
    is the same state fed its message once (`completion_to_messages`).

    Reasoning fields become thinking blocks; content goes through
    `ThoughtTagSplitter`; a refusal is answer text. A tool call's own signature goes to
    `additional_kwargs[SIGNATURES_KEY]`; a message-level one signs the answer text,
    else the first unsigned call (Google's 2.5 layer), else an empty signed text block.
    Call ids are the server's, or `lc_<hex>` when empty or reused; arguments that are
    not JSON objects become `invalid_tool_calls` with the raw text as a JSON string
    literal (core's lenient parser would make truncated JSON look valid). Only choice
    `choice_index` is read; only choice 0 reports usage.
    """

    def __init__(self, requested_model: str, choice_index: int = 0) -> None:
        self._core = StreamCore(requested_model, choice_index, OpenAINoAnswerError)
        self._tags = ThoughtTagSplitter()
        self._counts: TokenCounts | None = None
        self._calls = _CallAssembler()
        self._signatures: list[str] = []
        self._citations: list[dict[str, Any]] = []
        self._answer: list[str] = []  # answer text, for cited segments

    def feed(self, chunk: ChatCompletionChunk) -> list[AIMessageChunk]:
        """The chunk's content and usage delta (none when it carries neither)."""
        if self._core.done:
            raise RuntimeError("OpenAIStreamState.feed() called after finish()")
        self._remember(chunk.id, chunk.model)
        content: list[str | dict[str, Any]] = []
        choice = pick(chunk.choices, self._core.index)
        if choice is not None:
            delta: ChoiceDelta = choice.delta
            self._map(delta, delta.content, delta.refusal, content)
            for frag in _fragments(delta.tool_calls):
                self._calls.add(frag)
            self._finish_reason(choice.finish_reason)
        usage = self._track(chunk.usage)
        if not content and usage is None:
            return []
        return [self._core.chunk(content, final=False, usage=usage)]

    @property
    def finished(self) -> bool:
        """Whether the server sent a `finish_reason` (a complete answer)."""
        return "finish_reason" in self._core.meta

    def finish(self) -> list[AIMessageChunk]:
        """The final chunk: held-back text, tool calls, signatures, metadata."""
        if self._core.done:
            return []
        content: list[str | dict[str, Any]] = []
        self._pieces(self._tags.flush(), content)
        calls, signatures = self._close_calls()
        for signature in self._signatures:
            if signature in signatures.values():
                continue
            unsigned = next((c for c in calls if c["id"] not in signatures), None)
            if not self._core.blocks.answered and unsigned is not None:
                signatures[str(unsigned["id"])] = signature
            else:
                add_delta(content, self._core.blocks.add_text("", signature))
        if self._citations:
            self._core.meta["grounding_metadata"] = grounding_metadata(
                self._citations, "".join(self._answer)
            )
        usage = self._core.usage(self._counts, final=True)
        return [
            self._core.chunk(
                content,
                final=True,
                usage=usage,
                tool_call_chunks=calls,
                signatures=signatures,
            )
        ]

    def _track(self, usage: CompletionUsage | None) -> UsageMetadata | None:
        """Input tokens now; output waits for `finish()` (see `UsageTracker`)."""
        if usage is None or self._core.index:
            return None
        self._counts = counts_from_usage(usage)
        return self._core.usage(self._counts, final=False)

    def _remember(self, response_id: str | None, model: str | None) -> None:
        if response_id:
            self._core.meta["response_id"] = response_id
        if model:
            self._core.meta["model_name"] = model

    def _finish_reason(self, reason: str | None) -> None:
        if reason:
            self._core.meta["finish_reason"] = finish_reason_name(reason)

    def _map(
        self,
        source: BaseModel,
        text: str | None,
        refusal: str | None,
        content: list[str | dict[str, Any]],
    ) -> None:
        """Reasoning, content and signature of one delta (or a whole message)."""
        extras = read_extras(source)
        if extras.reasoning:
            add_delta(content, self._core.blocks.add_thinking(extras.reasoning))
        if text:
            self._pieces(self._tags.feed(text), content)
        if refusal:
            self._pieces(self._tags.feed(refusal), content)
        if extras.signature and extras.signature not in self._signatures:
            self._signatures.append(extras.signature)
        self._citations += url_citations(source)

    def _pieces(
        self, pieces: Iterable[tuple[str, str]], content: list[str | dict[str, Any]]
    ) -> None:
        for kind, text in pieces:
            if kind == "thinking":
                add_delta(content, self._core.blocks.add_thinking(text))
            else:
                self._answer.append(text)
                add_delta(content, self._core.blocks.add_text(text))

    def _close_calls(self) -> tuple[list[ToolCallChunk], dict[str, str]]:
        chunks: list[ToolCallChunk] = []
        signatures: dict[str, str] = {}
        used: set[str] = set()
        for call in self._calls.calls:
            objects = _split_arguments(call.raw) if call.name else None
            args = (
                [json.dumps(call.raw)]
                if objects is None
                else [json.dumps(o, ensure_ascii=False) for o in objects]
            )
            for n, arg in enumerate(args):
                server = call.id if n == 0 and call.id not in used else ""
                call_id = server or synthetic_id()
                used.add(call_id)
                if n == 0 and call.signature is not None:
                    signatures[call_id] = call.signature
                chunks.append(
                    tool_call_chunk(
                        name=call.name, args=arg, id=call_id, index=len(chunks)
                    )
                )
        return chunks, signatures

    def _whole(self, completion: ChatCompletion) -> AIMessage:
        """A whole completion's choice, through the same mappers as a stream."""
        self._remember(completion.id, completion.model)
        choice = pick(completion.choices, self._core.index)
        content: list[str | dict[str, Any]] = []
        if choice is not None:
            message: ChatCompletionMessage = choice.message
            self._map(message, message.content, message.refusal, content)
            for frag in _fragments(message.tool_calls):
                self._calls.add(frag, new=True)
            self._finish_reason(choice.finish_reason)
        first = self._core.chunk(
            content, final=False, usage=self._track(completion.usage)
        )
        (last,) = self.finish()
        return cast("AIMessage", message_chunk_to_message(first + last))


def completion_to_messages(
    completion: ChatCompletion, requested_model: str
) -> list[AIMessage]:
    """One `AIMessage` per choice (at least one); usage rides on choice 0."""
    return [
        OpenAIStreamState(requested_model, index)._whole(completion)
        for index in indices(completion.choices)
    ]
