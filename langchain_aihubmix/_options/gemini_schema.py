"""JSON Schema -> Gemini's `parametersJsonSchema` (native) or OpenAPI `Schema` (/v1).

Both forms inline every local `$ref` (`$defs`, draft-07 `definitions`, JSON
pointers), so none of Gemini's reference limits apply; a recursion is unrolled
`UNROLL` levels and then cut, the cut said in the description (Gemini itself
unrolls recursion to a limited depth). `to_openapi_schema` gives the conservative
subset Gemini's `Schema` takes (the `/v1` converter copies schemas there), valid
JSON Schema too: one `type` plus `nullable`, string enums, `anyOf` for `oneOf` /
type lists, `allOf` merged, `const` as an enum. A constraint a form cannot hold is
written into the description; only annotations (`$schema`, `$id`, `title` on /v1,
...) are left out. On `/v1` what `Schema` cannot describe (a free-form object, an
untyped value, array items without a schema) is asked for as JSON text and
non-string tool enums as strings; `restore` turns such values back with the
returned `Decoder`.
"""

from __future__ import annotations

import json
from typing import Any

from langchain_aihubmix._errors.base import InvalidInputError

__all__ = ["UNROLL", "Decoder", "restore", "to_json_schema", "to_openapi_schema"]

Decoder = dict[str, Any]
"""`{"json": True}`, `{"enum": {text: value}}`, or per `properties`/`items`/`anyOf`."""
UNROLL = 3
"""Levels of a recursive schema described (the outermost included) before the cut."""


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_KEEP = {  # the keywords each form keeps; others are described
    False: _words(
        "type format title description enum items prefixItems minItems maxItems "
        "minimum maximum anyOf properties additionalProperties required "
        "propertyOrdering"
    ),
    True: _words(
        "type format description nullable enum items minItems maxItems properties "
        "required anyOf minimum maximum minLength maxLength pattern minProperties "
        "maxProperties propertyOrdering"
    ),
}
_ANNOTATIONS = _words("$schema $id $anchor $comment title readOnly writeOnly")
_FORMATS = {"string": {"date-time", "enum"}, "integer": {"int32", "int64"}}
_FORMATS["number"] = {"float", "double"}
_ALIASES = {"dict": "object", "float": "number", "tuple": "array"}  # BFCL's names
_JSON_TEXT = "a JSON value, written as JSON text"
_VALUES = ("enum", "const", "default", "examples", "example", "required")


def to_json_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """The native form (`parametersJsonSchema`, `responseJsonSchema`)."""
    converter = _Converter(schema, openapi=False)
    return converter.node(converter.inline(schema))[0]


def to_openapi_schema(
    schema: dict[str, Any], *, string_enums: bool = True
) -> tuple[dict[str, Any], Decoder | None]:
    """The `/v1` form and its decoder; `string_enums=False` (response schemas) keeps
    a non-string enum's type and writes its values into the description."""
    converter = _Converter(schema, openapi=True, string_enums=string_enums)
    return converter.node(converter.inline(schema))


def restore(value: Any, decoder: Decoder | None) -> Any:
    """A `/v1` value in the user's schema's own types."""
    if not decoder:
        return value
    if isinstance(value, str) and decoder.get("json"):
        try:
            return json.loads(value)
        except ValueError:
            return value
    if isinstance(value, str) and value in decoder.get("enum", ()):
        return decoder["enum"][value]
    if isinstance(value, dict) and (props := decoder.get("properties")):
        return {k: restore(v, props.get(k)) for k, v in value.items()}
    if isinstance(value, list) and decoder.get("items"):
        return [restore(v, decoder["items"]) for v in value]
    for option in decoder.get("anyOf", ()):
        if (restored := restore(value, option)) is not value:
            return restored
    return value


