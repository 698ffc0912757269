"""Conversation and CallOptions to the native request, checked on the wire body."""

from __future__ import annotations

import base64
from typing import Any

import pytest
import yaml
from google.genai import types
from langchain_core.messages import (
    AIMessageChunk,
    HumanMessage,
    message_chunk_to_message,
)

from langchain_aihubmix._input.conversation import (
    SKIP_SIGNATURE_SENTINEL,
    CodePart,
    CodeResultPart,
    Conversation,
    MediaPart,
    ReasoningPart,
    TextPart,
    ToolCallPart,
    ToolResultPart,
    Turn,
)
from langchain_aihubmix._input.from_messages import messages_to_conversation
from langchain_aihubmix._native.request import (
    conversation_to_contents,
    options_to_config,
    signature_bytes,
)
from langchain_aihubmix._options.call_options import (
    BuiltinTool,
    CallOptions,
    FunctionTool,
    ToolChoice,
)
from tests.unit_tests.native_wire import wire_body
from tests.unit_tests.recorded import RECORDED
from tests.unit_tests.test_native_response import CASES, _raw_events, _raw_parts

G3 = "gemini-3-pro-preview"
G25 = "gemini-2.5-flash"
# A real signature Google sent (standard base64, with + and /).
SIG = "EjQKMgERTTIPN10h3l8gol5CPOBIpGm8SNd11nFIygg8WyB4t9Ju+M8bngWZHD6D3AqRkw+0"


def _wire(
    conv: Conversation, model: str = G3, opts: CallOptions | None = None
) -> dict[str, Any]:
    contents, system = conversation_to_contents(conv, model=model)
    config = options_to_config(opts or CallOptions(model=model), system)
    return wire_body(contents, config, model)


def _user(text: str = "hi") -> Turn:
    return Turn("user", [TextPart(text)])


def test_every_part_kind_on_the_wire() -> None:
    conv = Conversation(
        system=["Be terse.", "Be kind."],
        turns=[
            Turn(
                "user",
                [
                    TextPart("look"),
                    MediaPart("image/png", data=b"\x89PNG"),
                    MediaPart("application/pdf", uri="https://example.com/a.pdf"),
                ],
            ),
            Turn(
                "model",
                [
                    ReasoningPart("hmm", signature=SIG),
                    CodePart("print(1)", id="c1", signature=SIG),
                    CodeResultPart("1\n", outcome="OUTCOME_FAILED", id="c1"),
                    MediaPart("image/jpeg", data=b"\x00", signature=SIG),
                    TextPart("done", signature=SIG),
                    ToolCallPart("abc", "f", {"x": 1}, signature=SIG),
                ],
            ),
            Turn("tool", [ToolResultPart("abc", "f", {"ok": True})]),
        ],
    )
    body = _wire(conv)
    wire_sig = base64.urlsafe_b64encode(base64.b64decode(SIG)).decode()
    assert body["systemInstruction"] == {
        "parts": [{"text": "Be terse."}, {"text": "Be kind."}],
        "role": "user",
    }
    user, model, tool = body["contents"]
    assert user == {
        "role": "user",
        "parts": [
            {"text": "look"},
            {
                "inlineData": {
                    "mime_type": "image/png",
                    "data": base64.urlsafe_b64encode(b"\x89PNG").decode(),
                }
            },
            {
                "fileData": {
                    "file_uri": "https://example.com/a.pdf",
                    "mime_type": "application/pdf",
                }
            },
        ],
    }
    assert model == {
        "role": "model",
        "parts": [
            {"text": "hmm", "thought": True, "thoughtSignature": wire_sig},
            {
                "executableCode": {
                    "code": "print(1)",
                    "language": "PYTHON",
                    "id": "c1",
                },
                "thoughtSignature": wire_sig,
            },
            {
                "codeExecutionResult": {
                    "output": "1\n",
                    "outcome": "OUTCOME_FAILED",
                    "id": "c1",
                }
            },
            {
                "inlineData": {"mime_type": "image/jpeg", "data": "AA=="},
                "thoughtSignature": wire_sig,
            },
            {"text": "done", "thoughtSignature": wire_sig},
            {
                "functionCall": {"id": "abc", "name": "f", "args": {"x": 1}},
                "thoughtSignature": wire_sig,
            },
        ],
    }
    assert tool == {
        "role": "user",
        "parts": [
            {"functionResponse": {"id": "abc", "name": "f", "response": {"ok": True}}}
        ],
    }


