"""bind_tools, tool_choice and Gemini's built-in tools, on both routes, on the wire."""

from __future__ import annotations

import enum
import json
from functools import partial
from typing import Any, Optional, Union

import pytest
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langchain_core.tools import tool
from pydantic import BaseModel, Field
from pydantic import v1 as pydantic_v1
from typing_extensions import TypedDict

from langchain_aihubmix._errors.base import InvalidInputError
from langchain_aihubmix._options.gemini_schema import UNROLL
from langchain_aihubmix.testing import AiHubMixEmulator
from tests.integration_tests.sample_tools import get_time, get_weather
from tests.support import ROUTES, MakeLLM, run


@pytest.fixture
def make_llm(make_llm: MakeLLM) -> MakeLLM:
    return partial(make_llm, max_retries=0)


def wire_params(hub: AiHubMixEmulator) -> dict[str, dict[str, Any]]:
    """Tool name -> the parameter schema that reached the wire (either route)."""
    request = hub.requests[-1]
    out: dict[str, dict[str, Any]] = {}
    for entry in request.body.get("tools") or []:
        if request.route == "openai":
            out[entry["function"]["name"]] = entry["function"].get("parameters")
            continue
        for decl in entry.get("functionDeclarations") or []:
            out[decl["name"]] = decl.get("parametersJsonSchema") or decl.get(
                "parameters_json_schema"
            )
    return out


# -- every accepted tool form ---------------------------------------------------------


def add_numbers(a: int, b: int) -> int:
    """Add two integers.

    Args:
        a: first addend.
        b: second addend.
    """
    return a + b


class SearchDocs(BaseModel):
    """Search the docs."""

    query: str = Field(description="what to look for")


class SearchDocsV1(pydantic_v1.BaseModel):
    """Search the docs (pydantic v1)."""

    query: str


class Ticket(TypedDict):
    """Open a ticket."""

    title: str
    priority: int


JSON_SCHEMA_TOOL = {
    "title": "lookup",
    "description": "Look up a place.",
    "type": "object",
    "properties": {"where": {"$ref": "#/$defs/Place"}},
    "required": ["where"],
    "$defs": {
        "Place": {
            "type": "object",
            "properties": {"city": {"type": "string"}, "zip": {"type": "string"}},
            "required": ["city"],
        }
    },
}
ROOT_REF_TOOL = {  # core drops a titled schema's root without `properties`
    "title": "locate",
    "description": "Locate a place.",
    "$ref": "#/$defs/Place",
    "$defs": JSON_SCHEMA_TOOL["$defs"],
}
OPENAI_TOOL = {
    "type": "function",
    "function": {
        "name": "convert_units",
        "description": "Convert units.",
        "parameters": {
            "type": "object",
            "properties": {
                "value": {"type": "number"},
                "unit": {"type": "string", "enum": ["m", "ft"]},
            },
            "required": ["value", "unit"],
        },
    },
}
ANTHROPIC_TOOL = {
    "name": "send_email",
    "description": "Send an email.",
    "input_schema": {
        "type": "object",
        "properties": {"to": {"type": "string"}, "body": {"type": "string"}},
        "required": ["to"],
    },
}

ALL_FORMS: list[Any] = [
    get_weather,
    add_numbers,
    SearchDocs,
    SearchDocsV1,
    Ticket,
    JSON_SCHEMA_TOOL,
    ROOT_REF_TOOL,
    OPENAI_TOOL,
    ANTHROPIC_TOOL,
]
EXPECTED_FIELDS = {
    "get_weather": ({"city"}, ["city"]),
    "add_numbers": ({"a", "b"}, ["a", "b"]),
    "SearchDocs": ({"query"}, ["query"]),
    "SearchDocsV1": ({"query"}, ["query"]),
    "Ticket": ({"title", "priority"}, ["title", "priority"]),
    "lookup": ({"where"}, ["where"]),
    "locate": ({"city", "zip"}, ["city"]),
    "convert_units": ({"value", "unit"}, ["value", "unit"]),
    "send_email": ({"to", "body"}, ["to"]),
}


