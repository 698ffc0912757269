"""Request mapping of the OpenAI-compatible route: messages and call options."""

from __future__ import annotations

import json
from typing import Any

import httpx2
import openai
import pytest

from langchain_aihubmix._errors.base import InvalidInputError
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
from langchain_aihubmix._openai.options import options_to_params
from langchain_aihubmix._openai.request import conversation_to_messages
from langchain_aihubmix._options.call_options import (
    BuiltinTool,
    CallOptions,
    FunctionTool,
    ToolChoice,
)
from langchain_aihubmix._options.native_only import (
    NotOnOpenAIRouteError,
    refuse_native_only,
)


def to_messages(conv: Conversation, *, model: str) -> list[dict[str, Any]]:
    """The converter's output as plain dicts (TypedDicts are not indexable deeply)."""
    return [dict(m) for m in conversation_to_messages(conv, model=model)]


WEATHER = FunctionTool(
    "get_weather",
    "Weather for a city.",
    {"type": "object", "properties": {"city": {"type": "string"}}},
)
TIME = FunctionTool("get_time", "", {"type": "object", "properties": {}})


def _conv(*turns: Turn, system: list[str] | None = None) -> Conversation:
    return Conversation(system=system or [], turns=list(turns))


def _agent_history(sig: str | None = None) -> Conversation:
    return _conv(
        Turn("user", [TextPart("weather in Paris and Rome?")]),
        Turn(
            "model",
            [
                ToolCallPart("call_1", "get_weather", {"city": "Paris"}, signature=sig),
                ToolCallPart("lc_abc", "get_weather", {"city": "Rome"}),
            ],
        ),
        Turn(
            "tool",
            [
                ToolResultPart("call_1", "get_weather", "sunny"),
                ToolResultPart("lc_abc", "get_weather", {"temp": 21}),
            ],
        ),
    )


# ------------------------------------------------------------------ messages


def test_system_texts_become_one_leading_message() -> None:
    conv = _conv(Turn("user", [TextPart("hi")]), system=["be brief", "be kind"])
    messages = to_messages(conv, model="gemini-2.5-flash")
    assert messages[0] == {"role": "system", "content": "be brief\n\nbe kind"}
    assert messages[1] == {"role": "user", "content": "hi"}
    assert len(messages) == 2


def test_no_system_message_without_system_text() -> None:
    messages = to_messages(
        _conv(Turn("user", [TextPart("hi")])), model="gemini-2.5-flash"
    )
    assert [m["role"] for m in messages] == ["user"]


