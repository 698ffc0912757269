"""ChatAiHubMixGemini on the OpenAI-compatible route, against the emulator over HTTP.

Every `OpenAIQuirks` switch has a test here that goes through the real openai SDK,
the real HTTP stack and the package's stream state, not just the converters.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from functools import partial, reduce
from operator import add
from typing import Any

import openai
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

from langchain_aihubmix import ChatAiHubMixGemini
from langchain_aihubmix._errors.base import InvalidInputError
from langchain_aihubmix.testing import AiHubMixEmulator, OpenAIQuirks
from tests import support
from tests.integration_tests.sample_tools import get_time, get_weather
from tests.support import MakeLLM

SIGS = "__gemini_function_call_thought_signatures__"
FLASH = "gemini-2.5-flash"
G3 = "gemini-3-flash-preview"


@pytest.fixture
def make_llm(make_llm: MakeLLM) -> MakeLLM:
    """Every model in this file takes the openai route."""
    return partial(make_llm, "openai")


@pytest.fixture
def small_chunks_hub() -> Iterator[AiHubMixEmulator]:
    """An emulator cutting streamed text every 3 characters (tags get split)."""
    with AiHubMixEmulator(stream_chunk_chars=3) as emulator:
        yield emulator


def _summed(chunks: list[AIMessageChunk]) -> AIMessageChunk:
    assert chunks
    total = reduce(add, chunks)
    assert isinstance(total, AIMessageChunk)
    return total


def _usage_ok(message: AIMessage) -> dict[str, Any]:
    usage = message.usage_metadata
    assert usage is not None
    assert usage["total_tokens"] == usage["input_tokens"] + usage["output_tokens"]
    assert usage["input_tokens"] > 0 and usage["output_tokens"] > 0
    return dict(usage)


def _kinds(message: BaseMessage) -> list[str]:
    return [block["type"] for block in message.content_blocks]


# -- invoke / stream / async / batch ------------------------------------------------


def test_invoke_request_shape_and_metadata(
    make_llm: MakeLLM, hub: AiHubMixEmulator
) -> None:
    reply = make_llm().invoke("Say hello")
    assert isinstance(reply.content, list)
    assert reply.text == "Echo: Say hello"
    assert reply.response_metadata["model_provider"] == "google_genai"
    assert reply.response_metadata["model_name"] == FLASH
    assert reply.response_metadata["finish_reason"] == "STOP"
    _usage_ok(reply)
    (request,) = hub.requests
    assert request.route == "openai"
    assert request.path == "/v1/chat/completions"
    assert request.headers["authorization"] == f"Bearer {hub.api_key}"
    assert "x-goog-api-key" not in request.headers
    body = request.body
    assert "tools" not in body and "tool_choice" not in body
    assert "stream" not in body and "stream_options" not in body


def test_stream_asks_for_usage_and_adds_up_to_invoke(
    make_llm: MakeLLM, hub: AiHubMixEmulator
) -> None:
    llm = make_llm(reasoning_effort="low")
    whole = llm.invoke("Count the r's in strawberry")
    chunks = list(llm.stream("Count the r's in strawberry"))
    body = hub.requests[-1].body
    assert body["stream"] is True
    assert body["stream_options"] == {"include_usage": True}
    assert body["reasoning_effort"] == "low"
    assert len(chunks) > 2
    summed = _summed(chunks)
    assert summed.text == whole.text
    assert summed.content_blocks == whole.content_blocks
    assert summed.usage_metadata == whole.usage_metadata
    with_input = [
        c for c in chunks if c.usage_metadata and c.usage_metadata["input_tokens"]
    ]
    assert len(with_input) == 1
    assert summed.response_metadata["finish_reason"] == "STOP"
    assert summed.response_metadata["model_name"] == FLASH
    assert summed.chunk_position == "last"


def test_async_entry_points_across_event_loops(make_llm: MakeLLM) -> None:
    llm = make_llm(reasoning_effort="low")

    async def run() -> tuple[AIMessage, list[AIMessageChunk]]:
        whole = await llm.ainvoke("Why?")
        chunks = [c async for c in llm.astream("Why?")]
        return whole, chunks

    sync = llm.invoke("Why?")
    for _ in range(2):  # two event loops, one model instance
        whole, chunks = asyncio.run(run())
        assert whole.content_blocks == sync.content_blocks
        assert _summed(chunks).content_blocks == sync.content_blocks
        assert _summed(chunks).usage_metadata == whole.usage_metadata


def test_batch_and_abatch(make_llm: MakeLLM) -> None:
    llm = make_llm()
    replies = llm.batch(["one", "two", "three"])
    assert [r.text for r in replies] == ["Echo: one", "Echo: two", "Echo: three"]
    areplies = asyncio.run(llm.abatch(["four", "five"]))
    assert [r.text for r in areplies] == ["Echo: four", "Echo: five"]


# -- request shape: tools, tool_choice, thinking -----------------------------------


def test_tool_choice_auto_sent_with_tools_only(
    make_llm: MakeLLM, hub: AiHubMixEmulator
) -> None:
    llm = make_llm()
    llm.bind_tools([get_weather]).invoke("weather in Paris? use get_weather")
    body = hub.requests[-1].body
    assert body["tool_choice"] == "auto"
    assert [t["function"]["name"] for t in body["tools"]] == ["get_weather"]
    list(llm.bind_tools([get_weather]).stream("weather? use get_weather"))
    assert hub.requests[-1].body["tool_choice"] == "auto"
    llm.invoke("no tools")
    assert "tool_choice" not in hub.requests[-1].body
    assert "tools" not in hub.requests[-1].body
    llm.bind_tools([get_weather, get_time], tool_choice="any").invoke("go")
    assert hub.requests[-1].body["tool_choice"] == "required"
    llm.bind_tools([get_weather, get_time], tool_choice="get_time").invoke("go")
    assert hub.requests[-1].body["tool_choice"] == {
        "type": "function",
        "function": {"name": "get_time"},
    }
    reply = llm.bind_tools([get_weather], tool_choice="none").invoke("go")
    assert hub.requests[-1].body["tool_choice"] == "none"
    assert not reply.tool_calls


@pytest.mark.parametrize("effort", ["none", "low", "medium", "high"])
def test_reasoning_effort_sent(
    make_llm: MakeLLM, hub: AiHubMixEmulator, effort: str
) -> None:
    reply = make_llm(reasoning_effort=effort).invoke("Why is the sky blue?")
    assert hub.requests[-1].body["reasoning_effort"] == effort
    has_reasoning = "reasoning" in _kinds(reply)
    assert has_reasoning == (effort != "none")
    assert reply.text == "Echo: Why is the sky blue?"


def test_include_thoughts_maps_to_google_extension(
    make_llm: MakeLLM, hub: AiHubMixEmulator
) -> None:
    reply = make_llm(include_thoughts=True).invoke("Why?")
    body = hub.requests[-1].body
    assert body["extra_body"]["google"]["thinking_config"]["include_thoughts"] is True
    assert _kinds(reply) == ["reasoning", "text"]


# -- reasoning quirks --------------------------------------------------------------


@pytest.mark.parametrize(
    "field", ["reasoning_content", "reasoning", "thought_tags", "think_tags"]
)
@pytest.mark.parametrize("stream", [False, True])
def test_reasoning_variants_become_reasoning_blocks(
    make_llm: MakeLLM, hub: AiHubMixEmulator, field: Any, stream: bool
) -> None:
    hub.openai_quirks = OpenAIQuirks(reasoning_field=field)
    llm = make_llm(reasoning_effort="low")
    prompt = "Why is the sky blue?"
    reply: AIMessage = (
        _summed(list(llm.stream(prompt))) if stream else llm.invoke(prompt)
    )
    assert _kinds(reply) == ["reasoning", "text"]
    thought = str(reply.content_blocks[0].get("reasoning", ""))
    assert thought.startswith("**Reading the request**")
    assert "<th" not in thought and "</th" not in thought
    assert reply.text == "Echo: Why is the sky blue?"
    assert "<" not in reply.text


@pytest.mark.parametrize("field", ["thought_tags", "think_tags"])
def test_tags_split_across_small_chunks(
    small_chunks_hub: AiHubMixEmulator, field: Any
) -> None:
    hub = small_chunks_hub
    hub.openai_quirks = OpenAIQuirks(reasoning_field=field)
    llm = support.make_llm(
        hub,
        model=FLASH,
        transport="openai",
        reasoning_effort="low",
    )
    chunks = list(llm.stream("Why is the sky blue?"))
    assert len(chunks) > 20  # the tags really were cut into pieces
    texts = "".join(c.text for c in chunks)
    assert texts == "Echo: Why is the sky blue?"
    summed = _summed(chunks)
    assert _kinds(summed) == ["reasoning", "text"]
    assert summed.content_blocks == llm.invoke("Why is the sky blue?").content_blocks


# -- usage quirks ------------------------------------------------------------------


@pytest.mark.parametrize("every_chunk", [False, True])
@pytest.mark.parametrize("excludes_reasoning", [False, True])
def test_stream_usage_never_double_counted(
    make_llm: MakeLLM,
    hub: AiHubMixEmulator,
    every_chunk: bool,
    excludes_reasoning: bool,
) -> None:
    hub.openai_quirks = OpenAIQuirks(
        usage_every_chunk=every_chunk,
        completion_excludes_reasoning=excludes_reasoning,
    )
    llm = make_llm(reasoning_effort="low")
    whole = llm.invoke("Tell me about usage")
    chunks = list(llm.stream("Tell me about usage"))
    summed = _summed(chunks)
    usage = _usage_ok(summed)
    assert usage == whole.usage_metadata
    assert usage["output_token_details"]["reasoning"] > 0
    # output includes the thoughts whether or not completion_tokens did
    assert usage["output_tokens"] > usage["output_token_details"]["reasoning"]
    for chunk in chunks:
        if chunk.usage_metadata:
            assert all(
                v >= 0 for k, v in chunk.usage_metadata.items() if isinstance(v, int)
            )
    assert sum(bool(c.usage_metadata) for c in chunks) >= 1


def test_cached_tokens_map_to_cache_read(make_llm: MakeLLM) -> None:
    llm = make_llm()
    prompt = [HumanMessage("a long shared prefix " * 30), AIMessage("ok")]
    llm.invoke([*prompt, HumanMessage("first")])
    second = llm.invoke([*prompt, HumanMessage("second")])
    assert second.usage_metadata is not None
    details = second.usage_metadata.get("input_token_details", {})
    assert details.get("cache_read", 0) > 0
    _usage_ok(second)


# -- tool-call quirks ---------------------------------------------------------------

TOOL_QUIRKS = {
    "plain": OpenAIQuirks(),
    "no_index": OpenAIQuirks(tool_delta_no_index=True),
    "repeat_index0": OpenAIQuirks(tool_delta_repeat_index0=True),
    "empty_ids": OpenAIQuirks(tool_delta_empty_ids=True),
    "placeholder": OpenAIQuirks(tool_args_placeholder=True),
    "split_args": OpenAIQuirks(tool_args_split=True),
    "finish_stop": OpenAIQuirks(finish_reason_stop_for_tools=True),
    "signature_in_delta": OpenAIQuirks(signature_in_delta=True),
    "all": OpenAIQuirks(
        tool_delta_no_index=True,
        tool_delta_empty_ids=True,
        tool_args_placeholder=True,
        finish_reason_stop_for_tools=True,
        signature_in_delta=True,
    ),
    "repeat0_split_empty": OpenAIQuirks(
        tool_delta_repeat_index0=True,
        tool_args_split=True,
        tool_delta_empty_ids=True,
    ),
}


@pytest.mark.parametrize("name", list(TOOL_QUIRKS))
@pytest.mark.parametrize("stream", [False, True])
def test_parallel_tool_calls_assembled_and_replayed(
    make_llm: MakeLLM, hub: AiHubMixEmulator, name: str, stream: bool
) -> None:
    hub.openai_quirks = TOOL_QUIRKS[name]
    llm = make_llm(model=G3).bind_tools([get_weather, get_time])
    question = HumanMessage("Use get_weather and get_time for Paris")
    first: AIMessage = (
        _summed(list(llm.stream([question]))) if stream else llm.invoke([question])
    )
    assert [c["name"] for c in first.tool_calls] == ["get_weather", "get_time"]
    assert [c["args"] for c in first.tool_calls] == [{"city": "Paris"}, {"tz": "Paris"}]
    assert not first.invalid_tool_calls
    ids = [c["id"] for c in first.tool_calls]
    assert all(ids) and len(set(ids)) == 2
    if TOOL_QUIRKS[name].tool_delta_empty_ids:
        assert all(str(i).startswith("lc_") for i in ids)
    assert first.response_metadata["finish_reason"] == "STOP"
    assert first.text == ""
    signatures = first.additional_kwargs[SIGS]
    assert list(signatures) == [ids[0]]  # Gemini signs the first call of a step
    results = [
        ToolMessage(f"result {c['name']}", tool_call_id=c["id"])
        for c in first.tool_calls
    ]
    final = llm.invoke([question, first, *results])  # 400 if a signature was lost
    assert final.text == "result get_weather. result get_time."
    replayed = hub.requests[-1].body["messages"][1]
    assert [c["id"] for c in replayed["tool_calls"]] == ids
    sent = replayed["tool_calls"][0]["extra_content"]["google"]["thought_signature"]
    assert sent == signatures[ids[0]]
    tool_ids = [m["tool_call_id"] for m in hub.requests[-1].body["messages"][2:]]
    assert tool_ids == ids


@pytest.mark.parametrize("stream", [False, True])
def test_multi_turn_tool_loop_validates_signatures(
    make_llm: MakeLLM, hub: AiHubMixEmulator, stream: bool
) -> None:
    """Three model steps; the emulator 400s on any lost or altered signature."""
    llm = make_llm(model=G3, reasoning_effort="low").bind_tools([get_weather, get_time])

    def ask(history: list[BaseMessage]) -> AIMessage:
        if stream:
            return _summed(list(llm.stream(history)))
        return llm.invoke(history)

    history: list[BaseMessage] = [HumanMessage("Weather in Paris? use get_weather")]
    first = ask(history)
    assert [c["name"] for c in first.tool_calls] == ["get_weather"]
    assert _kinds(first)[0] == "reasoning"
    call = first.tool_calls[0]
    history += [
        first,
        ToolMessage(get_weather.invoke(call["args"]), tool_call_id=call["id"]),
    ]
    second = ask(history)
    assert second.text == "sunny in Paris."
    history += [second, HumanMessage("And the time? use get_time")]
    third = ask(history)
    assert [c["name"] for c in third.tool_calls] == ["get_time"]
    call = third.tool_calls[0]
    history += [
        third,
        ToolMessage(get_time.invoke(call["args"]), tool_call_id=call["id"]),
    ]
    fourth = ask(history)
    assert fourth.text == "12:00 in tz."
    messages = hub.requests[-1].body["messages"]
    assistant_calls = [
        m for m in messages if m["role"] == "assistant" and m.get("tool_calls")
    ]
    assert len(assistant_calls) == 2
    for message, original in zip(assistant_calls, (first, third), strict=True):
        sig = message["tool_calls"][0]["extra_content"]["google"]["thought_signature"]
        assert sig == original.additional_kwargs[SIGS][original.tool_calls[0]["id"]]
    # thoughts are never replayed as content
    assert all("Reading the request" not in str(m.get("content")) for m in messages)


def test_lost_signature_is_rejected_by_the_gateway(
    make_llm: MakeLLM, hub: AiHubMixEmulator
) -> None:
    """The emulator's check is real: a forged signature gives a typed 400."""
    llm = make_llm(model=G3).bind_tools([get_weather])
    question = HumanMessage("Weather in Paris? use get_weather")
    first = llm.invoke([question])
    call_id = first.tool_calls[0]["id"]
    forged = first.model_copy(
        update={"additional_kwargs": {SIGS: {call_id: "Zm9yZ2VkIHNpZ25hdHVyZQ=="}}}
    )
    with pytest.raises(openai.BadRequestError, match="signature"):
        llm.invoke([question, forged, ToolMessage("sunny", tool_call_id=call_id)])


