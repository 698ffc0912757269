"""Tool and response schemas as users bring them, converted for both routes.

A corpus of real schemas (the MCP reference servers' tool schemas as their servers
list them, pydantic v1 / v2 models, TypedDicts, OpenAPI-derived and BFCL-style
definitions, raw JSON Schema with the hard features): each converted schema passes
the emulator's Gemini rules, and every property name at every depth, required list,
enum, scalar item type and description survives. Values sent as text on `/v1` come
back in the schema's own types; tool names are mapped to Gemini's rules and back.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Literal, Optional, Union

import jsonschema
import pytest
from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import BaseModel, Field
from pydantic import v1 as pydantic_v1
from typing_extensions import TypedDict

from langchain_aihubmix._errors.base import InvalidInputError
from langchain_aihubmix._options.call_options import FunctionTool
from langchain_aihubmix._options.gemini_schema import (
    UNROLL,
    convert,
    restore,
)
from langchain_aihubmix._options.tool_wire import check_names, wire_name
from langchain_aihubmix.testing.schema_rules import check_openai, json_schema_problem
from langchain_aihubmix.testing.schema_values import value_for


def native_form(schema: dict[str, Any]) -> dict[str, Any]:
    return convert(schema, openapi=False)[0]


def openapi_form(schema: dict[str, Any], **kw: Any) -> tuple[dict[str, Any], Any]:
    return convert(schema, openapi=True, **kw)


MCP = Path(__file__).parents[1] / "fixtures" / "mcp"
BFCL_SAMPLE = MCP.parent / "bfcl" / "functions.json"


class Leaf(BaseModel):
    """A leaf."""

    label: str = Field(description="what it says")
    weight: Literal[1, 2, 3] = 1


class Tree(BaseModel):
    """A tree whose children are required (a recursion Gemini cannot unroll)."""

    name: str
    children: list[Tree]
    leaves: list[Leaf] = []


class Kitchen(BaseModel):
    """Everything at once."""

    mode: Literal["fast", "slow"]
    level: Literal[1, 2, 3] = Field(description="how hard")
    meta: dict[str, Any]
    tags: dict[str, int] = {}
    point: tuple[int, str]
    either: Union[int, Leaf]  # noqa: UP007
    maybe: Optional[Leaf] = None  # noqa: UP045
    grid: list[list[float]]


class OldModel(pydantic_v1.BaseModel):
    """Pydantic v1, nested and recursive (draft-07 `definitions`)."""

    title: str
    parts: list[OldModel] = []
    leaf: Optional[OldLeaf]  # noqa: UP045


class OldLeaf(pydantic_v1.BaseModel):
    size: int = pydantic_v1.Field(..., ge=1, description="in cm")


OldModel.update_forward_refs()


class Ticket(TypedDict):
    """Open a ticket."""

    title: str
    priority: Literal[1, 2, 3]
    labels: list[str]


RAW = {  # raw JSON Schema: the features the issue lists
    "$schema": "http://json-schema.org/draft-07/schema#",
    "type": "object",
    "properties": {
        "kind": {"oneOf": [{"const": "a"}, {"const": "b"}], "description": "which"},
        "size": {"type": ["integer", "null"], "exclusiveMinimum": 0},
        "mode": {"type": "integer", "enum": [0, 1, 2]},
        "flag": {"const": True},
        "pair": {
            "type": "array",
            "prefixItems": [{"type": "string"}, {"type": "number"}],
        },
        "empty": {"type": "object"},
        "anything": {},
        "where": {"$ref": "#/definitions/Place", "description": "the place"},
        "list": {"type": "array"},
        "merged": {
            "allOf": [
                {"$ref": "#/definitions/Place"},
                {
                    "properties": {"zip": {"type": "string", "pattern": "^[0-9]{5}$"}},
                    "required": ["zip"],
                },
            ]
        },
        "url": {"type": "string", "format": "uri", "default": "https://x.test"},
        "again": {"$ref": "#/properties/where"},
    },
    "required": ["kind", "mode", "where"],
    "additionalProperties": False,
    "definitions": {
        "Place": {
            "type": "object",
            "properties": {"city": {"type": "string", "description": "a city"}},
            "required": ["city"],
            "additionalProperties": False,
        }
    },
}
OPENAPI = {  # an OpenAPI-3.0-derived tool: nullable, formats, components
    "type": "object",
    "properties": {
        "petId": {"type": "integer", "format": "int64", "example": 10},
        "status": {"type": "string", "enum": ["available", "sold"], "nullable": True},
        "pet": {"$ref": "#/components/schemas/Pet"},
    },
    "required": ["petId"],
    "components": {
        "schemas": {
            "Pet": {
                "type": "object",
                "properties": {
                    "name": {"type": "string", "readOnly": True},
                    "photoUrls": {"type": "array", "items": {"type": "string"}},
                },
                "required": ["name"],
            }
        }
    },
}
BFCL = {  # Berkeley Function Calling Leaderboard's spelling
    "type": "dict",
    "properties": {
        "base": {"type": "float", "description": "The base."},
        "dims": {"type": "tuple", "items": {"type": "integer"}},
        "opts": {"type": "dict", "properties": {"unit": {"type": "string"}}},
    },
    "required": ["base"],
}

UNDEFINED = {  # required names no property defines (as GitHub's MCP server lists)
    "type": "object",
    "properties": {
        "owner": {"type": "string"},
        "issues": {
            "type": "array",
            "items": {"type": "object", "required": ["summary"]},
        },
    },
    "required": ["owner", "repo"],
}
EMPTY_CHOICE = {  # Literal["", "asc", "desc"]: "" is no choice; `items` misplaced
    "type": "object",
    "properties": {
        "order": {"enum": ["", "asc", "desc"], "type": "string"},
        "ids": {"type": "string", "items": {"type": "integer"}},
    },
}


def _corpus() -> list[tuple[str, dict[str, Any]]]:
    cases = [
        (f"{path.stem}:{t['name']}", t["inputSchema"])
        for path in sorted(MCP.glob("*.json"))
        for t in json.loads(path.read_text())
    ]
    cases += [(m.__name__, m.model_json_schema()) for m in (Leaf, Tree, Kitchen)]
    cases += [("OldModel", OldModel.schema())]
    cases += [("Ticket", convert_to_openai_tool(Ticket)["function"]["parameters"])]
    cases += [("undefined required", UNDEFINED), ("empty choice", EMPTY_CHOICE)]
    sample = json.loads(BFCL_SAMPLE.read_text())
    cases += [(f"bfcl:{f['name']}", f["parameters"]) for f in sample]
    return [*cases, ("raw", RAW), ("openapi", OPENAPI), ("bfcl", BFCL)]


CORPUS = _corpus()


def _deref(node: Any, root: dict[str, Any]) -> Any:
    seen = 0
    while isinstance(node, dict) and "$ref" in node and seen < 50:
        target: Any = root
        for token in node["$ref"][1:].strip("/").split("/"):
            target = target.get(token) if token else target
        node, seen = (
            {**target, **{k: v for k, v in node.items() if k != "$ref"}},
            seen + 1,
        )
    return node


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _facts(node: Any, root: dict[str, Any], path: str = "", depth: int = 0) -> set[Any]:
    """Property names (with required), enums and scalar item types, by path."""
    node = _deref(node, root)
    if not isinstance(node, dict) or depth > 3:
        return set()
    out: set[Any] = set()
    for key in ("anyOf", "oneOf", "allOf"):
        for sub in node.get(key) or []:
            out |= _facts(sub, root, path, depth)
    kinds = node.get("type", "array")  # (`items` off an array is described)
    if isinstance(node.get("items"), dict) and "array" in str(kinds):
        items = _deref(node["items"], root)
        if items.get("type") in ("string", "integer", "number", "boolean"):
            out.add(("item type", path, items["type"]))
        out |= _facts(items, root, path + "[]", depth + 1)
    values = node.get("enum", [node["const"]] if "const" in node else None)
    said = re.search(r"enum: (\[[^]]*\])", str(node.get("description")))
    values = json.loads(said[1]) if values is None and said else values  # (kept)
    if values:
        out.add(
            ("enum", path, tuple(sorted(_text(v) for v in values if v is not None)))
        )
    required = node.get("required") or []
    out |= {("required", f"{path}.{name}") for name in required}
    for name, sub in (node.get("properties") or {}).items():
        out.add(("property", f"{path}.{name}", name in required))
        out |= _facts(sub, root, f"{path}.{name}", depth + 1)
    return out


def _descriptions(node: Any, root: dict[str, Any], path: str = "") -> dict[str, str]:
    node = _deref(node, root)
    if not isinstance(node, dict) or path.count(".") > 3:
        return {}
    out = {path: node["description"]} if node.get("description") else {}
    for sub in node.get("anyOf") or []:  # a `$ref` with siblings, wrapped
        out = _descriptions(sub, root, path) | out
    for name, sub in (node.get("properties") or {}).items():
        out |= _descriptions(sub, root, f"{path}.{name}")
    return out


def _openapi_call(params: dict[str, Any]) -> dict[str, Any]:
    function: dict[str, Any] = {"name": "f"} | (
        {"parameters": params} if params else {}
    )
    return {"tools": [{"type": "function", "function": function}]}


def _as_written(node: Any, v1: bool = False) -> Any:
    """`node` as JSON Schema reads it: BFCL's type names (`dict`, `String`; others,
    as Java's `HashMap`, any value); an enum of other values than its type is
    unsatisfiable, read as loose; `pattern` (the value maker ignores it) and, `v1`,
    what that form describes (an enum with "", tuple positions) are not checked."""
    if isinstance(node, list):
        return [_as_written(n, v1) for n in node]
    if not isinstance(node, dict):
        return node
    skip = {"pattern", "prefixItems"} if v1 else {"pattern"}
    out = {k: _as_written(v, v1) for k, v in node.items() if k not in skip}
    out["properties"] = {
        k: _as_written(v, v1) for k, v in node.get("properties", {}).items()
    }
    kinds = node.get("type")
    kinds = [{"dict": "object", "float": "number", "tuple": "array"}.get(
        str(k).lower(), str(k).lower()) for k in ([kinds] if isinstance(kinds, str)
        else kinds or [])]  # fmt: skip
    out["type"] = [k for k in kinds if k in _JSON_TYPES] or _JSON_TYPES
    said = {_JSON_TYPES[_KIND.get(type(v), 6)] for v in node.get("enum", [])}
    said -= {*out["type"], "integer" if "number" in out["type"] else "null"}
    if said or (v1 and "" in node.get("enum", ())):
        del out["enum"]
    return out


_JSON_TYPES = ["string", "integer", "number", "boolean", "array", "object", "null"]
_KIND = {str: 0, int: 1, float: 2, bool: 3, list: 4, dict: 5}


@pytest.mark.parametrize(("name", "schema"), CORPUS, ids=[c[0] for c in CORPUS])
def test_meaning_survives_and_gemini_accepts(name: str, schema: dict[str, Any]) -> None:
    """Each form passes Gemini's rules (the native one is JSON Schema), keeps the
    meaning, and a value made for it (the `/v1` one restored) is the user's."""
    native = native_form(schema)
    openapi, decoder = openapi_form(schema)
    assert json_schema_problem(native, root_object=True) is None
    jsonschema.Draft202012Validator.check_schema(native)
    if name != "raw":  # (its `merged` has no value: a closed `allOf` part)
        valid = jsonschema.Draft202012Validator(_as_written(schema)).iter_errors
        assert not list(valid(value_for(native)))
        valid = jsonschema.Draft202012Validator(_as_written(schema, True)).iter_errors
        assert not list(valid(restore(value_for(openapi), decoder)))
    assert check_openai(_openapi_call(openapi), json_form=False) is None
    for converted in (native, openapi):
        facts = _facts(converted, converted)
        assert _facts(schema, schema) <= facts
        said = _descriptions(converted, converted)
        for path, text in _descriptions(schema, schema).items():
            assert said[path].startswith(text), path
    assert "$ref" not in json.dumps(openapi) and "title" not in openapi


