"""AiHubMix's public model catalogue (`GET {base_url}/api/v1/models`) and its prices.

Its shape as public sources show it (AIhubmix/aihubmix `packages/mcp`, models.dev
`providers/aihubmix`; tests/fixtures/recorded/aihubmix/api-v1-models.json) is read
by `_catalog/parse.py`, prices in USD per 1M tokens, units checked. Cached per base
URL for `ttl` seconds; `base_url` is a root or several (failover), None: env
`AIHUBMIX_BASE_URL`, else aihubmix.com.
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
from langchain_aihubmix._transport.failover import DEFAULT_BASE_URL, BaseUrl
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
    """The prices of the parsed catalogue entries that have an input and an output
    price: >200k tier kept, `cache_read` the catalogue's (else 10% of input),
    `pricing_source="legacy_ratio"` marked `source="catalog-approx"`."""
    today, prices = date.today(), dict[str, ModelPrice]()
    for m in models:
        if m.input_price is None or m.output_price is None:
            continue
        approx = m.pricing_source == "legacy_ratio"
        prices[m.id] = ModelPrice(
            m.input_price,
            m.output_price,
            m.cache_read_price,
            m.tier_threshold,
            m.input_above_tier,
            m.output_above_tier,
            m.cache_read_above_tier,
            source="catalog-approx" if approx else "catalog",
            as_of=today,
            audio_input=m.audio_input_price,
        )
    return PriceTable(prices)


def _merge(models: list[CatalogModel], prices: PriceTable | None) -> PriceTable:
    base = DEFAULT_PRICES if prices is None else prices
    return base.with_overrides(dict(price_table(models).items()))


def refresh_prices(
    base_url: BaseUrl = None,
    *,
    prices: PriceTable | None = None,
    timeout: float = 10,
    client: httpx2.Client | None = None,
    ttl: float = DEFAULT_TTL,
) -> PriceTable:
    """`prices` (default: the built-in table) updated from the catalogue (its prices
    replace the table's for the same id), e.g. for `ChatAiHubMixGemini(prices=...)`."""
    models = list_models(base_url, timeout=timeout, client=client, ttl=ttl)
    return _merge(models, prices)


async def arefresh_prices(
    base_url: BaseUrl = None,
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
    """A `PriceTable` of the live catalogue: lookups never touch the network; the model
    calls `refresh(base_url)` (sync) or `await arefresh(base_url)` (in a thread)
    before a call, which read this table's `base_url`, else the model's, when due
    (after `ttl`, or at once for another gateway). Until a read succeeds, and while
    reads fail, `fallback`'s prices (the snapshot's), one `CatalogUnitWarning` per
    failure streak."""

    def __init__(
        self,
        base_url: BaseUrl = None,
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
        self._client, self._next_read, self._failing = client, 0.0, False
        self._read_from: BaseUrl = None
        self._lock = threading.Lock()

    def _source(self, base_url: BaseUrl) -> BaseUrl:
        return base_url if self._base_url is None else self._base_url

    def _due(self, source: BaseUrl) -> bool:
        return source != self._read_from or time.monotonic() >= self._next_read

    def refresh(self, base_url: BaseUrl = None) -> None:
        """Re-reads the catalogue when due (see the class; blocking)."""
        source = self._source(base_url)
        with self._lock:
            if not self._due(source):
                return
            self._read_from = source
            self._next_read = time.monotonic() + max(self._ttl, 1.0)
            args = {"timeout": self._timeout, "ttl": self._ttl}
            try:
                models = list_models(source, client=self._client, **args)
            except CatalogError as exc:
                if not self._failing:
                    warn(f"live prices unavailable, using the snapshot: {exc}")
                self._failing = True
                return
            self._failing = False
            self._prices = dict(_merge(models, self._fallback).items())

    async def arefresh(self, base_url: BaseUrl = None) -> None:
        """`refresh` in a worker thread, when a read is due: the loop never waits."""
        if self._due(self._source(base_url)):
            await asyncio.to_thread(self.refresh, base_url)

    def __getstate__(self) -> dict[str, Any]:
        """Pickles without the lock or the client (a copy re-reads on first use)."""
        state = {k: v for k, v in self.__dict__.items() if k != "_lock"}
        return state | {"_client": None, "_next_read": 0.0}

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Restores a pickled table with a fresh lock."""
        self.__dict__.update(state)
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        """Shows where the prices come from."""
        return f"LivePriceTable({self._base_url!r}, ttl={self._ttl})"


def live_prices(
    base_url: BaseUrl = None,
    *,
    ttl: float = DEFAULT_TTL,
    timeout: float = 10,
    fallback: PriceTable | None = None,
) -> LivePriceTable:
    """Opt-in exact costs: a `LivePriceTable` of the live catalogue, re-read every `ttl`
    seconds (the snapshot's prices offline), for `ChatAiHubMixGemini(prices=...)`:
    with no `base_url`, from the model's own gateway.
    """
    return LivePriceTable(base_url, ttl=ttl, timeout=timeout, fallback=fallback)
