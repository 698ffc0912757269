"""Time and resources on a raw-socket server: deadlines, early close, pools."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx2
import pytest
from langchain_core.exceptions import ModelTimeoutError

from langchain_aihubmix import ChatAiHubMixGemini
from langchain_aihubmix.errors import AiHubMixError
from tests.hostile.rawserver import (
    KEY,
    RawServer,
    Request,
    is_stream,
    raw_server,
    response,
)
from tests.support import ENTRIES, ROOT, ROUTES, Entry, Transport

TRICKLE_GAP = 0.1
"""Seconds between the bytes of a trickled reply: well inside `TIMEOUT`, so no
single read ever times out."""
TIMEOUT = 0.3
SLACK = 4.0
"""Generous: the machine may be loaded. A trickled reply lasts 25 s and more, so
code that waited for all of it still fails."""


# -- replies -----------------------------------------------------------------


def _answer(request: Request) -> bytes:
    """A whole, valid JSON reply for either route."""
    if request.path.startswith("/gemini/"):
        body: dict[str, Any] = {
            "candidates": [
                {
                    "content": {"role": "model", "parts": [{"text": "Hello"}]},
                    "finishReason": "STOP",
                    "index": 0,
                }
            ],
            "usageMetadata": {
                "promptTokenCount": 1,
                "candidatesTokenCount": 1,
                "totalTokenCount": 2,
            },
            "modelVersion": "gemini-2.5-flash",
        }
    else:
        body = {
            "id": "c1",
            "object": "chat.completion",
            "created": 1,
            "model": "gemini-2.5-flash",
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": "Hello"},
                    "finish_reason": "stop",
                }
            ],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        }
    return json.dumps(body).encode()


def _events(request: Request, texts: tuple[str, ...] = ("Hel", "lo")) -> list[bytes]:
    """The SSE events of a whole, valid streamed answer for either route."""
    native = request.path.startswith("/gemini/")
    events: list[bytes] = []
    for i, text in enumerate(texts):
        last = i == len(texts) - 1
        if native:
            chunk: dict[str, Any] = {
                "candidates": [
                    {
                        "content": {"role": "model", "parts": [{"text": text}]},
                        "index": 0,
                    }
                ],
                "usageMetadata": {"promptTokenCount": 1, "totalTokenCount": 1},
                "modelVersion": "gemini-2.5-flash",
            }
            if last:
                chunk["candidates"][0]["finishReason"] = "STOP"
        else:
            chunk = {
                "id": "c1",
                "object": "chat.completion.chunk",
                "created": 1,
                "model": "gemini-2.5-flash",
                "choices": [
                    {
                        "index": 0,
                        "delta": {"role": "assistant", "content": text},
                        "finish_reason": "stop" if last else None,
                    }
                ],
            }
        events.append(b"data: " + json.dumps(chunk).encode() + b"\r\n\r\n")
    if not native:
        events.append(b"data: [DONE]\r\n\r\n")
    return events


def _whole(request: Request) -> bytes:
    """The whole reply (JSON or a stream) with Content-Length: the connection can
    be pooled and reused."""
    if is_stream(request):
        body = b"".join(_events(request))
        return response(200, body, content_type="text/event-stream")
    return response(200, _answer(request))


# -- the model and its four entry points --------------------------------------


def _model(srv: RawServer, route: Transport, **kwargs: Any) -> ChatAiHubMixGemini:
    args: dict[str, Any] = {"max_retries": 0, "timeout": 30.0, **kwargs}
    return ChatAiHubMixGemini(
        model="gemini-2.5-flash",
        api_key=KEY,
        base_url=srv.base_url,
        transport=route,
        **args,
    )


def _call(llm: ChatAiHubMixGemini, entry: Entry, **kwargs: Any) -> str:
    """The answer's text through one entry point."""
    if entry == "invoke":
        return llm.invoke("hi", **kwargs).text
    if entry == "stream":
        return "".join(c.text for c in llm.stream("hi", **kwargs))
    if entry == "ainvoke":
        return asyncio.run(llm.ainvoke("hi", **kwargs)).text

    async def collect() -> str:
        return "".join([c.text async for c in llm.astream("hi", **kwargs)])

    return asyncio.run(collect())


@contextmanager
def _server(
    handler: Callable[[Request, socket.socket, threading.Event], None],
) -> Iterator[RawServer]:
    """A raw server whose handlers stop sleeping and trickling when the test ends."""
    done = threading.Event()
    with raw_server(lambda request, conn: handler(request, conn, done)) as srv:
        try:
            yield srv
        finally:
            done.set()


