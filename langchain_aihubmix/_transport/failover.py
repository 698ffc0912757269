"""Several gateway base URLs (e.g. AiHubMix and its mirror, as AiHubMix's MCP server
does): a request moves on only when it never left.

The SDK clients are built for the first root; `FailoverClient.send` points a request
at the next only when connecting failed (httpcore2 raises `ConnectError` /
`ConnectTimeout` only before a byte of the request is written), never once a gateway
may have received it (it could bill twice). Requests start at the root the last one
ended at, then the others in order, connecting within `FAILOVER_CONNECT_TIMEOUT`
while another root remains.
"""

from __future__ import annotations

import os
import re
from collections.abc import Awaitable, Callable, Sequence
from contextvars import ContextVar
from typing import Any, TypeVar

import httpx2

from langchain_aihubmix._errors.base import InvalidInputError

DEFAULT_BASE_URL = "https://aihubmix.com"
MIRROR_BASE_URL = "https://api.inferera.com"
"""AiHubMix's mirror gateway (same backend), reachable where aihubmix.com is not."""
FAILOVER_CONNECT_TIMEOUT = 10.0

BaseUrl = str | Sequence[str] | None
"""A gateway root, roots in order (failover), or None: env `AIHUBMIX_BASE_URL`."""
_R = TypeVar("_R")
_CONNECT_PHASE = (httpx2.ConnectError, httpx2.ConnectTimeout)
_ROUTE_SUFFIX = re.compile(r"(?:/gemini(?:/v1(?:beta|alpha)?)?|/v1(?:beta)?)$", re.I)
"""A route path written after the gateway root (`/v1`, `/gemini`, `/gemini/v1beta`)."""


def gateway_root(base_url: str) -> str:
    """`https://aihubmix.com` for it, `.../v1`, `.../gemini`, `.../gemini/v1beta`
    and any of them with trailing slashes (each route adds its own path); no
    http(s) URL of a host (a scheme or port missing, a query): `InvalidInputError`."""
    root = base_url.strip().rstrip("/")
    root = _ROUTE_SUFFIX.sub("", root).rstrip("/") or root
    try:
        url = httpx2.URL(root)
    except httpx2.InvalidURL:
        url = httpx2.URL()
    if url.scheme not in ("http", "https") or not url.host or url.query or url.fragment:
        shown = root.partition("?")[0].partition("#")[0].rpartition("@")[2]  # no key
        msg = "base_url must start with https:// and name a host (no query), e.g. "
        msg += f"https://aihubmix.com; got {shown!r}"
        raise InvalidInputError(msg)
    return root


def gateway_roots(base_url: BaseUrl = None) -> tuple[str, ...]:
    """The roots of `base_url` (a list, or comma-separated), in order, each once;
    None: env `AIHUBMIX_BASE_URL`, else `DEFAULT_BASE_URL`."""
    if base_url is None:
        base_url = os.environ.get("AIHUBMIX_BASE_URL", "").strip() or DEFAULT_BASE_URL
    items = base_url.split(",") if isinstance(base_url, str) else base_url
    roots = tuple(dict.fromkeys(gateway_root(str(i)) for i in items if str(i).strip()))
    if not roots:
        raise InvalidInputError(f"base_url names no gateway root: {base_url!r}")
    return roots


def never_sent(exc: BaseException | None) -> bool:
    """Whether `exc`, or an error it was raised from, is a connect-phase failure."""
    while exc is not None:
        if isinstance(exc, _CONNECT_PHASE):
            return True
        exc = exc.__cause__
    return False


_Target = tuple[int, httpx2.URL, dict[str, Any]]


SENDING: ContextVar[tuple[str, httpx2.URL] | None] = ContextVar("sent", default=None)
"""(method, URL) of the last request an async client of this module sent in this
task: the async deadline's timeout names its host, as a sync timeout does."""


class Failover:
    """The roots of one model's clients; requests start at the last one tried."""

    def __init__(self, roots: Sequence[str]) -> None:
        self.roots = tuple(roots)
        self._prefixes = [str(httpx2.URL(root)).rstrip("/") for root in self.roots]
        self._first = 0

    def _targets(self, request: httpx2.Request) -> list[_Target]:
        """(root index, URL, extensions) of each try, the last with no cap."""
        url, n, first = str(request.url), len(self.roots), self._first
        if n == 1 or not url.startswith(self._prefixes[0]):
            return [(first, request.url, request.extensions)]
        rest, cap = url[len(self._prefixes[0]) :], FAILOVER_CONNECT_TIMEOUT
        timeout = dict(request.extensions.get("timeout") or {})
        timeout["connect"] = min(timeout.get("connect") or cap, cap)
        capped = {**request.extensions, "timeout": timeout}
        order = [(first + k) % n for k in range(n)]
        urls = {i: httpx2.URL(self._prefixes[i] + rest) for i in order}
        targets = [(i, urls[i], capped) for i in order[:-1]]
        return [*targets, (order[-1], urls[order[-1]], request.extensions)]

    def _aim(self, request: httpx2.Request, target: _Target) -> None:
        self._first, url, request.extensions = target
        if url != request.url:
            request.url = url
            request.headers["Host"] = url.netloc.decode("ascii")

    def send(self, request: httpx2.Request, send: Callable[[httpx2.Request], _R]) -> _R:
        """`send(request)`, at the next root while connecting fails."""
        *others, last = self._targets(request)
        for target in others:
            self._aim(request, target)
            try:
                return send(request)
            except _CONNECT_PHASE:
                continue
        self._aim(request, last)
        return send(request)

    async def asend(
        self, request: httpx2.Request, send: Callable[[httpx2.Request], Awaitable[_R]]
    ) -> _R:
        """Async twin of `send`."""
        *others, last = self._targets(request)
        for target in others:
            self._aim(request, target)
            try:
                return await send(request)
            except _CONNECT_PHASE:
                continue
        self._aim(request, last)
        return await send(request)


class FailoverClient(httpx2.Client):
    """An `httpx2.Client` whose requests to the gateway fail over (module doc)."""

    def __init__(self, failover: Failover, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.failover = failover

    def send(self, request: httpx2.Request, **kwargs: Any) -> httpx2.Response:
        send = super().send
        return self.failover.send(request, lambda r: send(r, **kwargs))


class AsyncFailoverClient(httpx2.AsyncClient):
    """Async twin of `FailoverClient`."""

    def __init__(self, failover: Failover, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.failover = failover

    async def send(self, request: httpx2.Request, **kwargs: Any) -> httpx2.Response:
        async def send(request: httpx2.Request) -> httpx2.Response:
            SENDING.set((request.method, request.url))
            return await super(AsyncFailoverClient, self).send(request, **kwargs)

        return await self.failover.asend(request, send)
