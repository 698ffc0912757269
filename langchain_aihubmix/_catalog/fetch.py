"""The catalogue fetched (sync or async, no API key) and cached per base URL."""

from __future__ import annotations

import threading
import time
from contextlib import nullcontext

import httpx2

from langchain_aihubmix._catalog.parse import CatalogError, CatalogModel, parse_catalog

DEFAULT_BASE_URL = "https://aihubmix.com"
CATALOG_PATH = "/api/v1/models"
DEFAULT_TTL = 600.0
"""Seconds a fetched catalogue is reused."""

_cache: dict[str, tuple[float, list[CatalogModel]]] = {}
_cache_lock = threading.Lock()


def clear_catalog_cache() -> None:
    """Forgets every cached catalogue."""
    with _cache_lock:
        _cache.clear()


def _url(base_url: str) -> str:
    return base_url.rstrip("/") + CATALOG_PATH


def _cached(url: str, ttl: float) -> list[CatalogModel] | None:
    with _cache_lock:
        hit = _cache.get(url)
    if hit is not None and ttl > 0 and time.monotonic() < hit[0]:
        return list(hit[1])
    return None


def _store(url: str, response: httpx2.Response, ttl: float) -> list[CatalogModel]:
    try:
        response.raise_for_status()
        payload = response.json()
    except (httpx2.HTTPStatusError, ValueError) as exc:
        msg = f"GET {url} failed: {exc}"
        raise CatalogError(msg) from exc
    models = parse_catalog(payload)
    if ttl > 0:
        with _cache_lock:
            _cache[url] = (time.monotonic() + ttl, models)
    return list(models)


def list_models(
    base_url: str = DEFAULT_BASE_URL,
    *,
    timeout: float = 10,
    client: httpx2.Client | None = None,
    ttl: float = DEFAULT_TTL,
) -> list[CatalogModel]:
    """Fetches the gateway's catalogue, `{base_url}/api/v1/models` (no API key needed).

    `client` (an `httpx2.Client`) is used if given; a fetched catalogue is reused for
    `ttl` seconds (0: always fetch). Raises `CatalogError` on an HTTP failure or an
    unreadable body.

    Example:
        ```python
        gemini = [m for m in list_models() if m.id.startswith("gemini")]
        ```
    """
    url = _url(base_url)
    if (hit := _cached(url, ttl)) is not None:
        return hit
    try:
        with nullcontext(client) if client else httpx2.Client() as http:
            response = http.get(url, timeout=timeout)
    except httpx2.HTTPError as exc:
        msg = f"GET {url} failed: {exc!r}"
        raise CatalogError(msg) from exc
    return _store(url, response, ttl)


async def alist_models(
    base_url: str = DEFAULT_BASE_URL,
    *,
    timeout: float = 10,
    client: httpx2.AsyncClient | None = None,
    ttl: float = DEFAULT_TTL,
) -> list[CatalogModel]:
    """Async twin of `list_models` (shares its cache)."""
    url = _url(base_url)
    if (hit := _cached(url, ttl)) is not None:
        return hit
    try:
        async with nullcontext(client) if client else httpx2.AsyncClient() as http:
            response = await http.get(url, timeout=timeout)
    except httpx2.HTTPError as exc:
        msg = f"GET {url} failed: {exc!r}"
        raise CatalogError(msg) from exc
    return _store(url, response, ttl)
