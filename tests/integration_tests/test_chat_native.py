"""ChatAiHubMixGemini on the native route, against the emulator over real HTTP."""

from __future__ import annotations

import asyncio
import base64
import logging
import pickle
from functools import reduce
from operator import add
from typing import Any

import pytest
from langchain_core.exceptions import (
    ModelAuthenticationError,
    ModelConnectionError,
    ModelRateLimitError,
    ModelTimeoutError,
)
from langchain_core.load import dumpd, dumps
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)

from langchain_aihubmix import ChatAiHubMixGemini
from langchain_aihubmix._errors.base import InvalidInputError
from langchain_aihubmix.testing import AiHubMixEmulator
from tests.integration_tests.sample_tools import get_time, get_weather
from tests.support import ENTRIES, MakeLLM, arun


def _usage_ok(message: AIMessage) -> None:
    usage = message.usage_metadata
    assert usage is not None
    assert usage["total_tokens"] == usage["input_tokens"] + usage["output_tokens"]
    assert usage["input_tokens"] > 0
    assert usage["output_tokens"] > 0


def test_invoke_text_request_and_metadata(
    make_llm: MakeLLM, hub: AiHubMixEmulator
) -> None:
    reply = make_llm().invoke("Say hello")
    assert isinstance(reply.content, list)
    assert reply.text
    assert reply.response_metadata["model_provider"] == "google_genai"
    assert reply.response_metadata["model_name"] == "gemini-2.5-flash"
    assert reply.response_metadata["finish_reason"] == "STOP"
    _usage_ok(reply)
    (request,) = hub.requests
    assert request.path == "/gemini/v1beta/models/gemini-2.5-flash:generateContent"
    assert request.headers["x-goog-api-key"] == hub.api_key
    assert "authorization" not in request.headers


def test_thoughts_are_reasoning_not_text(
    make_llm: MakeLLM, hub: AiHubMixEmulator
) -> None:
    llm = make_llm(include_thoughts=True, thinking_budget=512)
    reply = llm.invoke("Why is the sky blue?")
    kinds = [block["type"] for block in reply.content_blocks]
    assert kinds[0] == "reasoning"
    assert "text" in kinds
    thought = str(reply.content_blocks[0].get("reasoning", ""))
    assert thought and thought not in reply.text
    assert reply.usage_metadata is not None
    assert reply.usage_metadata.get("output_token_details", {}).get("reasoning", 0) > 0
    body = hub.requests[-1].body
    config = body["generationConfig"]["thinkingConfig"]
    assert config.get("includeThoughts", config.get("include_thoughts")) is True


def test_stream_adds_up_to_invoke(make_llm: MakeLLM) -> None:
    llm = make_llm(include_thoughts=True)
    whole = llm.invoke("Count the r's in strawberry")
    chunks = list(llm.stream("Count the r's in strawberry"))
    assert len(chunks) > 2
    summed = reduce(add, chunks)
    assert isinstance(summed, AIMessageChunk)
    assert summed.text == whole.text
    assert [b["type"] for b in summed.content_blocks] == [
        b["type"] for b in whole.content_blocks
    ]
    assert summed.usage_metadata == whole.usage_metadata
    with_input = [
        c for c in chunks if c.usage_metadata and c.usage_metadata["input_tokens"]
    ]
    assert len(with_input) == 1
    assert summed.response_metadata["finish_reason"] == "STOP"


@pytest.mark.parametrize("model", ["gemini-3-flash-preview", "gemini-2.5-flash"])
def test_multi_turn_tool_loop_keeps_signatures(
    make_llm: MakeLLM, hub: AiHubMixEmulator, model: str
) -> None:
    llm = make_llm(model=model).bind_tools([get_weather, get_time])
    history: list[Any] = [HumanMessage("What is the weather in Paris? use get_weather")]
    first = llm.invoke(history)
    assert first.tool_calls and first.tool_calls[0]["name"] == "get_weather"
    assert first.tool_calls[0]["id"]
    history += [
        first,
        ToolMessage(
            get_weather.invoke(first.tool_calls[0]["args"]),
            tool_call_id=first.tool_calls[0]["id"],
        ),
    ]
    second = llm.invoke(history)  # the emulator rejects a lost signature with 400
    assert second.text == "sunny in Paris."
    replayed = hub.requests[-1].body["contents"][1]["parts"]
    sent = [p for p in replayed if "functionCall" in p or "function_call" in p]
    assert sent, replayed
    sig = sent[0].get("thoughtSignature") or sent[0].get("thought_signature")
    original = first.additional_kwargs["__gemini_function_call_thought_signatures__"]
    assert base64.urlsafe_b64decode(sig + "==") == base64.b64decode(
        original[first.tool_calls[0]["id"]]
    )


