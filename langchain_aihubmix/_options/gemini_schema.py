"""JSON Schema -> what Gemini accepts: `parametersJsonSchema` or the OpenAPI `Schema`.

Two outputs from one walk. `to_json_schema` (native route, `parametersJsonSchema` /
`responseJsonSchema`) keeps JSON Schema within Gemini's documented limits: `$ref`
only into `$defs` and without sibling keywords, a recursion only through a
non-required property, no draft-07 `definitions`. `to_openapi_schema` (the `/v1`
route, whose converter copies the schema into Gemini's `parameters` /
`responseSchema`) gives the conservative OpenAPI 3.0 subset Gemini's `Schema` takes,
valid JSON Schema too: references inlined, one `type` (+ `nullable`), string enums,
no `$ref` / `$defs` / `oneOf` / `const` / `additionalProperties`. Recursion is
unrolled `UNROLL` levels, then cut (the cut said in the description). A constraint
the target cannot express is written into the description, never dropped; only
annotations (`title` on `/v1`, `$schema`, `$id`, `$comment`, ...) are left out.

On `/v1` a value `Schema` cannot describe (an object without properties, an array
without item schema, an untyped value) is asked for as JSON text, and non-string
tool enums as strings; the returned `Decoder` turns such arguments back into the
schema's own types (`restore`).
"""

from __future__ import annotations

import json
from typing import Any

from langchain_aihubmix._errors.base import InvalidInputError

__all__ = ["Decoder", "restore", "to_json_schema", "to_openapi_schema"]

Decoder = dict[str, Any]
"""`{"json": True}`, `{"enum": {text: value}}`, or per `properties`/`items`/`anyOf`."""


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


UNROLL = 3
"""Levels of a recursive schema described (the outermost included) before the cut."""
_MAX_NODES = 20_000
_NATIVE = _words(
    "$ref $defs type format title description enum items prefixItems "
    "minItems maxItems minimum maximum anyOf properties "
    "additionalProperties required propertyOrdering "
)
"""Keywords Gemini's JSON Schema support documents (`oneOf` is read as `anyOf`)."""
_OPENAPI = _words(
    "type format description nullable enum items minItems maxItems "
    "properties required anyOf minimum maximum minLength maxLength "
    "pattern minProperties maxProperties propertyOrdering "
)
"""Keywords of Gemini's OpenAPI `Schema` this package sends on `/v1`."""
_ANNOTATIONS = _words(
    "$schema $id $anchor $comment $dynamicAnchor title readOnly writeOnly "
    "deprecated discriminator "
)
_FORMATS = {"string": {"date-time", "enum"}, "integer": {"int32", "int64"}}
_FORMATS["number"] = {"float", "double"}
_SCHEMA_MAPS = ("properties", "patternProperties", "dependentSchemas")


def to_json_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """The native route's form (`parametersJsonSchema`, `responseJsonSchema`)."""
    out, _ = _Converter(schema, openapi=False).convert()
    return out


def to_openapi_schema(
    schema: dict[str, Any], *, string_enums: bool = True
) -> tuple[dict[str, Any], Decoder | None]:
    """The `/v1` form and its decoder. `string_enums=False` (response schemas)
    keeps a non-string enum's type and writes its values into the description."""
    return _Converter(schema, openapi=True, string_enums=string_enums).convert()


def restore(value: Any, decoder: Decoder | None) -> Any:
    """A `/v1` value in the user's schema's own types."""
    if not decoder:
        return value
    if isinstance(value, str):
        if decoder.get("json"):
            try:
                return json.loads(value)
            except ValueError:
                return value
        if value in decoder.get("enum", ()):
            return decoder["enum"][value]
    props = decoder.get("properties")
    if isinstance(value, dict) and props:
        return {k: restore(v, props.get(k)) for k, v in value.items()}
    if isinstance(value, list) and decoder.get("items"):
        return [restore(v, decoder["items"]) for v in value]
    for option in decoder.get("anyOf", ()):
        if (restored := restore(value, option)) is not value:
            return restored
    return value


