"""The raw server itself: a request read whole, the reply's bytes sent as written."""

from __future__ import annotations

import json
import socket

import httpx

from tests.hostile.rawserver import Request, raw_server, response


def test_records_the_request_and_sends_the_exact_reply() -> None:
    def handler(request: Request, conn: socket.socket) -> None:
        conn.sendall(response(201, json.dumps({"seen": request.path})))

    with raw_server(handler) as srv:
        reply = httpx.post(srv.base_url + "/v1/x", json={"a": 1}, timeout=5)
    assert reply.status_code == 201
    assert reply.json() == {"seen": "/v1/x"}
    assert srv.requests[0].json() == {"a": 1}
    assert srv.requests[0].headers["content-type"] == "application/json"
