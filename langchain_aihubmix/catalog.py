"""AiHubMix's public model catalogue (`GET {base_url}/api/v1/models`) and its prices.

The shape is AiHubMix's as public sources show it (AIhubmix/aihubmix `packages/mcp`;
anomalyco/models.dev `providers/aihubmix`; the emulator serves it): `{"success",
"message", "data": [{"model_id", "developer_id", "types", "features",
"input_modalities", "context_length", "max_output", "pricing": {"input", "output",
"cache_read", "cache_write", "tiers"}, "pricing_source", "retire_stage"}]}`, prices
in USD per 1M tokens (`_catalog/parse.py` reads variants and checks units, with a
`CatalogUnitWarning`). Cached per base URL for `ttl` seconds; `base_url` is a root
or several (failover), None: env `AIHUBMIX_BASE_URL`, else aihubmix.com.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from datetime import date
from typing import Any

import httpx2

from langchain_aihubmix._catalog.fetch import (
    CATALOG_PATH,
    DEFAULT_TTL,
    BaseUrl,
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
from langchain_aihubmix._transport.failover import DEFAULT_BASE_URL
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
    """`prices` (default: the built-in table) updated from the catalogue: its prices
    replace the table's for the same id (>200k tier too), the rest stay.

    Example:
        ```python
        prices = refresh_prices()
        with get_aihubmix_callback(prices=prices) as cb:
            ...
        ```
    """
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
    """A `PriceTable` read from the live catalogue on lookups, at most once per
    `ttl` seconds; until a read succeeds, and while it fails (offline, HTTP error,
    unreadable body), `fallback`'s prices (the snapshot's by default), with one
    `CatalogUnitWarning` per failure streak."""

    def __init__(
        self,
        base_url: BaseUrl = None,
        *,
        ttl: float = DEFAULT_TTL,
        timeout: float = 10,
        fallback: PriceTable | None = None,
        client: httpx2.Client | None = None,
    ) -> None:
        """Creates the table; nothing is fetched until a price is looked up."""
        self._fallback = DEFAULT_PRICES if fallback is None else fallback
        super().__init__(dict(self._fallback.items()))
        self._base_url, self._ttl, self._timeout = base_url, ttl, timeout
        self._client, self._next_read, self._failing = client, 0.0, False
        self._lock = threading.Lock()

    def _refresh(self) -> None:
        with self._lock:
            if time.monotonic() < self._next_read:
                return
            self._next_read = time.monotonic() + max(self._ttl, 1.0)
            args = {"timeout": self._timeout, "ttl": self._ttl}
            try:
                models = list_models(self._base_url, client=self._client, **args)
            except CatalogError as exc:
                if not self._failing:
                    warn(f"live prices unavailable, using the snapshot: {exc}")
                self._failing = True
                return
            self._failing = False
            self._prices = dict(_merge(models, self._fallback).items())

    def for_base_url(self, base_url: str | list[str]) -> PriceTable:
        """This table for a model at `base_url`: unless this one was given a base
        URL, a copy that reads that gateway's catalogue."""
        if self._base_url is not None:
            return self
        fallback, ttl, timeout = self._fallback, self._ttl, self._timeout
        copy = LivePriceTable(base_url, ttl=ttl, timeout=timeout, fallback=fallback)
        copy._client = self._client
        return copy

    def __getstate__(self) -> dict[str, Any]:
        """Pickles without the lock or the client (a copy re-reads on first use)."""
        state = {k: v for k, v in self.__dict__.items() if k != "_lock"}
        return state | {"_client": None, "_next_read": 0.0}

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Restores a pickled table with a fresh lock."""
        self.__dict__.update(state)
        self._lock = threading.Lock()

    def get(self, model: str) -> ModelPrice | None:
        """The live price of `model` (re-read when older than `ttl`)."""
        self._refresh()
        return super().get(model)

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
    """Opt-in exact costs: the live catalogue's prices, cached for `ttl` seconds (the
    snapshot's while it cannot be read), for `ChatAiHubMixGemini(prices=...)` (then
    from the model's own `base_url`) or `get_aihubmix_callback(prices=...)`.

    Example:
        ```python
        llm = ChatAiHubMixGemini(model="gemini-3-flash-preview", prices=live_prices())
        ```
    """
    return LivePriceTable(base_url, ttl=ttl, timeout=timeout, fallback=fallback)
