"""Route-neutral conversation parts: what a LangChain history means, before any SDK.

`_history.messages_to_conversation` turns LangChain messages into `Turn`s made of these
parts; each route's request converter (`native.request`, `openai_route.request`)
turns them into its SDK's types. Nothing here does I/O.

Signatures are kept exactly as received (the base64 text the server sent), so that a
history replays them byte-for-byte.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, TypeAlias

SYNTHETIC_ID_PREFIX = "lc_"
"""Tool-call ids this package invents (when the server sent none) start with this.

They pair tool results with their calls inside LangChain, and are never sent to the
server as a `functionCall.id` / `functionResponse.id`.
"""

SKIP_SIGNATURE_SENTINEL = "skip_thought_signature_validator"
"""Google's documented stand-in for a missing thought signature (Gemini 3+)."""


@dataclass(frozen=True)
class TextPart:
    """Plain text; `signature` is the thought signature that rode on it, if any."""

    text: str
    signature: str | None = None


@dataclass(frozen=True)
class ReasoningPart:
    """A thought summary (`thought: true`), with its signature if it had one."""

    text: str
    signature: str | None = None


@dataclass(frozen=True)
class MediaPart:
    """Image, audio, video or document input (or a model-generated image).

    Exactly one of `data` (raw bytes, sent inline) and `uri` (sent as a file
    reference: YouTube, gs://, or an http(s) URL not yet fetched) is set.
    """

    mime_type: str | None
    data: bytes | None = None
    uri: str | None = None
    signature: str | None = None


@dataclass(frozen=True)
class ToolCallPart:
    """A function call made by the model.

    `id` is the server's id, or a synthetic one (`SYNTHETIC_ID_PREFIX`).
    """

    id: str
    name: str
    args: dict[str, Any]
    signature: str | None = None


@dataclass(frozen=True)
class ToolResultPart:
    """The result of a function call, paired with its call by `call_id`.

    `content` is the result as text or as a JSON-able value; `media` holds images or
    documents returned by the tool. `is_error` is `ToolMessage.status == "error"`.
    """

    call_id: str
    name: str
    content: Any
    media: tuple[MediaPart, ...] = ()
    is_error: bool = False


@dataclass(frozen=True)
class CodePart:
    """Code the model ran with the built-in code-execution tool."""

    code: str
    language: str = "python"
    id: str | None = None
    signature: str | None = None


@dataclass(frozen=True)
class CodeResultPart:
    """The result of executed code; `outcome` is Gemini's enum name."""

    output: str
    outcome: str = "OUTCOME_OK"
    id: str | None = None
    signature: str | None = None


Part: TypeAlias = (
    TextPart
    | ReasoningPart
    | MediaPart
    | ToolCallPart
    | ToolResultPart
    | CodePart
    | CodeResultPart
)

Role: TypeAlias = Literal["user", "model", "tool"]


@dataclass
class Turn:
    """One message of the conversation, after normalisation.

    `user` turns hold text and media; `model` turns hold text, reasoning, media,
    tool calls and code parts; `tool` turns hold `ToolResultPart`s (one turn per
    run of consecutive ToolMessages).
    """

    role: Role
    parts: list[Part] = field(default_factory=list)


@dataclass
class Conversation:
    """A whole normalised history: system instruction text plus the turns."""

    system: list[str] = field(default_factory=list)
    turns: list[Turn] = field(default_factory=list)