def _trickle(conn: socket.socket, data: bytes, done: threading.Event) -> None:
    for i in range(len(data)):
        if done.wait(TRICKLE_GAP):
            return
        conn.sendall(data[i : i + 1])


# -- 8: timeout is a deadline per attempt --------------------------------------


def _trickle_all(request: Request, conn: socket.socket, done: threading.Event) -> None:
    """Headers and body, one byte every `TRICKLE_GAP` (no read waits `TIMEOUT`)."""
    _trickle(conn, _whole(request), done)


def _trickle_body(request: Request, conn: socket.socket, done: threading.Event) -> None:
    """Headers at once, then the body one byte every `TRICKLE_GAP`."""
    whole = _whole(request)
    head, _, body = whole.partition(b"\r\n\r\n")
    conn.sendall(head + b"\r\n\r\n")
    _trickle(conn, body, done)


def _trickle_second_chunk(
    request: Request, conn: socket.socket, done: threading.Event
) -> None:
    """A stream's first event at once, then the second one trickled."""
    events = _events(request)
    head, _, _ = response(200, b"", content_type="text/event-stream").partition(
        b"\r\n\r\n"
    )
    head = head.replace(b"Content-Length: 0", b"Connection: close")
    conn.sendall(head + b"\r\n\r\n" + events[0])
    _trickle(conn, b"".join(events[1:]), done)


def _expect_timeout(llm: ChatAiHubMixGemini, entry: Entry, **kwargs: Any) -> float:
    start = time.monotonic()
    with pytest.raises(AiHubMixError) as info:
        _call(llm, entry, **kwargs)
    elapsed = time.monotonic() - start
    err = info.value
    assert isinstance(err, ModelTimeoutError), repr(err)
    assert isinstance(err, TimeoutError)
    assert "timeout" in str(err).lower() or "timed out" in str(err).lower()
    assert "(127.0.0.1)" in str(err), str(err)  # the host, on every entry
    assert KEY not in str(err)
    return elapsed


@pytest.mark.parametrize("entry", ENTRIES)
@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("handler", [_trickle_all, _trickle_body], ids=["all", "body"])
def test_a_trickled_reply_times_out_at_the_deadline(
    route: Transport, entry: Entry, handler: Any
) -> None:
    """Every byte arrives within the read timeout, yet the attempt ends at its
    deadline with the typed timeout error (the old per-read timeout waited for
    the whole 25+ s trickle)."""
    with _server(handler) as srv:
        elapsed = _expect_timeout(_model(srv, route, timeout=TIMEOUT), entry)
    assert elapsed < TIMEOUT + SLACK


@pytest.mark.parametrize("entry", ["stream", "astream"])
@pytest.mark.parametrize("route", ROUTES)
def test_a_stream_times_out_between_chunks(route: Transport, entry: Entry) -> None:
    """After the first chunk the deadline restarts, and bounds the next one."""
    seen: list[str] = []
    with _server(_trickle_second_chunk) as srv:
        llm = _model(srv, route, timeout=TIMEOUT)
        start = time.monotonic()
        with pytest.raises(ModelTimeoutError, match=r"\(127\.0\.0\.1\)"):
            if entry == "stream":
                seen.extend(c.text for c in llm.stream("hi"))
            else:

                async def collect() -> None:
                    seen.extend([c.text async for c in llm.astream("hi")])

                asyncio.run(collect())
        elapsed = time.monotonic() - start
    assert elapsed < TIMEOUT * 2 + SLACK


@pytest.mark.parametrize("entry", ENTRIES)
@pytest.mark.parametrize("route", ROUTES)
def test_a_per_call_timeout_is_a_deadline_too(route: Transport, entry: Entry) -> None:
    """`timeout=` given to the call replaces the model's for that call."""
    with _server(_trickle_body) as srv:
        llm = _model(srv, route, timeout=60.0)
        elapsed = _expect_timeout(llm, entry, timeout=TIMEOUT)
    assert elapsed < TIMEOUT + SLACK


@pytest.mark.parametrize("route", ROUTES)
def test_a_deadline_timeout_is_retried_each_attempt_with_its_own_deadline(
    route: Transport,
) -> None:
    """With retries of billable failures allowed, each attempt gets the whole
    timeout; the call takes about attempts x timeout + the waits between them."""
    with _server(_trickle_all) as srv:
        llm = _model(srv, route, timeout=TIMEOUT, max_retries=1, retry_billable=True)
        elapsed = _expect_timeout(llm, "invoke")
        assert len(srv.requests) == 2
    assert elapsed < 2 * TIMEOUT + 0.5 + SLACK


