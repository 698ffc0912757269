"""What the OpenAI-compatible route can and cannot do, said up front.

Native-only features (code execution, URL context, explicit caches, media
resolution, image and speech output) are refused at construction, at `bind_tools`
and per call, before any request; Google Search goes as `web_search_options` and,
like a `-search` id, gets the gateway's `url_citation` annotations (whole messages
and stream deltas), which become the same citations the native route gives for
Google Search grounding; a thinking budget goes as `reasoning.max_tokens`.
"""

from __future__ import annotations

import json
from functools import partial, reduce
from operator import add
from typing import Any

import pytest
from langchain_core.messages import AIMessage

from langchain_aihubmix._options.native_only import NotOnOpenAIRouteError
from langchain_aihubmix.testing import AiHubMixEmulator
from tests.support import arun, make_llm

NATIVE_ONLY: dict[str, tuple[dict[str, Any], str]] = {
    "code_execution": ({"code_execution": True}, "'code_execution'"),
    "url_context": ({"url_context": True}, "'url_context'"),
    "cached_content": ({"cached_content": "cachedContents/abc"}, "cached_content"),
    "media_resolution": (
        {"media_resolution": "MEDIA_RESOLUTION_LOW"},
        "media_resolution",
    ),
    "image output": ({"response_modalities": ["TEXT", "IMAGE"]}, "response_modalit"),
    "speech output": ({"response_modalities": ["AUDIO"]}, "response_modalit"),
    "speech_config": (
        {"speech_config": {"voice_config": {"prebuilt_voice_config": {}}}},
        "speech_config",
    ),
}
BUILTIN_TOOLS = [
    {"code_execution": {}},
    {"google_search": {"time_range_filter": {}}},
    {"url_context": {}},
]
ENTRIES = ["invoke", "stream", "batch", "ainvoke", "astream"]
_llm = partial(make_llm, max_retries=0)


# -- native-only features ------------------------------------------------------------


@pytest.mark.parametrize("feature", list(NATIVE_ONLY))
def test_native_only_feature_refused_at_construction(
    hub: AiHubMixEmulator, feature: str
) -> None:
    fields, says = NATIVE_ONLY[feature]
    with pytest.raises(NotOnOpenAIRouteError, match=says) as info:
        _llm(hub, "openai", **fields)
    assert 'transport="native"' in str(info.value)
    _llm(hub, "native", **fields)  # the native route takes it
    assert hub.requests == []


@pytest.mark.parametrize("tool", BUILTIN_TOOLS, ids=lambda t: next(iter(t)))
def test_builtin_tool_refused_at_bind_tools(
    hub: AiHubMixEmulator, tool: dict[str, Any]
) -> None:
    def get_weather(city: str) -> str:
        """Weather in a city."""
        return city

    llm = _llm(hub, "openai")
    with pytest.raises(NotOnOpenAIRouteError, match=next(iter(tool))):
        llm.bind_tools([get_weather, tool])  # nothing invoked yet
    _llm(hub, "native").bind_tools([get_weather, tool])
    assert hub.requests == []


@pytest.mark.parametrize("entry", ENTRIES)
@pytest.mark.parametrize("feature", list(NATIVE_ONLY))
async def test_native_only_feature_refused_per_call(
    hub: AiHubMixEmulator, feature: str, entry: str
) -> None:
    fields, says = NATIVE_ONLY[feature]
    with pytest.raises(NotOnOpenAIRouteError, match=says):
        await arun(_llm(hub, "openai"), entry, "hi", **fields)
    assert hub.requests == []


# -- citations on -search ids ---------------------------------------------------------

QUESTION = "Who won the 2022 world cup?"


def _citations(message: AIMessage) -> list[dict[str, Any]]:
    """The citations of the answer's text blocks, without generated ids / extras."""
    out = []
    for block in message.content_blocks:
        if block["type"] != "text":
            continue
        for note in block.get("annotations", []):
            assert note["type"] == "citation"
            out.append({k: v for k, v in note.items() if k not in ("id", "extras")})
    return out