def test_the_raw_corpus_breaks_gemini_s_rules() -> None:
    """What the package sent before: most schemas fail on `/v1`, recursive and
    draft-07 ones natively too (the emulator's rules, Gemini's texts)."""
    failing = [n for n, s in CORPUS if check_openai(_openapi_call(s), json_form=False)]
    assert {"playwright:browser_drop", "filesystem:edit_file", "memory:create_entities",
            "sequential-thinking:sequentialthinking", "fetch:fetch",
            "raw", "Kitchen", "Tree", "undefined required",
            "empty choice"} <= set(failing)  # fmt: skip
    assert "Unknown name" in check_openai(_openapi_call(RAW), json_form=False)  # type: ignore[operator]
    assert json_schema_problem(Tree.model_json_schema(), root_object=True)
    assert json_schema_problem(OldModel.schema())
    draft7 = {"type": "object", "properties": {"p": {"$ref": "#/definitions/P"}},
              "definitions": {"P": {"type": "string"}}}  # fmt: skip
    assert (
        json_schema_problem(draft7) == "reference to undefined schema at properties.p"
    )


@pytest.mark.parametrize("convert", [native_form, lambda s: openapi_form(s)[0]])
def test_references_inlined_and_recursion_cut(convert: Any) -> None:
    tree = convert(Tree.model_json_schema())
    assert "$ref" not in json.dumps(tree) and "$defs" not in tree
    assert set(tree["properties"]["leaves"]["items"]["properties"]) == {
        "label",
        "weight",
    }
    node = tree
    for _ in range(UNROLL - 1):
        node = node["properties"]["children"]["items"]
        assert node["required"] == ["name", "children"]
    cut = node["properties"]["children"]  # no value left for an item: none allowed
    assert cut["maxItems"] == 0
    assert "nested Tree, not described further" in cut["description"]
    old = convert(OldModel.schema())
    assert set(old["properties"]["parts"]["items"]["properties"]) == {
        "title",
        "parts",
        "leaf",
    }


