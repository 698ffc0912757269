"""Native response mapping against every recorded Gemini response and stream."""

from __future__ import annotations

import base64
import copy
import functools
import json
import operator
import re
from typing import Any

import pytest
from google.genai import types
from langchain_core.messages import AIMessage, AIMessageChunk, message_chunk_to_message

from langchain_aihubmix._input.conversation import MODEL_PROVIDER, SIGNATURES_KEY
from langchain_aihubmix._native.response import (
    NativeStreamState,
    response_to_messages,
)
from langchain_aihubmix._native.usage import counts_from_usage
from langchain_aihubmix._output.to_messages import usage_from_counts
from langchain_aihubmix.errors import NativeNoAnswerError
from tests.unit_tests.recorded import (
    SKIPPED,
    _bodies,
    all_fixture_files,
    parse_response,
    raw_body,
    recorded_responses,
    recorded_streams,
)

RESPONSES = recorded_responses()
STREAMS = recorded_streams()
MODEL = "requested-model"
USAGE_ONLY = "vercel-ai/google-usage-raw-live.chunks.txt"
"""A usage excerpt, no reply: fed as a whole reply, it raises (no answer)."""
LC_ID = re.compile(r"^lc_[0-9a-f]{32}$")


def _stream_message(chunks: list[types.GenerateContentResponse]) -> AIMessageChunk:
    state = NativeStreamState(MODEL)
    fed = [state.feed(c, last=i == len(chunks) - 1) for i, c in enumerate(chunks)]
    return functools.reduce(operator.add, fed)


def _raw_events(fixture_id: str) -> list[dict[str, Any]]:
    body = raw_body(fixture_id)
    return body if isinstance(body, list) else [body]


def _raw_parts(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        part
        for event in events
        for cand in event.get("candidates", [])[:1]
        for part in (cand.get("content") or {}).get("parts", [])
    ]


def _all_cases() -> dict[str, AIMessage | AIMessageChunk]:
    cases: dict[str, AIMessage | AIMessageChunk] = {
        k: response_to_messages(r, MODEL)[0] for k, r in RESPONSES.items()
    }
    cases.update({k: _stream_message(c) for k, c in STREAMS.items() if k != USAGE_ONLY})
    return cases


CASES = _all_cases()


def test_every_fixture_is_classified() -> None:
    seen = {key.split("#")[0] for key, _kind, _body in _bodies()}
    assert sorted(seen | set(SKIPPED)) == all_fixture_files()
    assert len(RESPONSES) == 18
    assert len(STREAMS) == 18


@pytest.mark.parametrize("fixture_id", sorted(CASES))
def test_user_visible_output_matches_raw_json(fixture_id: str) -> None:
    """Text, thoughts, calls, signatures, usage and metadata, from the raw bytes."""
    message = CASES[fixture_id]
    events = _raw_events(fixture_id)
    parts = _raw_parts(events)

    answer = "".join(p["text"] for p in parts if "text" in p and not p.get("thought"))
    thoughts = "".join(p["text"] for p in parts if "text" in p and p.get("thought"))
    assert message.text == answer
    assert isinstance(message.content, list)
    blocks = message.content_blocks
    assert "".join(b["reasoning"] for b in blocks if b["type"] == "reasoning") == (
        thoughts
    )
    # core's google_genai translator does not know server-side tool runs (yet): it
    # wraps our standard-shaped server_tool_call / server_tool_result blocks
    assert not [
        b
        for b in blocks
        if b["type"] == "non_standard"
        and b["value"].get("type") not in ("server_tool_call", "server_tool_result")
    ]
    indices = [b["index"] for b in message.content if isinstance(b, dict)]
    assert indices == list(range(len(indices)))

    calls = [p for p in parts if "functionCall" in p and "name" in p["functionCall"]]
    assert [c["name"] for c in message.tool_calls] == [
        c["functionCall"]["name"] for c in calls
    ]
    signatures = message.additional_kwargs.get(SIGNATURES_KEY, {})
    for raw, call in zip(calls, message.tool_calls, strict=True):
        assert call["id"] == raw["functionCall"].get("id", call["id"])
        assert call["id"] and (
            call["id"] == raw["functionCall"].get("id") or LC_ID.match(call["id"])
        )
        if "thoughtSignature" in raw:
            assert base64.b64decode(signatures[call["id"]]) == base64.urlsafe_b64decode(
                raw["thoughtSignature"].replace("+", "-").replace("/", "_") + "=="
            )
        else:
            assert call["id"] not in signatures

    last = events[-1]
    usage = last.get("usageMetadata", {})
    expected_in = usage.get("promptTokenCount", 0) + usage.get(
        "toolUsePromptTokenCount", 0
    )
    expected_out = usage.get("candidatesTokenCount", 0) + usage.get(
        "thoughtsTokenCount", 0
    )
    assert message.usage_metadata is not None
    if fixture_id != "vercel-ai/issue-10660-image-thought-signature.chunks.txt":
        assert message.usage_metadata["input_tokens"] == expected_in
        assert message.usage_metadata["output_tokens"] == expected_out
    assert message.usage_metadata["total_tokens"] == (
        message.usage_metadata["input_tokens"] + message.usage_metadata["output_tokens"]
    )

    meta = message.response_metadata
    assert meta["model_provider"] == MODEL_PROVIDER
    candidates = last.get("candidates", [])
    finished = bool(candidates and "finishReason" in candidates[0])
    if finished:
        assert meta["finish_reason"] == candidates[0]["finishReason"]
    # Every recorded stream has ended, so its last chunk carries the metadata.
    assert meta["model_name"] == last.get("modelVersion", MODEL)
    assert meta.get("response_id") == last.get("responseId")


