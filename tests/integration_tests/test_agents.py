"""Agents end to end on both routes: `create_agent` and a LangGraph `StateGraph`.

Also `create_agent(response_format=...)` (provider and tool strategies, with and
without tools), and message ids that stay unique when a gateway repeats or omits
its response ids.

The emulator calls the offered tools named in the prompt (all at once: parallel
calls; or, when the prompt says "one at a time", one per model step), answers from
the tool results, and validates thought signatures at every step: a signature lost
between steps fails the request with 400 on Gemini 3.
"""

from __future__ import annotations

import json
from functools import partial
from typing import Any

import pytest
from langchain.agents import create_agent
from langchain.agents.middleware import ToolCallLimitMiddleware
from langchain.agents.structured_output import ProviderStrategy, ToolStrategy
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    HumanMessage,
    ToolMessage,
    message_chunk_to_message,
)
from langgraph.graph import START, MessagesState, StateGraph
from langgraph.prebuilt import ToolNode, tools_condition
from pydantic import BaseModel

from langchain_aihubmix import ChatAiHubMixGemini
from langchain_aihubmix._options.resolve import UnknownOptionError
from langchain_aihubmix.errors import InvalidInputError
from langchain_aihubmix.testing import AiHubMixEmulator
from tests.integration_tests.sample_tools import get_time, get_weather
from tests.support import ROUTES, MakeLLM, arun, summed

MODELS = ["gemini-3-flash-preview", "gemini-2.5-flash"]
PARALLEL = "What is the weather in Paris and the time? Use get_weather and get_time."
SEQUENTIAL = (
    "First use get_weather for city: Paris, then get_time for tz: CET, one at a time."
)


TOOLS = [get_weather, get_time]


@pytest.fixture
def make_llm(make_llm: MakeLLM) -> MakeLLM:
    return partial(make_llm, max_retries=0)


def _graph(llm: ChatAiHubMixGemini) -> Any:
    """The classic LangGraph tool loop: agent -> tools -> agent ... -> END."""
    bound = llm.bind_tools(TOOLS)

    def agent(state: MessagesState) -> dict[str, list[BaseMessage]]:
        return {"messages": [bound.invoke(state["messages"])]}

    builder = StateGraph(MessagesState)
    builder.add_node("agent", agent)
    builder.add_node("tools", ToolNode(TOOLS))
    builder.add_edge(START, "agent")
    builder.add_conditional_edges("agent", tools_condition)
    builder.add_edge("tools", "agent")
    return builder.compile()


def _kinds(messages: list[BaseMessage]) -> list[str]:
    """Compact transcript: human / ai:<called tools> / ai:text / tool:<name>."""
    out = []
    for m in messages:
        if isinstance(m, HumanMessage):
            out.append("human")
        elif isinstance(m, AIMessage):
            calls = ",".join(c["name"] for c in m.tool_calls)
            out.append(f"ai:{calls}" if calls else "ai:text")
        elif isinstance(m, ToolMessage):
            out.append(f"tool:{m.name}")
    return out


