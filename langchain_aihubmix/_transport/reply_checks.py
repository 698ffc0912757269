"""Whether a 2xx generation reply is an answer: error envelopes, malformed bodies, SSE.

Pure and incremental (`ReplyReader`): body bytes in, the bytes the SDK should read
out (an event stream re-framed as `data: {json}` events, so both SDKs read any legal
stream), or `ReplyProblem`. `reply_guard` applies it and raises typed errors."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from langchain_aihubmix._errors.bodies import MALFORMED_STATUS, envelope_status
from langchain_aihubmix._transport.sse import SSEFramer
from langchain_aihubmix.profiles import Transport

_GENERATION_PATH = {
    "native": re.compile(r":(?:stream)?[gG]enerateContent$"),
    "openai": re.compile(r"/chat/completions$"),
}

PARSE_LIMIT = 1024 * 1024
"""Bodies and events from this size up are not parsed here (an error envelope is
never that large; parsing twice would stall a loop on large media): they only have
to start like a JSON object (the SDK's decoding error is still the typed 502)."""

_SSE_START = re.compile(rb"\s*(?:data|event|id|retry)?:")
_EXCERPT = 200


class ReplyProblem(Exception):
    """A 2xx reply that is not an answer: the `status` it stands for (the envelope's,
    or `MALFORMED_STATUS`), `message` (what is wrong, or the gateway's) and `body`
    (the parsed error envelope, or None)."""

    def __init__(self, status: int, message: str, body: Any = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.body = body


class ReplyCut(Exception):
    """An event stream that ends in the middle of an event (a dropped connection)."""


def is_generation_path(route: Transport, path: str) -> bool:
    """Whether `path` is the route's generation endpoint (the only one checked)."""
    return _GENERATION_PATH[route].search(path) is not None


def _error_value(body: Any) -> Any:
    """The `error` of an error envelope (`{"error": ...}` or `[{"error": ...}]`)."""
    if isinstance(body, list) and body and isinstance(body[0], Mapping):
        body = body[0]
    if isinstance(body, Mapping):
        inner = body.get("error")
        if isinstance(inner, (Mapping, str)) and inner:
            return inner
    return None


def _kind(value: Any) -> str:
    """How JSON names the type of `value`."""
    if value is None or isinstance(value, bool):
        return json.dumps(value)
    if isinstance(value, list):
        return "an array"
    return "a string" if isinstance(value, str) else "a number"


def _excerpt(data: bytes) -> str:
    text = data[:_EXCERPT].decode("utf-8", "replace")
    return repr(text) + ("..." if len(data) > _EXCERPT else "")


def _malformed(what: str, data: bytes | None = None) -> ReplyProblem:
    detail = "" if data is None else f": {_excerpt(data)}"
    message = f"The gateway's reply is not a valid answer ({what}){detail}"
    return ReplyProblem(MALFORMED_STATUS, message)


def _utf8(data: bytes) -> str | None:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _load(data: bytes, what: str) -> Any:
    """`data` parsed as JSON; raises `ReplyProblem` naming `what` otherwise."""
    if (text := _utf8(data)) is None:
        raise _malformed(f"{what} is not UTF-8", data)
    try:
        return json.loads(text)
    except ValueError:
        raise _malformed(f"{what} is not JSON", data) from None


def _large_object(data: bytes, what: str) -> bool:
    """Whether `data` is too large to parse here (see `PARSE_LIMIT`); raises
    `ReplyProblem` when it does not even start like a JSON object."""
    if len(data) < PARSE_LIMIT:
        return False
    if data[:4096].lstrip()[:1] != b"{":
        raise _malformed(f"{what} is not a JSON object", data)
    return True


def raise_if_error(value: Any) -> None:
    """Raise `ReplyProblem` (the status it names) when `value` is an error envelope."""
    inner = _error_value(value)
    if inner is None:
        return
    if isinstance(inner, str):
        inner = {"message": inner}
    body = value[0] if isinstance(value, list) else value
    raise ReplyProblem(
        envelope_status(inner),
        str(inner.get("message") or "The gateway sent an error"),
        {**body, "error": inner},
    )


def check_body(route: Transport, data: bytes, content_type: str) -> None:
    """Raise `ReplyProblem` unless `data` is a whole answer of `route`.

    An answer is a JSON object that is no error envelope and carries candidates
    (native; or `promptFeedback`: a blocked prompt is an answer) or choices.
    """
    if not data or data.isspace():  # (`strip` would copy a large body)
        raise _malformed("empty body")
    if _large_object(data, "the body"):
        return
    what = f"the {content_type or 'untyped'} body"
    value = _load(data, what)
    raise_if_error(value)
    if not isinstance(value, Mapping):
        raise _malformed(f"the body is {_kind(value)}, not a JSON object")
    if route == "native":
        if value.get("candidates") or value.get("promptFeedback"):
            return
        raise _malformed("no candidates and no promptFeedback")
    if not value.get("choices"):
        raise _malformed("no choices")


def check_event(route: Transport, data: bytes) -> bytes | None:
    """The data of one stream event to pass on (None: nothing to pass on).

    Raises `ReplyProblem` for an error event or one that is not a JSON object.
    """
    if not data or data.isspace():
        return None
    if len(data) < 16 and data.strip() == b"[DONE]":
        return b"[DONE]" if route == "openai" else None
    if not (_large_object(data, "a stream event") or _plain_object(data)):
        value = _load(data, "a stream event")
        raise_if_error(value)
        if not isinstance(value, Mapping):
            what = f"a stream event is {_kind(value)}, not a JSON object"
            raise _malformed(what, data)
    return data.replace(b"\n", b" ")  # JSON has newlines only between tokens


def _plain_object(data: bytes) -> bool:
    """Whether an event is plainly an answer's JSON object, so that it need not be
    parsed here as well as by the SDK: braced, valid UTF-8, no `"error"` key. A
    braced event that is still not JSON fails in the SDK's parser, which
    `raise_classified` maps to the same typed 502 (without the request id)."""
    braced = data[:1] == b"{" and data.rstrip()[-1:] == b"}"
    return braced and b'"error"' not in data and _utf8(data) is not None


def _one_plain_event(chunk: bytes) -> bytes | None:
    """`chunk` as `_frame` frames it when it is exactly one `data: {...}` event
    (LF or CRLF line ends) whose data is a `_plain_object` on one line (the
    common case, passed on without the framer); else None."""
    crlf = chunk.endswith(b"\r\n\r\n")
    data = chunk[6 : -4 if crlf else -2]
    if not chunk.startswith(b"data: ") or not (crlf or chunk.endswith(b"\n\n")):
        return None
    one_line = len(chunk) < PARSE_LIMIT and b"\n" not in data and b"\r" not in data
    if not one_line or not _plain_object(data):
        return None
    return b"data: " + data + b"\n\n" if crlf else chunk


class ReplyReader:
    """One 2xx reply body, checked as it is read: an event stream (by its content
    type, or its start: a `data:` / `event:` / `id:` / `retry:` / comment line) event
    by event, anything else whole at its end (`check_body`)."""

    def __init__(self, route: Transport, content_type: str) -> None:
        self._route = route
        self._content_type = content_type.split(";", maxsplit=1)[0].strip().lower()
        self._sse: SSEFramer | None = (
            SSEFramer() if self._content_type == "text/event-stream" else None
        )
        self._whole: list[bytes] | None = None
        self._head = b""

    def feed(self, chunk: bytes) -> list[bytes]:
        """What the SDK should read for `chunk` (maybe nothing yet)."""
        if self._undecided:
            self._head += chunk
            if len(self._head.lstrip()) < 8:
                return []  # not enough to tell yet
            chunk = self._decide()
        return self._read(chunk)

    def finish(self) -> list[bytes]:
        """What the SDK should read at the end of the body."""
        out = self._read(self._decide()) if self._undecided else []
        if self._whole is not None:
            data = b"".join(self._whole)
            check_body(self._route, data, self._content_type)
            return [data]
        assert self._sse is not None
        pending = self._sse.finish()
        if pending is None:
            return out
        try:
            return [f for f in (*out, self._frame(pending)) if f]
        except ReplyProblem as problem:
            if problem.status != MALFORMED_STATUS:
                raise
            msg = "the event stream was cut in the middle of an event"
            raise ReplyCut(msg) from None

    @property
    def _undecided(self) -> bool:
        return self._sse is None and self._whole is None

    def _read(self, chunk: bytes) -> list[bytes]:
        if self._whole is not None:
            self._whole.append(chunk)
            return []
        assert self._sse is not None
        if self._sse.idle and (event := _one_plain_event(chunk)) is not None:
            return [event]
        return [f for f in map(self._frame, self._sse.feed(chunk)) if f]

    def _decide(self) -> bytes:
        """Choose stream or whole body from the head read so far; returns it."""
        head, self._head = self._head, b""
        if _SSE_START.match(head.removeprefix(b"\xef\xbb\xbf")):
            self._sse = SSEFramer()
        else:
            self._whole = []
        return head

    def _frame(self, data: bytes) -> bytes:
        checked = check_event(self._route, data)
        return b"" if checked is None else b"data: " + checked + b"\n\n"