def test_parallel_calls_stream_and_reply(make_llm: MakeLLM) -> None:
    llm = make_llm(model="gemini-3-flash-preview").bind_tools([get_weather, get_time])
    question = HumanMessage("Use get_weather and get_time for Paris")
    first = reduce(add, llm.stream([question]))
    assert isinstance(first, AIMessageChunk)
    names = [call["name"] for call in first.tool_calls]
    assert names == ["get_weather", "get_time"]
    results = [ToolMessage("ok", tool_call_id=call["id"]) for call in first.tool_calls]
    final = llm.invoke([question, first, *results])
    assert final.text


def test_history_without_signature_uses_sentinel(
    make_llm: MakeLLM, hub: AiHubMixEmulator
) -> None:
    llm = make_llm(model="gemini-3-flash-preview").bind_tools([get_weather])
    foreign = AIMessage(
        "",
        tool_calls=[
            {"name": "get_weather", "args": {"city": "Rome"}, "id": "abc12345"}
        ],
    )
    reply = llm.invoke(
        [
            HumanMessage("weather in Rome? use get_weather"),
            foreign,
            ToolMessage("sunny", tool_call_id="abc12345"),
        ]
    )
    assert reply.text
    parts = hub.requests[-1].body["contents"][1]["parts"]
    sig = parts[0].get("thoughtSignature") or parts[0].get("thought_signature")
    assert sig == "skip_thought_signature_validator"


def test_code_execution_blocks_are_linked(make_llm: MakeLLM) -> None:
    reply = (
        make_llm().bind_tools([{"code_execution": {}}]).invoke("Sum 1..10 with code")
    )
    blocks = reply.content_blocks
    call = next(b for b in blocks if b["type"] == "server_tool_call")
    result = next(b for b in blocks if b["type"] == "server_tool_result")
    assert call["name"] == "code_interpreter" and call["args"]["code"]
    assert result["tool_call_id"] == call["id"]
    assert result["status"] == "success"
    assert reply.text


def test_system_messages_anywhere_are_kept(
    make_llm: MakeLLM, hub: AiHubMixEmulator
) -> None:
    make_llm().invoke(
        [
            HumanMessage("hi"),
            AIMessage("hello"),
            SystemMessage("Answer in French."),
            HumanMessage("bye"),
        ]
    )
    body = hub.requests[-1].body
    system = body.get("systemInstruction") or body.get("system_instruction")
    assert "Answer in French." in str(system)


def test_image_input_inline(make_llm: MakeLLM, hub: AiHubMixEmulator) -> None:
    png = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\0" * 32).decode()
    make_llm().invoke(
        [
            HumanMessage(
                [
                    {"type": "text", "text": "describe"},
                    {
                        "type": "image_url",
                        "image_url": {"url": f"data:image/png;base64,{png}"},
                    },
                ]
            )
        ]
    )
    parts = hub.requests[-1].body["contents"][0]["parts"]
    inline = [p.get("inlineData") or p.get("inline_data") for p in parts]
    blob = next(i for i in inline if i)
    assert base64.b64decode(blob["data"]) == base64.b64decode(png)


def test_oversized_media_rejected_before_sending(
    make_llm: MakeLLM, hub: AiHubMixEmulator
) -> None:
    big = base64.b64encode(b"\0" * (21 * 1024 * 1024)).decode()
    with pytest.raises(InvalidInputError, match="20"):
        make_llm().invoke(
            [HumanMessage([{"type": "image", "base64": big, "mime_type": "image/png"}])]
        )
    assert hub.requests == []


