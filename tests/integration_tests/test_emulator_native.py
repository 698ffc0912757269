"""The emulator's native Gemini route, over real HTTP, as a client sees it."""

from __future__ import annotations

import base64
import json
import re
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from google import genai
from google.genai import types

from langchain_aihubmix.testing import AiHubMixEmulator
from langchain_aihubmix.testing.schema_values import value_for

FLASH = "gemini-2.5-flash"
G3 = "gemini-3-flash-preview"
WEATHER = {
    "name": "get_weather",
    "parametersJsonSchema": {
        "type": "object",
        "properties": {"city": {"type": "string"}, "days": {"type": "integer"}},
        "required": ["city"],
    },
}
TIME = {
    "name": "get_time",
    "parameters": {"type": "OBJECT", "properties": {"tz": {"type": "STRING"}}},
}


def user(text: str) -> dict[str, Any]:
    return {"role": "user", "parts": [{"text": text}]}


@pytest.fixture
def client(hub: AiHubMixEmulator) -> httpx.Client:
    return httpx.Client(
        base_url=hub.base_url, headers={"x-goog-api-key": hub.api_key}, timeout=10
    )


def generate(client: httpx.Client, model: str, body: dict[str, Any]) -> httpx.Response:
    return client.post(f"/gemini/v1beta/models/{model}:generateContent", json=body)


def stream(
    client: httpx.Client, model: str, body: dict[str, Any]
) -> tuple[httpx.Response, list[dict[str, Any]]]:
    response = client.post(
        f"/gemini/v1beta/models/{model}:streamGenerateContent?alt=sse", json=body
    )
    events = response.text.split("\r\n\r\n")
    assert events[-1] == ""
    chunks = []
    for event in events[:-1]:
        assert event.startswith("data: ")
        chunks.append(json.loads(event[len("data: ") :]))
    return response, chunks


def check_usage(usage: dict[str, Any]) -> None:
    total = sum(
        usage.get(k, 0)
        for k in (
            "promptTokenCount",
            "candidatesTokenCount",
            "thoughtsTokenCount",
            "toolUsePromptTokenCount",
        )
    )
    assert usage["totalTokenCount"] == total


def test_text_answer_shape_and_usage(
    client: httpx.Client, hub: AiHubMixEmulator
) -> None:
    r = generate(client, FLASH, {"contents": [user("hello emulator")]})
    assert r.status_code == 200
    assert len(r.headers["x-request-id"]) >= 16
    body = r.json()
    cand = body["candidates"][0]
    texts = [p["text"] for p in cand["content"]["parts"] if not p.get("thought")]
    assert "hello emulator" in "".join(texts)
    assert cand["finishReason"] == "STOP" and cand["content"]["role"] == "model"
    assert body["modelVersion"] == FLASH and len(body["responseId"]) >= 20
    usage = body["usageMetadata"]
    assert usage["thoughtsTokenCount"] > 0  # 2.5 thinks by default
    assert usage["promptTokenCount"] == 4  # ceil(14 / 4)
    check_usage(usage)
    logged = hub.requests[-1]
    assert logged.route == "native" and logged.method == "POST"
    assert logged.headers["x-goog-api-key"] == hub.api_key
    assert logged.body["contents"][0]["parts"][0]["text"] == "hello emulator"


def test_stream_framing_and_cumulative_usage(client: httpx.Client) -> None:
    body = {"contents": [user("tell me something long enough to need several chunks")]}
    r, chunks = stream(client, FLASH, body)
    assert r.headers["content-type"].startswith("text/event-stream")
    assert "[DONE]" not in r.text
    assert len(chunks) > 2
    counts = [c["usageMetadata"].get("candidatesTokenCount", 0) for c in chunks]
    assert counts == sorted(counts)
    for chunk in chunks:
        check_usage(chunk["usageMetadata"])
        assert (
            chunk["modelVersion"] == FLASH
            and chunk["responseId"] == chunks[0]["responseId"]
        )
    assert [("finishReason" in c["candidates"][0]) for c in chunks] == [False] * (
        len(chunks) - 1
    ) + [True]
    whole = generate(client, FLASH, body).json()
    assert (
        chunks[-1]["usageMetadata"]["candidatesTokenCount"]
        == whole["usageMetadata"]["candidatesTokenCount"]
    )
    text = "".join(
        p["text"] for c in chunks for p in c["candidates"][0]["content"]["parts"]
    )
    assert text == whole["candidates"][0]["content"]["parts"][0]["text"]
    # 2.5: the signature rides on the first answer chunk
    assert "thoughtSignature" in chunks[0]["candidates"][0]["content"]["parts"][0]


