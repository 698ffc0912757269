"""The OpenAI-compatible route's only contact with the openai SDK's network methods.

One sync client per model instance and one async client per event loop, with the
SDK's retries off. openai 3.x's sync stream closes its response right after `[DONE]`
without reading the end of the chunked body, so httpx drops the connection instead of
pooling it; `_DrainingStream` reads that tail on close, so streamed calls reuse
their connection as invokes do. A stream the caller abandons early (or that fails) is
closed at once: only a rest that has already arrived is read (`_ABANDON_GRACE`), as
the gateway may still be generating and waiting for it would block; the SDK's
`Stream` and its generator form a reference cycle, so without an explicit close
the connection would stay checked out until the next garbage collection.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator, Iterator
from contextlib import nullcontext
from typing import Any, NoReturn

import httpx2
import openai
from langchain_core.messages import AIMessage, AIMessageChunk
from openai.types.chat import ChatCompletion, ChatCompletionChunk

from langchain_aihubmix._errors.classify import raise_classified
from langchain_aihubmix._input.conversation import Conversation
from langchain_aihubmix._input.large_media import MediaSplicer
from langchain_aihubmix._openai import sdk_shortcuts
from langchain_aihubmix._openai.options import options_to_params
from langchain_aihubmix._openai.request import conversation_to_messages
from langchain_aihubmix._openai.response import (
    OpenAIStreamState,
    completion_to_messages,
)
from langchain_aihubmix._openai.sdk_shortcuts import to_model
from langchain_aihubmix._options.call_options import CallOptions
from langchain_aihubmix._output.stream import ensure_complete
from langchain_aihubmix._transport.deadline import install, within
from langchain_aihubmix._transport.failover import AsyncFailoverClient, FailoverClient
from langchain_aihubmix._transport.reply_guard import ReplyGuard
from langchain_aihubmix._transport.route import (
    ClientSettings,
    Lazy,
    LoopLocal,
    tls_client_args,
)
from langchain_aihubmix.profiles import Transport

_DRAIN_LIMIT = 64 * 1024
_ABANDON_GRACE = 0.05
"""Seconds an abandoned stream's rest may take (else its connection is dropped)."""
_BODY = "aihubmix_draining_body"
"""Response extension holding the `_DrainingStream` (httpx wraps `.stream`)."""


class _DrainingStream(httpx2.SyncByteStream):
    """A response body that, when closed early, first reads a small remaining tail."""

    def __init__(self, inner: httpx2.SyncByteStream) -> None:
        self._inner = inner
        self._exhausted = False
        self._abandoned = False

    def abandon(self) -> None:
        """Make `close()` read only a tail that has already arrived, else drop
        the connection."""
        self._abandoned = True

    def __iter__(self) -> Iterator[bytes]:
        yield from self._inner
        self._exhausted = True

    def close(self) -> None:
        if self._exhausted:
            self._inner.close()
            return
        read = 0
        try:
            # An abandoned stream keeps its connection only if the rest has
            # already arrived: it never waits for the gateway.
            grace = within(_ABANDON_GRACE) if self._abandoned else nullcontext()
            with grace:
                for piece in self._inner:
                    read += len(piece)
                    if read > _DRAIN_LIMIT:
                        break
        except Exception:
            pass
        self._inner.close()


def _abandon(stream: openai.Stream[Any]) -> None:
    """Close a sync stream that was not read to `[DONE]`, without draining it."""
    # httpx wraps the transport's stream (in a timer): find ours by its tag.
    body = stream.response.extensions.get(_BODY)
    if isinstance(body, _DrainingStream):
        body.abandon()
    with contextlib.suppress(Exception):
        stream.close()


def _drain(response: httpx2.Response) -> None:
    """Response hook: the body becomes a `_DrainingStream` (tagged for `_abandon`)."""
    if isinstance(response.stream, httpx2.SyncByteStream):
        response.stream = response.extensions[_BODY] = _DrainingStream(response.stream)


def _client_args(settings: ClientSettings) -> dict[str, Any]:
    """Every setting given, so that no `OPENAI_*` variable counts (see `_headers`)."""
    return {
        "api_key": settings.api_key,
        "base_url": settings.base_url.rstrip("/") + "/v1",
        "max_retries": 0,
        "timeout": settings.timeout,
        "default_headers": _headers(settings),
    }


def _headers(settings: ClientSettings) -> dict[str, Any]:
    """The client's headers: the user's, and none that openai takes from the
    environment (OPENAI_ORG_ID, OPENAI_PROJECT_ID, OPENAI_CUSTOM_HEADERS).

    openai adds those whatever it is given; an `omit` under the same name removes
    one, and an explicit `Authorization` replaces one given in
    OPENAI_CUSTOM_HEADERS (whose lines it reads as `name: value`).
    """
    lines = os.environ.get("OPENAI_CUSTOM_HEADERS", "").split("\n")
    names = {line.split(":")[0].strip() for line in lines if ":" in line}
    drop = {"OpenAI-Organization", "OpenAI-Project", *names}
    headers: dict[str, Any] = {name: openai.omit for name in drop}
    headers["Authorization"] = f"Bearer {settings.api_key}"
    return headers | settings.headers()


