"""The emulator rejects what Gemini rejects (issue 17): tool results that do not
answer their calls in order, unsigned image-model history, modalities a model lacks;
and it serves TTS audio and the malformed / unexpected / empty replies on request."""

from __future__ import annotations

import base64
import json
import math
from typing import Any

import httpx
import pytest

from langchain_aihubmix.testing import AiHubMixEmulator, ReplyKind

FLASH, G3, G37 = "gemini-2.5-flash", "gemini-3-flash-preview", "gemini-3.7-flash"
IMAGE, TTS = "gemini-3-pro-image-preview", "gemini-2.5-flash-preview-tts"
INVALID = "Request contains an invalid argument."
RESPONSE_COUNT = (  # Gemini's texts (google-gemini/gemini-cli#16415, langchain#27799)
    "Please ensure that the number of function response parts is equal to the number "
    "of function call parts of the function call turn."
)
RESPONSE_PLACE = (
    "Please ensure that function response turn comes immediately after a function "
    "call turn."
)
RATE = 24_000
SKIP = "skip_thought_signature_validator"
WEATHER = {"type": "object", "properties": {"city": {"type": "string"}}}
NATIVE_TOOLS = [
    {
        "functionDeclarations": [
            {"name": "get_weather", "parametersJsonSchema": WEATHER},
            {"name": "get_time", "parametersJsonSchema": WEATHER},
        ]
    }
]
OPENAI_TOOLS = [
    {"type": "function", "function": {"name": n, "parameters": WEATHER}}
    for n in ("get_weather", "get_time")
]


def user(text: str) -> dict[str, Any]:
    return {"role": "user", "parts": [{"text": text}]}


def call(name: str, id_: str | None = None, sig: str | None = SKIP) -> dict[str, Any]:
    part: dict[str, Any] = {"functionCall": {"name": name, "args": {}}}
    if id_:
        part["functionCall"]["id"] = id_
    if sig:
        part["thoughtSignature"] = sig
    return part


def answer(name: str, id_: str | None = None) -> dict[str, Any]:
    response: dict[str, Any] = {"name": name, "response": {"result": f"{name} ok"}}
    return {"functionResponse": {**response, **({"id": id_} if id_ else {})}}


@pytest.fixture
def native(hub: AiHubMixEmulator) -> Any:
    client = httpx.Client(
        base_url=hub.base_url + "/gemini/v1beta/models",
        headers={"x-goog-api-key": hub.api_key},
        timeout=10,
    )

    def post(model: str, body: dict[str, Any], stream: bool = False) -> Any:
        if not stream:
            return client.post(f"/{model}:generateContent", json=body)
        r = client.post(f"/{model}:streamGenerateContent?alt=sse", json=body)
        assert r.status_code == 200, r.text
        return [json.loads(e[6:]) for e in r.text.split("\r\n\r\n") if e]

    return post


@pytest.fixture
def openai(hub: AiHubMixEmulator) -> Any:
    client = httpx.Client(
        base_url=hub.base_url + "/v1",
        headers={"Authorization": f"Bearer {hub.api_key}"},
        timeout=10,
    )

    def post(body: dict[str, Any]) -> Any:
        r = client.post("/chat/completions", json=body)
        if not body.get("stream") or r.status_code != 200:
            return r
        events = [e[6:] for e in r.text.split("\n\n") if e]
        assert events[-1] == "[DONE]"
        return [json.loads(e) for e in events[:-1]]

    return post


def error(r: httpx.Response) -> tuple[int, str]:
    return r.status_code, r.json()["error"]["message"]


# -- function responses answer their calls, in order ------------------------------

TURN = [call("get_weather", "c1"), call("get_time", "c2", sig=None)]
NATIVE_CASES = {
    "in order": (G37, [answer("get_weather", "c1"), answer("get_time", "c2")], None),
    "one missing": (G3, [answer("get_weather", "c1")], RESPONSE_COUNT),
    "one extra": (G3, [answer("get_weather", "c1")] * 3, RESPONSE_COUNT),
    "swapped": (G3, [answer("get_time", "c2"), answer("get_weather", "c1")], INVALID),
    "wrong id": (G3, [answer("get_weather", "c9"), answer("get_time", "c2")], INVALID),
    "no ids, 3.0": (G3, [answer("get_weather"), answer("get_time")], None),
    "no ids, 3.7": (G37, [answer("get_weather"), answer("get_time")], INVALID),
}


