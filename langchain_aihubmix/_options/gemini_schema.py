"""JSON Schema -> Gemini's `parametersJsonSchema` (native) or OpenAPI `Schema` (/v1).

References are inlined, recursion unrolled `UNROLL` levels; the /v1 form is the
`Schema` subset (valid JSON Schema too), asking for JSON text where `Schema` cannot
describe a value (`restore` decodes it); a constraint a form cannot hold goes into
the description. The rules, by keyword: docs/tools-and-agents.md.
"""

from __future__ import annotations

import json
from typing import Any

from langchain_aihubmix._errors.base import InvalidInputError

__all__ = ["UNROLL", "Decoder", "convert", "restore"]

Decoder = dict[str, Any]
"""`{"json": True}`, `{"enum": {text: value}}`, or per `properties`/`items`/`anyOf`."""
UNROLL = 3
"""Levels of a recursive schema described (the outermost included) before the cut."""


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_KEEP = {  # the keywords each form keeps; the others are described
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
_TYPES = _words("string number integer boolean array object null")
_JSON_TEXT = "a JSON {}, written as JSON text"
_ARGS = "arguments"  # the one property of a free-form root on /v1
_CUT = "$cut"  # the mark a reference gets where recursion is cut
_NULL: dict[str, Any] = {"type": "string", "enum": ["null"], "nullable": True}  # /v1


def convert(
    schema: dict[str, Any], *, openapi: bool, string_enums: bool = True
) -> tuple[dict[str, Any], Decoder | None]:
    """The native (`openapi=False`) or `/v1` form of `schema`, and its decoder.
    `string_enums=False` (response schemas) keeps a non-string enum's type and
    writes its values into the description; else (tool parameters) a root union of
    objects becomes one object: all properties, the options described."""
    converter = _Converter(schema, openapi, string_enums)
    root = converter.inline(schema, ())
    union = root if isinstance(root, dict) and not root.get("properties") else {}
    options = union.get("anyOf", union.get("oneOf"))
    if string_enums and options and all(isinstance(o, dict) for o in options):
        root = _one_object(root, options)
    try:
        out, decoder = converter.node(root)
    except _Cut as cut:  # each level requires the next
        raise InvalidInputError(f"The schema has no finite value ({cut}).") from None
    free = root.get("additionalProperties") if isinstance(root, dict) else None
    if string_enums and free not in (False, None) and decoder == {"json": True}:
        out = {"type": "object", "properties": {_ARGS: out}, "required": [_ARGS]}
        return out, {"root": True}  # /v1: a map, no names: one JSON-text argument
    return out, decoder


def _one_object(root: dict[str, Any], options: list[dict[str, Any]]) -> dict[str, Any]:
    """A tool's root union of objects as one object (Gemini's root is one)."""
    props = [o.get("properties") or {} for o in options]
    sets, names = [o.get("required") or [] for o in options], [[*p] for p in props]
    out = {k: v for k, v in root.items() if k not in ("anyOf", "oneOf")}
    said = f"the properties of one of {names}"
    out["description"] = _join(out.get("description"), said)
    out["required"] = [n for n in sets[0] if all(n in s for s in sets)]
    out["properties"] = {k: v for p in props for k, v in p.items()}
    return out | {"type": "object"}


def restore(value: Any, decoder: Decoder | None) -> Any:
    """A `/v1` value in the user's schema's own types."""
    if not decoder:
        return value
    if decoder.get("root"):  # {"root": True}: the arguments as JSON text in one
        found = isinstance(value, dict) and restore(value.get(_ARGS), {"json": True})
        return found if isinstance(found, dict) else value
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


class _Cut(Exception):
    """A branch left with no value where recursion is cut (the text says where)."""


class _Converter:
    """One schema's conversion: references inlined, then each node in its form."""

    def __init__(self, root: dict[str, Any], openapi: bool, string_enums: bool):
        self.root, self.openapi, self.string_enums = root, openapi, string_enums
        self.nodes = 0

    def inline(self, node: Any, stack: tuple[str, ...]) -> Any:
        """`node` with every reference replaced by what it points to."""
        self.nodes += 1
        if self.nodes > 20_000:
            raise InvalidInputError("The schema is too big with references inlined.")
        if isinstance(node, list):
            return [self.inline(item, stack) for item in node]
        if not isinstance(node, dict):
            return node
        rest = {k: v for k, v in node.items() if k not in ("$defs", "definitions")}
        if "$ref" not in rest:
            return {
                k: v if k in ("enum", "const", "default", "examples", "required")
                else {p: self.inline(s, stack) for p, s in v.items()}
                if k == "properties" and isinstance(v, dict)
                else self.inline(v, stack)
                for k, v in rest.items()
            }  # fmt: skip
        ref = rest.pop("$ref")
        target: Any = self.root if str(ref).startswith("#") else None
        for raw in str(ref)[1:].split("/"):
            token = raw.replace("~1", "/").replace("~0", "~")
            target = target.get(token) if token and isinstance(target, dict) else target
        if not isinstance(target, (dict, bool)) or (target is self.root and ref != "#"):
            raise InvalidInputError(f"Schema reference {ref!r} points to nothing.")
        siblings = self.inline(rest, stack)
        if stack.count(ref) < UNROLL:
            body = self.inline(target, (*stack, ref))
            return {**body, **siblings} if isinstance(body, dict) else body
        name = (isinstance(target, dict) and target.get("title")) or ref.rsplit("/")[-1]
        return siblings | {_CUT: f"nested {name}, not described further"}

    def node(self, node: Any) -> tuple[dict[str, Any], Decoder | None]:
        """One inlined node in its form, and its `/v1` decoder."""
        s = _normal(node if isinstance(node, dict) else {} if node else {"not": {}})
        found: list[str] = s.pop("type")
        if _CUT in s:  # the recursion's cut: null if allowed, else this is pruned
            if "null" not in found:
                raise _Cut(s[_CUT])
            text = _join(s.get("description"), s[_CUT] + ": null")
            if not self.openapi:
                return {"type": "null", "description": text}, None
            return _NULL | {"description": text}, {"enum": {"null": None}}
        props = s.get("properties", {} if "object" in found else None)
        if isinstance(props, dict) and isinstance(need := s.get("required"), list):
            # Gemini: "required[0]: property is not defined"; kept as any value
            s["properties"] = props | {str(n): {} for n in need if str(n) not in props}
        types = [t for t in found if t != "null"]
        nullable = {"nullable": True} if self.openapi and types != found else {}
        if self.openapi and len(types) > 1:
            said = {"description": s.pop("description")} if "description" in s else {}
            options = [self.node({**s, "type": t}) for t in types]
            codes = [o[1] or {} for o in options]
            out = {"anyOf": [o[0] for o in options]} | nullable | said
            return out, {"anyOf": codes} if any(codes) else None
        if self.openapi and isinstance(s.get("additionalProperties"), bool):
            del s["additionalProperties"]  # false is implied; true: free-form below
        out, decoder, notes = self._children(s)
        enum = s.pop("enum", None)
        wider = {*types, "integer" if "number" in types else ""}
        if enum and types and {_kind(v) for v in enum} - wider:
            notes["enum"], enum = enum, None  # other values than its type: said
        for key, value in s.items():
            if key in _KEEP[self.openapi]:
                out[key] = value
            elif key not in _ANNOTATIONS and not (key == "default" and value is None):
                notes[key] = value
        if not self.openapi:
            return _described(_json_form(out, found, enum), notes), None
        kind = types[0] if types else None
        if enum is not None and kind != "string" and self.string_enums:
            decoder["enum"] = {_text(v): v for v in enum if not isinstance(v, str)}
            kind, enum = "string", [_text(v) for v in enum]
        if enum is not None:  # Gemini: "enum[0]: cannot be empty" for ""
            (out if kind == "string" and "" not in enum else notes)["enum"] = enum
        if "format" in out and out["format"] not in _FORMATS.get(kind or "", ()):
            notes["format"] = out.pop("format")
        if "items" in out and kind != "array":  # Gemini: "$type == Type.ARRAY"
            notes["items"], _ = out.pop("items"), decoder.pop("items", None)
        if kind == "array" and "items" not in out:
            out["items"] = {"type": "string", "description": _JSON_TEXT.format("value")}
            decoder["items"] = {"json": True}
        if kind in (None, "object") and not (out.get("properties") or out.get("anyOf")):
            text = _join(out.get("description"), _JSON_TEXT.format(kind or "value"))
            out, decoder = {"type": "string", "description": text}, {"json": True}
        elif kind is not None:
            out["type"] = kind
        return _described(out | nullable, notes), decoder or None

    def _children(
        self, s: dict[str, Any]
    ) -> tuple[dict[str, Any], Decoder, dict[str, Any]]:
        """The subschemas `s` keeps, taken out of it, their decoder, and the tuple
        positions `/v1` describes (its `items`: any of them)."""
        out: dict[str, Any] = {}
        decoder: Decoder = {}
        notes: dict[str, Any] = {}
        if isinstance(s.get("properties"), dict):
            kept: dict[str, tuple[dict[str, Any], Decoder | None]] = {}
            for k, v in s.pop("properties").items():
                try:
                    kept[k] = self.node(v)
                except _Cut as cut:  # left out if it may be; else `s` is pruned too
                    if k in (s.get("required") or ()):
                        raise
                    notes.setdefault("left out", {})[k] = str(cut)
            out["properties"] = {k: v[0] for k, v in kept.items()}
            coded = {k: v[1] for k, v in kept.items() if v[1]}
            decoder |= {"properties": coded} if coded else {}
        for key in ("items", "additionalProperties"):
            if isinstance(s.get(key), dict) and key in _KEEP[self.openapi]:
                try:
                    out[key], code = self.node(s.pop(key))
                except _Cut as cut:  # no item / other key can be given: none allowed
                    if key == "items" and s.get("minItems"):
                        raise
                    s |= {"maxItems": 0} if key == "items" else {key: False}
                    notes[key], code = str(cut), None
                decoder |= {key: code} if code else {}
        for key in ("anyOf", "prefixItems"):
            if isinstance(s.get(key), list):
                options, cuts = [], []
                for option in s.pop(key):
                    try:
                        options.append(self.node(option))
                    except _Cut as cut:  # an `anyOf` option is dropped, if not all
                        cuts.append(cut)
                if cuts and (key == "prefixItems" or not options):
                    raise cuts[0]
                codes: list[Decoder] = [o[1] or {} for o in options]
                out[key] = [o[0] for o in options]
                decoder |= {key: codes} if any(codes) else {}
        if not (self.openapi and "prefixItems" in out):
            return out, decoder, notes
        out.setdefault("items", {"anyOf": out["prefixItems"]})
        if "prefixItems" in decoder:
            decoder.setdefault("items", {"anyOf": decoder.pop("prefixItems")})
        return out, decoder, notes | {"prefixItems": out.pop("prefixItems")}


def _json_form(out: dict[str, Any], found: list[str], enum: Any) -> dict[str, Any]:
    """The native node with its `type` and `enum`; null as an `anyOf` option where
    `type: null` beside `anyOf` or `enum` would forbid their values."""
    kinds = [t for t in found if t != "null"]
    out |= {"enum": enum} if enum else {}
    if kinds == found or not ("anyOf" in out or enum):
        return out | ({"type": found[0] if len(found) == 1 else found} if found else {})
    said = {k: out.pop(k) for k in ("title", "description") if k in out}
    if kinds or "anyOf" not in out:
        return {"anyOf": [_json_form(out, kinds, None), {"type": "null"}]} | said
    return out | {"anyOf": [*out["anyOf"], {"type": "null"}]} | said


def _normal(node: dict[str, Any]) -> dict[str, Any]:
    """One spelling: `allOf` merged, `const` -> `enum`, `oneOf` -> `anyOf`, tuple
    `items` -> `prefixItems`; `type` a list, with "null" for `nullable`, a null enum
    member or `anyOf` option, and inferred when missing."""
    s = dict(node)
    for part in s.pop("allOf", None) or ():
        s = {**part, **s, **_merged(s, part)} if isinstance(part, dict) else s
    kinds = s.pop("type", None)
    kinds = [kinds] if isinstance(kinds, str) else kinds or []
    named = {str(k): _ALIASES.get(str(k).lower(), str(k).lower()) for k in kinds}
    if odd := [k for k, t in named.items() if t not in _TYPES and t != "any"]:
        s["declared type"] = odd  # (BFCL's Java names, ...): any value, said
    types = [t for t in named.values() if t in _TYPES]
    types += ["null"] * bool(s.pop("nullable", 0))
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
    if {"type": "null"} in (options := s.get("anyOf") or []):
        s["anyOf"] = [o for o in options if o != {"type": "null"}]
        types.append("null")
        if len(s["anyOf"]) == 1 and not set(types) - {"null"}:
            inner = _normal(s.pop("anyOf")[0])
            types = [*inner.pop("type"), *types]
            s = {**inner, **{k: v for k, v in s.items() if k != "type"}}
    if not set(types) - {"null"} and {"properties", "items", "prefixItems"} & set(s):
        types.insert(0, "object" if "properties" in s else "array")
    s["type"] = list(dict.fromkeys(types))
    return s


def _merged(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """What two schemas that both hold (`allOf`) combine."""
    out: dict[str, Any] = {}
    if "properties" in a or "properties" in b:
        out["properties"] = {**b.get("properties", {}), **a.get("properties", {})}
    if "required" in a or "required" in b:
        need = [*a.get("required", []), *b.get("required", [])]
        out["required"] = list(dict.fromkeys(need))
    if a.get("description") and b.get("description"):
        out["description"] = _join(a["description"], b["description"])
    return out


def _kind(value: Any) -> str:
    kinds = {bool: "boolean", int: "integer", float: "number", str: "string"}
    return kinds.get(type(value), "array" if isinstance(value, list) else "object")


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _join(first: str | None, second: str) -> str:
    return f"{first} ({second})" if first else second


def _described(out: dict[str, Any], notes: dict[str, Any]) -> dict[str, Any]:
    """`out` with the constraints it cannot hold written into its description."""
    if notes:
        said = "; ".join(
            f"{k}: {json.dumps(v, separators=(',', ':'))}" for k, v in notes.items()
        )
        out["description"] = _join(out.get("description"), said)
    return out
