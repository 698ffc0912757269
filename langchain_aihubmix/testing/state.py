"""Shared emulator state handed to each route: key, signer, cache, script, quirks."""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Literal

from langchain_aihubmix.testing.billing import Billing
from langchain_aihubmix.testing.signatures import Signer
from langchain_aihubmix.testing.tokens import PrefixCache

ReasoningField = Literal["reasoning_content", "reasoning", "thought_tags", "think_tags"]
ScriptKind = Literal[
    "native", "native_chunks", "openai", "openai_chunks", "error", "reply"
]


@dataclass
class OpenAIQuirks:
    """Switchable behaviours of the OpenAI-compatible route (all per test).

    Attributes:
        reasoning_field: where thoughts go: `reasoning_content`, `reasoning`, or
            inline `<thought>…</thought>` / `<think>…</think>` at the start of content.
        usage_every_chunk: cumulative usage on every stream chunk (else only a final
            usage chunk when `stream_options.include_usage`).
        tool_delta_no_index: tool-call deltas carry no `index`.
        tool_delta_repeat_index0: every tool-call delta says index 0 (ids differ).
        tool_delta_empty_ids: tool-call ids are `""`.
        tool_args_placeholder: a `{}` arguments delta first, then the real arguments.
        tool_args_split: arguments split over several deltas.
        completion_excludes_reasoning: `completion_tokens` leaves thoughts out
            (`total_tokens` includes them), as Gemini does.
        finish_reason_stop_for_tools: `"stop"` instead of `"tool_calls"`.
        signature_in_delta: the thought signature comes in a separate final delta
            (`extra_content.google.thought_signature`), not on the tool call.
        embedding_order: `/v1/embeddings` `data` by index (`"index"`), in another
            order with the right indices (`"shuffled"`), or in input order with
            every `index` 0 (`"index0"`, as one-api's Gemini converter answers).
        tool_schemas: where the gateway's converter puts `tools[].function.parameters`
            and the `response_format` schema: Gemini's OpenAPI `Schema` fields
            (`"schema"`, checked by its rules) or its JSON Schema ones.
    """

    reasoning_field: ReasoningField = "reasoning_content"
    usage_every_chunk: bool = False
    tool_delta_no_index: bool = False
    tool_delta_repeat_index0: bool = False
    tool_delta_empty_ids: bool = False
    tool_args_placeholder: bool = False
    tool_args_split: bool = False
    completion_excludes_reasoning: bool = True
    finish_reason_stop_for_tools: bool = False
    signature_in_delta: bool = False
    embedding_order: Literal["index", "shuffled", "index0"] = "index"
    tool_schemas: Literal["schema", "json_schema"] = "schema"


@dataclass
class Scripted:
    """A queued response."""

    kind: ScriptKind
    payload: Any


@dataclass
class State:
    """Everything the routes need from the emulator."""

    api_key: str
    stream_chunk_chars: int
    cache: PrefixCache
    quirks: OpenAIQuirks = field(default_factory=OpenAIQuirks)
    base_models: tuple[str, ...] = ()
    """Ids served from the start (the catalogue's and the constructor's extras)."""
    models: list[str] = field(default_factory=list)
    """Ids served now (`base_models` plus ids added since the last reset)."""
    signer: Signer = field(default_factory=Signer)
    billing: Billing = field(default_factory=Billing)
    _script: deque[Scripted] = field(default_factory=deque)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def push(self, item: Scripted) -> None:
        """Queue a scripted response."""
        with self._lock:
            self._script.append(item)

    def pop_for(self, route: Literal["native", "openai"]) -> Scripted | None:
        """The first queued item for `route` (or an error or reply item), removed."""
        with self._lock:
            for item in self._script:
                if item.kind in ("error", "reply") or item.kind.startswith(route):
                    self._script.remove(item)
                    return item
        return None

    def add_model(self, model: str) -> None:
        """Serve one more model id."""
        with self._lock:
            if model not in self.models:
                self.models.append(model)

    def clear(self) -> None:
        """Drop queued items, cache memory and ids added since the start."""
        with self._lock:
            self._script.clear()
            self.models[:] = list(self.base_models)
            self.billing = Billing()
        self.cache.clear()
        self.signer.reset()
