"""Streams as Gemini really sends them, over HTTP: lowered counts, streamed arguments.

The gateway replays reconstructed recordings (tests/fixtures/recorded/reconstructed,
see its README) through the emulator; each case runs on the four entry points and
compares the summed stream with the whole response.
"""

from __future__ import annotations

import asyncio
import json
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import AIMessage, AIMessageChunk
from langchain_core.tools import tool

from langchain_aihubmix.callbacks import get_aihubmix_callback
from langchain_aihubmix.errors import AiHubMixError
from langchain_aihubmix.testing import AiHubMixEmulator
from tests.support import ENTRIES, Entry, make_llm, run, stream_chunks, summed

RECONSTRUCTED = Path(__file__).parents[1] / "fixtures" / "recorded" / "reconstructed"
_llm = partial(make_llm, max_retries=0)


def _events(name: str) -> list[dict[str, Any]]:
    """The JSON events of a `data: ...` framed file (`[DONE]` left out)."""
    text = (RECONSTRUCTED / name).read_text()
    lines = [ln.removeprefix("data:").strip() for ln in text.splitlines()]
    return [json.loads(ln) for ln in lines if ln and ln != "[DONE]"]


def _run(llm: Any, entry: Entry, prompt: str = "How tall is it?") -> AIMessage:
    """One call through `entry`; a stream's usage rides on its final chunk only."""
    if entry in ("invoke", "ainvoke"):
        return run(llm, entry, prompt)
    chunks = stream_chunks(llm, entry, prompt)
    assert all(isinstance(c, AIMessageChunk) for c in chunks)
    carrying = [c for c in chunks if c.usage_metadata is not None]
    assert carrying == [chunks[-1]], "usage rides on the final chunk only"
    return summed(chunks)


def _queue_lowered(hub: AiHubMixEmulator, transport: str) -> None:
    if transport == "native":
        hub.queue(native_chunks=_events("gemini-2.0-prompt-count-lowered.chunks.txt"))
    else:
        hub.queue(openai_chunks=_events("openai-layer-prompt-count-lowered.sse"))


LOWERED_USAGE = {
    "input_tokens": 79,
    "output_tokens": 13,
    "total_tokens": 92,
    "input_token_details": {"cache_read": 0},
    "output_token_details": {"reasoning": 0},
}
"""The final counts of the lowered-prompt-count recordings, whatever the entry."""


@pytest.mark.parametrize("transport", ["native", "openai"])
def test_lowered_prompt_count_sums_to_the_final_counts(
    hub: AiHubMixEmulator, transport: str
) -> None:
    """promptTokenCount 169 early, 79 final: every entry point reports 79 input."""
    llm = _llm(hub, transport)
    messages = {}
    for entry in ENTRIES:
        _queue_lowered(hub, transport)
        with get_aihubmix_callback() as cb:
            messages[entry] = _run(llm, entry)
        assert (cb.input_tokens, cb.output_tokens, cb.total_tokens) == (79, 13, 92)
    for entry, message in messages.items():
        assert message.usage_metadata == LOWERED_USAGE, entry
        assert message.text == (
            "The Eiffel Tower is 330 metres tall, including its antennas."
        )
        cost = message.response_metadata["cost"]
        # gemini-2.0-flash (the served model) at $0.10 / $0.40 per million tokens
        assert cost["total"] == pytest.approx((79 * 0.10 + 13 * 0.40) / 1e6)
    whole = messages["invoke"]
    for entry in ("stream", "astream", "ainvoke"):
        assert messages[entry].content == whole.content, entry
        assert messages[entry].response_metadata == whole.response_metadata, entry


@tool
def plan_recipe(
    title: str,
    steps: list[str],
    servings: int,
    vegan: bool,
    notes: str | None,
    meta: dict[str, Any],
    sections: list[dict[str, Any]],
) -> str:
    """Write down a recipe."""
    return title


STEPS = [
    "Whisk 200 g flour with 1 tsp baking powder.",
    "Beat 2 eggs into 300 ml milk.",
    "Pour the wet mix into the dry.",
    "Stir until just combined; lumps are fine.",
    "Rest the batter 10 minutes.",
    "Heat a pan over medium heat.",
    "Brush the pan with butter.",
    "Pour a ladle of batter.",
    "Flip when bubbles form, about 2 minutes.",
    "Serve warm with syrup.",
]
SENT_ARGS = {
    "title": "Fluffy pancakes",
    "steps": STEPS,
    "servings": 4,
    "vegan": False,
    "notes": None,
    "meta": {"source": {"name": "Grandma's book"}, "rating": 4.5},
    "sections": [
        {
            "items": [
                {"label": "flour", "amount": 200},
                {"label": "eggs", "amount": 2},
                {"label": "milk", "amount": 0.3, "tags": ["dairy", "cold"]},
            ]
        }
    ],
}
"""What the reconstructed Vertex stream sends, piece by piece (see its README)."""