class _Converter:
    """One schema's conversion: references first, then each node for the target."""

    def __init__(
        self, root: dict[str, Any], *, openapi: bool, string_enums: bool = True
    ) -> None:
        self.root, self.openapi, self.string_enums = root, openapi, string_enums
        self.defs: dict[str, Any] = {}
        for key in ("definitions", "$defs"):
            if isinstance(root.get(key), dict):
                self.defs.update(root[key])
        self.keep = set() if openapi else self._unrollable_free()
        self.used: dict[str, Any] = {}
        self.nodes = 0

    def convert(self) -> tuple[dict[str, Any], Decoder | None]:
        expanded = self._expand(self.root, (), inline=True)
        out, decoder = self._node(expanded)
        done: set[str] = set()
        while pending := [name for name in self.used if name not in done]:
            for name in pending:
                done.add(name)
                self.used[name] = self._node(self._expand(self.defs[name], (name,)))[0]
        if self.used:
            out["$defs"] = dict(self.used)
        return out, decoder

    # -- references ------------------------------------------------------------

    def _target(self, ref: Any) -> tuple[str, Any]:
        """A local `$ref` -> (key, schema): a definition's name, or the pointer."""
        for prefix in ("#/$defs/", "#/definitions/"):
            if isinstance(ref, str) and ref.startswith(prefix):
                name = ref[len(prefix) :]
                if name in self.defs:
                    return name, self.defs[name]
        node: Any = self.root
        if not isinstance(ref, str) or not ref.startswith("#"):
            node = None
        for raw in ref[1:].strip("/").split("/") if node is not None else ():
            token = raw.replace("~1", "/").replace("~0", "~")
            if token:
                node = node.get(token) if isinstance(node, dict) else None
        if not isinstance(node, (dict, bool)):
            msg = f"Schema reference {ref!r} points to nothing in the schema."
            raise InvalidInputError(msg)
        return str(ref), node

    def _unrollable_free(self) -> set[str]:
        """Definitions that may stay `$ref`s natively: those on no cycle made only
        of required properties (Gemini cuts a recursion at an optional one)."""
        edges: dict[str, set[str]] = {}
        for name, body in self.defs.items():
            edges[name] = set()
            self._required_refs(body, edges[name])
        bad = set()
        for start, targets in edges.items():
            seen, todo = set(), list(targets)
            while todo:
                if (name := todo.pop()) == start:
                    bad.add(start)
                    break
                if name not in seen and name in edges:
                    seen.add(name)
                    todo.extend(edges[name])
        return set(self.defs) - bad

    def _required_refs(self, node: Any, out: set[str]) -> None:
        if isinstance(node, list):
            for item in node:
                self._required_refs(item, out)
        if not isinstance(node, dict):
            return
        if "$ref" in node:
            name, _ = self._target(node["$ref"])
            out.add(name)
        required = node.get("required") or ()
        for key, value in node.items():
            if key == "properties" and isinstance(value, dict):
                for prop, sub in value.items():
                    if prop in required:
                        self._required_refs(sub, out)
            elif key not in ("$defs", "definitions", "enum", "const", "default"):
                self._required_refs(value, out)

    def _expand(
        self, node: Any, stack: tuple[str, ...], *, inline: bool = False
    ) -> Any:
        """`node` with every reference inlined or (native) pointed into `$defs`."""
        self.nodes += 1
        if self.nodes > _MAX_NODES:
            msg = "The schema is too large once its references are inlined."
            raise InvalidInputError(msg)
        if isinstance(node, list):
            return [self._expand(item, stack) for item in node]
        if not isinstance(node, dict):
            return node
        rest = {k: v for k, v in node.items() if k not in ("$defs", "definitions")}
        if "$ref" in rest:
            key, target = self._target(rest.pop("$ref"))
            siblings = self._expand(rest, stack)
            if key in self.keep and not inline:
                self.used.setdefault(key, None)
                ref = {"$ref": f"#/$defs/{key}"}
                return {"anyOf": [ref], **siblings} if siblings else ref
            if stack.count(key) >= UNROLL:
                return self._cut(key, target, siblings)
            body = self._expand(target, (*stack, key), inline=inline)
            return {**body, **siblings} if isinstance(body, dict) else body
        out: dict[str, Any] = {}
        for key, value in rest.items():
            if key in _SCHEMA_MAPS and isinstance(value, dict):
                out[key] = {k: self._expand(v, stack) for k, v in value.items()}
            elif key in ("enum", "const", "default", "examples", "example"):
                out[key] = value
            else:  # a reference right inside `allOf` is merged, never kept
                out[key] = (
                    [self._expand(v, stack, inline=True) for v in value]
                    if key == "allOf" and isinstance(value, list)
                    else self._expand(value, stack)
                )
        return out

    @staticmethod
    def _cut(key: str, target: Any, siblings: dict[str, Any]) -> dict[str, Any]:
        kind = target.get("type") if isinstance(target, dict) else None
        name = (target.get("title") if isinstance(target, dict) else None) or key
        note = f"nested {name.rsplit('/', 1)[-1]}, not described further"
        text = siblings.get("description")
        stub = {"type": kind} if isinstance(kind, str) else {}
        return {**stub, "description": f"{text} ({note})" if text else note}

    # -- one node for the target -----------------------------------------------

    def _node(self, node: Any) -> tuple[dict[str, Any], Decoder | None]:
        """One (expanded) node for the target, and its `/v1` decoder."""
        if isinstance(node, dict) and "$ref" in node:
            return node, None
        s = _normal(
            node if isinstance(node, dict) else {} if node else {"not": {}},
            self.openapi,
        )
        found: list[str] = s.pop("type")
        types = [t for t in found if t != "null"]
        nullable = len(types) < len(found)
        if self.openapi and len(types) > 1:
            said = {"description": s.pop("description")} if "description" in s else {}
            options = [self._node({**s, "type": t}) for t in types]
            codes = [o[1] or {} for o in options]
            out = {"anyOf": [o[0] for o in options]} | _flag(nullable) | said
            return out, {"anyOf": codes} if any(codes) else None
        if self.openapi and isinstance(s.get("additionalProperties"), bool):
            del s["additionalProperties"]  # false is implied; true: free-form below
        out, notes, decoder = self._children(s)
        enum = s.pop("enum", None)
        for key, value in s.items():
            if key in (_OPENAPI if self.openapi else _NATIVE):
                out[key] = value
            elif key not in _ANNOTATIONS and not (key == "default" and value is None):
                notes[key] = value
        if not self.openapi:
            kinds = [*types, "null"] if nullable else types
            out |= {"type": kinds[0] if len(kinds) == 1 else kinds} if kinds else {}
            return _described(out | ({"enum": enum} if enum else {}), notes), None
        kind = types[0] if types else None
        out |= _flag(nullable)
        if enum is not None and kind != "string" and self.string_enums:
            decoder["enum"] = {_text(v): v for v in enum if not isinstance(v, str)}
            kind, enum = "string", [_text(v) for v in enum]
        if enum is not None:
            (out if kind == "string" else notes)["enum"] = enum
        if "format" in out and out["format"] not in _FORMATS.get(kind or "", ()):
            notes["format"] = out.pop("format")
        if kind == "array" and "items" not in out:
            out["items"], decoder["items"] = {"type": "string"}, {"json": True}
            out["items"]["description"] = _JSON_TEXT
        if (
            kind in (None, "object")
            and not out.get("properties")
            and not out.get("anyOf")
        ):
            text = _join(out.get("description"), _JSON_TEXT)
            out, decoder = {"type": "string", "description": text} | _flag(nullable), {}
            decoder["json"] = True
        elif kind is not None:
            out["type"] = kind
        return _described(out, notes), decoder or None

    def _children(
        self, s: dict[str, Any]
    ) -> tuple[dict[str, Any], dict[str, Any], Decoder]:
        """The subschemas of `s` (taken out of it): kept, described, decoded."""
        out: dict[str, Any] = {}
        notes: dict[str, Any] = {}
        decoder: Decoder = {}
        for key in _SCHEMA_MAPS:
            if isinstance(s.get(key), dict):
                pairs = {k: self._node(v) for k, v in s.pop(key).items()}
                kept = key == "properties"
                (out if kept else notes)[key] = {k: v[0] for k, v in pairs.items()}
                coded = {k: v[1] for k, v in pairs.items() if v[1]}
                decoder |= {key: coded} if kept and coded else {}
        for key in ("items", "additionalProperties", "not", "if", "then", "else"):
            if isinstance(s.get(key), dict):
                sub, code = self._node(s.pop(key))
                native = key == "additionalProperties" and not self.openapi
                (out if key == "items" or native else notes)[key] = sub
                decoder |= {"items": code} if key == "items" and code else {}
        for key in ("anyOf", "prefixItems"):
            if isinstance(s.get(key), list):
                options = [self._node(o) for o in s.pop(key)]
                codes: list[Decoder] = [o[1] or {} for o in options]
                if key == "prefixItems" and self.openapi:
                    notes[key] = [o[0] for o in options]
                    if "items" not in out and options:  # any of the positions' schemas
                        out["items"] = {"anyOf": notes[key]}
                        decoder |= {"items": {"anyOf": codes}} if any(codes) else {}
                    continue
                out[key] = [o[0] for o in options]
                decoder |= {key: codes} if key == "anyOf" and any(codes) else {}
        return out, notes, decoder