class _Converter:
    """One schema's conversion: references inlined, then each node for its form."""

    def __init__(
        self, root: dict[str, Any], *, openapi: bool = False, string_enums: bool = True
    ) -> None:
        self.root, self.openapi, self.string_enums = root, openapi, string_enums
        self.nodes = 0

    def _target(self, ref: Any) -> Any:
        node: Any = self.root if isinstance(ref, str) and ref.startswith("#") else None
        for raw in ref[1:].split("/") if node is not None else ():
            token = raw.replace("~1", "/").replace("~0", "~")
            node = node.get(token) if token and isinstance(node, dict) else node
        if not isinstance(node, (dict, bool)) or (node is self.root and ref != "#"):
            msg = f"Schema reference {ref!r} points to nothing in the schema."
            raise InvalidInputError(msg)
        return node

    def inline(self, node: Any, stack: tuple[str, ...] = ()) -> Any:
        """`node` with every reference replaced by what it points to."""
        self.nodes += 1
        if self.nodes > 20_000:
            msg = "The schema is too large once its references are inlined."
            raise InvalidInputError(msg)
        if isinstance(node, list):
            return [self.inline(item, stack) for item in node]
        if not isinstance(node, dict):
            return node
        rest = {k: v for k, v in node.items() if k not in ("$defs", "definitions")}
        if "$ref" in rest:
            ref = rest.pop("$ref")
            siblings, target = self.inline(rest, stack), self._target(ref)
            if stack.count(ref) < UNROLL:
                body = self.inline(target, (*stack, ref))
                return {**body, **siblings} if isinstance(body, dict) else body
            name = str(target.get("title") if isinstance(target, dict) else "")
            cut = f"nested {name or ref.rsplit('/', 1)[-1]}, not described further"
            kind = target.get("type") if isinstance(target, dict) else None
            text = _join(siblings.get("description"), cut)
            return {"description": text} | ({"type": kind} if kind else {})
        out = {}
        for key, value in rest.items():
            if key in ("properties", "patternProperties") and isinstance(value, dict):
                out[key] = {k: self.inline(v, stack) for k, v in value.items()}
            else:
                out[key] = value if key in _VALUES else self.inline(value, stack)
        return out

    def node(self, node: Any) -> tuple[dict[str, Any], Decoder | None]:
        """One inlined node in its form, and its `/v1` decoder."""
        s = _normal(node if isinstance(node, dict) else {} if node else {"not": {}})
        found: list[str] = s.pop("type")
        types = [t for t in found if t != "null"]
        nullable = self.openapi and len(types) < len(found)
        if self.openapi and len(types) > 1:
            said = {"description": s.pop("description")} if "description" in s else {}
            options = [self.node({**s, "type": t}) for t in types]
            codes = [o[1] or {} for o in options]
            out = {"anyOf": [o[0] for o in options]} | _flag(nullable) | said
            return out, {"anyOf": codes} if any(codes) else None
        if self.openapi and isinstance(s.get("additionalProperties"), bool):
            del s["additionalProperties"]  # false is implied; true: free-form below
        out, notes, decoder = self._children(s)
        enum = s.pop("enum", None)
        for key, value in s.items():
            if key in _KEEP[self.openapi]:
                out[key] = value
            elif key not in _ANNOTATIONS and not (key == "default" and value is None):
                notes[key] = value
        if not self.openapi:
            out |= {"type": found[0] if len(found) == 1 else found} if found else {}
            return _described(out | ({"enum": enum} if enum else {}), notes), None
        kind = types[0] if types else None
        if enum is not None and kind != "string" and self.string_enums:
            decoder["enum"] = {_text(v): v for v in enum if not isinstance(v, str)}
            kind, enum = "string", [_text(v) for v in enum]
        if enum is not None:
            (out if kind == "string" else notes)["enum"] = enum
        if "format" in out and out["format"] not in _FORMATS.get(kind or "", ()):
            notes["format"] = out.pop("format")
        if kind == "array" and "items" not in out:
            out["items"] = {"type": "string", "description": _JSON_TEXT}
            decoder["items"] = {"json": True}
        if kind in (None, "object") and not (out.get("properties") or out.get("anyOf")):
            text = _join(out.get("description"), _JSON_TEXT)
            out, decoder = {"type": "string", "description": text}, {"json": True}
        elif kind is not None:
            out["type"] = kind
        return _described(out | _flag(nullable), notes), decoder or None

    def _children(
        self, s: dict[str, Any]
    ) -> tuple[dict[str, Any], dict[str, Any], Decoder]:
        """The subschemas of `s`, taken out of it: kept, described, decoded."""
        out: dict[str, Any] = {}
        notes: dict[str, Any] = {}
        decoder: Decoder = {}
        for key in ("properties", "patternProperties", "dependentSchemas"):
            if isinstance(s.get(key), dict):
                pairs = {k: self.node(v) for k, v in s.pop(key).items()}
                kept = key == "properties"
                (out if kept else notes)[key] = {k: v[0] for k, v in pairs.items()}
                coded = {k: v[1] for k, v in pairs.items() if v[1]}
                decoder |= {key: coded} if kept and coded else {}
        for key in ("items", "additionalProperties", "not", "if", "then", "else"):
            if isinstance(s.get(key), dict):
                sub, code = self.node(s.pop(key))
                kept = key == "items" or key in _KEEP[self.openapi]
                (out if kept else notes)[key] = sub
                decoder |= {"items": code} if key == "items" and code else {}
        for key in ("anyOf", "prefixItems"):
            if isinstance(s.get(key), list):
                options = [self.node(o) for o in s.pop(key)]
                codes: list[Decoder] = [o[1] or {} for o in options]
                out[key] = [o[0] for o in options]
                if any(codes):
                    decoder[key] = {"anyOf": codes} if key == "prefixItems" else codes
        if self.openapi and "prefixItems" in out:  # items: any of the positions'
            notes["prefixItems"] = out.pop("prefixItems")
            out.setdefault("items", {"anyOf": notes["prefixItems"]})
            decoder["items"] = decoder.pop("prefixItems", None) or decoder.get("items")
        return out, notes, decoder