def test_user_media_parts() -> None:
    turn = Turn(
        "user",
        [
            TextPart("look"),
            MediaPart("image/png", data=b"\x89PNG"),
            MediaPart("audio/wav", data=b"RIFF"),
            MediaPart("audio/mpeg", data=b"ID3"),
            MediaPart("application/pdf", data=b"%PDF"),
            MediaPart("audio/ogg", data=b"OggS"),
            MediaPart("image/jpeg", uri="https://example.com/cat.jpg"),
            MediaPart("video/mp4", uri="https://www.youtube.com/watch?v=x"),
            MediaPart(None, uri="https://example.com/unknown"),
        ],
    )
    content = to_messages(_conv(turn), model="m")[0]["content"]
    assert content == [
        {"type": "text", "text": "look"},
        {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw=="}},
        {"type": "input_audio", "input_audio": {"data": "UklGRg==", "format": "wav"}},
        {"type": "input_audio", "input_audio": {"data": "SUQz", "format": "mp3"}},
        {
            "type": "file",
            "file": {
                "file_data": "data:application/pdf;base64,JVBERg==",
                "filename": "document.pdf",
            },
        },
        {
            "type": "file",
            "file": {
                "file_data": "data:audio/ogg;base64,T2dnUw==",
                "filename": "document.ogg",
            },
        },
        {"type": "image_url", "image_url": {"url": "https://example.com/cat.jpg"}},
        {
            "type": "file",
            "file": {
                "file_data": "https://www.youtube.com/watch?v=x",
                "filename": "document.mp4",
            },
        },
        {"type": "image_url", "image_url": {"url": "https://example.com/unknown"}},
    ]


def test_assistant_text_without_thoughts_keeps_signature() -> None:
    turn = Turn(
        "model",
        [
            ReasoningPart("thinking hard", signature="R1"),
            TextPart("Hello "),
            TextPart("world", signature="T1"),
        ],
    )
    message = to_messages(_conv(turn), model="gemini-2.5-flash")[0]
    assert message == {
        "role": "assistant",
        "content": "Hello world",
        "extra_content": {"google": {"thought_signature": "R1"}},
    }


def test_assistant_text_signature_when_no_thought() -> None:
    turn = Turn("model", [TextPart("Hi", signature="T1")])
    message = to_messages(_conv(turn), model="m")[0]
    assert message["extra_content"] == {"google": {"thought_signature": "T1"}}


def test_tool_calls_replay_ids_and_signatures() -> None:
    messages = to_messages(_agent_history("SIG"), model="gemini-2.5-pro")
    assistant = messages[1]
    assert assistant == {
        "role": "assistant",
        "tool_calls": [
            {
                "id": "call_1",
                "type": "function",
                "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
                "extra_content": {"google": {"thought_signature": "SIG"}},
            },
            {
                "id": "lc_abc",
                "type": "function",
                "function": {"name": "get_weather", "arguments": '{"city": "Rome"}'},
            },
        ],
    }
    assert messages[2:] == [
        {
            "role": "tool",
            "tool_call_id": "call_1",
            "content": "sunny",
            "name": "get_weather",
        },
        {
            "role": "tool",
            "tool_call_id": "lc_abc",
            "content": '{"temp": 21}',
            "name": "get_weather",
        },
    ]


def test_gemini3_sentinel_on_first_unsigned_call_of_each_current_step() -> None:
    conv = _agent_history(None)
    conv.turns.append(
        Turn(
            "model",
            [ToolCallPart("c3", "get_time", {}), ToolCallPart("c4", "get_time", {})],
        )
    )
    conv.turns.append(
        Turn(
            "tool",
            [
                ToolResultPart("c3", "get_time", "noon"),
                ToolResultPart("c4", "get_time", "noon"),
            ],
        )
    )
    messages = to_messages(conv, model="gemini-3-pro-preview")
    steps = [m for m in messages if m["role"] == "assistant"]
    for step in steps:
        calls = step["tool_calls"]
        assert calls[0]["extra_content"] == {
            "google": {"thought_signature": SKIP_SIGNATURE_SENTINEL}
        }
        assert "extra_content" not in calls[1]


def test_sentinel_not_injected_before_the_last_user_turn_or_on_gemini2() -> None:
    conv = _agent_history(None)
    conv.turns.append(Turn("model", [TextPart("Paris is sunny.")]))
    conv.turns.append(Turn("user", [TextPart("thanks")]))
    old_turn = to_messages(conv, model="gemini-3-pro-preview")[1]
    assert "extra_content" not in old_turn["tool_calls"][0]
    gemini2 = to_messages(_agent_history(None), model="gemini-2.5-flash")
    assert "extra_content" not in gemini2[1]["tool_calls"][0]


def test_image_model_history_signed_with_the_bypass_on_the_message() -> None:
    """Gemini 3 image models: an unsigned model turn's first text part gets the
    bypass, which this protocol carries on the message (images are left out)."""
    image = MediaPart("image/png", data=b"png")
    conv = Conversation(
        turns=[
            Turn("user", [TextPart("draw")]),
            Turn("model", [TextPart("Here"), image]),
            Turn("user", [TextPart("bigger")]),
        ]
    )
    model_turn = to_messages(conv, model="gemini-3-pro-image-preview")[1]
    assert model_turn["extra_content"] == {
        "google": {"thought_signature": SKIP_SIGNATURE_SENTINEL}
    }
    assert "extra_content" not in to_messages(conv, model="gemini-3-pro-preview")[1]


def test_real_signature_is_never_replaced_by_the_sentinel() -> None:
    messages = to_messages(_agent_history("REAL"), model="gemini-3-pro-preview")
    call = messages[1]["tool_calls"][0]
    assert call["extra_content"]["google"]["thought_signature"] == "REAL"


def test_code_parts_are_rendered_as_assistant_text() -> None:
    turn = Turn(
        "model",
        [
            TextPart("Let me compute."),
            CodePart("print(1 + 1)", signature="C1"),
            CodeResultPart("2\n"),
            CodeResultPart("boom", outcome="OUTCOME_FAILED"),
            TextPart("It is 2."),
        ],
    )
    message = to_messages(_conv(turn), model="m")[0]
    assert message["content"] == (
        "Let me compute.\n\n```python\nprint(1 + 1)\n```\n\nOutput:\n```\n2\n\n```"
        "\n\nOutput (OUTCOME_FAILED):\n```\nboom\n```\n\nIt is 2."
    )
    assert message["extra_content"] == {"google": {"thought_signature": "C1"}}


def test_tool_error_and_media_results() -> None:
    turn = Turn(
        "tool",
        [
            ToolResultPart("c1", "fetch", "404 not found", is_error=True),
            ToolResultPart(
                "c2", "snap", "here", media=(MediaPart("image/png", data=b"P"),)
            ),
        ],
    )
    messages = to_messages(_conv(turn), model="m")
    assert messages[0] == {
        "role": "tool",
        "tool_call_id": "c1",
        "name": "fetch",
        "content": '{"error": "404 not found"}',
    }
    assert messages[1]["role"] == "tool"
    assert messages[2] == {
        "role": "user",
        "content": [
            {"type": "text", "text": "Media returned by tool 'snap' (call c2):"},
            {"type": "image_url", "image_url": {"url": "data:image/png;base64,UA=="}},
        ],
    }


def test_misplaced_parts_raise() -> None:
    with pytest.raises(InvalidInputError, match="ToolCallPart"):
        to_messages(
            _conv(Turn("user", [TextPart("a"), ToolCallPart("x", "f", {})])), model="m"
        )
    with pytest.raises(InvalidInputError, match="TextPart"):
        to_messages(_conv(Turn("tool", [TextPart("a")])), model="m")


def test_extras_survive_the_sdk_serialisation() -> None:
    """What the openai SDK really puts on the wire keeps extra_content and name."""
    seen: list[dict[str, Any]] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(json.loads(request.content))
        return httpx2.Response(
            200,
            json={
                "id": "r",
                "object": "chat.completion",
                "created": 1,
                "model": "m",
                "choices": [
                    {
                        "index": 0,
                        "finish_reason": "stop",
                        "message": {"role": "assistant", "content": "ok"},
                    }
                ],
            },
        )

    client = openai.OpenAI(
        api_key="k",
        base_url="http://test/v1",
        max_retries=0,
        http_client=httpx2.Client(transport=httpx2.MockTransport(handler)),
    )
    opts = CallOptions(
        model="gemini-3-pro-preview",
        tools=(WEATHER,),
        include_thoughts=True,
        thinking_level="low",
    )
    params = options_to_params(opts)
    params["messages"] = to_messages(_agent_history("SIG"), model=opts.model)
    client.chat.completions.create(**params)
    body = seen[0]
    assert body["messages"][1]["tool_calls"][0]["extra_content"] == {
        "google": {"thought_signature": "SIG"}
    }
    assert "extra_content" not in body["messages"][1]["tool_calls"][1]
    assert body["messages"][2]["name"] == "get_weather"
    assert body["tool_choice"] == "auto"
    assert body["reasoning_effort"] == "low"
    assert body["extra_body"] == {
        "google": {"thinking_config": {"include_thoughts": True}}
    }
    assert "stream_options" not in body


# ------------------------------------------------------------------- options


def test_plain_options() -> None:
    opts = CallOptions(
        model="gemini-2.5-flash",
        temperature=0.2,
        top_p=0.9,
        top_k=40,
        max_output_tokens=100,
        stop=("END",),
        seed=7,
        presence_penalty=0.1,
        frequency_penalty=0.2,
        n=2,
    )
    assert options_to_params(opts) == {
        "model": "gemini-2.5-flash",
        "temperature": 0.2,
        "top_p": 0.9,
        "max_tokens": 100,
        "stop": ["END"],
        "seed": 7,
        "presence_penalty": 0.1,
        "frequency_penalty": 0.2,
        "n": 2,
        "extra_body": {"top_k": 40},
    }


def test_unset_options_are_left_out() -> None:
    assert options_to_params(CallOptions(model="m")) == {"model": "m"}


def test_stream_asks_for_usage() -> None:
    params = options_to_params(CallOptions(model="m"), stream=True)
    assert params["stream"] is True
    assert params["stream_options"] == {"include_usage": True}


def test_response_format() -> None:
    schema = {
        "title": "Person record",
        "type": "object",
        "properties": {"name": {"type": "string"}},
    }
    params = options_to_params(CallOptions(model="m", response_schema=schema))
    assert params["response_format"] == {
        "type": "json_schema",
        "json_schema": {
            "name": "Person_record",  # the title names it, and is not sent
            "schema": {k: v for k, v in schema.items() if k != "title"},
        },
    }
    params = options_to_params(
        CallOptions(model="m", response_mime_type="application/json")
    )
    assert params["response_format"] == {"type": "json_object"}
    assert "response_format" not in options_to_params(
        CallOptions(model="m", response_mime_type="text/plain")
    )
    with pytest.raises(NotOnOpenAIRouteError, match=r"text/x\.enum"):
        refuse_native_only(CallOptions(model="m", response_mime_type="text/x.enum"))


@pytest.mark.parametrize("level", ["none", "minimal", "low", "medium", "high"])
def test_thinking_level_is_reasoning_effort(level: Any) -> None:
    params = options_to_params(CallOptions(model="m", thinking_level=level))
    assert params["reasoning_effort"] == level
    assert "extra_body" not in params


def test_thinking_budget_and_google_extensions_in_nested_extra_body() -> None:
    """A positive budget goes only as AiHubMix's `reasoning.max_tokens`; the
    dynamic budget (-1), which has no /v1 form, in `extra_body.google`."""
    opts = CallOptions(
        model="m",
        include_thoughts=True,
        thinking_budget=512,
        safety_settings=(("HARM_CATEGORY_HARASSMENT", "BLOCK_NONE"),),
        extra_body={"extra_body": {"google": {"x": 1}}, "user": "u"},
    )
    params = options_to_params(opts)
    assert params["reasoning"] == {"max_tokens": 512}
    dynamic = options_to_params(CallOptions(model="m", thinking_budget=-1))
    assert "reasoning" not in dynamic
    assert dynamic["extra_body"] == {
        "extra_body": {"google": {"thinking_config": {"thinking_budget": -1}}}
    }
    assert params["extra_body"] == {
        "extra_body": {
            "google": {
                "thinking_config": {"include_thoughts": True},
                "safety_settings": [
                    {"category": "HARM_CATEGORY_HARASSMENT", "threshold": "BLOCK_NONE"}
                ],
                "x": 1,
            }
        },
        "user": "u",
    }


def test_google_search_is_web_search_options() -> None:
    """Search alone: no tools, no `tool_choice`; with function tools: refused (the
    combination needs Gemini 3's server-side tool invocations, native only)."""
    search = BuiltinTool("google_search")
    alone = options_to_params(CallOptions(model="m", tools=(search,)))
    assert alone == {"model": "m", "web_search_options": {}}
    with pytest.raises(NotOnOpenAIRouteError, match="with function tools"):
        refuse_native_only(CallOptions(model="m", tools=(WEATHER, search)))


def test_tools_always_come_with_tool_choice() -> None:
    params = options_to_params(CallOptions(model="m", tools=(WEATHER, TIME)))
    assert params["tool_choice"] == "auto"
    assert params["tools"] == [
        {
            "type": "function",
            "function": {
                "name": "get_weather",
                "description": "Weather for a city.",
                "parameters": WEATHER.parameters,
            },
        },
        {
            "type": "function",
            "function": {"name": "get_time", "parameters": TIME.parameters},
        },
    ]


def test_no_tool_choice_without_tools() -> None:
    params = options_to_params(CallOptions(model="m", tool_choice=ToolChoice("any")))
    assert "tool_choice" not in params
    assert "tools" not in params


@pytest.mark.parametrize(
    ("choice", "expected", "names"),
    [
        (ToolChoice("auto"), "auto", ["get_weather", "get_time"]),
        (ToolChoice("none"), "none", ["get_weather", "get_time"]),
        (ToolChoice("any"), "required", ["get_weather", "get_time"]),
        (
            ToolChoice("any", ("get_time",)),
            {"type": "function", "function": {"name": "get_time"}},
            ["get_weather", "get_time"],
        ),
    ],
)
def test_tool_choice_mapping(
    choice: ToolChoice, expected: Any, names: list[str]
) -> None:
    params = options_to_params(
        CallOptions(model="m", tools=(WEATHER, TIME), tool_choice=choice)
    )
    assert params["tool_choice"] == expected
    assert [t["function"]["name"] for t in params["tools"]] == names


def test_tool_choice_any_of_several_restricts_the_tools() -> None:
    third = FunctionTool("get_date", "", {"type": "object", "properties": {}})
    params = options_to_params(
        CallOptions(
            model="m",
            tools=(WEATHER, TIME, third),
            tool_choice=ToolChoice("any", ("get_time", "get_date")),
        )
    )
    assert params["tool_choice"] == "required"
    assert [t["function"]["name"] for t in params["tools"]] == ["get_time", "get_date"]


def test_tool_choice_naming_an_unknown_tool_raises() -> None:
    with pytest.raises(InvalidInputError, match="nope"):
        options_to_params(
            CallOptions(
                model="m", tools=(WEATHER,), tool_choice=ToolChoice("any", ("nope",))
            )
        )


def test_builtin_tools_raise_with_a_hint() -> None:
    search = BuiltinTool("google_search", {"time_range_filter": {}})
    with pytest.raises(NotOnOpenAIRouteError, match="google_search' with a config"):
        refuse_native_only(CallOptions(model="m", tools=(search,)))
    with pytest.raises(NotOnOpenAIRouteError, match="url_context"):
        refuse_native_only(CallOptions(model="m", tools=(BuiltinTool("url_context"),)))
    with pytest.raises(InvalidInputError, match=r"code_execution.*native"):
        refuse_native_only(
            CallOptions(model="m", tools=(BuiltinTool("code_execution"),))
        )


@pytest.mark.parametrize(
    "field",
    [
        {"media_resolution": "MEDIA_RESOLUTION_LOW"},
        {"response_modalities": ("TEXT", "IMAGE")},
        {"image_config": {"aspect_ratio": "1:1"}},
    ],
)
def test_native_only_options_raise(field: dict[str, Any]) -> None:
    with pytest.raises(NotOnOpenAIRouteError, match="native"):
        refuse_native_only(CallOptions(model="m", **field))


def test_text_only_modalities_are_fine() -> None:
    assert options_to_params(CallOptions(model="m", response_modalities=("TEXT",))) == {
        "model": "m"
    }
