"""LangChain messages -> Conversation: each normalisation rule, as users write them."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    ChatMessage,
    FunctionMessage,
    HumanMessage,
    RemoveMessage,
    SystemMessage,
    ToolMessage,
)

from langchain_aihubmix._errors.base import InvalidInputError
from langchain_aihubmix._input.conversation import (
    SIGNATURES_KEY,
    CodePart,
    CodeResultPart,
    MediaPart,
    ReasoningPart,
    TextPart,
    ToolCallPart,
    ToolResultPart,
    Turn,
)
from langchain_aihubmix._input.from_messages import messages_to_conversation
from langchain_aihubmix._input.user_blocks import media_from_block
from langchain_aihubmix._output.to_messages import ContentAssembler

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(64))
PNG_B64 = base64.b64encode(PNG).decode()
PDF = b"%PDF-1.7\n" + b"x" * 50
PDF_B64 = base64.b64encode(PDF).decode()
WAV = b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x00" * 20
WAV_B64 = base64.b64encode(WAV).decode()

GOOGLE = {"model_provider": "google_genai"}


def user_parts(*content: Any) -> list[Any]:
    """The parts of the single user turn made from one HumanMessage."""
    conv = messages_to_conversation([HumanMessage(content=list(content))])
    assert len(conv.turns) == 1
    assert conv.turns[0].role == "user"
    return conv.turns[0].parts


def call(id_: str, name: str = "get_weather", **args: Any) -> dict[str, Any]:
    return {"id": id_, "name": name, "args": args, "type": "tool_call"}


# --- whole history -------------------------------------------------------------


def test_empty_history_is_rejected() -> None:
    with pytest.raises(InvalidInputError, match="empty"):
        messages_to_conversation([])


def test_string_human_message() -> None:
    conv = messages_to_conversation([HumanMessage("Hello")])
    assert conv.system == []
    assert conv.turns == [Turn("user", [TextPart("Hello")])]


def test_system_messages_anywhere_are_collected_in_order() -> None:
    conv = messages_to_conversation(
        [
            HumanMessage("one"),
            SystemMessage("Be brief."),
            AIMessage("two"),
            SystemMessage(content=[{"type": "text", "text": "Answer in French."}]),
            HumanMessage("three"),
        ]
    )
    assert conv.system == ["Be brief.", "Answer in French."]
    assert [t.role for t in conv.turns] == ["user", "model", "user"]


def test_system_message_with_media_is_rejected() -> None:
    system = SystemMessage(
        content=[
            {"type": "text", "text": "Look:"},
            {"type": "image", "base64": PNG_B64, "mime_type": "image/png"},
        ]
    )
    with pytest.raises(
        InvalidInputError, match=r"message 0 \(SystemMessage\), block 1"
    ):
        messages_to_conversation([system, HumanMessage("hi")])


@pytest.mark.parametrize("content", ["", [], [{"type": "text", "text": ""}]])
def test_empty_human_message_is_rejected(content: Any) -> None:
    with pytest.raises(
        InvalidInputError, match=r"message 1 \(HumanMessage\).*no content"
    ):
        messages_to_conversation([SystemMessage("s"), HumanMessage(content=content)])


# --- human content: every block dialect --------------------------------------------


def test_openai_image_url_data_url_is_decoded() -> None:
    parts = user_parts(
        {"type": "text", "text": "What is this?"},
        {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PNG_B64}"}},
    )
    assert parts == [TextPart("What is this?"), MediaPart("image/png", data=PNG)]


def test_openai_image_url_http_stays_a_uri_with_guessed_type() -> None:
    parts = user_parts(
        {"type": "image_url", "image_url": {"url": "https://ex.com/cat.JPG?x=1"}},
        {"type": "image_url", "image_url": {"url": "https://ex.com/render"}},
    )
    assert parts == [
        MediaPart("image/jpeg", uri="https://ex.com/cat.JPG?x=1"),
        MediaPart(None, uri="https://ex.com/render"),
    ]


def test_openai_input_audio_and_file() -> None:
    parts = user_parts(
        {"type": "input_audio", "input_audio": {"data": WAV_B64, "format": "wav"}},
        {
            "type": "file",
            "file": {
                "file_data": f"data:application/pdf;base64,{PDF_B64}",
                "filename": "report.pdf",
            },
        },
    )
    assert parts == [
        MediaPart("audio/wav", data=WAV),
        MediaPart("application/pdf", data=PDF),
    ]


def test_anthropic_source_blocks() -> None:
    parts = user_parts(
        {
            "type": "image",
            "source": {"type": "base64", "media_type": "image/png", "data": PNG_B64},
        },
        {"type": "document", "source": {"type": "url", "url": "https://ex.com/a.pdf"}},
        {
            "type": "document",
            "source": {
                "type": "base64",
                "media_type": "application/pdf",
                "data": PDF_B64,
            },
        },
    )
    assert parts == [
        MediaPart("image/png", data=PNG),
        MediaPart("application/pdf", uri="https://ex.com/a.pdf"),
        MediaPart("application/pdf", data=PDF),
    ]


def test_v0_source_type_blocks() -> None:
    parts = user_parts(
        {
            "type": "image",
            "source_type": "base64",
            "data": PNG_B64,
            "mime_type": "image/png",
        },
        {"type": "image", "source_type": "url", "url": "https://ex.com/dog.png"},
    )
    assert parts == [
        MediaPart("image/png", data=PNG),
        MediaPart("image/png", uri="https://ex.com/dog.png"),
    ]


def test_v1_blocks() -> None:
    parts = user_parts(
        {"type": "text", "text": "Compare"},
        {"type": "image", "base64": PNG_B64},  # no mime type: sniffed
        {"type": "audio", "url": "https://ex.com/talk.mp3"},
        {"type": "video", "url": "https://www.youtube.com/watch?v=abc"},
        {"type": "file", "file_id": "files/abc123", "mime_type": "application/pdf"},
        {"type": "text-plain", "text": "notes", "mime_type": "text/plain"},
        {"type": "file", "url": f"data:application/pdf;base64,{PDF_B64}"},
    )
    assert parts == [
        TextPart("Compare"),
        MediaPart("image/png", data=PNG),
        MediaPart("audio/mpeg", uri="https://ex.com/talk.mp3"),
        MediaPart(None, uri="https://www.youtube.com/watch?v=abc"),
        MediaPart("application/pdf", uri="files/abc123"),
        TextPart("notes"),
        MediaPart("application/pdf", data=PDF),
    ]


def test_base64_of_unknown_type_without_mime_is_rejected() -> None:
    blob = base64.b64encode(b"just some bytes").decode()
    with pytest.raises(InvalidInputError, match=r"block 0: image block .*no mime_type"):
        user_parts({"type": "image", "base64": blob})


def test_undecodable_base64_is_rejected() -> None:
    with pytest.raises(InvalidInputError, match="invalid base64"):
        user_parts(
            {"type": "image", "base64": "not base64!!", "mime_type": "image/png"}
        )


def test_unknown_block_is_rejected_with_index_and_type() -> None:
    with pytest.raises(
        InvalidInputError,
        match=r"message 1 \(HumanMessage\), block 1: .*type 'sticker'",
    ):
        messages_to_conversation(
            [
                SystemMessage("s"),
                HumanMessage(
                    content=[
                        {"type": "text", "text": "x"},
                        {"type": "sticker", "id": 3},
                    ]
                ),
            ]
        )


def test_non_media_standard_block_in_human_message_is_rejected() -> None:
    with pytest.raises(InvalidInputError, match="'reasoning' block is not allowed"):
        user_parts({"type": "reasoning", "reasoning": "hmm"})


def test_media_block_without_source_is_rejected() -> None:
    with pytest.raises(InvalidInputError, match="no base64, url or file_id"):
        media_from_block({"type": "image", "mime_type": "image/png"}, "here")


# --- AI messages: read back from the output contract ----------------------------------


def test_ai_message_in_output_contract_shape() -> None:
    message = AIMessage(
        content=[
            {
                "type": "thinking",
                "thinking": "Let me think.",
                "signature": "c2lnMQ==",
                "index": 0,
            },
            {"type": "text", "text": "Running code.", "index": 1},
            {
                "type": "executable_code",
                "executable_code": "print(2 + 2)",
                "language": "python",
                "id": "code1",
                "index": 2,
            },
            {
                "type": "code_execution_result",
                "code_execution_result": "4\n",
                "outcome": 1,
                "tool_call_id": "code1",
                "index": 3,
            },
            {
                "type": "image_url",
                "image_url": {"url": f"data:image/png;base64,{PNG_B64}"},
                "signature": "aW1nc2ln",
                "index": 4,
            },
            {
                "type": "text",
                "text": "Done.",
                "extras": {"signature": "dHh0"},
                "index": 5,
            },
        ],
        tool_calls=[call("c1", city="Paris"), call("c2", city="Rome")],
        additional_kwargs={SIGNATURES_KEY: {"c1": "Y2FsbA=="}},
        response_metadata=GOOGLE,
    )
    conv = messages_to_conversation([HumanMessage("hi"), message])
    assert conv.turns[1] == Turn(
        "model",
        [
            ReasoningPart("Let me think.", "c2lnMQ=="),
            TextPart("Running code."),
            CodePart("print(2 + 2)", "python", "code1"),
            CodeResultPart("4\n", "OUTCOME_OK", "code1"),
            MediaPart("image/png", data=PNG, signature="aW1nc2ln"),
            TextPart("Done.", "dHh0"),
            ToolCallPart("c1", "get_weather", {"city": "Paris"}, "Y2FsbA=="),
            ToolCallPart("c2", "get_weather", {"city": "Rome"}, None),
        ],
    )


@pytest.mark.parametrize(
    ("outcome", "name"),
    [
        (0, "OUTCOME_UNSPECIFIED"),
        (1, "OUTCOME_OK"),
        (2, "OUTCOME_FAILED"),
        (3, "OUTCOME_DEADLINE_EXCEEDED"),
        ("OUTCOME_FAILED", "OUTCOME_FAILED"),
    ],
)
def test_code_outcomes(outcome: Any, name: str) -> None:
    block = {
        "type": "code_execution_result",
        "code_execution_result": "",
        "outcome": outcome,
    }
    conv = messages_to_conversation([HumanMessage("x"), AIMessage(content=[block])])
    assert conv.turns[1].parts == [CodeResultPart("", name)]


def test_unknown_code_outcome_is_rejected() -> None:
    block = {"type": "code_execution_result", "code_execution_result": "", "outcome": 9}
    with pytest.raises(InvalidInputError, match="outcome 9"):
        messages_to_conversation([HumanMessage("x"), AIMessage(content=[block])])


def test_ai_message_built_by_the_content_assembler_round_trips() -> None:
    """What the routes emit (via `ContentAssembler`) reads back part for part."""
    asm = ContentAssembler()
    deltas = [
        asm.add_thinking("Plan", "c2ln"),
        asm.add_thinking(" more"),
        asm.add_text("Hello"),
        asm.add_text(" world"),
        asm.add_text("", "ZW5k"),  # signature on an empty text part
        asm.add_block({"type": "executable_code", "executable_code": "1", "id": "k"}),
    ]
    chunks = [
        AIMessageChunk(content=[d], response_metadata=GOOGLE) for d in deltas if d
    ]
    chunks.append(
        AIMessageChunk(
            content=[],
            tool_call_chunks=[
                {
                    "type": "tool_call_chunk",
                    "id": "c9",
                    "name": "f",
                    "args": '{"a": 1}',
                    "index": 0,
                }
            ],
            additional_kwargs={SIGNATURES_KEY: {"c9": "Zm4="}},
            response_metadata=GOOGLE,
        )
    )
    merged = chunks[0]
    for chunk in chunks[1:]:
        merged = merged + chunk
    conv = messages_to_conversation([HumanMessage("x"), merged])
    assert conv.turns[1].parts == [
        ReasoningPart("Plan more", "c2ln"),
        TextPart("Hello world", "ZW5k"),
        CodePart("1", "python", "k"),
        ToolCallPart("c9", "f", {"a": 1}, "Zm4="),
    ]


def test_empty_text_block_carrying_a_signature_is_kept() -> None:
    message = AIMessage(
        content=[{"type": "text", "text": "", "extras": {"signature": "c2ln"}}],
        response_metadata=GOOGLE,
    )
    conv = messages_to_conversation([HumanMessage("x"), message])
    assert conv.turns[1].parts == [TextPart("", "c2ln")]


def test_string_ai_content_then_tool_calls() -> None:
    message = AIMessage("Checking.", tool_calls=[call("c1", city="Oslo")])
    conv = messages_to_conversation([HumanMessage("x"), message])
    assert conv.turns[1].parts == [
        TextPart("Checking."),
        ToolCallPart("c1", "get_weather", {"city": "Oslo"}),
    ]


def test_tool_call_without_id_gets_a_synthetic_id() -> None:
    message = AIMessage("", tool_calls=[{"id": None, "name": "f", "args": {}}])
    conv = messages_to_conversation([HumanMessage("x"), message])
    assert conv.turns[1].parts == [ToolCallPart("lc_1_0", "f", {})]


def test_empty_ai_message_adds_no_turn() -> None:
    conv = messages_to_conversation(
        [HumanMessage("x"), AIMessage(""), HumanMessage("y")]
    )
    assert [t.role for t in conv.turns] == ["user", "user"]


def test_v1_output_blocks_are_read() -> None:
    message = AIMessage(
        content=[
            {"type": "reasoning", "reasoning": "hmm", "extras": {"signature": "cg=="}},
            {
                "type": "server_tool_call",
                "name": "code_interpreter",
                "id": "k1",
                "args": {"code": "print(1)", "language": "python"},
            },
            {
                "type": "server_tool_result",
                "tool_call_id": "k1",
                "status": "error",
                "output": "Traceback",
                "extras": {"outcome": 3},
            },
            {
                "type": "server_tool_call",
                "name": "web_search",
                "id": "s1",
                "args": {"query": "q"},
            },
            {"type": "server_tool_result", "tool_call_id": "s1", "status": "success"},
            {"type": "image", "base64": PNG_B64, "mime_type": "image/png"},
            {"type": "text", "text": "ok"},
            {"type": "tool_call", "id": "c1", "name": "f", "args": {}},
        ],
        tool_calls=[call("c1", "f")],
        response_metadata={**GOOGLE, "output_version": "v1"},
    )
    conv = messages_to_conversation([HumanMessage("x"), message])
    assert conv.turns[1].parts == [
        ReasoningPart("hmm", "cg=="),
        CodePart("print(1)", "python", "k1"),
        CodeResultPart("Traceback", "OUTCOME_DEADLINE_EXCEEDED", "k1"),
        MediaPart("image/png", data=PNG),
        TextPart("ok"),
        ToolCallPart("c1", "f", {}),
    ]


def test_code_result_status_without_outcome() -> None:
    message = AIMessage(
        content=[
            {
                "type": "server_tool_call",
                "name": "code_interpreter",
                "id": "k",
                "args": {"code": "x"},
            },
            {
                "type": "server_tool_result",
                "tool_call_id": "k",
                "status": "error",
                "output": "E",
            },
        ]
    )
    conv = messages_to_conversation([HumanMessage("x"), message])
    assert conv.turns[1].parts[1] == CodeResultPart("E", "OUTCOME_FAILED", "k")


def test_other_providers_ai_message_drops_foreign_signatures_not_text() -> None:
    message = AIMessage(
        content=[
            {"type": "thinking", "thinking": "anthropic thought", "signature": "QU5U"},
            {"type": "redacted_thinking", "data": "opaque"},
            {"type": "text", "text": "Sure."},
            {"type": "tool_use", "id": "toolu_1", "name": "f", "input": {"a": 1}},
        ],
        tool_calls=[call("toolu_1", "f", a=1)],
        response_metadata={"model_provider": "anthropic"},
    )
    conv = messages_to_conversation([HumanMessage("x"), message])
    assert conv.turns[1].parts == [
        ReasoningPart("anthropic thought"),
        TextPart("Sure."),
        ToolCallPart("toolu_1", "f", {"a": 1}),
    ]


def test_openai_refusal_is_text() -> None:
    message = AIMessage(content=[{"type": "refusal", "refusal": "I can't."}])
    conv = messages_to_conversation([HumanMessage("x"), message])
    assert conv.turns[1].parts == [TextPart("I can't.")]


def test_unknown_ai_block_is_rejected() -> None:
    message = AIMessage(content=[{"type": "text", "text": "a"}, {"type": "hologram"}])
    with pytest.raises(
        InvalidInputError, match=r"message 1 \(AIMessage\), block 1: .*'hologram'"
    ):
        messages_to_conversation([HumanMessage("x"), message])


# --- tool results -------------------------------------------------------------------


def test_tool_results_pair_with_calls_and_join_one_turn() -> None:
    conv = messages_to_conversation(
        [
            HumanMessage("weather?"),
            AIMessage(
                "", tool_calls=[call("c1", city="Paris"), call("c2", "get_time")]
            ),
            ToolMessage('{"temp": 21}', tool_call_id="c1"),
            ToolMessage("boom", tool_call_id="c2", status="error"),
            HumanMessage("thanks"),
        ]
    )
    assert [t.role for t in conv.turns] == ["user", "model", "tool", "user"]
    assert conv.turns[2].parts == [
        ToolResultPart("c1", "get_weather", {"temp": 21}),
        ToolResultPart("c2", "get_time", "boom", is_error=True),
    ]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("[1, 2]", [1, 2]),
        ("42", "42"),
        ('"quoted"', '"quoted"'),
        ("{not json", "{not json"),
        ('{"v": NaN}', '{"v": NaN}'),  # not strict JSON: stays text
        ("[Infinity]", "[Infinity]"),
        ("plain text", "plain text"),
        ("", ""),
    ],
)
def test_tool_string_content(content: str, expected: Any) -> None:
    conv = messages_to_conversation(
        [
            HumanMessage("x"),
            AIMessage("", tool_calls=[call("c1")]),
            ToolMessage(content, tool_call_id="c1"),
        ]
    )
    assert conv.turns[2].parts == [ToolResultPart("c1", "get_weather", expected)]


def test_tool_list_content_with_text_and_images() -> None:
    tool = ToolMessage(
        content=[
            "line one",
            {"type": "text", "text": "line two"},
            {
                "type": "image_url",
                "image_url": {"url": f"data:image/png;base64,{PNG_B64}"},
            },
            {"type": "file", "base64": PDF_B64, "mime_type": "application/pdf"},
        ],
        tool_call_id="c1",
        name="ignored_when_call_known",
    )
    conv = messages_to_conversation(
        [HumanMessage("x"), AIMessage("", tool_calls=[call("c1", "render")]), tool]
    )
    assert conv.turns[2].parts == [
        ToolResultPart(
            "c1",
            "render",
            "line one\nline two",
            media=(
                MediaPart("image/png", data=PNG),
                MediaPart("application/pdf", data=PDF),
            ),
        )
    ]


def test_tool_result_for_a_call_from_an_earlier_turn() -> None:
    conv = messages_to_conversation(
        [
            HumanMessage("x"),
            AIMessage("", tool_calls=[call("c1")]),
            HumanMessage("interrupt"),
            ToolMessage("late", tool_call_id="c1"),
        ]
    )
    assert conv.turns[3] == Turn("tool", [ToolResultPart("c1", "get_weather", "late")])


def test_unmatched_tool_result_is_rejected_not_dropped() -> None:
    with pytest.raises(
        InvalidInputError, match=r"message 2 \(ToolMessage\): tool_call_id 'nope'"
    ):
        messages_to_conversation(
            [
                HumanMessage("x"),
                AIMessage("", tool_calls=[call("c1")]),
                ToolMessage("r", tool_call_id="nope"),
            ]
        )


def test_tool_result_before_its_call_is_rejected() -> None:
    with pytest.raises(InvalidInputError, match="matches no tool call"):
        messages_to_conversation(
            [
                HumanMessage("x"),
                ToolMessage("r", tool_call_id="c1"),
                AIMessage("", tool_calls=[call("c1")]),
            ]
        )


def _bad_call(id_: str) -> dict[str, Any]:
    return {
        "type": "invalid_tool_call",
        "id": id_,
        "name": "f",
        "args": '{"a": ',
        "error": "bad json",
    }


def test_unanswered_invalid_tool_call_is_skipped_never_replayed_raw() -> None:
    message = AIMessage("Oops.", invalid_tool_calls=[_bad_call("b1")])
    conv = messages_to_conversation([HumanMessage("x"), message])
    assert conv.turns[1].parts == [TextPart("Oops.")]


def test_answered_invalid_tool_call_replays_with_empty_args() -> None:
    message = AIMessage(
        "",
        invalid_tool_calls=[_bad_call("b1")],
        additional_kwargs={SIGNATURES_KEY: {"b1": "c2ln"}},
    )
    conv = messages_to_conversation(
        [
            HumanMessage("x"),
            message,
            ToolMessage("invalid JSON arguments", tool_call_id="b1", status="error"),
        ]
    )
    assert conv.turns[1].parts == [ToolCallPart("b1", "f", {}, "c2ln")]
    assert conv.turns[2].parts == [
        ToolResultPart("b1", "f", "invalid JSON arguments", is_error=True)
    ]


# --- other message types --------------------------------------------------------------


def test_chat_message_roles() -> None:
    conv = messages_to_conversation(
        [
            ChatMessage(role="system", content="sys"),
            ChatMessage(role="user", content="hi"),
        ]
    )
    assert conv.system == ["sys"]
    assert conv.turns == [Turn("user", [TextPart("hi")])]


def test_chat_message_unknown_role_is_rejected() -> None:
    with pytest.raises(InvalidInputError, match="unsupported role 'critic'"):
        messages_to_conversation([ChatMessage(role="critic", content="meh")])


def test_function_message_is_rejected() -> None:
    with pytest.raises(InvalidInputError, match="FunctionMessage is not supported"):
        messages_to_conversation(
            [HumanMessage("x"), FunctionMessage(content="1", name="f")]
        )


def test_remove_message_is_rejected() -> None:
    with pytest.raises(InvalidInputError, match=r"message 0 \(RemoveMessage\)"):
        messages_to_conversation([RemoveMessage(id="m1")])


def test_system_error_names_the_block_index_not_the_part_index() -> None:
    system = SystemMessage(
        content=[
            {"type": "text", "text": ""},
            {"type": "text", "text": "Rules."},
            {"type": "audio", "base64": WAV_B64, "mime_type": "audio/wav"},
        ]
    )
    with pytest.raises(InvalidInputError, match=r"block 2: system messages"):
        messages_to_conversation([system])


def test_text_plain_file_without_text_is_media() -> None:
    data = base64.b64encode(b"a,b\n1,2\n").decode()
    parts = user_parts(
        {"type": "text-plain", "base64": data, "mime_type": "text/plain"}
    )
    assert parts == [MediaPart("text/plain", data=b"a,b\n1,2\n")]


def test_foreign_non_standard_block_names_its_inner_type() -> None:
    message = AIMessage(
        content=[{"type": "mystery_tool_output", "x": 1}],
        response_metadata={"model_provider": "anthropic"},
    )
    with pytest.raises(InvalidInputError, match="'mystery_tool_output'"):
        messages_to_conversation([HumanMessage("x"), message])


def test_large_image_is_decoded_once_to_the_exact_bytes() -> None:
    big = PNG + b"\x00" * (19 * 1024 * 1024)
    url = "data:image/png;base64," + base64.b64encode(big).decode()
    parts = user_parts({"type": "image_url", "image_url": {"url": url}})
    assert parts == [MediaPart("image/png", data=big)]


def test_a_block_core_cannot_read_is_invalid_input() -> None:
    """core's v0 translator raises a bare KeyError for a text file block without
    text; the package's own conversion (token counting) names the message."""
    message = HumanMessage(
        [{"type": "file", "source_type": "text", "mime_type": "text/csv"}]
    )
    with pytest.raises(InvalidInputError, match=r"message 0 .*KeyError"):
        messages_to_conversation([message])
