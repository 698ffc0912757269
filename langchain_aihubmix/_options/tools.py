"""User tools and tool choices (any LangChain / OpenAI form) -> Tool, ToolChoice."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, get_args

from langchain_core.tools import BaseTool
from langchain_core.utils.function_calling import convert_to_openai_tool
from langchain_core.utils.pydantic import is_basemodel_subclass

from langchain_aihubmix._errors.base import InvalidInputError
from langchain_aihubmix._options.call_options import (
    BuiltinKind,
    BuiltinTool,
    FunctionTool,
    Tool,
    ToolChoice,
)
from langchain_aihubmix._options.schema import model_schema

__all__ = ["convert_tool", "convert_tool_choice"]

_BUILTIN_KINDS: frozenset[str] = frozenset(get_args(BuiltinKind))


def _function_tool(spec: Mapping[str, Any]) -> FunctionTool:
    function = spec["function"]
    name = str(function.get("name", ""))
    if not name:
        raise InvalidInputError(f"A function tool needs a name: {spec!r}.")
    params = function.get("parameters") or {"type": "object", "properties": {}}
    kind = params.get("type", "object") if isinstance(params, Mapping) else None
    if kind not in ("object", "dict"):  # "dict": BFCL's spelling
        msg = f"Tool {name!r}: parameters must be a JSON Schema object, got {params!r}."
        raise InvalidInputError(msg)
    return FunctionTool(name, str(function.get("description", "")), dict(params))


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
    own = tool.tool_call_schema if isinstance(tool, BaseTool) else tool
    if isinstance(own, type) and is_basemodel_subclass(own):
        own = model_schema(own)
    raw = isinstance(tool, dict) and not {"name", "toolSpec", "function"} & {*tool}
    if isinstance(own, dict) and (raw or own is not tool):
        # The tool's own schema: core's inlines `$ref`s and cuts recursion (and drops
        # a raw JSON Schema's root that has no `properties`, e.g. a root `$ref`).
        skip = ("title", "description")
        spec["function"]["parameters"] = {k: v for k, v in own.items() if k not in skip}
    return _function_tool(spec)


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
