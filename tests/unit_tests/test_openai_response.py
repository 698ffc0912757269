"""Whole completions on the OpenAI-compatible route: recordings, extras, usage."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from openai.types import CompletionUsage
from openai.types.chat import ChatCompletion, ChatCompletionChunk

from langchain_aihubmix._input.conversation import SIGNATURES_KEY, SYNTHETIC_ID_PREFIX
from langchain_aihubmix._openai.extras import (
    READ_FIELDS,
    VendorExtras,
    read_extras,
)
from langchain_aihubmix._openai.response import (
    completion_to_messages,
    finish_reason_name,
)
from langchain_aihubmix._openai.usage import counts_from_usage
from langchain_aihubmix._output.to_messages import TokenCounts
from langchain_aihubmix.errors import MalformedResponseError, OpenAINoAnswerError

CASSETTE = (
    Path(__file__).parents[1]
    / "fixtures"
    / "recorded"
    / "pydantic-ai"
    / "test_compatible_api_with_tool_calls_without_id.yaml"
)


def recorded() -> list[dict[str, Any]]:
    return yaml.safe_load(CASSETTE.read_text())["interactions"]  # type: ignore[no-any-return]


def whole(
    message: dict[str, Any],
    *,
    finish: str = "stop",
    usage: dict[str, Any] | None = None,
    choices: list[Any] | None = None,
    model: str = "gemini-2.5-flash-001",
) -> ChatCompletion:
    return ChatCompletion.model_validate(
        {
            "id": "resp-9",
            "object": "chat.completion",
            "created": 1,
            "model": model,
            "usage": usage,
            "choices": choices
            if choices is not None
            else [
                {
                    "index": 0,
                    "finish_reason": finish,
                    "message": {"role": "assistant", **message},
                }
            ],
        }
    )


# ---------------------------------------------------------------- recording


def test_recorded_tool_call_with_empty_id_and_message_level_signature() -> None:
    body = recorded()[0]["response"]["parsed_body"]
    message = completion_to_messages(
        ChatCompletion.model_validate(body), "gemini-2.5-pro-preview-05-06"
    )[0]
    [tool_call] = message.tool_calls
    assert tool_call["name"] == "get_current_time"
    assert tool_call["args"] == {}
    assert str(tool_call["id"]).startswith(SYNTHETIC_ID_PREFIX)
    signature = body["choices"][0]["message"]["extra_content"]["google"][
        "thought_signature"
    ]
    assert message.additional_kwargs[SIGNATURES_KEY] == {tool_call["id"]: signature}
    assert message.content == []
    assert message.text == ""
    assert message.usage_metadata == {
        "input_tokens": 35,
        "output_tokens": 74,
        "total_tokens": 109,
        "input_token_details": {"cache_read": 0},
        "output_token_details": {"reasoning": 62},
    }
    assert message.response_metadata == {
        "model_provider": "google_genai",
        "model_name": "gemini-2.5-pro-preview-05-06",
        "response_id": "3SE-aKjdCcCEz7IPxpqjCA",
        "finish_reason": "STOP",
    }
    # The server's id stays in response_metadata; langchain-core gives the message
    # a run id of its own (a gateway may repeat or omit response ids).
    assert message.id is None


def test_recorded_text_answer_keeps_its_signature_on_the_text_block() -> None:
    body = recorded()[1]["response"]["parsed_body"]
    message = completion_to_messages(ChatCompletion.model_validate(body), "x")[0]
    signature = body["choices"][0]["message"]["thought_signature"]
    assert message.content == [
        {
            "type": "text",
            "text": "The current time is Noon.",
            "index": 0,
            "extras": {"signature": signature},
        }
    ]
    assert message.text == "The current time is Noon."
    assert message.tool_calls == []
    assert message.usage_metadata["total_tokens"] == 100  # type: ignore[index]
    assert message.usage_metadata["output_tokens"] == 34  # type: ignore[index]


def test_recorded_message_extras() -> None:
    body = recorded()[0]["response"]["parsed_body"]
    extras = read_extras(ChatCompletion.model_validate(body).choices[0].message)
    assert extras.reasoning == ""
    assert extras.signature == body["choices"][0]["message"]["thought_signature"]


# ------------------------------------------------------------------- extras


def test_extras_reader_declares_its_fields() -> None:
    assert {
        "reasoning_content",
        "reasoning",
        "extra_content",
        "thought_signature",
    } == READ_FIELDS


def test_extras_reader_ignores_unknown_fields_and_none() -> None:
    message = whole({"content": "x", "something_else": {"thought_signature": "no"}})
    assert read_extras(message.choices[0].message) == VendorExtras()
    assert read_extras(None) == VendorExtras()


def test_extras_prefers_extra_content_over_top_level_signature() -> None:
    message = whole(
        {
            "content": "x",
            "thought_signature": "TOP",
            "extra_content": {"google": {"thought_signature": "EC"}},
        }
    )
    assert read_extras(message.choices[0].message).signature == "EC"


@pytest.mark.parametrize(
    ("fields", "text"),
    [
        ({"reasoning_content": "a", "reasoning": "a"}, "a"),
        ({"reasoning_content": None, "reasoning": "d"}, "d"),
    ],
)
def test_reasoning_variants_are_read_once(fields: dict[str, Any], text: str) -> None:
    message = whole({"content": "x", **fields}).choices[0].message
    assert read_extras(message).reasoning == text


# ------------------------------------------------------------------ content


def test_reasoning_and_think_tags_and_refusal() -> None:
    message = completion_to_messages(
        whole({"reasoning_content": "R.", "content": "<think>T.</think>Answer."}), "m"
    )[0]
    assert message.content == [
        {"type": "thinking", "thinking": "R.T.", "index": 0},
        {"type": "text", "text": "Answer.", "index": 1},
    ]
    refused = completion_to_messages(whole({"content": None, "refusal": "No."}), "m")[0]
    assert refused.text == "No."


def test_message_signature_signs_the_text_even_with_tool_calls() -> None:
    message = completion_to_messages(
        whole(
            {
                "content": "Let me check.",
                "extra_content": {"google": {"thought_signature": "MSG"}},
                "tool_calls": [
                    {
                        "id": "c1",
                        "type": "function",
                        "function": {"name": "f", "arguments": "{}"},
                    }
                ],
            }
        ),
        "m",
    )[0]
    assert message.content[0]["extras"] == {"signature": "MSG"}  # type: ignore[index]
    assert SIGNATURES_KEY not in message.additional_kwargs


def test_call_signature_duplicated_on_the_message_is_not_repeated() -> None:
    message = completion_to_messages(
        whole(
            {
                "extra_content": {"google": {"thought_signature": "S"}},
                "tool_calls": [
                    {
                        "id": "c1",
                        "type": "function",
                        "function": {"name": "f", "arguments": "{}"},
                        "extra_content": {"google": {"thought_signature": "S"}},
                    },
                    {
                        "id": "c2",
                        "type": "function",
                        "function": {"name": "f", "arguments": "{}"},
                    },
                ],
            }
        ),
        "m",
    )[0]
    assert message.additional_kwargs[SIGNATURES_KEY] == {"c1": "S"}
    assert message.content == []


def test_two_calls_with_equal_empty_ids_stay_two_calls() -> None:
    message = completion_to_messages(
        whole(
            {
                "tool_calls": [
                    {
                        "id": "",
                        "type": "function",
                        "function": {"name": "f", "arguments": "{}"},
                    },
                    {
                        "id": "",
                        "type": "function",
                        "function": {"name": "f", "arguments": "{}"},
                    },
                ]
            }
        ),
        "m",
    )[0]
    assert len(message.tool_calls) == 2
    assert message.tool_calls[0]["id"] != message.tool_calls[1]["id"]


def test_custom_tool_calls_raise_naming_them() -> None:
    completion = whole(
        {
            "tool_calls": [
                {
                    "id": "c",
                    "type": "custom",
                    "custom": {"name": "grammar", "input": "x"},
                }
            ]
        }
    )
    with pytest.raises(MalformedResponseError, match="grammar"):
        completion_to_messages(completion, "m")[0]


def test_no_choices_is_no_answer() -> None:
    reply = whole(
        {},
        choices=[],
        usage={"prompt_tokens": 4, "completion_tokens": 0, "total_tokens": 4},
    )
    with pytest.raises(OpenAINoAnswerError, match="finish_reason=None"):
        completion_to_messages(reply, "req")


def test_one_message_per_choice_with_usage_on_the_first() -> None:
    choices = [
        {
            "index": 1,
            "finish_reason": "stop",
            "message": {"role": "assistant", "content": "B"},
        },
        {
            "index": 0,
            "finish_reason": "length",
            "message": {"role": "assistant", "content": "A"},
        },
    ]
    first, second = completion_to_messages(
        whole(
            {},
            choices=choices,
            usage={"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3},
        ),
        "m",
    )
    assert (first.text, second.text) == ("A", "B")
    assert first.response_metadata["finish_reason"] == "MAX_TOKENS"
    assert first.usage_metadata is not None
    assert second.usage_metadata is None


def test_missing_model_falls_back_to_the_requested_one() -> None:
    message = completion_to_messages(whole({"content": "x"}, model=""), "gemini-x")[0]
    assert message.response_metadata["model_name"] == "gemini-x"


@pytest.mark.parametrize(
    ("reason", "name"),
    [
        ("stop", "STOP"),
        ("length", "MAX_TOKENS"),
        ("tool_calls", "STOP"),
        ("content_filter", "SAFETY"),
        ("function_call", "STOP"),
        ("malformed_function_call", "MALFORMED_FUNCTION_CALL"),
    ],
)
def test_finish_reasons(reason: str, name: str) -> None:
    assert finish_reason_name(reason) == name


# -------------------------------------------------------------------- usage


def usage(**fields: Any) -> CompletionUsage:
    return CompletionUsage.model_validate(fields)


def test_usage_completion_excludes_thoughts() -> None:
    assert counts_from_usage(
        usage(prompt_tokens=9, completion_tokens=1, total_tokens=103)
    ) == TokenCounts(input=9, output=94, reasoning=93)


def test_usage_openai_style_with_details() -> None:
    assert counts_from_usage(
        usage(
            prompt_tokens=100,
            completion_tokens=50,
            total_tokens=150,
            completion_tokens_details={"reasoning_tokens": 30},
            prompt_tokens_details={"cached_tokens": 60},
        )
    ) == TokenCounts(input=100, output=50, cache_read=60, reasoning=30)


def test_usage_details_reported_and_thoughts_excluded() -> None:
    counts = counts_from_usage(
        usage(
            prompt_tokens=10,
            completion_tokens=5,
            total_tokens=45,
            completion_tokens_details={"reasoning_tokens": 30},
        )
    )
    assert counts == TokenCounts(input=10, output=35, reasoning=30)
    assert counts.input + counts.output == 45


def test_usage_missing() -> None:
    assert counts_from_usage(None) == TokenCounts()
    partial = CompletionUsage.construct(prompt_tokens=3)
    assert counts_from_usage(partial) == TokenCounts(input=3)


def test_stream_chunk_type_is_what_the_state_reads() -> None:
    """Guard: the SDK still exposes unknown delta fields through model_extra."""
    chunk = ChatCompletionChunk.model_validate(
        {
            "id": "a",
            "object": "chat.completion.chunk",
            "created": 1,
            "model": "m",
            "choices": [{"index": 0, "delta": {"reasoning_content": "r"}}],
        }
    )
    assert read_extras(chunk.choices[0].delta).reasoning == "r"