def test_invalid_tool_arguments_become_invalid_tool_calls(
    make_llm: MakeLLM, hub: AiHubMixEmulator
) -> None:
    hub.queue(
        openai={
            "id": "chatcmpl-x",
            "model": FLASH,
            "choices": [
                {
                    "index": 0,
                    "finish_reason": "tool_calls",
                    "message": {
                        "role": "assistant",
                        "content": None,
                        "tool_calls": [
                            {
                                "id": "call_1",
                                "type": "function",
                                "function": {
                                    "name": "get_weather",
                                    "arguments": '{"city": "Par',
                                },
                            }
                        ],
                    },
                }
            ],
            "usage": {"prompt_tokens": 5, "completion_tokens": 3, "total_tokens": 8},
        }
    )
    reply = make_llm().bind_tools([get_weather]).invoke("go")
    assert not reply.tool_calls
    (bad,) = reply.invalid_tool_calls
    assert bad["name"] == "get_weather" and bad["id"] == "call_1"


# -- transport selection -------------------------------------------------------------


@pytest.mark.parametrize(
    "model", ["gemini-2.5-flash-nothink", "gemini-2.5-flash-search"]
)
def test_suffixed_models_pick_openai_route(hub: AiHubMixEmulator, model: str) -> None:
    llm = support.make_llm(
        hub,
        model=model,
    )
    assert llm.transport is None  # each call's route follows its model
    reply = llm.invoke("What is new?")
    (request,) = hub.requests
    assert request.path == "/v1/chat/completions"
    assert request.body["model"] == model
    assert reply.text
    if model.endswith("-nothink"):
        assert "reasoning" not in _kinds(reply)
    _usage_ok(reply)