def test_signature_bytes_round_trip_as_google_accepted() -> None:
    """pydantic-ai cassette: Google sent standard b64, accepted the URL-safe echo."""
    name = "pydantic-ai/test_google_streaming_tool_call_thought_signature.yaml"
    cassette = yaml.safe_load((RECORDED / name).read_text())
    body = cassette["interactions"][0]["response"]["body"]["string"]
    sent = body.split('"thoughtSignature": "')[1].split('"')[0]
    echoed = cassette["interactions"][1]["request"]["parsed_body"]["contents"][1][
        "parts"
    ][0]["thoughtSignature"]
    conv = Conversation(
        turns=[
            _user(),
            Turn("model", [ToolCallPart("lc_0123", "get_country", {}, signature=sent)]),
        ]
    )
    part = _wire(conv)["contents"][1]["parts"][0]
    assert part["thoughtSignature"] == echoed  # byte-identical to the accepted echo
    assert base64.urlsafe_b64decode(part["thoughtSignature"]) == base64.b64decode(sent)
    assert signature_bytes(echoed) == signature_bytes(sent) == base64.b64decode(sent)


@pytest.mark.parametrize(
    "signature",
    [SKIP_SIGNATURE_SENTINEL, "context_engineering_is_the_way_to_go", "not base64!"],
)
def test_sentinels_and_non_base64_signatures_go_verbatim(signature: str) -> None:
    conv = Conversation(
        turns=[
            _user(),
            Turn(
                "model",
                [
                    TextPart("a", signature=signature),
                    ToolCallPart("lc_1", "f", {}, signature=signature),
                ],
            ),
        ]
    )
    contents, _ = conversation_to_contents(conv, model=G3)
    dumped = contents[1].model_dump(mode="json", exclude_none=True, warnings=False)
    assert [p["thought_signature"] for p in dumped["parts"]] == [signature] * 2
    parts = _wire(conv)["contents"][1]["parts"]
    assert [p["thoughtSignature"] for p in parts] == [signature] * 2


def test_unpadded_and_url_safe_signatures_decode() -> None:
    raw = bytes(range(7))
    standard = base64.b64encode(raw).decode()
    assert signature_bytes(standard.rstrip("=")) == raw
    assert signature_bytes(base64.urlsafe_b64encode(raw).decode()) == raw


def _signatures(body: dict[str, Any]) -> list[list[str | None]]:
    return [
        [p.get("thoughtSignature") for p in c["parts"] if "functionCall" in p]
        for c in body["contents"]
        if c["role"] == "model"
    ]


def _agent_loop() -> Conversation:
    """Old turn with calls; current turn: two steps, the first with parallel calls."""
    return Conversation(
        turns=[
            _user("first question"),
            Turn("model", [ToolCallPart("old", "f", {})]),
            Turn("tool", [ToolResultPart("old", "f", "r")]),
            Turn("model", [TextPart("old answer")]),
            _user("second question"),
            Turn(
                "model",
                [
                    TextPart("Let me check."),
                    ToolCallPart("a", "f", {}),
                    ToolCallPart("b", "g", {}),
                ],
            ),
            Turn("tool", [ToolResultPart("a", "f", 1), ToolResultPart("b", "g", 2)]),
            Turn(
                "model",
                [ToolCallPart("c", "f", {}, signature=SIG), ToolCallPart("d", "g", {})],
            ),
            Turn("tool", [ToolResultPart("c", "f", 3), ToolResultPart("d", "g", 4)]),
        ]
    )