@pytest.mark.parametrize("entry", ENTRIES)
def test_streamed_partial_arguments_are_assembled_exactly(
    hub: AiHubMixEmulator, entry: Entry
) -> None:
    hub.queue(native_chunks=_events("vertex-stream-function-call-arguments.chunks.txt"))
    llm = _llm(hub, "native").bind_tools([plan_recipe])
    message = _run(llm, entry, "Plan pancakes")
    assert [(c["name"], c["args"]) for c in message.tool_calls] == [
        ("plan_recipe", SENT_ARGS)
    ]
    assert not message.invalid_tool_calls
    (call,) = message.tool_calls
    sigs = message.additional_kwargs["__gemini_function_call_thought_signatures__"]
    assert sigs == {
        call["id"]: "CiQBcsjafE7y3mBqXk1jW2c4eJ9r+Hq0f0gD3Uu0pLhJb1zqgb8KbQFyyNp8"
    }
    assert message.usage_metadata == {
        "input_tokens": 96,
        "output_tokens": 316,
        "total_tokens": 412,
        "input_token_details": {"cache_read": 0},
        "output_token_details": {"reasoning": 104},
    }


def _call_chunks(*pieces: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A Vertex-style stream: opening call, one event per piece list, closing call."""

    def event(part: dict[str, Any], finish: bool = False) -> dict[str, Any]:
        cand: dict[str, Any] = {"content": {"role": "model", "parts": [part]}}
        if finish:
            cand["finishReason"] = "STOP"
        return {
            "candidates": [cand],
            "usageMetadata": {
                "promptTokenCount": 5,
                "candidatesTokenCount": 7,
                "totalTokenCount": 12,
            },
            "modelVersion": "gemini-3-pro-preview",
        }

    opening = event({"functionCall": {"name": "plan_recipe", "willContinue": True}})
    middle = [
        event({"functionCall": {"partialArgs": p, "willContinue": True}})
        for p in pieces
    ]
    return [opening, *middle, event({"functionCall": {}}, finish=True)]


BAD_PATHS = {
    "index skips elements": [[{"jsonPath": "$.steps[2]", "stringValue": "x"}]],
    "index into an object": [
        [{"jsonPath": "$.meta.a", "stringValue": "x"}],
        [{"jsonPath": "$.meta[0]", "stringValue": "y"}],
    ],
    "name into an array": [
        [{"jsonPath": "$.steps[0]", "stringValue": "x"}],
        [{"jsonPath": "$.steps.first", "stringValue": "y"}],
    ],
    "through a string": [
        [{"jsonPath": "$.title", "stringValue": "x"}],
        [{"jsonPath": "$.title.text", "stringValue": "y"}],
    ],
    "number onto a string": [
        [{"jsonPath": "$.title", "stringValue": "x"}],
        [{"jsonPath": "$.title", "numberValue": 3}],
    ],
    "not a JSON path": [[{"jsonPath": "steps[0]", "stringValue": "x"}]],
    "unreadable step": [[{"jsonPath": "$.steps[-1]", "stringValue": "x"}]],
    "the root itself": [[{"jsonPath": "$", "stringValue": "x"}]],
}


@pytest.mark.parametrize("entry", ENTRIES)
@pytest.mark.parametrize("case", sorted(BAD_PATHS))
def test_partial_argument_that_cannot_be_applied_raises(
    hub: AiHubMixEmulator, case: str, entry: Entry
) -> None:
    hub.queue(native_chunks=_call_chunks(*BAD_PATHS[case]))
    llm = _llm(hub, "native").bind_tools([plan_recipe])
    with pytest.raises(AiHubMixError, match="jsonPath") as info:
        _run(llm, entry, "Plan pancakes")
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize("entry", ["invoke", "stream"])
def test_quoted_names_and_escapes_in_paths(hub: AiHubMixEmulator, entry: Entry) -> None:
    hub.queue(
        native_chunks=_call_chunks(
            [{"jsonPath": "$['oven temp']", "numberValue": 180}],
            [{"jsonPath": '$["it\'s"].a[0]', "boolValue": True}],
            [{"jsonPath": "$.x['a.b']", "stringValue": "dot"}],
        )
    )
    message = _run(_llm(hub, "native").bind_tools([plan_recipe]), entry, "go")
    assert message.tool_calls[0]["args"] == {
        "oven temp": 180,
        "it's": {"a": [True]},
        "x": {"a.b": "dot"},
    }


@pytest.mark.parametrize("transport", ["native", "openai"])
@pytest.mark.parametrize("streaming", [False, True], ids=["whole", "streaming"])
def test_lowered_prompt_count_in_batch(
    hub: AiHubMixEmulator, transport: str, streaming: bool
) -> None:
    """`batch` / `abatch` (streamed underneath with `streaming=True`) agree too."""
    llm = _llm(hub, transport).model_copy(update={"streaming": streaming})
    for batch in (llm.batch, lambda xs: asyncio.run(llm.abatch(xs))):
        for _ in range(2):
            _queue_lowered(hub, transport)
        replies = batch(["How tall is it?", "And now?"])
        assert [r.usage_metadata for r in replies] == [LOWERED_USAGE] * 2