def test_plain_model_defaults_to_native(hub: AiHubMixEmulator) -> None:
    llm = support.make_llm(
        hub,
        model=FLASH,
    )
    llm.invoke("hi")
    assert hub.requests[-1].route == "native"


# -- errors ----------------------------------------------------------------------------


def test_wrong_key_is_typed_error(hub: AiHubMixEmulator) -> None:
    llm = ChatAiHubMixGemini(
        model=FLASH,
        transport="openai",
        base_url=hub.base_url,
        api_key="sk-wrong-key-123456",
    )
    with pytest.raises(ModelAuthenticationError) as info:
        llm.invoke("hi")
    assert isinstance(info.value, openai.AuthenticationError)
    assert "sk-wrong-key-123456" not in str(info.value)
    assert "sk-wrong-key-123456" not in repr(info.value)
    with pytest.raises(ModelAuthenticationError):
        list(llm.stream("hi"))
    assert len(hub.requests) == 2  # auth errors are not retried


def test_rate_limit_retried_honouring_retry_after(
    make_llm: MakeLLM, hub: AiHubMixEmulator
) -> None:
    hub.inject_fault("429", count=1, retry_delay=0.3, route="openai")
    started = time.monotonic()
    reply = make_llm(max_retries=2).invoke("hi")
    assert time.monotonic() - started >= 0.3
    assert reply.text == "Echo: hi"
    assert len(hub.requests) == 2


