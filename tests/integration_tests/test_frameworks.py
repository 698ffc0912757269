"""Inside the frameworks users run: LangChain v1 middleware, deepagents, copies,
models switched per call, broken turns, and image models fed unsigned history.

Against the emulator, asserting on what it received and on what the user gets.
"""

from __future__ import annotations

import asyncio
import copy
import json
from functools import partial
from pathlib import Path
from typing import Any

import httpx2
import openai
import pytest
from google.genai import errors as genai_errors
from langchain.agents import create_agent
from langchain.agents.middleware import (
    HumanInTheLoopMiddleware,
    SummarizationMiddleware,
    ToolCallLimitMiddleware,
)
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.exceptions import ModelAPIError
from langchain_core.messages import AIMessage, HumanMessage
from langchain_core.runnables import ConfigurableField
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.types import Command
from pydantic import BaseModel

from langchain_aihubmix.errors import (
    InvalidInputError,
    NativeNoAnswerError,
    NoAnswerError,
    OpenAINoAnswerError,
)
from langchain_aihubmix.testing import AiHubMixEmulator
from tests.integration_tests.sample_tools import get_weather
from tests.support import ENTRIES, ROUTES, MakeLLM, run

SENTINEL = "skip_thought_signature_validator"
CITIES = ("Oslo", "Lima")


@pytest.fixture
def make_llm(make_llm: MakeLLM) -> MakeLLM:
    return partial(make_llm, max_retries=2)


def _native(parts: list[dict[str, Any]], finish: str = "STOP", **cand: Any) -> Any:
    """A whole native reply with one candidate (`parts=[]`: no content at all)."""
    content = {"role": "model", "parts": parts} if parts else {}
    return {
        "candidates": [
            {"content": content, "finishReason": finish, "index": 0, **cand}
        ],
        "usageMetadata": {
            "promptTokenCount": 5000,
            "candidatesTokenCount": 7,
            "totalTokenCount": 5007,
        },
        "modelVersion": "gemini-2.5-flash",
    }


def _openai(message: dict[str, Any], finish: str = "stop") -> Any:
    """A whole chat.completion with one choice."""
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1,
        "model": "gemini-2.5-flash",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", **message},
                "finish_reason": finish,
            }
        ],
        "usage": {"prompt_tokens": 5000, "completion_tokens": 7, "total_tokens": 5007},
    }


def _queue_weather_calls(hub: AiHubMixEmulator, route: str, *, ids: bool) -> None:
    """Two parallel get_weather calls (Oslo, then Lima), with or without ids."""
    if route == "native":
        calls = [
            {"functionCall": {"name": "get_weather", "args": {"city": city}}}
            for city in CITIES
        ]
        if ids:
            for call, city in zip(calls, CITIES, strict=True):
                call["functionCall"]["id"] = f"fc-{city.lower()}"
        hub.queue(native=_native(calls))
        return
    hub.queue(
        openai=_openai(
            {
                "content": None,
                "tool_calls": [
                    {
                        "id": f"call-{city.lower()}",
                        "type": "function",
                        "function": {
                            "name": "get_weather",
                            "arguments": json.dumps({"city": city}),
                        },
                    }
                    for city in CITIES
                ],
            },
            "tool_calls",
        )
    )


def _results_sent(hub: AiHubMixEmulator, route: str) -> list[tuple[Any, str]]:
    """(id, result text) of each tool result in the last request, in wire order."""
    body = hub.requests[-1].body
    if route == "native":
        parts = body["contents"][-1]["parts"]
        return [
            (p["functionResponse"].get("id"), json.dumps(p["functionResponse"]))
            for p in parts
        ]
    return [
        (m["tool_call_id"], m["content"])
        for m in body["messages"]
        if m["role"] == "tool"
    ]


def _assert_call_order(
    hub: AiHubMixEmulator, route: str, answer: str, ids: bool
) -> None:
    sent = _results_sent(hub, route)
    assert len(sent) == 2
    assert "sunny in Oslo" in sent[0][1]  # Oslo's call came first
    assert "sunny in" not in sent[1][1]  # Lima's: answered by the middleware
    if route == "openai":
        assert [i for i, _ in sent] == ["call-oslo", "call-lima"]
    else:  # a server id goes back with its result; a made-up one never does
        assert [i for i, _ in sent] == (["fc-oslo", "fc-lima"] if ids else [None, None])
    # the model's answer reads the results in the order it got them
    # (the emulator answers with each result in turn: Oslo's, then the refusal)
    assert answer.index("sunny in Oslo") < answer.index("get_weather failed"), answer