def _normal(node: dict[str, Any]) -> dict[str, Any]:
    """One spelling: `allOf` merged, `const` -> `enum`, `oneOf` -> `anyOf`, tuple
    `items` -> `prefixItems`; in `type` (a list), `nullable`, a null enum member or
    `anyOf` option as "null", and a missing type inferred."""
    s = dict(node)
    for part in s.pop("allOf", None) or ():
        s = {**part, **s, **_merged(s, part)} if isinstance(part, dict) else s
    kinds = s.get("type")
    types = [
        _ALIASES.get(t, t) for t in ([kinds] if isinstance(kinds, str) else kinds or [])
    ]
    types = [t for t in types if t != "any"] + (
        ["null"] if s.pop("nullable", 0) else []
    )
    if "const" in s:
        s["enum"] = [s.pop("const")]
    if "oneOf" in s:
        s["anyOf"] = s.get("anyOf", []) + s.pop("oneOf")
    if isinstance(s.get("items"), list):
        s["prefixItems"] = s.pop("items")
    if isinstance(enum := s.get("enum"), list):
        s["enum"] = [v for v in enum if v is not None]
        types += ["null"] * (len(enum) > len(s["enum"]))
        types += [] if set(types) - {"null"} else sorted({_kind(v) for v in s["enum"]})
    options = s.get("anyOf")
    if isinstance(options, list) and {"type": "null"} in options:
        kept = [o for o in options if o != {"type": "null"}]
        types.append("null")
        if len(kept) == 1 and isinstance(kept[0], dict) and not set(types) - {"null"}:
            inner = _normal(kept[0])
            types = [*inner.pop("type"), *types]
            s = {**inner, **{k: v for k, v in s.items() if k not in ("anyOf", "type")}}
        else:
            s["anyOf"] = kept
    if not set(types) - {"null"} and (
        "properties" in s or "items" in s or "prefixItems" in s
    ):
        types.insert(0, "object" if "properties" in s else "array")
    s["type"] = list(dict.fromkeys(types))
    return s


def _merged(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """What two schemas that both hold (`allOf`) combine."""
    out: dict[str, Any] = {}
    if "properties" in a or "properties" in b:
        out["properties"] = {**b.get("properties", {}), **a.get("properties", {})}
    if "required" in a or "required" in b:
        both = [*a.get("required", []), *b.get("required", [])]
        out["required"] = list(dict.fromkeys(both))
    if a.get("description") and b.get("description"):
        out["description"] = _join(a["description"], b["description"])
    return out


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    return {int: "integer", float: "number", str: "string"}.get(type(value), "object")


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _flag(nullable: bool) -> dict[str, Any]:
    return {"nullable": True} if nullable else {}


def _join(first: str | None, second: str) -> str:
    return f"{first} ({second})" if first else second


def _described(out: dict[str, Any], notes: dict[str, Any]) -> dict[str, Any]:
    """`out` with the constraints it cannot hold written into its description."""
    if notes:
        said = (
            f"{k}: {json.dumps(v, separators=(',', ':'))}" for k, v in notes.items()
        )
        out["description"] = _join(out.get("description"), "; ".join(said))
    return out
