"""Hostile gateways: the key and the prompt never leave, long waits fail at once.

Raw-socket servers (tests/hostile/rawserver.py) redirect to another origin, echo the
key in error bodies, headers and malformed replies, and ask for huge retry delays;
both routes, all four entry points. Construction errors are checked here too.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import pickle
import socket
import time
import traceback
from collections.abc import Callable, Iterator
from itertools import product
from typing import Any

import openai
import pytest
from google.genai import errors as genai_errors
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.exceptions import ModelError, ModelRateLimitError
from langchain_core.load import dumps
from langchain_core.tracers.base import BaseTracer
from langchain_core.tracers.schemas import Run
from pydantic import ValidationError

from langchain_aihubmix import ChatAiHubMixGemini
from langchain_aihubmix.errors import AiHubMixError, InvalidInputError
from tests.hostile.rawserver import (
    KEY,
    Request,
    is_stream,
    raw_server,
    response,
    sse_head,
)
from tests.reliability.test_secrets import LOGGERS
from tests.support import turns

MODEL = "gemini-2.5-flash"
ROUTES = ("native", "openai")
ENTRIES = ("invoke", "stream", "ainvoke", "astream")
SDK_STATUS_ERROR = {"native": genai_errors.APIError, "openai": openai.APIStatusError}


def make_llm(base_url: str, route: str, **kw: Any) -> ChatAiHubMixGemini:
    kw.setdefault("max_retries", 0)
    return ChatAiHubMixGemini(
        model=MODEL,
        api_key=KEY,
        base_url=base_url,
        transport=route,  # type: ignore[arg-type]
        timeout=10,
        **kw,
    )


def call(llm: ChatAiHubMixGemini, entry: str, **config: Any) -> str:
    """One call through `entry`; the answer's text."""
    if entry == "invoke":
        return llm.invoke("hi", config=config).text
    if entry == "stream":
        return "".join(chunk.text for chunk in llm.stream("hi", config=config))
    if entry == "ainvoke":
        return asyncio.run(llm.ainvoke("hi", config=config)).text

    async def collect() -> str:
        return "".join([chunk.text async for chunk in llm.astream("hi", config=config)])

    return asyncio.run(collect())


def respond(status: int, body: bytes | str, **kw: Any) -> bytes:
    """`response(...)` on a connection the client closes once it has read it (so
    that the server's threads end at once)."""
    headers = {"Connection": "close", **kw.pop("headers", {})}
    return response(status, body, headers=headers, **kw)


def send(conn: socket.socket, data: bytes) -> None:
    """Write a reply; an event stream (whose body ends at close) is then ended."""
    conn.sendall(data)
    if data.startswith(sse_head()):
        conn.shutdown(socket.SHUT_WR)


def answer(request: Request, text: str) -> bytes:
    """A valid reply (either route, stream or not) whose answer is `text`."""
    if "/gemini/" in request.path:
        reply: dict[str, Any] = {
            "candidates": [
                {
                    "content": {"role": "model", "parts": [{"text": text}]},
                    "finishReason": "STOP",
                }
            ],
            "usageMetadata": {
                "promptTokenCount": 1,
                "candidatesTokenCount": 1,
                "totalTokenCount": 2,
            },
        }
        if is_stream(request):
            return sse_head() + f"data: {json.dumps(reply)}\r\n\r\n".encode()
        return respond(200, json.dumps(reply))
    if is_stream(request):
        chunks = [
            {
                "choices": [
                    {"index": 0, "delta": {"role": "assistant", "content": text}}
                ]
            },
            {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]},
        ]
        head = {"id": "c1", "object": "chat.completion.chunk", "created": 0}
        body = "".join(
            f"data: {json.dumps({**head, 'model': MODEL, **c})}\n\n" for c in chunks
        )
        return sse_head() + (body + "data: [DONE]\n\n").encode()
    completion = {
        "id": "c1",
        "object": "chat.completion",
        "created": 0,
        "model": MODEL,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }
    return respond(200, json.dumps(completion))


def answering(text: str) -> Callable[[Request, socket.socket], None]:
    def handler(request: Request, conn: socket.socket) -> None:
        send(conn, answer(request, text))

    return handler


# -- 1. redirects ------------------------------------------------------------------