@pytest.mark.parametrize("transport", ROUTES)
def test_every_tool_form_reaches_the_wire(
    make_llm: MakeLLM, hub: AiHubMixEmulator, transport: str
) -> None:
    reply = make_llm(transport).bind_tools(ALL_FORMS).invoke("use send_email now")
    params = wire_params(hub)
    assert set(params) == set(EXPECTED_FIELDS)
    for name, (props, required) in EXPECTED_FIELDS.items():
        assert params[name]["type"] == "object", name
        assert set(params[name]["properties"]) == props, name
        assert sorted(params[name].get("required", [])) == sorted(required), name
    assert params["convert_units"]["properties"]["unit"]["enum"] == ["m", "ft"]
    assert params["SearchDocs"]["properties"]["query"]["description"] == (
        "what to look for"
    )
    # References are inlined (Gemini's reference rules differ by form and route).
    assert params["lookup"]["properties"]["where"]["required"] == ["city"]
    assert "$defs" not in json.dumps(params) and "$ref" not in json.dumps(params)
    (call,) = reply.tool_calls
    assert call["name"] == "send_email" and set(call["args"]) == {"to", "body"}


# -- lossless schemas -----------------------------------------------------------------


class Color(str, enum.Enum):
    RED = "red"
    BLUE = "blue"


class Item(BaseModel):
    sku: str
    qty: int = 1


class Order(BaseModel):
    """Place an order."""

    items: list[Item]
    color: Color
    note: Optional[str] = None  # noqa: UP045 - the Optional spelling on purpose
    meta: dict[str, Any]
    target: Union[int, str]  # noqa: UP007 - the Union spelling on purpose
    ship_to: Item


class Node(BaseModel):
    """A tree of nodes (recursive)."""

    name: str
    children: list[Node] = []


@pytest.mark.parametrize("transport", ROUTES)
def test_schemas_are_converted_without_loss(
    make_llm: MakeLLM, hub: AiHubMixEmulator, transport: str
) -> None:
    reply = make_llm(transport).bind_tools([Order, Node]).invoke("use Order and Node")
    params = wire_params(hub)
    order = params["Order"]
    assert order["type"] == "object"

    props = order["properties"]  # references inlined
    assert sorted(order["required"]) == ["color", "items", "meta", "ship_to", "target"]
    item = props["items"]["items"]
    assert item["type"] == "object" and set(item["properties"]) == {"sku", "qty"}
    assert item["required"] == ["sku"]
    assert props["color"]["enum"] == ["red", "blue"]
    assert [o["type"] for o in props["target"]["anyOf"]] == ["integer", "string"]
    assert set(props["ship_to"]["properties"]) == {"sku", "qty"}
    node = params["Node"]
    assert node["type"] == "object"
    if transport == "native":  # JSON Schema
        assert props["note"]["type"] == ["string", "null"]
        assert props["meta"] == {"additionalProperties": True, "title": "Meta",
                                 "type": "object"}  # fmt: skip
    else:  # Gemini's `Schema`: nullable, free-form objects as JSON text
        assert props["note"] == {"nullable": True, "type": "string"}
        assert props["meta"]["type"] == "string"
        assert "JSON text" in props["meta"]["description"]
    deepest = node  # the recursion unrolled, then cut
    for _ in range(UNROLL - 1):  # the root is the first level
        deepest = deepest["properties"]["children"]["items"]
        assert set(deepest["properties"]) == {"name", "children"}
    cut = deepest["properties"]["children"]  # an item cannot be given: none allowed
    assert cut["maxItems"] == 0 and "not described further" in cut["description"]
    calls = {c["name"]: c["args"] for c in reply.tool_calls}
    Order.model_validate(calls["Order"])
    Node.model_validate(calls["Node"])


def test_a_tool_without_a_name_fails_before_sending(
    make_llm: MakeLLM, hub: AiHubMixEmulator
) -> None:
    spec = {"name": "", "description": "d", "input_schema": {"type": "object"}}
    with pytest.raises(InvalidInputError, match="needs a name"):
        make_llm().bind_tools([spec])
    assert hub.requests == []


def test_unknown_tool_choice_fails_before_sending(
    make_llm: MakeLLM, hub: AiHubMixEmulator
) -> None:
    with pytest.raises(InvalidInputError, match="names no bound tool"):
        make_llm().bind_tools([get_weather], tool_choice="get_time")
    assert hub.requests == []


# -- tool choice ----------------------------------------------------------------------


