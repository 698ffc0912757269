"""Every call option, declared once: the per-call list, validation and the README table.

`OPTIONS` lists the options a model field sets and a call may override. From it
derive `CALL_OPTION_FIELDS`, the aliases, the range checks, the native-only list
the openai route refuses, the plain part of `CallOptions`, and the README's
configuration table. `ChatAiHubMixGemini` still declares each option as a typed
field (for IDEs, pydantic and mypy) through `option_field`, and a test holds the
fields to this list. Adding an option: one `OptionSpec` here, its annotated line in
the model and in `CallOptions`, and its mapping on each route.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Literal, cast

from pydantic import BeforeValidator, Field, ValidationError

from langchain_aihubmix._errors.base import InvalidInputError
from langchain_aihubmix._options.call_options import BuiltinKind


def _same(value: Any) -> Any:
    return value


def as_tuple(value: Any) -> tuple[Any, ...]:
    """A list (or a lone string) as a tuple: `CallOptions` holds nothing mutable."""
    return (value,) if isinstance(value, str) else tuple(value)


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
        annotation: The model field's type.
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
    annotation: Any
    doc: str
    default: Any = None
    alias: str | None = None
    call_aliases: tuple[str, ...] = ()
    bounds: tuple[float, float | None] | None = None
    integer: bool = False
    native_only: str | None = None
    builtin_tool: bool = False
    to_call: Callable[[Any], Any] | None = _same


Effort = Literal["none", "minimal", "low", "medium", "high"]

OPTIONS: tuple[OptionSpec, ...] = (
    OptionSpec("temperature", float | None, "sampling temperature", bounds=(0.0, 2.0)),
    OptionSpec("top_p", float | None, "nucleus sampling", bounds=(0.0, 1.0)),
    OptionSpec("top_k", int | None, "top-k sampling", bounds=(0, None), integer=True),
    OptionSpec(
        "max_output_tokens",
        int | None,
        "answer length cap, in tokens",
        alias="max_tokens",
        bounds=(1, None),
        integer=True,
    ),
    OptionSpec(
        "stop",
        list[str] | None,
        "stop sequences (at most 5)",
        call_aliases=("stop_sequences",),
        to_call=as_tuple,
    ),
    OptionSpec("seed", int | None, "sampling seed"),
    OptionSpec(
        "presence_penalty",
        float | None,
        "repetition penalty (models that support it)",
        bounds=(-2.0, 2.0),
    ),
    OptionSpec(
        "frequency_penalty",
        float | None,
        "repetition penalty (models that support it)",
        bounds=(-2.0, 2.0),
    ),
    OptionSpec("n", int | None, "number of candidates", bounds=(1, None), integer=True),
    OptionSpec("response_mime_type", str | None, 'e.g. `"application/json"`'),
    OptionSpec(
        "response_schema",
        dict[str, Any] | None,
        "JSON Schema of the answer (sets `response_mime_type` to JSON)",
    ),
    OptionSpec(
        "safety_settings",
        dict[str, str] | list[dict[str, str]] | None,
        "`{category: threshold}` or a list of `{category, threshold}`, e.g. "
        '`{"HARM_CATEGORY_HARASSMENT": "BLOCK_NONE"}`',
        to_call=safety_pairs,
    ),
    OptionSpec(
        "media_resolution",
        str | None,
        "resolution of all media input (native only; per part: see media blocks)",
        native_only="media_resolution",
    ),
    OptionSpec(
        "response_modalities",
        list[str] | None,
        'e.g. `["TEXT", "IMAGE"]` for image output (native only)',
        native_only="response_modalities",
        to_call=as_tuple,
    ),
    OptionSpec(
        "image_config",
        dict[str, Any] | None,
        "image output settings, e.g. aspect ratio (native only)",
        native_only="image_config",
    ),
    OptionSpec(
        "speech_config",
        dict[str, Any] | None,
        "voice of a text-to-speech model: google-genai's `SpeechConfig` or its dict, "
        'e.g. `{"voice_config": {"prebuilt_voice_config": {"voice_name": "Kore"}}}` '
        "(native only)",
        native_only="speech_config (speech output)",
    ),
    OptionSpec(
        "cached_content",
        str | None,
        "name of an explicit Gemini cache (native only)",
        native_only="cached_content (explicit caches)",
    ),
    OptionSpec(
        "include_thoughts",
        bool | None,
        "return thought summaries (as reasoning blocks)",
        to_call=None,
    ),
    OptionSpec(
        "thinking_budget",
        int | None,
        "thinking tokens (`0` off, `-1` dynamic)",
        to_call=None,
    ),
    OptionSpec(
        "reasoning_effort",
        Effort | None,
        '`"none"`, `"minimal"`, `"low"`, `"medium"`, `"high"`; not together with '
        "`thinking_budget`",
        alias="thinking_level",
        to_call=None,
    ),
    OptionSpec(
        "code_execution",
        bool,
        "Gemini's built-in code execution tool (native only)",
        default=False,
        builtin_tool=True,
        to_call=None,
    ),
    OptionSpec(
        "google_search",
        bool,
        "grounding with Google Search (on /v1: `web_search_options`)",
        default=False,
        builtin_tool=True,
        to_call=None,
    ),
    OptionSpec(
        "url_context",
        bool,
        "the URL context tool (native only)",
        default=False,
        builtin_tool=True,
        to_call=None,
    ),
    OptionSpec(
        "extra_body",
        dict[str, Any] | None,
        "extra top-level request fields, passed through as-is",
    ),
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


@dataclass(frozen=True)
class Setting:
    """A constructor-only field, as its README row shows it (the model declares it)."""

    name: str
    default: str
    doc: str
    alias: str | None = None


CONNECTION: tuple[Setting, ...] = (
    Setting(
        "model",
        "required",
        "Gemini model id as AiHubMix names it, e.g. `gemini-2.5-flash`; also per call",
        alias="model_name",
    ),
    Setting(
        "api_key",
        "env `AIHUBMIX_API_KEY`",
        "AiHubMix key (`SecretStr`); never shown, logged or serialised",
    ),
    Setting(
        "base_url",
        "env `AIHUBMIX_BASE_URL`, else `https://aihubmix.com`",
        "gateway root; `.../v1`, `.../gemini`, `.../gemini/v1beta` and a trailing `/` "
        "are read as the root",
    ),
    Setting(
        "transport",
        "from the model id",
        '`"native"` or `"openai"` (ids ending in `-nothink` / `-search`: openai)',
    ),
    Setting(
        "app_code", "env `AIHUBMIX_APP_CODE`", "optional AiHubMix `APP-Code` header"
    ),
)
"""The fields before the options in the README table."""

BEHAVIOUR: tuple[Setting, ...] = (
    Setting(
        "streaming",
        "`False`",
        "`invoke` streams under the hood (callbacks see every token)",
    ),
    Setting(
        "timeout",
        "`60.0`",
        "deadline in seconds for each attempt (streams: until the first chunk, then "
        "between chunks); also per call",
    ),
    Setting("max_retries", "`2`", "retries after the first attempt; also per call"),
    Setting("default_headers", "unset", "extra HTTP headers for every request"),
    Setting(
        "client_args",
        "unset",
        'httpx client options, e.g. `{"proxy": "http://proxy:8080"}`',
    ),
    Setting(
        "media_fetch_timeout",
        "`30.0`",
        "seconds for downloading an http(s) media URL in the input",
    ),
    Setting(
        "allow_private_media_urls",
        "`False`",
        "let media URLs reach private, loopback and reserved addresses (off: "
        "refused, against SSRF)",
    ),
    Setting(
        "prices",
        "built-in table",
        'price table for `response_metadata["cost"]` (not serialised)',
    ),
)
"""The fields after the options in the README table."""


def _row(
    name: str, alias: str | None, default: str, doc: str, per_call: tuple[str, ...] = ()
) -> str:
    names = f"`{name}`" + (f" (alias `{alias}`)" if alias else "")
    if per_call:
        names += " (per call also " + ", ".join(f"`{a}`" for a in per_call) + ")"
    return f"| {names} | {default} | {doc} |"


def _range(bounds: tuple[float, float | None] | None) -> str:
    if bounds is None:
        return ""
    low, high = bounds
    return f"; at least {low:g}" if high is None else f"; {low:g} to {high:g}"


def markdown_table() -> str:
    """The README's configuration table: every model field this package adds."""
    rows = ["| option | default | meaning |", "|---|---|---|"]
    rows += [_row(s.name, s.alias, s.default, s.doc) for s in CONNECTION]
    rows += [
        _row(
            o.name,
            o.alias,
            "unset" if o.default is None else f"`{o.default!r}`",
            o.doc + _range(o.bounds),
            o.call_aliases,
        )
        for o in OPTIONS
    ]
    rows += [_row(s.name, s.alias, s.default, s.doc) for s in BEHAVIOUR]
    return "\n".join(rows)
