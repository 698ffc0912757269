"""Tools with hard schemas and names, through every entry point of both routes.

The emulator checks each declaration as Gemini does (`testing/schema_rules.py`), so
a request it answers is one Gemini accepts; the tool call that comes back carries
the user's tool name and arguments valid against the user's own schema.
"""

from __future__ import annotations

import json
from functools import partial
from itertools import product
from pathlib import Path
from typing import Any, Literal, Optional, Union

import httpx
import jsonschema
import pytest
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langchain_core.tools import StructuredTool
from pydantic import BaseModel, TypeAdapter

from langchain_aihubmix._errors.base import InvalidInputError
from langchain_aihubmix.testing import AiHubMixEmulator
from tests.support import ENTRIES, ROUTES, MakeLLM, run, turns

MCP = Path(__file__).parents[1] / "fixtures" / "mcp"


def _mcp_tool(server: str, name: str, as_name: str) -> dict[str, Any]:
    tools = {t["name"]: t for t in json.loads((MCP / f"{server}.json").read_text())}
    spec = tools[name]
    return {"name": as_name, "description": spec["description"],
            "input_schema": spec["inputSchema"]}  # fmt: skip


class Leaf(BaseModel):
    label: str
    weight: Literal[1, 2, 3]


class Tree(BaseModel):
    """A tree; children are required at every level."""

    name: str
    children: list[Tree]


class Plan(BaseModel):
    """A plan with every union and map spelling."""

    level: Literal[1, 2, 3]
    meta: dict[str, Any]
    either: Union[int, Leaf]  # noqa: UP007
    maybe: Optional[Leaf] = None  # noqa: UP045
    leaves: list[Leaf]


RAW = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "type": "object",
    "properties": {
        "kind": {"oneOf": [{"const": "a"}, {"const": "b"}]},
        "mode": {"type": "integer", "enum": [0, 1, 2]},
        "flag": {"const": True},
        "size": {"type": ["integer", "null"], "exclusiveMinimum": 0},
        "empty": {"type": "object"},
        "anything": {},
        "where": {"$ref": "#/definitions/Place", "description": "the place"},
        "merged": {"allOf": [{"$ref": "#/definitions/Base"}, {"properties": {
            "zip": {"type": "string", "pattern": "^[0-9]{5}$"}}, "required": ["zip"]}]},
    },
    "required": ["kind", "mode", "flag", "empty", "where", "merged"],
    "additionalProperties": False,
    "definitions": {
        "Place": {"type": "object", "properties": {"city": {"type": "string"}},
                  "required": ["city"], "additionalProperties": False},
        "Base": {"type": "object", "properties": {"city": {"type": "string"}},
                 "required": ["city"]},
    },
}  # fmt: skip
LONG = "mcp__knowledge-graph-server__" + "create_entities_" * 4
TOOLS: list[tuple[Any, str, dict[str, Any]]] = [
    # tool as bound, the user's name, the schema its arguments must satisfy
    (
        spec := _mcp_tool("memory", "create_entities", "mcp__memory__create/entities"),
        spec["name"],
        spec["input_schema"],
    ),
    (
        spec := _mcp_tool("playwright", "browser_drop", LONG),
        LONG,
        spec["input_schema"],
    ),
    (Plan, "Plan", Plan.model_json_schema()),
    (Tree, "Tree", Tree.model_json_schema()),
    ({"name": "raw.lookup", "description": "Look up.", "input_schema": RAW},
     "raw.lookup", RAW),
]  # fmt: skip
PROMPT = "zip: 12345 target: e1 label: x name: root"


@pytest.fixture
def make_llm(make_llm: MakeLLM) -> MakeLLM:
    return partial(make_llm, max_retries=0)