@pytest.mark.parametrize("case", list(NATIVE_CASES))
def test_native_function_responses_answer_the_calls_in_order(
    native: Any, case: str
) -> None:
    model, responses, refused = NATIVE_CASES[case]
    contents = [
        user("weather and time in Paris"),
        {"role": "model", "parts": TURN},
        {"role": "user", "parts": responses},
    ]
    r = native(model, {"contents": contents, "tools": NATIVE_TOOLS})
    if refused is None:
        assert r.status_code == 200, r.text
        text = r.json()["candidates"][0]["content"]["parts"][0]["text"]
        assert text == "get_weather ok. get_time ok."  # the results, in call order
        return
    assert error(r) == (400, refused)
    if refused == INVALID:  # what the emulator found rides along as DebugInfo
        (debug,) = r.json()["error"]["details"]
        assert debug["@type"] == "type.googleapis.com/google.rpc.DebugInfo"
        assert "does not answer function call 1" in debug["detail"]


def test_native_response_turn_needs_a_call_turn_before_it(native: Any) -> None:
    contents = [user("hi"), {"role": "user", "parts": [answer("get_weather")]}]
    assert error(native(FLASH, {"contents": contents})) == (400, RESPONSE_PLACE)
    # a history may end with unanswered calls (an agent paused for approval)
    contents = [user("hi"), {"role": "model", "parts": [call("get_weather")]}]
    assert native(FLASH, {"contents": contents}).status_code == 200


def _assistant(*ids: str) -> dict[str, Any]:
    calls = [
        {"id": i, "type": "function", "function": {"name": n, "arguments": "{}"}}
        for i, n in zip(ids, ("get_weather", "get_time"), strict=False)
    ]
    return {"role": "assistant", "content": None, "tool_calls": calls}


def _tool(id_: str) -> dict[str, Any]:
    return {"role": "tool", "tool_call_id": id_, "content": f"result {id_}"}


@pytest.mark.parametrize(
    ("tail", "refused"),
    [
        ([_tool("a"), _tool("b")], None),
        ([_tool("b"), _tool("a")], INVALID),  # the gateway pairs by position
        ([_tool("a")], RESPONSE_COUNT),
        ([_tool("a"), {"role": "user", "content": "and?"}], RESPONSE_COUNT),
        ([], None),  # ends with the calls
    ],
    ids=["in order", "swapped", "one missing", "user cuts in", "unanswered"],
)
def test_openai_tool_messages_answer_the_calls_in_order(
    openai: Any, tail: list[dict[str, Any]], refused: str | None
) -> None:
    messages = [{"role": "user", "content": "weather and time"}, _assistant("a", "b")]
    body = {
        "model": FLASH,
        "messages": messages + tail,
        "tools": OPENAI_TOOLS,
        "tool_choice": "auto",
    }
    r = openai(body)
    if refused is None:
        assert r.status_code == 200, r.text
    else:
        assert r.status_code == 400
        assert r.json()["error"]["message"].startswith(refused + " (request id: ")


# -- Gemini 3 image models: every history part signed --------------------------------


@pytest.mark.parametrize(
    ("parts", "refused"),
    [
        (
            [{"text": "A cat."}],
            "Text part is missing a thought_signature in content "
            "position 2, part position 1.",
        ),
        (
            [
                {"text": "A cat.", "thoughtSignature": SKIP},
                {"inlineData": {"mimeType": "image/png", "data": "iVBORw0KGgo="}},
            ],
            "Image part is missing a thought_signature in content position 2, part "
            "position 2.",
        ),
        ([{"text": "A cat.", "thoughtSignature": SKIP}], None),
        (
            [
                {
                    "text": "A cat.",
                    "thoughtSignature": "context_engineering_is_the_way_to_go",
                }
            ],
            None,
        ),
        (
            [
                {"text": "thinking", "thought": True},
                {"text": "", "thoughtSignature": SKIP},
                {"text": "later text"},
            ],
            None,
        ),
    ],
    ids=["unsigned text", "unsigned image", "skip", "gateway bypass", "thought first"],
)
def test_image_model_history_parts_must_be_signed(
    native: Any, parts: list[dict[str, Any]], refused: str | None
) -> None:
    contents = [user("draw a cat"), {"role": "model", "parts": parts}, user("bluer")]
    r = native(IMAGE, {"contents": contents})
    if refused is None:
        assert r.status_code == 200, r.text
    else:
        assert error(r) == (400, refused)
    # other Gemini 3 models do not check answer parts
    assert native(G3, {"contents": contents}).status_code == 200


