"""Bad input, one table: each malformed input gets a clear typed error (an
`InvalidInputError`, or a `TypeError` subclass for unknown options) before any
request is sent, on both routes."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Callable
from typing import Any

import pytest
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage

from langchain_aihubmix.errors import InvalidInputError
from langchain_aihubmix.testing import AiHubMixEmulator
from tests.support import ROUTES, make_llm, turns

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
    "tool without a name": lambda llm: llm.bind_tools([_tool("")]).invoke("x"),
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
    "v0 text file block without text": lambda llm: llm.invoke(
        [
            HumanMessage(
                [{"type": "file", "source_type": "text", "mime_type": "text/csv"}]
            )
        ]
    ),
}


CORE_FIRST = {
    "image without mime type": "langchain-core itself rejects this block with a "
    "plain ValueError ('mime_type key is required for base64 data.') while formatting "
    "the input for tracing, before the model's code runs; the message is clear but "
    "the type is core's, not InvalidInputError",
    "v0 text file block without text": "langchain-core's v0 translator raises a bare "
    "KeyError('url') for it while normalising the input in `generate`, before the "
    "model's code runs (where the package's own conversion, e.g. token counting, "
    "meets it, it is an InvalidInputError)",
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


# -- before sending: JSON safety, text, history shape (both routes, four entry points)


def _call(call_id: str, args: Any, name: str = "f") -> dict[str, Any]:
    return {"name": name, "args": args, "id": call_id, "type": "tool_call"}


def _answered(args: Any) -> list[Any]:
    """A history whose AI tool call has `args`, answered."""
    return [
        HumanMessage("x"),
        AIMessage("", tool_calls=[_call("c1", args)]),
        ToolMessage("ok", tool_call_id="c1"),
    ]


def _nested_schema(depth: int) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string"}
    for _ in range(depth):
        schema = {"type": "object", "properties": {"a": schema}}
    return schema


Entry = Callable[[Any, Any], Any]


async def _adrain(llm: Any, arg: Any) -> list[Any]:
    return [chunk async for chunk in llm.astream(arg)]


ENTRIES: dict[str, Entry] = {
    "invoke": lambda llm, arg: llm.invoke(arg),
    "stream": lambda llm, arg: list(llm.stream(arg)),
    "ainvoke": lambda llm, arg: asyncio.run(llm.ainvoke(arg)),
    "astream": lambda llm, arg: asyncio.run(_adrain(llm, arg)),
}

Setup = Callable[[Any], tuple[Any, Any]]
"""llm -> (the runnable to call, its input)."""

BEFORE_SENDING: dict[str, tuple[Setup, str]] = {
    "NaN in tool-call arguments": (
        lambda llm: (llm, _answered({"x": float("nan")})),
        r"arguments of tool call 'c1' \(f\) at \$\.x: nan is not a JSON number",
    ),
    "Infinity nested in tool-call arguments": (
        lambda llm: (llm, _answered({"xs": [1.0, {"y": float("-inf")}]})),
        r"tool call 'c1' \(f\) at \$\.xs\[1\]\.y: -inf",
    ),
    "Infinity in a tool schema": (
        lambda llm: (
            llm.bind_tools(
                [
                    _tool(
                        "f",
                        {
                            "type": "object",
                            "properties": {
                                "x": {"type": "number", "maximum": float("inf")}
                            },
                        },
                    )
                ]
            ),
            "x",
        ),
        r"parameters schema of tool 'f' at \$\.properties\.x\.maximum: inf",
    ),
    "NaN in a response schema": (
        lambda llm: (
            llm.bind(response_schema={"type": "number", "minimum": float("nan")}),
            "x",
        ),
        r"response_schema at \$\.minimum: nan",
    ),
    "a lone surrogate in an option no list names": (
        lambda llm: (
            llm.bind(safety_settings={"HARM_CATEGORY_HARASSMENT": "BLOCK\udc80"}),
            "x",
        ),
        r"safety_settings at \$\[0\]\[1\]: the text holds a lone surrogate",
    ),
    "a set in tool-call arguments": (
        lambda llm: (llm, _answered({"tags": {"a", "b"}})),
        r"tool call 'c1' \(f\) at \$\.tags: a value of type set is not "
        "JSON-serialisable",
    ),
    "a non-string key in tool-call arguments": (
        lambda llm: (llm, _answered({"m": {1: "one"}})),
        r"tool call .c1. \(f\) at \$\.m: object key 1 is not a string",
    ),
    "a tool schema nested 1,000 deep": (
        lambda llm: (
            llm.bind_tools(
                [
                    _tool(
                        "f",
                        {"type": "object", "properties": {"a": _nested_schema(1000)}},
                    )
                ]
            ),
            "x",
        ),
        r"parameters schema of tool 'f' at .*nested deeper than 100 levels",
    ),
    "tool-call arguments nested 1,000 deep": (
        lambda llm: (llm, _answered({"a": _nested_schema(1000)})),
        r"tool call 'c1' \(f\) at .*nested deeper than 100 levels",
    ),
    "a lone surrogate in a prompt": (
        lambda llm: (llm, "bad \ud800 text"),
        r"lone surrogate '\\ud800' at position 4",
    ),
    "a lone surrogate in a system message": (
        lambda llm: (llm, [SystemMessage("\udfff"), HumanMessage("x")]),
        r"system message text 0: .*lone surrogate",
    ),
    "a lone surrogate in tool-call arguments": (
        lambda llm: (llm, _answered({"q": "a\udc80"})),
        r"tool call 'c1' \(f\) at \$\.q: .*lone surrogate",
    ),
    "a lone surrogate in a tool result": (
        lambda llm: (
            llm,
            [
                HumanMessage("x"),
                AIMessage("", tool_calls=[_call("c1", {})]),
                ToolMessage("r\ud800", tool_call_id="c1"),
            ],
        ),
        r"result of tool call 'c1': .*lone surrogate",
    ),
    "bytes text that is not UTF-8": (
        lambda llm: (llm, [HumanMessage([{"type": "text", "text": b"\xff\xfe"}])]),
        r"block 0: text given as bytes is not valid UTF-8",
    ),
    "a system message alone": (
        lambda llm: (llm, [SystemMessage("be brief")]),
        r"nothing to send but system instructions",
    ),
    "an AI tool call left unanswered before the next user message": (
        lambda llm: (
            llm,
            [
                HumanMessage("x"),
                AIMessage("", tool_calls=[_call("call_7", {})]),
                HumanMessage("never mind"),
            ],
        ),
        r"tool call 'call_7' \(f\) has no answer: .* followed by a user message",
    ),
    "two tool calls, one answer": (
        lambda llm: (
            llm,
            [
                HumanMessage("x"),
                AIMessage("", tool_calls=[_call("c1", {}), _call("c2", {})]),
                ToolMessage("1", tool_call_id="c1"),
            ],
        ),
        r"tool call 'c2' \(f\) has no answer",
    ),
    "one tool call, two answers": (
        lambda llm: (
            llm,
            [
                HumanMessage("x"),
                AIMessage("", tool_calls=[_call("c1", {})]),
                ToolMessage("1", tool_call_id="c1"),
                ToolMessage("2", tool_call_id="c1"),
            ],
        ),
        r"tool call 'c1' is answered by more than one ToolMessage",
    ),
    "a tool answer after another message": (
        lambda llm: (
            llm,
            [
                HumanMessage("x"),
                AIMessage("", tool_calls=[_call("c1", {})]),
                ToolMessage("1", tool_call_id="c1"),
                HumanMessage("y"),
                ToolMessage("late", tool_call_id="c1"),
            ],
        ),
        r"ToolMessage for tool call 'c1' does not directly follow",
    ),
}


@pytest.mark.parametrize(
    ("case", "route", "entry"), turns(BEFORE_SENDING, ROUTES, ENTRIES)
)
def test_unsendable_input_is_rejected_before_sending(
    hub: AiHubMixEmulator, route: str, case: str, entry: str
) -> None:
    """Each case once; routes and entry points take turns (the checks run before
    the route is chosen, the same for every entry point)."""
    setup, message = BEFORE_SENDING[case]
    runnable, arg = setup(make_llm(hub, route, max_retries=0))
    with pytest.raises(InvalidInputError, match=message):
        ENTRIES[entry](runnable, arg)
    assert hub.requests == []


@pytest.mark.parametrize("entry", ENTRIES)
@pytest.mark.parametrize("route", ROUTES)
def test_bytes_text_is_sent_as_utf8_text(
    hub: AiHubMixEmulator, route: str, entry: str
) -> None:
    llm = make_llm(hub, route)
    ENTRIES[entry](llm, [HumanMessage([{"type": "text", "text": "héllo".encode()}])])
    body = hub.requests[-1].body
    if route == "native":
        assert body["contents"][-1]["parts"] == [{"text": "héllo"}]
    else:
        assert body["messages"][-1]["content"] in (
            "héllo",
            [{"type": "text", "text": "héllo"}],
        )


@pytest.mark.parametrize("entry", ENTRIES)
@pytest.mark.parametrize("route", ROUTES)
def test_history_may_end_with_unanswered_tool_calls(
    hub: AiHubMixEmulator, route: str, entry: str
) -> None:
    """A paused agent's history (its last AI message's calls not yet answered) is
    sent as is: nothing follows the calls, so no rule is broken yet."""
    llm = make_llm(hub, route)
    history = [
        HumanMessage("x"),
        AIMessage("", tool_calls=[_call("c1", {"x": 1}), _call("c2", {"x": 2.5})]),
    ]
    ENTRIES[entry](llm, history)
    body = hub.requests[-1].body
    if route == "native":
        calls = [p["functionCall"] for p in body["contents"][-1]["parts"]]
        assert [(c["id"], c["args"]) for c in calls] == [
            ("c1", {"x": 1}),
            ("c2", {"x": 2.5}),
        ]
    else:
        calls = body["messages"][-1]["tool_calls"]
        assert [(c["id"], json.loads(c["function"]["arguments"])) for c in calls] == [
            ("c1", {"x": 1}),
            ("c2", {"x": 2.5}),
        ]


@pytest.mark.parametrize("route", ROUTES)
def test_tool_result_text_with_nan_is_sent_as_text(
    hub: AiHubMixEmulator, route: str
) -> None:
    """Tool output that only looks like JSON (`NaN`) is sent as its text, which is
    valid on the wire, never parsed into a value that is not."""
    make_llm(hub, route).invoke(
        [
            HumanMessage("x"),
            AIMessage("", tool_calls=[_call("c1", {})]),
            ToolMessage('{"v": NaN}', tool_call_id="c1"),
        ]
    )
    body = hub.requests[-1].body
    if route == "native":
        response = body["contents"][-1]["parts"][0]["functionResponse"]["response"]
        assert response == {"result": '{"v": NaN}'}
    else:
        assert body["messages"][-1]["content"] == '{"v": NaN}'
