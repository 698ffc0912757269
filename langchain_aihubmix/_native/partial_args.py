"""Streamed function-call arguments (Vertex `partialArgs`) assembled into a dict."""

from __future__ import annotations

import itertools
import re
from typing import Any

from google.genai import types

from langchain_aihubmix._errors.base import MalformedResponseError

_STEP = re.compile(
    r"""\.(?P<name>[^.\[\]'"]+)"""
    r"""|\[(?P<index>\d+)\]"""
    r"""|\['(?P<single>(?:[^'\\]|\\.)*)'\]"""
    r"""|\["(?P<double>(?:[^"\\]|\\.)*)"\]"""
)
"""One RFC 9535 path step: `.name`, `[3]`, `['name']` or `["name"]`."""

_ESCAPE = re.compile(r"\\(.)")

_MISSING = object()


def path_steps(path: str) -> list[str | int]:
    """`$.a[0]['b c']` -> `["a", 0, "b c"]`; anything else raises.

    Raises:
        MalformedResponseError: The path is not a normalized singular JSON path
            (RFC 9535: the root `$` followed by names and indices), or is `$` alone.
    """
    if not path.startswith("$"):
        raise _bad(path, "it does not start at the root `$`")
    steps: list[str | int] = []
    position = 1
    while position < len(path):
        match = _STEP.match(path, position)
        if match is None:
            raise _bad(path, f"cannot read the step at character {position}")
        if match["index"] is not None:
            steps.append(int(match["index"]))
        else:
            quoted = match["single"] if match["single"] is not None else match["double"]
            steps.append(
                match["name"] if quoted is None else _ESCAPE.sub(r"\1", quoted)
            )
        position = match.end()
    if not steps:
        raise _bad(path, "it names the whole argument object, not one argument")
    return steps


def apply_partial_arg(args: dict[str, Any], arg: types.PartialArg) -> None:
    """Apply one streamed argument piece to the arguments assembled so far.

    A string piece is appended to the string at its path (Vertex streams a long
    string in pieces); a number, boolean or null is set there. Containers on the way
    are created as the path says (an object for a name, an array for an index, which
    may only be an existing element or the next one). A piece without a value changes
    nothing. Anything else (an unreadable path, a skipped index, a step through or a
    value onto one of another kind) raises `MalformedResponseError`: the arguments
    would be corrupted.
    """
    value = _value(arg)
    if value is _MISSING:
        return
    path = arg.json_path or "$"
    steps = path_steps(path)
    node: Any = args
    for step, after in itertools.pairwise(steps):
        node = _child(node, step, [] if isinstance(after, int) else {}, path)
    _assign(node, steps[-1], value, path)


def _value(arg: types.PartialArg) -> Any:
    if arg.string_value is not None:
        return arg.string_value
    if arg.number_value is not None:
        number = arg.number_value
        # JSON has one number type; the SDK parses every number as a float.
        return int(number) if number.is_integer() else number
    if arg.bool_value is not None:
        return arg.bool_value
    if arg.null_value is not None:
        return None
    return _MISSING


def _slot(node: Any, step: str | int, path: str) -> Any:
    """What is at `step` in `node` (`_MISSING` if nothing yet); checks the kinds."""
    if isinstance(step, int):
        if not isinstance(node, list):
            raise _bad(path, f"index [{step}] applied to {_kind(node)}")
        if step > len(node):
            raise _bad(path, f"index [{step}] skips elements (array has {len(node)})")
        return node[step] if step < len(node) else _MISSING
    if not isinstance(node, dict):
        raise _bad(path, f"name {step!r} applied to {_kind(node)}")
    return node.get(step, _MISSING)


def _put(node: Any, step: str | int, value: Any) -> None:
    if isinstance(step, int) and step == len(node):
        node.append(value)
    else:
        node[step] = value


def _child(node: Any, step: str | int, empty: Any, path: str) -> Any:
    current = _slot(node, step, path)
    if current is _MISSING:
        _put(node, step, empty)
        return empty
    if type(current) is not type(empty):
        raise _bad(path, f"step {step!r} holds {_kind(current)}, not {_kind(empty)}")
    return current


def _assign(node: Any, step: str | int, value: Any, path: str) -> None:
    current = _slot(node, step, path)
    if current is _MISSING:
        _put(node, step, value)
    elif isinstance(current, str) and isinstance(value, str):
        _put(node, step, current + value)
    else:
        raise _bad(path, f"{_kind(value)} would overwrite {_kind(current)}")


_KINDS = {dict: "an object", list: "an array", str: "a string", type(None): "null"}


def _kind(value: Any) -> str:
    return _KINDS.get(type(value)) or f"a {type(value).__name__}"


def _bad(path: str, reason: str) -> MalformedResponseError:
    return MalformedResponseError(
        f"Cannot apply streamed function-call argument at jsonPath {path!r}: "
        f"{reason}. The call's arguments would be corrupted, so the reply is not "
        "returned."
    )