def _check_requests(hub: AiHubMixEmulator, steps: int, transport: str) -> None:
    requests = hub.requests
    assert len(requests) == steps
    assert all(r.route == transport for r in requests)


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("transport", ROUTES)
def test_create_agent_parallel_calls(
    make_llm: MakeLLM, hub: AiHubMixEmulator, transport: str, model: str
) -> None:
    agent = create_agent(make_llm(transport, model), tools=TOOLS)
    result = agent.invoke({"messages": [HumanMessage(PARALLEL)]})
    messages = result["messages"]
    assert _kinds(messages) == [
        "human",
        "ai:get_weather,get_time",
        "tool:get_weather",
        "tool:get_time",
        "ai:text",
    ]
    calls = messages[1].tool_calls
    assert len({c["id"] for c in calls}) == 2
    assert [m.tool_call_id for m in messages[2:4]] == [c["id"] for c in calls]
    assert messages[-1].text == "sunny in Paris. 12:00 in Paris."
    _check_requests(hub, 2, transport)


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("transport", ROUTES)
def test_create_agent_multi_step(
    make_llm: MakeLLM, hub: AiHubMixEmulator, transport: str, model: str
) -> None:
    agent = create_agent(make_llm(transport, model), tools=TOOLS)
    result = agent.invoke({"messages": [HumanMessage(SEQUENTIAL)]})
    messages = result["messages"]
    assert _kinds(messages) == [
        "human",
        "ai:get_weather",
        "tool:get_weather",
        "ai:get_time",
        "tool:get_time",
        "ai:text",
    ]
    assert messages[1].tool_calls[0]["args"] == {"city": "Paris"}
    assert messages[3].tool_calls[0]["args"] == {"tz": "CET"}
    assert messages[-1].text == "sunny in Paris. 12:00 in CET."
    _check_requests(hub, 3, transport)
    if model.startswith("gemini-3"):
        # Both earlier calls carried signatures, and the last request replayed them.
        for ai in (messages[1], messages[3]):
            sigs = ai.additional_kwargs["__gemini_function_call_thought_signatures__"]
            assert sigs.get(ai.tool_calls[0]["id"])


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("transport", ROUTES)
def test_state_graph_tool_node_loop(
    make_llm: MakeLLM, hub: AiHubMixEmulator, transport: str, model: str
) -> None:
    graph = _graph(make_llm(transport, model))
    steps = [
        next(iter(update))
        for update in graph.stream(
            {"messages": [HumanMessage(SEQUENTIAL)]}, stream_mode="updates"
        )
    ]
    assert steps == ["agent", "tools", "agent", "tools", "agent"]
    _check_requests(hub, 3, transport)
    hub.reset()
    result = graph.invoke({"messages": [HumanMessage(PARALLEL)]})
    assert _kinds(result["messages"]) == [
        "human",
        "ai:get_weather,get_time",
        "tool:get_weather",
        "tool:get_time",
        "ai:text",
    ]
    _check_requests(hub, 2, transport)


@pytest.mark.parametrize("transport", ROUTES)
def test_middleware_tool_message_before_the_tool_nodes(
    make_llm: MakeLLM, transport: str
) -> None:
    """ToolCallLimitMiddleware answers the blocked second call at once, so its
    ToolMessage precedes the first call's: the results still answer the calls in
    call order on the wire."""
    blocked = ToolCallLimitMiddleware(tool_name="get_time", run_limit=0)
    agent = create_agent(make_llm(transport), tools=TOOLS, middleware=[blocked])
    messages = agent.invoke({"messages": [HumanMessage(PARALLEL)]})["messages"]
    assert _kinds(messages)[:4] == [
        "human",
        "ai:get_weather,get_time",
        "tool:get_time",
        "tool:get_weather",
    ]
    assert messages[-1].text.startswith("sunny in Paris. ")


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("transport", ROUTES)
async def test_agent_astream(
    make_llm: MakeLLM, hub: AiHubMixEmulator, transport: str, model: str
) -> None:
    agent = create_agent(make_llm(transport, model), tools=TOOLS)
    tokens: list[AIMessageChunk] = []
    nodes: list[str] = []
    async for mode, payload in agent.astream(
        {"messages": [HumanMessage(SEQUENTIAL)]}, stream_mode=["messages", "updates"]
    ):
        if mode == "messages":
            message, _meta = payload
            if isinstance(message, AIMessageChunk):
                tokens.append(message)
        else:
            nodes.extend(payload)
    assert nodes == ["model", "tools", "model", "tools", "model"]
    streamed_calls = [c["name"] for t in tokens for c in t.tool_call_chunks]
    assert streamed_calls == ["get_weather", "get_time"]
    assert "".join(t.text for t in tokens) == "sunny in Paris. 12:00 in CET."
    assert all(r.query.get("alt") == "sse" for r in hub.requests if r.route == "native")
    assert all(r.body.get("stream") for r in hub.requests if r.route == "openai")
    _check_requests(hub, 3, transport)