@pytest.mark.parametrize("route", ROUTES)
def test_a_slow_but_steady_stream_is_not_cut(route: Transport) -> None:
    """Chunks that each arrive within the timeout pass, however long the whole
    stream takes (the deadline restarts at every chunk)."""

    def slow(request: Request, conn: socket.socket, done: threading.Event) -> None:
        events = _events(request, texts=tuple("abcdefgh"))
        head, _, _ = response(200, b"", content_type="text/event-stream").partition(
            b"\r\n\r\n"
        )
        conn.sendall(head.replace(b"Content-Length: 0", b"Connection: close"))
        conn.sendall(b"\r\n\r\n")
        for event in events:
            if done.wait(TRICKLE_GAP):
                return
            conn.sendall(event)
        conn.shutdown(socket.SHUT_WR)  # the end of a `Connection: close` body

    with _server(slow) as srv:
        llm = _model(srv, route, timeout=TIMEOUT + 0.2)  # < the whole stream (0.8 s)
        assert "".join(c.text for c in llm.stream("hi")) == "abcdefgh"


# -- 9: closing a stream early returns at once --------------------------------


def _two_chunks_then_sleep(
    stalls: int,
) -> Callable[[Request, socket.socket, threading.Event], None]:
    """A handler: the first `stalls` streamed requests get two chunks, then 10 s
    of silence, then the rest; any other request gets a whole answer."""
    stalled: list[Request] = []

    def handler(request: Request, conn: socket.socket, done: threading.Event) -> None:
        if not is_stream(request) or len(stalled) >= stalls:
            conn.sendall(_whole(request))
            return
        stalled.append(request)
        _stall(request, conn, done)

    return handler


def _stall(request: Request, conn: socket.socket, done: threading.Event) -> None:
    events = _events(request, texts=("a", "b", "c"))
    head = (
        b"HTTP/1.1 200 X\r\nContent-Type: text/event-stream\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n"
    )

    def chunked(data: bytes) -> bytes:
        return f"{len(data):x}\r\n".encode() + data + b"\r\n"

    conn.sendall(head + chunked(events[0]) + chunked(events[1]))
    if done.wait(10):
        return
    conn.sendall(b"".join(chunked(e) for e in events[2:]) + b"0\r\n\r\n")


EARLY_CLOSE_BOUND = 3.0
"""Seconds an early close may take (the server holds the rest for 10 s)."""


@pytest.mark.parametrize("route", ROUTES)
def test_breaking_out_of_a_stream_returns_at_once(route: Transport) -> None:
    with _server(_two_chunks_then_sleep(stalls=2)) as srv:
        llm = _model(srv, route)
        chunks = llm.stream("hi")
        assert next(chunks).text == "a"
        assert next(chunks).text == "b"
        start = time.monotonic()
        chunks.close()
        assert time.monotonic() - start < EARLY_CLOSE_BOUND
        start = time.monotonic()
        for _ in llm.stream("hi"):
            break
        assert time.monotonic() - start < EARLY_CLOSE_BOUND
        assert llm.invoke("hi").text == "Hello"
        assert "".join(c.text for c in llm.stream("hi")) == "Hello"


@pytest.mark.parametrize("route", ROUTES)
def test_closing_an_async_stream_early_returns_at_once(route: Transport) -> None:
    async def main(srv: RawServer) -> None:
        llm = _model(srv, route)
        chunks = llm.astream("hi")
        assert (await anext(chunks)).text == "a"
        assert (await anext(chunks)).text == "b"
        start = time.monotonic()
        await chunks.aclose()
        assert time.monotonic() - start < EARLY_CLOSE_BOUND
        assert (await llm.ainvoke("hi")).text == "Hello"
        assert "".join([c.text async for c in llm.astream("hi")]) == "Hello"

    with _server(_two_chunks_then_sleep(stalls=1)) as srv:
        asyncio.run(main(srv))


# -- 11: one client under threads, pools closed with their loop ---------------


