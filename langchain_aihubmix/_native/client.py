"""The native route's only contact with google-genai's network methods.

One sync client per model instance and one async client per event loop, each over a
pooled httpx client (so connections are reused), with the API version pinned to
`v1beta` (AiHubMix does not route `v1`) and the SDK's own retries off. Every error is
classified at this boundary, including errors raised while a stream is iterated.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Iterator
from contextvars import ContextVar
from typing import Any, NoReturn

import httpx2
from google import genai
from google.genai import types
from google.genai.client import DebugConfig
from langchain_core.messages import AIMessage, AIMessageChunk

from langchain_aihubmix._errors.classify import raise_classified
from langchain_aihubmix._input.conversation import Conversation
from langchain_aihubmix._input.large_media import MediaSplicer
from langchain_aihubmix._native.request import (
    conversation_to_contents,
    options_to_config,
)
from langchain_aihubmix._native.response import (
    NativeStreamState,
    response_to_messages,
)
from langchain_aihubmix._native.sdk_shortcuts import sdk_contents
from langchain_aihubmix._options.call_options import CallOptions
from langchain_aihubmix._output.stream import ensure_complete
from langchain_aihubmix._transport.deadline import install
from langchain_aihubmix._transport.failover import AsyncFailoverClient, FailoverClient
from langchain_aihubmix._transport.opened import track, tracked
from langchain_aihubmix._transport.reply_guard import ReplyGuard
from langchain_aihubmix._transport.route import (
    ClientSettings,
    Lazy,
    LoopLocal,
    tls_client_args,
)
from langchain_aihubmix.profiles import Transport

API_VERSION = "v1beta"


def http_options(settings: ClientSettings, **clients: Any) -> types.HttpOptions:
    """google-genai's options for `{base_url}/gemini` (v1beta), SDK retries off."""
    timeout_ms = None if settings.timeout is None else int(settings.timeout * 1000)
    return types.HttpOptions(
        base_url=settings.base_url.rstrip("/") + "/gemini",
        api_version=API_VERSION,
        headers=settings.headers(),
        timeout=timeout_ms,
        retry_options=None,
        **clients,
    )


class _Quiet(logging.Filter):
    """Drops google-genai's log records while this thread builds a client, and its
    "AFC is enabled" line while it sends a config-less call (automatic function
    calling only runs Python functions, which the package never gives the SDK)."""

    def filter(self, record: logging.LogRecord) -> bool:
        afc = _CALLING.get() and str(record.msg).startswith("AFC is enabled")
        return not (_BUILDING.get() or afc)


_BUILDING: ContextVar[bool] = ContextVar("aihubmix_building", default=False)
_CALLING: ContextVar[bool] = ContextVar("aihubmix_calling", default=False)
for _logger in ("google_genai._api_client", "google_genai.models"):
    logging.getLogger(_logger).addFilter(_Quiet())


def new_client(settings: ClientSettings, **clients: Any) -> genai.Client:
    """A google-genai client for the gateway, whatever the environment says.

    google-genai reads its environment when a client is built (GOOGLE_API_KEY,
    GEMINI_API_KEY, GOOGLE_GENAI_USE_VERTEXAI / _ENTERPRISE, GOOGLE_CLOUD_PROJECT /
    _LOCATION, GOOGLE_GEMINI_BASE_URL, GOOGLE_GENAI_API_VERSION, the replay modes
    of GOOGLE_GENAI_CLIENT_MODE): each setting it would take from there is given
    here, and what it logs about them while it is built is dropped (it warns when
    both GOOGLE_API_KEY and GEMINI_API_KEY are set, whatever key it is given).
    """
    token = _BUILDING.set(True)
    try:
        return genai.Client(
            api_key=settings.api_key,
            vertexai=False,
            debug_config=DebugConfig(
                client_mode=None, replays_directory=None, replay_id=None
            ),
            http_options=http_options(settings, **clients),
        )
    finally:
        _BUILDING.reset(token)