@pytest.mark.parametrize("status", [302, 307, 308])
@pytest.mark.parametrize("entry", ENTRIES)
@pytest.mark.parametrize("route", ROUTES)
def test_redirect_to_another_origin_sends_it_nothing(
    route: str, entry: str, status: int
) -> None:
    with raw_server(answering("stolen answer")) as other:
        origin = other.base_url
        target = f"{origin}/collect?token=t0ps3cret"

        def gateway(request: Request, conn: socket.socket) -> None:
            send(conn, respond(status, b"", headers={"Location": target}))

        with raw_server(gateway) as gw:
            llm = make_llm(gw.base_url, route, max_retries=2)
            with pytest.raises(AiHubMixError) as info:
                call(llm, entry)
    assert other.requests == []
    assert len(gw.requests) == 1  # not retried either
    err = info.value
    assert isinstance(err, ModelError) and isinstance(err, SDK_STATUS_ERROR[route])
    assert err.status_code == status
    assert f"HTTP {status}" in str(err) and f"to {origin}," in str(err)
    assert "t0ps3cret" not in str(err) and "collect" not in str(err)


@pytest.mark.parametrize("entry", ENTRIES)
@pytest.mark.parametrize("route", ROUTES)
def test_same_origin_redirect_is_not_followed(route: str, entry: str) -> None:
    def gateway(request: Request, conn: socket.socket) -> None:
        if request.path.startswith("/moved"):
            send(conn, answer(request, "moved answer"))
        else:
            location = "/moved" + request.path
            send(conn, respond(307, b"", headers={"Location": location}))

    with raw_server(gateway) as gw:
        origin = gw.base_url
        llm = make_llm(origin, route)
        with pytest.raises(AiHubMixError) as info:
            call(llm, entry)
    assert [r.path.startswith("/moved") for r in gw.requests] == [False]
    assert info.value.status_code == 307
    assert f"to {origin}," in str(info.value)


@pytest.mark.parametrize("route", ROUTES)
def test_client_args_cannot_turn_redirects_on(route: str) -> None:
    with raw_server(answering("stolen answer")) as other:

        def gateway(request: Request, conn: socket.socket) -> None:
            headers = {"Location": other.base_url + request.path}
            send(conn, respond(308, b"", headers=headers))

        with raw_server(gateway) as gw:
            llm = make_llm(gw.base_url, route, client_args={"follow_redirects": True})
            with pytest.raises(AiHubMixError):
                llm.invoke("hi")
    assert other.requests == []


# -- 2. an error body that echoes the key --------------------------------------------


def exposed(exc: BaseException) -> str:
    """Everything an exception shows: str, repr, traceback, pickle, chain, HTTP."""
    texts = [str(exc), repr(exc), "".join(traceback.format_exception(exc))]
    try:
        texts.append(repr(pickle.dumps(exc)))
    except Exception as err:  # unpicklable SDK errors: say so
        texts.append(repr(err))
    seen: set[int] = set()
    todo: list[BaseException] = [exc]
    while todo:
        current = todo.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        texts += [repr(current.args), repr(vars(current))]
        texts += list(getattr(current, "__notes__", []))
        texts.append(repr(getattr(current, "doc", "")))
        texts.append(repr(getattr(current, "object", "")))
        for name in ("response", "request", "_request"):
            texts.append(http_object(vars(current).get(name)))
        todo += [e for e in (current.__cause__, current.__context__) if e]
    return "\n".join(texts)


def http_object(obj: Any) -> str:
    """What an httpx / httpx2 response or request holds (None -> '')."""
    if obj is None:
        return ""
    parts = [
        repr(obj),
        repr(dict(obj.headers)),
        str(obj.url if hasattr(obj, "url") else ""),
    ]
    if hasattr(obj, "status_code"):  # a response
        for reader in ("text", "json", "content"):
            with contextlib.suppress(Exception):  # an unread stream, not JSON
                value = getattr(obj, reader)
                parts.append(repr(value() if reader == "json" else value))
        with contextlib.suppress(RuntimeError):  # no request
            parts.append(http_object(obj.request))
    else:  # a request
        with contextlib.suppress(Exception):  # a streaming body
            parts.append(repr(obj.content))
    return "\n".join(parts)


class Recorder(BaseCallbackHandler):
    """Keeps the repr of everything any callback receives."""

    def __init__(self) -> None:
        self.seen: list[str] = []
        self.called: list[str] = []
        self.errors: list[BaseException] = []

    def __getattribute__(self, name: str) -> Any:
        if name.startswith("on_") and name != "on_llm_error":
            seen = object.__getattribute__(self, "seen")
            called = object.__getattribute__(self, "called")

            def record(*args: Any, **kwargs: Any) -> None:
                called.append(name)
                seen.append(repr((name, args, kwargs)))

            return record
        return object.__getattribute__(self, name)

    def on_llm_error(self, error: BaseException, **kwargs: Any) -> None:
        self.called.append("on_llm_error")
        self.errors.append(error)
        self.seen.append(exposed(error))
        self.seen.append(repr(kwargs))
        response = kwargs.get("response")
        if response is not None:
            self.seen.append(response.model_dump_json())