def test_gemini3_stream_ends_with_empty_signed_text(client: httpx.Client) -> None:
    body = {
        "contents": [user("hi")],
        "generationConfig": {"thinkingConfig": {"include_thoughts": True}},
    }
    _, chunks = stream(client, G3, body)
    parts = [c["candidates"][0]["content"]["parts"][0] for c in chunks]
    assert parts[0]["thought"] is True and parts[0]["text"].startswith("**")
    assert parts[-1]["text"] == "" and "thoughtSignature" in parts[-1]
    assert chunks[-1]["candidates"][0]["finishReason"] == "STOP"
    whole = generate(client, G3, body).json()["candidates"][0]["content"]["parts"]
    assert whole[-1]["text"].startswith("Echo") and "thoughtSignature" in whole[-1]


def test_thinking_budget_zero_means_no_thoughts(client: httpx.Client) -> None:
    config = {"thinkingConfig": {"thinking_budget": 0, "include_thoughts": True}}
    body = generate(
        client, FLASH, {"contents": [user("x")], "generationConfig": config}
    ).json()
    assert "thoughtsTokenCount" not in body["usageMetadata"]
    assert not any(p.get("thought") for p in body["candidates"][0]["content"]["parts"])


def test_auth(hub: AiHubMixEmulator) -> None:
    url = f"{hub.base_url}/gemini/v1beta/models/{FLASH}:generateContent"
    body = {"contents": [user("x")]}
    r = httpx.post(url, json=body)
    assert r.status_code == 401
    err = r.json()
    assert err["type"] == "error" and err["error"]["type"] == "Aihubmix_api_error"
    assert (
        err["error"]["message"]
        == f"no key provided (request id: {r.headers['x-request-id']})"
    )
    r = httpx.post(url, json=body, headers={"x-goog-api-key": "sk-wrong"})
    assert r.status_code == 401 and r.json()["error"]["message"].startswith(
        "Invalid token (request id: "
    )
    assert httpx.post(url, json=body, params={"key": hub.api_key}).status_code == 200


def test_unrouted_paths_are_404(client: httpx.Client) -> None:
    r = client.post(
        f"/gemini/v1/models/{FLASH}:generateContent", json={"contents": [user("x")]}
    )
    assert r.status_code == 404 and r.json()["error"]["type"] == "Aihubmix_api_error"
    assert client.post("/nope", json={}).status_code == 404
    assert client.get(f"/gemini/v1beta/models/{FLASH}").status_code == 404


@pytest.mark.parametrize(
    ("model", "body", "message"),
    [
        (FLASH, {"contents": []}, "contents is not specified"),
        (
            FLASH,
            {
                "contents": [user("x")],
                "generationConfig": {
                    "thinkingConfig": {"thinking_budget": 5, "thinking_level": "LOW"}
                },
            },
            "You can only set only one of thinking budget and thinking level.",
        ),
        (
            FLASH,
            {"contents": [user("x")], "generationConfig": {"presencePenalty": 0.5}},
            "Penalty is not enabled for models/gemini-2.5-flash",
        ),
        (
            "gemini-3-pro-preview",
            {
                "contents": [user("x")],
                "generationConfig": {"thinkingConfig": {"thinkingLevel": "MINIMAL"}},
            },
            "Thinking level MINIMAL is not supported for this model. "
            "Please retry with other thinking level.",
        ),
        (
            "gemini-2.5-pro",
            {
                "contents": [user("x")],
                "generationConfig": {"thinkingConfig": {"thinkingBudget": 0}},
            },
            "Budget 0 is invalid. This model only works in thinking mode.",
        ),
    ],
)
def test_google_validation_errors(
    client: httpx.Client, model: str, body: dict[str, Any], message: str
) -> None:
    r = generate(client, model, body)
    assert r.status_code == 400
    err = r.json()["error"]
    assert err["code"] == 400 and err["status"] == "INVALID_ARGUMENT"
    assert message in err["message"]


