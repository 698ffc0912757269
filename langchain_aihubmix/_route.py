"""The interface every route implements, and the connection settings they share."""

from __future__ import annotations

import asyncio
import ssl
import threading
import weakref
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from langchain_core.messages import AIMessage, AIMessageChunk

from langchain_aihubmix._options import CallOptions
from langchain_aihubmix._parts import Conversation

T = TypeVar("T")


@dataclass(frozen=True)
class ClientSettings:
    """How to reach the gateway; fixed for the life of a model instance."""

    api_key: str = field(repr=False)
    base_url: str
    app_code: str | None = None
    timeout: float | None = None
    default_headers: dict[str, str] = field(default_factory=dict)
    client_args: dict[str, Any] = field(default_factory=dict)

    def headers(self) -> dict[str, str]:
        """Extra headers for every request (APP-Code and the user's own)."""
        headers = dict(self.default_headers)
        if self.app_code:
            headers["APP-Code"] = self.app_code
        return headers


class SharedTLS:
    """One TLS context for all of a route's HTTP clients.

    Building a context reads the whole CA bundle: 25-60 ms of blocking work. Left
    alone, httpx builds one per client and google-genai one or two more per
    `genai.Client`, that is, per event loop a model is used on. Here it is built
    once per route from the user's `verify` / `cert` / `trust_env` client
    arguments, and on the async path in a worker thread.
    """

    def __init__(self, client_args: dict[str, Any]) -> None:
        self._args = client_args
        self._context: ssl.SSLContext | None = None
        self._lock = threading.Lock()

    def context(self) -> ssl.SSLContext:
        """The context, built on first use."""
        with self._lock:
            if self._context is None:
                import httpx2

                self._context = httpx2.create_ssl_context(
                    verify=self._args.get("verify", True),
                    cert=self._args.get("cert"),
                    trust_env=self._args.get("trust_env", True),
                )
            return self._context

    async def acontext(self) -> ssl.SSLContext:
        """`context()`, built off the event loop when it does not exist yet."""
        if self._context is None:
            await asyncio.to_thread(self.context)
        return self.context()

    def client_args(self) -> dict[str, Any]:
        """The user's httpx client arguments, with the shared context as `verify`.

        Redirects are never followed, whatever the arguments say: one could carry
        the key and the prompt to another host (a 3xx is a typed error instead).
        """
        args = {k: v for k, v in self._args.items() if k != "cert"}
        args["verify"] = self.context()
        args["follow_redirects"] = False
        return args


class Route(Protocol):
    """One way of talking to Gemini through AiHubMix (native or OpenAI-compatible).

    `generate` returns one message per candidate. Streams raise (never end silently)
    when the connection is cut before the final chunk. Every error is already
    classified (`errors.raise_classified`).
    """

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


class LoopLocal(Generic[T]):
    """One lazily built object per running event loop (async clients are loop-bound).

    Lets one model instance serve several `asyncio.run()` calls: each loop gets its
    own async client, dropped when the loop is garbage-collected.
    """

    def __init__(self, factory: Callable[[], T]) -> None:
        self._factory = factory
        self._items: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, T] = (
            weakref.WeakKeyDictionary()
        )

    def get(self) -> T:
        """The object for the running loop, built on first use."""
        loop = asyncio.get_running_loop()
        for old in [other for other in self._items if other.is_closed()]:
            del self._items[old]  # its client's sockets died with that loop
        item = self._items.get(loop)
        if item is None:
            item = self._items[loop] = self._factory()
        return item
