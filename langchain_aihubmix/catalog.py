"""AiHubMix's public model catalogue (`GET {base_url}/api/v1/models`) and its prices.

The canonical shape this module expects (and the emulator serves) is AiHubMix's,
with prices in USD per 1M tokens::

    {"success": true,
     "data": [{"model_id": "gemini-2.5-flash",
               "model_name": "Gemini 2.5 Flash",
               "developer_id": "google",
               "context_length": 1048576,
               "max_output": 65536,
               "types": ["llm"],
               "endpoints": "gemini_api",
               "features": ["thinking", "tools", "function_calling"],
               "input_modalities": ["text", "image"],
               "pricing": {"input": 0.3, "output": 2.5, "cache_read": 0.075}}]}

The real shape is not verified, so parsing is tolerant: the top level may be a list or
`{"data": [...]}` (`{"success": false}` is an error); the id may be `model_id` or `id`;
prices may sit in `pricing` or on the entry, under `input` / `output` / `cache_read`
(per 1M tokens) or OpenRouter's `prompt` / `completion` / `input_cache_read` (per
token); numbers may be strings; `features` may be a list or a comma-separated string.

Units are sanity-checked per entry: a declared unit (`"unit"` / `"price_unit"` naming
`token`, `1K` or `1M`) wins, else the key convention above. Prices are normalised to
per 1M tokens; when a per-1M price is below $0.001 (e.g. `1.25e-06`) the entry is read
as per-token and rescaled, with a `CatalogUnitWarning`; prices that stay outside
$0.001-$10,000 per 1M, are negative or are not numbers are dropped (`None`) with a
warning. Results are cached in memory per base URL for `ttl` seconds.
"""

from __future__ import annotations

import math
import threading
import time
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import httpx

from langchain_aihubmix.pricing import DEFAULT_PRICES, PriceTable

__all__ = [
    "CATALOG_PATH",
    "DEFAULT_BASE_URL",
    "CatalogError",
    "CatalogModel",
    "CatalogUnitWarning",
    "alist_models",
    "arefresh_prices",
    "clear_catalog_cache",
    "list_models",
    "parse_catalog",
    "refresh_prices",
]

DEFAULT_BASE_URL = "https://aihubmix.com"
CATALOG_PATH = "/api/v1/models"
DEFAULT_TTL = 600.0
"""Seconds a fetched catalogue is reused."""

_MIN_PER_M = Decimal("0.001")
_MAX_PER_M = Decimal(10_000)
_PER_TOKEN = Decimal(1_000_000)
_PER_1K = Decimal(1_000)
_ONE = Decimal(1)

_INPUT_KEYS = ("input", "prompt", "input_price")
_OUTPUT_KEYS = ("output", "completion", "output_price")
_CACHE_KEYS = ("cache_read", "input_cache_read", "cached_input", "cache_read_price")
_PER_TOKEN_KEYS = frozenset({"prompt", "completion", "input_cache_read"})
_CONTEXT_KEYS = ("context_length", "context_window", "input_token_limit")


class CatalogError(RuntimeError):
    """The catalogue could not be fetched or has a shape this module cannot read."""


class CatalogUnitWarning(UserWarning):
    """A catalogue price was rescaled or dropped by the unit sanity check."""


@dataclass(frozen=True)
class CatalogModel:
    """One model of the gateway's catalogue; prices in USD per 1M tokens.

    Attributes:
        id: The model id to call (`"gemini-2.5-flash"`).
        input_price: Uncached input price, or `None` when absent or rejected.
        output_price: Output price, or `None`.
        cache_read_price: Cache-read price, or `None` (then 25% of input applies).
        context_length: Context window in tokens, if given.
        features: Feature tags as given (`"tools"`, `"thinking"`, ...).
        max_output: Maximum output tokens, if given.
        raw: The entry as received.
    """

    id: str
    input_price: Decimal | None = None
    output_price: Decimal | None = None
    cache_read_price: Decimal | None = None
    context_length: int | None = None
    features: tuple[str, ...] = ()
    max_output: int | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)


