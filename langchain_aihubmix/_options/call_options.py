"""The resolved options of one call (model fields merged with invoke kwargs,
checked), read by each route's request converter; tools kept route-neutral."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, TypeAlias

BuiltinKind: TypeAlias = Literal["code_execution", "google_search", "url_context"]


@dataclass(frozen=True)
class FunctionTool:
    """A function declaration: name, description and a JSON Schema for arguments."""

    name: str
    description: str
    parameters: dict[str, Any]


@dataclass(frozen=True)
class BuiltinTool:
    """One of Gemini's server-side tools, with its (usually empty) config."""

    kind: BuiltinKind
    config: dict[str, Any] = field(default_factory=dict)


Tool: TypeAlias = FunctionTool | BuiltinTool


ToolMode: TypeAlias = Literal["auto", "any", "none"]


@dataclass(frozen=True)
class ToolChoice:
    """Route-neutral tool choice: "auto" (model decides), "any" (must call one of
    `allowed`, or any tool when it is empty), "none" (must not call)."""

    mode: ToolMode
    allowed: tuple[str, ...] = ()


ThinkingLevel: TypeAlias = Literal["none", "minimal", "low", "medium", "high"]


@dataclass(frozen=True)
class CallOptions:
    """Everything a request converter needs besides the messages (None: not set,
    left out of the request)."""

    model: str
    temperature: float | None = None
    top_p: float | None = None
    top_k: int | None = None
    max_output_tokens: int | None = None
    stop: tuple[str, ...] | None = None
    seed: int | None = None
    presence_penalty: float | None = None
    frequency_penalty: float | None = None
    n: int | None = None
    response_mime_type: str | None = None
    response_schema: dict[str, Any] | None = None  # JSON Schema
    safety_settings: tuple[tuple[str, str], ...] | None = None  # (category, threshold)
    media_resolution: str | None = None  # e.g. "MEDIA_RESOLUTION_LOW"
    response_modalities: tuple[str, ...] | None = None  # e.g. ("TEXT", "IMAGE")
    image_config: dict[str, Any] | None = None  # {"aspect_ratio", "image_size"}
    speech_config: dict[str, Any] | None = None  # google-genai's SpeechConfig, as dict
    cached_content: str | None = None  # "cachedContents/..."
    include_thoughts: bool | None = None
    thinking_budget: int | None = None
    thinking_level: ThinkingLevel | None = None
    tools: tuple[Tool, ...] = ()
    tool_choice: ToolChoice | None = None
    parallel_tool_calls: bool | None = None  # openai route only (see resolve)
    extra_body: dict[str, Any] | None = None  # merged into the request body as-is
