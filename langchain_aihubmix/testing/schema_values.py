"""Schema-valid example values from JSON Schema or Gemini's OpenAPI-subset schemas."""

from __future__ import annotations

import json
import re
from typing import Any

from langchain_aihubmix.testing.hints import Hints

_MAX_DEPTH = 8
"""How deep references are followed (a recursive schema's value stays finite)."""
_MAX_NESTING = 64  # an inlined schema is finite: this only bounds a hostile one


def value_for(schema: object, hint: str = "", root: object = None) -> Any:
    """A deterministic value valid against `schema`, with values from the prompt.

    Handles `$ref`/`$defs`/`definitions`, `anyOf`/`oneOf`/`allOf`, `enum`/`const`,
    objects (required and optional properties), arrays (`minItems`), tuples
    (`prefixItems`), strings (`format`, `minLength`), numbers (`minimum`/`maximum`),
    nullable types, and UPPERCASE OpenAPI types. `hint` is free text (the user's
    prompt), read by `Hints`: a property given as `name: value` takes that value,
    other strings take the prompt's quoted text and proper names in order, numbers
    its numbers in order, enums the option the prompt names; else a placeholder (the
    property name, 1, 1.5).
    """
    hints = Hints(hint, frozenset(_property_names(schema)))
    return _value(schema, hints, root if root is not None else schema, "", 0)


def _property_names(schema: object, depth: int = 0) -> set[str]:
    """Every property name declared anywhere in `schema` (a few levels deep)."""
    if depth > _MAX_DEPTH:
        return set()
    if isinstance(schema, list):
        return set().union(*(_property_names(s, depth + 1) for s in schema))
    if not isinstance(schema, dict):
        return set()
    props = schema.get("properties")
    names = set(props) if isinstance(props, dict) else set()
    return names.union(*(_property_names(v, depth + 1) for v in schema.values()))


def _value(schema: object, hints: Hints, root: object, name: str, depth: int) -> Any:
    if not isinstance(schema, dict) or depth > _MAX_NESTING:
        return None if depth > _MAX_NESTING else "value"
    if "$ref" in schema and depth > _MAX_DEPTH:
        return None
    if "$ref" in schema:
        return _value(_resolve(schema["$ref"], root), hints, root, name, depth + 1)
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return hints.option(list(schema["enum"]))
    for key in ("anyOf", "oneOf", "any_of"):
        options = schema.get(key)
        if isinstance(options, list) and options:
            non_null = [o for o in options if _type_of(o) != "null"] or options
            return _value(non_null[0], hints, root, name, depth + 1)
    if isinstance(schema.get("allOf"), list):
        merged: dict[str, Any] = {}
        for sub in schema["allOf"]:
            if isinstance(sub, dict):
                merged = _merge(merged, _deref(sub, root))
        return _value(merged, hints, root, name, depth + 1)
    kind = _type_of(schema)
    if kind == "object" or (kind is None and "properties" in schema):
        return _object(schema, hints, root, depth)
    if kind == "array" and isinstance(schema.get("prefixItems"), list):  # a tuple
        return [_value(s, hints, root, name, depth + 1) for s in schema["prefixItems"]]
    if kind == "array":
        items = schema.get("items", {"type": "string"})
        least = schema.get("minItems", schema.get("min_items"))
        if least is None and depth >= 3 and isinstance(items, dict) and "$ref" in items:
            return []  # keep recursive schemas finite (an inlined one is cut)
        count = min(max(1, int(least or 1)), schema.get("maxItems", 1 << 30))
        return [_value(items, hints, root, name, depth + 1) for _ in range(count)]
    if kind in ("integer", "number"):
        integer = kind == "integer"
        found = hints.number(name, integer=integer)
        value = _number(schema, (1 if integer else 1.5) if found is None else found)
        return int(value) if integer else float(value)
    if kind == "boolean":
        return True
    if kind == "null":
        return None
    if "as JSON text" in str(schema.get("description", "")):
        # a value this package's /v1 asks for as JSON text: the map the described
        # `additionalProperties` allows (any value when none is described)
        said = _said(str(schema["description"]), "additionalProperties: ")
        return json.dumps(_object({"additionalProperties": said}, hints, root, depth))
    return _string(schema, hints, name)


