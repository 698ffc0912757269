"""Gemini's rules for function declarations and response schemas, with its 400 texts.

Two schema forms, as Gemini checks them:

- `Schema` (OpenAPI 3.0 subset: `functionDeclarations[].parameters`,
  `generationConfig.responseSchema`, and on the `/v1` route whatever the gateway's
  converter copies there from `tools[].function.parameters` /
  `response_format.json_schema.schema`). Parsed as a proto message first: an unknown
  keyword, a `type` that is not one of Gemini's types (a list, `"null"`), or an enum
  value that is not a string fails with "Invalid JSON payload received. Unknown
  name ..." / "Invalid value at ..." (texts recorded in public issues: one-api,
  gemini-cli, mem0, ax, obsidian-smart-composer). Then validated: `enum` only with
  type STRING, STRING formats only `enum` / `date-time`, an OBJECT needs properties,
  an ARRAY needs `items` ("* GenerateContentRequest.<path>: ..." lines; the
  `should be non-empty for OBJECT type` and `only allowed for STRING type` texts are
  recorded, as are `required[0]: property is not defined` for a required name
  missing from the node's `properties`, `enum[0]: cannot be empty` for "" and
  `items: field predicate failed: $type == Type.ARRAY` for `items` off an array;
  `items: missing field.` is this emulator's reading).
- JSON Schema (`parametersJsonSchema`, `responseJsonSchema`), within Google's
  documented limits: `$ref` only into the root `$defs` ("reference to undefined
  schema at ..."), no sibling keyword beside `$ref` except `$`-keywords ("schema at
  ... can only contain properties starting with '$' when $ref is present"), a cycle
  of references only through a non-required property ("Request contains an invalid
  argument.", as Gemini answers a cyclic schema), and a parameters root of type
  object (wording not recorded).

Function names: at most 64 characters from `[A-Za-z0-9_.:-]`, starting with a letter
or `_` (the text gemini-cli users quote).
"""

from __future__ import annotations

import json
import re
from typing import Any

NAME_RULE = (
    "Invalid function name. Must start with a letter or an underscore. Must be "
    "alphameric (a-z, A-Z, 0-9), underscores (_), dots (.), colons (:), or dashes "
    "(-), with a maximum length of 64."
)
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.:-]{0,63}")
_FIELDS = frozenset(
    {
        *("type", "format", "title", "description", "nullable", "enum", "items"),
        *("maxItems", "minItems", "properties", "required", "minProperties"),
        *("maxProperties", "minLength", "maxLength", "pattern", "example", "anyOf"),
        *("propertyOrdering", "default", "minimum", "maximum"),
    }
)
_SNAKE = {re.sub(r"([A-Z])", r"_\1", f).lower(): f for f in _FIELDS}
_TYPES = frozenset({"STRING", "NUMBER", "INTEGER", "BOOLEAN", "ARRAY", "OBJECT"})
_ANY_ARGUMENT = "Request contains an invalid argument."
_PROTO = "type.googleapis.com/google.ai.generativelanguage.v1beta"


def check_native(body: dict[str, Any]) -> str | None:
    """The 400 message Gemini gives this generateContent body, or None."""
    decls = [
        d
        for tool in _get(body, "tools") or []
        for d in _get(tool, "functionDeclarations") or []
    ]
    config = _get(body, "generationConfig") or {}
    return _check(
        decls,
        _get(config, "responseSchema"),
        _get(config, "responseJsonSchema"),
        json_form=False,
    )


def check_openai(body: dict[str, Any], *, json_form: bool) -> str | None:
    """The 400 message for a `/v1` body, once the gateway's converter has put
    `tools[].function.parameters` and the `response_format` schema in Gemini's
    `parameters` / `responseSchema` (or, `json_form`, the JSON Schema fields)."""
    decls = []
    for tool in body.get("tools") or []:
        function = dict(tool.get("function") or {}) if isinstance(tool, dict) else {}
        if json_form and "parameters" in function:
            function["parametersJsonSchema"] = function.pop("parameters")
        decls.append(function)
    fmt = body.get("response_format") or {}
    schema = (
        (fmt.get("json_schema") or {}).get("schema") if isinstance(fmt, dict) else None
    )
    return _check(
        decls, None if json_form else schema, schema if json_form else None, json_form
    )


def _check(
    decls: list[Any], response: Any, response_json: Any, json_form: bool
) -> str | None:
    parse: list[str] = []
    semantic: list[str] = []
    for i, decl in enumerate(decls):
        at = f"tools[0].function_declarations[{i}]"
        name = _get(decl, "name")
        if not isinstance(name, str) or not _NAME.fullmatch(name):
            semantic.append(f"{at}.name: {NAME_RULE}")
        if (params := _get(decl, "parameters")) is not None:
            _schema(params, f"{at}.parameters", f"{at}.parameters", parse, semantic)
        params = _get(decl, "parametersJsonSchema")
        if params is not None and (problem := json_schema_problem(params, True)):
            return problem
    if response is not None:
        at = "generation_config.response_schema"
        _schema(response, at, at, parse, semantic)
    if response_json is not None and (problem := json_schema_problem(response_json)):
        return problem
    if parse:
        return "\n".join(parse)
    if semantic:
        return "".join(f"* GenerateContentRequest.{line}\n" for line in semantic)
    return None