def test_the_cut_never_allows_what_the_schema_does_not() -> None:
    """At the cut, a reference is null where null is allowed, left out (and said)
    where it need not be given, an empty list in a list; a schema that requires
    itself at every depth has no finite value: bad input, before anything is sent."""
    link = {"$ref": "#/$defs/Node"}
    node = {"type": "object", "required": ["name", "next"], "properties": {
        "name": {"type": "string"}, "next": {"anyOf": [link, {"type": "null"}]},
        "spare": link, "more": {"type": "array", "items": link}}}  # fmt: skip
    schema = {"$ref": "#/$defs/Node", "$defs": {"Node": node}}
    for openapi in (False, True):
        deep, decoder = convert(schema, openapi=openapi)
        for _ in range(UNROLL - 1):
            deep, decoder = deep["properties"]["spare"], (decoder or {}).get(
                "properties", {}).get("spare")  # fmt: skip
        assert set(deep["properties"]) == {"name", "next", "more"}
        assert 'left out: {"spare":"nested Node' in deep["description"]
        assert deep["properties"]["more"]["maxItems"] == 0
        said = deep["properties"]["next"]
        assert "nested Node, not described further: null" in said["description"]
        assert said.get("type") == "null" or said["enum"] == ["null"]
    assert restore({"name": "n", "next": "null"}, decoder) == {
        "name": "n",
        "next": None,
    }
    node["required"].append("spare")
    with pytest.raises(InvalidInputError, match="no finite value"):
        convert(schema, openapi=False)


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "object", "additionalProperties": {"type": "integer"}},
        {"type": "object", "additionalProperties": True, "description": "any"},
        {"type": "object", "additionalProperties": {}},
    ],
)
def test_a_free_form_root_is_one_json_text_property_on_v1(
    schema: dict[str, Any],
) -> None:
    """Gemini's `Schema` needs properties on an object: arguments of any names are
    asked for as one JSON object in one property, and decoded back; natively the
    schema goes as it is."""
    openapi, decoder = openapi_form(schema)
    assert check_openai(_openapi_call(openapi), json_form=False) is None
    ((name, said),) = openapi["properties"].items()
    assert openapi["required"] == [name]
    assert "a JSON object, written as JSON text" in said["description"]
    args = {name: '{"a": 1, "b": 2}'}
    assert restore(args, decoder) == {"a": 1, "b": 2}
    assert restore({}, decoder) == {}  # nothing given: nothing to decode
    assert native_form(schema) == schema
    assert json_schema_problem(schema, root_object=True) is None
    assert "properties" not in openapi_form({"type": "object"})[0]  # no arguments