def test_image_model_replays_its_own_reply(native: Any) -> None:
    first = native(IMAGE, {"contents": [user("draw a cat")]})
    parts = first.json()["candidates"][0]["content"]["parts"]
    assert [("text" in p, "thoughtSignature" in p) for p in parts] == [
        (True, True),
        (False, True),
    ]
    contents = [user("draw a cat"), {"role": "model", "parts": parts}, user("bluer")]
    assert native(IMAGE, {"contents": contents}).status_code == 200
    # streamed, the first text part keeps its signature (no trailing empty part)
    chunks = native(IMAGE, {"contents": [user("draw a dog")]}, stream=True)
    streamed = [p for c in chunks for p in c["candidates"][0]["content"]["parts"]]
    assert "thoughtSignature" in streamed[0] and streamed[-1].get("inlineData")


def test_image_model_history_on_openai_route(openai: Any) -> None:
    reply: dict[str, Any] = {"role": "assistant", "content": "A cat."}
    body = {
        "model": IMAGE,
        "messages": [
            {"role": "user", "content": "cat"},
            reply,
            {"role": "user", "content": "bluer"},
        ],
    }
    r = openai(body)
    assert r.status_code == 400
    assert r.json()["error"]["message"].startswith(
        "Text part is missing a thought_signature in content position 2, part "
        "position 1."
    )
    reply["extra_content"] = {"google": {"thought_signature": SKIP}}
    assert openai(body).status_code == 200
    # Gemini 3 answers carry their signature at message level (last delta streamed)
    first = openai({"model": G3, "messages": [{"role": "user", "content": "hi"}]})
    message = first.json()["choices"][0]["message"]
    assert message["extra_content"]["google"]["thought_signature"]
    chunks = openai({"model": G3, "messages": body["messages"][:1], "stream": True})
    deltas = [c["choices"][0]["delta"] for c in chunks if c["choices"]]
    assert [d for d in deltas if "extra_content" in d] == [deltas[-2]]


# -- TTS -----------------------------------------------------------------------------

SPEECH = {"voiceConfig": {"prebuiltVoiceConfig": {"voiceName": "Kore"}}}
DUO = {
    "multiSpeakerVoiceConfig": {
        "speakerVoiceConfigs": [
            {"speaker": s, "voiceConfig": {"prebuiltVoiceConfig": {"voiceName": v}}}
            for s, v in (("Joe", "Puck"), ("Jane", "Leda"))
        ]
    }
}


def _pcm(part: dict[str, Any]) -> list[int]:
    assert part["inlineData"]["mimeType"] == "audio/L16;codec=pcm;rate=24000"
    data = base64.b64decode(part["inlineData"]["data"])
    assert len(data) % 2 == 0
    return [
        int.from_bytes(data[i : i + 2], "little", signed=True)
        for i in range(0, len(data), 2)
    ]


@pytest.mark.parametrize("speech", [SPEECH, DUO, None], ids=["voice", "duo", "default"])
def test_tts_answers_pcm_audio_with_audio_usage(
    native: Any, speech: dict[str, Any] | None
) -> None:
    config: dict[str, Any] = {"responseModalities": ["AUDIO"]}
    if speech:
        config["speechConfig"] = speech
    body = {
        "contents": [user("Say cheerfully: have a wonderful day!")],
        "generationConfig": config,
    }
    whole = native(TTS, body).json()
    (part,) = whole["candidates"][0]["content"]["parts"]
    samples = _pcm(part)
    seconds = len(samples) / RATE
    assert 0.2 <= seconds <= 1.0
    assert max(samples) > 1000 and min(samples) < -1000  # a tone, not silence
    usage = whole["usageMetadata"]
    audio = math.ceil(seconds * 25)
    assert usage["candidatesTokenCount"] == audio
    assert usage["candidatesTokensDetails"] == [
        {"modality": "AUDIO", "tokenCount": audio}
    ]
    assert "thoughtsTokenCount" not in usage
    chunks = native(TTS, body, stream=True)
    streamed = [
        p
        for c in chunks
        for p in c["candidates"][0].get("content", {}).get("parts", [])
    ]
    assert streamed == [part]
    assert chunks[-1]["usageMetadata"]["candidatesTokenCount"] == audio


def test_tts_voice_sets_the_pitch(native: Any) -> None:
    def first_crossing(voice: str) -> int:
        speech = {"voiceConfig": {"prebuiltVoiceConfig": {"voiceName": voice}}}
        body = {
            "contents": [user("hello")],
            "generationConfig": {
                "responseModalities": ["AUDIO"],
                "speechConfig": speech,
            },
        }
        samples = _pcm(native(TTS, body).json()["candidates"][0]["content"]["parts"][0])
        return next(
            i for i in range(1, len(samples)) if samples[i - 1] > 0 >= samples[i]
        )

    assert first_crossing("Zephyr") > first_crossing("Sulafat")


