"""Per-call option resolution: model fields + invoke kwargs -> validated CallOptions.

Everything a user can get wrong in configuration is caught here, before any request
is sent: unknown kwargs, contradictory thinking settings, thinking turned off on a
model that cannot, malformed tools and tool choice.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, get_args

from langchain_core.utils.function_calling import convert_to_openai_tool
from langchain_core.utils.pydantic import is_basemodel_subclass
from pydantic.v1 import BaseModel as BaseModelV1

from langchain_aihubmix._errors.base import InvalidInputError
from langchain_aihubmix._options.call_options import (
    BuiltinKind,
    BuiltinTool,
    CallOptions,
    FunctionTool,
    ThinkingLevel,
    Tool,
    ToolChoice,
)
from langchain_aihubmix._options.spec import (
    ALIASES,
    BUILTIN_FLAGS,
    CALL_OPTION_FIELDS,
    OPTIONS,
    as_tuple,
    call_values,
)
from langchain_aihubmix.profiles import Transport, profile_for


class UnknownOptionError(InvalidInputError, TypeError):
    """A constructor field or invoke kwarg this model does not understand."""


class OutOfRangeError(InvalidInputError):
    """A sampling or length setting outside the range Gemini accepts."""


_CALL_ONLY: frozenset[str] = frozenset(
    {
        "tools",
        "tool_choice",
        "timeout",
        "max_retries",
        "ls_structured_output_format",
        "parallel_tool_calls",
        "response_format",
        "strict",
    }
)
_INTERNAL: frozenset[str] = frozenset({"ls_structured_output_format"})
"""Options LangChain itself binds: accepted, never suggested to a user."""

_FORMAT_KINDS: frozenset[str] = frozenset(
    {"object", "array", "string", "number", "integer", "boolean"}
)
"""`response_format["type"]` values that make it a bare JSON Schema."""

_EFFORT_BUDGETS: Mapping[str, int] = {
    "none": 0,
    "minimal": 512,
    "low": 1024,
    "medium": 8192,
    "high": 24576,
}
"""reasoning_effort -> thinking budget, for models that take budgets (Gemini 2.5)."""

_BUILTIN_KINDS: frozenset[str] = frozenset(get_args(BuiltinKind))
_TOOL_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.:-]{0,127}$")
_MAX_STOP_SEQUENCES = 5


@dataclass(frozen=True)
class CallSettings:
    """Per-call transport settings that are not part of the request body."""

    timeout: float | None
    max_retries: int


def did_you_mean(name: str, known: Sequence[str] | frozenset[str]) -> str:
    """` Did you mean 'x'?` for the nearest known name, or an empty string."""
    close = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.6)
    return f" Did you mean {close[0]!r}?" if close else ""


def normalise_kwargs(kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """Apply aliases, map `response_format`, reject unknown kwargs with a hint."""
    out: dict[str, Any] = {}
    for key, value in kwargs.items():
        name = ALIASES.get(key, key)
        if name not in CALL_OPTION_FIELDS and name not in _CALL_ONLY:
            public = (CALL_OPTION_FIELDS | _CALL_ONLY | set(ALIASES)) - _INTERNAL
            msg = (
                f"Unknown option {key!r} for ChatAiHubMixGemini."
                f"{did_you_mean(str(key), public)} "
                f"Known options: {', '.join(sorted(public))}."
            )
            raise UnknownOptionError(msg)
        out[name] = value
    out.pop("ls_structured_output_format", None)
    out.pop("strict", None)  # Gemini always holds its answer to the schema it gets
    if "response_format" in out:
        format_options = response_format_options(out.pop("response_format"))
        out = {**format_options, **out}  # explicit response_schema etc. win
    return out


def response_format_options(value: Any) -> dict[str, Any]:
    """An OpenAI-style `response_format` -> `response_mime_type` / `response_schema`.

    `create_agent(response_format=...)` binds `{"type": "json_schema", "json_schema":
    {"name", "schema", "strict"}}`; `{"type": "json_object"}`, `{"type": "text"}`,
    `None`, a Pydantic class, a TypedDict or a bare JSON Schema are accepted too.
    """
    if value is None:
        return {}
    kind = value.get("type") if isinstance(value, Mapping) else None
    if kind == "text":
        return {}
    if kind == "json_object":
        return {"response_mime_type": "application/json"}
    schema: Any = None
    if kind == "json_schema":
        spec = value.get("json_schema")
        schema = spec.get("schema") if isinstance(spec, Mapping) else None
        schema = dict(schema) if isinstance(schema, Mapping) else None
    elif isinstance(value, (Mapping, type)) and (kind is None or kind in _FORMAT_KINDS):
        from langchain_aihubmix.structured import json_schema_of

        try:
            schema = json_schema_of(value)
        except Exception as exc:
            msg = f"response_format: cannot build a JSON Schema from it ({exc})."
            raise InvalidInputError(msg) from exc
    if schema is not None:
        return {"response_mime_type": "application/json", "response_schema": schema}
    msg = (
        "response_format must be {'type': 'json_schema', 'json_schema': {'name': ..., "
        "'schema': {...}}}, {'type': 'json_object'}, {'type': 'text'}, or a schema "
        f"class; got {type(value).__name__} {str(value)[:80]!r}."
    )
    raise InvalidInputError(msg)


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
            "Set either thinking_budget or reasoning_effort (thinking_level), "
            "not both: "
            "Gemini rejects a request with both a thinking budget and a level."
        )
        raise InvalidInputError(msg)
    if effort is not None:
        effort = effort.lower()
        if effort not in _EFFORT_BUDGETS:
            msg = (
                f"reasoning_effort must be one of {sorted(_EFFORT_BUDGETS)}, "
                f"got {effort!r}."
            )
            raise InvalidInputError(msg)
    profile = profile_for(model)
    off = budget == 0 or effort == "none"
    if off and not profile.can_disable_thinking:
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
    if (
        effort != "none"
        and profile.thinking_levels
        and effort not in profile.thinking_levels
    ):
        msg = (
            f"reasoning_effort {effort!r} is not supported by {model}; "
            f"use one of {sorted(profile.thinking_levels)}."
        )
        raise InvalidInputError(msg)
    return include, None, effort  # type: ignore[return-value]


def _function_tool(spec: Mapping[str, Any]) -> FunctionTool:
    function = spec["function"]
    name = str(function.get("name", ""))
    if not _TOOL_NAME.match(name):
        msg = (
            f"Tool name {name!r} is not accepted by Gemini: use 1-128 letters, "
            "digits, '_', '.', ':' or '-', starting with a letter or '_'."
        )
        raise InvalidInputError(msg)
    params = function.get("parameters") or {"type": "object", "properties": {}}
    if not isinstance(params, Mapping) or params.get("type", "object") != "object":
        msg = f"Tool {name!r}: parameters must be a JSON Schema object, got {params!r}."
        raise InvalidInputError(msg)
    return FunctionTool(
        name=name,
        description=str(function.get("description", "")),
        parameters=dict(params),
    )


def convert_tool(tool: Any) -> Tool:
    """One user-supplied tool (any LangChain form, or a built-in tool dict) -> Tool."""
    if isinstance(tool, (FunctionTool, BuiltinTool)):
        return tool
    if isinstance(tool, Mapping) and len(tool) == 1:
        ((key, config),) = tool.items()
        if key in _BUILTIN_KINDS:
            if config is not None and not isinstance(config, Mapping):
                msg = f"Built-in tool {key!r} takes a dict of options, got {config!r}."
                raise InvalidInputError(msg)
            return BuiltinTool(kind=key, config=dict(config or {}))
    try:
        spec = convert_to_openai_tool(tool)
    except Exception as exc:
        msg = f"Cannot convert {tool!r} to a tool: {exc}"
        raise InvalidInputError(msg) from exc
    if isinstance(tool, type) and is_basemodel_subclass(tool):
        spec["function"]["parameters"] = _model_parameters(
            tool, spec["function"].get("parameters")
        )
    return _function_tool(spec)


def _model_parameters(model: type, inlined: Any) -> Any:
    """A Pydantic class's own schema when it has `$defs`, else core's inlined one.

    Core inlines `$ref`s, which cuts recursive models (`children: list[Node]`
    becomes `items: {}`); Gemini's `parametersJsonSchema` and the OpenAI route take
    `$ref` / `$defs`, so such schemas are sent as Pydantic wrote them.
    """
    raw: dict[str, Any] = (
        model.schema() if issubclass(model, BaseModelV1) else model.model_json_schema()  # type: ignore[attr-defined]
    )
    defs_key = "$defs" if "$defs" in raw else "definitions"
    defs = raw.get(defs_key)
    if not isinstance(defs, dict) or not defs:
        return inlined
    ref = raw.get("$ref")
    if isinstance(ref, str) and ref.startswith(f"#/{defs_key}/"):
        raw = {**defs[ref.rsplit("/", 1)[1]], defs_key: defs}  # root as an object
    return {k: v for k, v in raw.items() if k not in ("title", "description")}


def convert_tool_choice(choice: Any, tools: Sequence[Tool]) -> ToolChoice | None:
    """Any LangChain / OpenAI tool choice -> ToolChoice (None = not set)."""
    names = {t.name for t in tools if isinstance(t, FunctionTool)}
    if choice is None or choice == "auto":
        return None if choice is None else ToolChoice("auto")
    if choice in ("any", "required", True):
        return ToolChoice("any")
    if choice in ("none", False):
        return ToolChoice("none")
    name: Any = choice
    if isinstance(choice, Mapping):
        name = (choice.get("function") or {}).get("name") or choice.get("name")
    if isinstance(name, str) and name in names:
        return ToolChoice("any", (name,))
    msg = f"tool_choice {choice!r} names no bound tool (bound: {sorted(names)})."
    raise InvalidInputError(msg)


def _builtin_flags(values: Mapping[str, Any]) -> list[Tool]:
    return [BuiltinTool(kind=k) for k in BUILTIN_FLAGS if values.get(k)]


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


def resolve_call(
    fields: Mapping[str, Any],
    kwargs: Mapping[str, Any],
    stop: Sequence[str] | None,
    transport: Transport,
) -> tuple[CallOptions, CallSettings]:
    """Merge model fields with (already normalised) invoke kwargs and validate."""
    values = {**fields, **{k: v for k, v in kwargs.items() if k in CALL_OPTION_FIELDS}}
    if stop is not None:
        values["stop"] = list(stop)
    stops = None if values.get("stop") is None else as_tuple(values["stop"])
    if stops is not None and len(stops) > _MAX_STOP_SEQUENCES:
        msg = (
            f"Gemini accepts at most {_MAX_STOP_SEQUENCES} stop sequences, "
            f"got {len(stops)}."
        )
        raise InvalidInputError(msg)
    _check_ranges(values)
    include, budget, level = _thinking(values, transport)
    tools = [convert_tool(t) for t in kwargs.get("tools") or ()] + _builtin_flags(
        values
    )
    names = [t.name for t in tools if isinstance(t, FunctionTool)]
    if len(names) != len(set(names)):
        msg = f"Tool names must be unique, got {names}."
        raise InvalidInputError(msg)
    _check_tools_with_schema(str(values["model"]), names, values)
    options = CallOptions(
        model=str(values["model"]),
        **call_values(values),
        include_thoughts=include,
        thinking_budget=budget,
        thinking_level=level,
        tools=tuple(tools),
        tool_choice=convert_tool_choice(kwargs.get("tool_choice"), tools),
    )
    if transport == "openai":
        from langchain_aihubmix._options.native_only import check_options

        check_options(options)  # native-only features fail now, not on the wire
    settings = CallSettings(
        timeout=kwargs.get("timeout", fields.get("timeout")),
        max_retries=int(kwargs.get("max_retries", fields.get("max_retries", 2))),
    )
    return options, settings
