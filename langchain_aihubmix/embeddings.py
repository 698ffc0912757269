"""AiHubMixEmbeddings: Gemini embedding models through the gateway's /v1/embeddings."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from typing import TYPE_CHECKING, Any, cast

import httpx2
from langchain_core.embeddings import Embeddings
from langchain_core.messages import AIMessage
from langchain_core.messages.ai import UsageMetadata
from langchain_core.utils import from_env, secret_from_env
from pydantic import BaseModel, Field, PrivateAttr, SecretStr

from langchain_aihubmix._call.construct import (
    check_field_names,
    client_settings,
    keyless_state,
    validated,
)
from langchain_aihubmix._errors.base import InvalidInputError
from langchain_aihubmix._errors.bodies import MALFORMED_STATUS
from langchain_aihubmix._errors.classify import raise_classified
from langchain_aihubmix._output.cost import price_message
from langchain_aihubmix._transport.deadline import awithin, within
from langchain_aihubmix._transport.failover import DEFAULT_BASE_URL
from langchain_aihubmix._transport.reply_checks import ReplyProblem, raise_if_error
from langchain_aihubmix._transport.reply_guard import ReplyGuard
from langchain_aihubmix._transport.retry import acall_with_retry, call_with_retry
from langchain_aihubmix._transport.retry_events import ACTIVE_COUNTER, retry_notifier
from langchain_aihubmix._transport.route import ClientSettings
from langchain_aihubmix.pricing import DEFAULT_PRICES

if TYPE_CHECKING:
    from langchain_aihubmix._openai.client import OpenAIRoute
    from langchain_aihubmix.callbacks import AiHubMixCallbackHandler

MAX_BATCH = 100
"""Gemini's limit per `batchEmbedContents` (the gateway's call): 100 texts."""

_LOCK = threading.Lock()
_ENV_KEY = secret_from_env("AIHUBMIX_API_KEY", default=None)
_ENV_BASE_URL = from_env("AIHUBMIX_BASE_URL", default=DEFAULT_BASE_URL)
_ENV_APP_CODE = from_env("AIHUBMIX_APP_CODE", default=None)
_AUTH: Any = {"security": {"bearer_auth": True}}
_POST: Any = dict(path="/embeddings", options=_AUTH, cast_to=httpx2.Response)


class AiHubMixEmbeddings(BaseModel, Embeddings):
    """Gemini embeddings (`gemini-embedding-001`) through AiHubMix's `/v1/embeddings`.

    Built like `ChatAiHubMixGemini` (key, base URL, timeout, retries, typed errors);
    `get_aihubmix_callback()` counts the cost. Async: on the event loop, through
    the chat model's async clients. See README.md ("Embeddings").

    Example:
        ```python
        emb = AiHubMixEmbeddings(model="gemini-embedding-001", dimensions=768)
        vectors = emb.embed_documents(["a", "b"])   # in input order
        ```
    """

    model_config = {"extra": "forbid"}

    model: str = "gemini-embedding-001"
    api_key: SecretStr | None = Field(default_factory=_ENV_KEY)
    """AiHubMix key; env `AIHUBMIX_API_KEY`. Never serialised or shown."""
    base_url: str | list[str] = Field(default_factory=_ENV_BASE_URL)
    """Gateway root(s), as `ChatAiHubMixGemini.base_url`; env `AIHUBMIX_BASE_URL`."""
    app_code: str | None = Field(default_factory=_ENV_APP_CODE)
    dimensions: int | None = Field(default=None, ge=1)
    """Vector size (Gemini's `outputDimensionality`, e.g. 768); None: the model's."""
    document_task_type: str | None = None
    """Sent as `task_type` by `embed_documents` (e.g. `"RETRIEVAL_DOCUMENT"`), if
    set. Whether the gateway passes it on is unverified: the doctor checks."""
    query_task_type: str | None = None
    """The same for `embed_query` (e.g. `"RETRIEVAL_QUERY"`)."""
    chunk_size: int = Field(default=MAX_BATCH, ge=1)
    timeout: float | None = Field(default=60.0, gt=0, allow_inf_nan=False)
    max_retries: int = Field(default=2, ge=0)
    retry_billable: bool = False
    default_headers: dict[str, str] | None = None
    client_args: dict[str, Any] | None = None

    _route: tuple[ClientSettings, OpenAIRoute] | None = PrivateAttr(default=None)

    def __init__(self, **kwargs: Any) -> None:
        """Validate the fields; no error shows the key (even under a wrong name)."""
        check_field_names(type(self), kwargs)
        validated(partial(super().__init__, **kwargs), kwargs)

    def __getstate__(self) -> dict[Any, Any]:
        return keyless_state(super().__getstate__(), _route=None)

    def __setstate__(self, state: dict[Any, Any]) -> None:
        super().__setstate__(state)
        if self.api_key is None:
            self.api_key = _ENV_KEY()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Vectors in input order; an empty text raises `InvalidInputError` first."""
        return self._embed(texts, self.document_task_type)

    async def aembed_documents(self, texts: list[str]) -> list[list[float]]:
        """Async twin of `embed_documents` (on the loop, no worker thread)."""
        return await self._aembed(texts, self.document_task_type)

    def embed_query(self, text: str) -> list[float]:
        """Embed one text (with `query_task_type`)."""
        return self._embed([text], self.query_task_type)[0]

    async def aembed_query(self, text: str) -> list[float]:
        """Async twin of `embed_query`."""
        return (await self._aembed([text], self.query_task_type))[0]

    def _split(self, texts: list[str]) -> list[list[str]]:
        for n, text in enumerate(texts):
            if not isinstance(text, str) or not text:
                msg = f"texts[{n}] is {text!r}: Gemini embeds non-empty strings only."
                raise InvalidInputError(msg)
        size = self.chunk_size
        return [list(texts[i : i + size]) for i in range(0, len(texts), size)]

    def _key(self) -> str:
        return self.api_key.get_secret_value() if self.api_key else ""

    def _client_route(self) -> OpenAIRoute:
        """The chat model's openai clients, new when the settings change (a copy)."""
        settings = client_settings(self)
        with _LOCK:
            if self._route is None or self._route[0] != settings:
                from langchain_aihubmix._openai.client import OpenAIRoute

                self._route = (settings, OpenAIRoute(settings))
            return self._route[1]

    async def _aclient_route(self) -> OpenAIRoute:
        """`_client_route`, built in a worker thread when new (as chat models')."""
        if self._route is None or self._route[0] != client_settings(self):
            return await asyncio.to_thread(self._client_route)
        return self._route[1]

    def _prepare(self, texts: list[str], task: str | None) -> tuple[Any, Any]:
        """What both twins send (a body per batch), and their retry policy."""
        asked = {"dimensions": self.dimensions, "task_type": task}
        extra = {k: v for k, v in asked.items() if v} | {"encoding_format": "float"}
        bodies = [{"model": self.model, "input": b} | extra for b in self._split(texts)]
        policy = dict(max_retries=self.max_retries, retry_billable=self.retry_billable)
        return bodies, policy | {"on_retry": retry_notifier(None, self.model)}

    @contextmanager
    def _classified(self) -> Iterator[None]:
        try:
            yield
        except Exception as exc:
            raise_classified(exc, route="openai", secret=self._key())

    def _embed(self, texts: list[str], task: str | None) -> list[list[float]]:
        bodies, policy = self._prepare(texts, task)

        def attempt(body: dict[str, Any]) -> list[list[float]]:
            with self._classified():
                route = self._client_route()  # (built before the deadline starts)
                with within(self.timeout):
                    reply = route.client().post(body=body, **_POST)
                return self._read(reply, len(body["input"]))

        runs = (call_with_retry(partial(attempt, b), **policy) for b in bodies)
        return [v for vectors in runs for v in vectors]

    async def _aembed(self, texts: list[str], task: str | None) -> list[list[float]]:
        bodies, policy = self._prepare(texts, task)

        async def attempt(body: dict[str, Any]) -> list[list[float]]:
            with self._classified():
                route = await self._aclient_route()
                async with awithin(self.timeout, "openai"):
                    reply = await route.aclient().post(body=body, **_POST)
                return self._read(reply, len(body["input"]))

        runs = [await acall_with_retry(partial(attempt, b), **policy) for b in bodies]
        return [v for vectors in runs for v in vectors]

    def _read(self, reply: httpx2.Response, count: int) -> list[list[float]]:
        try:
            vectors, usage = reply_to_vectors(reply.json(), count, self.dimensions)
        except ReplyProblem as problem:
            raise ReplyGuard("openai", self._key()).error(problem, reply) from None
        handler = cast("AiHubMixCallbackHandler | None", ACTIVE_COUNTER.get())
        if handler is not None:  # no usage: the cost is unknown, never $0
            reply_message = AIMessage(content="", usage_metadata=usage)
            handler.record_success(
                self.model, price_message(reply_message, self.model, DEFAULT_PRICES)
            )
        return vectors


def reply_to_vectors(
    body: Any, count: int, dimensions: int | None
) -> tuple[list[list[float]], UsageMetadata | None]:
    """An embeddings reply's vectors and usage (None: not reported), ordered by
    `index` when the indices are a permutation of `0..count-1`, else as received
    (one-api's Gemini converter sends `index: 0` for every item). Raises
    `ReplyProblem`: an error envelope; not `count` vectors of finite numbers (no
    strings, nulls, booleans, NaN) of one size (502)."""
    raise_if_error(body)
    data = body.get("data") if isinstance(body, dict) else None
    items = [d for d in data if isinstance(d, dict)] if isinstance(data, list) else []
    indices = [item.get("index") for item in items]
    if sorted(indices, key=str) == sorted(range(count), key=str):
        items.sort(key=lambda item: cast("int", item["index"]))
    vectors = [_floats(item.get("embedding")) for item in items]
    sizes = {len(v or ()) for v in vectors}
    if len(vectors) != count or 0 in sizes or sizes - {dimensions or min(sizes)}:
        asked = f", dimensions={dimensions} asked" if dimensions else ""
        message = f"The gateway's reply is not {count} vectors of finite numbers, "
        message += f"of one size ({len(vectors)} of sizes {sorted(sizes)}{asked})"
        raise ReplyProblem(MALFORMED_STATUS, message)
    usage = body.get("usage") if isinstance(body.get("usage"), dict) else {}
    tokens = usage.get("prompt_tokens") or usage.get("total_tokens")
    known = type(tokens) is int and tokens > 0  # one-api reports 0
    usage = {"input_tokens": tokens, "output_tokens": 0, "total_tokens": tokens}
    return cast("list[list[float]]", vectors), cast(Any, usage) if known else None


def _floats(vector: Any) -> list[float] | None:
    """A vector of finite numbers as floats; None for anything else."""
    numbers = isinstance(vector, list) and all(
        type(x) in (int, float) and -1e308 < x < 1e308 for x in vector
    )
    return [float(x) for x in vector] if numbers else None


__all__ = ["MAX_BATCH", "AiHubMixEmbeddings", "reply_to_vectors"]