class Tracer(BaseTracer):
    """Keeps every finished run."""

    def __init__(self) -> None:
        super().__init__()
        self.runs: list[Run] = []

    def _persist_run(self, run: Run) -> None:
        self.runs.append(run)

    def shown(self) -> str:
        out: list[str] = []
        for run in self.runs:
            out += [dumps(run), repr(run), str(run.error), repr(run.outputs)]
            out += [repr(run.extra), json.dumps(run.outputs, default=repr)]
        return "\n".join(out)


AIHUBMIX_SHAPE = {
    "error": {
        "message": f"Invalid token: {KEY} (request id: r-1)",
        "type": "aihubmix_api_error",
        "param": KEY,
        "code": KEY,
    }
}
GOOGLE_SHAPE = {
    "error": {
        "code": 0,
        "message": f"API key not valid. Please pass a valid API key: {KEY}",
        "status": "INVALID_ARGUMENT",
        "details": [{"@type": "type.googleapis.com/x", "key": KEY}],
    }
}


SHAPES = ("aihubmix", "google")


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    for name in LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name)
    yield caplog


def logged(caplog: pytest.LogCaptureFixture) -> str:
    """Every captured record, httpcore's trace of the raw response headers included
    (it logs them as received, before any code of this package runs)."""
    return "\n".join(
        f"{r.getMessage()} {r.args!r} {r.__dict__!r} {r.exc_text}"
        for r in caplog.records
    )


@pytest.mark.usefixtures("no_backoff")
@pytest.mark.parametrize(
    ("route", "entry", "status", "shape", "in_header"),
    turns(product(ROUTES, ENTRIES, [400, 401, 429, 500]), SHAPES, [False, True]),
)
def test_echoed_key_reaches_no_callback_tracer_log_or_error(
    route: str,
    entry: str,
    shape: str,
    status: int,
    in_header: bool,
    debug_logs: pytest.LogCaptureFixture,
) -> None:
    """Every status on every route and entry point; the body's shape and the
    header echo take turns (each shape x echo meets every route x entry and every
    route x status)."""
    body = dict(AIHUBMIX_SHAPE if shape == "aihubmix" else GOOGLE_SHAPE)
    body = {"error": {**body["error"], "code": status if shape == "google" else KEY}}
    headers = {"X-Request-Id": "r-1"}
    if in_header:
        headers["X-Echo"] = f"key={KEY}"

    def gateway(request: Request, conn: socket.socket) -> None:
        send(conn, respond(status, json.dumps(body), headers=headers))

    recorder, tracer = Recorder(), Tracer()
    with raw_server(gateway) as gw:
        llm = make_llm(gw.base_url, route, max_retries=1)
        with pytest.raises(AiHubMixError) as info:
            call(llm, entry, callbacks=[recorder, tracer])
    retried = status in (429, 500)
    assert len(gw.requests) == (2 if retried else 1)
    err = info.value
    assert err.status_code == status and isinstance(err, ModelError)
    assert recorder.errors and tracer.runs and tracer.runs[0].error
    # (langchain-core's stream() gives the model no run manager to report retries)
    assert ("on_retry" in recorder.called) is (retried and "invoke" in entry)
    assert "Invalid token" in str(err) or "API key not valid" in str(err)
    assert KEY not in exposed(err)
    assert KEY not in "\n".join(recorder.seen)
    assert KEY not in tracer.shown()
    assert KEY not in logged(debug_logs)
    assert err.response is not None and err.response.json()["error"]["message"]


# -- 3. a malformed reply that echoes the key ---------------------------------------


def _malformed(kind: str, request: Request) -> bytes:
    if not is_stream(request):
        if kind == "json":
            return respond(200, '{"candidates": [{"note": "' + KEY + '" ')
        return respond(200, f"<html>bad gateway {KEY}</html>", content_type="text/html")
    if kind == "json":
        return sse_head() + f'data: {{"note": "{KEY}" \n\n'.encode()
    return sse_head() + f"data: <html>{KEY}</html>\n\n".encode()


@pytest.mark.parametrize("kind", ["json", "html"])
@pytest.mark.parametrize("entry", ENTRIES)
@pytest.mark.parametrize("route", ROUTES)
def test_malformed_reply_echoing_the_key_leaks_nowhere(
    route: str, entry: str, kind: str, debug_logs: pytest.LogCaptureFixture
) -> None:
    def gateway(request: Request, conn: socket.socket) -> None:
        send(conn, _malformed(kind, request))

    recorder, tracer = Recorder(), Tracer()
    with raw_server(gateway) as gw:
        llm = make_llm(gw.base_url, route)
        with pytest.raises(AiHubMixError) as info:  # more: the broken-reply tests
            call(llm, entry, callbacks=[recorder, tracer])
    assert isinstance(info.value, SDK_STATUS_ERROR[route])
    assert KEY not in exposed(info.value)
    assert KEY not in "\n".join(recorder.seen)
    assert KEY not in tracer.shown()
    assert KEY not in logged(debug_logs)


