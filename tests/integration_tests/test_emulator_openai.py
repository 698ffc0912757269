"""The emulator's OpenAI-compatible route, over real HTTP, as a client sees it."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import openai
import pytest

from langchain_aihubmix.testing import AiHubMixEmulator, OpenAIQuirks

FLASH = "gemini-2.5-flash"
G3 = "gemini-3-flash-preview"
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "parameters": {
                "type": "object",
                "properties": {"city": {"type": "string"}},
                "required": ["city"],
            },
        },
    },
    # No parameters: Gemini's `Schema` refuses an object without properties.
    {"type": "function", "function": {"name": "get_time"}},
]


def user(text: str) -> dict[str, Any]:
    return {"role": "user", "content": text}


@pytest.fixture
def client(hub: AiHubMixEmulator) -> httpx.Client:
    return httpx.Client(
        base_url=hub.base_url + "/v1",
        headers={"Authorization": f"Bearer {hub.api_key}"},
        timeout=10,
    )


def chat(client: httpx.Client, **body: Any) -> httpx.Response:
    return client.post("/chat/completions", json=body)


def chat_stream(client: httpx.Client, **body: Any) -> list[dict[str, Any]]:
    r = client.post("/chat/completions", json={**body, "stream": True})
    assert r.status_code == 200 and r.headers["content-type"].startswith(
        "text/event-stream"
    )
    events = r.text.split("\n\n")
    assert events[-2:] == ["data: [DONE]", ""]
    return [json.loads(e[len("data: ") :]) for e in events[:-2]]


def test_completion_and_usage(client: httpx.Client, hub: AiHubMixEmulator) -> None:
    r = chat(
        client, model=FLASH, messages=[user("hello openai")], reasoning_effort="low"
    )
    assert r.status_code == 200 and r.headers["x-request-id"]
    body = r.json()
    assert body["object"] == "chat.completion" and body["model"] == FLASH
    message = body["choices"][0]["message"]
    assert message["content"] == "Echo: hello openai" and message["reasoning_content"]
    assert body["choices"][0]["finish_reason"] == "stop"
    usage = body["usage"]
    reasoning = usage["completion_tokens_details"]["reasoning_tokens"]
    assert reasoning > 0
    assert (
        usage["total_tokens"]
        == usage["prompt_tokens"] + usage["completion_tokens"] + reasoning
    )
    assert hub.requests[-1].route == "openai"
    hub.openai_quirks.completion_excludes_reasoning = False
    usage = chat(client, model=FLASH, messages=[user("hello openai")]).json()["usage"]
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]


def test_models_and_catalogue(client: httpx.Client, hub: AiHubMixEmulator) -> None:
    models = client.get("/models").json()
    assert models["object"] == "list" and any(m["id"] == FLASH for m in models["data"])
    assert httpx.get(hub.base_url + "/v1/models").status_code == 401
    catalogue = httpx.get(hub.base_url + "/api/v1/models").json()
    assert set(catalogue) == {"data", "message", "success"}
    entry = next(m for m in catalogue["data"] if m["model_id"] == FLASH)
    assert set(entry["pricing"]) >= {"input", "output", "cache_read"}
    assert entry["context_length"] > 0 and isinstance(entry["developer_id"], int)
    assert isinstance(entry["features"], str) and "," in entry["features"]
    assert isinstance(entry["input_modalities"], str)


def test_auth_and_envelopes(hub: AiHubMixEmulator) -> None:
    url = hub.base_url + "/v1/chat/completions"
    body = {"model": FLASH, "messages": [user("x")]}
    r = httpx.post(url, json=body)
    assert r.status_code == 401
    assert r.json() == {
        "error": {
            "message": f"no key provided (request id: {r.headers['x-request-id']})",
            "type": "Aihubmix_api_error",
        }
    }
    r = httpx.post(url, json=body, headers={"Authorization": "Bearer nope"})
    assert r.status_code == 401 and "Invalid token" in r.json()["error"]["message"]


def test_tool_choice_pairing(client: httpx.Client) -> None:
    r = chat(client, model=FLASH, messages=[user("x")], tools=TOOLS)
    assert r.status_code == 400 and "tool_choice" in r.json()["error"]["message"]
    r = chat(client, model=FLASH, messages=[user("x")], tool_choice="auto")
    assert r.status_code == 400 and r.json()["error"]["type"] == "Aihubmix_api_error"


def test_tool_calls_and_signature_round_trip(client: httpx.Client) -> None:
    question = user("call get_weather city: Oslo and get_time")
    body = chat(
        client, model=G3, messages=[question], tools=TOOLS, tool_choice="auto"
    ).json()
    choice = body["choices"][0]
    assert choice["finish_reason"] == "tool_calls"
    calls = choice["message"]["tool_calls"]
    assert [c["function"]["name"] for c in calls] == ["get_weather", "get_time"]
    assert json.loads(calls[0]["function"]["arguments"]) == {"city": "Oslo"}
    assert calls[0]["id"].startswith("call_")
    assert (
        calls[0]["extra_content"]["google"]["thought_signature"]
        and "extra_content" not in calls[1]
    )
    results = [
        {"role": "tool", "tool_call_id": c["id"], "content": '{"ok": true}'}
        for c in calls
    ]
    history = [question, choice["message"], *results]
    r = chat(client, model=G3, messages=history, tools=TOOLS, tool_choice="auto")
    assert (
        r.status_code == 200
        and "get_weather" in r.json()["choices"][0]["message"]["content"]
    )
    bare = {
        **choice["message"],
        "tool_calls": [
            {k: v for k, v in c.items() if k != "extra_content"} for c in calls
        ],
    }
    r = chat(
        client,
        model=G3,
        messages=[question, bare, *results],
        tools=TOOLS,
        tool_choice="auto",
    )
    assert (
        r.status_code == 400
        and "missing a thought_signature" in r.json()["error"]["message"]
    )
    forged = {
        **bare,
        "tool_calls": [
            {
                **bare["tool_calls"][0],
                "extra_content": {"google": {"thought_signature": "AAAA"}},
            }
        ],
    }
    r = chat(
        client,
        model=G3,
        messages=[question, forged, *results[:1]],
        tools=TOOLS,
        tool_choice="auto",
    )
    assert (
        r.status_code == 400
        and "Corrupted thought signature." in r.json()["error"]["message"]
    )
    r = chat(
        client,
        model=G3,
        messages=[question, {"role": "tool", "tool_call_id": "call_x", "content": "1"}],
    )
    assert r.status_code == 400


def tool_deltas(chunks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        d
        for c in chunks
        for ch in c["choices"]
        for d in ch["delta"].get("tool_calls", [])
    ]


@pytest.mark.parametrize(
    "quirk",
    [
        "default",
        "tool_delta_no_index",
        "tool_delta_repeat_index0",
        "tool_delta_empty_ids",
        "tool_args_placeholder",
        "tool_args_split",
        "finish_reason_stop_for_tools",
        "signature_in_delta",
    ],
)
def test_tool_call_stream_quirks(
    client: httpx.Client, hub: AiHubMixEmulator, quirk: str
) -> None:
    if quirk != "default":
        setattr(hub.openai_quirks, quirk, True)
    chunks = chat_stream(
        client,
        model=G3,
        messages=[user("get_weather city: Oslo and get_time")],
        tools=TOOLS,
        tool_choice="auto",
    )
    deltas = tool_deltas(chunks)
    firsts = [d for d in deltas if "id" in d]
    assert [d["function"]["name"] for d in firsts] == ["get_weather", "get_time"]
    # arguments of the first call: its deltas come before the second call's first delta
    first_call = deltas[: deltas.index(firsts[1])]
    args = "".join(d["function"]["arguments"] for d in first_call)
    finish = chunks[-1]["choices"][0]["finish_reason"]
    sig_deltas = [
        c["choices"][0]["delta"]
        for c in chunks
        if "extra_content" in c["choices"][0]["delta"]
    ]
    if quirk == "tool_delta_no_index":
        assert all("index" not in d for d in deltas)
    elif quirk == "tool_delta_repeat_index0":
        assert {d["index"] for d in deltas} == {0} and firsts[0]["id"] != firsts[1][
            "id"
        ]
    elif quirk == "tool_delta_empty_ids":
        assert [d["id"] for d in firsts] == ["", ""]
    elif quirk == "tool_args_placeholder":
        assert firsts[0]["function"]["arguments"] == "{}"
        assert args.startswith('{}{"city"')
    elif quirk == "tool_args_split":
        assert len([d for d in deltas if d.get("index") == 0]) > 2
        assert json.loads(args) == {"city": "Oslo"}
    elif quirk == "finish_reason_stop_for_tools":
        assert finish == "stop"
    elif quirk == "signature_in_delta":
        assert (
            "extra_content" not in firsts[0]
            and sig_deltas[0]["extra_content"]["google"]["thought_signature"]
        )
    else:
        assert (
            finish == "tool_calls"
            and firsts[0]["extra_content"]["google"]["thought_signature"]
        )
        assert json.loads(firsts[0]["function"]["arguments"]) == {"city": "Oslo"}


@pytest.mark.parametrize(
    "field", ["reasoning_content", "reasoning", "thought_tags", "think_tags"]
)
def test_reasoning_fields(
    client: httpx.Client, hub: AiHubMixEmulator, field: str
) -> None:
    hub.openai_quirks.reasoning_field = field  # type: ignore[assignment]
    message = chat(
        client, model=FLASH, messages=[user("hi")], reasoning_effort="high"
    ).json()["choices"][0]["message"]
    chunks = chat_stream(
        client, model=FLASH, messages=[user("hi")], reasoning_effort="high"
    )
    streamed = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks)
    if field.endswith("_tags"):
        tag = "thought" if field == "thought_tags" else "think"
        assert message["content"].startswith(f"<{tag}>**") and message[
            "content"
        ].endswith(f"</{tag}>Echo: hi")
        assert streamed == message["content"]
    else:
        assert message[field].startswith("**") and message["content"] == "Echo: hi"
        assert (
            "".join(c["choices"][0]["delta"].get(field) or "" for c in chunks)
            == message[field]
        )


def test_tags_split_across_chunks(hub: AiHubMixEmulator) -> None:
    with AiHubMixEmulator(
        stream_chunk_chars=4, openai_quirks=OpenAIQuirks(reasoning_field="thought_tags")
    ) as small:
        client = httpx.Client(
            base_url=small.base_url + "/v1",
            headers={"Authorization": f"Bearer {small.api_key}"},
        )
        pieces = [
            c["choices"][0]["delta"].get("content") or ""
            for c in chat_stream(
                client, model=FLASH, messages=[user("hi")], reasoning_effort="low"
            )
        ]
        assert "<thought>" not in pieces and "".join(pieces).startswith("<thought>")


def test_stream_usage_modes(client: httpx.Client, hub: AiHubMixEmulator) -> None:
    chunks = chat_stream(client, model=FLASH, messages=[user("count the usage please")])
    assert all("usage" not in c for c in chunks)
    chunks = chat_stream(
        client,
        model=FLASH,
        messages=[user("count the usage please")],
        stream_options={"include_usage": True},
    )
    assert chunks[-1]["choices"] == [] and chunks[-1]["usage"]["total_tokens"] > 0
    hub.openai_quirks.usage_every_chunk = True
    chunks = chat_stream(client, model=FLASH, messages=[user("count the usage please")])
    totals = [c["usage"]["completion_tokens"] for c in chunks]
    assert totals == sorted(totals) and all(c["choices"] for c in chunks)
    whole = chat(client, model=FLASH, messages=[user("count the usage please")]).json()[
        "usage"
    ]
    assert chunks[-1]["usage"] == whole


def test_json_search_nothink_and_cache(client: httpx.Client) -> None:
    schema = {
        "type": "object",
        "properties": {"n": {"type": "integer"}},
        "required": ["n"],
    }
    fmt = {"type": "json_schema", "json_schema": {"name": "x", "schema": schema}}
    content = chat(
        client, model=FLASH, messages=[user("x")], response_format=fmt
    ).json()["choices"][0]["message"]["content"]
    assert json.loads(content) == {"n": 1}
    message = chat(
        client, model="gemini-2.5-flash-search", messages=[user("news")]
    ).json()["choices"][0]["message"]
    assert message["annotations"][0]["type"] == "url_citation"
    body = chat(
        client,
        model="gemini-2.5-flash-nothink",
        messages=[user("x")],
        reasoning_effort="low",
    ).json()
    assert body["model"] == "gemini-2.5-flash-nothink"
    assert body["usage"]["completion_tokens_details"]["reasoning_tokens"] == 0
    system = {"role": "system", "content": "Be precise and complete. " * 20}
    first = chat(client, model=FLASH, messages=[system, user("q1")]).json()
    again = chat(
        client,
        model=FLASH,
        messages=[system, user("q1"), first["choices"][0]["message"], user("q2")],
    ).json()
    assert (
        again["usage"]["prompt_tokens_details"]["cached_tokens"]
        == first["usage"]["prompt_tokens"]
    )


def test_faults(client: httpx.Client, hub: AiHubMixEmulator) -> None:
    hub.inject_fault("429", retry_delay=3, route="openai")
    r = chat(client, model=FLASH, messages=[user("x")])
    assert r.status_code == 429 and r.headers["retry-after"] == "3"
    assert r.json()["error"]["type"] == "Aihubmix_api_error"
    hub.inject_fault("503")
    assert chat(client, model=FLASH, messages=[user("x")]).status_code == 503
    hub.inject_fault("drop", after_chunks=1)
    with pytest.raises(httpx.RemoteProtocolError):
        chat(client, model=FLASH, messages=[user("x")], stream=True)


def test_scripted(client: httpx.Client, hub: AiHubMixEmulator) -> None:
    completion = {
        "id": "c1",
        "object": "chat.completion",
        "created": 1,
        "model": FLASH,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": "scripted!"},
                "finish_reason": "stop",
            }
        ],
    }
    hub.queue(openai=completion)
    assert chat(client, model=FLASH, messages=[user("x")]).json() == completion
    hub.queue(openai=completion)
    chunks = chat_stream(client, model=FLASH, messages=[user("x")])
    assert (
        "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks)
        == "scripted!"
    )
    hub.queue(openai_chunks=chunks)
    assert (
        chat(client, model=FLASH, messages=[user("x")]).json()["choices"][0]["message"][
            "content"
        ]
        == "scripted!"
    )


def test_openai_sdk_and_concurrency(hub: AiHubMixEmulator) -> None:
    client = openai.OpenAI(
        base_url=hub.base_url + "/v1", api_key=hub.api_key, max_retries=0
    )
    result = client.chat.completions.create(
        model=FLASH, messages=[{"role": "user", "content": "sdk"}]
    )
    assert result.choices[0].message.content == "Echo: sdk"
    text = "".join(
        c.choices[0].delta.content or ""
        for c in client.chat.completions.create(
            model=FLASH,
            messages=[{"role": "user", "content": "sdk stream"}],
            stream=True,
        )
        if c.choices
    )
    assert text == "Echo: sdk stream"
    with ThreadPoolExecutor(max_workers=100) as pool:
        answers = list(
            pool.map(
                lambda n: (
                    client.chat.completions.create(
                        model=FLASH, messages=[{"role": "user", "content": f"n{n}"}]
                    )
                    .choices[0]
                    .message.content
                ),
                range(100),
            )
        )
    assert answers == [f"Echo: n{n}" for n in range(100)]
