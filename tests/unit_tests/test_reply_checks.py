"""The pure reply checks: SSE framing, error envelopes, whole bodies and events."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from langchain_aihubmix._errors.bodies import MALFORMED_STATUS, envelope_status
from langchain_aihubmix._transport.reply_checks import (
    ReplyCut,
    ReplyProblem,
    ReplyReader,
    is_generation_path,
)
from langchain_aihubmix._transport.sse import SSEFramer
from tests.support import ROUTES

LEGAL = (
    b"\xef\xbb\xbf: hello\r\n"
    b"retry: 10\r\n\r\n"
    b'event: message\rid: 1\rdata:{"a":\r'
    b"data: 1}\r\r"
    b"id: 2\n\n"
    b": keep-alive\n\n"
    b'data: {"b": 2}\r\n\r\n'
    b"event: end\n"
    b"data: [DONE]\n\n"
)


@pytest.mark.parametrize("size", [1, 2, 3, 7, len(LEGAL)])
def test_sse_framer_reads_every_legal_form_in_any_chunking(size: int) -> None:
    framer = SSEFramer()
    events: list[bytes] = []
    for start in range(0, len(LEGAL), size):
        events += framer.feed(LEGAL[start : start + size])
    assert framer.finish() is None
    assert events == [b'{"a":\n1}', b'{"b": 2}', b"[DONE]"]


def test_sse_framer_leaves_an_unterminated_event_to_the_caller() -> None:
    framer = SSEFramer()
    assert framer.feed(b'data: {"a": 1}\n\ndata: {"b"') == [b'{"a": 1}']
    assert framer.finish() == b'{"b"'


@pytest.mark.parametrize(
    ("inner", "status"),
    [
        ({"code": 429, "message": "x", "status": "RESOURCE_EXHAUSTED"}, 429),
        ({"code": "503"}, 503),
        ({"status": "PERMISSION_DENIED"}, 403),
        ({"type": "insufficient_quota", "code": "insufficient_user_quota"}, 429),
        ({"type": "authentication_error", "code": "invalid_api_key"}, 401),
        ({"type": "invalid_request_error", "code": "invalid_value"}, 400),
        ({"type": "invalid_request_error", "code": "model_not_found"}, 404),
        ({"message": "something broke"}, 500),
        ({"code": 200, "type": "new_api_error"}, 500),
    ],
)
def test_envelope_status(inner: dict[str, object], status: int) -> None:
    assert envelope_status(inner) == status


def read(route: str, body: bytes, content_type: str = "") -> bytes:
    reader = ReplyReader(route, content_type)  # type: ignore[arg-type]
    out = [
        piece
        for byte in range(len(body))
        for piece in reader.feed(body[byte : byte + 1])
    ]
    return b"".join(out + reader.finish())


def test_a_stream_is_reframed_whatever_its_content_type() -> None:
    body = b': hi\r\nevent: x\r\ndata:{"a":\r\ndata: 1}\r\n\r\ndata: [DONE]\r\n\r\n'
    assert read("openai", body) == b'data: {"a": 1}\n\ndata: [DONE]\n\n'
    assert read("native", body, "application/json") == b'data: {"a": 1}\n\n'


def test_a_whole_answer_passes_unchanged() -> None:
    body = json.dumps({"candidates": [{"index": 0}]}).encode()
    assert read("native", body, "application/json") == body
    blocked = b'{"promptFeedback": {"blockReason": "OTHER"}}'
    assert read("native", blocked) == blocked


@pytest.mark.parametrize(
    ("route", "body", "words"),
    [
        ("native", b"", "empty body"),
        ("native", b"  \n", "empty body"),
        ("native", b"null", "null"),
        ("openai", b'"text"', "a string"),
        ("native", b'{"usageMetadata": {}}', "no candidates"),
        ("openai", b'{"choices": []}', "no choices"),
        ("openai", b"<html>", "not JSON"),
        ("native", b"\xff\xfe{}", "not UTF-8"),
    ],
)
def test_a_body_that_is_no_answer_is_a_problem(
    route: str, body: bytes, words: str
) -> None:
    with pytest.raises(ReplyProblem) as caught:
        read(route, body)
    assert caught.value.status == MALFORMED_STATUS
    assert words in caught.value.message


def test_an_error_event_carries_the_envelope() -> None:
    event = {"error": {"code": 429, "message": "slow down", "status": "X"}}
    with pytest.raises(ReplyProblem) as caught:
        read("native", b"data: " + json.dumps([event]).encode() + b"\n\n")
    assert (caught.value.status, caught.value.message) == (429, "slow down")
    assert caught.value.body == event


def test_a_stream_cut_mid_event_is_a_cut() -> None:
    with pytest.raises(ReplyCut):
        read("openai", b'data: {"a": 1}\n\ndata: {"choi')
    # a complete last event without its blank line is kept
    assert read("openai", b'data: {"a": 1}') == b'data: {"a": 1}\n\n'


def test_only_generation_paths_are_checked() -> None:
    assert is_generation_path("native", "/gemini/v1beta/models/m:generateContent")
    assert is_generation_path("native", "/gemini/v1beta/models/m:streamGenerateContent")
    assert not is_generation_path("native", "/gemini/v1beta/models/m:countTokens")
    assert is_generation_path("openai", "/v1/chat/completions")
    assert not is_generation_path("openai", "/v1/models")


EVENTS = [
    b'data: {"a": 1}\n\n',
    b'data: {"a": 1}\r\n\r\n',
    b'data: {"a": "\xc3\xa9\\n"}\n\n',
    b'data: {"a":\ndata: 1}\n\n',
    b'data:{"b": 2}\r\n\r\n',
    b'data: {"c": 3}\n: keep-alive\n\n',
    b'data: {"d": 4}\r',
    b"\n\r\n",
    b": ping\n\n",
    b'data: {"x": "\xff"}\n\n',
    b'data: {"error": {"code": 429, "message": "slow"}}\n\n',
    b'data: {"e": 5}}\n\n',
    b"data: [DONE]\n\n",
]


def outcome(route: str, chunks: list[bytes]) -> object:
    """What a reader fed `chunks` passes on, or the problem it raises."""
    reader = ReplyReader(route, "text/event-stream")  # type: ignore[arg-type]
    try:
        out = [piece for chunk in chunks for piece in reader.feed(chunk)]
        return b"".join(out + reader.finish())
    except ReplyProblem as problem:
        return (problem.status, problem.message)
    except ReplyCut:
        return "cut"


@given(st.lists(st.sampled_from(EVENTS), max_size=6), st.sampled_from(ROUTES))
def test_whole_events_read_as_the_same_bytes_one_by_one(
    events: list[bytes], route: str
) -> None:
    """An event that arrives whole (the common case, passed on without the
    framer) gives what the same bytes give when they arrive one by one."""
    body = b"".join(events)
    bytewise = [body[i : i + 1] for i in range(len(body))]
    assert outcome(route, events) == outcome(route, bytewise)
