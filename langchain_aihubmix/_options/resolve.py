"""Per-call option resolution: model fields + invoke kwargs -> validated CallOptions.

Everything a user can get wrong in configuration is caught here, before any request
is sent: unknown kwargs, contradictory thinking settings, thinking turned off on a
model that cannot, malformed tools and tool choice.
"""

from __future__ import annotations

import difflib
import functools
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BaseModel, TypeAdapter, ValidationError

from langchain_aihubmix._errors.base import InvalidInputError
from langchain_aihubmix._options.call_options import (
    BuiltinTool,
    CallOptions,
    FunctionTool,
    ThinkingLevel,
)
from langchain_aihubmix._options.native_only import refuse_native_only
from langchain_aihubmix._options.schema import response_format_options
from langchain_aihubmix._options.spec import (
    ALIASES,
    BUILTIN_FLAGS,
    BY_NAME,
    CALL_OPTION_FIELDS,
    OPTIONS,
    as_tuple,
    call_values,
)
from langchain_aihubmix._options.tool_wire import check_names
from langchain_aihubmix._options.tools import convert_tool, convert_tool_choice
from langchain_aihubmix.profiles import Transport, profile_for


class UnknownOptionError(InvalidInputError, TypeError):
    """A constructor field or invoke kwarg this model does not understand."""

    __module__ = "langchain_aihubmix.errors"  # its public home (and pickles')


class OutOfRangeError(InvalidInputError):
    """A sampling or length setting outside the range Gemini accepts."""

    __module__ = "langchain_aihubmix.errors"


_INTERNAL = "ls_structured_output_format"
"""The option LangChain itself binds: accepted, never suggested to a user."""
_CALL_ONLY = frozenset(
    "tools tool_choice timeout max_retries parallel_tool_calls response_format strict "
    f"{_INTERNAL}".split()
)

_EFFORT_BUDGETS = dict(none=0, minimal=512, low=1024, medium=8192, high=24576)
"""reasoning_effort -> thinking budget, for models that take budgets (Gemini 2.5)."""

_MAX_STOP_SEQUENCES = 5


@dataclass(frozen=True)
class CallSettings:
    """Per-call transport settings that are not part of the request body."""

    timeout: float | None
    max_retries: int
    retry_billable: bool = False

    def retry(self, on_retry: Any) -> dict[str, Any]:
        """The retry policy's keywords (`_transport.retry.call_with_retry`)."""
        billable = self.retry_billable
        return dict(
            max_retries=self.max_retries, retry_billable=billable, on_retry=on_retry
        )


_PEER_NAMES: Mapping[str, str] = {
    "model_kwargs": "extra_body",
    "request_timeout": "timeout",
    "google_api_key": "api_key",
    "openai_api_key": "api_key",
    "openai_api_base": "base_url",
    "stream_usage": "",
    "output_dimensionality": "dimensions",
    "batch_size": "chunk_size",
}
"""ChatOpenAI's / ChatGoogleGenerativeAI's (and their embeddings') names -> ours
("": not needed here)."""

CONSTRUCTOR_ONLY = (
    "api_key base_url transport app_code streaming retry_billable default_headers "
    "client_args media_fetch_timeout allow_private_media_urls prices"
)
"""The connection and client settings (space-separated): never per call."""


def did_you_mean(name: str, known: Sequence[str] | frozenset[str]) -> str:
    """` Did you mean 'x'?` for a peer's name or the nearest known name, else ""."""
    if (ours := _PEER_NAMES.get(name)) is not None and (not ours or ours in known):
        return f" Did you mean {ours!r}?" if ours else " Usage is always on."
    close = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.6)
    return f" Did you mean {close[0]!r}?" if close else ""


