"""The per-chunk shortcuts give exactly what the plain constructions give."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from langchain_core.messages import AIMessageChunk
from langchain_core.messages.tool import tool_call_chunk

from langchain_aihubmix._input.conversation import SIGNATURES_KEY
from langchain_aihubmix._output.to_messages import (
    TokenCounts,
    UsageTracker,
    message_chunk,
    usage_from_counts,
)

BLOCK = {"type": "text", "text": "a", "index": 0}
USAGE = usage_from_counts(TokenCounts(input=3, output=5, reasoning=2))
CALL = tool_call_chunk(name="f", args="{}", id="c1", index=0)


@pytest.mark.parametrize(
    "fields",
    [
        {},
        {"usage": USAGE},
        {"id": "resp-1"},
        {"id": ""},
        {"last": True},
        {"tool_call_chunks": [CALL], "signatures": {"c1": "c2ln"}},
        {"tool_call_chunks": [], "signatures": {}, "usage": None, "id": None},
    ],
)
def test_message_chunk_equals_the_spelled_out_chunk(fields: dict[str, Any]) -> None:
    metadata = {"model_provider": "google_genai"}
    signatures = fields.get("signatures")
    spelled = AIMessageChunk(
        content=[dict(BLOCK)],
        tool_call_chunks=fields.get("tool_call_chunks") or [],
        additional_kwargs={SIGNATURES_KEY: signatures} if signatures else {},
        usage_metadata=fields.get("usage"),
        response_metadata=dict(metadata),
        id=fields.get("id"),
        chunk_position="last" if fields.get("last") else None,
    )
    built = message_chunk([dict(BLOCK)], dict(metadata), **fields)
    assert built == spelled
    assert built.model_dump() == spelled.model_dump()
    assert built.tool_calls == spelled.tool_calls


_COUNTS = st.builds(
    TokenCounts,
    input=st.integers(0, 50),
    output=st.integers(0, 50),
    cache_read=st.integers(0, 50),
    reasoning=st.integers(0, 50),
    audio=st.integers(0, 50),
)


@given(st.lists(st.tuples(_COUNTS, st.booleans()), max_size=12))
def test_usage_tracker_reports_the_final_counts_once(
    steps: list[tuple[TokenCounts, bool]],
) -> None:
    """Nothing before the final chunk; then the final counts, then only rises.

    Counts may fall between chunks (Gemini lowers running counts); no delta is
    negative, and the deltas sum to the counts of the first final chunk raised by
    whatever rose after it (a trailing usage-only event).
    """
    tracker = UsageTracker()
    got = [tracker.feed(c, final=f) for c, f in steps]
    first = next((i for i, (_, f) in enumerate(steps) if f), None)
    if first is None:
        assert got == [None] * len(steps)
        return
    assert got[:first] == [None] * first
    expected = steps[first][0]
    for counts, _ in steps[first + 1 :]:
        expected = TokenCounts(*map(max, expected, counts))
    total = dict.fromkeys(TokenCounts._fields, 0)
    for usage in got:
        if usage is None:
            continue
        flat = {
            "input": usage["input_tokens"],
            "output": usage["output_tokens"],
            "cache_read": usage.get("input_token_details", {}).get("cache_read", 0),
            "reasoning": usage.get("output_token_details", {}).get("reasoning", 0),
            "audio": usage.get("output_token_details", {}).get("audio", 0),
        }
        assert all(v >= 0 for v in flat.values())
        assert usage["total_tokens"] == flat["input"] + flat["output"]
        for key, value in flat.items():
            total[key] += value
    assert TokenCounts(**total) == expected