@pytest.mark.parametrize("transport", ROUTES)
async def test_state_graph_ainvoke_parallel_gemini3(
    make_llm: MakeLLM, hub: AiHubMixEmulator, transport: str
) -> None:
    graph = _graph(make_llm(transport, "gemini-3-flash-preview"))
    result = await graph.ainvoke({"messages": [HumanMessage(PARALLEL)]})
    assert _kinds(result["messages"])[-1] == "ai:text"
    assert result["messages"][-1].text == "sunny in Paris. 12:00 in Paris."
    _check_requests(hub, 2, transport)


# -- structured output: create_agent(response_format=...) ----------------------------


class Forecast(BaseModel):
    """The weather report the agent returns."""

    city: str
    temperature_c: int


REPORT = (
    "Use get_weather for city: Paris, then give the Forecast with temperature_c: 21."
)
ENTRY_POINTS = ["invoke", "ainvoke", "stream", "astream"]


def _strategy(kind: str) -> Any:
    return {
        "auto": Forecast,
        "provider": ProviderStrategy(Forecast),
        "tool": ToolStrategy(Forecast),
    }[kind]


async def _run_agent(agent: Any, prompt: str, entry: str) -> dict[str, Any]:
    """The agent's final state, through one of its four entry points.

    The stream entry points ask for `messages` too, so that the model is streamed.
    """
    inputs = {"messages": [HumanMessage(prompt)]}
    if entry == "invoke":
        return agent.invoke(inputs)  # type: ignore[no-any-return]
    if entry == "ainvoke":
        return await agent.ainvoke(inputs)  # type: ignore[no-any-return]
    modes = ["messages", "values"]
    states: list[dict[str, Any]] = []
    if entry == "stream":
        states = [
            p for m, p in agent.stream(inputs, stream_mode=modes) if m == "values"
        ]
    else:
        states = [
            p
            async for m, p in agent.astream(inputs, stream_mode=modes)
            if m == "values"
        ]
    return states[-1]


def _schema_on_the_wire(hub: AiHubMixEmulator) -> list[Any]:
    """The response JSON schema each request carried (None when it had none)."""
    out = []
    for request in hub.requests:
        if request.route == "native":
            config = request.body.get("generationConfig") or {}
            out.append(config.get("responseJsonSchema"))
        else:
            fmt = request.body.get("response_format") or {}
            out.append((fmt.get("json_schema") or {}).get("schema"))
    return out


@pytest.mark.parametrize("entry", ENTRY_POINTS)
@pytest.mark.parametrize("transport", ROUTES)
async def test_create_agent_response_format_with_tools_gemini3(
    make_llm: MakeLLM, hub: AiHubMixEmulator, transport: str, entry: str
) -> None:
    """Gemini 3 combines function tools with a response schema: the provider
    strategy, one schema on every step, the answer parsed into the agent's
    `structured_response` (it raised `UnknownOptionError: 'response_format'`)."""
    llm = make_llm(transport, "gemini-3-flash-preview")
    agent = create_agent(llm, tools=TOOLS, response_format=ProviderStrategy(Forecast))
    state = await _run_agent(agent, REPORT, entry)
    assert state["structured_response"] == Forecast(city="Paris", temperature_c=21)
    assert _kinds(state["messages"]) == ["human", "ai:get_weather", "tool:get_weather",
                                         "ai:text"]  # fmt: skip
    assert json.loads(state["messages"][-1].text) == {
        "city": "Paris",
        "temperature_c": 21,
    }
    schemas = _schema_on_the_wire(hub)
    assert len(schemas) == 2
    assert all(s and set(s["properties"]) == {"city", "temperature_c"} for s in schemas)
    assert all(r.body.get("tools") for r in hub.requests)


