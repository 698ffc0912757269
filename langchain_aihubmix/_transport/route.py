"""The interface every route implements, and the connection settings they share."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Generic, Protocol, TypeVar

from langchain_core.messages import AIMessage, AIMessageChunk

from langchain_aihubmix._errors.base import InvalidInputError
from langchain_aihubmix._errors.logs import guard_logs
from langchain_aihubmix._input.conversation import Conversation
from langchain_aihubmix._options.call_options import CallOptions
from langchain_aihubmix._transport.failover import Failover
from langchain_aihubmix.profiles import Transport

T = TypeVar("T")


@dataclass(frozen=True)
class ClientSettings:
    """How to reach the gateway; fixed for the life of a model instance. A blank
    key raises `InvalidInputError`."""

    api_key: str = field(repr=False)
    base_urls: tuple[str, ...]
    """Gateway roots; the SDK clients are built for the first (`failover`)."""
    app_code: str | None = None
    timeout: float | None = None
    default_headers: dict[str, str] = field(default_factory=dict)
    client_args: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.api_key.strip():
            msg = "No AiHubMix API key: pass api_key=... or set AIHUBMIX_API_KEY."
            raise InvalidInputError(msg)
        guard_logs(self.api_key)

    @property
    def base_url(self) -> str:
        """The first gateway root (the SDK clients' base URL)."""
        return self.base_urls[0]

    @cached_property
    def failover(self) -> Failover:
        """The failover of these settings' HTTP clients (shared by all of them)."""
        return Failover(self.base_urls)

    def headers(self) -> dict[str, str]:
        """Extra headers for every request (APP-Code and the user's own)."""
        headers = dict(self.default_headers)
        if self.app_code:
            headers["APP-Code"] = self.app_code
        return headers


def tls_client_args(client_args: dict[str, Any]) -> dict[str, Any]:
    """The user's httpx client arguments with one TLS context (from their `verify` /
    `cert` / `trust_env`; built once per route: it reads the CA bundle, 30-70 ms),
    redirects never followed (one could carry the key and prompt elsewhere)."""
    import httpx2  # (importing the package imports no HTTP library)

    args = {k: v for k, v in client_args.items() if k != "cert"}
    args["verify"] = httpx2.create_ssl_context(
        verify=client_args.get("verify", True),
        cert=client_args.get("cert"),
        trust_env=client_args.get("trust_env", True),
    )
    args["follow_redirects"] = False
    return args


class Route(Protocol):
    """One way of talking to Gemini through AiHubMix (native or OpenAI-compatible):
    a message per candidate; streams raise when cut before the final chunk; every
    error classified (`_errors.classify.raise_classified`)."""

    transport: Transport

    def generate(
        self, conv: Conversation, opts: CallOptions, timeout: float | None
    ) -> list[AIMessage]: ...

    async def agenerate(
        self, conv: Conversation, opts: CallOptions, timeout: float | None
    ) -> list[AIMessage]: ...

    def stream(
        self, conv: Conversation, opts: CallOptions, timeout: float | None
    ) -> Iterator[AIMessageChunk]: ...

    def astream(
        self, conv: Conversation, opts: CallOptions, timeout: float | None
    ) -> AsyncIterator[AIMessageChunk]: ...


class Lazy(Generic[T]):
    """One object built on first use, once even when threads race for it; given
    `close`, closed with this holder (a client's connections end with its model)."""

    def __init__(
        self, factory: Callable[[], T], close: Callable[[T], Any] | None = None
    ) -> None:
        self._factory = factory
        self._close = close
        self._item: T | None = None
        self._lock = threading.Lock()

    def get(self) -> T:
        """The object, built by the first caller; the others wait for it."""
        item = self._item
        if item is None:
            with self._lock:
                item = self._item
                if item is None:
                    item = self._item = self._factory()
                    if self._close is not None:
                        weakref.finalize(self, self._close, item)
        return item


async def _closer(loop: asyncio.AbstractEventLoop, close: Callable[[], Any]) -> Any:
    """Suspended at its `yield` while the loop runs; `asyncio.run` (any loop's
    `shutdown_asyncgens`) closes it before closing the loop, which runs `close()`."""
    try:
        yield
    finally:
        if not loop.is_closed():
            with contextlib.suppress(Exception):  # a pool that fails to close
                await close()


@dataclass
class _Entry(Generic[T]):
    """A loop's object and the suspended generator that closes it."""

    item: T
    closer: Any


class LoopLocal(Generic[T]):
    """One lazily built object per running event loop (async clients are loop-bound);
    given `close` (async), closed on its loop when the loop shuts down
    (`shutdown_asyncgens`, as `asyncio.run` does); those of loops closed otherwise
    are dropped on `get`."""

    def __init__(
        self,
        factory: Callable[[], T],
        close: Callable[[T], Awaitable[Any]] | None = None,
    ) -> None:
        self._factory = factory
        self._close = close
        self._items: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Entry[T]] = (
            weakref.WeakKeyDictionary()
        )
        self._lock = threading.Lock()

    def get(self) -> T:
        """The object for the running loop, built on first use."""
        loop = asyncio.get_running_loop()
        with self._lock:
            for old in [other for other in self._items if other.is_closed()]:
                _finish(self._items.pop(old).closer)
            entry = self._items.get(loop)
            if entry is None:
                item = self._factory()
                entry = self._items[loop] = _Entry(item, self._closer(loop, item))
            return entry.item

    def _closer(self, loop: asyncio.AbstractEventLoop, item: T) -> Any:
        close = self._close
        if close is None:
            return None
        closer = _closer(loop, lambda: close(item))
        # Started here, on the loop's thread: the loop's first-iteration hook
        # registers it for `shutdown_asyncgens`.
        with contextlib.suppress(StopIteration):
            closer.__anext__().send(None)
        return closer


def _finish(closer: Any) -> None:
    """End a closer whose loop is gone (its `close` is skipped: no loop to run it)."""
    if closer is not None:
        with contextlib.suppress(StopIteration, RuntimeError):
            closer.aclose().send(None)