CHOICES: list[tuple[Any, dict[str, Any] | None, Any, list[str]]] = [
    # choice, native functionCallingConfig, openai tool_choice, called tools
    ("auto", {"mode": "AUTO"}, "auto", ["get_weather"]),
    ("any", {"mode": "ANY"}, "required", ["get_weather"]),
    ("required", {"mode": "ANY"}, "required", ["get_weather"]),
    (True, {"mode": "ANY"}, "required", ["get_weather"]),
    ("none", {"mode": "NONE"}, "none", []),
    (
        "get_time",
        {"mode": "ANY", "allowedFunctionNames": ["get_time"]},
        {"type": "function", "function": {"name": "get_time"}},
        ["get_time"],
    ),
    (
        {"type": "function", "function": {"name": "get_time"}},
        {"mode": "ANY", "allowedFunctionNames": ["get_time"]},
        {"type": "function", "function": {"name": "get_time"}},
        ["get_time"],
    ),
    (None, None, "auto", ["get_weather"]),
]


@pytest.mark.parametrize(("choice", "native", "openai", "called"), CHOICES)
@pytest.mark.parametrize("transport", ROUTES)
def test_tool_choice_on_the_wire(
    make_llm: MakeLLM,
    hub: AiHubMixEmulator,
    transport: str,
    choice: Any,
    native: dict[str, Any] | None,
    openai: Any,
    called: list[str],
) -> None:
    llm = make_llm(transport).bind_tools([get_weather, get_time], tool_choice=choice)
    reply = llm.invoke("What is the weather in city: Oslo? use get_weather")
    body = hub.requests[-1].body
    if transport == "native":
        config = (body.get("toolConfig") or {}).get("functionCallingConfig")
        assert config == native
    else:
        assert body["tool_choice"] == openai
    assert [c["name"] for c in reply.tool_calls] == called


@pytest.mark.parametrize("transport", ROUTES)
def test_tool_without_arguments_and_parallel_calls(
    make_llm: MakeLLM, hub: AiHubMixEmulator, transport: str
) -> None:
    @tool
    def get_status() -> str:
        """Report the system status."""
        return "ok"

    llm = make_llm(transport).bind_tools([get_status, get_weather])
    reply = llm.invoke("call get_status and get_weather for city: Rome")
    assert [(c["name"], c["args"]) for c in reply.tool_calls] == [
        ("get_status", {}),
        ("get_weather", {"city": "Rome"}),
    ]
    params = wire_params(hub)["get_status"]
    if transport == "native":
        assert params["type"] == "object" and not params.get("properties")
    else:  # Gemini's `Schema` rejects an object without properties
        assert params is None
    history = [HumanMessage("call get_status and get_weather for city: Rome"), reply]
    tools = {"get_status": get_status, "get_weather": get_weather}
    history += [
        ToolMessage(tools[c["name"]].invoke(c["args"]), tool_call_id=c["id"])
        for c in reply.tool_calls
    ]
    final = llm.invoke(history)
    assert final.text == "get_status returned ok. sunny in Rome."


@pytest.mark.parametrize("transport", ROUTES)
def test_the_emulator_calls_the_tool_the_prompt_is_about(
    make_llm: MakeLLM, transport: str
) -> None:
    """No tool named: the one whose name's words the prompt uses (not the first
    offered), with the place as written."""
    llm = make_llm(transport).bind_tools([get_time, get_weather])
    reply = llm.invoke("What's the weather like in São Paulo today?")
    assert [(c["name"], c["args"]) for c in reply.tool_calls] == [
        ("get_weather", {"city": "São Paulo"})
    ]


# -- built-in tools (native route) ----------------------------------------------------


def _builtin_kinds(body: dict[str, Any]) -> set[str]:
    kinds = set()
    for entry in body.get("tools") or []:
        kinds |= {k for k in entry if k != "functionDeclarations"}
    return kinds


def _code_blocks(message: AIMessage) -> tuple[str, str]:
    call = next(b for b in message.content_blocks if b["type"] == "server_tool_call")
    result = next(
        b for b in message.content_blocks if b["type"] == "server_tool_result"
    )
    return str(call["args"]["code"]), str(result.get("output"))


ENTRIES = ["invoke", "ainvoke", "stream", "astream", "batch"]


@pytest.mark.parametrize("entry", ENTRIES)
@pytest.mark.parametrize("how", ["bind_tools", "init", "call"])
def test_code_execution_from_every_entry_point(
    make_llm: MakeLLM, hub: AiHubMixEmulator, how: str, entry: str
) -> None:
    if how == "bind_tools":
        runnable: Any = make_llm().bind_tools([{"code_execution": {}}])
    elif how == "init":
        runnable = make_llm(code_execution=True)
    else:
        runnable = make_llm().bind(code_execution=True)
    reply = run(runnable, entry, "What is 6*7? Run code.")
    assert _code_blocks(reply) == ("print(6*7)", "42\n")
    assert reply.text == "The code printed 42."
    assert _builtin_kinds(hub.requests[-1].body) == {"codeExecution"}