# -- 4. construction errors ----------------------------------------------------------

BAD_CONSTRUCTIONS: list[dict[str, Any]] = [
    {"model": MODEL, "thinking_budget": 10, "reasoning_effort": "low"},
    {"model": MODEL, "no_such_field": 1},
    {"model": MODEL, "apikey": KEY},  # a misspelt key field: its value is a key
    {"model": MODEL, "top_k": "many"},
    {"model": MODEL, "max_retries": -1},
    {"model": MODEL, "default_headers": {"Authorization": f"Bearer {KEY}", "n": 1}},
    {},  # no model: the whole input is quoted
]


def validation_shown(err: BaseException) -> str:
    shown = [str(err), repr(err), "".join(traceback.format_exception(err))]
    if isinstance(err, ValidationError):
        shown += [repr(err.errors()), err.json()]
    return "\n".join(shown)


@pytest.mark.parametrize("as_secret", [False, True])
@pytest.mark.parametrize("kwargs", BAD_CONSTRUCTIONS)
def test_construction_error_never_shows_the_key(
    kwargs: dict[str, Any], as_secret: bool
) -> None:
    """Whether pydantic's error (redacted) or the package's typed one (which names
    the field, never the input), no construction error shows the key."""
    from pydantic import SecretStr

    key: Any = SecretStr(KEY) if as_secret else KEY
    with pytest.raises((ValidationError, InvalidInputError)) as info:
        ChatAiHubMixGemini(api_key=key, **kwargs)
    shown = validation_shown(info.value)
    assert KEY not in shown
    assert KEY[:12] not in shown  # not even pydantic's truncated form
    if isinstance(info.value, ValidationError):
        assert info.value.title == "ChatAiHubMixGemini"
        assert info.value.errors()  # the errors themselves are kept
    with pytest.raises((ValidationError, InvalidInputError)) as validated:
        ChatAiHubMixGemini.model_validate({"api_key": key, **kwargs})
    assert KEY not in validation_shown(validated.value)


def test_construction_error_keeps_its_message() -> None:
    with pytest.raises(ValidationError) as info:
        ChatAiHubMixGemini(model=MODEL, api_key=KEY, top_k="many")
    (line,) = info.value.errors()
    assert (line["loc"], line["type"], line["input"]) == (
        ("top_k",),
        "int_parsing",
        "many",
    )
    with pytest.raises(ValidationError) as missing:
        ChatAiHubMixGemini(api_key=KEY)
    (line,) = missing.value.errors()
    assert line["type"] == "missing" and line["input"] == {"api_key": "**********"}


def test_copy_bind_and_config_never_show_the_key() -> None:
    llm = ChatAiHubMixGemini(model=MODEL, api_key=KEY)
    for derived in (
        llm.model_copy(update={"temperature": 0.5}),
        llm.bind(temperature=0.5),
        llm.model_copy(update={"api_key": KEY}),
        llm.with_config(tags=["t"]),
    ):
        assert KEY not in repr(derived) and KEY not in str(derived)
        assert KEY not in dumps(derived)
    with pytest.raises(InvalidInputError, match="Unknown option 'api_key'") as info:
        llm.bind(api_key=KEY).invoke("hi")  # an unknown call option, before sending
    assert KEY not in exposed(info.value)


# -- 10. a retry delay beyond the cap -----------------------------------------------


@pytest.mark.parametrize("how", ["Retry-After", "RetryInfo"])
@pytest.mark.parametrize("entry", ENTRIES)
@pytest.mark.parametrize("route", ROUTES)
def test_retry_delay_beyond_the_cap_fails_at_once(
    route: str, entry: str, how: str
) -> None:
    error: dict[str, Any] = {
        "code": 429,
        "message": "slow down",
        "status": "RESOURCE_EXHAUSTED",
    }
    headers: dict[str, str] = {}
    if how == "RetryInfo":
        error["details"] = [
            {
                "@type": "type.googleapis.com/google.rpc.RetryInfo",
                "retryDelay": "100000s",
            }
        ]
    else:
        headers["Retry-After"] = "100000"

    def gateway(request: Request, conn: socket.socket) -> None:
        send(conn, respond(429, json.dumps({"error": error}), headers=headers))

    with raw_server(gateway) as gw:
        llm = make_llm(gw.base_url, route, max_retries=3)
        started = time.monotonic()
        with pytest.raises(ModelRateLimitError) as info:
            call(llm, entry)
        elapsed = time.monotonic() - started
    assert elapsed < 5
    assert len(gw.requests) == 1
    assert isinstance(info.value, AiHubMixError)
    assert info.value.retry_after == 100000
