"""Every call option, declared once: the per-call list, aliases, checks, refusals.

From `OPTIONS` derive `CALL_OPTION_FIELDS`, the aliases, the range checks, the
native-only options the openai route refuses, the JSON-safety check, the plain part
of `CallOptions` and the README table (`scripts/options_table.py`). The model still
declares each option as a typed field through `option_field` (a test holds the
fields to this list); docs/architecture.md lists every file an option touches.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, cast

from pydantic import BeforeValidator, Field, ValidationError

from langchain_aihubmix._errors.base import InvalidInputError
from langchain_aihubmix._options.call_options import BuiltinKind


def _same(value: Any) -> Any:
    return value


def as_tuple(value: Any) -> tuple[Any, ...]:
    """A list (or a lone value) as a tuple: `CallOptions` holds nothing mutable."""
    return tuple(value) if isinstance(value, (list, tuple)) else (value,)


def safety_pairs(value: Any) -> tuple[tuple[str, str], ...]:
    """`{category: threshold}` or `[{category, threshold}]` -> (category, threshold)."""
    items = (
        value.items()
        if isinstance(value, Mapping)
        else ((s["category"], s["threshold"]) for s in value)
    )
    return tuple(
        (str(getattr(c, "value", c)), str(getattr(t, "value", t))) for c, t in items
    )


def speech_dict(value: Any) -> dict[str, Any]:
    """`speech_config` checked by google-genai's `SpeechConfig` (imported on use)."""
    from google.genai import types

    try:
        return types.SpeechConfig.model_validate(value).model_dump(exclude_none=True)
    except ValidationError as exc:
        error = exc.errors()[0]
        msg = f"speech_config: {'.'.join(map(str, error['loc']))}: {error['msg']}"
        raise InvalidInputError(msg) from None


SpeechConfigField = Annotated[
    dict[str, Any] | None, BeforeValidator(lambda v: v and speech_dict(v))
]
"""`speech_config` as a model field: checked, and kept as a dict (serialisable)."""


@dataclass(frozen=True)
class OptionSpec:
    """One call option: its field, its checks, how it reaches `CallOptions`.

    Attributes:
        name: The model field, and the `CallOptions` field when `to_call` is set.
        doc: What it does (the field's description and the README row).
        default: The model field's default.
        alias: Another name, accepted by the constructor and per call.
        call_aliases: Other names accepted per call only.
        bounds: (lowest, highest or None) accepted values, bounds included.
        integer: Only integers are accepted (with `bounds`).
        native_only: How the openai route names it when refusing it; None: the
            route takes it.
        builtin_tool: A flag that binds the Gemini built-in tool of this name.
        to_call: The value -> its `CallOptions` field of the same name (not called
            on None); None: folded into other fields (thinking, built-in tools).
    """

    name: str
    doc: str
    default: Any = None
    alias: str | None = None
    call_aliases: tuple[str, ...] = ()
    bounds: tuple[float, float | None] | None = None
    integer: bool = False
    native_only: str | None = None
    builtin_tool: bool = False
    to_call: Callable[[Any], Any] | None = _same


