"""The openai route's `create` shortcut sends what `chat.completions.create` sends,
and `to_model` builds the replies the SDK builds."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx2
import openai
import pytest
from openai.types.chat import ChatCompletion, ChatCompletionChunk

from langchain_aihubmix._openai import sdk_shortcuts
from langchain_aihubmix._openai.sdk_shortcuts import to_model

COMPLETION = {
    "id": "c1",
    "object": "chat.completion",
    "created": 1,
    "model": "gemini-2.5-flash",
    "choices": [
        {
            "index": 0,
            "message": {"role": "assistant", "content": "hi"},
            "finish_reason": "stop",
        }
    ],
    "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
}
TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Weather",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
    },
}
HISTORY = [
    {"role": "system", "content": "Be brief."},
    {"role": "user", "content": [{"type": "text", "text": "Weather in Paris?"}]},
    {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {
                "id": "call_1",
                "type": "function",
                "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
                "extra_content": {"google": {"thought_signature": "c2ln"}},
            }
        ],
    },
    {"role": "tool", "tool_call_id": "call_1", "content": "sunny"},
]
PARAMS: dict[str, dict[str, Any]] = {
    "plain": {"model": "gemini-2.5-flash", "messages": [HISTORY[1]]},
    "history and tools": {
        "model": "gemini-3-flash-preview",
        "messages": HISTORY,
        "tools": [TOOL],
        "tool_choice": "auto",
        "temperature": 0.2,
        "stop": ["END"],
        "reasoning_effort": "low",
    },
    "extra body and schema": {
        "model": "gemini-2.5-flash",
        "messages": [HISTORY[1]],
        "response_format": {
            "type": "json_schema",
            "json_schema": {"name": "w", "schema": {"type": "object"}},
        },
        "extra_body": {"top_k": 3, "extra_body": {"google": {"x": [1, 2]}}},
    },
    "timeout": {"model": "gemini-2.5-flash", "messages": [HISTORY[1]], "timeout": 7.5},
    "stream": {
        "model": "gemini-2.5-flash",
        "messages": [HISTORY[1]],
        "stream": True,
        "stream_options": {"include_usage": True},
    },
}


def _reply(request: httpx2.Request) -> httpx2.Response:
    if json.loads(request.content).get("stream"):
        chunk = {**COMPLETION, "object": "chat.completion.chunk"}
        chunk["choices"] = [{"index": 0, "delta": {"content": "hi"}}]
        body = f"data: {json.dumps(chunk)}\n\ndata: [DONE]\n\n".encode()
        return httpx2.Response(
            200, content=body, headers={"content-type": "text/event-stream"}
        )
    return httpx2.Response(200, json=COMPLETION)


def _seen(request: httpx2.Request) -> tuple[str, str, dict[str, str], Any]:
    headers = {
        k: v
        for k, v in request.headers.items()
        if k.lower() not in ("x-stainless-retry-count", "x-stainless-read-timeout")
    }
    # Key order aside (the SDK orders keys by its parameter list), the same JSON.
    return request.method, str(request.url), headers, json.loads(request.content)


@pytest.mark.parametrize("name", PARAMS)
def test_sync_shortcut_sends_the_same_request(name: str) -> None:
    sent: list[Any] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        sent.append(_seen(request))
        return _reply(request)

    client = openai.OpenAI(
        api_key="k",
        base_url="http://gw.test/v1",
        max_retries=0,
        http_client=httpx2.Client(transport=httpx2.MockTransport(handler)),
    )
    params = PARAMS[name]
    via_sdk = client.chat.completions.create(**params)
    via_shortcut = sdk_shortcuts.create(client, dict(params))
    assert sent[0] == sent[1]
    if params.get("stream"):
        assert [c.model_dump() for c in via_sdk] == [
            to_model(ChatCompletionChunk, c).model_dump() for c in via_shortcut
        ]
    else:
        assert (
            via_sdk.model_dump() == to_model(ChatCompletion, via_shortcut).model_dump()
        )


@pytest.mark.parametrize("name", PARAMS)
def test_async_shortcut_sends_the_same_request(name: str) -> None:
    sent: list[Any] = []

    async def handler(request: httpx2.Request) -> httpx2.Response:
        sent.append(_seen(request))
        return _reply(request)

    async def run() -> None:
        client = _async_client(handler)
        params = PARAMS[name]
        via_sdk = await client.chat.completions.create(**params)
        via_shortcut = await sdk_shortcuts.acreate(client, dict(params))
        if params.get("stream"):
            assert [c.model_dump() async for c in via_sdk] == [
                to_model(ChatCompletionChunk, c).model_dump()
                async for c in via_shortcut
            ]
        else:
            model = to_model(ChatCompletion, via_shortcut)
            assert via_sdk.model_dump() == model.model_dump()

    asyncio.run(run())
    assert sent[0] == sent[1]


def _async_client(handler: Any) -> openai.AsyncOpenAI:
    """An async client whose requests `handler` answers."""
    return openai.AsyncOpenAI(
        api_key="k",
        base_url="http://gw.test/v1",
        max_retries=0,
        http_client=httpx2.AsyncClient(transport=httpx2.MockTransport(handler)),
    )


_CHUNK = {"id": "c", "object": "chat.completion.chunk", "created": 1, "model": "m"}
REPLIES: dict[str, tuple[type[openai.BaseModel], dict[str, Any]]] = {
    "a text delta with usage": (
        ChatCompletionChunk,
        {
            **_CHUNK,
            "choices": [{"index": 0, "delta": {"content": "1", "role": "assistant"}}],
            "usage": {"completion_tokens": 1, "prompt_tokens": 9, "total_tokens": 103},
        },
    ),
    "vendor extras": (
        ChatCompletionChunk,
        {
            **_CHUNK,
            "choices": [
                {
                    "index": 0,
                    "delta": {
                        "reasoning_content": "hm",
                        "extra_content": {"google": {"thought_signature": "c2ln"}},
                    },
                    "finish_reason": "length",
                }
            ],
        },
    ),
    "a tool call without index (SDK-built)": (
        ChatCompletionChunk,
        {
            **_CHUNK,
            "choices": [
                {
                    "index": 0,
                    "delta": {
                        "tool_calls": [
                            {"id": "", "function": {"name": "f", "arguments": "{}"}}
                        ]
                    },
                    "finish_reason": "stop",
                }
            ],
        },
    ),
    "a Gemini finish reason (SDK-built)": (
        ChatCompletion,
        {
            **COMPLETION,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": "hi"},
                    "finish_reason": "MALFORMED_FUNCTION_CALL",
                }
            ],
        },
    ),
    "a whole completion": (ChatCompletion, COMPLETION),
}


@pytest.mark.parametrize("name", REPLIES)
def test_to_model_builds_what_the_sdk_builds(name: str) -> None:
    cls, data = REPLIES[name]
    built = to_model(cls, json.loads(json.dumps(data)))
    assert built == cls.construct(**data)
    assert built.model_dump() == cls.construct(**data).model_dump()


@pytest.mark.parametrize("known", [True, False])
def test_an_async_client_with_a_known_platform_asks_no_thread(
    known: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """openai's async client looks its platform up in a worker thread on its first
    request unless it already knows it; fails when openai changes that."""
    from openai import _base_client

    platform = sdk_shortcuts.platform_name()
    looked_up: list[bool] = []
    headers: list[str] = []
    monkeypatch.setattr(_base_client, "get_platform", lambda: looked_up.append(True))

    async def handler(request: httpx2.Request) -> httpx2.Response:
        headers.append(request.headers["X-Stainless-OS"])
        return _reply(request)

    async def run() -> None:
        client = _async_client(handler)
        if known:
            sdk_shortcuts.known_platform(client, platform)
        await sdk_shortcuts.acreate(client, dict(PARAMS["plain"]))

    asyncio.run(run())
    if known:
        assert (looked_up, headers) == ([], [platform])
    else:  # the SDK's own lookup, which `known_platform` spares
        assert looked_up