def test_bad_input_rejected_before_sending(
    make_llm: MakeLLM, hub: AiHubMixEmulator
) -> None:
    llm = make_llm()
    with pytest.raises(TypeError, match="Unknown option"):
        llm.invoke("hi", temprature=0.2)
    with pytest.raises(InvalidInputError, match="not both"):
        llm.invoke("hi", thinking_budget=100, reasoning_effort="low")
    with pytest.raises(InvalidInputError, match="cannot turn thinking off"):
        make_llm(model="gemini-2.5-pro").invoke("hi", thinking_budget=0)
    with pytest.raises(InvalidInputError, match="matches no"):
        llm.invoke([HumanMessage("hi"), ToolMessage("x", tool_call_id="nope")])
    assert hub.requests == []


def test_per_call_model_override(make_llm: MakeLLM, hub: AiHubMixEmulator) -> None:
    reply = make_llm().invoke("hi", model="gemini-2.0-flash")
    assert hub.requests[-1].path.endswith("/gemini-2.0-flash:generateContent")
    assert reply.response_metadata["model_name"] == "gemini-2.0-flash"


def test_wrong_key_is_typed_error(hub: AiHubMixEmulator) -> None:
    llm = ChatAiHubMixGemini(
        model="gemini-2.5-flash", base_url=hub.base_url, api_key="sk-wrong-key-123456"
    )
    with pytest.raises(ModelAuthenticationError) as info:
        llm.invoke("hi")
    assert "sk-wrong-key-123456" not in str(info.value)
    assert "sk-wrong-key-123456" not in repr(info.value)


def test_rate_limit_retried_with_server_delay(
    make_llm: MakeLLM, hub: AiHubMixEmulator
) -> None:
    hub.inject_fault("429", count=1, retry_delay=0.2)
    llm = make_llm(max_retries=2)
    reply = llm.invoke("hi")
    assert reply.text
    assert len(hub.requests) == 2


def test_rate_limit_without_retries_raises(
    make_llm: MakeLLM, hub: AiHubMixEmulator
) -> None:
    hub.inject_fault("429", count=1, retry_delay=0.01)
    with pytest.raises(ModelRateLimitError):
        make_llm(max_retries=0).invoke("hi")
    assert len(hub.requests) == 1


def test_server_errors_retried(make_llm: MakeLLM, hub: AiHubMixEmulator) -> None:
    hub.inject_fault("503", count=2)
    assert make_llm(max_retries=2).invoke("hi").text
    assert len(hub.requests) == 3


def test_stream_cut_midway_raises(make_llm: MakeLLM, hub: AiHubMixEmulator) -> None:
    hub.inject_fault("drop", count=1, after_chunks=1)
    seen: list[AIMessageChunk] = []
    with pytest.raises(ModelConnectionError):
        for chunk in make_llm(max_retries=0).stream("tell me a long story please"):
            seen.append(chunk)


def test_slow_reply_times_out(make_llm: MakeLLM, hub: AiHubMixEmulator) -> None:
    hub.inject_fault("slow", count=3, delay=2.0)
    with pytest.raises(ModelTimeoutError):
        make_llm(timeout=0.5, max_retries=0).invoke("hi")


def test_connection_reused(make_llm: MakeLLM, hub: AiHubMixEmulator) -> None:
    llm = make_llm()
    before = hub.connections_opened
    for _ in range(5):
        llm.invoke("hi")
    for _ in range(3):
        list(llm.stream("hi"))
    assert hub.connections_opened - before == 1


def test_async_entry_points_across_event_loops(make_llm: MakeLLM) -> None:
    llm = make_llm(include_thoughts=True)

    async def run() -> tuple[AIMessage, list[AIMessageChunk]]:
        whole = await llm.ainvoke("Why?")
        chunks = [c async for c in llm.astream("Why?")]
        return whole, chunks

    for _ in range(2):  # two separate event loops, one model instance
        whole, chunks = asyncio.run(run())
        assert reduce(add, chunks).text == whole.text


def test_batch_and_abatch(make_llm: MakeLLM) -> None:
    llm = make_llm()
    replies = llm.batch(["one", "two", "three"])
    assert [bool(r.text) for r in replies] == [True, True, True]
    areplies = asyncio.run(llm.abatch(["one", "two"]))
    assert len(areplies) == 2