@pytest.mark.parametrize("route", ROUTES)
def test_threads_racing_on_a_first_call_build_one_client(
    route: Transport, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Eight threads make a fresh model's first call at once: one HTTP client and
    one SDK client are built, not one per thread."""
    if route == "native":
        from google.genai import Client as SdkClient
    else:
        from openai import OpenAI as SdkClient
    built: dict[str, int] = {"http": 0, "sdk": 0}

    def counting(cls: type, key: str) -> None:
        init = cls.__init__

        def counted(self: Any, *args: Any, **kwargs: Any) -> None:
            built[key] += 1
            init(self, *args, **kwargs)

        monkeypatch.setattr(cls, "__init__", counted)

    counting(httpx2.Client, "http")
    counting(SdkClient, "sdk")
    barrier = threading.Barrier(8)
    answers: list[str] = []

    def call(llm: ChatAiHubMixGemini) -> None:
        barrier.wait()
        answers.append(llm.invoke("hi").text)

    with _server(lambda r, c, d: c.sendall(_whole(r))) as srv:
        llm = _model(srv, route)
        threads = [threading.Thread(target=call, args=(llm,)) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    assert answers == ["Hello"] * 8
    assert built == {"http": 1, "sdk": 1}


_LOOPS_SCRIPT = r"""
import asyncio, gc, socket, sys, time
from langchain_aihubmix import ChatAiHubMixGemini
from tests.hostile.rawserver import KEY, raw_server, response, is_stream
from tests.hostile.test_time_and_resources import _events, _whole

def handler(request, conn):
    if "hold" in request.body.decode():
        head = "HTTP/1.1 200 X\r\nContent-Type: text/event-stream\r\n"
        head += "Content-Length: 100000\r\n\r\n"
        conn.sendall(head.encode() + _events(request)[0])
        conn.recv(1)  # held open until the client closes it
    elif "fail" in request.body.decode():
        conn.sendall(response(500, '{"error": {"code": 500, "message": "x"}}'))
    else:
        conn.sendall(_whole(request))

async def main(llm):
    assert (await llm.ainvoke("hi")).text == "Hello"
    assert "".join([c.text async for c in llm.astream("hi")]) == "Hello"
    try:
        async for _ in llm.astream("fail"):
            pass
    except Exception as exc:
        assert type(exc).__name__.endswith("APIError"), repr(exc)
    else:
        raise AssertionError("no error")
    held = llm.astream("hold")
    assert (await anext(held)).text == "Hel"
    await held.aclose()

with raw_server(handler) as srv:
    for route in ("native", "openai"):
        llm = ChatAiHubMixGemini(model="gemini-2.5-flash", api_key=KEY,
            base_url=srv.base_url, transport=route, max_retries=0)
        for _ in range(4):
            asyncio.run(main(llm))
        llm.invoke("hi")
        del llm
        gc.collect()
gc.collect()
print("ok")
"""


def test_async_pools_close_with_their_loop_and_nothing_warns() -> None:
    """ainvoke / astream (one failing, one closed early) across several
    `asyncio.run` loops, on both routes, under `-W error::ResourceWarning`: no
    unclosed socket or transport and no "aclose(): asynchronous generator is
    already running"."""
    proc = subprocess.run(
        [sys.executable, "-W", "error::ResourceWarning", "-c", _LOOPS_SCRIPT],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().endswith("ok")
    assert "ResourceWarning" not in proc.stderr
    assert "already running" not in proc.stderr
    assert "Exception ignored" not in proc.stderr, proc.stderr


_FIRST_AINVOKE = """
import asyncio, importlib.abc, json, sys, threading, time
from langchain_aihubmix import ChatAiHubMixGemini
from tests.hostile.rawserver import KEY, raw_server
from tests.hostile.test_time_and_resources import _whole

SDK = {"native": "google.genai", "openai": "openai"}[sys.argv[1]]
on_loop_thread = []

class Spy(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name == SDK and not on_loop_thread:
            on_loop_thread.append(threading.current_thread() is threading.main_thread())
        return None

sys.meta_path.insert(0, Spy())

async def main(llm):
    worst, stop = 0.0, False
    async def ticker():
        nonlocal worst
        while not stop:
            start = time.perf_counter()
            await asyncio.sleep(0.001)
            worst = max(worst, time.perf_counter() - start)
    task = asyncio.create_task(ticker())
    await asyncio.sleep(0.01)
    start = time.perf_counter()
    assert (await llm.ainvoke("hi")).text == "Hello"
    took = time.perf_counter() - start
    stop = True
    await task
    return worst, took

with raw_server(lambda request, conn: conn.sendall(_whole(request))) as srv:
    llm = ChatAiHubMixGemini(model="gemini-2.5-flash", api_key=KEY,
        base_url=srv.base_url, transport=sys.argv[1], max_retries=0)
    worst, took = asyncio.run(main(llm))
print(json.dumps({"on_loop_thread": on_loop_thread, "worst": worst, "took": took}))
"""


@pytest.mark.parametrize("route", ROUTES)
def test_the_first_ainvoke_imports_its_sdk_off_the_event_loop(route: Transport) -> None:
    """In a fresh interpreter, the first `ainvoke` imports the route's SDK (and
    builds the route) in a worker thread: the loop keeps running meanwhile (its
    longest stall is a small part of the call; on the loop, the import alone is
    about 85% of it)."""
    proc = subprocess.run(
        [sys.executable, "-c", _FIRST_AINVOKE, route],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report["on_loop_thread"] == [False], report
    assert report["worst"] < report["took"] / 3, report