@pytest.mark.parametrize("entry", ENTRIES)
@pytest.mark.parametrize("form", ["-search id", "google_search=True"])
async def test_search_citations_match_the_native_route(
    hub: AiHubMixEmulator, entry: str, form: str
) -> None:
    """The native route's Google Search grounding, and on /v1 a `-search` id or
    `google_search=True` (sent as `web_search_options`), give the same citation
    blocks from the gateway's `url_citation` annotations."""
    native = await arun(_llm(hub, "native", google_search=True), entry, QUESTION)
    if form == "-search id":
        search = _llm(hub, "openai", model="gemini-2.5-flash-search")
    else:
        search = _llm(hub, "openai", google_search=True)
    openai_ = await arun(search, entry, QUESTION)
    sent = hub.requests[-1].body
    assert ("web_search_options" in sent) == (form != "-search id")
    assert "tools" not in sent and "tool_choice" not in sent
    assert openai_.text == native.text
    expected = _citations(native)
    assert len(expected) == 3 and {c["title"] for c in expected} == {
        "example.com",
        "wikipedia.org",
    }
    assert _citations(openai_) == expected
    raw = json.dumps(sent)
    assert "url_citation" not in raw  # annotations are the server's, not echoed


def _chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
    return {
        "id": "chatcmpl-cite",
        "object": "chat.completion.chunk",
        "created": 1_700_000_000,
        "model": "gemini-2.5-flash-search",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }


FLAT = {
    "type": "url_citation",
    "url": "https://example.org/a",
    "title": "A",
    "start_index": 0,
    "end_index": 5,
}
NESTED = {
    "type": "url_citation",
    "url_citation": {
        "url": "https://example.org/b",
        "title": "B",
        "start_index": 6,
        "end_index": 11,
    },
}


@pytest.mark.parametrize("stream", [False, True], ids=["whole", "stream"])
def test_flat_and_nested_url_citations(hub: AiHubMixEmulator, stream: bool) -> None:
    """Both spellings of a `url_citation`, on a whole message and on stream
    deltas (arriving after the text they cite); other annotation types are left
    out."""
    other = {"type": "file_citation", "file_citation": {"file_id": "f"}}
    if stream:
        hub.queue(
            openai_chunks=[
                _chunk({"role": "assistant", "content": "Hello"}),
                _chunk({"content": " world"}),
                _chunk({"annotations": [FLAT, other]}),
                _chunk({"annotations": [NESTED]}, finish="stop"),
            ]
        )
    else:
        hub.queue(
            openai={
                "id": "chatcmpl-cite",
                "object": "chat.completion",
                "created": 1_700_000_000,
                "model": "gemini-2.5-flash-search",
                "choices": [
                    {
                        "index": 0,
                        "message": {
                            "role": "assistant",
                            "content": "Hello world",
                            "annotations": [FLAT, other, NESTED],
                        },
                        "finish_reason": "stop",
                    }
                ],
            }
        )
    llm = _llm(hub, "openai", model="gemini-2.5-flash-search")
    reply = reduce(add, llm.stream("hi")) if stream else llm.invoke("hi")
    assert reply.text == "Hello world"
    assert _citations(reply) == [
        {"type": "citation", "url": "https://example.org/a", "title": "A",
         "start_index": 0, "end_index": 5, "cited_text": "Hello"},
        {"type": "citation", "url": "https://example.org/b", "title": "B",
         "start_index": 6, "end_index": 11, "cited_text": "world"},
    ]  # fmt: skip


# -- thinking budgets: AiHubMix's `reasoning.max_tokens` ------------------------------


@pytest.mark.parametrize("entry", ENTRIES)
async def test_a_thinking_budget_goes_as_reasoning_max_tokens(
    hub: AiHubMixEmulator, entry: str
) -> None:
    """The documented /v1 form, alone (not also in `extra_body.google`): 2.5
    Flash-Lite, which thinks only when asked, thinks within the budget."""
    llm = _llm(hub, "openai", model="gemini-2.5-flash-lite", thinking_budget=48)
    reply = await arun(llm, entry, "Is 91 prime?")
    sent = hub.requests[-1].body
    assert sent["reasoning"] == {"max_tokens": 48}
    assert "thinking_budget" not in json.dumps(sent)
    assert reply.usage_metadata is not None
    assert reply.usage_metadata["output_token_details"] == {"reasoning": 48}