@pytest.mark.parametrize("fixture_id", sorted(CASES))
def test_signatures_are_the_standard_base64_google_sent(fixture_id: str) -> None:
    """Real (standard base64) signatures come back as the exact text received."""
    message = CASES[fixture_id]
    raw = {
        p["thoughtSignature"]
        for p in _raw_parts(_raw_events(fixture_id))
        if "thoughtSignature" in p
    }
    kept = set(message.additional_kwargs.get(SIGNATURES_KEY, {}).values())
    for block in message.content:
        assert isinstance(block, dict)
        sig = block.get("signature") or block.get("extras", {}).get("signature")
        if sig:
            kept.add(sig)
    real = {s for s in raw if re.fullmatch(r"[A-Za-z0-9+/]+=*", s) and len(s) % 4 == 0}
    assert real <= kept
    assert len(kept) == len(raw)


def test_usage_with_cache_tool_prompt_and_thoughts() -> None:
    (chunk,) = STREAMS[USAGE_ONLY]
    with pytest.raises(NativeNoAnswerError, match="finish_reason=None"):
        NativeStreamState(MODEL).feed(chunk, last=True)
    assert usage_from_counts(counts_from_usage(chunk.usage_metadata)) == {
        "input_tokens": 77,
        "output_tokens": 160,
        "total_tokens": 237,
        "input_token_details": {"cache_read": 4},
        "output_token_details": {"reasoning": 89},
    }
    assert counts_from_usage(None).input == 0


def test_code_execution_links_result_to_code() -> None:
    fixture_id = "vercel-ai/google-code-execution-issue-11485-live-single-result.json"
    message = CASES[fixture_id]
    code, result, text = message.content
    assert isinstance(code, dict) and isinstance(result, dict)
    assert isinstance(text, dict)
    assert code["type"] == "executable_code" and code["language"] == "python"
    assert code["id"] == "c5s2robj" and code["signature"].startswith("EjQKMgERTTIP5wRe")
    assert result["tool_call_id"] == "c5s2robj" and result["outcome"] == 2
    assert text["extras"]["signature"]
    call, res = message.content_blocks[:2]
    assert call["type"] == "server_tool_call" and call["id"] == "c5s2robj"
    assert call["args"]["code"] == "print('ok')\nprint(1/0)"
    assert res["type"] == "server_tool_result" and res["status"] == "error"
    assert res["tool_call_id"] == "c5s2robj"
    assert message.usage_metadata and message.usage_metadata["input_tokens"] == 23 + 161


def test_code_without_ids_gets_one_synthetic_id_for_all_its_results() -> None:
    message = CASES["vercel-ai/google-code-execution-multiple-results.json"]
    blocks = message.content_blocks
    assert [b["type"] for b in blocks] == [
        "server_tool_call",
        "server_tool_result",
        "server_tool_result",
        "text",
    ]
    assert LC_ID.match(blocks[0]["id"])
    assert blocks[1]["tool_call_id"] == blocks[2]["tool_call_id"] == blocks[0]["id"]
    assert [b["status"] for b in blocks[1:3]] == ["success", "error"]
    assert [b["extras"]["outcome"] for b in blocks[1:3]] == [1, 2]


def test_function_call_metadata_and_finish_message() -> None:
    body = raw_body("vercel-ai/google-tool-call.json")
    # google-genai 3.6.1 drops `finishMessage` when parsing Gemini API responses
    # (`_Candidate_from_mldev`, python-genai#1789); the package puts it back. This
    # fails when the SDK's converter moves.
    parsed = parse_response(body)
    assert parsed.candidates[0].finish_message  # type: ignore[index]
    message = response_to_messages(parsed, MODEL)[0]
    assert message.response_metadata["finish_message"] == (
        "Model generated function call(s)."
    )
    assert message.response_metadata["finish_reason"] == "STOP"
    (call,) = message.tool_calls
    assert call["name"] == "weather" and call["args"] == {"location": "San Francisco"}
    assert LC_ID.match(call["id"] or "")
    assert (
        message.additional_kwargs[SIGNATURES_KEY][call["id"]]
        == (body["candidates"][0]["content"]["parts"][0]["thoughtSignature"])
    )
    assert message.content == [] and message.text == ""


