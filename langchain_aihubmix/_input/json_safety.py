"""Values bound for a request body, checked before sending: JSON types, finite
numbers, valid Unicode text and a bounded nesting depth."""

from __future__ import annotations

import math
import re
from typing import Any

from langchain_aihubmix._errors.base import InvalidInputError
from langchain_aihubmix._input.conversation import (
    CodePart,
    CodeResultPart,
    Conversation,
    MediaPart,
    ReasoningPart,
    TextPart,
    ToolCallPart,
    ToolResultPart,
)
from langchain_aihubmix._options.call_options import (
    BuiltinTool,
    CallOptions,
    FunctionTool,
)
from langchain_aihubmix._options.spec import OPTIONS

MAX_DEPTH = 100
"""Deepest nesting of objects and arrays accepted in one value (Google's JSON
parsers stop at 100 levels; deeper values also exhaust Python's recursion limit in
the SDKs' encoders)."""

_SURROGATE = re.compile("[\ud800-\udfff]")
_SCALARS = (str, bool, int, float, type(None))
_SHOWN_STEPS = 12


def as_text(value: object, where: str) -> str:
    """The text of a text block: a `str`, or `bytes` decoded as UTF-8; anything else (or
    bytes that are not UTF-8) raises `InvalidInputError` naming `where`.
    """
    if isinstance(value, str):
        return value
    if isinstance(value, (bytes, bytearray)):
        try:
            return bytes(value).decode("utf-8")
        except UnicodeDecodeError as exc:
            msg = f"{where}: text given as bytes is not valid UTF-8 ({exc.reason})"
            raise InvalidInputError(msg) from exc
    msg = f"{where}: text must be a str, got {type(value).__name__}"
    raise InvalidInputError(msg)


def check_text(text: str, where: str) -> None:
    """Reject text holding a lone surrogate (UTF-16 half), which has no UTF-8 form.

    Raises:
        InvalidInputError: naming `where` and the character's position.
    """
    if text.isascii():
        return
    found = _SURROGATE.search(text)
    if found is not None:
        msg = (
            f"{where}: the text holds a lone surrogate {found.group()!r} at "
            f"position {found.start()}, which cannot be encoded as UTF-8 "
            "(decode the source with errors='replace', or remove it)"
        )
        raise InvalidInputError(msg)


def check_json(value: object, where: str, path: tuple[Any, ...] = ()) -> None:
    """Reject a value that would not go on the wire as valid JSON (`InvalidInputError`
    naming `where` and the `path` inside it).

    Accepted: dicts with `str` keys, lists and tuples, `str`, `bool`, `int`, finite
    `float` and `None`, nested at most `MAX_DEPTH` deep. NaN and Infinity are refused
    (Python's encoders would write the bare tokens `NaN` / `Infinity`), as are sets,
    bytes and other objects.
    """
    if isinstance(value, str):
        check_text(value, _at(where, path))
    elif isinstance(value, float) and not math.isfinite(value):
        msg = f"{_at(where, path)}: {value!r} is not a JSON number"
        raise InvalidInputError(msg + " (NaN and Infinity cannot be sent)")
    elif isinstance(value, (dict, list, tuple)):
        if len(path) >= MAX_DEPTH:
            msg = f"{_at(where, path)}: nested deeper than {MAX_DEPTH} levels"
            raise InvalidInputError(msg + " of objects and arrays")
        pairs = value.items() if isinstance(value, dict) else enumerate(value)
        for key, child in pairs:
            if isinstance(value, dict):
                if not isinstance(key, str):
                    msg = f"{_at(where, path)}: object key {key!r} is not a string"
                    raise InvalidInputError(msg)
                check_text(key, _at(where, path))
            check_json(child, where, (*path, key))
    elif not isinstance(value, _SCALARS):
        msg = (
            f"{_at(where, path)}: a value of type {type(value).__name__} is not "
            "JSON-serialisable (use a list, dict, str, number, bool or None)"
        )
        raise InvalidInputError(msg)


def _at(where: str, path: tuple[Any, ...]) -> str:
    """`where` plus a JSONPath-like location (`$.a[0].b`) when inside the value."""
    if not path:
        return where
    steps = [f"[{p}]" if isinstance(p, int) else f".{p}" for p in path]
    if len(steps) > _SHOWN_STEPS:
        half = _SHOWN_STEPS // 2
        steps = [*steps[:half], f"...({len(path)} levels)...", *steps[-half:]]
    return f"{where} at ${''.join(steps)}"


def check_conversation(conv: Conversation) -> None:
    """Every text, tool argument and tool result of `conv` is sendable.

    Raises:
        InvalidInputError: naming the turn and part (tool calls by id and name).
    """
    for i, text in enumerate(conv.system):
        check_text(text, f"system message text {i}")
    for k, turn in enumerate(conv.turns):
        for j, part in enumerate(turn.parts):
            where = f"{turn.role} turn {k}, part {j}"
            if isinstance(part, (TextPart, ReasoningPart)):
                check_text(part.text, where)
            elif isinstance(part, ToolCallPart):
                check_json(
                    part.args, f"arguments of tool call {part.id!r} ({part.name})"
                )
            elif isinstance(part, ToolResultPart):
                check_json(part.content, f"result of tool call {part.call_id!r}")
            elif isinstance(part, CodePart):
                check_text(part.code, where)
            elif isinstance(part, CodeResultPart):
                check_text(part.output, where)
            elif isinstance(part, MediaPart) and part.uri is not None:
                check_text(part.uri, where)


def check_json_options(opts: CallOptions) -> None:
    """Tool schemas and every other option value are sendable (each declared option
    of `_options.spec`, so a new one is checked without being listed here).

    Raises:
        InvalidInputError: naming the option (tools by name).
    """
    for tool in opts.tools:
        if isinstance(tool, FunctionTool):
            check_text(tool.description, f"description of tool {tool.name!r}")
            check_json(tool.parameters, f"parameters schema of tool {tool.name!r}")
        elif isinstance(tool, BuiltinTool):
            check_json(tool.config, f"config of built-in tool {tool.kind!r}")
    for option in OPTIONS:
        if option.to_call is not None:
            check_json(getattr(opts, option.name), option.name)