@pytest.mark.parametrize("strategy", ["auto", "provider", "tool"])
@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("transport", ROUTES)
def test_create_agent_response_format_without_tools(
    make_llm: MakeLLM, hub: AiHubMixEmulator, transport: str, model: str, strategy: str
) -> None:
    agent = create_agent(
        make_llm(transport, model), tools=[], response_format=_strategy(strategy)
    )
    result = agent.invoke({"messages": [HumanMessage("city: Lyon, temperature_c: 9")]})
    assert result["structured_response"] == Forecast(city="Lyon", temperature_c=9)
    assert len(hub.requests) == 1
    (schema,) = _schema_on_the_wire(hub)
    if strategy == "tool":
        assert schema is None  # the structure comes back as a forced tool call
    elif transport == "native":
        assert schema is not None and schema["title"] == "Forecast"
    else:  # /v1: Gemini's `Schema` form, without titles
        assert schema is not None and set(schema["properties"]) == set(
            Forecast.__annotations__
        )


@pytest.mark.parametrize("strategy", ["auto", "tool"])
@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("transport", ROUTES)
def test_create_agent_response_format_with_tools(
    make_llm: MakeLLM, hub: AiHubMixEmulator, transport: str, model: str, strategy: str
) -> None:
    """Auto picks the provider strategy on Gemini 3 and the tool strategy before it
    (LangChain's rule); both give the same structured response."""
    agent = create_agent(
        make_llm(transport, model), tools=TOOLS, response_format=_strategy(strategy)
    )
    result = agent.invoke({"messages": [HumanMessage(REPORT)]})
    assert result["structured_response"] == Forecast(city="Paris", temperature_c=21)
    assert any(m.name == "get_weather" for m in result["messages"][1:]
               if isinstance(m, ToolMessage))  # fmt: skip


@pytest.mark.parametrize("transport", ROUTES)
def test_response_schema_with_tools_before_gemini3_fails_before_sending(
    make_llm: MakeLLM, hub: AiHubMixEmulator, transport: str
) -> None:
    """Gemini 2.x answers 400 to function tools with a JSON response schema: the
    provider strategy forced on it is refused up front, with what to do instead."""
    agent = create_agent(
        make_llm(transport, "gemini-2.5-flash"),
        tools=TOOLS,
        response_format=ProviderStrategy(Forecast),
    )
    with pytest.raises(InvalidInputError, match="ToolStrategy") as info:
        agent.invoke({"messages": [HumanMessage(REPORT)]})
    assert "ls_structured_output_format" not in str(info.value)
    assert hub.requests == []


@pytest.mark.parametrize("transport", ROUTES)
def test_response_format_forms_and_errors(
    make_llm: MakeLLM, hub: AiHubMixEmulator, transport: str
) -> None:
    """`response_format` as OpenAI spells it (json_schema / json_object), a class, or
    a typo'd option: the error never lists LangChain's internal option names."""
    llm = make_llm(transport, "gemini-2.5-flash")
    fmt = {"type": "json_schema", "json_schema": {"name": "Forecast", "strict": True,
           "schema": Forecast.model_json_schema()}}  # fmt: skip
    reply = llm.invoke("city: Oslo temperature_c: -3", response_format=fmt, strict=True)
    assert json.loads(reply.text) == {"city": "Oslo", "temperature_c": -3}
    reply = llm.invoke("city: Oslo", response_format=Forecast)
    assert Forecast.model_validate_json(reply.text).city == "Oslo"
    json.loads(llm.invoke("hi", response_format={"type": "json_object"}).text)
    sent = Forecast.model_json_schema()  # natively as it is; on /v1 Gemini's form
    if transport == "openai":
        sent = {"type": "object", "description": sent["description"],
                "required": ["city", "temperature_c"],
                "properties": {"city": {"type": "string"},
                               "temperature_c": {"type": "integer"}}}  # fmt: skip
    assert _schema_on_the_wire(hub)[:2] == [sent] * 2
    untitled = {k: v for k, v in fmt["json_schema"]["schema"].items() if k != "title"}
    bare = {"name": "Weather", "schema": untitled}  # the spec alone (was sent as {})
    reply = llm.invoke("city: Oslo temperature_c: -3", response_format=bare)
    assert json.loads(reply.text) == {"city": "Oslo", "temperature_c": -3}
    assert set(_schema_on_the_wire(hub)[-1]["properties"]) == set(sent["properties"])
    hub.reset()
    with pytest.raises(InvalidInputError, match="response_format"):
        llm.invoke("hi", response_format={"type": "xml"})
    with pytest.raises(UnknownOptionError, match="Did you mean 'response_format'") as e:
        llm.invoke("hi", response_fromat=fmt)
    assert "ls_structured_output_format" not in str(e.value)
    assert hub.requests == []