@pytest.mark.parametrize("entry", ENTRIES)
@pytest.mark.parametrize("transport", ROUTES)
def test_hard_schemas_come_back_under_the_user_s_names_and_types(
    make_llm: MakeLLM, hub: AiHubMixEmulator, transport: str, entry: str
) -> None:
    llm = make_llm(transport)
    for _, name, schema in TOOLS:
        bound = llm.bind_tools([t for t, _, _ in TOOLS], tool_choice=name)
        reply = run(bound, entry, PROMPT)
        (call,) = reply.tool_calls
        assert call["name"] == name
        jsonschema.validate(call["args"], schema)
        sent = hub.requests[-1].body
        names = _declared(sent, transport)
        assert len(names) == len(TOOLS) and all(len(n) <= 64 for n in names)
    plan = Plan.model_validate(
        run(llm.bind_tools([Plan]), entry, PROMPT).tool_calls[0]["args"]
    )
    assert plan.level in (1, 2, 3) and isinstance(plan.meta, dict)


def _declared(body: dict[str, Any], transport: str) -> list[str]:
    if transport == "openai":
        return [t["function"]["name"] for t in body["tools"]]
    return [d["name"] for t in body["tools"] for d in t.get("functionDeclarations", [])]


@pytest.mark.parametrize("transport", ROUTES)
def test_a_history_replays_under_gemini_s_names(
    make_llm: MakeLLM, hub: AiHubMixEmulator, transport: str
) -> None:
    tool, name, _ = TOOLS[0]
    llm = make_llm(transport).bind_tools([tool])
    reply = llm.invoke(PROMPT)
    (call,) = reply.tool_calls
    history = [
        HumanMessage(PROMPT),
        reply,
        ToolMessage("done", tool_call_id=call["id"]),
    ]
    final = llm.invoke(history)
    assert isinstance(final, AIMessage) and "done" in final.text
    body = json.dumps(hub.requests[-1].body)
    assert name not in body and "mcp__memory__create_entities" in body


def test_names_that_would_collide_fail_at_bind_time(
    make_llm: MakeLLM, hub: AiHubMixEmulator
) -> None:
    spec = {"description": "d", "input_schema": {"type": "object"}}
    with pytest.raises(InvalidInputError, match="would both be sent"):
        make_llm().bind_tools(
            [{"name": "read/file", **spec}, {"name": "read_file", **spec}]
        )
    assert hub.requests == []


class Report(BaseModel):
    """A report with a free-form map and an integer choice."""

    score: Literal[1, 2, 3]
    extra: dict[str, Any]


@pytest.mark.parametrize("transport", ROUTES)
def test_structured_output_in_the_schema_s_own_types(
    make_llm: MakeLLM, hub: AiHubMixEmulator, transport: str
) -> None:
    report = make_llm(transport).with_structured_output(Report).invoke("score: 2")
    assert isinstance(report, Report) and report.extra == {}


# -- free-form arguments and recursion cut where the model can still answer -------

TALLY = StructuredTool.from_function(
    lambda **counts: str(counts), name="tally", description="Count things.",
    args_schema=TypeAdapter(dict[str, int]).json_schema(),
)  # fmt: skip
FREE_FORM = {  # the tool, and the arguments the prompt's `key: value` pairs give
    "dict[str, int]": (TALLY, {"apples": 3, "pears": 5}),
    "map of strings": (
        {"name": "label", "description": "Label things.", "input_schema": {
            "type": "object", "additionalProperties": {"type": "string"}}},
        {"apples": "3", "pears": "5"},
    ),
    "any keys": (
        {"name": "note", "description": "Note anything.", "input_schema": {
            "type": "object", "additionalProperties": True}},
        {"apples": "3", "pears": "5"},
    ),
}  # fmt: skip


@pytest.mark.parametrize(
    ("case", "transport", "entry"), turns(product(FREE_FORM, ROUTES), ENTRIES)
)
def test_free_form_arguments_reach_the_tool(
    make_llm: MakeLLM, hub: AiHubMixEmulator, case: str, transport: str, entry: str
) -> None:
    """An object of any keys (no `properties`) can be given arguments on both
    routes: Gemini's `Schema` needs properties, so `/v1` asks for them as JSON."""
    tool, expected = FREE_FORM[case]
    reply = run(make_llm(transport).bind_tools([tool]), entry, "apples: 3 pears: 5")
    (call,) = reply.tool_calls
    assert call["args"] == expected
    if transport == "openai":
        (sent,) = hub.requests[-1].body["tools"]
        assert sent["function"]["parameters"]["properties"]


