"""The catalogue fetched (sync or async, no API key) and cached per base URL."""

from __future__ import annotations

import threading
import time
from contextlib import nullcontext

import httpx2

from langchain_aihubmix._catalog.parse import CatalogError, CatalogModel, parse_catalog
from langchain_aihubmix._transport.failover import (
    AsyncFailoverClient,
    BaseUrl,
    Failover,
    FailoverClient,
    gateway_roots,
)

CATALOG_PATH = "/api/v1/models"
DEFAULT_TTL = 600.0
"""Seconds a fetched catalogue is reused."""

_cache: dict[str, tuple[float, list[CatalogModel]]] = {}
_cache_lock = threading.Lock()


def clear_catalog_cache() -> None:
    """Forgets every cached catalogue."""
    with _cache_lock:
        _cache.clear()


def _cached(
    roots: tuple[str, ...], ttl: float
) -> tuple[str, list[CatalogModel] | None]:
    url = roots[0] + CATALOG_PATH
    with _cache_lock:
        hit = _cache.get(",".join(roots))
    if hit is not None and ttl > 0 and time.monotonic() < hit[0]:
        return url, list(hit[1])
    return url, None


def _store(
    roots: tuple[str, ...], response: httpx2.Response, ttl: float
) -> list[CatalogModel]:
    try:
        response.raise_for_status()
        payload = response.json()
    except (httpx2.HTTPStatusError, ValueError) as exc:
        msg = f"GET {response.request.url} failed: {exc}"
        raise CatalogError(msg) from exc
    models = parse_catalog(payload)
    if ttl > 0:
        with _cache_lock:
            _cache[",".join(roots)] = (time.monotonic() + ttl, models)
    return list(models)


def list_models(
    base_url: BaseUrl = None,
    *,
    timeout: float = 10,
    client: httpx2.Client | None = None,
    ttl: float = DEFAULT_TTL,
) -> list[CatalogModel]:
    """The gateway's model catalogue, `{base_url}/api/v1/models` (no API key), e.g.
    `[m.id for m in list_models() if m.id.startswith("gemini")]`.

    From the next root when one cannot be reached (`base_url`: a model's; None: env
    `AIHUBMIX_BASE_URL`, else aihubmix.com), through `client` if given (no failover),
    reused for `ttl` seconds (0: always fetched). `CatalogError` on an HTTP failure
    or an unreadable body.
    """
    roots = gateway_roots(base_url)
    url, hit = _cached(roots, ttl)
    if hit is not None:
        return hit
    try:
        with nullcontext(client) if client else FailoverClient(Failover(roots)) as http:
            response = http.get(url, timeout=timeout)
    except httpx2.HTTPError as exc:
        msg = f"GET {url} failed: {exc!r}"
        raise CatalogError(msg) from exc
    return _store(roots, response, ttl)


async def alist_models(
    base_url: BaseUrl = None,
    *,
    timeout: float = 10,
    client: httpx2.AsyncClient | None = None,
    ttl: float = DEFAULT_TTL,
) -> list[CatalogModel]:
    """Async twin of `list_models` (shares its cache)."""
    roots = gateway_roots(base_url)
    url, hit = _cached(roots, ttl)
    if hit is not None:
        return hit
    try:
        own = nullcontext(client) if client else AsyncFailoverClient(Failover(roots))
        async with own as http:
            response = await http.get(url, timeout=timeout)
    except httpx2.HTTPError as exc:
        msg = f"GET {url} failed: {exc!r}"
        raise CatalogError(msg) from exc
    return _store(roots, response, ttl)