def normalise_kwargs(kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """Apply aliases, map `response_format`, reject unknown kwargs with a hint."""
    out: dict[str, Any] = {}
    for key, value in kwargs.items():
        name = ALIASES.get(key, key)
        if name not in CALL_OPTION_FIELDS and name not in _CALL_ONLY:
            public = (CALL_OPTION_FIELDS | _CALL_ONLY | set(ALIASES)) - {_INTERNAL}
            field = _PEER_NAMES.get(key) or key
            hint = did_you_mean(str(key), public) or (
                f" Known options: {', '.join(sorted(public))}."
            )
            if field in CONSTRUCTOR_ONLY.split():
                hint = (
                    f" Set {field} on the constructor: ChatAiHubMixGemini({field}=...)."
                )
            msg = f"Unknown option {key!r} for ChatAiHubMixGemini.{hint}"
            raise UnknownOptionError(msg)
        out[name] = value
    out.pop(_INTERNAL, None)
    out.pop("strict", None)  # Gemini always holds its answer to the schema it gets
    if "response_format" in out:
        format_options = response_format_options(out.pop("response_format"))
        out = {**format_options, **out}  # explicit response_schema etc. win
    return out


def _check_ranges(values: Mapping[str, Any]) -> None:
    """Reject sampling and length settings Gemini would refuse, before any request."""
    for option in OPTIONS:
        value = values.get(name := option.name)
        if option.bounds is None or value is None:
            continue
        (low, high), integer = option.bounds, option.integer
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or (integer and not isinstance(value, int))
        ):
            kind = "an integer" if integer else "a number"
            msg = f"{name} must be {kind}, got a {type(value).__name__}."
            raise OutOfRangeError(msg)
        number = float(value)
        if math.isnan(number) or number < low or (high is not None and number > high):
            bounds = f">= {low:g}" if high is None else f"between {low:g} and {high:g}"
            msg = f"{name} must be {bounds}, got {value!r}."
            raise OutOfRangeError(msg)


def _thinking(
    values: Mapping[str, Any], transport: Transport
) -> tuple[bool | None, int | None, ThinkingLevel | None]:
    """Validate and map thinking settings to (include_thoughts, budget, level)."""
    model = str(values["model"])
    budget: int | None = values.get("thinking_budget")
    effort: str | None = values.get("reasoning_effort")
    include: bool | None = values.get("include_thoughts")
    if budget is not None and effort is not None:
        msg = (
            "Set either thinking_budget or reasoning_effort (thinking_level), not "
            "both: Gemini rejects a request with both a thinking budget and a level."
        )
        raise InvalidInputError(msg)
    profile = profile_for(model)
    if (budget == 0 or effort == "none") and not profile.can_disable_thinking:
        msg = (
            f"{model} cannot turn thinking off (thinking_budget=0 / "
            "reasoning_effort='none'); leave thinking on or pick another model."
        )
        raise InvalidInputError(msg)
    if budget is not None and budget < -1:
        msg = (
            f"thinking_budget must be -1 (dynamic), 0 (off) or positive, got {budget}."
        )
        raise InvalidInputError(msg)
    if effort is None or (effort == "none" and transport == "native"):
        return include, (0 if effort == "none" else budget), None
    if transport == "native" and not profile.requires_thought_signatures:
        # Gemini 2.x takes budgets, not levels.
        return include, _EFFORT_BUDGETS[effort], None
    if effort != "none" and effort not in (profile.thinking_levels or (effort,)):
        msg = (
            f"reasoning_effort {effort!r} is not supported by {model}; "
            f"use one of {sorted(profile.thinking_levels)}."
        )
        raise InvalidInputError(msg)
    return include, None, effort  # type: ignore[return-value]


def _check_tools_with_schema(
    model: str, functions: Sequence[str], values: Mapping[str, Any]
) -> None:
    """Gemini before 3 rejects function tools together with a JSON answer (400)."""
    json_answer = values.get("response_mime_type") == "application/json"
    if not functions or not (json_answer or values.get("response_schema")):
        return
    if profile_for(model).family.startswith(("gemini-1", "gemini-2")):
        msg = (
            f"{model} cannot combine function tools with a JSON response schema "
            "(Gemini answers 400 before Gemini 3). Use a Gemini 3 model, or ask for "
            "the structure as a tool call: ToolStrategy(Schema) in create_agent, "
            "method='function_calling' in with_structured_output."
        )
        raise InvalidInputError(msg)


