"""The doctor's first question, free of charge: does this key reach the gateway?"""

from __future__ import annotations

import socket
import ssl

import httpx2

from langchain_aihubmix._doctor.wire import Wire
from langchain_aihubmix._errors import bodies
from langchain_aihubmix._transport.failover import MIRROR_BASE_URL, never_sent

_TRY_MIRROR = (
    f" (try the mirror {MIRROR_BASE_URL} with --base-url or AIHUBMIX_BASE_URL)"
)
_FAILURES: tuple[tuple[type[BaseException], str], ...] = (
    (socket.gaierror, "name not resolved" + _TRY_MIRROR),
    (ConnectionRefusedError, "connection refused (is the base URL right?)"),
    (ssl.SSLError, "TLS failed ({}); a proxy in the way?" + _TRY_MIRROR),
    (httpx2.TimeoutException, "no answer in time" + _TRY_MIRROR),
)
"""What a failure in an exception's chain means (`{}`: the exception)."""


def preflight(wire: Wire) -> str | None:
    """What stops the doctor before it spends anything; None when the key works.

    Sends `GET /v1/models` with the key (free: it lists the models the key may
    use) and says, in one line, what is wrong: the key rejected, the host not
    reachable (and why), or an answer that is not the gateway's. Of several
    `wire.roots`, the first that connects is asked (and becomes `wire.base_url`).
    """
    auth = {"Authorization": f"Bearer {wire.api_key}"}
    for root in wire.roots or (wire.base_url,):
        wire.base_url = root
        reply = wire.send("preflight", "GET", "/v1/models", headers=auth)
        if not never_sent(reply.error):
            break
    host = httpx2.URL(wire.base_url).host
    if reply.error is not None:
        why = _network_failure(reply.error)
        tried = MIRROR_BASE_URL in wire.roots  # (no hint to try it again)
        return f"cannot reach {host}: {why.replace(_TRY_MIRROR, '') if tried else why}"
    body = reply.json()
    if reply.status < 300 and isinstance(body, dict) and "error" not in body:
        return None  # (a 2xx that is no JSON object: a proxy's page, not the gateway)
    inner = bodies.error_object(body)
    status = (
        bodies.envelope_status(inner) if reply.status < 300 and inner else reply.status
    )
    said = bodies.redact(
        str((inner or {}).get("message") or reply.text[:200]), wire.api_key
    )
    denied = bodies.category(status, inner, said) in ("authentication", "permission")
    if inner and denied:  # (a firewall's HTML 401 / 403 is that host's answer)
        return f"key rejected ({status}): check AIHUBMIX_API_KEY (gateway: {said})"
    return (
        f"{host} answered {status} to GET /v1/models: {said} "
        "(is --base-url or AIHUBMIX_BASE_URL the gateway's root?)"
    )


def _network_failure(exc: BaseException) -> str:
    """Why a request never got an answer, in words a user can act on."""
    cause: BaseException | None = exc
    while cause is not None:  # httpx's error, httpcore's, the socket's
        for kind, says in _FAILURES:
            if isinstance(cause, kind):
                return says.format(cause)
        cause = cause.__cause__ or cause.__context__
    return f"{type(exc).__name__}: {exc}"
