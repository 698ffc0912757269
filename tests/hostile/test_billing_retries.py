"""Retries and double billing: which failures are sent again, counted per case.

Each failure class the package used to retry, served by a raw socket, on both
routes: by default only what the gateway cannot have billed is retried (a 429, its
own worded 5xx errors, an error envelope inside a 200); a timeout after the request
left, a reset, a proxy's bare 502, a malformed 200 and a stream cut after the
gateway answered are sent once. `retry_billable=True` retries them all.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable

import pytest
from langchain_core.exceptions import ModelError

from langchain_aihubmix import ChatAiHubMixGemini
from tests.hostile.rawserver import KEY, Request, raw_server, response, sse_head
from tests.hostile.tally import TALLY
from tests.support import ROUTES, run

JSON_ERROR = '{"error": {"message": "upstream busy (request id: r1)", "type": "x"}}'


def _reply(data: bytes) -> Callable[[Request, socket.socket], None]:
    def handler(_request: Request, conn: socket.socket) -> None:
        conn.sendall(data)
        conn.shutdown(socket.SHUT_RDWR)

    return handler


def _silent(_request: Request, conn: socket.socket) -> None:
    time.sleep(0.8)  # past the 0.4 s timeout: the request was sent, no answer
    conn.shutdown(socket.SHUT_RDWR)


def _reset(_request: Request, conn: socket.socket) -> None:
    conn.shutdown(socket.SHUT_RDWR)


def _once(
    status: int, body: str, **kw: str
) -> Callable[[Request, socket.socket], None]:
    """A reply that ends its connection (no retry meets a pooled one shut since)."""
    return _reply(response(status, body, headers={"Connection": "close"}, **kw))


CASES: dict[str, tuple[Callable[[Request, socket.socket], None], str, bool]] = {
    "429": (_once(429, JSON_ERROR), "invoke", False),
    "gateway-503": (_once(503, JSON_ERROR), "invoke", False),
    "error-in-200": (
        _once(200, '{"error": {"code": 503, "message": "busy"}}'),
        "invoke",
        False,
    ),
    "proxy-502": (
        _once(502, "<html>Bad Gateway</html>", content_type="text/html"),
        "invoke",
        True,
    ),
    "malformed-200": (_once(200, "<html>ok</html>"), "invoke", True),
    "read-timeout": (_silent, "ainvoke", True),
    "reset": (_reset, "invoke", True),
    "stream-cut": (_reply(sse_head() + b'data: {"candid'), "stream", True),
}


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.usefixtures("no_backoff")
def test_what_is_sent_again(route: str, case: str) -> None:
    handler, entry, billed = CASES[case]
    for retry_billable in (False, True):
        with raw_server(handler) as srv:
            llm = ChatAiHubMixGemini(
                model="gemini-2.5-flash",
                base_url=srv.base_url,
                api_key=KEY,
                transport=route,  # type: ignore[arg-type]
                max_retries=2,
                timeout=0.4 if case == "read-timeout" else 5,
                retry_billable=retry_billable,
            )
            with pytest.raises(ModelError):
                run(llm, entry, "hi")
            TALLY["calls"] += 1
            TALLY["faults"] += len(srv.requests)
        sent = 1 if billed and not retry_billable else 3
        assert len(srv.requests) == sent, (case, retry_billable)
