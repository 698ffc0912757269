"""The raw server itself: a request read whole, the reply's bytes sent as written."""

from __future__ import annotations

import json
import socket
import time

import httpx

from tests.hostile.rawserver import RawServer, Request, raw_server, response


def test_records_the_request_and_sends_the_exact_reply() -> None:
    def handler(request: Request, conn: socket.socket) -> None:
        conn.sendall(response(201, json.dumps({"seen": request.path})))

    with raw_server(handler) as srv:
        reply = httpx.post(srv.base_url + "/v1/x", json={"a": 1}, timeout=5)
    assert reply.status_code == 201
    assert reply.json() == {"seen": "/v1/x"}
    assert srv.requests[0].json() == {"a": 1}
    assert srv.requests[0].headers["content-type"] == "application/json"


def test_close_ends_kept_alive_connections_at_once() -> None:
    """A client still holding its pooled connection does not hold up `close()`
    (it used to wait out the 5 s thread joins)."""

    def handler(request: Request, conn: socket.socket) -> None:
        conn.sendall(response(200, "{}"))

    with httpx.Client(timeout=5) as client:
        srv = RawServer(handler).start()
        assert client.get(srv.base_url + "/a").status_code == 200
        assert client.get(srv.base_url + "/b").status_code == 200  # same connection
        start = time.monotonic()
        srv.close()
        assert time.monotonic() - start < 1.0
    assert [r.path for r in srv.requests] == ["/a", "/b"]
