"""Gemini 3 tool combination: built-in tools with function tools, over HTTP.

With Google Search and a function bound on a Gemini 3 model, the request asks for
server-side tool invocations; the server's runs come back as `toolCall` /
`toolResponse` parts, which map to standard `server_tool_call` /
`server_tool_result` blocks and are replayed, signatures included, in the next turn
(the emulator rejects a replayed run without its signature or its response).
"""

from __future__ import annotations

import base64
import json
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import HumanMessage, ToolMessage

from langchain_aihubmix.errors import AiHubMixError, InvalidInputError
from langchain_aihubmix.testing import AiHubMixEmulator
from tests.integration_tests.sample_tools import get_weather
from tests.support import ENTRIES, Entry, make_llm, run

FIXTURE = (
    Path(__file__).parents[1]
    / "fixtures"
    / "recorded"
    / "reconstructed"
    / "gemini-3-server-side-tool-invocations.json"
)
G3 = "gemini-3-flash-preview"
SEARCH = {"google_search": {}}
QUESTION = "What is the northernmost US city? Use get_weather for its weather."


_llm = partial(make_llm, model=G3, max_retries=0)


def _sig_bytes(text: str) -> bytes:
    """A signature as bytes, whichever base64 alphabet carried it."""
    return base64.urlsafe_b64decode(text.replace("+", "-").replace("/", "_"))


def _get(obj: dict[str, Any], camel: str) -> Any:
    """A wire field in either spelling (the SDK nests some objects snake_case)."""
    snake = "".join("_" + c.lower() if c.isupper() else c for c in camel)
    return obj.get(camel, obj.get(snake))


@pytest.mark.parametrize("entry", ENTRIES)
def test_recorded_server_tool_parts_map_to_standard_blocks(
    hub: AiHubMixEmulator, entry: Entry
) -> None:
    """The reconstructed response: toolCall, toolResponse, text, functionCall."""
    raw = json.loads(FIXTURE.read_text())
    hub.queue(native=raw)
    message = run(
        _llm(hub).bind_tools([get_weather, SEARCH]), entry, [HumanMessage("q")]
    )
    parts = raw["candidates"][0]["content"]["parts"]
    call, response = parts[0]["toolCall"], parts[1]["toolResponse"]
    assert message.content == [
        {
            "type": "server_tool_call",
            "id": call["id"],
            "name": "google_search_web",
            "args": call["args"],
            "extras": {
                "tool_type": call["toolType"],
                "signature": parts[0]["thoughtSignature"],
            },
            "index": 0,
        },
        {
            "type": "server_tool_result",
            "tool_call_id": response["id"],
            "status": "success",
            "output": response["response"],
            "extras": {"tool_type": response["toolType"]},
            "index": 1,
        },
        {"type": "text", "text": parts[2]["text"], "index": 2},
    ]
    fc = parts[3]["functionCall"]
    assert [(c["name"], c["args"], c["id"]) for c in message.tool_calls] == [
        (fc["name"], fc["args"], fc["id"])
    ]
    sigs = message.additional_kwargs["__gemini_function_call_thought_signatures__"]
    assert sigs == {fc["id"]: parts[3]["thoughtSignature"]}
    usage = raw["usageMetadata"]
    assert message.usage_metadata is not None
    assert message.usage_metadata["input_tokens"] == (
        usage["promptTokenCount"] + usage["toolUsePromptTokenCount"]
    )
    assert message.text == parts[2]["text"]
    assert message.response_metadata["grounding_metadata"]["web_search_queries"] == [
        "northernmost city in the United States"
    ]


