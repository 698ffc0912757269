"""Caching and token counting over HTTP against the emulator, on both routes.

Implicit cache hits reported per call (invoke and stream), a stable request prefix
across agent steps, explicit caching helpers (the gateway has no `cachedContents`),
the `cached_content` option on the wire, and the local `get_num_tokens_from_messages`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from functools import partial

import pytest
from langchain.agents import create_agent
from langchain_core.messages import (
    AIMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)

from langchain_aihubmix import ChatAiHubMixGemini
from langchain_aihubmix._options.native_only import NotOnOpenAIRouteError
from langchain_aihubmix.caching import (
    CacheManager,
    ExplicitCachingUnavailableError,
    GatewayFeatureUnavailableError,
)
from langchain_aihubmix.testing import AiHubMixEmulator
from langchain_aihubmix.tokens import MEDIA_ITEM_TOKENS
from tests.integration_tests.sample_tools import get_weather
from tests.support import MODEL, ROUTES, MakeLLM, summed

SYSTEM = "You are a meticulous assistant who answers briefly and politely. " * 3


@pytest.fixture(params=ROUTES)
def make_llm(request: pytest.FixtureRequest, make_llm: MakeLLM) -> MakeLLM:
    return partial(make_llm, request.param)


def _cache_read(message: AIMessage) -> int:
    usage = message.usage_metadata
    assert usage is not None
    return usage["input_token_details"]["cache_read"]  # always there, 0 when none


# -- implicit caching ---------------------------------------------------------------


def test_implicit_cache_hit_reported_in_invoke_and_stream(make_llm: MakeLLM) -> None:
    llm = make_llm()
    prompt = [SystemMessage(SYSTEM), HumanMessage("What is 2+2?")]
    first = llm.invoke(prompt)
    assert _cache_read(first) == 0
    assert "cache_tokens_details" not in first.response_metadata
    second = llm.invoke(prompt)
    hit = _cache_read(second)
    assert second.usage_metadata is not None
    assert 32 <= hit <= second.usage_metadata["input_tokens"]
    streamed = summed(list(llm.stream(prompt)))
    assert _cache_read(streamed) == hit
    for message in (second, streamed):
        cost = message.response_metadata["cost"]
        assert cost["cache_read"] > 0 and cost["saved_by_cache"] > 0
        if llm.transport == "native":
            details = message.response_metadata["cache_tokens_details"]
            assert sum(d["token_count"] for d in details) == hit
            assert {d["modality"] for d in details} == {"TEXT"}


def test_short_prompt_is_never_a_cache_hit(make_llm: MakeLLM) -> None:
    llm = make_llm()
    llm.invoke("hi")
    assert _cache_read(llm.invoke("hi")) == 0  # below the 32-token minimum


def _prefix_keys(route: str) -> tuple[tuple[str, ...], str]:
    if route == "native":
        return ("systemInstruction", "tools", "toolConfig", "generationConfig"), (
            "contents"
        )
    return ("model", "tools", "tool_choice"), "messages"


def test_agent_steps_send_an_identical_prefix_and_hit_the_cache(
    make_llm: MakeLLM, hub: AiHubMixEmulator
) -> None:
    llm = make_llm()
    agent = create_agent(llm, tools=[get_weather], system_prompt=SYSTEM)
    result = agent.invoke({"messages": [HumanMessage("Weather in Paris?")]})
    steps = [m for m in result["messages"] if isinstance(m, AIMessage)]
    assert len(steps) == 2 and steps[0].tool_calls
    first, second = (r.body for r in hub.requests)
    fixed, turns = _prefix_keys(llm.transport or "native")
    for key in fixed:  # system instruction, tools, config: same bytes
        assert json.dumps(first.get(key)) == json.dumps(second.get(key)), key
    assert first.get("tools")
    earlier = first[turns]
    assert json.dumps(second[turns][: len(earlier)]) == json.dumps(earlier)
    assert len(second[turns]) > len(earlier)
    assert _cache_read(steps[0]) == 0
    assert _cache_read(steps[1]) > 0  # the emulator recognised the prefix


# -- explicit caching ---------------------------------------------------------------


def test_cached_content_option_is_sent(
    make_llm: MakeLLM, hub: AiHubMixEmulator
) -> None:
    name = "cachedContents/abc123"
    if make_llm().transport == "openai":
        # Explicit caches are Gemini's own API: refused before any request.
        with pytest.raises(NotOnOpenAIRouteError, match="cached_content"):
            make_llm(cached_content=name)
        with pytest.raises(NotOnOpenAIRouteError, match="cached_content"):
            make_llm().invoke("hi", cached_content="cachedContents/per-call")
        assert hub.requests == []
        return
    make_llm(cached_content=name).invoke("hi")
    make_llm().invoke("hi", cached_content="cachedContents/per-call")
    field, call_body = hub.requests[0].body, hub.requests[1].body
    assert field["cachedContent"] == name
    assert call_body["cachedContent"] == "cachedContents/per-call"


def test_explicit_caching_helpers_say_the_gateway_lacks_them(
    make_llm: MakeLLM, hub: AiHubMixEmulator
) -> None:
    caches = CacheManager(make_llm())  # either transport
    calls: list[Callable[[], object]] = [
        lambda: caches.create_cache(system=SYSTEM, ttl=600, display_name="manual"),
        lambda: caches.create_cache(contents=[HumanMessage("a long document")]),
        caches.list_caches,
        lambda: caches.get_cache("cachedContents/x"),
        lambda: caches.refresh_cache("cachedContents/x", 3600),
        lambda: caches.delete_cache("cachedContents/x"),
    ]
    for call in calls:
        with pytest.raises(ExplicitCachingUnavailableError) as info:
            call()
        assert isinstance(info.value, GatewayFeatureUnavailableError)
        assert isinstance(info.value, NotImplementedError)
        assert "does not offer explicit caching (cachedContents)" in str(info.value)
        assert hub.base_url in str(info.value)
    assert hub.requests == []  # refused without asking the gateway


# -- token counting -----------------------------------------------------------------


def test_token_count_is_the_local_estimate(
    make_llm: MakeLLM, hub: AiHubMixEmulator
) -> None:
    llm = make_llm()
    messages = [
        SystemMessage("s" * 40),  # 10
        HumanMessage(
            content=[
                {"type": "text", "text": "t" * 41},  # 11
                {"type": "image", "base64": "iVBORw0KGgo=", "mime_type": "image/png"},
            ]
        ),
        AIMessage("", tool_calls=[{"id": "c1", "name": "f", "args": {"a": 1}}]),
        ToolMessage("ok", tool_call_id="c1", name="f"),
    ]
    call = math.ceil(len("f" + json.dumps({"a": 1})) / 4)
    result = math.ceil(len("f" + "ok") / 4)
    expected = 10 + 11 + MEDIA_ITEM_TOKENS + call + result
    assert llm.get_num_tokens_from_messages(messages) == expected
    assert hub.requests == []  # a local estimate: AiHubMix has no countTokens
    with_tools = llm.get_num_tokens_from_messages(messages, tools=[get_weather])
    assert with_tools > expected
    assert llm.get_num_tokens("abcdefgh") == 2


def test_token_count_without_key_is_the_estimate() -> None:
    llm = ChatAiHubMixGemini(model=MODEL, api_key=None, base_url="http://127.0.0.1:9")
    assert llm.get_num_tokens_from_messages([HumanMessage("x" * 8)]) == 2