def _number(value: object) -> Decimal | None:
    """A finite non-bool number (or numeric string) as Decimal, else None."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _integer(entry: Mapping[str, Any], keys: Sequence[str]) -> int | None:
    for key in keys:
        number = _number(entry.get(key))
        if number is not None and number > 0:
            return int(number)
    return None


def _first(source: Mapping[str, Any], keys: Sequence[str]) -> tuple[str, Any] | None:
    for key in keys:
        if source.get(key) is not None:
            return key, source[key]
    return None


def _declared_scale(entry: Mapping[str, Any], pricing: Mapping[str, Any]) -> Decimal:
    """Multiplier to per-1M from a declared unit; 0 when none is declared."""
    unit = pricing.get("unit") or entry.get("price_unit") or entry.get("pricing_unit")
    text = str(unit or "").lower().replace(" ", "")
    if not text:
        return Decimal(0)
    if any(tag in text for tag in ("1m", "million", "mtok")):
        return _ONE
    if any(tag in text for tag in ("1k", "thousand", "ktok")):
        return _PER_1K
    return _PER_TOKEN if "token" in text else Decimal(0)


def _prices(
    model_id: str, entry: Mapping[str, Any]
) -> tuple[Decimal | None, Decimal | None, Decimal | None]:
    """Reads (input, output, cache_read) per 1M tokens, with the unit checks."""
    pricing = entry.get("pricing")
    source: Mapping[str, Any] = pricing if isinstance(pricing, Mapping) else entry
    found = [_first(source, keys) for keys in (_INPUT_KEYS, _OUTPUT_KEYS, _CACHE_KEYS)]
    scale = _declared_scale(entry, source)
    if not scale:
        per_token = any(f is not None and f[0] in _PER_TOKEN_KEYS for f in found)
        scale = _PER_TOKEN if per_token else _ONE
    values: list[Decimal | None] = []
    for item in found:
        number = None if item is None else _number(item[1])
        if item is not None and number is None and item[1] != "":
            _warn(f"{model_id}: price {item[0]}={item[1]!r} is not a number")
        values.append(None if number is None else number * scale)
    largest = max((v for v in values if v), default=Decimal(0))
    if scale == _ONE and 0 < largest < _MIN_PER_M:
        rescaled = largest * _PER_TOKEN
        if rescaled <= _MAX_PER_M:
            _warn(f"{model_id}: prices look per-token ({largest}); rescaled to per 1M")
            values = [None if v is None else v * _PER_TOKEN for v in values]
    checked = [_plausible(model_id, value) for value in values]
    return checked[0], checked[1], checked[2]


def _plausible(model_id: str, value: Decimal | None) -> Decimal | None:
    """The per-1M price, or None (with a warning) when it is out of range."""
    if value is None or value == 0 or _MIN_PER_M <= value <= _MAX_PER_M:
        return value
    _warn(f"{model_id}: price {value} per 1M tokens is implausible; dropped")
    return None


def _warn(message: str) -> None:
    warnings.warn(message, CatalogUnitWarning, stacklevel=3)


def _features(value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    if isinstance(value, Sequence):
        return tuple(str(part) for part in value)
    return ()


def parse_catalog(payload: object) -> list[CatalogModel]:
    """Parses a catalogue response body (decoded JSON) into `CatalogModel`s.

    Entries without an id are skipped.

    Raises:
        CatalogError: `success` is false, or there is no list of models.
    """
    entries: object = payload
    if isinstance(payload, Mapping):
        if payload.get("success") is False:
            msg = f"catalogue says success=false: {payload.get('message')!r}"
            raise CatalogError(msg)
        entries = payload.get("data", payload.get("models"))
    if not isinstance(entries, list):
        msg = f"catalogue has no list of models (got {type(entries).__name__})"
        raise CatalogError(msg)
    models = []
    for entry in entries:
        if not isinstance(entry, Mapping):
            continue
        model_id = entry.get("model_id") or entry.get("id")
        if not isinstance(model_id, str) or not model_id:
            continue
        input_price, output_price, cache_price = _prices(model_id, entry)
        models.append(
            CatalogModel(
                id=model_id,
                input_price=input_price,
                output_price=output_price,
                cache_read_price=cache_price,
                context_length=_integer(entry, _CONTEXT_KEYS),
                features=_features(entry.get("features")),
                max_output=_integer(entry, ("max_output", "max_output_tokens")),
                raw=dict(entry),
            )
        )
    return models


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


def _store(url: str, response: httpx.Response, ttl: float) -> list[CatalogModel]:
    try:
        response.raise_for_status()
        payload = response.json()
    except (httpx.HTTPStatusError, ValueError) as exc:
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
    client: httpx.Client | None = None,
    ttl: float = DEFAULT_TTL,
) -> list[CatalogModel]:
    """Fetches the gateway's model catalogue (no API key needed).

    Args:
        base_url: Gateway root; the catalogue is `{base_url}/api/v1/models`.
        timeout: Seconds for the request.
        client: An `httpx.Client` to use (proxies, transports); one is made if None.
        ttl: Seconds to reuse a fetched catalogue; 0 always fetches.

    Returns:
        The catalogue's models, prices per 1M tokens.

    Raises:
        CatalogError: HTTP failure or an unreadable body.

    Example:
        ```python
        from langchain_aihubmix.catalog import list_models

        gemini = [m for m in list_models() if m.id.startswith("gemini")]
        ```
    """
    url = _url(base_url)
    if (hit := _cached(url, ttl)) is not None:
        return hit
    try:
        if client is not None:
            response = client.get(url, timeout=timeout)
        else:
            with httpx.Client(timeout=timeout) as own:
                response = own.get(url)
    except httpx.HTTPError as exc:
        msg = f"GET {url} failed: {exc!r}"
        raise CatalogError(msg) from exc
    return _store(url, response, ttl)


async def alist_models(
    base_url: str = DEFAULT_BASE_URL,
    *,
    timeout: float = 10,
    client: httpx.AsyncClient | None = None,
    ttl: float = DEFAULT_TTL,
) -> list[CatalogModel]:
    """Async twin of `list_models` (shares its cache)."""
    url = _url(base_url)
    if (hit := _cached(url, ttl)) is not None:
        return hit
    try:
        if client is not None:
            response = await client.get(url, timeout=timeout)
        else:
            async with httpx.AsyncClient(timeout=timeout) as own:
                response = await own.get(url)
    except httpx.HTTPError as exc:
        msg = f"GET {url} failed: {exc!r}"
        raise CatalogError(msg) from exc
    return _store(url, response, ttl)


def _merge(models: list[CatalogModel], prices: PriceTable | None) -> PriceTable:
    base = DEFAULT_PRICES if prices is None else prices
    return base.with_overrides(dict(PriceTable.from_catalog(models).items()))


def refresh_prices(
    base_url: str = DEFAULT_BASE_URL,
    *,
    prices: PriceTable | None = None,
    timeout: float = 10,
    client: httpx.Client | None = None,
    ttl: float = DEFAULT_TTL,
) -> PriceTable:
    """Returns `prices` (default: the built-in table) updated from the catalogue.

    Catalogue prices replace the table's for the same id (flat: no >200k tier);
    models the catalogue does not price keep the table's price.

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
    base_url: str = DEFAULT_BASE_URL,
    *,
    prices: PriceTable | None = None,
    timeout: float = 10,
    client: httpx.AsyncClient | None = None,
    ttl: float = DEFAULT_TTL,
) -> PriceTable:
    """Async twin of `refresh_prices`."""
    models = await alist_models(base_url, timeout=timeout, client=client, ttl=ttl)
    return _merge(models, prices)
