"""Explicit context caching: not served by AiHubMix, refused with a typed error.

Gemini caches repeated prompt prefixes implicitly (`usage_metadata[
"input_token_details"]["cache_read"]`): keep the stable part of a conversation
first. Its explicit `cachedContents` API is not routed by AiHubMix (the doctor
checks whether yours does), so every `CacheManager` method raises
`ExplicitCachingUnavailableError` without sending anything.

Example:
    ```python
    try:
        cache = CacheManager(llm).create_cache(system="<a long manual>", ttl=3600)
        llm.invoke("question", cached_content=cache.name)
    except ExplicitCachingUnavailableError:
        llm.invoke([("system", "<a long manual>"), ("human", "question")])
    ```
"""

from __future__ import annotations

from typing import Any, NoReturn

__all__ = [
    "CacheManager",
    "ExplicitCachingUnavailableError",
    "GatewayFeatureUnavailableError",
]


class GatewayFeatureUnavailableError(NotImplementedError):
    """The gateway does not offer a Gemini API endpoint this package can use.

    Attributes:
        feature: What is unavailable, e.g. `"explicit caching (cachedContents)"`.
        base_url: The gateway root.
        status_code: The HTTP status it answered, or None when nothing was asked.
    """

    def __init__(
        self, feature: str, base_url: str, status_code: int | None = None
    ) -> None:
        """Creates the error; the message says what is missing and where."""
        self.feature = feature
        self.base_url = base_url
        self.status_code = status_code
        status = "" if status_code is None else f" (HTTP {status_code})"
        super().__init__(
            f"The gateway at {base_url} does not offer {feature}{status}. AiHubMix "
            "does not route this Gemini endpoint (`python -m "
            "langchain_aihubmix.doctor` checks); see langchain_aihubmix.caching for "
            "what works instead."
        )


class ExplicitCachingUnavailableError(GatewayFeatureUnavailableError):
    """The gateway does not offer Gemini's `cachedContents` API (AiHubMix today).

    Implicit caching still works: keep the stable prefix (system instruction,
    tools, earlier turns) identical from call to call and read
    `usage_metadata["input_token_details"]["cache_read"]`.
    """


class CacheManager:
    """Gemini's explicit caches for a model: every method raises
    `ExplicitCachingUnavailableError` (AiHubMix does not serve them)."""

    def __init__(self, llm: Any) -> None:
        """A manager for `llm`'s gateway (`llm.base_url`)."""
        self._base_url = str(llm.base_url)

    def _refuse(self, *args: Any, **kwargs: Any) -> NoReturn:
        """Raises `ExplicitCachingUnavailableError`: the gateway has no caches."""
        raise ExplicitCachingUnavailableError(
            "explicit caching (cachedContents)", self._base_url
        )

    create_cache = list_caches = get_cache = refresh_cache = delete_cache = _refuse