class NativeRoute:
    """Gemini's own REST API at `{base_url}/gemini`, through google-genai."""

    transport: Transport = "native"

    def __init__(self, settings: ClientSettings) -> None:
        # pydantic builds these on first use, i.e. on the event loop of a first
        # async call (~30 ms); there, routes are built in a worker thread.
        types.GenerateContentConfig.model_rebuild()
        types.GenerateContentResponse.model_rebuild()
        types.HttpOptions.model_rebuild()
        types.Content.model_rebuild()
        types.Part.model_rebuild()
        self._settings = settings
        self._splicer = MediaSplicer()
        self._guard = ReplyGuard("native", settings.api_key)
        self._tls = tls_client_args(settings.client_args)
        self._sync_http = Lazy(
            lambda: install(
                FailoverClient(settings.failover, **self._http_args(False))
            ),
            close=httpx2.Client.close,
        )
        self._sync = Lazy(self._new_sync_client)
        self._async: LoopLocal[tuple[genai.Client, httpx2.AsyncClient]] = LoopLocal(
            self._new_async_client, close=lambda pair: pair[1].aclose()
        )

    def _fail(self, exc: Exception, model: str) -> NoReturn:
        raise_classified(
            exc, route="native", secret=self._settings.api_key, model=model
        )

    def _http_args(self, is_async: bool) -> dict[str, Any]:
        args = {"timeout": self._settings.timeout, **self._tls}
        args = self._guard.client_args(args, is_async=is_async)
        return self._splicer.client_args(args, is_async=is_async)

    def _genai(self, async_http: httpx2.AsyncClient) -> genai.Client:
        """A `genai.Client` over this route's own HTTP clients.

        Given both clients, and the TLS context for its websocket one, google-genai
        builds no client or TLS context of its own (each a long blocking call).
        """
        return new_client(
            self._settings,
            httpx_client=self._sync_http.get(),
            httpx_async_client=async_http,
            async_client_args={"ssl": self._tls["verify"]},
        )

    def _new_async_client(self) -> tuple[genai.Client, httpx2.AsyncClient]:
        failover = self._settings.failover
        http = track(AsyncFailoverClient(failover, **self._http_args(True)))
        return self._genai(http), http

    def _new_sync_client(self) -> genai.Client:
        # (its async client is never used: async calls use `_async`)
        return self._genai(httpx2.AsyncClient(**self._http_args(True)))

    def _request(
        self,
        conv: Conversation,
        opts: CallOptions,
        timeout: float | None,
        stream: bool = False,
    ) -> tuple[types.ContentListUnionDict, types.GenerateContentConfig | None]:
        """Contents and config, shaped for google-genai's cheapest paths (no config
        for a plain whole reply; streams keep one: a stream's first chunk would log
        "AFC is enabled" outside `_CALLING`)."""
        built, system = conversation_to_contents(conv, model=opts.model)
        per_call = timeout != self._settings.timeout
        config = options_to_config(opts, system, always=stream or per_call)
        if per_call and config is not None:
            http = config.http_options or types.HttpOptions()
            config.http_options = http.model_copy(
                update={"timeout": None if timeout is None else int(timeout * 1000)}
            )
        return sdk_contents(built), config

    def generate(
        self, conv: Conversation, opts: CallOptions, timeout: float | None
    ) -> list[AIMessage]:
        """One whole response; a message per candidate."""
        with self._splicer.stand_ins(conv) as sent:
            contents, config = self._request(sent, opts, timeout)
            calling = _CALLING.set(True)
            try:
                response = self._sync.get().models.generate_content(
                    model=opts.model,
                    contents=contents,
                    config=config,
                )
            except Exception as exc:
                self._fail(exc, opts.model)
            finally:
                _CALLING.reset(calling)
        return response_to_messages(response, opts.model)

    async def agenerate(
        self, conv: Conversation, opts: CallOptions, timeout: float | None
    ) -> list[AIMessage]:
        """Async twin of `generate`."""
        with self._splicer.stand_ins(conv) as sent:
            contents, config = self._request(sent, opts, timeout)
            calling = _CALLING.set(True)
            try:
                client = self._async.get()[0]
                response = await client.aio.models.generate_content(
                    model=opts.model,
                    contents=contents,
                    config=config,
                )
            except Exception as exc:
                self._fail(exc, opts.model)
            finally:
                _CALLING.reset(calling)
        return response_to_messages(response, opts.model)

    def stream(
        self, conv: Conversation, opts: CallOptions, timeout: float | None
    ) -> Iterator[AIMessageChunk]:
        """Stream chunks; raises if the stream is cut before the final chunk."""
        state = NativeStreamState(requested_model=opts.model)
        with self._splicer.stand_ins(conv) as sent:
            contents, config = self._request(sent, opts, timeout, stream=True)
            try:
                for response in self._sync.get().models.generate_content_stream(
                    model=opts.model,
                    contents=contents,
                    config=config,
                ):
                    yield state.feed(response)
                ensure_complete(state.finished, "Gemini")
            except Exception as exc:
                self._fail(exc, opts.model)

    async def astream(
        self, conv: Conversation, opts: CallOptions, timeout: float | None
    ) -> AsyncIterator[AIMessageChunk]:
        """Async twin of `stream`."""
        state = NativeStreamState(requested_model=opts.model)
        with self._splicer.stand_ins(conv) as sent:
            contents, config = self._request(sent, opts, timeout, stream=True)
            try:
                client = self._async.get()[0]
                stream = await client.aio.models.generate_content_stream(
                    model=opts.model,
                    contents=contents,
                    config=config,
                )
                async with contextlib.aclosing(tracked(stream)) as responses:
                    async for response in responses:
                        yield state.feed(response)
                ensure_complete(state.finished, "Gemini")
            except Exception as exc:
                self._fail(exc, opts.model)
