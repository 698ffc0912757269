"""Streams on the OpenAI-compatible route: tags, tool-call assembly, usage, parity."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from langchain_core.messages import AIMessage, AIMessageChunk
from openai.types.chat import ChatCompletion, ChatCompletionChunk

from langchain_aihubmix._input.conversation import SIGNATURES_KEY
from langchain_aihubmix._openai.response import (
    OpenAIStreamState,
    completion_to_messages,
)
from langchain_aihubmix._openai.thought_tags import ThoughtTagSplitter

MODEL = "gemini-2.5-flash"
LC_ID = re.compile(r"^lc_[0-9a-f]{32}$")


def chunk(
    delta: dict[str, Any] | None = None,
    *,
    finish: str | None = None,
    usage: dict[str, Any] | None = None,
    choices: bool = True,
) -> ChatCompletionChunk:
    """A chunk as the SDK builds it (without validation: `index` may be missing)."""
    body: dict[str, Any] = {
        "id": "resp-1",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "gemini-2.5-flash-001",
        "choices": [{"index": 0, "delta": delta or {}, "finish_reason": finish}]
        if choices
        else [],
    }
    if usage is not None:
        body["usage"] = usage
    return ChatCompletionChunk.construct(**body)


def call(
    name: str | None = None,
    args: str | None = None,
    *,
    id: str | None = None,
    index: int | None = None,
    sig: str | None = None,
) -> dict[str, Any]:
    delta: dict[str, Any] = {"function": {}}
    if index is not None:
        delta["index"] = index
    if id is not None:
        delta["id"] = id
    if name is not None:
        delta["function"]["name"] = name
    if args is not None:
        delta["function"]["arguments"] = args
    if sig is not None:
        delta["extra_content"] = {"google": {"thought_signature": sig}}
    return delta


def run(
    chunks: list[ChatCompletionChunk],
) -> tuple[list[AIMessageChunk], AIMessageChunk]:
    state = OpenAIStreamState(requested_model=MODEL)
    out = [m for c in chunks for m in state.feed(c)]
    out += state.finish()
    total = out[0]
    for message in out[1:]:
        total = total + message
    return out, total


def calls_of(total: AIMessage) -> list[tuple[str, dict[str, Any]]]:
    return [(c["name"], c["args"]) for c in total.tool_calls]


# ------------------------------------------------------------- tag splitter


def split_all(pieces: list[str]) -> list[tuple[str, str]]:
    splitter = ThoughtTagSplitter()
    out = [p for piece in pieces for p in splitter.feed(piece)] + splitter.flush()
    merged: list[tuple[str, str]] = []
    for kind, text in out:
        if merged and merged[-1][0] == kind:
            merged[-1] = (kind, merged[-1][1] + text)
        else:
            merged.append((kind, text))
    return merged


@pytest.mark.parametrize("tag", ["thought", "think"])
def test_tags_split_at_every_character(tag: str) -> None:
    text = f"<{tag}>Let me see.</{tag}>\n\nThe answer is 4."
    expected = [("thinking", "Let me see."), ("text", "The answer is 4.")]
    for cut in range(1, len(text)):
        assert split_all([text[:cut], text[cut:]]) == expected, cut
    assert split_all(list(text)) == expected


def test_tags_split_as_in_the_brief() -> None:
    assert split_all(["<th", "ought>abc</tho", "ught>", "done"]) == [
        ("thinking", "abc"),
        ("text", "done"),
    ]


def test_no_tag_passes_text_through_without_delay() -> None:
    splitter = ThoughtTagSplitter()
    assert splitter.feed("Hello") == [("text", "Hello")]
    assert splitter.feed(" <thought>x</thought>") == [("text", " <thought>x</thought>")]
    assert splitter.flush() == []


def test_only_a_possible_tag_start_is_held_back() -> None:
    splitter = ThoughtTagSplitter()
    assert splitter.feed("<th") == []
    assert splitter.feed("e answer") == [("text", "<the answer")]


def test_tag_not_at_the_start_is_text() -> None:
    assert split_all(["4 <think>no</think>"]) == [("text", "4 <think>no</think>")]


def test_leading_whitespace_and_repeated_thought_blocks() -> None:
    assert split_all(["  <thought>a</thought>", "<thought>b</thought> answer"]) == [
        ("thinking", "ab"),
        ("text", "answer"),
    ]


def test_unclosed_thought_is_thinking_and_partial_tag_is_text() -> None:
    assert split_all(["<thought>cut off</tho"]) == [("thinking", "cut off</tho")]
    assert split_all(["<thou"]) == [("text", "<thou")]
    assert split_all(["   "]) == [("text", "   ")]


def test_thinking_is_emitted_while_it_streams() -> None:
    splitter = ThoughtTagSplitter()
    assert splitter.feed("<thought>abc") == [("thinking", "abc")]
    assert splitter.feed("def</") == [("thinking", "def")]
    assert splitter.feed("thought>ok") == [("text", "ok")]


# -------------------------------------------------------------- text, reasoning


def test_reasoning_content_then_text_with_final_signature() -> None:
    out, total = run(
        [
            chunk({"role": "assistant", "reasoning_content": "Thinking "}),
            chunk({"reasoning_content": "more."}),
            chunk({"content": "Hello"}),
            chunk({"content": " world"}),
            chunk(
                {"extra_content": {"google": {"thought_signature": "SIG"}}},
                finish="stop",
            ),
        ]
    )
    assert total.content == [
        {"type": "thinking", "thinking": "Thinking more.", "index": 0},
        {
            "type": "text",
            "text": "Hello world",
            "index": 1,
            "extras": {"signature": "SIG"},
        },
    ]
    assert total.text == "Hello world"
    assert all(m.response_metadata["model_provider"] == "google_genai" for m in out)
    assert [m.chunk_position for m in out][-1] == "last"
    assert total.response_metadata == {
        "model_provider": "google_genai",
        "model_name": "gemini-2.5-flash-001",
        "response_id": "resp-1",
        "finish_reason": "STOP",
    }
    assert "finish_reason" not in out[0].response_metadata


@pytest.mark.parametrize("field", ["reasoning", "reasoning_content"])
def test_reasoning_field_variants(field: str) -> None:
    _, total = run([chunk({field: "hmm"}), chunk({"content": "ok"}, finish="stop")])
    assert [b["type"] for b in total.content] == ["thinking", "text"]  # type: ignore[index]


def test_inline_thought_tags_in_a_stream() -> None:
    _, total = run(
        [
            chunk({"content": "<tho"}),
            chunk({"content": "ught>I should"}),
            chunk({"content": " add.</th"}),
            chunk({"content": "ought>4"}),
            chunk({}, finish="stop"),
        ]
    )
    assert total.content == [
        {"type": "thinking", "thinking": "I should add.", "index": 0},
        {"type": "text", "text": "4", "index": 1},
    ]
    assert total.text == "4"


def test_model_name_falls_back_to_the_requested_model() -> None:
    body = chunk({"content": "x"}, finish="length")
    body.model = ""
    _, total = run([body])
    assert total.response_metadata["model_name"] == MODEL
    assert total.response_metadata["finish_reason"] == "MAX_TOKENS"


# ------------------------------------------------------------ tool-call assembly


def test_deltas_without_index_and_with_empty_ids() -> None:
    _, total = run(
        [
            chunk({"tool_calls": [call("get_weather", '{"city": "Paris"}', id="")]}),
            chunk({"tool_calls": [call("get_weather", '{"city": "Rome"}', id="")]}),
            chunk({}, finish="stop"),
        ]
    )
    assert calls_of(total) == [
        ("get_weather", {"city": "Paris"}),
        ("get_weather", {"city": "Rome"}),
    ]
    ids = [c["id"] for c in total.tool_calls]
    assert all(LC_ID.match(str(i)) for i in ids)
    assert len(set(ids)) == 2
    assert [c["index"] for c in total.tool_call_chunks] == [0, 1]


def test_repeated_index_zero_with_different_ids_is_two_calls() -> None:
    _, total = run(
        [
            chunk({"tool_calls": [call("a", '{"x": 1}', id="call_a", index=0)]}),
            chunk({"tool_calls": [call("b", '{"y": 2}', id="call_b", index=0)]}),
            chunk({}, finish="tool_calls"),
        ]
    )
    assert [(c["id"], c["name"], c["args"]) for c in total.tool_calls] == [
        ("call_a", "a", {"x": 1}),
        ("call_b", "b", {"y": 2}),
    ]


def test_repeated_index_zero_with_empty_ids_and_other_names() -> None:
    _, total = run(
        [
            chunk({"tool_calls": [call("a", "{}", id="", index=0)]}),
            chunk({"tool_calls": [call("b", "{}", id="", index=0)]}),
        ]
    )
    assert [c["name"] for c in total.tool_calls] == ["a", "b"]  # never "ab"


def test_arguments_split_across_deltas_keep_one_stable_id() -> None:
    out, total = run(
        [
            chunk({"tool_calls": [call("get_weather", '{"ci', id="", index=0)]}),
            chunk({"tool_calls": [call(args='ty": "Par', index=0)]}),
            chunk({"tool_calls": [call(args='is"}')]}),
            chunk({}, finish="tool_calls"),
        ]
    )
    assert calls_of(total) == [("get_weather", {"city": "Paris"})]
    emitted = [c for m in out for c in m.tool_call_chunks]
    assert len(emitted) == 1  # one whole call, one id
    assert LC_ID.match(str(emitted[0]["id"]))


def test_openai_standard_split_with_name_only_first() -> None:
    _, total = run(
        [
            chunk({"tool_calls": [call("f", "", id="call_1", index=0)]}),
            chunk({"tool_calls": [call(args='{"a":', index=0)]}),
            chunk({"tool_calls": [call(args=" 1}", index=0)]}),
            chunk({"tool_calls": [call("g", "", id="call_2", index=1)]}),
            chunk({"tool_calls": [call(args='{"b": 2}', index=1)]}),
            chunk({}, finish="tool_calls"),
        ]
    )
    assert [(c["id"], c["name"], c["args"]) for c in total.tool_calls] == [
        ("call_1", "f", {"a": 1}),
        ("call_2", "g", {"b": 2}),
    ]


def test_name_repeated_on_every_delta_is_one_call() -> None:
    _, total = run(
        [
            chunk({"tool_calls": [call("f", '{"a": ', id="")]}),
            chunk({"tool_calls": [call("f", '"x"}', id="")]}),
        ]
    )
    assert calls_of(total) == [("f", {"a": "x"})]


def test_placeholder_then_real_arguments() -> None:
    _, total = run(
        [
            chunk({"tool_calls": [call("get_weather", "{}", id="call_1", index=0)]}),
            chunk({"tool_calls": [call(args='{"city": "Paris"}', index=0)]}),
            chunk({}, finish="tool_calls"),
        ]
    )
    assert calls_of(total) == [("get_weather", {"city": "Paris"})]
    assert total.tool_calls[0]["id"] == "call_1"


def test_placeholder_with_the_id_repeated() -> None:
    _, total = run(
        [
            chunk({"tool_calls": [call("get_weather", "{}", id="call_1")]}),
            chunk({"tool_calls": [call(args='{"city": "Oslo"}', id="call_1")]}),
        ]
    )
    assert calls_of(total) == [("get_weather", {"city": "Oslo"})]


def test_two_objects_concatenated_become_two_calls() -> None:
    _, total = run(
        [
            chunk(
                {
                    "tool_calls": [
                        call(
                            "get_weather",
                            '{"city": "Paris"}',
                            id="call_1",
                            index=0,
                            sig="SIG",
                        )
                    ]
                }
            ),
            chunk({"tool_calls": [call(args='{"city": "Rome"}', index=0)]}),
            chunk({}, finish="tool_calls"),
        ]
    )
    assert calls_of(total) == [
        ("get_weather", {"city": "Paris"}),
        ("get_weather", {"city": "Rome"}),
    ]
    first, second = (c["id"] for c in total.tool_calls)
    assert first == "call_1"
    assert LC_ID.match(str(second))
    assert total.additional_kwargs[SIGNATURES_KEY] == {"call_1": "SIG"}


def test_same_server_id_reused_for_another_call_gets_a_fresh_id() -> None:
    _, total = run(
        [
            chunk({"tool_calls": [call("a", '{"x": 1}', id="call_0")]}),
            chunk({"tool_calls": [call("b", '{"y": 1}', id="call_0")]}),
        ]
    )
    ids = [c["id"] for c in total.tool_calls]
    assert ids[0] == "call_0"
    assert LC_ID.match(str(ids[1]))
    assert [c["name"] for c in total.tool_calls] == ["a", "b"]


@pytest.mark.parametrize(
    "raw", ['{"city": "Par', '{"a": 1} trailing', "[1, 2]", "nope"]
)
def test_invalid_json_becomes_an_invalid_tool_call(raw: str) -> None:
    _, total = run(
        [
            chunk({"tool_calls": [call("get_weather", raw, id="call_9")]}),
            chunk({}, finish="length"),
        ]
    )
    assert total.tool_calls == []
    [invalid] = total.invalid_tool_calls
    assert invalid["name"] == "get_weather"
    assert invalid["id"] == "call_9"
    assert json.loads(str(invalid["args"])) == raw


def test_call_without_a_name_is_invalid() -> None:
    _, total = run([chunk({"tool_calls": [call(args='{"a": 1}', id="x")]})])
    assert total.tool_calls == []
    assert len(total.invalid_tool_calls) == 1


def test_tool_calls_are_found_whatever_the_finish_reason() -> None:
    _, total = run([chunk({"tool_calls": [call("f", "{}", id="")]}, finish="stop")])
    assert calls_of(total) == [("f", {})]
    assert total.response_metadata["finish_reason"] == "STOP"


def test_no_arguments_at_all_is_an_empty_object() -> None:
    _, total = run([chunk({"tool_calls": [call("get_time", id="c")]})])
    assert calls_of(total) == [("get_time", {})]


def test_signatures_on_tool_call_deltas_and_message_level() -> None:
    _, total = run(
        [
            chunk({"tool_calls": [call("a", "{}", id="", sig="S_A")]}),
            chunk({"tool_calls": [call("b", "{}", id="")]}),
        ]
    )
    a, _ = total.tool_calls
    assert total.additional_kwargs[SIGNATURES_KEY] == {a["id"]: "S_A"}
    assert "extras" not in str(total.content)
    # Google 2.5 style: the signature rides on the delta, not on the call.
    _, total = run(
        [
            chunk(
                {
                    "extra_content": {
                        "google": {"thought": True, "thought_signature": "M"}
                    },
                    "tool_calls": [call("a", "{}", id="")],
                }
            ),
        ]
    )
    assert total.additional_kwargs[SIGNATURES_KEY] == {total.tool_calls[0]["id"]: "M"}
    assert total.content == []


def test_signature_without_any_text_or_call_is_kept_on_an_empty_text_block() -> None:
    _, total = run(
        [
            chunk({"reasoning_content": "hm"}),
            chunk(
                {"extra_content": {"google": {"thought_signature": "S"}}},
                finish="length",  # out of tokens while thinking: no answer text
            ),
        ]
    )
    assert total.content[-1] == {
        "type": "text",
        "text": "",
        "index": 1,
        "extras": {"signature": "S"},
    }


# -------------------------------------------------------------------- usage


def test_cumulative_usage_on_every_chunk_is_not_double_counted() -> None:
    out, total = run(
        [
            chunk(
                {"content": "1"},
                usage={"prompt_tokens": 9, "completion_tokens": 1, "total_tokens": 103},
            ),
            chunk(
                {"content": "2"},
                usage={"prompt_tokens": 9, "completion_tokens": 2, "total_tokens": 110},
            ),
            chunk(
                {},
                finish="stop",
                usage={"prompt_tokens": 9, "completion_tokens": 3, "total_tokens": 120},
            ),
        ]
    )
    assert total.usage_metadata == {
        "input_tokens": 9,
        "output_tokens": 111,
        "total_tokens": 120,
        "input_token_details": {"cache_read": 0},
        "output_token_details": {"reasoning": 108},
    }
    carrying = [m for m in out if m.usage_metadata]
    assert carrying == [out[-1]], "usage rides on the final chunk only"


def test_usage_only_in_a_final_chunk_without_choices() -> None:
    _, total = run(
        [
            chunk({"content": "hi"}),
            chunk({}, finish="stop"),
            chunk(
                usage={
                    "prompt_tokens": 5,
                    "completion_tokens": 2,
                    "total_tokens": 7,
                    "prompt_tokens_details": {"cached_tokens": 3},
                    "completion_tokens_details": {"reasoning_tokens": 0},
                },
                choices=False,
            ),
        ]
    )
    assert total.usage_metadata == {
        "input_tokens": 5,
        "output_tokens": 2,
        "total_tokens": 7,
        "input_token_details": {"cache_read": 3},
        "output_token_details": {"reasoning": 0},
    }


def test_feed_after_finish_raises_and_finish_is_idempotent() -> None:
    state = OpenAIStreamState(MODEL)
    state.feed(chunk({"content": "x"}))
    assert state.finish()
    assert state.finish() == []
    with pytest.raises(RuntimeError):
        state.feed(chunk({"content": "x"}))


# ------------------------------------------------------------------- parity


def completion(
    message: dict[str, Any], finish: str, usage: dict[str, Any]
) -> ChatCompletion:
    body: dict[str, Any] = {
        "id": "resp-1",
        "object": "chat.completion",
        "created": 1,
        "model": "gemini-2.5-flash-001",
        "usage": usage,
        "choices": [
            {
                "index": 0,
                "finish_reason": finish,
                "message": {"role": "assistant", **message},
            }
        ],
    }
    return ChatCompletion.construct(**body)


def normalised(message: AIMessage) -> dict[str, Any]:
    """The user-visible message, with synthetic ids numbered by first appearance."""
    ids: dict[str, str] = {}

    def fix(value: str | None) -> str | None:
        if value is None or not value.startswith("lc_"):
            return value
        return ids.setdefault(value, f"lc_{len(ids)}")

    return {
        "content": message.content,
        "text": message.text,
        "tool_calls": [{**c, "id": fix(c["id"])} for c in message.tool_calls],
        "invalid_tool_calls": [
            {**c, "id": fix(c["id"])} for c in message.invalid_tool_calls
        ],
        "signatures": {
            fix(k): v
            for k, v in message.additional_kwargs.get(SIGNATURES_KEY, {}).items()
        },
        "usage": message.usage_metadata,
        "metadata": message.response_metadata,
        "id": message.id,
    }


USAGE = {"prompt_tokens": 20, "completion_tokens": 10, "total_tokens": 50}
PARITY_CASES: list[tuple[str, dict[str, Any], list[dict[str, Any]], str]] = [
    (
        "text+reasoning+signature",
        {
            "reasoning_content": "Let me think.",
            "content": "It is 4.",
            "extra_content": {"google": {"thought_signature": "SIG"}},
        },
        [
            {"reasoning_content": "Let me "},
            {"reasoning_content": "think."},
            {"content": "It is"},
            {"content": " 4."},
            {"extra_content": {"google": {"thought_signature": "SIG"}}},
        ],
        "stop",
    ),
    (
        "inline tags",
        {"content": "<thought>hmm</thought>\nYes."},
        [
            {"content": "<thou"},
            {"content": "ght>h"},
            {"content": "mm</"},
            {"content": "thought>\n"},
            {"content": "Yes."},
        ],
        "stop",
    ),
    (
        "parallel calls, empty ids, signature on first",
        {
            "content": None,
            "tool_calls": [
                {
                    "id": "",
                    "type": "function",
                    "function": {"name": "w", "arguments": '{"c": "P"}'},
                    "extra_content": {"google": {"thought_signature": "S1"}},
                },
                {
                    "id": "",
                    "type": "function",
                    "function": {"name": "w", "arguments": '{"c": "R"}'},
                },
            ],
        },
        [
            {"tool_calls": [call("w", '{"c": "P"}', id="", sig="S1")]},
            {"tool_calls": [call("w", '{"c": "R"}', id="")]},
        ],
        "tool_calls",
    ),
    (
        "text then call with ids",
        {
            "content": "Checking.",
            "tool_calls": [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": "w", "arguments": '{"c": "P"}'},
                }
            ],
        },
        [
            {"content": "Check"},
            {"content": "ing."},
            {"tool_calls": [call("w", '{"c"', id="call_1", index=0)]},
            {"tool_calls": [call(args=': "P"}', index=0)]},
        ],
        "tool_calls",
    ),
    (
        "invalid arguments",
        {
            "tool_calls": [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": "w", "arguments": '{"c": "P'},
                }
            ]
        },
        [
            {"tool_calls": [call("w", '{"c": ', id="call_1")]},
            {"tool_calls": [call(args='"P')]},
        ],
        "length",
    ),
]


@pytest.mark.parametrize(
    ("name", "message", "deltas", "finish"),
    PARITY_CASES,
    ids=[c[0] for c in PARITY_CASES],
)
def test_stream_sum_equals_the_whole_completion(
    name: str, message: dict[str, Any], deltas: list[dict[str, Any]], finish: str
) -> None:
    chunks = [chunk(d) for d in deltas]
    chunks.append(chunk({}, finish=finish, usage=USAGE))
    _, total = run(chunks)
    streamed = AIMessage(
        content=total.content,
        additional_kwargs=total.additional_kwargs,
        response_metadata=total.response_metadata,
        usage_metadata=total.usage_metadata,
        tool_calls=total.tool_calls,
        invalid_tool_calls=total.invalid_tool_calls,
        id=total.id,
    )
    whole = completion_to_messages(completion(message, finish, USAGE), MODEL)[0]
    assert normalised(streamed) == normalised(whole)


def test_one_chunk_never_holds_two_deltas_of_one_block() -> None:
    out, _ = run(
        [chunk({"reasoning_content": "R.", "content": "<think>T.</think>Answer"})]
    )
    assert out[0].content == [
        {"type": "thinking", "thinking": "R.T.", "index": 0},
        {"type": "text", "text": "Answer", "index": 1},
    ]