def _said(text: str, keyword: str) -> Any:
    """The JSON value a description gives after `keyword`, else True."""
    at = text.find(keyword)
    try:
        return (
            json.JSONDecoder().raw_decode(text, at + len(keyword))[0]
            if at >= 0
            else True
        )
    except ValueError:
        return True


def _object(schema: dict[str, Any], hints: Hints, root: object, depth: int) -> Any:
    props = schema.get("properties") or {}
    extra = schema.get("additionalProperties")
    if not props and extra not in (None, False):  # a map: the prompt's free keys
        sub = extra if isinstance(extra, dict) else {}
        return {k: _value(sub, hints, root, k, depth + 1) for k in hints.free}
    out: dict[str, Any] = {}
    for key, sub in props.items():
        out[key] = _value(sub, hints, root, key, depth + 1)
    for key in schema.get("required") or []:
        out.setdefault(key, "value")
    return out


def _type_of(schema: object) -> str | None:
    if not isinstance(schema, dict):
        return None
    kind = schema.get("type")
    if isinstance(kind, list):
        non_null = [k for k in kind if str(k).lower() != "null"]
        kind = non_null[0] if non_null else "null"
    return str(kind).lower() if kind else None


def _resolve(ref: object, root: object) -> object:
    if not isinstance(ref, str) or not ref.startswith("#"):
        return {}
    node: object = root
    for token in ref.lstrip("#").strip("/").split("/"):
        if not token:
            continue
        if not isinstance(node, dict):
            return {}
        node = node.get(token.replace("~1", "/").replace("~0", "~"), {})
    return node


def _deref(schema: dict[str, Any], root: object) -> dict[str, Any]:
    target = _resolve(schema["$ref"], root) if "$ref" in schema else schema
    return target if isinstance(target, dict) else {}


def _merge(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    out = {**a, **b}
    out["properties"] = {**(a.get("properties") or {}), **(b.get("properties") or {})}
    out["required"] = [*(a.get("required") or []), *(b.get("required") or [])]
    out.setdefault("type", "object")
    return out


def _number(schema: dict[str, Any], default: float) -> float:
    low = schema.get("minimum", schema.get("exclusiveMinimum"))
    high = schema.get("maximum", schema.get("exclusiveMaximum"))
    value = default
    if isinstance(low, (int, float)):
        value = max(value, low + (1 if "exclusiveMinimum" in schema else 0))
    if isinstance(high, (int, float)):
        value = min(value, high - (1 if "exclusiveMaximum" in schema else 0))
    return value


_FORMATS = {
    "date": "2025-01-01",
    "date-time": "2025-01-01T00:00:00Z",
    "time": "12:00:00",
    "email": "user@example.com",
    "uri": "https://example.com",
    "url": "https://example.com",
    "uuid": "00000000-0000-4000-8000-000000000000",
}


def _string(schema: dict[str, Any], hints: Hints, name: str) -> str:
    fmt = schema.get("format")
    if isinstance(fmt, str) and fmt in _FORMATS:
        return _FORMATS[fmt]
    value = hints.string(name) or name or "value"
    min_len = schema.get("minLength", schema.get("min_length"))
    if isinstance(min_len, int) and len(value) < min_len:
        value = value.ljust(min_len, "x")
    max_len = schema.get("maxLength", schema.get("max_length"))
    if isinstance(max_len, int) and max_len >= 0:
        value = value[:max_len]
    return value


def keys_from_prompt(hint: str) -> list[str]:
    """Quoted keys a prompt asks a JSON answer to have ("with 'a' and 'b' keys")."""
    if "key" not in hint.lower():
        return []
    return re.findall(r"['\"`]([A-Za-z_]\w*)['\"`]", hint)
