"""Caching and token counting over HTTP against the emulator, on both routes.

Implicit cache hits reported per call (invoke and stream), a stable request prefix
across agent steps, explicit caching helpers (the gateway has no `cachedContents`),
the `cached_content` option on the wire, and `get_num_tokens_from_messages`.
"""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Callable, Iterator
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from langchain.agents import create_agent
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
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
from tests import support
from tests.integration_tests.sample_tools import get_weather
from tests.support import MODEL, ROUTES, MakeLLM

SYSTEM = "You are a meticulous assistant who answers briefly and politely. " * 3


@pytest.fixture(params=ROUTES)
def make_llm(request: pytest.FixtureRequest, make_llm: MakeLLM) -> MakeLLM:
    return partial(make_llm, request.param)


@pytest.fixture
def native_llm(hub: AiHubMixEmulator) -> ChatAiHubMixGemini:
    return support.make_llm(hub)


def _cache_read(message: AIMessage) -> int:
    usage = message.usage_metadata
    assert usage is not None
    return (usage.get("input_token_details") or {}).get("cache_read", 0)


def _merge(chunks: list[AIMessageChunk]) -> AIMessageChunk:
    merged = chunks[0]
    for chunk in chunks[1:]:
        merged += chunk
    return merged


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
    streamed = _merge(list(llm.stream(prompt)))
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
    caches = CacheManager(make_llm())  # either transport: native cachedContents API
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
        assert info.value.status_code in (404, 501)
    paths = [(r.method, r.path) for r in hub.requests]
    assert ("POST", "/gemini/v1beta/cachedContents") in paths
    assert ("GET", "/gemini/v1beta/cachedContents") in paths
    assert ("DELETE", "/gemini/v1beta/cachedContents/x") in paths
    create = next(r for r in hub.requests if r.method == "POST")
    assert create.body["ttl"] == "600s"
    assert create.body["displayName"] == "manual"
    assert create.body["systemInstruction"]["parts"][0]["text"] == SYSTEM


# -- token counting -----------------------------------------------------------------


def test_token_count_falls_back_to_the_estimate_once(
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
    counted = [r for r in hub.requests if r.path.endswith(":countTokens")]
    assert len(counted) == 1  # asked once: the emulator (like AiHubMix) has no route
    assert llm.get_num_tokens_from_messages(messages) == expected
    assert len([r for r in hub.requests if r.path.endswith(":countTokens")]) == 1
    with_tools = llm.get_num_tokens_from_messages(messages, tools=[get_weather])
    assert with_tools > expected
    assert llm.get_num_tokens("abcdefgh") == 2


class _CountTokensServer:
    """A gateway that does offer `:countTokens` (answers `{"totalTokens": 12}`)."""

    def __init__(self) -> None:
        self.bodies: list[Any] = []
        self.paths: list[str] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                outer.bodies.append(json.loads(self.rfile.read(length) or b"null"))
                outer.paths.append(self.path)
                ok = self.path.endswith(":countTokens")
                data = json.dumps(
                    {"totalTokens": 12} if ok else {"error": {"code": 404}}
                ).encode()
                self.send_response(200 if ok else 404)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(
            target=self._server.serve_forever, args=(0.02,), daemon=True
        ).start()  # (a 0.02 s poll: shutdown() returns at once)
        host, port = self._server.server_address[:2]
        self.base_url = f"http://{host!s}:{port}"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def count_server() -> Iterator[_CountTokensServer]:
    server = _CountTokensServer()
    yield server
    server.close()


@pytest.mark.parametrize("transport", ["native", "openai"])
def test_token_count_uses_count_tokens_when_offered(
    count_server: _CountTokensServer, transport: str
) -> None:
    llm = ChatAiHubMixGemini(
        model=MODEL, base_url=count_server.base_url, api_key="k", transport=transport
    )
    messages = [SystemMessage("Be brief."), HumanMessage("Hello there")]
    assert llm.get_num_tokens_from_messages(messages, tools=[get_weather]) == 12
    assert count_server.paths == [f"/gemini/v1beta/models/{MODEL}:countTokens"]
    (body,) = count_server.bodies
    head, user = body["contents"]
    assert head["parts"][0]["text"] == "Be brief."
    assert json.loads(head["parts"][1]["text"])[0]["name"] == "get_weather"
    assert user == {"role": "user", "parts": [{"text": "Hello there"}]}
    assert llm.get_num_tokens_from_messages(messages) == 12  # asked again
    assert len(count_server.bodies) == 2


def test_token_count_without_key_is_the_estimate() -> None:
    llm = ChatAiHubMixGemini(model=MODEL, api_key=None, base_url="http://127.0.0.1:9")
    assert llm.get_num_tokens_from_messages([HumanMessage("x" * 8)]) == 2