def test_constraints_go_into_the_description() -> None:
    native = native_form(RAW)["properties"]
    assert "exclusiveMinimum: 0" in native["size"]["description"]
    assert native["where"]["description"] == "the place"  # the reference's own
    assert native["where"]["properties"]["city"]["description"] == "a city"
    openapi = openapi_form(RAW)[0]["properties"]
    assert openapi["url"] == {
        "type": "string", "description": 'default: "https://x.test"; format: "uri"'
    }  # fmt: skip
    assert openapi["kind"] == {
        "anyOf": [{"type": "string", "enum": ["a"]}, {"type": "string", "enum": ["b"]}],
        "description": "which",
    }
    assert openapi["size"]["nullable"] is True and openapi["size"]["type"] == "integer"
    assert "prefixItems" in openapi["pair"]["description"]
    assert "pattern" in openapi["merged"]["properties"]["zip"]
    assert openapi["merged"]["required"] == ["city", "zip"]


def test_v1_values_come_back_in_the_schema_s_own_types() -> None:
    _, decoder = openapi_form(Kitchen.model_json_schema())
    sent = {"mode": "fast", "level": "2", "meta": '{"a": [1]}', "tags": "{}",
            "point": [3, "x"], "either": {"label": "l", "weight": "3"},
            "maybe": None, "grid": [[1.5]]}  # fmt: skip
    value = restore(sent, decoder)
    assert Kitchen.model_validate(value).level == 2
    assert value["meta"] == {"a": [1]} and value["either"]["weight"] == 3
    jsonschema.validate(value, Kitchen.model_json_schema())
    _, raw = openapi_form(RAW)
    back = restore({"mode": "1", "flag": "true", "empty": "{}", "list": ["[1]"]}, raw)
    assert back == {"mode": 1, "flag": True, "empty": {}, "list": [[1]]}
    _, response = openapi_form(Kitchen.model_json_schema(), string_enums=False)
    assert openapi_form(Kitchen.model_json_schema(), string_enums=False)[0][
        "properties"
    ]["level"] == {"type": "integer", "description": "how hard (enum: [1,2,3])"}
    assert restore({"level": 2}, response) == {"level": 2}