def test_rate_limit_without_retries_raises(
    make_llm: MakeLLM, hub: AiHubMixEmulator
) -> None:
    hub.inject_fault("429", count=1, retry_delay=0.01)
    with pytest.raises(ModelRateLimitError) as info:
        make_llm(max_retries=0).invoke("hi")
    assert isinstance(info.value, openai.RateLimitError)
    assert len(hub.requests) == 1


@pytest.mark.parametrize("status", ["500", "502", "503", "504"])
def test_server_errors_retried(
    make_llm: MakeLLM, hub: AiHubMixEmulator, status: Any
) -> None:
    count = 2 if status == "503" else 1  # one status exercises two retries
    hub.inject_fault(status, count=count)
    assert make_llm(max_retries=2).invoke("hi").text == "Echo: hi"
    assert len(hub.requests) == count + 1


def test_server_error_stream_retried_before_first_chunk(
    make_llm: MakeLLM, hub: AiHubMixEmulator
) -> None:
    hub.inject_fault("503", count=1)
    chunks = list(make_llm(max_retries=1).stream("hi"))
    assert _summed(chunks).text == "Echo: hi"
    assert len(hub.requests) == 2


def test_server_errors_exhausted_raise(
    make_llm: MakeLLM, hub: AiHubMixEmulator
) -> None:
    hub.inject_fault("500", count=3)
    with pytest.raises(ModelAPIError) as info:
        make_llm(max_retries=0).invoke("hi")
    assert isinstance(info.value, openai.InternalServerError)
    assert len(hub.requests) == 1