def test_malformed_json(client: httpx.Client) -> None:
    r = client.post(
        f"/gemini/v1beta/models/{FLASH}:generateContent", content=b"{not json"
    )
    assert r.status_code == 400 and r.json()["error"]["status"] == "INVALID_ARGUMENT"


def test_inline_data_limit(client: httpx.Client) -> None:
    ok = base64.b64encode(b"\0" * (19 * 1024 * 1024)).decode()
    part = {"inline_data": {"mime_type": "image/png", "data": ok}}
    r = generate(
        client,
        FLASH,
        {"contents": [{"role": "user", "parts": [{"text": "what?"}, part]}]},
    )
    assert r.status_code == 200
    assert {"modality": "IMAGE", "tokenCount": 258} in r.json()["usageMetadata"][
        "promptTokensDetails"
    ]
    big = base64.b64encode(b"\0" * (20 * 1024 * 1024 + 3)).decode()
    part = {"inlineData": {"mimeType": "image/png", "data": big}}
    r = generate(client, FLASH, {"contents": [{"role": "user", "parts": [part]}]})
    assert r.status_code == 400 and "20MB" in r.json()["error"]["message"]


def test_gemini3_parallel_calls_then_signature_rules(client: httpx.Client) -> None:
    tools = [{"functionDeclarations": [WEATHER, TIME]}]
    question = user("use get_weather for city: Paris and get_time too")
    r = generate(client, G3, {"contents": [question], "tools": tools})
    cand = r.json()["candidates"][0]
    parts = cand["content"]["parts"]
    calls = [p for p in parts if "functionCall" in p]
    assert [c["functionCall"]["name"] for c in calls] == ["get_weather", "get_time"]
    assert calls[0]["functionCall"]["args"] == {"city": "Paris", "days": 1}
    assert calls[1]["functionCall"]["args"] == {"tz": "tz"}
    assert all(re.fullmatch(r"[a-z0-9]{8}", c["functionCall"]["id"]) for c in calls)
    assert "thoughtSignature" in calls[0] and "thoughtSignature" not in calls[1]
    assert cand["finishMessage"] == "Model generated function call(s)."
    responses = {
        "role": "user",
        "parts": [
            {
                "functionResponse": {
                    "name": c["functionCall"]["name"],
                    "id": c["functionCall"]["id"],
                    "response": {"ok": 1},
                }
            }
            for c in calls
        ],
    }
    replay = {"role": "model", "parts": parts}
    r = generate(
        client, G3, {"contents": [question, replay, responses], "tools": tools}
    )
    assert r.status_code == 200
    text = r.json()["candidates"][0]["content"]["parts"][0]["text"]
    assert "get_weather" in text and "get_time" in text and '{"ok": 1}' in text
    # URL-safe alphabet (what google-genai sends) is accepted
    sig = calls[0]["thoughtSignature"]
    assert "+" in sig or "/" in sig
    url_safe = base64.urlsafe_b64encode(base64.b64decode(sig)).decode()
    url_parts = [{**parts[0], "thoughtSignature": url_safe}, *parts[1:]]
    body = {
        "contents": [question, {"role": "model", "parts": url_parts}, responses],
        "tools": tools,
    }
    assert generate(client, G3, body).status_code == 200
    # missing signature on the first call of the step
    bare = [{k: v for k, v in p.items() if k != "thoughtSignature"} for p in parts]
    body = {
        "contents": [question, {"role": "model", "parts": bare}, responses],
        "tools": tools,
    }
    r = generate(client, G3, body)
    assert r.status_code == 400
    assert r.json()["error"]["message"].startswith(
        "Function call is missing a thought_signature in functionCall parts."
    )
    assert "`default_api:get_weather` , position 1." in r.json()["error"]["message"]
    # sentinel is accepted; a foreign signature is corrupted
    for sig_value, status in (
        ("skip_thought_signature_validator", 200),
        ("EjQKMgERTTIP5wRe8OB4tJ+i6FF5", 400),
    ):
        signed = [{**bare[0], "thoughtSignature": sig_value}, *bare[1:]]
        body = {
            "contents": [question, {"role": "model", "parts": signed}, responses],
            "tools": tools,
        }
        r = generate(client, G3, body)
        assert r.status_code == status
    assert r.json()["error"]["message"] == "Corrupted thought signature."
    # an unsigned call in an earlier turn is not validated
    body = {
        "contents": [
            question,
            {"role": "model", "parts": bare},
            responses,
            {"role": "model", "parts": [{"text": "done"}]},
            user("thanks"),
        ]
    }
    assert generate(client, G3, body).status_code == 200