_ALIASES = {"dict": "object", "float": "number", "tuple": "array"}
"""Type names of BFCL-style function definitions."""
_JSON_TEXT = "a JSON value, written as JSON text"


def _normal(node: dict[str, Any], openapi: bool) -> dict[str, Any]:
    """One canonical form: `const` -> `enum`, `oneOf` -> `anyOf`, `allOf` merged,
    `nullable` / null enum members / null `anyOf` options -> a "null" type, tuple
    `items` -> `prefixItems`, a missing type inferred."""
    s = dict(node)
    for part in s.pop("allOf", None) or ():
        if isinstance(part, dict):
            s = _merge(s, part)
    kinds = s.get("type")
    found = [kinds] if isinstance(kinds, str) else list(kinds or [])
    types = [_ALIASES.get(t, t) for t in found if t != "any"]
    if s.pop("nullable", False) and types:
        types.append("null")
    if "const" in s:
        s["enum"] = [s.pop("const")]
    if "oneOf" in s:
        s["anyOf"] = s.get("anyOf", []) + s.pop("oneOf")
    if isinstance(s.get("items"), list):
        s["prefixItems"] = s.pop("items")
        if isinstance(s.get("additionalItems"), dict):
            s["items"] = s.pop("additionalItems")
    enum = s.get("enum")
    if isinstance(enum, list):
        if None in enum:
            s["enum"] = [v for v in enum if v is not None]
            types.append("null")
        if not [t for t in types if t != "null"]:
            types += sorted({_json_type(v) for v in s["enum"]})
    options = s.get("anyOf")
    if isinstance(options, list) and openapi:
        kept = [
            o for o in options if not (isinstance(o, dict) and o == {"type": "null"})
        ]
        if len(kept) < len(options):
            types.append("null")
        if len(kept) == 1 and isinstance(kept[0], dict):
            s.pop("anyOf")
            inner = _normal(kept[0], openapi)
            types += inner.pop("type", [])
            s = {**inner, **{k: v for k, v in s.items() if k != "type"}}
        else:
            s["anyOf"] = kept
    if not types and "properties" in s:
        types.append("object")
    elif not types and ("items" in s or "prefixItems" in s):
        types.append("array")
    s["type"] = list(dict.fromkeys(types))
    return s


def _merge(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """Two schemas that both hold (`allOf`) as one."""
    out = {**b, **a}
    if "properties" in a or "properties" in b:
        out["properties"] = {**b.get("properties", {}), **a.get("properties", {})}
    if "required" in a or "required" in b:
        out["required"] = list(
            dict.fromkeys([*a.get("required", []), *b.get("required", [])])
        )
    if a.get("description") and b.get("description"):
        out["description"] = _join(a["description"], b["description"])
    return out


def _flag(nullable: bool) -> dict[str, Any]:
    return {"nullable": True} if nullable else {}


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    return "string" if isinstance(value, str) else "object"


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _join(first: str | None, second: str) -> str:
    return f"{first} ({second})" if first else second


def _described(out: dict[str, Any], notes: dict[str, Any]) -> dict[str, Any]:
    """`out` with the constraints it cannot hold written into its description."""
    if not notes:
        return out
    said = "; ".join(
        f"{k}: {json.dumps(v, ensure_ascii=False, separators=(',', ':'))}"
        for k, v in notes.items()
    )
    out["description"] = _join(out.get("description"), said)
    return out
