"""JSON Schemas for structured output: from a schema class or a `response_format`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from langchain_core.utils.function_calling import convert_to_openai_tool
from langchain_core.utils.pydantic import is_basemodel_subclass
from pydantic.v1 import BaseModel as BaseModelV1

from langchain_aihubmix._errors.base import InvalidInputError

__all__ = ["json_schema_of", "model_schema", "response_format_options", "unwrapped"]

_FORMAT_KINDS = frozenset(("object", "array", "string", "number", "integer", "boolean"))
"""`response_format["type"]` values that make it a bare JSON Schema."""


def model_schema(model: type) -> dict[str, Any]:
    """A Pydantic (v2 or v1) class's own JSON Schema."""
    cls = cast("Any", model)
    return dict(
        cls.schema() if issubclass(model, BaseModelV1) else cls.model_json_schema()
    )


def json_schema_of(schema: Mapping[str, Any] | type) -> dict[str, Any]:
    """A JSON Schema for a Pydantic class, TypedDict, or (OpenAI tool) dict."""
    if isinstance(schema, type) and is_basemodel_subclass(schema):
        return model_schema(schema)
    if (
        isinstance(schema, Mapping)
        and "function" not in schema
        and ("properties" in schema or "type" in schema or "$defs" in schema)
    ):
        return dict(schema)
    function = convert_to_openai_tool(schema)["function"]  # titled by its name
    said = {k: function[k] for k in ("description",) if function.get(k)}
    return {"title": function["name"], **said, **function.get("parameters", {})}


def unwrapped(schema: Any) -> Any:
    """OpenAI's `json_schema` forms (`{"type": "json_schema", "json_schema": spec}`
    and a bare spec, `{"name", "schema", "strict"}`) as a titled JSON Schema."""
    spec = schema
    if isinstance(spec, Mapping) and spec.get("type") == "json_schema":
        spec = spec.get("json_schema")
    if isinstance(spec, Mapping) and isinstance(inner := spec.get("schema"), Mapping):
        said = {k: spec[k] for k in ("description",) if k in spec}
        return {"title": spec.get("name", "output"), **said, **inner}
    return schema  # (no schema inside: as given)


def response_format_options(value: Any) -> dict[str, Any]:
    """An OpenAI-style `response_format` -> `response_mime_type` / `response_schema`.

    `create_agent(response_format=...)` binds `{"type": "json_schema", "json_schema":
    {"name", "schema", "strict"}}` (the spec's name is the schema's title); the bare
    spec, `{"type": "json_object"}`, `{"type": "text"}`, `None`, a Pydantic class, a
    TypedDict or a bare JSON Schema are accepted too.
    """
    if value is None:
        return {}
    kind = value.get("type") if isinstance(value, Mapping) else None
    if kind == "text":
        return {}
    if kind == "json_object":
        return {"response_mime_type": "application/json"}
    schema: Any = None
    if (titled := unwrapped(value)) is not value:
        schema = titled
    elif isinstance(value, (Mapping, type)) and (kind is None or kind in _FORMAT_KINDS):
        try:
            schema = json_schema_of(value)
        except Exception as exc:
            msg = f"response_format: cannot build a JSON Schema from it ({exc})."
            raise InvalidInputError(msg) from exc
    if schema is not None:
        return {"response_mime_type": "application/json", "response_schema": schema}
    msg = (
        "response_format must be {'type': 'json_schema', 'json_schema': {'name': ..., "
        "'schema': {...}}}, {'type': 'json_object'}, {'type': 'text'}, or a schema "
        f"class; got {type(value).__name__} {str(value)[:80]!r}."
    )
    raise InvalidInputError(msg)