# -- message ids: unique per generation, whatever the gateway sends -----------------


def _native_reply(text: str, response_id: str | None) -> dict[str, Any]:
    reply: dict[str, Any] = {
        "candidates": [
            {
                "content": {"role": "model", "parts": [{"text": text}]},
                "finishReason": "STOP",
                "index": 0,
            }
        ],
        "usageMetadata": {
            "promptTokenCount": 3,
            "candidatesTokenCount": 2,
            "totalTokenCount": 5,
        },
        "modelVersion": "gemini-2.5-flash",
    }
    if response_id is not None:
        reply["responseId"] = response_id
    return reply


def _openai_reply(text: str, response_id: str | None) -> dict[str, Any]:
    return {
        "id": response_id or "",
        "object": "chat.completion",
        "created": 1_700_000_000,
        "model": "gemini-2.5-flash",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5},
    }


MODEL_ENTRY_POINTS = ["invoke", "ainvoke", "stream", "astream", "batch", "abatch"]


async def _ask_model(
    llm: ChatAiHubMixGemini, messages: list[BaseMessage], entry: str
) -> tuple[AIMessage, set[str | None]]:
    """The model's reply through `entry`, and the ids its stream chunks carried."""
    if entry not in ("stream", "astream"):
        return await arun(llm, entry, messages), set()
    if entry == "stream":
        chunks = list(llm.stream(messages))
    else:
        chunks = [c async for c in llm.astream(messages)]
    return message_chunk_to_message(summed(chunks)), {c.id for c in chunks}  # type: ignore[return-value]


@pytest.mark.parametrize("response_id", ["resp-same", None], ids=["repeated", "none"])
@pytest.mark.parametrize("entry", MODEL_ENTRY_POINTS)
@pytest.mark.parametrize("transport", ROUTES)
async def test_two_model_nodes_keep_both_replies(
    make_llm: MakeLLM,
    hub: AiHubMixEmulator,
    transport: str,
    entry: str,
    response_id: str | None,
) -> None:
    """Two model nodes answered with the same (or no) response id: LangGraph's
    `add_messages` keeps both AI messages (a shared id made it overwrite the first),
    and the server's id stays in `response_metadata["response_id"]`."""
    llm = make_llm(transport, "gemini-2.5-flash")
    for text in ("first answer", "second answer"):
        if transport == "native":
            hub.queue(native=_native_reply(text, response_id))
        else:
            hub.queue(openai=_openai_reply(text, response_id))
    stream_ids: list[set[str | None]] = []

    async def node(state: MessagesState) -> dict[str, list[BaseMessage]]:
        reply, ids = await _ask_model(llm, state["messages"], entry)
        stream_ids.append(ids)
        return {"messages": [reply]}

    builder = StateGraph(MessagesState)
    builder.add_node("first", node)
    builder.add_node("second", node)
    builder.add_edge(START, "first")
    builder.add_edge("first", "second")
    graph = builder.compile()
    result = await graph.ainvoke({"messages": [HumanMessage("hi")]})
    messages = result["messages"]
    assert _kinds(messages) == ["human", "ai:text", "ai:text"]
    assert [m.text for m in messages[1:]] == ["first answer", "second answer"]
    first, second = messages[1], messages[2]
    assert first.id and second.id and first.id != second.id
    assert first.id != response_id and second.id != response_id
    for message in (first, second):
        assert message.response_metadata.get("response_id") == (response_id or None)
    if entry in ("stream", "astream"):
        # Every chunk of one stream carries that stream's one id.
        assert [len(ids) for ids in stream_ids] == [1, 1]
        assert [next(iter(ids)) for ids in stream_ids] == [first.id, second.id]
