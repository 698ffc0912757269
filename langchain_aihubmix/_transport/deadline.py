"""`timeout` as a deadline per attempt, not per socket operation (a server trickling
a byte a second never trips httpx's own timeouts).

Async calls run under `asyncio.timeout`; sync calls set a deadline (a monotonic
instant in a context variable) around each attempt, to which the network streams of
the route's sync clients (`install`) clamp every connect, TLS handshake, read and
write. `Deadlined` bounds an invoke from connecting to the reply's last byte, a
stream to its first chunk, then from each chunk to the next. `install` reaches into
httpx2's private attributes: it raises rather than run without a deadline when they
change (tests/unit_tests/test_sdk_shapes.py fails first).
"""

from __future__ import annotations

import asyncio
import ssl
import time
from collections.abc import AsyncIterator, Iterable, Iterator
from contextlib import asynccontextmanager, contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

import httpcore2
import httpx2
from httpcore2 import NetworkBackend, NetworkStream
from langchain_core.messages import AIMessage, AIMessageChunk

from langchain_aihubmix._errors.classify import raise_classified
from langchain_aihubmix._input.conversation import Conversation
from langchain_aihubmix._options.call_options import CallOptions
from langchain_aihubmix._transport.failover import SENDING
from langchain_aihubmix._transport.route import Route
from langchain_aihubmix.profiles import Transport

_T = TypeVar("_T")
_E = TypeVar("_E", bound=httpcore2.TimeoutException)

_DEADLINE: ContextVar[tuple[float, float] | None] = ContextVar(
    "aihubmix_deadline", default=None
)
"""(monotonic instant, the timeout it came from) of the current attempt, if any."""


def _left(timeout: float | None, kind: type[_E]) -> float | None:
    """`timeout` clamped to the time left before the deadline; `kind` once past."""
    current = _DEADLINE.get()
    if current is None:
        return timeout
    left = current[0] - time.monotonic()
    if left <= 0:
        raise kind(_message(current[1]))
    return left if timeout is None else min(timeout, left)


def _message(seconds: float) -> str:
    return f"no complete reply within the attempt's timeout ({seconds:g} s)"


def _renamed(exc: httpcore2.TimeoutException) -> httpcore2.TimeoutException:
    """`exc`, reworded when it is the deadline (not a single read) that expired."""
    current = _DEADLINE.get()
    if current is None or time.monotonic() < current[0]:
        return exc
    return type(exc)(_message(current[1]))