def test_server_call_ids_are_kept() -> None:
    message = CASES["vercel-ai/google-issue-16072-file-tool-result-live.json#0"]
    assert message.tool_calls == [
        {"name": "catalogSearch", "args": {}, "id": "PPik6Btt", "type": "tool_call"}
    ]
    assert message.additional_kwargs[SIGNATURES_KEY] == {
        "PPik6Btt": "EjQKMgERTTIPN10h3l8gol5CPOBIpGm8SNd11nFIygg8WyB4t9Ju"
        "+M8bngWZHD6D3AqRkw+0"
    }


def test_blocked_prompt() -> None:
    for fixture_id in (
        "vercel-ai/issue-19758-prompt-block.json",
        "vercel-ai/issue-19758-prompt-block.chunks.txt",
    ):
        message = CASES[fixture_id]
        assert message.content == []
        assert message.response_metadata["prompt_feedback"] == {
            "block_reason": "PROHIBITED_CONTENT"
        }
        assert message.usage_metadata == {
            "input_tokens": 9,
            "output_tokens": 0,
            "total_tokens": 9,
            "input_token_details": {"cache_read": 0},
            "output_token_details": {"reasoning": 0},
        }
        assert message.content_blocks == [
            {
                "type": "refusal",
                "refusal": "",
                "extras": {"block_reason": "PROHIBITED_CONTENT"},
            }
        ]
        assert message.response_metadata["model_name"] == "gemini-3.7-flash"


def test_safety_block_without_content() -> None:
    message = CASES["pydantic-ai/test_google_model_safety_settings.yaml#0"]
    assert message.content == []
    assert message.response_metadata["finish_reason"] == "SAFETY"
    ratings = message.response_metadata["safety_ratings"]
    assert ratings[0] == {
        "blocked": True,
        "category": "HARM_CATEGORY_HATE_SPEECH",
        "probability": "LOW",
    }
    assert len(ratings) == 4
    assert message.content_blocks[-1]["type"] == "refusal"


@pytest.mark.parametrize(
    ("fixture_id", "reason", "reasoning"),
    [
        (
            "pydantic-ai/test_google_model_max_tokens_thinking_model_empty_response.yaml#0",
            "MAX_TOKENS",
            2,
        ),
        ("vercel-ai/google-image-no-image-live.json", "NO_IMAGE", 0),
    ],
)
def test_empty_candidates(fixture_id: str, reason: str, reasoning: int) -> None:
    message = CASES[fixture_id]
    assert message.content == [] and message.tool_calls == []
    assert message.response_metadata["finish_reason"] == reason
    assert message.usage_metadata is not None
    details = message.usage_metadata.get("output_token_details", {})
    assert details.get("reasoning", 0) == reasoning


def test_grounding_becomes_citations() -> None:
    message = CASES["pydantic-ai/test_google_model_web_search_tool.yaml#0"]
    grounding = message.response_metadata["grounding_metadata"]
    assert {"grounding_chunks", "grounding_supports", "search_entry_point"} <= set(
        grounding
    )
    assert grounding["grounding_supports"][0]["segment"]["start_index"] == 55
    (text,) = message.content_blocks
    annotations = text.get("annotations") or []
    assert len(annotations) == 6
    first = annotations[0]
    assert first["type"] == "citation"
    url = "https://www.google.com/search?q=weather+in+San Francisco, CA,+US"
    assert first.get("url") == url
    assert first.get("start_index") == 55 and first.get("end_index") == 216


def test_thought_summaries_are_reasoning_not_text() -> None:
    message = CASES["pydantic-ai/test_google_model_thinking_part_iter.yaml#0"]
    reasoning, text = message.content_blocks
    assert reasoning["type"] == "reasoning"
    assert reasoning["reasoning"].startswith("**Clarifying User Goals**")
    assert "Clarifying" not in message.text
    assert text["type"] == "text"
    assert text["text"].startswith("This is a great question!")
    assert text.get("extras", {}).get("signature", "").startswith("CiIB0e2K")


def test_generated_image_with_signature() -> None:
    message = CASES["vercel-ai/issue-10660-image-thought-signature.chunks.txt"]
    assert message.content == [
        {
            "type": "image_url",
            "image_url": {"url": "data:image/jpeg;base64,AA=="},
            "signature": base64.b64encode(
                base64.urlsafe_b64decode("live-image-thought-signature")
            ).decode(),
            "index": 0,
        }
    ]
    assert message.content_blocks == [
        {"type": "image", "base64": "AA==", "mime_type": "image/jpeg", "index": 0}
    ]