class OpenAIRoute:
    """AiHubMix's Chat Completions API at `{base_url}/v1`, through openai."""

    transport: Transport = "openai"

    def __init__(self, settings: ClientSettings) -> None:
        ChatCompletion.model_rebuild()  # validators built now: off the event loop
        ChatCompletionChunk.model_rebuild()  # (routes are built in a worker thread)
        self._settings, self._key = settings, settings.api_key
        self._platform = sdk_shortcuts.platform_name()  # off the loop, once
        self._splicer = MediaSplicer()
        self._guard = ReplyGuard("openai", settings.api_key)
        self._tls = tls_client_args(settings.client_args)
        self._sync = Lazy(self._new_sync_client, close=openai.OpenAI.close)
        self._async: LoopLocal[openai.AsyncOpenAI] = LoopLocal(
            self._new_async_client, close=lambda client: client.close()
        )

    def _fail(self, exc: Exception, model: str) -> NoReturn:
        raise_classified(exc, route="openai", secret=self._key, model=model)

    def _httpx_args(self, *, is_async: bool) -> dict[str, Any]:
        args = self._guard.client_args(self._tls, is_async=is_async)
        return self._splicer.client_args(args, is_async=is_async)

    def _new_async_client(self) -> openai.AsyncOpenAI:
        failover = self._settings.failover
        http = AsyncFailoverClient(failover, **self._httpx_args(is_async=True))
        client = openai.AsyncOpenAI(http_client=http, **_client_args(self._settings))
        return sdk_shortcuts.known_platform(client, self._platform)

    def _new_sync_client(self) -> openai.OpenAI:
        args = self._httpx_args(is_async=False)
        hooks = args["event_hooks"]  # draining first: the reply guard reads it
        hooks["response"] = [_drain, *hooks["response"]]
        http = install(FailoverClient(self._settings.failover, **args))
        return openai.OpenAI(http_client=http, **_client_args(self._settings))

    def client(self) -> openai.OpenAI:
        """The sync openai client (shared with `AiHubMixEmbeddings`)."""
        return self._sync.get()

    def aclient(self) -> openai.AsyncOpenAI:
        """The running loop's async openai client (closed with its loop)."""
        return self._async.get()

    def _params(
        self, conv: Conversation, opts: CallOptions, timeout: float | None, stream: bool
    ) -> dict[str, Any]:
        params = options_to_params(opts, stream=stream)
        params["messages"] = conversation_to_messages(conv, model=opts.model)
        if timeout != self._settings.timeout:
            params["timeout"] = timeout
        return params

    def generate(
        self, conv: Conversation, opts: CallOptions, timeout: float | None
    ) -> list[AIMessage]:
        """One whole completion; a message per choice."""
        with self._splicer.stand_ins(conv) as sent:
            params = self._params(sent, opts, timeout, stream=False)
            try:
                reply = sdk_shortcuts.create(self.client(), params)
                completion = to_model(ChatCompletion, reply)
            except Exception as exc:
                self._fail(exc, opts.model)
        return completion_to_messages(completion, opts.model)

    async def agenerate(
        self, conv: Conversation, opts: CallOptions, timeout: float | None
    ) -> list[AIMessage]:
        """Async twin of `generate`."""
        with self._splicer.stand_ins(conv) as sent:
            params = self._params(sent, opts, timeout, stream=False)
            try:
                client = self._async.get()
                reply = await sdk_shortcuts.acreate(client, params)
                completion = to_model(ChatCompletion, reply)
            except Exception as exc:
                self._fail(exc, opts.model)
        return completion_to_messages(completion, opts.model)

    def stream(
        self, conv: Conversation, opts: CallOptions, timeout: float | None
    ) -> Iterator[AIMessageChunk]:
        """Stream chunks; raises if the stream is cut before its end."""
        state = OpenAIStreamState(requested_model=opts.model)
        stream: openai.Stream[Any] | None = None
        read_to_end = False
        try:
            with self._splicer.stand_ins(conv) as sent:
                params = self._params(sent, opts, timeout, stream=True)
                stream = sdk_shortcuts.create(self.client(), params)
            for data in stream:
                yield from state.feed(to_model(ChatCompletionChunk, data))
            read_to_end = True
            ensure_complete(state.finished, "the gateway")
            yield from state.finish()
        except Exception as exc:
            self._fail(exc, opts.model)
        finally:
            if stream is not None and not read_to_end:
                _abandon(stream)

    async def astream(
        self, conv: Conversation, opts: CallOptions, timeout: float | None
    ) -> AsyncIterator[AIMessageChunk]:
        """Async twin of `stream`."""
        state = OpenAIStreamState(requested_model=opts.model)
        stream: openai.AsyncStream[Any] | None = None
        read_to_end = False
        try:
            with self._splicer.stand_ins(conv) as sent:
                params = self._params(sent, opts, timeout, stream=True)
                client = self._async.get()
                stream = await sdk_shortcuts.acreate(client, params)
            async for data in stream:
                for message in state.feed(to_model(ChatCompletionChunk, data)):
                    yield message
            read_to_end = True
            ensure_complete(state.finished, "the gateway")
            for message in state.finish():
                yield message
        except Exception as exc:
            self._fail(exc, opts.model)
        finally:
            if stream is not None and not read_to_end:
                with contextlib.suppress(Exception):
                    await stream.close()