# -- tool results in call order (issue 17, item 3a) ---------------------------------


@pytest.mark.parametrize("route", ROUTES)
def test_rejected_call_answers_keep_the_call_order(
    make_llm: MakeLLM, hub: AiHubMixEmulator, route: str
) -> None:
    """HumanInTheLoopMiddleware answers the rejected call (Lima) before the tool
    node answers Oslo's; Gemini must get the results in call order."""
    agent = create_agent(
        make_llm(route),
        tools=[get_weather],
        middleware=[HumanInTheLoopMiddleware(interrupt_on={"get_weather": True})],
        checkpointer=InMemorySaver(),
    )
    config: Any = {"configurable": {"thread_id": "hitl"}}
    _queue_weather_calls(hub, route, ids=False)
    agent.invoke({"messages": [HumanMessage("Weather in Oslo and Lima?")]}, config)
    decisions = [{"type": "approve"}, {"type": "reject", "message": "not Lima"}]
    result = agent.invoke(Command(resume={"decisions": decisions}), config)
    messages = result["messages"]
    assert [m.type for m in messages[2:4]] == ["tool", "tool"]
    assert "not Lima" in messages[2].text  # the middleware's answer came first
    _assert_call_order(hub, route, messages[-1].text, ids=False)


@pytest.mark.parametrize("route", ROUTES)
def test_limited_call_answers_keep_the_call_order(
    make_llm: MakeLLM, hub: AiHubMixEmulator, route: str
) -> None:
    """ToolCallLimitMiddleware(exit_behavior="continue") blocks Lima's call with an
    error answer added before the tool node's; ids the server gave go back."""
    limit = ToolCallLimitMiddleware(
        tool_name="get_weather", run_limit=1, exit_behavior="continue"
    )
    agent = create_agent(make_llm(route), tools=[get_weather], middleware=[limit])
    _queue_weather_calls(hub, route, ids=True)

    async def go() -> Any:
        states = agent.astream(
            {"messages": [HumanMessage("Weather in Oslo and Lima?")]},
            stream_mode="values",
        )
        return [state async for state in states][-1]

    messages = asyncio.run(go())["messages"]
    assert "sunny in" not in messages[2].text  # the limit's answer came first
    _assert_call_order(hub, route, messages[-1].text, ids=True)


# -- reported usage trusted by summarisation (item 3b) ------------------------------


def _queue_big_reply(hub: AiHubMixEmulator, route: str) -> None:
    """A short answer whose reported usage (5007 tokens) is far above its text's."""
    if route == "native":
        hub.queue(native=_native([{"text": "Hello!"}]))
    else:
        hub.queue(openai=_openai({"content": "Hello!"}))


def _summary_agent(llm: Any, kind: str, tmp_path: Path) -> Any:
    if kind == "langchain":
        middleware: Any = SummarizationMiddleware(
            model=llm, trigger=("tokens", 1000), keep=("messages", 1)
        )
    else:
        from deepagents.backends import FilesystemBackend
        from deepagents.middleware import SummarizationMiddleware as DeepSummary

        middleware = DeepSummary(
            model=llm,
            backend=FilesystemBackend(root_dir=tmp_path),
            trigger=("tokens", 1000),
            keep=("messages", 1),
        )
    return create_agent(llm, middleware=[middleware], checkpointer=InMemorySaver())


@pytest.mark.parametrize("kind", ["langchain", "deepagents"])
@pytest.mark.parametrize("route", ROUTES)
def test_summarisation_fires_on_reported_usage(
    make_llm: MakeLLM, hub: AiHubMixEmulator, route: str, kind: str, tmp_path: Path
) -> None:
    """The history's text is ~20 tokens; the reply reported 5007: the token trigger
    (1000) fires only if LangChain trusts the reported usage."""
    llm = make_llm(route)
    assert llm._get_ls_params()["ls_provider"] == "google_genai"
    agent = _summary_agent(llm, kind, tmp_path)
    config: Any = {"configurable": {"thread_id": kind}}
    _queue_big_reply(hub, route)
    first = agent.invoke({"messages": [HumanMessage("Hi there")]}, config)
    reply = first["messages"][-1]
    assert reply.response_metadata["model_provider"] == "google_genai"
    assert [b["type"] for b in reply.content_blocks] == ["text"]
    agent.invoke({"messages": [HumanMessage("And now?")]}, config)
    assert len(hub.requests) == 3  # the reply, the summary, the next reply
    summary_prompt = json.dumps(hub.requests[1].body)
    assert "Hi there" in summary_prompt and "And now?" not in summary_prompt