def typed_kwargs(model: type[BaseModel], kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """Per-call options (normalised) checked, and coerced, by the type of the model's
    field of that name, as its constructor checks them (ranges: `_check_ranges`)."""
    out = dict(kwargs)
    for name, value in kwargs.items():
        if value is not None and (check := _field_check(model, name)) is not None:
            try:
                out[name] = check.validate_python(value)
            except ValidationError as exc:
                error = max(exc.errors(include_url=False), key=lambda e: len(e["loc"]))
                at = "".join(f"[{i}]" for i in error["loc"] if isinstance(i, int))
                msg = f"{name}{at}: {error['msg']} (got a {type(value).__name__})."
                raise InvalidInputError(msg) from None
    return out


@functools.cache
def _field_check(model: type[BaseModel], name: str) -> TypeAdapter[Any] | None:
    field, spec = model.model_fields.get(name), BY_NAME.get(name)
    if field is None or name not in CALL_OPTION_FIELDS | {"timeout"}:
        return None
    typed: Any = field.annotation  # with its checks (not the field: no alias warning)
    typed = Annotated[(typed, *field.metadata)] if field.metadata else typed
    return None if spec and spec.bounds else TypeAdapter(typed)


def resolve_call(
    fields: Mapping[str, Any],
    kwargs: Mapping[str, Any],
    transport: Transport,
) -> tuple[CallOptions, CallSettings]:
    """Merge model fields with (already normalised and typed) invoke kwargs, `stop`
    among them (a lone string is one sequence, as in ChatOpenAI), and validate."""
    values = {**fields, **{k: v for k, v in kwargs.items() if k in CALL_OPTION_FIELDS}}
    if not re.fullmatch(r"(?:models/)?[\w.@+-]+", model := str(values["model"])):
        msg = f"model {model!r} is no model id: no spaces, '/', ':' or '?' (e.g. "
        msg += "'gemini-2.5-flash'; catalog.list_models() lists them)."
        raise InvalidInputError(msg)
    if len(stops := as_tuple(values.get("stop") or ())) > _MAX_STOP_SEQUENCES:
        msg = f"Gemini accepts at most {_MAX_STOP_SEQUENCES} stop sequences, got "
        raise InvalidInputError(f"{msg}{len(stops)}.")
    _check_ranges(values)
    include, budget, level = _thinking(values, transport)
    tools = [convert_tool(t) for t in kwargs.get("tools") or ()]
    tools += [BuiltinTool(kind=k) for k in BUILTIN_FLAGS if values.get(k)]
    check_names(tools)
    names = [t.name for t in tools if isinstance(t, FunctionTool)]
    _check_tools_with_schema(model, names, values)
    parallel = kwargs.get("parallel_tool_calls")
    if parallel is not None and not isinstance(parallel, bool):
        msg = f"parallel_tool_calls must be True or False, got {parallel!r}."
        raise InvalidInputError(msg)
    if parallel is False and transport == "native":
        msg = (
            "parallel_tool_calls=False cannot be honoured on the native route: "
            "Gemini's API has no switch for parallel function calls (it may always "
            'make several). Use transport="openai", which sends it, or limit the '
            "calls in your agent (e.g. ToolCallLimitMiddleware)."
        )
        raise InvalidInputError(msg)
    options = CallOptions(
        model=model.removeprefix("models/"),  # Google's resource form, both routes
        **call_values(values),
        include_thoughts=include,
        thinking_budget=budget,
        thinking_level=level,
        tools=tuple(tools),
        tool_choice=convert_tool_choice(kwargs.get("tool_choice"), tools),
        parallel_tool_calls=parallel,
    )
    if transport == "openai":
        refuse_native_only(options)  # native-only features fail now, not on the wire
    retries = kwargs.get("max_retries", fields.get("max_retries", 2))
    if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
        msg = f"max_retries must be an integer >= 0, got {retries!r}."
        raise OutOfRangeError(msg)
    timeout = kwargs.get("timeout", fields.get("timeout"))
    return options, CallSettings(timeout, retries, bool(fields.get("retry_billable")))
