"""Agents end to end on both routes: `create_agent` and a LangGraph `StateGraph`.

The emulator calls the offered tools named in the prompt (all at once: parallel
calls; or, when the prompt says "one at a time", one per model step), answers from
the tool results, and validates thought signatures at every step: a signature lost
between steps fails the request with 400 on Gemini 3.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from langchain.agents import create_agent
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    HumanMessage,
    ToolMessage,
)
from langgraph.graph import START, MessagesState, StateGraph
from langgraph.prebuilt import ToolNode, tools_condition

from langchain_aihubmix import ChatAiHubMixGemini
from langchain_aihubmix.testing import AiHubMixEmulator
from tests.integration_tests.sample_tools import get_time, get_weather

ROUTES = ["native", "openai"]
MODELS = ["gemini-3-flash-preview", "gemini-2.5-flash"]
PARALLEL = "What is the weather in Paris and the time? Use get_weather and get_time."
SEQUENTIAL = (
    "First use get_weather for city: Paris, then get_time for tz: CET, one at a time."
)


TOOLS = [get_weather, get_time]
MakeLLM = Callable[[str, str], ChatAiHubMixGemini]


@pytest.fixture
def make_llm(hub: AiHubMixEmulator) -> MakeLLM:
    def make(transport: str, model: str) -> ChatAiHubMixGemini:
        return ChatAiHubMixGemini(
            model=model,
            transport=transport,  # type: ignore[arg-type]
            base_url=hub.base_url,
            api_key=hub.api_key,
            max_retries=0,
        )

    return make


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
    final = messages[-1].text
    assert "get_weather returned" in final and "sunny in" in final
    assert "get_time returned" in final and "12:00 in" in final
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
    assert "get_time returned" in messages[-1].text
    assert "12:00 in CET" in messages[-1].text
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
    text = "".join(t.text for t in tokens)
    assert "get_time returned" in text
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
    assert "get_weather returned" in result["messages"][-1].text
    _check_requests(hub, 2, transport)
