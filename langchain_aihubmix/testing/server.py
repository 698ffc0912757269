"""HTTP plumbing: keep-alive server, routing, auth, request log, faults, SSE writing."""

from __future__ import annotations

import json
import re
import secrets
import socket
import sys
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal
from urllib.parse import parse_qsl, urlsplit

from langchain_aihubmix.testing import (
    billing,
    catalog,
    embeddings,
    native,
    openai_compat,
)
from langchain_aihubmix.testing.errors import (
    HttpError,
    free_quota,
    gateway_error,
    google_error,
    rate_limited,
    server_fault,
)
from langchain_aihubmix.testing.faults import Fault, FaultBook
from langchain_aihubmix.testing.reply import Exchange, JsonReply, StreamReply
from langchain_aihubmix.testing.state import State

Api = Literal["native", "openai", "other"]
"""Which API a request addressed (`other`: anything else, e.g. the catalogue)."""
_NATIVE = re.compile(
    r"^/gemini/v1beta/models/([^/:]+):(generateContent|streamGenerateContent)$"
)


@dataclass
class RecordedRequest:
    """One request as received (headers lower-cased, body parsed JSON or None)."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any
    route: Api


class Runtime:
    """Mutable state shared by the handler threads."""

    def __init__(self, state: State, latency: float) -> None:
        self.state = state
        self.faults = FaultBook()
        self.latency = latency
        self.log: list[RecordedRequest] = []
        self.connections = 0
        self.lock = threading.Lock()

    def record(self, item: RecordedRequest) -> None:
        """Append to the request log."""
        with self.lock:
            self.log.append(item)


class Server(ThreadingHTTPServer):
    """Threaded loopback server that counts accepted connections."""

    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    request_queue_size = 2048

    def __init__(self, address: tuple[str, int], runtime: Runtime) -> None:
        self.runtime = runtime
        super().__init__(address, Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        """Count the connection, then serve it on its own thread."""
        with self.runtime.lock:
            self.runtime.connections += 1
        super().process_request(request, client_address)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Ignore clients that hang up; report anything else."""
        exc = sys.exc_info()[1]
        if not isinstance(exc, (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)


class Handler(BaseHTTPRequestHandler):
    """Serves both routes over HTTP/1.1 keep-alive."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    timeout = 300
    server: Server

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the default stderr access log."""

    def do_GET(self) -> None:
        """Handle GET."""
        self._serve()

    def do_POST(self) -> None:
        """Handle POST."""
        self._serve()

    def do_DELETE(self) -> None:
        """Handle DELETE (always 404)."""
        self._serve()

    def _serve(self) -> None:
        runtime = self.server.runtime
        url = urlsplit(self.path)
        query = dict(parse_qsl(url.query, keep_blank_values=True))
        headers = {k.lower(): v for k, v in self.headers.items()}
        raw = self._read_body(headers)
        body, body_ok = _parse(raw)
        route = _route_of(self.command, url.path)
        runtime.record(
            RecordedRequest(self.command, url.path, query, headers, body, route)
        )
        ex = Exchange(
            secrets.token_hex(12), self.command, url.path, query, headers, body, body_ok
        )
        fault: Fault | None = None
        try:
            reply, fault = self._dispatch(ex, route)
        except HttpError as error:
            self._send_json(
                JsonReply(error.body, error.status, error.headers), ex.request_id
            )
            return
        except Exception as exc:  # pragma: no cover - a bug in the emulator
            bug = google_error(500, f"emulator error: {exc!r}")
            self._send_json(JsonReply(bug.body, 500), ex.request_id)
            return
        if fault is not None and fault.kind == "drop" and isinstance(reply, JsonReply):
            self._drop()
        elif isinstance(reply, StreamReply):
            drop_after = (
                fault.after_chunks
                if fault is not None and fault.kind == "drop"
                else None
            )
            self._send_stream(reply, ex.request_id, drop_after)
        else:
            self._send_json(reply, ex.request_id)

    def _dispatch(
        self, ex: Exchange, route: Api
    ) -> tuple[JsonReply | StreamReply, Fault | None]:
        runtime = self.server.runtime
        state = runtime.state
        if ex.method == "GET" and ex.path == "/api/v1/models":
            return JsonReply(catalog.aihubmix_catalogue(state.models)), None
        if ex.method == "GET" and ex.path in billing.PATHS:
            if ex.path != "/api/status":
                _authenticate(ex, "openai", state.api_key)
            return JsonReply(billing.reply(ex.path, state.billing)), None
        match = _NATIVE.match(ex.path) if ex.method == "POST" else None
        if route == "other" or (route == "native" and match is None):
            message = f"Invalid URL ({ex.method} {ex.path})"
            raise gateway_error(
                404, message, ex.request_id, native=ex.path.startswith("/gemini")
            )
        _authenticate(ex, route, state.api_key)
        fault = runtime.faults.take(route)
        slow = fault.delay if fault is not None and fault.kind == "slow" else 0.0
        try:
            if fault is not None:
                _apply(fault, ex.request_id, native=route == "native")
            if ex.path == "/v1/embeddings":
                return embeddings.handle(ex, state), fault
            if match is None:
                return openai_compat.handle(ex, state), fault
            stream = match.group(2) == "streamGenerateContent"
            sse = ex.query.get("alt") == "sse"
            return native.handle(ex, state, match.group(1), stream, sse), fault
        finally:
            # Latency and "slow" faults wait after the reply is chosen: a client that
            # gave up meanwhile must not take a scripted reply queued after it left.
            if runtime.latency + slow:
                time.sleep(runtime.latency + slow)

    def _read_body(self, headers: dict[str, str]) -> bytes:
        if "chunked" in headers.get("transfer-encoding", "").lower():
            parts: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return b"".join(parts)
                parts.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(headers.get("content-length") or 0)
        return self.rfile.read(length) if length else b""

    def _send_json(self, reply: JsonReply, request_id: str) -> None:
        data = json.dumps(reply.body, ensure_ascii=False).encode()
        self.send_response(reply.status)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("X-Request-Id", request_id)
        for key, value in reply.headers.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def _send_stream(
        self, reply: StreamReply, request_id: str, drop_after: int | None
    ) -> None:
        self.send_response(200)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("X-Request-Id", request_id)
        for key, value in reply.headers.items():
            self.send_header(key, value)
        self.end_headers()
        for n, event in enumerate(reply.events):
            if drop_after is not None and n >= drop_after:
                self._drop()
                return
            self.wfile.write(b"%x\r\n%s\r\n" % (len(event), event))
        if drop_after is not None:
            self._drop()
            return
        self.wfile.write(b"0\r\n\r\n")

    def _drop(self) -> None:
        """Close the socket abruptly (RST), mid-response."""
        self.close_connection = True
        try:
            self.connection.setsockopt(
                socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00"
            )
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def _parse(raw: bytes) -> tuple[Any, bool]:
    if not raw:
        return None, False
    try:
        return json.loads(raw), True
    except ValueError:
        return None, False


def _route_of(method: str, path: str) -> Api:
    if path.startswith("/gemini/"):
        return "native"
    if path in ("/v1/chat/completions", "/v1/embeddings") and method == "POST":
        return "openai"
    if path == "/v1/models" and method == "GET":
        return "openai"
    return "other"


def _authenticate(ex: Exchange, route: Api, api_key: str) -> None:
    native_route = route == "native"
    if native_route:
        key = ex.headers.get("x-goog-api-key") or ex.query.get("key")
    else:
        auth = ex.headers.get("authorization", "")
        key = auth[7:].strip() if auth.lower().startswith("bearer ") else None
    if not key:
        raise gateway_error(401, "no key provided", ex.request_id, native=native_route)
    if key != api_key:
        raise gateway_error(401, "Invalid token", ex.request_id, native=native_route)


def _apply(fault: Fault, request_id: str, *, native: bool) -> None:
    """Raise the fault's error; "slow" waits in `_dispatch`, "drop" when sending."""
    if fault.kind == "429":
        raise rate_limited(fault.retry_delay, request_id, native=native)
    if fault.kind in ("500", "502", "503", "504"):
        raise server_fault(int(fault.kind), request_id, native=native)
    if fault.kind == "free_quota":
        raise free_quota(fault.limit, request_id, native=native)
