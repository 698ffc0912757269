"""Cross-route parity: the same model behaviour gives the same LangChain message.

One scenario list runs against the emulator on the native route and on the
OpenAI-compatible route, whole and streamed, and the two messages are compared
through `view()`: content-block types and texts, `.text`, tool calls (names and
args; ids differ by design), finish reason, model name and provider, and usage.

What is compared on purpose, and what is not (emulator / wire differences, not bugs
in the package):
- usage is compared exactly where the emulator's two routes count the prompt the
  same way (text, thoughts, JSON, safety); with tools or tool results the emulator
  tallies the prompt from each route's own wire encoding (function declarations vs
  OpenAI `tools`, `functionResponse` vs `tool` messages), so `input_tokens` differ
  and only the invariants plus equal output/reasoning tokens are compared;
- thought signatures on answer text: the emulator's OpenAI route signs only tool
  calls (the native route also signs text parts), so text-block `extras` are left
  out of the comparison; tool-call signatures are compared by presence per call;
- a blocked prompt: the Chat Completions wire has no `prompt_feedback`, so the
  OpenAI route reports `finish_reason="SAFETY"` where the native route reports
  `prompt_feedback.block_reason`; both give an empty answer, a refusal block and
  the same usage;
- `safety_ratings`, `response_id` and native-only metadata are not on the OpenAI
  wire.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import reduce
from operator import add
from typing import Any

import pytest
from langchain_core.exceptions import (
    ModelAPIError,
    ModelAuthenticationError,
    ModelConnectionError,
    ModelRateLimitError,
    ModelTimeoutError,
)
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    HumanMessage,
    ToolMessage,
)
from langchain_core.tools import tool
from pydantic import BaseModel

from langchain_aihubmix.errors import AiHubMixError
from langchain_aihubmix.testing import AiHubMixEmulator
from tests.support import ROUTES, Transport, make_llm

SIGS = "__gemini_function_call_thought_signatures__"
FLASH = "gemini-2.5-flash"
G3 = "gemini-3-flash-preview"


@tool
def get_weather(city: str) -> dict[str, Any]:
    """Return the weather for a city."""
    return {"city": city, "sky": "sunny", "celsius": 21}


@tool
def get_time(tz: str) -> dict[str, Any]:
    """Return the time in a time zone."""
    return {"tz": tz, "time": "12:00"}


TOOLS = {"get_weather": get_weather, "get_time": get_time}


class Person(BaseModel):
    """A person."""

    name: str
    age: int


@dataclass
class Scenario:
    """One model behaviour: constructor kwargs, call kwargs, prompt, tools."""

    name: str
    prompt: str
    model: str = FLASH
    init: dict[str, Any] = field(default_factory=dict)
    call: dict[str, Any] = field(default_factory=dict)
    tools: list[Any] = field(default_factory=list)
    exact_usage: bool = True
    expect: Callable[[AIMessage], None] | None = None


def _has_reasoning(msg: AIMessage) -> None:
    kinds = [b["type"] for b in msg.content_blocks]
    assert kinds == ["reasoning", "text"], kinds
    assert msg.usage_metadata and msg.usage_metadata["output_token_details"]


def _two_calls(msg: AIMessage) -> None:
    assert [c["name"] for c in msg.tool_calls] == ["get_weather", "get_time"]


def _one_call(msg: AIMessage) -> None:
    assert [c["name"] for c in msg.tool_calls] == ["get_weather"]


def _json(msg: AIMessage) -> None:
    assert json.loads(msg.text) == {"name": "name", "age": 1}


def _unsafe(msg: AIMessage) -> None:
    assert msg.text == ""
    assert [b["type"] for b in msg.content_blocks] == ["refusal"]
    assert msg.response_metadata["finish_reason"] == "SAFETY"


SCENARIOS = [
    Scenario("text", "Say hello"),
    Scenario("text_gemini3", "Say hello", model=G3),
    Scenario("include_thoughts", "Why?", init={"include_thoughts": True},
             expect=_has_reasoning),
    Scenario("effort_gemini3", "Why is the sky blue?", model=G3,
             init={"reasoning_effort": "low", "include_thoughts": True},
             expect=_has_reasoning),
    Scenario("thinking_off", "Be quick", init={"thinking_budget": 0}),
    Scenario("json_schema", "Give a person",
             call={"response_schema": Person.model_json_schema()}, expect=_json),
    Scenario("single_call", "Weather in Paris? use get_weather", tools=[get_weather],
             exact_usage=False, expect=_one_call),
    Scenario("single_call_thoughts", "Weather in Paris? use get_weather",
             init={"include_thoughts": True}, tools=[get_weather],
             exact_usage=False, expect=_one_call),
    Scenario("parallel_calls_gemini3", "Use get_weather and get_time for Paris",
             model=G3, tools=[get_weather, get_time], exact_usage=False,
             expect=_two_calls),
    Scenario("forced_call", "Anything", tools=[get_weather, get_time],
             call={"tool_choice": "get_time"}, exact_usage=False),
    Scenario("max_tokens", "Write a very long answer about everything " * 3,
             init={"max_output_tokens": 4}),
    Scenario("unsafe_answer", "UNSAFE_ANSWER please", expect=_unsafe),
]  # fmt: skip


def _llm(hub: AiHubMixEmulator, transport: Transport, sc: Scenario) -> Any:
    llm = make_llm(hub, transport, sc.model, max_retries=0, **sc.init)
    return llm.bind_tools(sc.tools) if sc.tools else llm


def _ask(llm: Any, messages: list[BaseMessage], stream: bool, **call: Any) -> Any:
    if not stream:
        return llm.invoke(messages, **call)
    chunks = list(llm.stream(messages, **call))
    total = reduce(add, chunks)
    assert isinstance(total, AIMessageChunk)
    return total


def view(msg: AIMessage) -> dict[str, Any]:
    """The route-independent part of a message (see the module docstring)."""
    blocks = []
    for block in msg.content_blocks:
        kind = block["type"]
        if kind == "text" and not block.get("text"):
            continue  # an empty text block that only carries a text signature
        text = block.get("text", block.get("reasoning", block.get("refusal", "")))
        blocks.append((kind, text))
    meta = msg.response_metadata
    signatures = msg.additional_kwargs.get(SIGS, {})
    return {
        "blocks": blocks,
        "text": msg.text,
        "tool_calls": [(c["name"], c["args"]) for c in msg.tool_calls],
        "signed_calls": [bool(signatures.get(c["id"])) for c in msg.tool_calls],
        "invalid_tool_calls": len(msg.invalid_tool_calls),
        "finish_reason": meta.get("finish_reason"),
        "model_name": meta.get("model_name"),
        "model_provider": meta.get("model_provider"),
    }


def _usage(msg: AIMessage, exact: bool) -> dict[str, Any]:
    usage = dict(msg.usage_metadata or {})
    assert usage, "no usage"
    assert usage["total_tokens"] == usage["input_tokens"] + usage["output_tokens"]
    usage.pop("input_token_details", None)  # implicit cache hits depend on history
    if not exact:
        usage.pop("input_tokens")
        usage.pop("total_tokens")
    return usage


@pytest.mark.parametrize("stream", [False, True], ids=["invoke", "stream"])
@pytest.mark.parametrize("sc", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_same_message_on_both_routes(
    hub: AiHubMixEmulator, sc: Scenario, stream: bool
) -> None:
    replies = {}
    for transport in ROUTES:
        llm = _llm(hub, transport, sc)
        replies[transport] = _ask(llm, [HumanMessage(sc.prompt)], stream, **sc.call)
    native, openai_ = replies["native"], replies["openai"]
    assert view(openai_) == view(native)
    assert _usage(openai_, sc.exact_usage) == _usage(native, sc.exact_usage)
    assert isinstance(openai_.content, list) and isinstance(native.content, list)
    if sc.expect is not None:
        for reply in replies.values():
            sc.expect(reply)
    if sc.tools:
        for reply in replies.values():
            ids = [c["id"] for c in reply.tool_calls]
            assert all(ids) and len(set(ids)) == len(ids)


@pytest.mark.parametrize("stream", [False, True], ids=["invoke", "stream"])
@pytest.mark.parametrize("model", [FLASH, G3])
def test_agent_loop_parity(hub: AiHubMixEmulator, model: str, stream: bool) -> None:
    """A three-step tool loop gives the same transcript on both routes.

    On Gemini 3 the emulator rejects (HTTP 400) any replayed call whose thought
    signature was lost, so this also proves signatures survive on both routes.
    """
    sc = Scenario("loop", "", model=model, tools=[get_weather, get_time])
    transcripts: dict[str, list[dict[str, Any]]] = {}
    for transport in ROUTES:
        llm = _llm(hub, transport, sc)
        history: list[BaseMessage] = []
        steps = []
        for question in (
            "Weather in Paris? use get_weather",
            "And the time there? use get_time",
        ):
            history.append(HumanMessage(question))
            while True:
                reply = _ask(llm, history, stream)
                history.append(reply)
                steps.append(view(reply))
                if not reply.tool_calls:
                    break
                for call in reply.tool_calls:
                    result = TOOLS[call["name"]].invoke(call["args"])
                    history.append(
                        ToolMessage(json.dumps(result), tool_call_id=call["id"])
                    )
        transcripts[transport] = steps
    assert transcripts["openai"] == transcripts["native"]
    names = [s["tool_calls"][0][0] for s in transcripts["native"] if s["tool_calls"]]
    assert names == ["get_weather", "get_time"]
    assert transcripts["native"][1]["text"].startswith(
        'get_weather returned {"celsius": 21, "city": "Paris"'
    )


def test_structured_output_parity(hub: AiHubMixEmulator) -> None:
    results = {}
    for transport in ROUTES:
        llm = _llm(hub, transport, Scenario("s", ""))
        for method in ("json_schema", "function_calling"):
            runnable = llm.with_structured_output(Person, method=method)
            results[(transport, method)] = runnable.invoke("Give me a person")
    assert len({repr(v) for v in results.values()}) == 1
    assert results[("native", "json_schema")] == Person(name="name", age=1)


@pytest.mark.parametrize("stream", [False, True], ids=["invoke", "stream"])
def test_blocked_prompt_parity(hub: AiHubMixEmulator, stream: bool) -> None:
    replies = {
        t: _ask(_llm(hub, t, Scenario("b", "")), [HumanMessage("BLOCK_ME now")], stream)
        for t in ROUTES
    }
    for reply in replies.values():
        assert reply.text == ""
        assert [b["type"] for b in reply.content_blocks] == ["refusal"]
        assert not reply.tool_calls
    assert _usage(replies["openai"], True) == _usage(replies["native"], True)
    native_meta = replies["native"].response_metadata
    assert native_meta["prompt_feedback"]["block_reason"] == "PROHIBITED_CONTENT"
    # the Chat Completions wire only says content_filter (see module docstring)
    assert replies["openai"].response_metadata["finish_reason"] == "SAFETY"


ERROR_CASES: dict[str, tuple[Callable[[AiHubMixEmulator], None], type[Exception]]] = {
    "wrong_key": (lambda hub: None, ModelAuthenticationError),
    "rate_limit": (
        lambda hub: hub.inject_fault("429", retry_delay=0.01),
        ModelRateLimitError,
    ),
    "server_error": (lambda hub: hub.inject_fault("503"), ModelAPIError),
    "dropped": (lambda hub: hub.inject_fault("drop"), ModelConnectionError),
    "slow": (lambda hub: hub.inject_fault("slow", delay=1.0), ModelTimeoutError),
}


@pytest.mark.parametrize("stream", [False, True], ids=["invoke", "stream"])
@pytest.mark.parametrize("case", list(ERROR_CASES))
def test_error_family_parity(hub: AiHubMixEmulator, case: str, stream: bool) -> None:
    arrange, expected = ERROR_CASES[case]
    families: dict[str, set[str]] = {}
    for transport in ROUTES:
        arrange(hub)
        llm = make_llm(
            hub,
            transport,
            FLASH,
            api_key="sk-wrong-key-000000" if case == "wrong_key" else hub.api_key,
            max_retries=0,
            timeout=0.2 if case == "slow" else 10.0,
        )
        with pytest.raises(expected) as info:
            _ask(llm, [HumanMessage("hello there")], stream)
        assert isinstance(info.value, AiHubMixError)
        families[transport] = {
            c.__name__
            for c in type(info.value).__mro__
            if c.__module__.startswith("langchain_core")
        }
    assert families["openai"] == families["native"]