def test_gemini3_sentinel_only_on_first_call_of_each_current_step() -> None:
    wire_sig = base64.urlsafe_b64encode(base64.b64decode(SIG)).decode()
    assert _signatures(_wire(_agent_loop(), G3)) == [
        [None],  # earlier turn: not validated, left alone
        [],
        [SKIP_SIGNATURE_SENTINEL, None],  # parallel: only the first call
        [wire_sig, None],  # already signed: kept
    ]


def test_no_sentinel_for_gemini_25() -> None:
    assert _signatures(_wire(_agent_loop(), G25)) == [
        [None],
        [],
        [None, None],
        [base64.urlsafe_b64encode(base64.b64decode(SIG)).decode(), None],
    ]


def test_synthetic_ids_are_never_sent() -> None:
    conv = Conversation(
        turns=[
            _user(),
            Turn(
                "model",
                [
                    ToolCallPart("lc_abc", "f", {}),
                    ToolCallPart("srv1", "g", {}),
                    CodePart("x", id="lc_code"),
                    CodeResultPart("y", id="lc_code"),
                ],
            ),
            Turn(
                "tool",
                [ToolResultPart("lc_abc", "f", "r"), ToolResultPart("srv1", "g", "r")],
            ),
        ]
    )
    model, tool = _wire(conv)["contents"][1:]
    assert "id" not in model["parts"][0]["functionCall"]
    assert model["parts"][1]["functionCall"]["id"] == "srv1"
    assert "id" not in model["parts"][2]["executableCode"]
    assert "id" not in model["parts"][3]["codeExecutionResult"]
    assert "id" not in tool["parts"][0]["functionResponse"]
    assert tool["parts"][1]["functionResponse"]["id"] == "srv1"


@pytest.mark.parametrize(
    ("content", "is_error", "response"),
    [
        ({"temp": 20}, False, {"temp": 20}),
        ("sunny", False, {"result": "sunny"}),
        ([1, 2], False, {"result": [1, 2]}),
        ("boom", True, {"error": "boom"}),
        ({"code": 500}, True, {"error": {"code": 500}}),
    ],
)
def test_function_response_shapes(content: Any, is_error: bool, response: Any) -> None:
    conv = Conversation(
        turns=[
            _user(),
            Turn("model", [ToolCallPart("i1", "f", {})]),
            Turn("tool", [ToolResultPart("i1", "f", content, is_error=is_error)]),
        ]
    )
    part = _wire(conv)["contents"][2]["parts"][0]
    assert part == {"functionResponse": {"id": "i1", "name": "f", "response": response}}


def test_tool_media_nested_for_gemini3_after_for_older() -> None:
    media = (
        MediaPart("image/png", data=b"img"),
        MediaPart("application/pdf", uri="gs://b/x.pdf"),
    )
    conv = Conversation(
        turns=[
            _user(),
            Turn("model", [ToolCallPart("i1", "f", {})]),
            Turn("tool", [ToolResultPart("i1", "f", "see", media)]),
        ]
    )
    (g3,) = _wire(conv, G3)["contents"][2]["parts"]
    # The SDK passes nested function-response parts through in snake_case, which
    # Google's JSON parser accepts (wire-notes 2.3).
    assert g3["functionResponse"]["parts"] == [
        {
            "inline_data": {
                "mime_type": "image/png",
                "data": base64.urlsafe_b64encode(b"img").decode(),
            }
        },
        {"file_data": {"file_uri": "gs://b/x.pdf", "mime_type": "application/pdf"}},
    ]
    g25 = _wire(conv, G25)["contents"][2]["parts"]
    kinds = [next(iter(p)) for p in g25]
    assert kinds == ["functionResponse", "inlineData", "fileData"]
    assert "parts" not in g25[0]["functionResponse"]


def test_empty_turns_are_not_sent_and_nothing_merges() -> None:
    conv = Conversation(turns=[_user("a"), Turn("model", []), _user("b")])
    assert _wire(conv)["contents"] == [
        {"role": "user", "parts": [{"text": "a"}]},
        {"role": "user", "parts": [{"text": "b"}]},
    ]
    contents, system = conversation_to_contents(Conversation(), model=G3)
    assert contents == [] and system is None


