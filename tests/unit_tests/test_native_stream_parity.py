"""Every recorded stream, summed, equals the same response mapped whole."""

from __future__ import annotations

import copy
import functools
import operator
import re
from typing import Any

import pytest
from langchain_core.messages import AIMessageChunk

from langchain_aihubmix._native.response import NativeStreamState
from tests.unit_tests.recorded import parse_response, raw_body, recorded_streams
from tests.unit_tests.test_native_response import USAGE_ONLY

STREAMS = recorded_streams()
MODEL = "requested-model"
LC_ID = re.compile(r"^lc_[0-9a-f]{32}$")
"""thoughtsTokenCount goes 244 -> 167 in the last chunk (see test below)."""


def _whole(events: list[dict[str, Any]]) -> dict[str, Any]:
    """One response: every chunk's parts in order, the last chunk's everything else."""
    whole = copy.deepcopy(events[-1])
    parts = [
        part
        for event in events
        for cand in event.get("candidates", [])[:1]
        for part in (cand.get("content") or {}).get("parts", [])
    ]
    if whole.get("candidates"):
        whole["candidates"][0].setdefault("content", {})["parts"] = parts
    for event in events:  # metadata a non-final chunk carried
        for key in ("groundingMetadata", "urlContextMetadata", "citationMetadata"):
            for cand in event.get("candidates", [])[:1]:
                if key in cand and whole.get("candidates"):
                    whole["candidates"][0].setdefault(key, cand[key])
    return whole


def _normalised(message: AIMessageChunk) -> dict[str, Any]:
    ids: dict[str, str] = {}

    def walk(value: Any) -> Any:
        if isinstance(value, str) and LC_ID.match(value):
            return ids.setdefault(value, f"lc_<{len(ids)}>")
        if isinstance(value, dict):
            return {walk(k): walk(v) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v) for v in value]
        return value

    result: dict[str, Any] = walk(
        {
            "content": message.content,
            "content_blocks": message.content_blocks,
            "tool_calls": message.tool_calls,
            "invalid_tool_calls": message.invalid_tool_calls,
            "additional_kwargs": message.additional_kwargs,
            "response_metadata": message.response_metadata,
            "text": message.text,
            "chunk_position": message.chunk_position,
        }
    )
    return result


def _pair(fixture_id: str) -> tuple[list[AIMessageChunk], AIMessageChunk]:
    state = NativeStreamState(MODEL)
    stream = STREAMS[fixture_id]
    # A recorded stream has ended, finish reason or not: feed it as the route does.
    chunks = [state.feed(c, last=i == len(stream) - 1) for i, c in enumerate(stream)]
    whole_response = parse_response(_whole(raw_body(fixture_id)))
    whole = NativeStreamState(MODEL).feed(whole_response, last=True)
    return chunks, whole


REPLIES = sorted(set(STREAMS) - {USAGE_ONLY})  # a usage excerpt is no reply


@pytest.mark.parametrize("fixture_id", REPLIES)
def test_stream_sum_equals_whole_response(fixture_id: str) -> None:
    chunks, whole = _pair(fixture_id)
    summed = functools.reduce(operator.add, chunks)
    assert _normalised(summed) == _normalised(whole)


@pytest.mark.parametrize("fixture_id", REPLIES)
def test_stream_usage_sums_to_the_last_chunks_usage(fixture_id: str) -> None:
    chunks, whole = _pair(fixture_id)
    summed = functools.reduce(operator.add, chunks)
    assert summed.usage_metadata == whole.usage_metadata


@pytest.mark.parametrize("fixture_id", REPLIES)
def test_stream_usage_rides_on_the_final_chunk_only(fixture_id: str) -> None:
    """All usage, input included, once, from the final counts (none negative)."""
    chunks, _ = _pair(fixture_id)
    carrying = [i for i, c in enumerate(chunks) if c.usage_metadata is not None]
    final = [i for i, c in enumerate(chunks) if c.chunk_position == "last"]
    assert carrying == final, "usage only on the final chunk"
    usage = chunks[final[0]].usage_metadata
    assert usage is not None
    assert usage["total_tokens"] == usage["input_tokens"] + usage["output_tokens"]
    flat = [
        usage["input_tokens"],
        usage["output_tokens"],
        *usage.get("input_token_details", {}).values(),
        *usage.get("output_token_details", {}).values(),
    ]
    assert all(v >= 0 for v in flat)
    last_counts = STREAMS[fixture_id][-1].usage_metadata
    assert last_counts is not None
    assert usage["input_tokens"] == (last_counts.prompt_token_count or 0) + (
        last_counts.tool_use_prompt_token_count or 0
    )


def test_prompt_count_revised_upwards_mid_stream() -> None:
    """issue-10781.2: promptTokenCount 133 -> 311; only the final count is sent."""
    chunks, _ = _pair("vercel-ai/issue-10781.2.chunks.txt")
    inputs = [
        c.usage_metadata["input_tokens"] if c.usage_metadata else None for c in chunks
    ]
    assert inputs == [None, None, 311]


def test_prompt_count_lowered_in_the_last_chunk() -> None:
    """Reconstructed Gemini 2.0 stream: promptTokenCount 169, 169, then 79.

    The summed stream reports the final 79 input tokens, as the unstreamed response
    does; reporting 169 early would over-count (no negative delta can take it back).
    """
    chunks, whole = _pair("reconstructed/gemini-2.0-prompt-count-lowered.chunks.txt")
    summed = functools.reduce(operator.add, chunks)
    assert summed.usage_metadata == {
        "input_tokens": 79,
        "output_tokens": 13,
        "total_tokens": 92,
        "input_token_details": {"cache_read": 0},
        "output_token_details": {"reasoning": 0},
    }
    assert whole.usage_metadata == summed.usage_metadata