def test_unresolvable_reference_is_bad_input() -> None:
    with pytest.raises(InvalidInputError, match="points to nothing"):
        openapi_form({"type": "object", "properties": {"a": {"$ref": "#/nope"}}})


@pytest.mark.parametrize(
    ("name", "sent"),
    [
        ("get_weather", "get_weather"),
        ("mcp__my-server__read/file", "mcp__my-server__read_file"),
        ("1st tool", "_1st_tool"),
        ("x" * 80, "x" * 55 + "_" + "8c5a4e9c"),
    ],
)
def test_wire_names(name: str, sent: str) -> None:
    assert wire_name(name)[:56] == sent[:56] and len(wire_name(name)) <= 64
    assert wire_name(wire_name(name)) == wire_name(name)


def test_colliding_names_are_bad_input() -> None:
    tools = [FunctionTool(n, "", {}) for n in ("read/file", "read_file")]
    with pytest.raises(InvalidInputError, match="would both be sent"):
        check_names(tools)
    with pytest.raises(InvalidInputError, match="would both be sent"):
        check_names([tools[0], tools[0]])


def test_a_root_union_becomes_one_object() -> None:
    """A tool whose parameters are a union of objects (a zod / pydantic discriminated
    union, as MCP servers list them): Gemini's root is one object, on both routes."""
    kinds = {"kind": {"type": "string"}}
    schema = {
        "oneOf": [{"$ref": "#/$defs/ByName"}, {"$ref": "#/$defs/ById"}],
        "$defs": {
            "ByName": {"type": "object", "properties": kinds | {"name": {}},
                       "required": ["kind", "name"]},
            "ById": {"type": "object", "properties": kinds | {"id": {"type": "number"}},
                     "required": ["kind", "id"]},
        },
    }  # fmt: skip
    native, (openapi, _) = native_form(schema), openapi_form(schema)
    assert json_schema_problem(native, root_object=True) is None
    assert check_openai(_openapi_call(openapi), json_form=False) is None
    for form in (native, openapi):
        assert form["type"] == "object" and form["required"] == ["kind"]
        assert set(form["properties"]) == {"kind", "name", "id"}
        assert "one of [['kind', 'name'], ['kind', 'id']]" in form["description"]
    assert "properties" not in openapi_form(schema, string_enums=False)[0]  # responses
    anything = {"$ref": "#/$defs/X", "$defs": {"X": True}}  # a root of any value
    assert openapi_form(anything)[1] == {"json": True}


