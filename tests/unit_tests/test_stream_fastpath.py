"""The per-chunk shortcuts give exactly what the plain constructions give."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from langchain_core.messages import AIMessageChunk
from langchain_core.messages.tool import tool_call_chunk
from langchain_core.utils._merge import merge_lists

from langchain_aihubmix._output import (
    SIGNATURES_KEY,
    ContentAssembler,
    TokenCounts,
    UsageTracker,
    message_chunk,
    usage_from_counts,
)
from langchain_aihubmix.native.response import _add_delta

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


def _reference_usage(
    steps: list[TokenCounts], finals: list[bool]
) -> list[dict[str, Any] | None]:
    """The tracker as first written: a full delta per chunk, compared to zero."""
    seen_input = seen_cache = 0
    out: list[dict[str, Any] | None] = []
    for counts, final in zip(steps, finals, strict=True):
        new_input = max(seen_input, counts.input)
        new_cache = max(seen_cache, counts.cache_read)
        delta = TokenCounts(
            input=new_input - seen_input,
            cache_read=new_cache - seen_cache,
            output=counts.output if final else 0,
            reasoning=counts.reasoning if final else 0,
        )
        seen_input, seen_cache = new_input, new_cache
        if delta == TokenCounts() and not final:
            out.append(None)
        else:
            out.append(dict(usage_from_counts(delta)))
    return out


_COUNTS = st.builds(
    TokenCounts,
    input=st.integers(0, 50),
    output=st.integers(0, 50),
    cache_read=st.integers(0, 50),
    reasoning=st.integers(0, 50),
)


@given(st.lists(st.tuples(_COUNTS, st.booleans()), max_size=12))
def test_usage_tracker_matches_the_reference(
    steps: list[tuple[TokenCounts, bool]],
) -> None:
    counts = [c for c, _ in steps]
    finals = [f for _, f in steps]
    tracker = UsageTracker()
    got = [tracker.feed(c, final=f) for c, f in steps]
    assert [None if u is None else dict(u) for u in got] == _reference_usage(
        counts, finals
    )


_PART = st.tuples(
    st.sampled_from(["text", "thinking", "code"]),
    st.sampled_from(["", "x", "yz"]),
    st.sampled_from([None, "sig"]),
)


@given(st.lists(_PART, max_size=10))
def test_add_delta_matches_merge_lists(
    parts: list[tuple[str, str, str | None]],
) -> None:
    """One response's parts, added with the shortcut or with core's merge."""
    blocks = ContentAssembler()
    fast: list[str | dict[str, Any]] = []
    merged: list[str | dict[str, Any]] = []
    for kind, text, sig in parts:
        if kind == "text":
            block = blocks.add_text(text, sig)
        elif kind == "thinking":
            block = blocks.add_thinking(text, sig)
        else:
            block = blocks.add_block({"type": "executable_code", "id": "c"})
        if block is None:
            continue
        _add_delta(fast, dict(block))
        merged = merge_lists(merged, [dict(block)]) or []
    assert fast == merged