def test_traced_params_read_options_as_the_call_does(make_llm: MakeLLM) -> None:
    """What LangSmith records (`ls_*` run metadata): a lone `stop` string is one
    sequence, and a per-call alias counts, as in the request itself."""
    seen: list[dict[str, Any]] = []

    class Spy(BaseCallbackHandler):
        def on_chat_model_start(self, *args: Any, **kwargs: Any) -> None:
            seen.append(kwargs["metadata"])

    llm = make_llm("native", stop="END")
    llm.invoke("hi", max_tokens=50, config={"callbacks": [Spy()]})
    llm.invoke("hi", stop="HALT", config={"callbacks": [Spy()]})
    assert [(m["ls_stop"], m.get("ls_max_tokens")) for m in seen] == [
        (["END"], 50),
        (["HALT"], None),
    ]


def test_v1_output_gives_standard_blocks(make_llm: MakeLLM) -> None:
    llm = make_llm("native", output_version="v1", include_thoughts=True)
    reply = llm.invoke("Why is the sky blue?")
    assert [b["type"] for b in reply.content] == ["reasoning", "text"]
    assert reply.response_metadata["model_provider"] == "google_genai"


# -- the route follows the model used (item 3c) ---------------------------------------


@pytest.mark.parametrize(
    ("switch", "model"),
    [
        ("configurable", "gemini-2.5-flash-nothink"),
        ("per_call", "gemini-2.5-flash-search"),
    ],
)
@pytest.mark.parametrize("entry", ENTRIES)
def test_route_follows_the_model_used(
    make_llm: MakeLLM, hub: AiHubMixEmulator, entry: str, switch: str, model: str
) -> None:
    base = make_llm()
    assert base.transport is None  # unset stays unset: each call picks its route
    run(base, entry, "hi")
    if switch == "configurable":
        llm: Any = base.configurable_fields(model=ConfigurableField(id="model"))
        run(llm, entry, "hi", config={"configurable": {"model": model}})
    else:
        run(base, entry, "hi", model=model)
    first, second = hub.requests
    assert first.path.startswith("/gemini/v1beta/models/gemini-2.5-flash:")
    assert second.path == "/v1/chat/completions"
    assert second.body["model"] == model


def test_explicit_transport_is_kept_for_any_model(
    make_llm: MakeLLM, hub: AiHubMixEmulator
) -> None:
    llm = make_llm("openai")
    llm.invoke("hi", model="gemini-2.5-pro")
    assert hub.requests[-1].path == "/v1/chat/completions"


def test_suffixed_ids_are_refused_on_the_native_route(
    make_llm: MakeLLM, hub: AiHubMixEmulator
) -> None:
    """`-nothink` / `-search` ids exist on `/v1` only (natively the gateway answers
    400 get_adaptor_failed, as the emulator does): refused before sending."""
    with pytest.raises(InvalidInputError, match="OpenAI-compatible route only"):
        make_llm("native").invoke("hi", model="gemini-2.5-flash-nothink")
    with pytest.raises(InvalidInputError, match="OpenAI-compatible route only"):
        make_llm("native", model="gemini-2.5-flash-search")
    assert not hub.requests
    path = "/gemini/v1beta/models/gemini-2.5-flash-search:generateContent"
    body = {"contents": [{"role": "user", "parts": [{"text": "hi"}]}]}
    head = {"x-goog-api-key": hub.api_key}
    reply = httpx2.post(hub.base_url + path, json=body, headers=head)
    assert reply.status_code == 400 and "get_adaptor_failed" in reply.text


# -- copies of a used model (item 3d) -----------------------------------------------


@pytest.mark.parametrize("entry", ["invoke", "ainvoke"])
@pytest.mark.parametrize("route", ROUTES)
def test_deepcopy_of_a_used_model(
    make_llm: MakeLLM, hub: AiHubMixEmulator, route: str, entry: str
) -> None:
    llm = make_llm(route)
    run(llm, entry, "hi")
    clone = copy.deepcopy(llm)
    deep = llm.model_copy(deep=True)
    for other in (clone, deep):
        assert other.api_key is not None  # a copy in this process keeps the key
        assert other.api_key.get_secret_value() == hub.api_key
        assert run(other, entry, "hi again").text
        assert other._get_route() is not llm._get_route()  # its own clients
    assert run(llm, entry, "and the original").text
    assert len(hub.requests) == 4