def test_flash_calls_have_no_id_and_mode_rules(client: httpx.Client) -> None:
    tools = [{"function_declarations": [WEATHER, TIME]}]
    parts = generate(
        client, FLASH, {"contents": [user("hello")], "tools": tools}
    ).json()["candidates"][0]["content"]["parts"]
    assert "id" not in parts[0]["functionCall"] and "thoughtSignature" in parts[0]
    assert parts[0]["functionCall"]["name"] == "get_weather"
    none_mode = {"functionCallingConfig": {"mode": "NONE"}}
    body = generate(
        client,
        FLASH,
        {"contents": [user("get_weather")], "tools": tools, "toolConfig": none_mode},
    ).json()
    assert "functionCall" not in body["candidates"][0]["content"]["parts"][0]
    forced = {
        "function_calling_config": {
            "mode": "ANY",
            "allowed_function_names": ["get_time"],
        }
    }
    body = generate(
        client,
        FLASH,
        {"contents": [user("get_weather")], "tools": tools, "toolConfig": forced},
    ).json()
    assert (
        body["candidates"][0]["content"]["parts"][0]["functionCall"]["name"]
        == "get_time"
    )


def test_json_mode_follows_schema(client: httpx.Client) -> None:
    schema = {
        "$defs": {
            "Item": {
                "type": "object",
                "properties": {
                    "kind": {"enum": ["a", "b"]},
                    "n": {"type": "number", "minimum": 3},
                },
            }
        },
        "type": "object",
        "properties": {
            "items": {
                "type": "array",
                "items": {"$ref": "#/$defs/Item"},
                "minItems": 2,
            },
            "name": {"anyOf": [{"type": "null"}, {"type": "string"}]},
        },
        "required": ["items", "name"],
    }
    config = {"responseMimeType": "application/json", "responseJsonSchema": schema}
    body = generate(
        client, FLASH, {"contents": [user("list")], "generationConfig": config}
    ).json()
    value = json.loads(body["candidates"][0]["content"]["parts"][-1]["text"])
    assert value == {
        "items": [{"kind": "a", "n": 3}, {"kind": "a", "n": 3}],
        "name": "name",
    }


def test_schema_values_openapi_subset() -> None:
    schema = {
        "type": "OBJECT",
        "properties": {
            "unit": {"type": "STRING", "enum": ["C", "F"]},
            "flags": {"type": "ARRAY", "items": {"type": "BOOLEAN"}},
        },
    }
    assert value_for(schema, "in F please") == {"unit": "F", "flags": [True]}
    pair = {"type": "array", "prefixItems": [{"type": "string"}, {"type": "integer"}]}
    assert value_for(pair, "") == ["value", 1]  # a tuple, position by position


def test_code_execution(client: httpx.Client) -> None:
    body = {"contents": [user("what is 6*7?")], "tools": [{"codeExecution": {}}]}
    data = generate(client, G3, body).json()
    parts = data["candidates"][0]["content"]["parts"]
    code, result = parts[0]["executableCode"], parts[1]["codeExecutionResult"]
    assert code == {"language": "PYTHON", "code": "print(6*7)", "id": code["id"]}
    assert result == {"outcome": "OUTCOME_OK", "output": "42\n", "id": code["id"]}
    assert "42" in parts[2]["text"]
    assert data["usageMetadata"]["toolUsePromptTokenCount"] > 0
    check_usage(data["usageMetadata"])


