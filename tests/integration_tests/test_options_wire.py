"""Every configuration option reaches the wire (over HTTP, against the emulator)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from langchain_core.exceptions import ModelInvalidRequestError
from langchain_core.messages import HumanMessage

from langchain_aihubmix.errors import InvalidInputError
from langchain_aihubmix.testing import AiHubMixEmulator
from tests.integration_tests.sample_tools import get_weather
from tests.support import ENTRIES, ROUTES, make_llm, run


def _get(body: dict[str, Any], *path: str) -> Any:
    """A field by its camelCase path, accepting the SDK's snake_case too."""
    node: Any = body
    for key in path:
        snake = "".join("_" + c.lower() if c.isupper() else c for c in key)
        node = node.get(key, node.get(snake)) if isinstance(node, dict) else None
    return node


@pytest.mark.parametrize("route", ["native", "openai"])
def test_app_code_and_extra_headers(
    hub: AiHubMixEmulator, route: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AIHUBMIX_APP_CODE", "APP123")
    llm = make_llm(
        hub,
        transport=route,
        default_headers={"X-Team": "search"},
        client_args={"headers": {"X-Client": "ours"}},
    )
    llm.invoke("hi")
    list(llm.stream("hi"))
    for request in hub.requests:
        assert request.headers["app-code"] == "APP123"
        assert request.headers["x-team"] == "search"
        assert request.headers["x-client"] == "ours"
    native = route == "native"
    assert ("authorization" in hub.requests[0].headers) is not native
    assert ("x-goog-api-key" in hub.requests[0].headers) is native


def test_native_generation_options_on_the_wire(hub: AiHubMixEmulator) -> None:
    schema = {
        "type": "object",
        "properties": {"a": {"type": "string"}},
        "required": ["a"],
    }
    llm = make_llm(
        hub,
        temperature=0.2,
        top_p=0.9,
        top_k=40,
        max_tokens=256,
        stop=["END"],
        seed=7,
        response_schema=schema,
        safety_settings={"HARM_CATEGORY_HARASSMENT": "BLOCK_NONE"},
        media_resolution="MEDIA_RESOLUTION_LOW",
        cached_content="cachedContents/abc123",
    )
    reply = llm.invoke("give me JSON")
    body = hub.requests[-1].body
    config = _get(body, "generationConfig")
    assert _get(config, "temperature") == 0.2
    assert _get(config, "topP") == 0.9
    assert _get(config, "topK") == 40
    assert _get(config, "maxOutputTokens") == 256
    assert _get(config, "stopSequences") == ["END"]
    assert _get(config, "seed") == 7
    assert _get(config, "responseMimeType") == "application/json"
    assert _get(config, "responseJsonSchema") == schema
    assert _get(config, "mediaResolution") == "MEDIA_RESOLUTION_LOW"
    assert _get(body, "safetySettings") == [
        {"category": "HARM_CATEGORY_HARASSMENT", "threshold": "BLOCK_NONE"}
    ]
    assert _get(body, "cachedContent") == "cachedContents/abc123"
    assert set(json.loads(reply.text)) == {"a"}


def test_per_call_overrides_win(hub: AiHubMixEmulator) -> None:
    llm = make_llm(hub, temperature=0.2)
    llm.invoke("hi", temperature=0.9, max_tokens=12, thinking_budget=0)
    config = _get(hub.requests[-1].body, "generationConfig")
    assert _get(config, "temperature") == 0.9
    assert _get(config, "maxOutputTokens") == 12
    assert _get(config, "thinkingConfig", "thinkingBudget") == 0


def test_candidates_become_generations(hub: AiHubMixEmulator) -> None:
    result = make_llm(hub, n=2).generate([[HumanMessage("hi")]])
    assert len(result.generations[0]) == 2
    assert _get(hub.requests[-1].body, "generationConfig", "candidateCount") == 2
    first, second = (g.message for g in result.generations[0])  # type: ignore[attr-defined]
    assert first.usage_metadata is not None and second.usage_metadata is None


def test_image_output_becomes_an_image_block(hub: AiHubMixEmulator) -> None:
    llm = make_llm(
        hub,
        model="gemini-2.5-flash-image",
        response_modalities=["TEXT", "IMAGE"],
        image_config={"aspect_ratio": "16:9", "image_size": "1K"},
    )
    reply = llm.invoke("draw a cat")
    config = _get(hub.requests[-1].body, "generationConfig")
    assert _get(config, "responseModalities") == ["TEXT", "IMAGE"]
    assert _get(config, "imageConfig", "aspectRatio") == "16:9"
    image = next(b for b in reply.content_blocks if b["type"] == "image")
    assert image["mime_type"] == "image/png" and image["base64"]


def test_penalties_rejected_by_the_model_are_a_typed_error(
    hub: AiHubMixEmulator,
) -> None:
    with pytest.raises(ModelInvalidRequestError, match="Penalty is not enabled"):
        make_llm(hub, presence_penalty=0.5, max_retries=0).invoke("hi")


def test_openai_route_options_on_the_wire(hub: AiHubMixEmulator) -> None:
    llm = make_llm(
        hub,
        transport="openai",
        temperature=0.3,
        top_p=0.8,
        max_tokens=64,
        stop=["END"],
        seed=3,
        reasoning_effort="low",
    )
    llm.invoke("hi")
    body = hub.requests[-1].body
    assert (body["temperature"], body["top_p"], body["max_tokens"]) == (0.3, 0.8, 64)
    assert body["stop"] == ["END"] and body["seed"] == 3
    assert body["reasoning_effort"] == "low"
    assert "tools" not in body and "tool_choice" not in body


@pytest.mark.parametrize("entry", ENTRIES)
@pytest.mark.parametrize("route", ROUTES)
def test_parallel_tool_calls_sent_or_refused(
    hub: AiHubMixEmulator, route: str, entry: str
) -> None:
    llm = make_llm(hub, transport=route)
    one_at_a_time = llm.bind_tools([get_weather], parallel_tool_calls=False)
    if route == "native":  # Gemini's API has no such switch: refused, not dropped
        with pytest.raises(InvalidInputError, match="parallel_tool_calls=False"):
            run(one_at_a_time, entry, "Weather in Oslo?")
        assert hub.requests == []
        run(llm.bind_tools([get_weather], parallel_tool_calls=True), entry, "Oslo?")
        assert "parallel" not in json.dumps(hub.requests[-1].body)  # the default
        return
    run(one_at_a_time, entry, "Weather in Oslo?")
    assert hub.requests[-1].body["parallel_tool_calls"] is False
    run(llm, entry, "Weather in Oslo?", parallel_tool_calls=False)  # no tools
    assert "parallel_tool_calls" not in hub.requests[-1].body