OPTIONS: tuple[OptionSpec, ...] = (
    OptionSpec("temperature", "sampling temperature", bounds=(0.0, 2.0)),
    OptionSpec("top_p", "nucleus sampling", bounds=(0.0, 1.0)),
    OptionSpec("top_k", "top-k sampling", bounds=(0, None), integer=True),
    OptionSpec(
        "max_output_tokens",
        "answer length cap, in tokens",
        alias="max_tokens",
        bounds=(1, None),
        integer=True,
    ),
    OptionSpec(
        "stop",
        "stop sequences (at most 5); a string is one sequence",
        call_aliases=("stop_sequences",),
        to_call=as_tuple,
    ),
    OptionSpec("seed", "sampling seed"),
    OptionSpec(
        "presence_penalty",
        "repetition penalty (models that support it)",
        bounds=(-2.0, 2.0),
    ),
    OptionSpec(
        "frequency_penalty",
        "repetition penalty (models that support it)",
        bounds=(-2.0, 2.0),
    ),
    OptionSpec("n", "number of candidates", bounds=(1, None), integer=True),
    OptionSpec("response_mime_type", 'e.g. `"application/json"`'),
    OptionSpec(
        "response_schema",
        "JSON Schema of the answer (sets `response_mime_type` to JSON)",
    ),
    OptionSpec(
        "safety_settings",
        "`{category: threshold}` or a list of `{category, threshold}`, e.g. "
        '`{"HARM_CATEGORY_HARASSMENT": "BLOCK_NONE"}`',
        to_call=safety_pairs,
    ),
    OptionSpec(
        "media_resolution",
        "resolution of all media input (native only; per part: see media blocks)",
        native_only="media_resolution",
    ),
    OptionSpec(
        "response_modalities",
        'e.g. `["TEXT", "IMAGE"]` for image output (native only)',
        native_only="response_modalities",
        to_call=as_tuple,
    ),
    OptionSpec(
        "image_config",
        "image output settings, e.g. aspect ratio (native only)",
        native_only="image_config",
    ),
    OptionSpec(
        "speech_config",
        "voice of a text-to-speech model: google-genai's `SpeechConfig` or its dict, "
        'e.g. `{"voice_config": {"prebuilt_voice_config": {"voice_name": "Kore"}}}` '
        "(native only)",
        native_only="speech_config (speech output)",
    ),
    OptionSpec(
        "cached_content",
        "name of an explicit Gemini cache (native only)",
        native_only="cached_content (explicit caches)",
    ),
    OptionSpec(
        "include_thoughts",
        "return thought summaries (as reasoning blocks)",
        to_call=None,
    ),
    OptionSpec(
        "thinking_budget", "thinking tokens (`0` off, `-1` dynamic)", to_call=None
    ),
    OptionSpec(
        "reasoning_effort",
        '`"none"`, `"minimal"`, `"low"`, `"medium"`, `"high"`; not together with '
        "`thinking_budget`",
        alias="thinking_level",
        to_call=None,
    ),
    OptionSpec(
        "code_execution",
        "Gemini's built-in code execution tool (native only)",
        default=False,
        builtin_tool=True,
        to_call=None,
    ),
    OptionSpec(
        "google_search",
        "grounding with Google Search (on /v1: `web_search_options`)",
        default=False,
        builtin_tool=True,
        to_call=None,
    ),
    OptionSpec(
        "url_context",
        "the URL context tool (native only)",
        default=False,
        builtin_tool=True,
        to_call=None,
    ),
    OptionSpec("extra_body", "extra top-level request fields, passed through as-is"),
)

BY_NAME: Mapping[str, OptionSpec] = {o.name: o for o in OPTIONS}
CALL_OPTION_FIELDS: frozenset[str] = frozenset({"model", *BY_NAME})
"""Model fields that a call can override through invoke kwargs."""
ALIASES: Mapping[str, str] = {
    alias: o.name for o in OPTIONS for alias in (o.alias, *o.call_aliases) if alias
}
"""Other name -> option name."""
NATIVE_ONLY: tuple[OptionSpec, ...] = tuple(o for o in OPTIONS if o.native_only)
BUILTIN_FLAGS: tuple[BuiltinKind, ...] = tuple(
    cast("BuiltinKind", o.name) for o in OPTIONS if o.builtin_tool
)


def option_field(name: str) -> Any:
    """The pydantic `Field` of option `name` (default, alias and description)."""
    spec = BY_NAME[name]
    return Field(
        default=spec.default,
        alias=spec.alias,
        description=spec.doc,
        json_schema_extra={"call_option": True},
    )


def call_values(values: Mapping[str, Any]) -> dict[str, Any]:
    """The `CallOptions` fields that options map to one to one (None stays None)."""
    out: dict[str, Any] = {}
    for o in OPTIONS:
        if o.to_call is not None:
            value = values.get(o.name)
            out[o.name] = None if value is None else o.to_call(value)
    return out