def test_unset_options_send_nothing() -> None:
    body = _wire(Conversation(turns=[_user()]))  # no config, as the raw SDK's
    assert body == {"contents": [{"role": "user", "parts": [{"text": "hi"}]}]}
    assert options_to_config(CallOptions(model=G3), None) is None


def config_tools(opts: CallOptions) -> list[str]:
    """Our own tool order (field names), before the SDK touches it."""
    config = options_to_config(opts, None)
    return [
        next(iter(t.model_dump(exclude_none=True, by_alias=True)))  # type: ignore[union-attr]
        for t in config.tools or ()
    ]


def test_every_option_on_the_wire() -> None:
    opts = CallOptions(
        model=G3,
        temperature=0.2,
        top_p=0.9,
        top_k=40,
        max_output_tokens=256,
        stop=("END",),
        seed=7,
        presence_penalty=0.1,
        frequency_penalty=0.2,
        n=2,
        response_schema={"type": "object"},
        safety_settings=(("HARM_CATEGORY_HARASSMENT", "BLOCK_NONE"),),
        media_resolution="MEDIA_RESOLUTION_LOW",
        response_modalities=("TEXT", "IMAGE"),
        image_config={"aspect_ratio": "16:9", "image_size": "4K"},
        cached_content="cachedContents/abc",
        include_thoughts=True,
        thinking_level="low",
        tools=(
            BuiltinTool("code_execution"),
            FunctionTool("f", "d", {"type": "object"}),
            BuiltinTool("google_search"),
            FunctionTool("g", "e", {}),
            BuiltinTool("url_context"),
        ),
        tool_choice=ToolChoice("any", ("f",)),
    )
    body = _wire(Conversation(turns=[_user()]), opts=opts)
    assert body["generationConfig"] == {
        "temperature": 0.2,
        "topP": 0.9,
        "topK": 40.0,
        "maxOutputTokens": 256,
        "stopSequences": ["END"],
        "seed": 7,
        "presencePenalty": 0.1,
        "frequencyPenalty": 0.2,
        "candidateCount": 2,
        "responseMimeType": "application/json",
        "responseJsonSchema": {"type": "object"},
        "mediaResolution": "MEDIA_RESOLUTION_LOW",
        "responseModalities": ["TEXT", "IMAGE"],
        "imageConfig": {"aspectRatio": "16:9", "imageSize": "4K"},
        "thinkingConfig": {"include_thoughts": True, "thinking_level": "LOW"},
    }
    assert body["safetySettings"] == [
        {"category": "HARM_CATEGORY_HARASSMENT", "threshold": "BLOCK_NONE"}
    ]
    assert body["cachedContent"] == "cachedContents/abc"
    assert body["tools"] == [
        {"codeExecution": {}},
        {"googleSearch": {}},
        {"urlContext": {}},
        {
            "functionDeclarations": [
                {
                    "name": "f",
                    "description": "d",
                    "parameters_json_schema": {"type": "object"},
                },
                {"name": "g", "description": "e", "parameters_json_schema": {}},
            ]
        },
    ]
    assert config_tools(opts) == [next(iter(t)) for t in body["tools"]]
    assert body["toolConfig"] == {
        "functionCallingConfig": {"mode": "ANY", "allowedFunctionNames": ["f"]},
        # Gemini 3 with Google Search and functions: the server's runs come back
        "includeServerSideToolInvocations": True,
    }


@pytest.mark.parametrize(
    ("choice", "expected"),
    [
        (ToolChoice("auto", ("f",)), {"mode": "AUTO"}),
        (ToolChoice("none"), {"mode": "NONE"}),
        (ToolChoice("any"), {"mode": "ANY"}),
    ],
)
def test_tool_choice(choice: ToolChoice, expected: dict[str, Any]) -> None:
    config = options_to_config(CallOptions(model=G3, tool_choice=choice), None)
    body = wire_body([types.Content(role="user", parts=[types.Part(text="x")])], config)
    assert body["toolConfig"] == {"functionCallingConfig": expected}


