"""AiHubMix's public model catalogue (`GET {base_url}/api/v1/models`) and its prices.

The shape read (and the emulator serves) is AiHubMix's as public sources show it
(AIhubmix/aihubmix `packages/mcp`, anomalyco/models.dev `providers/aihubmix`;
recorded in tests/fixtures/recorded/aihubmix/api-v1-models.json), prices in USD per
1M tokens (AiHubMix's own docs wrongly say per 1K)::

    {"success": true, "message": "",
     "data": [{"model_id": "gemini-2.5-pro", "developer_id": 3, "types": "llm",
               "features": "thinking,tools,function_calling,structured_outputs",
               "input_modalities": "text,image,audio,video",
               "context_length": 1048576, "max_output": 65536,
               "pricing": {"input": 1.25, "output": 10, "cache_read": 0.125,
                           "cache_write": 0, "input_audio": 1,
                           "tiers": [{"min_tokens": 200000, "input": 2.5,
                                      "output": 15, "cache_read": 0.25}]},
               "pricing_source": "billing_config", "retire_stage": null}]}

A tier may also be keyed by its label (`"tiers": {">200k": {...}}`);
`pricing_source="legacy_ratio"` marks approximate prices. A price that is not a
number, or lies outside $0.001-$10,000 per 1M (another unit, most likely), is dropped
with a `CatalogUnitWarning`. Results are cached in memory per base URL for `ttl`
seconds.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterable
from datetime import date
from typing import Any

import httpx2

from langchain_aihubmix._catalog.fetch import (
    CATALOG_PATH,
    DEFAULT_BASE_URL,
    DEFAULT_TTL,
    alist_models,
    clear_catalog_cache,
    list_models,
)
from langchain_aihubmix._catalog.parse import (
    CatalogError,
    CatalogModel,
    CatalogUnitWarning,
    parse_catalog,
    warn,
)
from langchain_aihubmix.pricing import DEFAULT_PRICES, ModelPrice, PriceTable

__all__ = [
    "CATALOG_PATH",
    "DEFAULT_BASE_URL",
    "CatalogError",
    "CatalogModel",
    "CatalogUnitWarning",
    "LivePriceTable",
    "alist_models",
    "arefresh_prices",
    "clear_catalog_cache",
    "list_models",
    "live_prices",
    "parse_catalog",
    "price_table",
    "refresh_prices",
]


def price_table(models: Iterable[CatalogModel]) -> PriceTable:
    """A `PriceTable` of the catalogue's models that have an input and an output price,
    with their >200k tier; `pricing_source="legacy_ratio"` prices are marked
    `source="catalog-approx"`.
    """
    today = date.today()
    return PriceTable(
        {
            m.id: ModelPrice(
                m.input_price,
                m.output_price,
                m.cache_read_price,
                tier_threshold=m.tier_threshold,
                input_above_tier=m.input_above_tier,
                output_above_tier=m.output_above_tier,
                cache_read_above_tier=m.cache_read_above_tier,
                source="catalog-approx"
                if m.pricing_source == "legacy_ratio"
                else "catalog",
                as_of=today,
                audio_input=m.audio_input_price,
            )
            for m in models
            if m.input_price is not None and m.output_price is not None
        }
    )


def _merge(models: list[CatalogModel], prices: PriceTable | None) -> PriceTable:
    base = DEFAULT_PRICES if prices is None else prices
    return base.with_overrides(dict(price_table(models).items()))


def refresh_prices(
    base_url: str = DEFAULT_BASE_URL,
    *,
    prices: PriceTable | None = None,
    timeout: float = 10,
    client: httpx2.Client | None = None,
    ttl: float = DEFAULT_TTL,
) -> PriceTable:
    """`prices` (default: the built-in table) with the catalogue's prices replacing
    theirs (with their >200k tier); ids the catalogue does not price keep theirs.

    Example:
        ```python
        llm = ChatAiHubMixGemini(model="gemini-2.5-flash", prices=refresh_prices())
        ```
    """
    models = list_models(base_url, timeout=timeout, client=client, ttl=ttl)
    return _merge(models, prices)


async def arefresh_prices(
    base_url: str = DEFAULT_BASE_URL,
    *,
    prices: PriceTable | None = None,
    timeout: float = 10,
    client: httpx2.AsyncClient | None = None,
    ttl: float = DEFAULT_TTL,
) -> PriceTable:
    """Async twin of `refresh_prices`."""
    models = await alist_models(base_url, timeout=timeout, client=client, ttl=ttl)
    return _merge(models, prices)


class LivePriceTable(PriceTable):
    """A `PriceTable` read from the live catalogue, re-read every `ttl` seconds.

    Lookups (`get`) never touch the network: the model calls `refresh()` before
    pricing a sync call and `await arefresh()` (the read in a worker thread) before
    an async one, which read the catalogue when the last read is older than `ttl`.
    Until the first successful read, and whenever the catalogue cannot be read
    (offline, HTTP error, unreadable body), the prices are those of `fallback`
    (the bundled snapshot by default), with one `CatalogUnitWarning` per failure
    streak.
    """

    def __init__(
        self,
        base_url: str = DEFAULT_BASE_URL,
        *,
        ttl: float = DEFAULT_TTL,
        timeout: float = 10,
        fallback: PriceTable | None = None,
        client: httpx2.Client | None = None,
    ) -> None:
        """Creates the table; nothing is fetched until it is refreshed."""
        self._fallback = DEFAULT_PRICES if fallback is None else fallback
        super().__init__(dict(self._fallback.items()))
        self._base_url, self._ttl, self._timeout = base_url, ttl, timeout
        self._client = client
        self._next_read = 0.0
        self._failing = False
        self._lock = threading.Lock()

    def refresh(self) -> None:
        """Re-reads the catalogue when the last read is older than `ttl` (blocking)."""
        with self._lock:
            if time.monotonic() < self._next_read:
                return
            self._next_read = time.monotonic() + max(self._ttl, 1.0)
            try:
                models = list_models(
                    self._base_url,
                    timeout=self._timeout,
                    client=self._client,
                    ttl=self._ttl,
                )
            except CatalogError as exc:
                if not self._failing:
                    warn(f"live prices unavailable, using the snapshot: {exc}")
                self._failing = True
                return
            self._failing = False
            self._prices = dict(_merge(models, self._fallback).items())

    async def arefresh(self) -> None:
        """`refresh` in a worker thread, when a read is due: the loop never waits."""
        if time.monotonic() >= self._next_read:
            await asyncio.to_thread(self.refresh)

    def __getstate__(self) -> dict[str, Any]:
        """Pickles without the lock or the client (a copy re-reads on first use)."""
        state = dict(self.__dict__)
        state.pop("_lock", None)
        state["_client"] = None
        state["_next_read"] = 0.0
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Restores a pickled table with a fresh lock."""
        self.__dict__.update(state)
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        """Shows where the prices come from."""
        return f"LivePriceTable({self._base_url!r}, ttl={self._ttl})"


def live_prices(
    base_url: str = DEFAULT_BASE_URL,
    *,
    ttl: float = DEFAULT_TTL,
    timeout: float = 10,
    fallback: PriceTable | None = None,
) -> LivePriceTable:
    """Opt-in exact costs: a `LivePriceTable` of the live catalogue, re-read every `ttl`
    seconds (the bundled snapshot offline), for `ChatAiHubMixGemini(prices=...)`.
    """
    return LivePriceTable(base_url, ttl=ttl, timeout=timeout, fallback=fallback)
