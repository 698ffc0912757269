"""User tools and tool choices (any LangChain / OpenAI form) -> Tool, ToolChoice."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, get_args

from langchain_core.utils.function_calling import convert_to_openai_tool
from langchain_core.utils.pydantic import is_basemodel_subclass
from pydantic.v1 import BaseModel as BaseModelV1

from langchain_aihubmix._errors.base import InvalidInputError
from langchain_aihubmix._options.call_options import (
    BuiltinKind,
    BuiltinTool,
    FunctionTool,
    Tool,
    ToolChoice,
)

__all__ = ["convert_tool", "convert_tool_choice"]

_BUILTIN_KINDS: frozenset[str] = frozenset(get_args(BuiltinKind))
_TOOL_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.:-]{0,127}$")


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