def _get(obj: Any, camel: str) -> Any:
    if not isinstance(obj, dict):
        return None
    snake = re.sub(r"([A-Z])", r"_\1", camel).lower()
    return obj.get(camel, obj.get(snake))


def _schema(
    node: Any, at: str, named: str, parse: list[str], semantic: list[str]
) -> None:
    """One `Schema`: proto parsing (`at`) and Gemini's checks (`named`)."""
    if not isinstance(node, dict):
        parse.append(f"Invalid value at '{at}' ({_PROTO}.Schema), {json.dumps(node)}")
        return
    for key in node:
        if key not in _FIELDS and key not in _SNAKE:
            parse.append(
                f"Invalid JSON payload received. Unknown name {json.dumps(key)} at "
                f"'{at}': Cannot find field."
            )
    kind = node.get("type")
    if kind is not None and (not isinstance(kind, str) or kind.upper() not in _TYPES):
        parse.append(
            f"Invalid value at '{at}.type' ({_PROTO}.Type), {json.dumps(kind)}"
        )
        kind = None
    enum = node.get("enum")
    for n, value in enumerate(enum if isinstance(enum, list) else []):
        if not isinstance(value, str):
            parse.append(
                f"Invalid value at '{at}.enum[{n}]' (TYPE_STRING), {json.dumps(value)}"
            )
        elif not value:
            semantic.append(f"{named}.enum[{n}]: cannot be empty")
    kind = kind.upper() if isinstance(kind, str) else None
    if enum is not None and kind != "STRING":
        semantic.append(f"{named}.enum: only allowed for STRING type")
    fmt = node.get("format")
    if kind == "STRING" and fmt is not None and fmt not in ("enum", "date-time"):
        semantic.append(
            f"{named}.format: only 'enum' and 'date-time' are supported for STRING type"
        )
    props = node.get("properties")
    if kind == "OBJECT" and not props:
        semantic.append(f"{named}.properties: should be non-empty for OBJECT type")
    for n, name in enumerate(node.get("required") or []):
        if name not in (props if isinstance(props, dict) else {}):
            semantic.append(f"{named}.required[{n}]: property is not defined")
    if kind != "ARRAY" and node.get("items") is not None:
        semantic.append(f"{named}.items: field predicate failed: $type == Type.ARRAY")
    if kind == "ARRAY" and node.get("items") is None:
        semantic.append(f"{named}.items: missing field.")
    for n, (name, sub) in enumerate((props or {}).items()):
        _schema(
            sub,
            f"{at}.properties[{n}].value",
            f"{named}.properties[{name}]",
            parse,
            semantic,
        )
    if node.get("items") is not None:
        _schema(node["items"], f"{at}.items", f"{named}.items", parse, semantic)
    for n, sub in enumerate(node.get("anyOf") or node.get("any_of") or []):
        _schema(sub, f"{at}.any_of[{n}]", f"{named}.any_of[{n}]", parse, semantic)


def json_schema_problem(schema: Any, root_object: bool = False) -> str | None:
    """Gemini's answer to a `parametersJsonSchema` / `responseJsonSchema`, or None."""
    if not isinstance(schema, dict):
        return _ANY_ARGUMENT
    if root_object and schema.get("type") != "object":
        return "parameters_json_schema: the root schema must be of type object"
    found = schema.get("$defs")
    defs: dict[str, Any] = found if isinstance(found, dict) else {}
    edges: dict[str, set[str]] = {}
    problems: list[str] = []

    def walk(node: Any, path: str, owner: str, required: bool) -> None:
        if not isinstance(node, dict):
            return
        if "$ref" in node:
            ref = node["$ref"]
            others = [k for k in node if not k.startswith("$")]
            name = ref[len("#/$defs/") :] if isinstance(ref, str) else ""
            if others:
                problems.append(
                    f"schema at {path or 'root'} can only contain properties "
                    "starting with '$' when $ref is present"
                )
            elif ref == "#":
                edges[owner] |= {"#"} if required else set()
            elif not (
                isinstance(ref, str) and ref.startswith("#/$defs/") and name in defs
            ):
                problems.append(f"reference to undefined schema at {path or 'root'}")
            elif required:
                edges[owner].add(name)
        needed = node.get("required") or []
        for key, value in node.items():
            here = f"{path}.{key}" if path else key
            if key in ("properties", "patternProperties") and isinstance(value, dict):
                for prop, sub in value.items():
                    keep = required and (key != "properties" or prop in needed)
                    walk(sub, f"{here}.{prop}", owner, keep)
            elif key in ("enum", "const", "default", "examples", "required", "$defs"):
                continue
            elif isinstance(value, dict):
                walk(value, here, owner, required)
            elif isinstance(value, list):
                for n, sub in enumerate(value):
                    walk(sub, f"{here}.{n}", owner, required)

    edges["#"] = set()
    walk(schema, "", "#", True)
    for name, sub in defs.items():
        edges[name] = set()
        walk(sub, f"$defs.{name}", name, True)
    if problems:
        return problems[0]
    for start, targets in edges.items():
        todo, seen = list(targets), set()
        while todo:
            node = todo.pop()
            if node == start:
                return _ANY_ARGUMENT
            if node not in seen:
                seen.add(node)
                todo.extend(edges.get(node, ()))
    return None