# -- a broken turn is never an answer (item 4) --------------------------------------


@pytest.mark.parametrize("entry", ENTRIES)
@pytest.mark.parametrize("route", ROUTES)
def test_malformed_function_call_raises(
    make_llm: MakeLLM, hub: AiHubMixEmulator, route: str, entry: str
) -> None:
    llm = make_llm(route).bind_tools([get_weather])
    sdk_error = genai_errors.APIError if route == "native" else openai.APIError
    with pytest.raises(NoAnswerError) as caught:
        run(llm, entry, "MALFORMED_CALL weather in Oslo?")
    err = caught.value
    assert isinstance(err, sdk_error) and isinstance(err, ModelAPIError)
    assert isinstance(
        err, NativeNoAnswerError if route == "native" else OpenAINoAnswerError
    )
    # the emulator's /v1 renders Gemini's reason as "stop", as new-api does
    reason = "MALFORMED_FUNCTION_CALL" if route == "native" else "STOP"
    assert err.finish_reason == reason
    if route == "native":
        assert err.finish_message and err.finish_message in str(err)
    assert len(hub.requests) == 1  # not retried (max_retries=2): see the docs


BROKEN: dict[str, tuple[str, Any, str]] = {
    "no parts": ("native", _native([]), "STOP"),
    "unexpected tool call": (
        "native",
        _native([], "UNEXPECTED_TOOL_CALL", finishMessage="Tool call not expected"),
        "UNEXPECTED_TOOL_CALL",
    ),
    "thoughts only": (
        "native",
        _native([{"text": "Let me think", "thought": True}]),
        "STOP",
    ),
    "empty content": ("openai", _openai({"content": ""}), "STOP"),
    "gemini reason passed through": (
        "openai",
        _openai({"content": ""}, "MALFORMED_FUNCTION_CALL"),
        "MALFORMED_FUNCTION_CALL",
    ),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_empty_replies_raise(
    make_llm: MakeLLM, hub: AiHubMixEmulator, case: str
) -> None:
    route, reply, reason = BROKEN[case]
    hub.queue(**{route: reply})
    with pytest.raises(NoAnswerError) as caught:
        make_llm(route).invoke("hi")
    assert caught.value.finish_reason == reason


@pytest.mark.parametrize("entry", ENTRIES)
@pytest.mark.parametrize("route", ROUTES)
def test_a_turn_ending_on_a_broken_call_raises_after_text(
    make_llm: MakeLLM, hub: AiHubMixEmulator, route: str, entry: str
) -> None:
    """ "Let me check" then MALFORMED_FUNCTION_CALL: the call the model meant is
    lost, so the text is no final answer (an agent would stop on it)."""
    text = [{"text": "Let me check the weather."}]
    if route == "native":
        hub.queue(native=_native(text, "MALFORMED_FUNCTION_CALL"))
    else:
        hub.queue(
            openai=_openai({"content": text[0]["text"]}, "MALFORMED_FUNCTION_CALL")
        )
    with pytest.raises(NoAnswerError) as caught:
        run(make_llm(route).bind_tools([get_weather]), entry, "weather in Oslo?")
    assert caught.value.finish_reason == "MALFORMED_FUNCTION_CALL"


@pytest.mark.parametrize("route", ROUTES)
def test_a_broken_extra_candidate_keeps_the_answer(
    make_llm: MakeLLM, hub: AiHubMixEmulator, route: str
) -> None:
    """n=2, the second candidate broken: `invoke` returns the first (which a stream
    shows too); `generate` gives both, the second with its finish reason."""
    if route == "native":
        reply = _native([{"text": "Hi"}])
        broken = {"content": {}, "finishReason": "MALFORMED_FUNCTION_CALL", "index": 1}
        reply["candidates"].append(broken)
        hub.queue(native=reply)
        hub.queue(native=reply)
    else:
        reply = _openai({"content": "Hi"})
        broken = {"index": 1, "message": {"role": "assistant", "content": ""}}
        reply["choices"].append(broken | {"finish_reason": "MALFORMED_FUNCTION_CALL"})
        hub.queue(openai=reply)
        hub.queue(openai=reply)
    llm = make_llm(route, n=2)
    assert llm.invoke("hi").text == "Hi"
    first, second = llm.generate([[HumanMessage("hi")]]).generations[0]
    assert first.text == "Hi" and second.text == ""
    meta = second.message.response_metadata  # type: ignore[attr-defined]
    assert meta["finish_reason"] == "MALFORMED_FUNCTION_CALL"


EXPLAINED: dict[str, tuple[str, Any, str]] = {
    "safety": ("native", _native([], "SAFETY"), "SAFETY"),
    "out of tokens while thinking": (
        "native",
        _native([{"text": "Let me think", "thought": True}], "MAX_TOKENS"),
        "MAX_TOKENS",
    ),
    "content filter": ("openai", _openai({"content": ""}, "content_filter"), "SAFETY"),
    "length": ("openai", _openai({"content": ""}, "length"), "MAX_TOKENS"),
}


@pytest.mark.parametrize("case", sorted(EXPLAINED))
@pytest.mark.parametrize("entry", ["invoke", "stream"])
def test_refusals_and_limits_stay_answers(
    make_llm: MakeLLM, hub: AiHubMixEmulator, case: str, entry: str
) -> None:
    route, reply, reason = EXPLAINED[case]
    hub.queue(**{route: reply})
    message = run(make_llm(route), entry, "hi")
    assert message.text == ""
    assert message.response_metadata["finish_reason"] == reason


@pytest.mark.parametrize("route", ROUTES)
def test_stream_yields_thoughts_then_raises(
    make_llm: MakeLLM, hub: AiHubMixEmulator, route: str
) -> None:
    if route == "native":
        thought = _native([{"text": "Let me think", "thought": True}])
        del thought["candidates"][0]["finishReason"]
        hub.queue(native_chunks=[thought, _native([])])
    else:
        hub.queue(openai=_openai({"content": "", "reasoning_content": "Let me think"}))
    seen: list[Any] = []
    with pytest.raises(NoAnswerError, match="no answer"):
        for chunk in make_llm(route).stream("hi"):
            seen.append(chunk)
    assert "Let me think" in json.dumps([c.content for c in seen])


class City(BaseModel):
    name: str


@pytest.mark.parametrize("route", ROUTES)
def test_structured_output_raises_instead_of_none(
    make_llm: MakeLLM, route: str
) -> None:
    llm = make_llm(route).with_structured_output(City, method="function_calling")
    with pytest.raises(NoAnswerError):
        llm.invoke("MALFORMED_CALL name a city")


# -- unsigned history on image models (item 5) --------------------------------------


PNG = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA"
    "60e6kgAAAABJRU5ErkJggg=="
)