def test_search_and_url_context(client: httpx.Client) -> None:
    body = {
        "contents": [user("weather in Paris https://example.org/x")],
        "tools": [{"googleSearch": {}}, {"urlContext": {}}],
    }
    cand = generate(client, FLASH, body).json()["candidates"][0]
    grounding = cand["groundingMetadata"]
    text = cand["content"]["parts"][0]["text"].encode()
    assert grounding["webSearchQueries"] and len(grounding["groundingChunks"]) == 2
    for support in grounding["groundingSupports"]:
        seg = support["segment"]
        assert text[seg["startIndex"] : seg["endIndex"]].decode() == seg["text"]
    assert (
        cand["urlContextMetadata"]["urlMetadata"][0]["retrievedUrl"]
        == "https://example.org/x"
    )


def test_image_candidates_and_limits(client: httpx.Client) -> None:
    config = {"responseModalities": ["TEXT", "IMAGE"]}
    parts = generate(
        client,
        "gemini-2.5-flash-image",
        {"contents": [user("a cat")], "generationConfig": config},
    ).json()["candidates"][0]["content"]["parts"]
    image = next(p for p in parts if "inlineData" in p)
    assert (
        base64.b64decode(image["inlineData"]["data"]).startswith(b"\x89PNG")
        and image["thoughtSignature"]
    )
    body = generate(
        client,
        FLASH,
        {"contents": [user("x")], "generationConfig": {"candidateCount": 3}},
    ).json()
    assert [c["index"] for c in body["candidates"]] == [0, 1, 2]
    body = generate(
        client,
        FLASH,
        {
            "contents": [user("a b c d e f g h i j k l")],
            "generationConfig": {"maxOutputTokens": 2},
        },
    ).json()
    cand = body["candidates"][0]
    assert (
        cand["finishReason"] == "MAX_TOKENS"
        and len(cand["content"]["parts"][0]["text"]) == 8
    )
    body = generate(
        client,
        FLASH,
        {
            "contents": [user("one END two")],
            "generationConfig": {"stopSequences": ["END"]},
        },
    ).json()
    assert body["candidates"][0]["content"]["parts"][0]["text"] == "Echo: one "


def test_blocked_unsafe_malformed(client: httpx.Client) -> None:
    body = generate(client, FLASH, {"contents": [user("BLOCK_ME")]}).json()
    assert "candidates" not in body and body["promptFeedback"] == {
        "blockReason": "PROHIBITED_CONTENT"
    }
    assert (
        body["usageMetadata"]["totalTokenCount"]
        == body["usageMetadata"]["promptTokenCount"]
    )
    _, chunks = stream(client, FLASH, {"contents": [user("BLOCK_ME")]})
    assert len(chunks) == 1 and "promptFeedback" in chunks[0]
    cand = generate(client, FLASH, {"contents": [user("UNSAFE_ANSWER")]}).json()[
        "candidates"
    ][0]
    assert "content" not in cand and cand["finishReason"] == "SAFETY"
    assert any(r.get("blocked") for r in cand["safetyRatings"])
    body = {
        "contents": [user("MALFORMED_CALL")],
        "tools": [{"functionDeclarations": [WEATHER]}],
    }
    cand = generate(client, FLASH, body).json()["candidates"][0]
    assert cand["finishReason"] == "MALFORMED_FUNCTION_CALL" and cand["finishMessage"]
    assert "parts" not in cand.get("content", {})