@pytest.mark.parametrize("is_async", [False, True])
def test_stream_cut_midway_raises(
    make_llm: MakeLLM, hub: AiHubMixEmulator, is_async: bool
) -> None:
    hub.inject_fault("drop", count=1, after_chunks=2)
    llm = make_llm(max_retries=2)
    seen: list[AIMessageChunk] = []

    async def consume() -> None:
        async for chunk in llm.astream("tell me a long story please"):
            seen.append(chunk)

    with pytest.raises(ModelConnectionError):
        if is_async:
            asyncio.run(consume())
        else:
            for chunk in llm.stream("tell me a long story please"):
                seen.append(chunk)
    # never a silently truncated message; no retry after chunks were yielded
    assert len(hub.requests) == 1
    assert not any(c.chunk_position == "last" for c in seen)


def test_slow_reply_times_out(make_llm: MakeLLM, hub: AiHubMixEmulator) -> None:
    hub.inject_fault("slow", count=1, delay=1.5)
    started = time.monotonic()
    with pytest.raises(ModelTimeoutError):
        make_llm(timeout=0.3, max_retries=0).invoke("hi")
    assert time.monotonic() - started < 1.4


def test_builtin_tools_rejected_before_sending(
    make_llm: MakeLLM, hub: AiHubMixEmulator
) -> None:
    llm = make_llm()
    with pytest.raises(InvalidInputError, match='transport="native"'):
        llm.bind_tools([{"code_execution": {}}]).invoke("Sum 1..10 with code")
    with pytest.raises(InvalidInputError, match='transport="native"'):
        list(llm.bind_tools([get_weather, {"code_execution": {}}]).stream("x"))
    with pytest.raises(InvalidInputError, match='transport="native"'):
        llm.invoke("Sum 1..10 with code", code_execution=True)
    assert hub.requests == []


