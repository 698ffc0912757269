"""A raw-socket HTTP server for hostile-network tests: it answers with exact bytes.

The emulator is polite (a real HTTP framework). Here every reply is the bytes a
handler writes to the socket, so tests can send what proxies and broken gateways
send: redirects, error bodies with status 200, cut streams, garbage, trickles.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import Any

KEY = "sk-hostile-0123456789abcdefghijklmnop"
"""The API key the tests give the model; it must never leak anywhere."""


@dataclass
class Request:
    """One request as the server read it off the socket."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


Handler = Callable[[Request, socket.socket], None]
"""Writes the raw reply; may sleep, trickle, or close the socket early."""


@dataclass
class RawServer:
    """A loopback server whose every reply is written by `handler`.

    `close()` shuts every accepted connection (kept-alive ones too), so it returns
    as soon as the handlers do instead of waiting out their socket timeouts.
    """

    handler: Handler
    requests: list[Request] = field(default_factory=list)
    _sock: socket.socket | None = None
    _threads: list[threading.Thread] = field(default_factory=list)
    _conns: set[socket.socket] = field(default_factory=set)
    _stop: threading.Event = field(default_factory=threading.Event)

    @property
    def port(self) -> int:
        assert self._sock is not None
        return int(self._sock.getsockname()[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> RawServer:
        self._sock = socket.create_server(("127.0.0.1", 0))
        self._sock.settimeout(0.2)
        thread = threading.Thread(target=self._accept, daemon=True)
        thread.start()
        self._threads.append(thread)
        return self

    def close(self) -> None:
        self._stop.set()
        if self._sock is not None:
            _shut(self._sock)  # wakes the accept loop at once
        for conn in list(self._conns):
            _shut(conn)  # a handler or a keep-alive read returns at once
        deadline = time.monotonic() + JOIN_TIMEOUT
        for thread in self._threads:
            thread.join(timeout=max(0.0, deadline - time.monotonic()))

    def _accept(self) -> None:
        assert self._sock is not None
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except (TimeoutError, OSError):
                continue
            self._conns.add(conn)
            if self._stop.is_set():  # accepted while closing
                _shut(conn)
            thread = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            thread.start()
            self._threads.append(thread)
        self._sock.close()

    def _serve(self, conn: socket.socket) -> None:
        conn.settimeout(10)
        reader = conn.makefile("rb")
        try:
            while not self._stop.is_set():
                request = _read_request(reader)
                if request is None:
                    return
                self.requests.append(request)
                self.handler(request, conn)
        except (OSError, ValueError):  # ValueError: a read cut mid-request
            return
        finally:
            reader.close()
            conn.close()
            self._conns.discard(conn)


JOIN_TIMEOUT = 2.0
"""Seconds `close()` waits in all for handlers still running (one sleeping through
its connection's shutdown); they are daemon threads, so none outlives the run."""


def _shut(sock: socket.socket) -> None:
    with suppress(OSError):  # not connected, or already closed
        sock.shutdown(socket.SHUT_RDWR)


def _read_request(reader: Any) -> Request | None:
    line = reader.readline()
    if not line:
        return None
    method, path, _ = line.decode("latin-1").split(" ", 2)
    headers: dict[str, str] = {}
    while (line := reader.readline()) not in (b"\r\n", b"\n", b""):
        name, _, value = line.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    body = b""
    if "content-length" in headers:
        body = reader.read(int(headers["content-length"]))
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        while size := int(reader.readline().split(b";")[0], 16):
            body += reader.read(size)
            reader.readline()
        reader.readline()
    return Request(method, path, headers, body)


def response(
    status: int = 200,
    body: bytes | str = b"",
    *,
    headers: dict[str, str] | None = None,
    content_type: str = "application/json",
) -> bytes:
    """A whole HTTP/1.1 response with Content-Length."""
    data = body.encode() if isinstance(body, str) else body
    lines = [f"HTTP/1.1 {status} X", f"Content-Type: {content_type}"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    lines.append(f"Content-Length: {len(data)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + data


def sse_head(status: int = 200, headers: dict[str, str] | None = None) -> bytes:
    """Headers of an event stream whose body is written raw and ends at close."""
    lines = [f"HTTP/1.1 {status} X", "Content-Type: text/event-stream"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def is_stream(request: Request) -> bool:
    """Whether the request asked for a stream (either route)."""
    if "streamGenerateContent" in request.path:
        return True
    try:
        return bool(request.json().get("stream"))
    except ValueError:
        return False


@contextmanager
def raw_server(handler: Handler) -> Iterator[RawServer]:
    """`with raw_server(handler) as srv:` a started server, closed afterwards."""
    server = RawServer(handler).start()
    try:
        yield server
    finally:
        server.close()