@pytest.mark.parametrize("entry", ENTRIES)
def test_combined_tools_loop_replays_server_runs_with_signatures(
    hub: AiHubMixEmulator, entry: Entry
) -> None:
    llm = _llm(hub).bind_tools([get_weather, SEARCH])
    question = HumanMessage(QUESTION)
    first = run(llm, entry, [question])
    sent = hub.requests[-1].body
    assert _get(sent, "toolConfig") == {"includeServerSideToolInvocations": True}
    kinds = [b["type"] for b in first.content if isinstance(b, dict)]
    assert kinds[:2] == ["server_tool_call", "server_tool_result"]
    assert [c["name"] for c in first.tool_calls] == ["get_weather"]
    server_call = first.content[0]
    assert isinstance(server_call, dict)
    assert server_call["extras"]["signature"]  # the emulator checks it on replay

    result = ToolMessage("cold", tool_call_id=first.tool_calls[0]["id"])
    second = run(llm, entry, [question, first, result])
    assert second.text == "get_weather returned cold."
    replayed = hub.requests[-1].body["contents"][1]["parts"]
    call_part, response_part = replayed[0], replayed[1]
    call = _get(call_part, "toolCall")
    assert call["id"] == server_call["id"]
    assert _get(call, "toolType") == "GOOGLE_SEARCH_WEB"
    assert call["args"] == server_call["args"]
    assert _sig_bytes(call_part["thoughtSignature"]) == _sig_bytes(
        server_call["extras"]["signature"]
    )
    response = _get(response_part, "toolResponse")
    assert response["id"] == server_call["id"]
    assert response["response"] == first.content[1]["output"]  # type: ignore[index]
    assert _get(replayed[-1], "functionCall")["name"] == "get_weather"


@pytest.mark.parametrize(
    ("model", "tools", "flag"),
    [
        (G3, [get_weather, SEARCH], True),
        (G3, [get_weather, {"url_context": {}}], True),
        (G3, [SEARCH], None),
        (G3, [get_weather], None),
        (G3, [get_weather, {"code_execution": {}}], None),
        ("gemini-2.5-flash", [get_weather, SEARCH], None),
    ],
    ids=["search+fn", "url+fn", "search only", "fn only", "code+fn", "2.5"],
)
def test_server_side_invocations_requested_only_when_combined(
    hub: AiHubMixEmulator, model: str, tools: list[Any], flag: bool | None
) -> None:
    _llm(hub, model=model).bind_tools(tools).invoke("Hello")
    config = _get(hub.requests[-1].body, "toolConfig") or {}
    assert _get(config, "includeServerSideToolInvocations") is flag


def test_replayed_run_without_signature_is_rejected_by_the_gateway(
    hub: AiHubMixEmulator,
) -> None:
    """What the replay protects against: the emulator, like Gemini, refuses it."""
    llm = _llm(hub).bind_tools([get_weather, SEARCH])
    question = HumanMessage(QUESTION)
    first = llm.invoke([question])
    blocks = [dict(b) for b in first.content if isinstance(b, dict)]
    blocks[0]["extras"] = {"tool_type": "GOOGLE_SEARCH_WEB"}  # signature dropped
    stripped = first.model_copy(update={"content": blocks})
    result = ToolMessage("cold", tool_call_id=first.tool_calls[0]["id"])
    with pytest.raises(AiHubMixError, match="thought_signature"):
        llm.invoke([question, stripped, result])


def test_openai_route_rejects_built_in_tools_before_sending(
    hub: AiHubMixEmulator,
) -> None:
    """Tool combination is native-only: Google Search with function tools needs
    Gemini 3's server-side tool invocations, which /v1 has no form for."""
    with pytest.raises(InvalidInputError, match="google_search' with function tools"):
        _llm(hub, transport="openai").bind_tools([get_weather, SEARCH]).invoke("q")
    assert hub.requests == []


def test_openai_route_history_leaves_server_runs_out(hub: AiHubMixEmulator) -> None:
    """A native answer with server runs, continued on the OpenAI route: the runs
    have no form there and are left out; their signature is not moved elsewhere."""
    question = HumanMessage(QUESTION)
    first = _llm(hub).bind_tools([get_weather, SEARCH]).invoke([question])
    server_call = first.content[0]
    assert isinstance(server_call, dict)
    assert server_call["type"] == "server_tool_call"
    result = ToolMessage("cold", tool_call_id=first.tool_calls[0]["id"])
    llm = _llm(hub, transport="openai").bind_tools([get_weather])
    second = llm.invoke([question, first, result])
    assert second.text == "get_weather returned cold."
    assistant = hub.requests[-1].body["messages"][1]
    assert [c["function"]["name"] for c in assistant["tool_calls"]] == ["get_weather"]
    sent = json.dumps(assistant)
    assert server_call["extras"]["signature"] not in sent
    assert server_call["id"] not in sent