# -- connection reuse ------------------------------------------------------------------


def test_connection_reused_sync_and_async(
    make_llm: MakeLLM, hub: AiHubMixEmulator
) -> None:
    llm = make_llm()
    before = hub.connections_opened
    for _ in range(5):
        llm.invoke("hi")
    for _ in range(3):
        assert _summed(list(llm.stream("hi"))).text == "Echo: hi"
    # a stream consumed only partly still leaves a reusable connection
    for chunk in llm.stream("a somewhat longer prompt to cut short"):
        assert chunk is not None
        break
    llm.invoke("hi")
    assert hub.connections_opened - before == 1

    async def run() -> None:
        for _ in range(3):
            await llm.ainvoke("hi")
            chunks = [c async for c in llm.astream("hi")]
            assert _summed(chunks).text == "Echo: hi"

    before = hub.connections_opened
    asyncio.run(run())
    assert hub.connections_opened - before == 1  # one async client per event loop


def test_zero_thinking_budget_turns_thinking_off(
    make_llm: MakeLLM, hub: AiHubMixEmulator
) -> None:
    reply = make_llm(thinking_budget=0).invoke("Be quick")
    body = hub.requests[-1].body
    assert body["reasoning_effort"] == "none"
    assert "thinking_budget" not in str(body.get("extra_body"))
    assert reply.usage_metadata is not None
    assert reply.usage_metadata["output_token_details"] == {"reasoning": 0}


def test_stream_ending_without_finish_reason_raises(
    make_llm: MakeLLM, hub: AiHubMixEmulator
) -> None:
    hub.queue(
        openai_chunks=[
            {
                "id": "chatcmpl-1",
                "object": "chat.completion.chunk",
                "created": 1,
                "model": "gemini-2.5-flash",
                "choices": [
                    {
                        "index": 0,
                        "delta": {"role": "assistant", "content": "Half an"},
                        "finish_reason": None,
                    }
                ],
            }
        ]
    )
    with pytest.raises(ModelConnectionError, match="final chunk"):
        list(make_llm(max_retries=0).stream("hi"))