class Beta(BaseModel):
    """One side of a mutual recursion."""

    name: str
    alpha: Alpha | None
    alphas: list[Alpha]
    spare: Alpha | None = None


class Alpha(BaseModel):
    """The other side."""

    beta: Beta | None
    betas: list[Beta] = []


Beta.model_rebuild()
RECURSIVE = [Tree, Alpha, Beta]


@pytest.mark.parametrize(
    ("model", "transport", "entry"), turns(product(RECURSIVE, ROUTES), ENTRIES)
)
def test_recursive_arguments_are_valid_at_the_cut(
    make_llm: MakeLLM, model: type[BaseModel], transport: str, entry: str
) -> None:
    """Recursion is described a few levels deep, then cut; what the model may
    give at the cut is still valid for the user's model (self and mutual
    recursion, through lists and optionals)."""
    reply = run(make_llm(transport).bind_tools([model]), entry, "name: root")
    (call,) = reply.tool_calls
    value = model.model_validate(call["args"])
    assert "root" in json.dumps(value.model_dump())


# -- the emulator answers invalid declarations as Gemini does ------------------------


def test_emulator_rejects_what_gemini_rejects(hub: AiHubMixEmulator) -> None:
    key = {"x-goog-api-key": hub.api_key}
    url = f"{hub.base_url}/gemini/v1beta/models/gemini-2.5-flash:generateContent"
    user = [{"role": "user", "parts": [{"text": "hi"}]}]

    def native(decl: dict[str, Any]) -> httpx.Response:
        body = {"contents": user, "tools": [{"functionDeclarations": [decl]}]}
        return httpx.post(url, json=body, headers=key)

    reply = native({"name": "f", "parameters": {"type": "object", "properties": {
        "a": {"type": "object", "additionalProperties": False,
              "properties": {"b": {"type": "string"}}}}}})  # fmt: skip
    assert reply.status_code == 400
    assert reply.json()["error"]["message"] == (
        'Invalid JSON payload received. Unknown name "additionalProperties" at '
        "'tools[0].function_declarations[0].parameters.properties[0].value': "
        "Cannot find field."
    )
    defs = Tree.model_json_schema()["$defs"]  # children required: no cut possible
    tree = {"type": "object", "properties": {"t": {"$ref": "#/$defs/Tree"}},
            "required": ["t"], "$defs": defs}  # fmt: skip
    reply = native({"name": "f", "parametersJsonSchema": tree})
    assert reply.json()["error"]["message"] == "Request contains an invalid argument."
    reply = native({"name": "f", "parameters": {"type": "object"}})
    assert reply.json()["error"]["message"] == (  # langchainjs#7935 quotes it
        "* GenerateContentRequest.tools[0].function_declarations[0].parameters."
        "properties: should be non-empty for OBJECT type\n"
    )
    reply = native({"name": "x" * 65, "parametersJsonSchema": {"type": "object"}})
    assert "function_declarations[0].name: Invalid function name." in reply.text
    v1 = {"model": "gemini-2.5-flash", "messages": [{"role": "user", "content": "hi"}],
          "tool_choice": "auto", "tools": [{"type": "function", "function": {
              "name": "f", "parameters": {"type": "object", "properties": {
                  "n": {"type": "integer", "enum": [1, 2]}}}}}]}  # fmt: skip
    bearer = {"Authorization": f"Bearer {hub.api_key}"}
    reply = httpx.post(f"{hub.base_url}/v1/chat/completions", json=v1, headers=bearer)
    assert reply.status_code == 400
    assert (
        "Invalid value at 'tools[0].function_declarations[0].parameters" in reply.text
    )
    hub.openai_quirks.tool_schemas = "json_schema"  # a gateway passing JSON Schema
    reply = httpx.post(f"{hub.base_url}/v1/chat/completions", json=v1, headers=bearer)
    assert reply.status_code == 200