def test_vertex_streamed_function_arguments_are_assembled() -> None:
    message = CASES["vercel-ai/google-stream-no-args-tool-call.chunks.txt"]
    assert [(c["name"], c["args"]) for c in message.tool_calls] == [
        ("read_theme", {}),
        ("read_screen", {"id": "A"}),
        ("read_screen", {"id": "B"}),
        ("read_screen", {"id": "C"}),
    ]
    assert isinstance(message, AIMessageChunk)
    assert [c["index"] for c in message.tool_call_chunks] == [0, 1, 2, 3]
    signed = message.additional_kwargs[SIGNATURES_KEY]
    assert list(signed) == [message.tool_calls[0]["id"]]


def test_model_name_falls_back_to_requested_model() -> None:
    body = copy.deepcopy(raw_body("vercel-ai/google-text.json"))
    del body["modelVersion"]
    message = response_to_messages(parse_response(body), "gemini-3-pro-preview")[0]
    assert message.response_metadata["model_name"] == "gemini-3-pro-preview"


def test_one_message_per_candidate_usage_on_the_first() -> None:
    body = copy.deepcopy(raw_body("vercel-ai/google-text.json"))
    second = copy.deepcopy(body["candidates"][0])
    second["index"] = 1
    second["content"]["parts"] = [{"text": "Other answer."}]
    second["finishReason"] = "MAX_TOKENS"
    body["candidates"].append(second)
    first, other = response_to_messages(parse_response(body), MODEL)
    assert first.text.startswith("There are **3**") and other.text == "Other answer."
    assert first.usage_metadata and first.usage_metadata["total_tokens"] == 281
    assert other.usage_metadata is None
    assert other.response_metadata["finish_reason"] == "MAX_TOKENS"


@pytest.mark.parametrize(
    ("part", "field"),
    [
        ({"functionResponse": {"name": "f", "response": {}}}, "function_response"),
        ({"inlineData": {"mimeType": "audio/wav", "data": "AA=="}}, "inline_data"),
        ({"fileData": {"fileUri": "gs://b/x.pdf"}}, "file_data"),
    ],
)
def test_unknown_part_kinds_raise_naming_the_fields(
    part: dict[str, Any], field: str
) -> None:
    body = {"candidates": [{"content": {"role": "model", "parts": [part]}}]}
    with pytest.raises(ValueError, match=field):
        NativeStreamState(MODEL).feed(parse_response(body))


def test_flags_and_empty_parts_carry_nothing_but_signatures() -> None:
    body = {
        "candidates": [
            {
                "content": {
                    "role": "model",
                    "parts": [
                        {},
                        {
                            "text": "a",
                            "mediaResolution": {"level": "MEDIA_RESOLUTION_LOW"},
                        },
                        {"thoughtSignature": "AAAA"},
                    ],
                },
                "finishReason": "STOP",
            }
        ]
    }
    message = response_to_messages(parse_response(body), MODEL)[0]
    assert message.content == [
        {"type": "text", "text": "a", "index": 0, "extras": {"signature": "AAAA"}},
    ]


def test_stream_marks_only_the_final_chunk() -> None:
    state = NativeStreamState(MODEL)
    chunks = [state.feed(c) for c in STREAMS["vercel-ai/google-text.chunks.txt"]]
    assert [c.chunk_position for c in chunks] == [None, None, "last"]
    assert [set(c.response_metadata) for c in chunks[:2]] == [{"model_provider"}] * 2
    assert state.finished
    assert message_chunk_to_message(
        functools.reduce(operator.add, chunks)
    ).text.endswith("y")


CORE_ID = re.compile(r"^lc_[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$")
"""Ids core itself makes up (e.g. for citations)."""


def _normalised(message: AIMessage | AIMessageChunk) -> Any:
    ids: dict[str, str] = {}

    def walk(value: Any) -> Any:
        if isinstance(value, str) and (LC_ID.match(value) or CORE_ID.match(value)):
            return ids.setdefault(value, f"lc_<{len(ids)}>")
        if isinstance(value, dict):
            return {walk(k): walk(v) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v) for v in value]
        return value

    return walk(
        {
            "content": message.content,
            "content_blocks": message.content_blocks,
            "tool_calls": message.tool_calls,
            "additional_kwargs": message.additional_kwargs,
            "usage_metadata": message.usage_metadata,
            "response_metadata": message.response_metadata,
            "text": message.text,
        }
    )


@pytest.mark.parametrize("fixture_id", sorted(CASES))
def test_whole_message_snapshot(fixture_id: str, snapshot: Any) -> None:
    assert json.loads(json.dumps(_normalised(CASES[fixture_id]))) == snapshot
