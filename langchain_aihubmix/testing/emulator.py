"""`AiHubMixEmulator`: start, script, fault and inspect the loopback gateway."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from types import TracebackType
from typing import Any, Literal

from langchain_aihubmix.testing.billing import Billing
from langchain_aihubmix.testing.brain import REPLY_KINDS, ReplyKind
from langchain_aihubmix.testing.catalog import KNOWN_MODELS
from langchain_aihubmix.testing.faults import Fault, FaultKind, FreeLimit
from langchain_aihubmix.testing.server import RecordedRequest, Runtime, Server
from langchain_aihubmix.testing.state import OpenAIQuirks, Scripted, State
from langchain_aihubmix.testing.tokens import PrefixCache

DEFAULT_API_KEY = "sk-aihubmix-emulator"


class AiHubMixEmulator:
    """A local stand-in for AiHubMix: a real HTTP server on loopback, both routes.

    Native Gemini at `{base_url}/gemini/v1beta/...`, Chat Completions at
    `{base_url}/v1/...`. It answers deterministically from the request, rejects what
    the real service rejects, reports Gemini-like usage (with implicit cache hits),
    and can be scripted and faulted. See `langchain_aihubmix/testing/__init__.py`.

    Example:
        .. code-block:: python

            from langchain_aihubmix.testing import AiHubMixEmulator

            with AiHubMixEmulator() as hub:
                llm = ChatAiHubMixGemini(
                    model="gemini-2.5-flash", base_url=hub.base_url, api_key=hub.api_key
                )
                llm.invoke("hello")
                assert hub.requests[-1].route == "native"
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        api_key: str = DEFAULT_API_KEY,
        openai_quirks: OpenAIQuirks | None = None,
        stream_chunk_chars: int = 20,
        min_cache_tokens: int = 32,
        latency: float = 0.0,
        extra_models: Iterable[str] = (),
    ) -> None:
        """Create (not yet start) the emulator.

        Args:
            host: interface to bind.
            port: port to bind; 0 picks a free one.
            api_key: the only key accepted.
            openai_quirks: OpenAI-route behaviours (mutable later via `openai_quirks`).
            stream_chunk_chars: characters of text per stream chunk.
            min_cache_tokens: smallest prompt prefix reported as an implicit cache hit.
            latency: seconds to wait before answering each request.
            extra_models: model ids to serve besides the gateway's Gemini ids
                (`KNOWN_MODELS`); any other id gets the gateway's 404.
        """
        self._address = (host, port)
        served = tuple(dict.fromkeys((*KNOWN_MODELS, *extra_models)))
        self._state = State(
            api_key=api_key,
            stream_chunk_chars=max(1, stream_chunk_chars),
            cache=PrefixCache(min_cache_tokens),
            quirks=openai_quirks or OpenAIQuirks(),
            base_models=served,
            models=list(served),
        )
        self._runtime = Runtime(self._state, latency)
        self._server: Server | None = None
        self._thread: threading.Thread | None = None

    # lifecycle -------------------------------------------------------------------
    def start(self) -> AiHubMixEmulator:
        """Bind and serve in a daemon thread; returns self."""
        if self._server is None:
            self._server = Server(self._address, self._runtime)
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": 0.05},
                name="aihubmix-emulator",
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the listening socket."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> AiHubMixEmulator:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # inspection --------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        """Gateway root `http://127.0.0.1:PORT` (native at /gemini, openai at /v1)."""
        if self._server is None:
            raise RuntimeError("emulator not started")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def api_key(self) -> str:
        """The key the emulator accepts."""
        return self._state.api_key

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received so far, oldest first (a copy)."""
        with self._runtime.lock:
            return list(self._runtime.log)

    @property
    def connections_opened(self) -> int:
        """TCP connections accepted so far."""
        with self._runtime.lock:
            return self._runtime.connections

    @property
    def openai_quirks(self) -> OpenAIQuirks:
        """The OpenAI-route quirks in force (mutable)."""
        return self._state.quirks

    @openai_quirks.setter
    def openai_quirks(self, quirks: OpenAIQuirks) -> None:
        self._state.quirks = quirks

    @property
    def billing(self) -> Billing:
        """The account the billing endpoints report (mutable; reset by `reset()`)."""
        return self._state.billing

    @property
    def models(self) -> list[str]:
        """The model ids served (any other id gets the gateway's 404)."""
        return list(self._state.models)

    def add_model(self, model: str) -> None:
        """Serve one more model id (until `reset()`; use `extra_models=` to keep it).

        Its answers follow the rules of its family (by id prefix); it has no price
        in the catalogue.
        """
        self._state.add_model(model)

    # scripting -------------------------------------------------------------------
    def queue(
        self,
        *,
        native: dict[str, Any] | None = None,
        native_chunks: list[dict[str, Any]] | None = None,
        openai: dict[str, Any] | None = None,
        openai_chunks: list[dict[str, Any]] | None = None,
        error: tuple[int, dict[str, Any]] | None = None,
        reply: ReplyKind | None = None,
    ) -> None:
        """Queue one scripted response (FIFO), used by the next matching request.

        Exactly one argument: a native GenerateContentResponse (split into chunks for
        a stream request), exact native stream chunks, an OpenAI `chat.completion`
        (split for a stream), exact OpenAI chunks, `(status, body)` for any route, or
        a `reply` kind for any route, rendered for its route and stream mode with
        the request's usage: `"malformed_function_call"` (finish reason
        MALFORMED_FUNCTION_CALL with a `finishMessage`, no content),
        `"unexpected_tool_call"` (UNEXPECTED_TOOL_CALL, no content), `"empty"` (a
        candidate without parts; on /v1 empty content, no tool calls, "stop").
        Requests still pass auth and validation first.
        """
        given = {
            k: v
            for k, v in {
                "native": native,
                "native_chunks": native_chunks,
                "openai": openai,
                "openai_chunks": openai_chunks,
                "error": error,
                "reply": reply,
            }.items()
            if v is not None
        }
        if len(given) != 1:
            raise ValueError(
                "queue() takes exactly one of native, native_chunks, openai, "
                "openai_chunks, error, reply"
            )
        if reply is not None and reply not in REPLY_KINDS:
            raise ValueError(f"unknown reply {reply!r}: one of {sorted(REPLY_KINDS)}")
        ((kind, payload),) = given.items()
        self._state.push(Scripted(kind, payload))  # type: ignore[arg-type]

    def inject_fault(
        self,
        kind: FaultKind,
        *,
        count: int = 1,
        retry_delay: float = 1.0,
        after_chunks: int = 1,
        delay: float = 1.0,
        route: Literal["native", "openai"] | None = None,
        limit: FreeLimit = "minute",
    ) -> None:
        """Fail the next `count` requests (of `route`, or any) with `kind`.

        Kinds: "429" (RetryInfo `retry_delay` on native; envelope + `Retry-After`
        on openai), "500", "502", "503", "504", "drop" (stream: after
        `after_chunks` chunks; non-stream: before any response), "slow" (sleep
        `delay` seconds, then answer), "free_quota" (a `-free` id's quota used up:
        `limit` "minute" or "day" (429), "trial" (403, an unfunded account's
        tries); see `testing.errors.FREE_QUOTA`).
        """
        self._runtime.faults.add(
            Fault(kind, count, retry_delay, after_chunks, delay, route, limit)
        )

    def reset(self) -> None:
        """Clear the request log, script, faults, cache memory, added models and
        billing changes."""
        with self._runtime.lock:
            self._runtime.log.clear()
        self._runtime.faults.clear()
        self._state.clear()
