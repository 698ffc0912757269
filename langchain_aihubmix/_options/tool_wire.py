"""Function tools as a route sends them (Gemini-valid names, each route's schema
form), and tool calls mapped back to the user's names and argument types."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
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
from langchain_aihubmix._options.gemini_schema import Decoder, convert, restore

_VALID = re.compile(r"[A-Za-z_][A-Za-z0-9_.:-]{0,63}")
_Message = TypeVar("_Message", AIMessage, AIMessageChunk)


def wire_name(name: str) -> str:
    """Other characters become `_`; a name not starting with a letter or `_` gets a
    leading `_`; one over 64 characters keeps 55, then `_` and 8 hex of its SHA-256."""
    if _VALID.fullmatch(name):
        return name
    fixed = re.sub(r"[^A-Za-z0-9_.:-]", "_", name)
    fixed = fixed if re.match("[A-Za-z_]", fixed) else "_" + fixed
    digest = hashlib.sha256(name.encode()).hexdigest()[:8]
    return fixed if len(fixed) <= 64 else f"{fixed[:55]}_{digest}"


def check_names(tools: Sequence[Tool], *, repeats: bool = False) -> None:
    """`InvalidInputError` for a nameless tool or two tools under one wire name
    (`repeats`: the same name twice is fine, as `bind_tools` allows it)."""
    seen: dict[str, str] = {}
    for tool in tools:
        if isinstance(tool, FunctionTool):
            wire = wire_name(tool.name)
            if tool.name and (
                wire not in seen or (repeats and seen[wire] == tool.name)
            ):
                seen[wire] = tool.name
                continue
            msg = (
                f"Tools {seen.get(wire)!r} and {tool.name!r} would both be sent to "
                f"Gemini as {wire!r} (names are cut to 64 characters from A-Z a-z "
                "0-9 _ . : -); rename one."
                if tool.name
                else "A function tool needs a name."
            )
            raise InvalidInputError(msg)


@dataclass(frozen=True)
class WireTools:
    """The way back: Gemini's names -> the user's, and `/v1` argument decoders."""

    names: dict[str, str]
    decoders: dict[str, Decoder]

    def restore(self, message: _Message) -> _Message:
        """`message` with its tool calls under the user's names and types."""
        if not self.names or not (message.tool_calls or message.invalid_tool_calls):
            return message
        if isinstance(message, AIMessageChunk):
            chunks = [
                {**c, "name": self.names.get(c["name"] or "", c["name"])}
                | {"args": self._text(c["name"], c["args"])}
                for c in message.tool_call_chunks
            ]
            rebuilt = AIMessageChunk(content="", tool_call_chunks=chunks)  # type: ignore[arg-type]
            fields = ("tool_call_chunks", "tool_calls", "invalid_tool_calls")
            return message.model_copy(update={f: getattr(rebuilt, f) for f in fields})
        calls = [
            {**c, "name": self.names.get(c["name"], c["name"])}
            | {"args": restore(c["args"], self.decoders.get(c["name"]))}
            for c in message.tool_calls
        ]
        bad = [
            {**c, "name": self.names.get(c["name"] or "", c["name"])}
            for c in message.invalid_tool_calls
        ]
        return message.model_copy(
            update={"tool_calls": calls, "invalid_tool_calls": bad}
        )

    def _text(self, name: str | None, text: str | None) -> str | None:
        if not (decoder := self.decoders.get(name or "")):
            return text
        try:
            return json.dumps(restore(json.loads(text or ""), decoder))
        except ValueError:
            return text


def to_wire(
    conv: Conversation, opts: CallOptions, transport: str
) -> tuple[Conversation, CallOptions, WireTools]:
    """The call as its route sends it, and the way back (pure)."""
    openai = transport == "openai"
    back = WireTools({}, {})
    tools: list[Tool] = []
    for tool in opts.tools:
        if isinstance(tool, FunctionTool):
            name = wire_name(tool.name)
            back.names[name] = tool.name
            params, decoder = convert(tool.parameters, openapi=openai)
            back.decoders.update({name: decoder} if decoder else {})
            # Gemini's `Schema` refuses an object without properties: none sent.
            params = params if params.get("properties") or not openai else {}
            tool = replace(tool, name=name, parameters=params)  # noqa: PLW2901
        tools.append(tool)
    schema = opts.response_schema
    if schema is not None:  # (the title names a /v1 `json_schema`: kept for it)
        title = {"title": schema["title"]} if openai and "title" in schema else {}
        schema = title | convert(schema, openapi=openai, string_enums=False)[0]
    choice = opts.tool_choice
    if choice is not None:
        choice = replace(choice, allowed=tuple(map(wire_name, choice.allowed)))
    opts = replace(opts, tools=tuple(tools), tool_choice=choice, response_schema=schema)
    turns = [
        Turn(turn.role, [_renamed(p) for p in turn.parts])
        if any(_renamed(p) is not p for p in turn.parts)
        else turn
        for turn in conv.turns
    ]
    return replace(conv, turns=turns), opts, back


def _renamed(part: Any) -> Any:
    if isinstance(part, (ToolCallPart, ToolResultPart)) and not _VALID.fullmatch(
        part.name
    ):
        return replace(part, name=wire_name(part.name))
    return part
