"""Explicit context caching (`cachedContents`) through google-genai, and its errors.

Gemini caches repeated prompt prefixes implicitly (reported per call as
`usage_metadata["input_token_details"]["cache_read"]` and, on the native route,
`response_metadata["cache_tokens_details"]`); nothing needs to be done for that
except keeping the stable part of a conversation first, which this package does.

Explicit caching is Gemini's `cachedContents` API: create a cache of a long
system instruction / document once, then pass its name as `cached_content=` on
calls. AiHubMix's gateway does not route `cachedContents` today (its route table has
them commented out), so every `CacheManager` method raises
`ExplicitCachingUnavailableError` there; against a gateway (or Google endpoint) that
offers the API, the methods work as in google-genai.

Example:
    ```python
    from langchain_aihubmix.caching import CacheManager, ExplicitCachingUnavailableError

    caches = CacheManager(llm)
    try:
        cache = caches.create_cache(system="<a long manual>", ttl=3600)
        llm.invoke("question", cached_content=cache.name)
    except ExplicitCachingUnavailableError:
        llm.invoke([("system", "<a long manual>"), ("human", "question")])
    ```
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import NoReturn, TypeVar

from google import genai
from google.genai import types
from langchain_core.messages import BaseMessage, HumanMessage

from langchain_aihubmix._errors.classify import raise_classified
from langchain_aihubmix._input.conversation import Conversation
from langchain_aihubmix._input.from_messages import messages_to_conversation
from langchain_aihubmix._native.client import (
    ROUTE_MISSING_STATUSES,
    gemini_client,
    route_missing,
)
from langchain_aihubmix._native.request import conversation_to_contents
from langchain_aihubmix._transport.route import HasSettings

__all__ = [
    "ROUTE_MISSING_STATUSES",
    "CacheManager",
    "ExplicitCachingUnavailableError",
    "GatewayFeatureUnavailableError",
    "gemini_client",
    "route_missing",
]

T = TypeVar("T")


class GatewayFeatureUnavailableError(NotImplementedError):
    """The gateway does not offer a Gemini API endpoint this package can use.

    Attributes:
        feature: What is unavailable, e.g. `"explicit caching (cachedContents)"`.
        base_url: The gateway root that was asked.
        status_code: The HTTP status it answered (404, 405 or 501).
    """

    def __init__(self, feature: str, base_url: str, status_code: int | None) -> None:
        """Creates the error; the message says what is missing and where."""
        self.feature = feature
        self.base_url = base_url
        self.status_code = status_code
        super().__init__(
            f"The gateway at {base_url} does not offer {feature} "
            f"(HTTP {status_code}). AiHubMix does not route this Gemini endpoint; "
            "see langchain_aihubmix.caching for what works instead."
        )


class ExplicitCachingUnavailableError(GatewayFeatureUnavailableError):
    """The gateway does not offer Gemini's `cachedContents` API (AiHubMix today).

    Implicit caching still works: keep the stable prefix (system instruction,
    tools, earlier turns) identical from call to call and read
    `usage_metadata["input_token_details"]["cache_read"]`.
    """


def _ttl(ttl: timedelta | float | str | None) -> str | None:
    """Gemini's duration text: `3600` / `timedelta(hours=1)` / `"3600s"` -> "3600s"."""
    if ttl is None or isinstance(ttl, str):
        return ttl
    seconds = ttl.total_seconds() if isinstance(ttl, timedelta) else float(ttl)
    return f"{seconds:g}s"


class CacheManager:
    """Create, list, refresh and delete Gemini cached contents for a model.

    Uses the native Gemini API at `{base_url}/gemini` whatever the model's
    `transport` (the OpenAI-compatible route has no caching API; a cache name is
    passed as `cached_content=` to a native-route model only).

    Every method raises `ExplicitCachingUnavailableError` when the gateway does not
    route `cachedContents` (AiHubMix today), and the package's typed errors
    (`langchain_aihubmix.errors`) for other failures.
    """

    def __init__(self, llm: HasSettings) -> None:
        """Creates a manager for `llm`'s gateway, key and model."""
        self._settings = llm.client_settings()
        self._model = llm.model
        self._client: genai.Client | None = None

    def _call(self, fn: Callable[[genai.Client], T], *, by_name: bool = False) -> T:
        if self._client is None:
            self._client = gemini_client(self._settings)
        try:
            try:
                return fn(self._client)
            except Exception as exc:
                raise_classified(exc, route="native", secret=self._settings.api_key)
        except Exception as err:
            self._raise_unavailable(err, by_name=by_name)

    def _raise_unavailable(self, err: Exception, *, by_name: bool) -> NoReturn:
        status = route_missing(err, by_name=by_name)
        if status is None:
            raise err
        raise ExplicitCachingUnavailableError(
            "explicit caching (cachedContents)", self._settings.base_url, status
        ) from err

    def create_cache(
        self,
        *,
        contents: Sequence[BaseMessage] | str | None = None,
        system: str | None = None,
        ttl: timedelta | float | str | None = None,
        display_name: str | None = None,
        model: str | None = None,
    ) -> types.CachedContent:
        """Caches a prefix: a system instruction and/or leading messages.

        Args:
            contents: Messages (or one user text) to cache; system messages among
                them join the system instruction.
            system: System instruction text to cache.
            ttl: Lifetime: seconds, a `timedelta` or Gemini's `"3600s"` (default:
                Gemini's, one hour).
            display_name: A label shown by `list_caches()`.
            model: Model id (default: the chat model's).

        Returns:
            The cache; pass `cache.name` as `cached_content=` on calls.
        """
        messages = [HumanMessage(contents)] if isinstance(contents, str) else contents
        history = list(messages or [])
        conv = messages_to_conversation(history) if history else Conversation()
        if system is not None:
            conv.system.insert(0, system)
        target = model or self._model
        cached, instruction = conversation_to_contents(conv, model=target)
        config = types.CreateCachedContentConfig(
            contents=list(cached) or None,
            system_instruction=instruction,
            ttl=_ttl(ttl),
            display_name=display_name,
        )
        return self._call(lambda c: c.caches.create(model=target, config=config))

    def list_caches(self) -> list[types.CachedContent]:
        """The caches this key can see."""
        return self._call(lambda c: list(c.caches.list()))

    def get_cache(self, name: str) -> types.CachedContent:
        """One cache by name (`cachedContents/...`)."""
        return self._call(lambda c: c.caches.get(name=name), by_name=True)

    def refresh_cache(
        self, name: str, ttl: timedelta | float | str
    ) -> types.CachedContent:
        """Extends a cache's lifetime to `ttl` from now.

        Args:
            name: The cache (`cachedContents/...`).
            ttl: New lifetime (seconds, `timedelta` or `"3600s"`).
        """
        config = types.UpdateCachedContentConfig(ttl=_ttl(ttl))
        return self._call(
            lambda c: c.caches.update(name=name, config=config), by_name=True
        )

    def delete_cache(self, name: str) -> None:
        """Deletes a cache by name."""
        self._call(lambda c: c.caches.delete(name=name), by_name=True)