def test_stream_events_and_tokens(make_llm: MakeLLM) -> None:
    llm = make_llm(include_thoughts=True)

    async def run() -> list[str]:
        return [e["event"] async for e in llm.astream_events("hi", version="v2")]

    events = asyncio.run(run())
    assert "on_chat_model_stream" in events and events[-1] == "on_chat_model_end"


def test_pickle_and_secrets(
    make_llm: MakeLLM, hub: AiHubMixEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    llm = make_llm()
    llm.invoke("warm up the client")
    pickled = pickle.dumps(llm)
    assert hub.api_key.encode() not in pickled
    monkeypatch.setenv("AIHUBMIX_API_KEY", hub.api_key)  # as a worker would have it
    clone = pickle.loads(pickled)
    assert clone.invoke("hi").text
    for text in (repr(llm), str(llm), dumps(llm), str(dumpd(llm))):
        assert hub.api_key not in text


def test_blocked_prompt_gives_refusal_and_usage(make_llm: MakeLLM) -> None:
    reply = make_llm().invoke("BLOCK_ME please")
    assert reply.text == ""
    assert (
        reply.response_metadata["prompt_feedback"]["block_reason"]
        == "PROHIBITED_CONTENT"
    )
    assert any(b["type"] == "refusal" for b in reply.content_blocks)
    assert reply.usage_metadata and reply.usage_metadata["input_tokens"] > 0


def test_stream_events_v3_projections(make_llm: MakeLLM) -> None:
    llm = make_llm(include_thoughts=True)
    whole = llm.invoke("Why is the sky blue?")
    stream = llm.stream_events("Why is the sky blue?", version="v3")
    text = "".join(stream.text)
    assert text == whole.text
    assert "".join(stream.reasoning)
    assert stream.output.text == whole.text


def test_new_token_callbacks_for_text_and_thoughts(make_llm: MakeLLM) -> None:
    from langchain_core.callbacks import BaseCallbackHandler

    class Recorder(BaseCallbackHandler):
        def __init__(self) -> None:
            self.tokens: list[str] = []
            self.thought_chunks = 0

        def on_llm_new_token(self, token: Any, **kwargs: Any) -> None:
            chunk = kwargs["chunk"]
            self.tokens.append(chunk.message.text)
            content = chunk.message.content
            if any(
                isinstance(b, dict) and b.get("type") == "thinking" for b in content
            ):
                self.thought_chunks += 1

    recorder = Recorder()
    reply = make_llm(include_thoughts=True, streaming=True).invoke(
        "Why is the sky blue?", config={"callbacks": [recorder]}
    )
    assert "".join(recorder.tokens) == reply.text
    assert recorder.thought_chunks > 0
    assert any(b["type"] == "reasoning" for b in reply.content_blocks)


def test_stream_ending_without_finish_reason_raises(
    make_llm: MakeLLM, hub: AiHubMixEmulator
) -> None:
    hub.queue(
        native_chunks=[
            {
                "candidates": [
                    {
                        "content": {"role": "model", "parts": [{"text": "Half an"}]},
                        "index": 0,
                    }
                ],
                "usageMetadata": {
                    "promptTokenCount": 3,
                    "candidatesTokenCount": 2,
                    "totalTokenCount": 5,
                },
                "modelVersion": "gemini-2.5-flash",
                "responseId": "r1",
            }
        ]
    )
    with pytest.raises(ModelConnectionError, match="final chunk"):
        list(make_llm(max_retries=0).stream("hi"))


@pytest.mark.parametrize("entry", ENTRIES)
async def test_a_plain_call_logs_no_sdk_chatter(
    hub: AiHubMixEmulator, make_llm: MakeLLM, entry: str, caplog: Any
) -> None:
    """google-genai's "AFC is enabled" INFO line (logged for a config-less call) stays
    out of the user's logs during the package's calls, and only then."""
    from google import genai

    caplog.set_level(logging.DEBUG, logger="google_genai")
    assert (await arun(make_llm("native"), entry, "hi")).text
    assert [r.getMessage() for r in caplog.records] == []
    raw = genai.Client(
        api_key=hub.api_key,
        http_options={"base_url": hub.base_url + "/gemini", "api_version": "v1beta"},
    )
    raw.models.generate_content(model="gemini-2.5-flash", contents="hi")
    assert any("AFC is enabled" in r.getMessage() for r in caplog.records)
