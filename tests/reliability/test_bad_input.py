"""Bad input, one table: each malformed input gets a clear typed error (an
`InvalidInputError`, or a `TypeError` subclass for unknown options) before any
request is sent, on both routes."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

import pytest
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage

from langchain_aihubmix.errors import InvalidInputError
from langchain_aihubmix.testing import AiHubMixEmulator
from tests.reliability.conftest import ROUTES, make_llm

PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\0" * 64).decode()
BIG = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\0" * (21 * 1024 * 1024)).decode()
FN = {"type": "object", "properties": {"x": {"type": "string"}}}


def _tool(name: str, params: Any = FN) -> dict[str, Any]:
    return {"type": "function", "function": {"name": name, "parameters": params}}


Case = Callable[[Any], Any]
CASES: dict[str, Case] = {
    "unknown content block": lambda llm: llm.invoke(
        [HumanMessage(content=[{"type": "sticker", "id": "s1"}])]
    ),
    "unknown block in AI history": lambda llm: llm.invoke(
        [
            HumanMessage("x"),
            AIMessage(content=[{"type": "hologram", "v": 1}]),
            HumanMessage("y"),
        ]
    ),
    "image without mime type": lambda llm: llm.invoke(
        [HumanMessage(content=[{"type": "image", "base64": PNG}])]
    ),
    "malformed MIME type": lambda llm: llm.invoke(
        [
            HumanMessage(
                content=[{"type": "image", "base64": PNG, "mime_type": "not a mime"}]
            )
        ]
    ),
    "MIME type without subtype": lambda llm: llm.invoke(
        [
            HumanMessage(
                content=[{"type": "image", "base64": PNG, "mime_type": "image/"}]
            )
        ]
    ),
    "oversized media (> 20 MB)": lambda llm: llm.invoke(
        [
            HumanMessage(
                content=[{"type": "image", "base64": BIG, "mime_type": "image/png"}]
            )
        ]
    ),
    "undecodable base64": lambda llm: llm.invoke(
        [
            HumanMessage(
                content=[
                    {
                        "type": "image",
                        "base64": "not base64!!",
                        "mime_type": "image/png",
                    }
                ]
            )
        ]
    ),
    "undecodable base64 in a data URL (image_url block)": lambda llm: llm.invoke(
        [
            HumanMessage(
                content=[
                    {
                        "type": "image_url",
                        "image_url": {"url": "data:image/png;base64,not base64!!"},
                    }
                ]
            )
        ]
    ),
    "tool result without a call": lambda llm: llm.invoke(
        [HumanMessage("x"), ToolMessage("1", tool_call_id="nope")]
    ),
    "invalid tool name": lambda llm: llm.bind_tools([_tool("bad name!")]).invoke("x"),
    "invalid tool schema": lambda llm: llm.bind_tools(
        [_tool("f", {"type": "array"})]
    ).invoke("x"),
    "uncallable tool object": lambda llm: llm.bind_tools([object()]).invoke("x"),
    "contradictory thinking settings (call)": lambda llm: llm.invoke(
        "x", thinking_budget=128, reasoning_effort="low"
    ),
    "unknown reasoning effort": lambda llm: llm.invoke("x", reasoning_effort="max"),
    "negative thinking budget": lambda llm: llm.invoke("x", thinking_budget=-5),
    "unknown kwarg": lambda llm: llm.invoke("x", temprature=0.2),
    "empty messages": lambda llm: llm.invoke([]),
    "empty messages (stream)": lambda llm: list(llm.stream([])),
}


CORE_FIRST = {
    "image without mime type": "langchain-core itself rejects this block with a "
    "plain ValueError ('mime_type key is required for base64 data.') while formatting "
    "the input for tracing, before the model's code runs; the message is clear but "
    "the type is core's, not InvalidInputError",
}


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize(
    "case",
    [
        pytest.param(n, marks=pytest.mark.xfail(strict=True, reason=CORE_FIRST[n]))
        if n in CORE_FIRST
        else n
        for n in CASES
    ],
)
def test_bad_input_is_rejected_before_sending(
    hub: AiHubMixEmulator, route: str, case: str
) -> None:
    llm = make_llm(hub, route)
    with pytest.raises((InvalidInputError, TypeError)) as info:
        CASES[case](llm)
    assert str(info.value), "the error must say what is wrong"
    assert hub.requests == []


@pytest.mark.parametrize("route", ROUTES)
async def test_bad_input_async(hub: AiHubMixEmulator, route: str) -> None:
    llm = make_llm(hub, route)
    with pytest.raises(InvalidInputError):
        await llm.ainvoke([HumanMessage("x"), ToolMessage("1", tool_call_id="nope")])
    with pytest.raises(TypeError):
        await llm.ainvoke("x", nonsense=True)
    with pytest.raises(InvalidInputError):
        async for _ in llm.astream([]):
            pass
    # a heavy message (normalised in a worker thread) with a bad byte at its very end
    bad = "data:image/png;base64," + PNG * (2 * 1024 * 1024 // len(PNG)) + "!"
    with pytest.raises(InvalidInputError, match="base64"):
        await llm.ainvoke(
            [HumanMessage([{"type": "image_url", "image_url": {"url": bad}}])]
        )
    # ... and a large base64 field (validated ahead on the loop) with one at its end
    with pytest.raises(InvalidInputError, match="base64"):
        await llm.ainvoke(
            [
                HumanMessage(
                    [
                        {
                            "type": "image",
                            "mime_type": "image/png",
                            "base64": bad.split(",", 1)[1],
                        }
                    ]
                )
            ]
        )
    assert hub.requests == []


@pytest.mark.parametrize("route", ROUTES)
def test_contradictory_thinking_at_construction(
    hub: AiHubMixEmulator, route: str
) -> None:
    with pytest.raises(ValueError, match="thinking_budget"):
        make_llm(hub, route, thinking_budget=128, reasoning_effort="low")
    with pytest.raises(ValueError):
        make_llm(hub, route, unknown_field=1)
    assert hub.requests == []
