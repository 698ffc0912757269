"""Schema-valid example values from JSON Schema or Gemini's OpenAPI-subset schemas."""

from __future__ import annotations

import re
from typing import Any

_MAX_DEPTH = 8


def value_for(schema: object, hint: str = "", root: object = None) -> Any:
    """A deterministic value valid against `schema`.

    Handles `$ref`/`$defs`/`definitions`, `anyOf`/`oneOf`/`allOf`, `enum`/`const`,
    objects (required and optional properties), arrays (`minItems`), strings
    (`format`, `minLength`), numbers (`minimum`/`maximum`), nullable types, and
    UPPERCASE OpenAPI types. `hint` is free text (the user's prompt): a string
    property whose name appears in it as `name: value` / `name=value` / `name is
    value` takes that value.
    """
    return _value(schema, hint, root if root is not None else schema, "", 0)


def _value(schema: object, hint: str, root: object, name: str, depth: int) -> Any:
    if not isinstance(schema, dict) or depth > _MAX_DEPTH:
        return None if depth > _MAX_DEPTH else "value"
    if "$ref" in schema:
        return _value(_resolve(schema["$ref"], root), hint, root, name, depth + 1)
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return _pick_enum(schema["enum"], hint)
    for key in ("anyOf", "oneOf", "any_of"):
        options = schema.get(key)
        if isinstance(options, list) and options:
            non_null = [o for o in options if _type_of(o) != "null"] or options
            return _value(non_null[0], hint, root, name, depth + 1)
    if isinstance(schema.get("allOf"), list):
        merged: dict[str, Any] = {}
        for sub in schema["allOf"]:
            if isinstance(sub, dict):
                merged = _merge(merged, _deref(sub, root))
        return _value(merged, hint, root, name, depth + 1)
    kind = _type_of(schema)
    if kind == "object" or (kind is None and "properties" in schema):
        return _object(schema, hint, root, depth)
    if kind == "array":
        items = schema.get("items", {"type": "string"})
        least = schema.get("minItems", schema.get("min_items"))
        if least is None and depth >= 3:
            return []  # keep recursive schemas finite
        count = max(1, int(least or 1))
        return [_value(items, hint, root, name, depth + 1) for _ in range(count)]
    if kind == "integer":
        return int(_number(schema, _number_hint(name, hint, integer=True) or 1))
    if kind == "number":
        return float(_number(schema, _number_hint(name, hint, integer=False) or 1.5))
    if kind == "boolean":
        return True
    if kind == "null":
        return None
    return _string(schema, hint, name)


def _object(schema: dict[str, Any], hint: str, root: object, depth: int) -> Any:
    props = schema.get("properties") or {}
    out: dict[str, Any] = {}
    for key, sub in props.items():
        out[key] = _value(sub, hint, root, key, depth + 1)
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


def _pick_enum(options: list[Any], hint: str) -> Any:
    lowered = hint.lower()
    for option in options:
        if isinstance(option, str) and option and option.lower() in lowered:
            return option
    return options[0]


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


def _string(schema: dict[str, Any], hint: str, name: str) -> str:
    if "as JSON text" in str(schema.get("description", "")):
        return "{}"  # a value the schema asks for as JSON text (this package's /v1)
    fmt = schema.get("format")
    if isinstance(fmt, str) and fmt in _FORMATS:
        return _FORMATS[fmt]
    value = _from_hint(name, hint) or _quoted_name(name, hint) or (name or "value")
    min_len = schema.get("minLength", schema.get("min_length"))
    if isinstance(min_len, int) and len(value) < min_len:
        value = value.ljust(min_len, "x")
    max_len = schema.get("maxLength", schema.get("max_length"))
    if isinstance(max_len, int) and max_len >= 0:
        value = value[:max_len]
    return value


def _from_hint(name: str, hint: str) -> str | None:
    if not name or not hint:
        return None
    pattern = rf"\b{re.escape(name)}\b\s*(?:=|:|is)?\s*['\"]?([\w.@/-]+)"
    match = re.search(pattern, hint, flags=re.IGNORECASE)
    return match.group(1) if match else None


_NUMBER = r"-?\d+(?:\.\d+)?"


def _number_hint(name: str, hint: str, *, integer: bool) -> float | None:
    """A number for property `name`: `name: 3` / `name=3`, else `f(3)` in the hint."""
    if not hint:
        return None
    match = None
    if name:
        match = re.search(
            rf"\b{re.escape(name)}\b\s*(?:=|:|is)?\s*({_NUMBER})", hint, re.IGNORECASE
        )
    match = match or re.search(rf"\w\(\s*({_NUMBER})\s*\)", hint)
    if not match:
        return None
    value = float(match.group(1))
    if integer and not value.is_integer():
        return None
    return value


def _quoted_name(name: str, hint: str) -> str | None:
    """For a `...name` property: the quoted text after "named" / "called"."""
    if not name.lower().endswith("name") or not hint:
        return None
    match = re.search(
        r"\b(?:named|called)\s+['\"“‘]([^'\"”’]+)['\"”’]",
        hint,
        re.IGNORECASE,
    )
    return match.group(1) if match else None


def keys_from_prompt(hint: str) -> list[str]:
    """Quoted keys a prompt asks a JSON answer to have ("with 'a' and 'b' keys")."""
    if "key" not in hint.lower():
        return []
    return re.findall(r"['\"`]([A-Za-z_]\w*)['\"`]", hint)