@pytest.mark.parametrize(
    ("opts", "thinking"),
    [
        (
            CallOptions(model=G25, thinking_budget=1024, include_thoughts=True),
            {"thinking_budget": 1024, "include_thoughts": True},
        ),
        (CallOptions(model=G25, thinking_level="none"), {"thinking_budget": 0}),
        (
            CallOptions(model=G3, thinking_level="minimal"),
            {"thinking_level": "MINIMAL"},
        ),
        (CallOptions(model=G3, include_thoughts=False), {"include_thoughts": False}),
    ],
)
def test_thinking_config(opts: CallOptions, thinking: dict[str, Any]) -> None:
    body = wire_body(
        [types.Content(role="user", parts=[types.Part(text="x")])],
        options_to_config(opts, None),
    )
    assert body["generationConfig"] == {"thinkingConfig": thinking}


def test_explicit_mime_type_wins_and_extra_body_is_merged() -> None:
    opts = CallOptions(
        model=G3,
        response_mime_type="text/x.enum",
        response_schema={"enum": ["a"]},
        extra_body={"serviceTier": "flex"},
    )
    config = options_to_config(opts, None)
    assert config.response_mime_type == "text/x.enum"
    assert config.automatic_function_calling is not None
    assert config.automatic_function_calling.disable is True
    # extra_body is merged by the SDK's HTTP layer (below the captured request).
    assert config.http_options is not None
    assert config.http_options.extra_body == {"serviceTier": "flex"}
    body = wire_body([types.Content(role="user", parts=[types.Part(text="x")])], config)
    assert "utomatic" not in str(body)


def _replay_view(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """What must survive a round trip, from wire-shaped parts (camelCase)."""

    def sig(p: dict[str, Any]) -> bytes | None:
        s = p.get("thoughtSignature")
        return None if s is None else signature_bytes(s)  # type: ignore[return-value]

    return {
        "text": "".join(p.get("text", "") for p in parts if not p.get("thought")),
        "thoughts": "".join(p.get("text", "") for p in parts if p.get("thought")),
        "signatures": [sig(p) for p in parts if sig(p) is not None],
        "calls": [
            (
                p["functionCall"].get("id"),
                p["functionCall"]["name"],
                p["functionCall"].get("args") or {},
            )
            for p in parts
            if "functionCall" in p
        ],
        "code": [p["executableCode"]["code"] for p in parts if "executableCode" in p],
        "results": [
            (
                p["codeExecutionResult"]["outcome"],
                p["codeExecutionResult"].get("output"),
            )
            for p in parts
            if "codeExecutionResult" in p
        ],
        "images": [p["inlineData"]["data"] for p in parts if "inlineData" in p],
    }


def _roundtrip_cases() -> list[str]:
    return sorted(k for k, m in CASES.items() if m.content or m.tool_calls)


@pytest.mark.parametrize("fixture_id", _roundtrip_cases())
def test_response_replays_through_history(fixture_id: str) -> None:
    """response -> AIMessage -> history -> request: same parts and signatures."""
    message = CASES[fixture_id]
    if isinstance(message, AIMessageChunk):
        message = message_chunk_to_message(message)
    conv = messages_to_conversation([HumanMessage("q"), message])
    model = message.response_metadata["model_name"]
    body = wire_body(*conversation_to_contents(conv, model=model)[:1], model=G3)
    (_, replayed) = body["contents"]
    raw = [dict(p) for p in _raw_parts(_raw_events(fixture_id))]
    streamed_args = any("partialArgs" in p.get("functionCall", {}) for p in raw)
    for p in raw:  # ids we never send; wire shape uses the URL-safe alphabet
        call = p.get("functionCall")
        if call is not None:
            p["functionCall"] = {k: v for k, v in call.items() if k != "willContinue"}
            if "partialArgs" in call or "name" not in call:
                p.pop("functionCall")
    expected = _replay_view(raw)
    if streamed_args or fixture_id.endswith("no-args-tool-call.chunks.txt"):
        expected["calls"] = [(None, c["name"], c["args"]) for c in message.tool_calls]
    assert _replay_view(replayed["parts"]) == expected