class _Cat(BaseModel):
    meow: int


class _Dog(BaseModel):
    bark: str


class _Pet(BaseModel):
    tag: int | str | None
    pet: _Cat | _Dog | None = None
    kind: Literal[1, 2] | None = None


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ({"tag": 1}, True),
        ({"tag": None, "pet": None}, True),
        ({"tag": "x", "pet": {"meow": 1}}, True),
        ({"tag": 1, "pet": {"bark": "w"}}, True),
        ({"tag": 1, "kind": 2}, True),
        ({"tag": 1, "kind": None}, True),
        ({"tag": 1, "pet": 3}, False),
        ({"tag": [1]}, False),
        ({"tag": 1, "kind": 3}, False),
    ],
)
def test_nullable_unions_accept_what_the_schema_accepts(
    value: dict[str, Any], valid: bool
) -> None:
    """The native form takes exactly the values the user's schema takes (an
    optional union of models was sent as `anyOf` beside `type: null`: nothing)."""
    schema = _Pet.model_json_schema()
    for form in (schema, native_form(schema)):
        errors = list(jsonschema.Draft202012Validator(form).iter_errors(value))
        assert not errors if valid else errors, (form, value)


def test_bfcl_type_names_and_enums_of_another_type() -> None:
    """BFCL's definitions (as its data ships them): a type name in another case is
    the JSON Schema type, an unknown one (Java's) any value with the name said; an
    enum whose values are not of the declared type is said, the type kept (`/v1`
    turned such an array or integer into a string)."""
    schema = {"type": "dict", "properties": {
        "name": {"type": "String"}, "map": {"type": "HashMap"},
        "adults": {"type": "integer", "enum": ["1", "2", "dontcare"]},
        "metrics": {"type": "array", "items": {"type": "string"},
                    "enum": ["temperature", "co2"]}}}  # fmt: skip
    for openapi in (False, True):
        props = convert(schema, openapi=openapi)[0]["properties"]
        assert props["name"] == {"type": "string"}
        assert 'declared type: ["HashMap"]' in props["map"]["description"]
        assert props["adults"]["type"] == "integer" and "enum" not in props["adults"]
        assert 'enum: ["1","2","dontcare"]' in props["adults"]["description"]
        assert props["metrics"]["type"] == "array"
    assert restore({"adults": 2, "map": '{"a": 1}'}, openapi_form(schema)[1]) == {
        "adults": 2, "map": {"a": 1}}  # fmt: skip