@pytest.mark.parametrize("entry", ["invoke", "astream"])
def test_search_and_url_context(
    make_llm: MakeLLM, hub: AiHubMixEmulator, entry: str
) -> None:
    llm = make_llm().bind_tools([{"google_search": {}}, {"url_context": {}}])
    reply = run(llm, entry, "Summarise https://example.org/post")
    citations = [
        a
        for b in reply.content_blocks
        if b["type"] == "text"
        for a in b.get("annotations", [])
        if a["type"] == "citation"
    ]
    assert {c["title"] for c in citations} == {"example.com", "wikipedia.org"}
    assert all(c["url"].startswith("https://") for c in citations)
    assert reply.response_metadata["grounding_metadata"]["web_search_queries"]
    urls = reply.response_metadata["url_context_metadata"]
    assert "https://example.org/post" in str(urls)
    assert _builtin_kinds(hub.requests[-1].body) == {"googleSearch", "urlContext"}


def test_builtin_mixed_with_function_tools(
    make_llm: MakeLLM, hub: AiHubMixEmulator
) -> None:
    llm = make_llm().bind_tools([get_weather, {"code_execution": {}}])
    reply = llm.invoke("weather in city: Oslo, use get_weather")
    assert [c["name"] for c in reply.tool_calls] == ["get_weather"]
    body = hub.requests[-1].body
    assert _builtin_kinds(body) == {"codeExecution"}
    assert "get_weather" in wire_params(hub)
    hub.reset()
    coder = make_llm(code_execution=True).bind_tools([get_weather])
    reply = coder.invoke("What is 2+2? Run code.")
    assert reply.tool_calls == [] or reply.tool_calls[0]["name"] == "get_weather"
    assert _builtin_kinds(hub.requests[-1].body) == {"codeExecution"}


@pytest.mark.parametrize("model", ["gemini-3-flash-preview", "gemini-2.5-flash"])
def test_multi_turn_after_code_execution_and_search(
    make_llm: MakeLLM, hub: AiHubMixEmulator, model: str
) -> None:
    coder = make_llm(model=model, code_execution=True)
    first = coder.invoke("What is 12*12? Run code.")
    history: list[Any] = [HumanMessage("What is 12*12? Run code."), first]
    history.append(HumanMessage("And 3+4? Run code."))
    second = coder.invoke(history)  # signatures on code parts validated
    assert second.text == "The code printed 7."
    replayed = hub.requests[-1].body["contents"][1]["parts"]
    keys = {k for part in replayed for k in part}
    assert {"executableCode", "codeExecutionResult"} <= keys or {
        "executable_code",
        "code_execution_result",
    } <= keys
    searcher = make_llm(model=model, google_search=True)
    found = searcher.invoke("Who won?")
    again = searcher.invoke([HumanMessage("Who won?"), found, HumanMessage("Why?")])
    assert "Search results describe Why?" in again.text
    assert hub.requests[-1].body["contents"][1]["role"] == "model"


@pytest.mark.parametrize(
    ("spec", "fragment"),
    [
        ({"code_execution": {}}, "code_execution"),
        ({"google_search": {"time_range_filter": {}}}, "google_search' with a config"),
        ({"url_context": {}}, "url_context"),
    ],
)
def test_builtin_tools_on_openai_route_fail_clearly(
    make_llm: MakeLLM, hub: AiHubMixEmulator, spec: dict[str, Any], fragment: str
) -> None:
    llm = make_llm("openai")
    with pytest.raises(InvalidInputError, match=fragment):
        llm.bind_tools([spec])  # refused when bound, not at call time
    with pytest.raises(InvalidInputError, match=fragment):
        llm.invoke("hi", tools=[spec])
    assert hub.requests == []


def test_search_model_id_on_openai_route(
    make_llm: MakeLLM, hub: AiHubMixEmulator
) -> None:
    reply = make_llm("openai", model="gemini-2.5-flash-search").invoke("Who won?")
    assert hub.requests[-1].body["model"] == "gemini-2.5-flash-search"
    assert reply.text.startswith("Search results describe")