def test_implicit_cache_on_repeated_prefix(client: httpx.Client) -> None:
    system = {"parts": [{"text": "You are a careful assistant. " * 20}]}
    first = generate(
        client,
        FLASH,
        {"systemInstruction": system, "contents": [user("first question")]},
    ).json()
    assert "cachedContentTokenCount" not in first["usageMetadata"]
    history = [
        user("first question"),
        first["candidates"][0]["content"],
        user("second question"),
    ]
    second = generate(
        client, FLASH, {"systemInstruction": system, "contents": history}
    ).json()["usageMetadata"]
    prefix = first["usageMetadata"]["promptTokenCount"]
    assert second["cachedContentTokenCount"] == prefix
    assert second["cacheTokensDetails"] == [{"modality": "TEXT", "tokenCount": prefix}]
    assert second["promptTokenCount"] > prefix
    other = generate(client, FLASH, {"contents": [user("short")]}).json()[
        "usageMetadata"
    ]
    assert "cachedContentTokenCount" not in other


@pytest.mark.parametrize("code", ["500", "502", "503", "504"])
def test_server_faults(client: httpx.Client, hub: AiHubMixEmulator, code: str) -> None:
    hub.inject_fault(code)  # type: ignore[arg-type]
    r = generate(client, FLASH, {"contents": [user("x")]})
    assert r.status_code == int(code)
    assert "error" in r.json()
    assert generate(client, FLASH, {"contents": [user("x")]}).status_code == 200


def test_429_retry_info_and_count(client: httpx.Client, hub: AiHubMixEmulator) -> None:
    hub.inject_fault("429", count=2, retry_delay=2.5)
    for _ in range(2):
        r = generate(client, FLASH, {"contents": [user("x")]})
        assert r.status_code == 429
        err = r.json()["error"]
        assert err["status"] == "RESOURCE_EXHAUSTED"
        retry = [d for d in err["details"] if d["@type"].endswith("RetryInfo")]
        assert retry == [
            {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "2.5s"}
        ]
    assert generate(client, FLASH, {"contents": [user("x")]}).status_code == 200


def test_fault_route_filter(client: httpx.Client, hub: AiHubMixEmulator) -> None:
    hub.inject_fault("503", route="openai")
    assert generate(client, FLASH, {"contents": [user("x")]}).status_code == 200


def test_drop_mid_stream_and_before_response(
    client: httpx.Client, hub: AiHubMixEmulator
) -> None:
    hub.inject_fault("drop", after_chunks=2)
    url = f"/gemini/v1beta/models/{FLASH}:streamGenerateContent?alt=sse"
    got = []
    with (
        pytest.raises(httpx.RemoteProtocolError),
        client.stream(
            "POST", url, json={"contents": [user("a long prompt " * 5)]}
        ) as r,
    ):
        assert r.status_code == 200
        for line in r.iter_lines():
            if line.startswith("data: "):
                got.append(line)
    assert len(got) == 2
    hub.inject_fault("drop")
    with pytest.raises(httpx.RemoteProtocolError):
        generate(client, FLASH, {"contents": [user("x")]})


def test_slow(client: httpx.Client, hub: AiHubMixEmulator) -> None:
    hub.inject_fault("slow", delay=0.3)
    start = time.monotonic()
    assert generate(client, FLASH, {"contents": [user("x")]}).status_code == 200
    assert time.monotonic() - start >= 0.3


def test_scripted_responses(client: httpx.Client, hub: AiHubMixEmulator) -> None:
    scripted = {
        "candidates": [
            {
                "content": {
                    "role": "model",
                    "parts": [{"text": "scripted answer " * 3}],
                },
                "finishReason": "STOP",
                "index": 0,
            }
        ],
        "usageMetadata": {
            "promptTokenCount": 3,
            "candidatesTokenCount": 12,
            "totalTokenCount": 15,
        },
        "modelVersion": "x",
        "responseId": "r" * 22,
    }
    hub.queue(native=scripted)
    assert generate(client, FLASH, {"contents": [user("x")]}).json() == scripted
    hub.queue(native=scripted)
    _, chunks = stream(client, FLASH, {"contents": [user("x")]})
    assert len(chunks) == 3 and chunks[-1]["usageMetadata"] == scripted["usageMetadata"]
    exact = [
        {"candidates": [{"content": {"parts": [{"text": "a"}]}, "index": 0}]},
        {
            "candidates": [
                {
                    "content": {"parts": [{"text": "b"}]},
                    "finishReason": "STOP",
                    "index": 0,
                }
            ]
        },
    ]
    hub.queue(native_chunks=exact)
    _, chunks = stream(client, FLASH, {"contents": [user("x")]})
    assert chunks == exact
    hub.queue(native_chunks=exact)
    merged = generate(client, FLASH, {"contents": [user("x")]}).json()
    assert merged["candidates"][0]["content"]["parts"] == [{"text": "ab"}]
    hub.queue(error=(418, {"error": {"code": 418, "message": "teapot"}}))
    r = client.post(
        f"/gemini/v1beta/models/{FLASH}:generateContent",
        json={"contents": [user("x")]},
        headers={"x-goog-api-key": "bad"},
    )
    assert r.status_code == 401  # auth first; the scripted error stays queued
    assert generate(client, FLASH, {"contents": [user("x")]}).status_code == 418