HISTORIES: dict[str, AIMessage] = {
    "built by hand": AIMessage(
        [
            {"type": "text", "text": "Here is a kite"},
            {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PNG}"}},
            {"type": "text", "text": " and a second line"},
        ]
    ),
    "another provider": AIMessage(
        [
            {"type": "text", "text": "Here is a kite", "extras": {"signature": "x"}},
            {"type": "image", "base64": PNG, "mime_type": "image/png"},
        ],
        response_metadata={"model_provider": "openai"},
    ),
}


@pytest.mark.filterwarnings(
    "ignore::langchain_aihubmix._output.cost.UnpricedModelWarning"
)
@pytest.mark.parametrize("source", sorted(HISTORIES))
@pytest.mark.parametrize(
    "model", ["gemini-3.1-flash-image-preview", "gemini-3-flash-preview"]
)
def test_image_models_get_the_bypass_on_unsigned_parts(
    make_llm: MakeLLM, hub: AiHubMixEmulator, model: str, source: str
) -> None:
    history = [HumanMessage("Draw a kite"), HISTORIES[source], HumanMessage("Bigger")]
    make_llm(model=model).invoke(history, response_modalities=["TEXT"])
    parts = hub.requests[-1].body["contents"][1]["parts"]
    signatures = [p.get("thoughtSignature") for p in parts]
    if "image" not in model:  # other models: history sent as it is
        assert set(signatures) == {None}
        return
    kinds = ["image" if "inlineData" in p else "text" for p in parts]
    expected = [
        SENTINEL if k == "image" or i == 0 else None for i, k in enumerate(kinds)
    ]
    assert kinds[:2] == ["text", "image"] and signatures == expected