def modalities(asked: str, model: str, accepted: str) -> str:
    """Gemini's text (BerriAI/litellm#11118, danielmiessler/Fabric#1607)."""
    return (
        f"The requested combination of response modalities{asked} is not supported "
        f"by the model. models/{model} accepts the following combination of "
        f"response modalities:\n* {accepted}\n"
    )


UNKNOWN_VOICE = {"voiceConfig": {"prebuiltVoiceConfig": {"voiceName": "Alloy"}}}


@pytest.mark.parametrize(
    ("model", "config", "refused"),
    [
        (TTS, {}, modalities("", TTS, "AUDIO")),
        (TTS, {"responseModalities": ["TEXT"]}, modalities(" (TEXT)", TTS, "AUDIO")),
        (
            FLASH,
            {"responseModalities": ["AUDIO"]},
            modalities(" (AUDIO)", FLASH, "TEXT"),
        ),
        (
            TTS,
            {"responseModalities": ["AUDIO"], "speechConfig": UNKNOWN_VOICE},
            INVALID,
        ),
    ],
    ids=["tts, none", "tts, text", "text model, audio", "unknown voice"],
)
def test_tts_rules(
    native: Any, model: str, config: dict[str, Any], refused: str
) -> None:
    r = native(model, {"contents": [user("hi")], "generationConfig": config})
    assert error(r) == (400, refused)


def test_tts_on_openai_route_is_refused(openai: Any) -> None:
    r = openai({"model": TTS, "messages": [{"role": "user", "content": "hi"}]})
    assert r.status_code == 400
    assert f"models/{TTS} accepts the following" in r.json()["error"]["message"]


# -- queued replies: malformed call, unexpected call, empty ---------------------------

REPLIES: dict[ReplyKind, tuple[str, str | None, bool]] = {
    "malformed_function_call": (
        "MALFORMED_FUNCTION_CALL",
        "Malformed function call: the model produced invalid call syntax.",
        False,
    ),
    "unexpected_tool_call": ("UNEXPECTED_TOOL_CALL", None, False),
    "empty": ("STOP", None, True),
}


@pytest.mark.parametrize("stream", [False, True], ids=["whole", "stream"])
@pytest.mark.parametrize("kind", list(REPLIES))
def test_queued_replies_native(
    hub: AiHubMixEmulator, native: Any, kind: ReplyKind, stream: bool
) -> None:
    reason, message, has_content = REPLIES[kind]
    hub.queue(reply=kind)
    body = {"contents": [user("weather in Paris?")], "tools": NATIVE_TOOLS}
    reply = native(FLASH, body, stream=stream)
    (last,) = (reply[-1] if stream else reply.json())["candidates"]
    expected: dict[str, Any] = {"finishReason": reason, "index": 0}
    if message:
        expected["finishMessage"] = message
    if has_content:
        expected["content"] = {"role": "model"}
    assert last == expected
    usage = (reply[-1] if stream else reply.json())["usageMetadata"]
    assert usage["promptTokenCount"] > 0 and "candidatesTokenCount" not in usage
    # the queue is used up: the next request is answered as usual
    assert native(FLASH, body).json()["candidates"][0]["content"]["parts"]


@pytest.mark.parametrize("stream", [False, True], ids=["whole", "stream"])
@pytest.mark.parametrize("kind", list(REPLIES))
def test_queued_replies_openai(
    hub: AiHubMixEmulator, openai: Any, kind: ReplyKind, stream: bool
) -> None:
    hub.queue(reply=kind)
    body = {
        "model": FLASH,
        "messages": [{"role": "user", "content": "weather in Paris?"}],
        "tools": OPENAI_TOOLS,
        "tool_choice": "auto",
        "stream": stream,
    }
    reply = openai(body)
    if stream:
        deltas = [c["choices"][0] for c in reply if c["choices"]]
        assert "".join(d["delta"].get("content") or "" for d in deltas) == ""
        assert not any("tool_calls" in d["delta"] for d in deltas)
        assert deltas[-1]["finish_reason"] == "stop"
    else:
        (choice,) = reply.json()["choices"]
        assert choice["message"] == {"role": "assistant", "content": ""}
        assert choice["finish_reason"] == "stop"


def test_queue_refuses_an_unknown_reply(hub: AiHubMixEmulator) -> None:
    with pytest.raises(ValueError, match="unknown reply 'nothing'"):
        hub.queue(reply="nothing")  # type: ignore[arg-type]