def test_keep_alive_reuses_one_connection(hub: AiHubMixEmulator) -> None:
    before = hub.connections_opened
    with httpx.Client(
        base_url=hub.base_url, headers={"x-goog-api-key": hub.api_key}
    ) as client:
        for _ in range(5):
            assert generate(client, FLASH, {"contents": [user("x")]}).status_code == 200
        stream(client, FLASH, {"contents": [user("x")]})
        assert generate(client, FLASH, {"contents": [user("x")]}).status_code == 200
    assert hub.connections_opened - before == 1


def test_concurrent_requests(hub: AiHubMixEmulator) -> None:
    limits = httpx.Limits(max_connections=200)
    with httpx.Client(
        base_url=hub.base_url,
        headers={"x-goog-api-key": hub.api_key},
        limits=limits,
        timeout=30,
    ) as client:

        def one(n: int) -> int:
            r = generate(client, FLASH, {"contents": [user(f"request {n}")]})
            assert (
                f"request {n}"
                in r.json()["candidates"][0]["content"]["parts"][0]["text"]
            )
            return r.status_code

        with ThreadPoolExecutor(max_workers=200) as pool:
            assert set(pool.map(one, range(200))) == {200}
    assert len(hub.requests) == 200


def test_google_genai_sdk(hub: AiHubMixEmulator) -> None:
    client = genai.Client(
        api_key=hub.api_key,
        http_options={"base_url": hub.base_url + "/gemini", "api_version": "v1beta"},
    )
    config = types.GenerateContentConfig(
        thinking_config=types.ThinkingConfig(include_thoughts=True)
    )
    response = client.models.generate_content(
        model=G3, contents="hello sdk", config=config
    )
    assert response.text == "Echo: hello sdk"
    assert (
        response.usage_metadata is not None
        and response.usage_metadata.thoughts_token_count
    )
    chunks = list(
        client.models.generate_content_stream(
            model=G3, contents="hello stream", config=config
        )
    )
    assert "".join(c.text or "" for c in chunks) == "Echo: hello stream"
    # tool round trip: the SDK re-encodes the signature URL-safe, which is accepted
    tool = types.Tool(
        function_declarations=[
            types.FunctionDeclaration(
                name="get_weather",
                parameters_json_schema=WEATHER["parametersJsonSchema"],
            )
        ]
    )
    first = client.models.generate_content(
        model=G3,
        contents="get_weather city: Rome",
        config=types.GenerateContentConfig(tools=[tool]),
    )
    call_content = first.candidates[0].content  # type: ignore[index]
    call = first.function_calls[0]  # type: ignore[index]
    reply = types.Content(
        role="user",
        parts=[
            types.Part.from_function_response(
                name=call.name or "", response={"temp": 20}
            )
        ],
    )
    second = client.models.generate_content(
        model=G3,
        contents=[
            types.Content(
                role="user", parts=[types.Part(text="get_weather city: Rome")]
            ),
            call_content,
            reply,
        ],  # type: ignore[list-item]
        config=types.GenerateContentConfig(tools=[tool]),
    )
    assert "get_weather" in (second.text or "")
    assert hub.requests[-1].path == f"/gemini/v1beta/models/{G3}:generateContent"