class _Stream(NetworkStream):
    def __init__(self, inner: NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        left = _left(timeout, httpcore2.ReadTimeout)
        try:
            return self._inner.read(max_bytes, left)
        except httpcore2.TimeoutException as exc:
            raise _renamed(exc) from None

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        left = _left(timeout, httpcore2.WriteTimeout)
        try:
            self._inner.write(buffer, left)
        except httpcore2.TimeoutException as exc:
            raise _renamed(exc) from None

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> NetworkStream:
        left = _left(timeout, httpcore2.ConnectTimeout)
        return _Stream(self._inner.start_tls(ssl_context, server_hostname, left))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _Backend(NetworkBackend):
    def __init__(self, inner: NetworkBackend) -> None:
        self._inner = inner

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> NetworkStream:
        left = _left(timeout, httpcore2.ConnectTimeout)
        return _Stream(
            self._inner.connect_tcp(host, port, left, local_address, socket_options)
        )

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> NetworkStream:
        left = _left(timeout, httpcore2.ConnectTimeout)
        return _Stream(self._inner.connect_unix_socket(path, left, socket_options))

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def install(client: httpx2.Client) -> httpx2.Client:
    """`client` (new), the network backend of each of its pools (not transports the
    user supplied) honouring the attempt deadline; `RuntimeError` when httpx2 no
    longer has that private shape."""
    for transport in (client._transport, *client._mounts.values()):
        if not isinstance(transport, httpx2.HTTPTransport):
            continue
        pool = getattr(transport, "_pool", None)
        backend = getattr(pool, "_network_backend", None)
        if not isinstance(backend, NetworkBackend):
            msg = "httpx2 changed shape: no pool._network_backend for the deadline"
            raise RuntimeError(msg)
        if not isinstance(backend, _Backend):
            pool._network_backend = _Backend(backend)  # type: ignore[union-attr]
    return client


def _start(seconds: float) -> tuple[float, float]:
    return time.monotonic() + seconds, seconds


@contextmanager
def within(seconds: float | None) -> Iterator[None]:
    """Socket work in this block ends within `seconds` from now (None: no limit)."""
    token = _DEADLINE.set(None if seconds is None else _start(seconds))
    try:
        yield
    finally:
        _DEADLINE.reset(token)


@asynccontextmanager
async def awithin(
    seconds: float | None, transport: Transport, fresh: bool = True
) -> AsyncIterator[None]:
    """Async twin of `within` (`asyncio.timeout`); once expired, the block raises
    `transport`'s typed timeout error, naming the host of the request it sent (since
    the block began if `fresh`)."""
    deadline = asyncio.timeout(seconds)
    if fresh:
        SENDING.set(None)
    try:
        async with deadline:
            yield
    except TimeoutError:
        if deadline.expired():
            message, sent = _message(seconds or 0), SENDING.get()
            request = httpx2.Request(*sent) if sent else None
            exc = httpx2.TimeoutException(message, request=request) if request else None
            raise_classified(exc or TimeoutError(message), route=transport)
        raise


def _bounded(it: Iterator[_T], seconds: float) -> Iterator[_T]:
    """`it`, each item (the first from now) due within `seconds`; `it` closed after."""
    deadline = _start(seconds)
    try:
        while True:
            token = _DEADLINE.set(deadline)
            try:
                item = next(it)
            except StopIteration:
                return
            finally:
                _DEADLINE.reset(token)
            yield item
            deadline = _start(seconds)
    finally:
        close = getattr(it, "close", None)
        if close is not None:
            close()


async def _abounded(
    it: AsyncIterator[_T], seconds: float, transport: Transport
) -> AsyncIterator[_T]:
    """Async twin of `_bounded` (`awithin` around each item)."""
    fresh = True
    try:
        while True:
            try:
                async with awithin(seconds, transport, fresh):
                    item = await anext(it)
            except StopAsyncIteration:
                return
            yield item
            fresh = False
    finally:
        aclose = getattr(it, "aclose", None)
        if aclose is not None:
            await aclose()


class Deadlined:
    """`route` (its sync HTTP clients `install`ed), its `timeout` a deadline per
    attempt (see the module docstring)."""

    def __init__(self, route: Route) -> None:
        self.route = route
        self.transport: Transport = route.transport

    def generate(
        self, conv: Conversation, opts: CallOptions, timeout: float | None
    ) -> list[AIMessage]:
        """`route.generate`, the reply due within `timeout` seconds."""
        with within(timeout):
            return self.route.generate(conv, opts, timeout)

    async def agenerate(
        self, conv: Conversation, opts: CallOptions, timeout: float | None
    ) -> list[AIMessage]:
        """Async twin of `generate`."""
        async with awithin(timeout, self.transport):
            return await self.route.agenerate(conv, opts, timeout)

    def stream(
        self, conv: Conversation, opts: CallOptions, timeout: float | None
    ) -> Iterator[AIMessageChunk]:
        """`route.stream`, each chunk due within `timeout` of the previous one."""
        chunks = self.route.stream(conv, opts, timeout)
        return chunks if timeout is None else _bounded(chunks, timeout)

    def astream(
        self, conv: Conversation, opts: CallOptions, timeout: float | None
    ) -> AsyncIterator[AIMessageChunk]:
        """Async twin of `stream`."""
        chunks = self.route.astream(conv, opts, timeout)
        return chunks if timeout is None else _abounded(chunks, timeout, self.transport)
