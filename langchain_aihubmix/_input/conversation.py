"""Route-neutral conversation parts: what a LangChain history means, before any SDK.

Signatures are kept exactly as received (the server's base64 text), so a history
replays them byte-for-byte.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Any, Literal, TypeAlias

MODEL_PROVIDER = "google_genai"
"""`response_metadata["model_provider"]`: picks core's google_genai translator."""

SIGNATURES_KEY = "__gemini_function_call_thought_signatures__"
"""`additional_kwargs` key holding `{tool_call_id: thought_signature}`."""

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


@dataclass(frozen=True, eq=False)
class MediaPart:
    """Image, audio, video or document input (or a model-generated image).

    Exactly one of `data` (sent inline) and `uri` (a file reference: YouTube, gs://,
    or an http(s) URL not yet fetched) is set. `data` is `bytes` or canonical base64
    text, kept as text so that a large file is never held decoded as well (read it
    through `inline_size`, `inline_base64()`, `inline_bytes()`; equality compares
    the media). `video_metadata` and `media_resolution` are native-route only.
    """

    mime_type: str | None
    data: bytes | str | None = None
    uri: str | None = None
    signature: str | None = None
    video_metadata: dict[str, Any] | None = None
    media_resolution: str | None = None

    @property
    def inline_size(self) -> int:
        """Decoded size of `data` in bytes (0 without data), without decoding it."""
        if self.data is None:
            return 0
        if isinstance(self.data, bytes):
            return len(self.data)
        return len(self.data) * 3 // 4 - self.data.count("=", -2)

    def inline_base64(self) -> str:
        """`data` as standard padded base64 text (the stored text itself when text)."""
        if isinstance(self.data, bytes):
            return base64.b64encode(self.data).decode("ascii")
        return self.data or ""

    def inline_bytes(self) -> bytes:
        """`data` as bytes (decoded when it is base64 text)."""
        if isinstance(self.data, str):
            return base64.b64decode(self.data)
        return self.data or b""

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, MediaPart):
            return NotImplemented
        same = ("mime_type", "uri", "signature", "media_resolution", "video_metadata")
        if any(getattr(self, name) != getattr(other, name) for name in same):
            return False
        if type(self.data) is type(other.data):
            return self.data == other.data
        if self.data is None or other.data is None:
            return False
        return self.inline_bytes() == other.inline_bytes()

    def __hash__(self) -> int:
        return hash((self.mime_type, self.uri, self.signature, self.inline_size))


@dataclass(frozen=True)
class ToolCallPart:
    """A function call made by the model; `id`: the server's, or `lc_...`."""

    id: str
    name: str
    args: dict[str, Any]
    signature: str | None = None


@dataclass(frozen=True)
class ToolResultPart:
    """The result (text or a JSON-able value, and media) of the call `call_id`;
    `is_error`: `ToolMessage.status == "error"`."""

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


@dataclass(frozen=True)
class ServerToolCallPart:
    """A built-in tool the server ran (Gemini 3 `toolCall`, e.g. a Google Search),
    replayed as is; `tool_type` is Gemini's `ToolType` name."""

    id: str | None
    tool_type: str
    args: dict[str, Any]
    signature: str | None = None


@dataclass(frozen=True)
class ServerToolResultPart:
    """What a server-side tool returned (Gemini 3 `toolResponse`), for its call `id`."""

    id: str | None
    tool_type: str
    response: dict[str, Any]
    signature: str | None = None


Part: TypeAlias = (
    TextPart
    | ReasoningPart
    | MediaPart
    | ToolCallPart
    | ToolResultPart
    | CodePart
    | CodeResultPart
    | ServerToolCallPart
    | ServerToolResultPart
)

Role: TypeAlias = Literal["user", "model", "tool"]


@dataclass
class Turn:
    """One message of the conversation, after normalisation: `user` turns hold text
    and media, `model` turns the model's parts, `tool` turns `ToolResultPart`s (one
    per run of consecutive ToolMessages)."""

    role: Role
    parts: list[Part] = field(default_factory=list)


@dataclass
class Conversation:
    """A whole normalised history: system instruction text plus the turns."""

    system: list[str] = field(default_factory=list)
    turns: list[Turn] = field(default_factory=list)
