"""Function tools as each route sends them (names, schemas), and calls mapped back.

Gemini takes function names of at most 64 characters from `[A-Za-z0-9_.:-]`,
starting with a letter or `_`; MCP and other tools often have longer names or other
characters. `wire_name` maps any name to a valid one (the same one every time);
`to_wire` sends the call's tools, tool choice, response schema and history under
those names, with each schema in its route's form (`gemini_schema`), and returns a
`WireTools` that gives every tool call back its user's name and, on `/v1`, its
arguments in the schema's own types.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from langchain_core.messages import AIMessage, AIMessageChunk

from langchain_aihubmix._errors.base import InvalidInputError
from langchain_aihubmix._input.conversation import (
    Conversation,
    ToolCallPart,
    ToolResultPart,
    Turn,
)
from langchain_aihubmix._options.call_options import CallOptions, FunctionTool, Tool
from langchain_aihubmix._options.gemini_schema import (
    Decoder,
    restore,
    to_json_schema,
    to_openapi_schema,
)

__all__ = ["WireTools", "check_names", "to_wire", "wire_name"]

_VALID = re.compile(r"[A-Za-z_][A-Za-z0-9_.:-]{0,63}")
_INVALID_CHAR = re.compile(r"[^A-Za-z0-9_.:-]")
_Message = TypeVar("_Message", AIMessage, AIMessageChunk)


def wire_name(name: str) -> str:
    """`name` as Gemini takes it: other characters become `_`, a name that does not
    start with a letter or `_` gets a leading `_`, and one over 64 characters keeps
    its first 55 and ends with `_` and 8 hex digits of its SHA-256."""
    if _VALID.fullmatch(name):
        return name
    fixed = _INVALID_CHAR.sub("_", name)
    fixed = fixed if fixed[:1].isalpha() or fixed[:1] == "_" else "_" + fixed
    if len(fixed) <= 64:
        return fixed
    return fixed[:55] + "_" + hashlib.sha256(name.encode()).hexdigest()[:8]


def check_names(tools: list[Tool] | tuple[Tool, ...]) -> None:
    """Raise `InvalidInputError` when a name is empty or two tools share a wire name."""
    seen: dict[str, str] = {}
    for tool in tools:
        if not isinstance(tool, FunctionTool):
            continue
        if not tool.name:
            raise InvalidInputError("A function tool needs a name.")
        wire = wire_name(tool.name)
        if wire in seen:
            msg = (
                f"Tool names must be unique: {tool.name!r} twice."
                if seen[wire] == tool.name
                else f"Tools {seen[wire]!r} and {tool.name!r} would both be sent to "
                f"Gemini as {wire!r} (at most 64 characters from A-Z a-z 0-9 _ . : -,"
                " starting with a letter or _); rename one of them."
            )
            raise InvalidInputError(msg)
        seen[wire] = tool.name


@dataclass(frozen=True)
class WireTools:
    """The way back from the wire: Gemini's names -> the user's, `/v1` decoders."""

    names: dict[str, str] = field(default_factory=dict)
    decoders: dict[str, Decoder] = field(default_factory=dict)

    def restore(self, message: _Message) -> _Message:
        """`message` with its tool calls under the user's names and argument types."""
        if not self.names or not (
            message.tool_call_chunks
            if isinstance(message, AIMessageChunk)
            else message.tool_calls or message.invalid_tool_calls
        ):
            return message
        if isinstance(message, AIMessageChunk):
            chunks = [
                {**c, "name": self._name(c["name"]), "args": self._text(c)}
                for c in message.tool_call_chunks
            ]
            derived = AIMessageChunk(content="", tool_call_chunks=chunks)  # type: ignore[arg-type]
            update = {
                "tool_call_chunks": chunks,
                "tool_calls": derived.tool_calls,
                "invalid_tool_calls": derived.invalid_tool_calls,
            }
            return message.model_copy(update=update)
        calls = [
            {
                **c,
                "name": self._name(c["name"]),
                "args": self._args(c["name"], c["args"]),
            }
            for c in message.tool_calls
        ]
        invalid = [
            {**c, "name": self._name(c["name"])} for c in message.invalid_tool_calls
        ]
        return message.model_copy(
            update={"tool_calls": calls, "invalid_tool_calls": invalid}
        )

    def _name(self, name: str | None) -> str | None:
        return self.names.get(name, name) if name is not None else None

    def _args(self, name: str, args: Any) -> Any:
        return restore(args, self.decoders.get(name))

    def _text(self, chunk: Any) -> Any:
        decoder, text = self.decoders.get(chunk["name"]), chunk["args"]
        if not decoder or not text:
            return text
        try:
            args = json.loads(text)
        except ValueError:
            return text
        return json.dumps(restore(args, decoder), ensure_ascii=False)


def to_wire(
    conv: Conversation, opts: CallOptions, transport: str
) -> tuple[Conversation, CallOptions, WireTools]:
    """The call as its route sends it, and the way back (pure)."""
    openai = transport == "openai"
    names: dict[str, str] = {}
    decoders: dict[str, Decoder] = {}
    tools: list[Tool] = []
    for tool in opts.tools:
        if isinstance(tool, FunctionTool):
            name = wire_name(tool.name)
            names[name] = tool.name
            if openai:
                params, decoder = to_openapi_schema(tool.parameters)
                params = params if params.get("properties") else {}
                decoders |= {name: decoder} if decoder else {}
            else:
                params = to_json_schema(tool.parameters)
            tools.append(replace(tool, name=name, parameters=params))
        else:
            tools.append(tool)
    schema = opts.response_schema
    if schema is not None:
        schema = (
            to_openapi_schema(schema, string_enums=False)[0]
            if openai
            else to_json_schema(schema)
        )
    choice = opts.tool_choice
    if choice is not None and choice.allowed:
        choice = replace(choice, allowed=tuple(wire_name(n) for n in choice.allowed))
    opts = replace(opts, tools=tuple(tools), tool_choice=choice, response_schema=schema)
    return _renamed(conv), opts, WireTools(names, decoders)


def _renamed(conv: Conversation) -> Conversation:
    """`conv` with every tool call and result under its wire name."""
    turns = []
    for turn in conv.turns:
        parts = [
            replace(p, name=wire_name(p.name))
            if isinstance(p, (ToolCallPart, ToolResultPart))
            and not _VALID.fullmatch(p.name)
            else p
            for p in turn.parts
        ]
        changed = any(a is not b for a, b in zip(parts, turn.parts, strict=True))
        turns.append(Turn(turn.role, parts) if changed else turn)
    return replace(conv, turns=turns)
