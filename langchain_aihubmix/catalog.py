"""AiHubMix's public model catalogue (`GET {base_url}/api/v1/models`) and its prices.

The shape this module expects (and the emulator serves) is AiHubMix's as public
sources describe it (AIhubmix/aihubmix `packages/mcp/src/aihubmix.ts` and
`packages/mcp/docs/design.md` §5; anomalyco/models.dev `providers/aihubmix`), with
prices in USD per 1M tokens (AiHubMix's own docs wrongly say per 1K)::

    {"success": true, "message": "",
     "data": [{"model_id": "gemini-2.5-pro",
               "developer_id": 3,
               "types": "llm",
               "features": "thinking,tools,function_calling,structured_outputs",
               "input_modalities": "text,image,audio,video",
               "context_length": 1048576,
               "max_output": 65536,
               "pricing": {"input": 1.25, "output": 10, "cache_read": 0.125,
                           "cache_write": 0,
                           "tiers": [{"min_tokens": 200000, "input": 2.5,
                                      "output": 15, "cache_read": 0.25}]},
               "pricing_source": "billing_config",
               "retire_stage": null}]}

`types`, `features` and `input_modalities` are comma-separated strings (lists are
read too); `developer_id` is a number. `pricing.tiers` (the >200k-token tier) is
kept; its exact shape was not seen, so a list of `{min_tokens | threshold | above:
N, input, output, cache_read}` or a mapping `{">200k": {...}}` are both read.
`pricing_source="legacy_ratio"` marks approximate prices. Parsing is tolerant
beyond that: the top level may be a list or `{"data": [...]}` (`{"success": false}`
is an error); the id may be `model_id` or `id`; prices may sit in `pricing` or on
the entry, under `input` / `output` / `cache_read` (per 1M tokens) or OpenRouter's
`prompt` / `completion` / `input_cache_read` (per token); numbers may be strings.

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
from collections.abc import Iterable, Mapping, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

import httpx2

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
_AUDIO_KEYS = ("input_audio", "audio_input", "audio")
_TIER_KEYS = ("min_tokens", "threshold", "above", "from", "min_input_tokens", "gt")


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
        cache_read_price: Cache-read price, or `None` (then 10% of input applies).
        context_length: Context window in tokens, if given.
        features: Feature tags as given (`"tools"`, `"thinking"`, ...).
        max_output: Maximum output tokens, if given.
        raw: The entry as received.
        types: Model types (`"llm"`, `"image_generation"`, ...).
        input_modalities: Input modalities (`"text"`, `"image"`, `"audio"`, ...).
        developer_id: The catalogue's numeric developer id, if given.
        cache_write_price: Cache-write price, or `None`.
        audio_input_price: Audio input price where listed, or `None`.
        tier_threshold: Prompt tokens above which the `*_above_tier` prices apply.
        input_above_tier: Input price above the threshold.
        output_above_tier: Output price above the threshold.
        cache_read_above_tier: Cache-read price above the threshold.
        pricing_source: `"billing_config"`, `"legacy_ratio"` (approximate), or None.
        retire_stage: The catalogue's retirement stage, if any (retired or retiring).
    """

    id: str
    input_price: Decimal | None = None
    output_price: Decimal | None = None
    cache_read_price: Decimal | None = None
    context_length: int | None = None
    features: tuple[str, ...] = ()
    max_output: int | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)
    types: tuple[str, ...] = ()
    input_modalities: tuple[str, ...] = ()
    developer_id: int | None = None
    cache_write_price: Decimal | None = None
    audio_input_price: Decimal | None = None
    tier_threshold: int | None = None
    input_above_tier: Decimal | None = None
    output_above_tier: Decimal | None = None
    cache_read_above_tier: Decimal | None = None
    pricing_source: str | None = None
    retire_stage: str | None = None


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


def _text(value: object) -> str | None:
    return str(value) if value not in (None, "", False) else None


def _single(
    model_id: str, pricing: Mapping[str, Any], keys: Sequence[str]
) -> Decimal | None:
    """One more per-1M price of `pricing` (first of `keys`), range-checked."""
    found = _first(pricing, keys)
    return None if found is None else _plausible(model_id, _number(found[1]))


_Tier = tuple[int | None, Decimal | None, Decimal | None, Decimal | None]


def _threshold(label: object) -> int | None:
    """Token count of a tier label: `200000`, `"200k"`, `">200K"`, `"over_200k"`."""
    text = str(label).lower().replace(",", "").replace("_", "")
    digits = "".join(c for c in text if c.isdigit() or c == ".")
    number = _number(digits) if digits else None
    if number is None or number <= 0:
        return None
    return int(number * 1000) if "k" in text else int(number)


def _tier(model_id: str, tiers: object) -> _Tier:
    """The first tier above the base price: (threshold, input, output, cache_read)."""
    items: list[tuple[object, Mapping[str, Any]]] = []
    if isinstance(tiers, Mapping):
        items = [(k, v) for k, v in tiers.items() if isinstance(v, Mapping)]
    elif isinstance(tiers, list):
        for tier in tiers:
            if isinstance(tier, Mapping):
                found = _first(tier, _TIER_KEYS)
                items.append((None if found is None else found[1], tier))
    for label, tier in sorted(items, key=lambda i: _threshold(i[0]) or 0):
        threshold = None if label is None else _threshold(label)
        inp, out, cache = _prices(model_id, {"pricing": tier})
        if threshold and inp is not None and out is not None:
            return threshold, inp, out, cache
    return None, None, None, None


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
        pricing = entry.get("pricing")
        pricing = pricing if isinstance(pricing, Mapping) else {}
        tier = _tier(model_id, pricing.get("tiers"))
        developer = _number(entry.get("developer_id"))
        retire = entry.get("retire_stage")
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
                types=_features(entry.get("types")),
                input_modalities=_features(entry.get("input_modalities")),
                developer_id=None if developer is None else int(developer),
                cache_write_price=_single(model_id, pricing, ("cache_write",)),
                audio_input_price=_single(model_id, pricing, _AUDIO_KEYS),
                tier_threshold=tier[0],
                input_above_tier=tier[1],
                output_above_tier=tier[2],
                cache_read_above_tier=tier[3],
                pricing_source=_text(entry.get("pricing_source")),
                retire_stage=_text(retire),
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
    """Fetches the gateway's model catalogue (no API key needed).

    Args:
        base_url: Gateway root; the catalogue is `{base_url}/api/v1/models`.
        timeout: Seconds for the request.
        client: An `httpx2.Client` to use (proxies, transports); one is made if None.
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


def price_table(models: Iterable[CatalogModel]) -> PriceTable:
    """Builds a price table from the gateway catalogue (models with input and output).

    The >200k-token tier (`pricing.tiers`) is kept; `cache_read` is the
    catalogue's when given, else 10% of input. `pricing_source="legacy_ratio"`
    prices are marked `source="catalog-approx"`.

    Args:
        models: Parsed catalogue entries (`list_models`, `parse_catalog`).

    Returns:
        A `PriceTable` of the models that have an input and an output price.
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
    """Returns `prices` (default: the built-in table) updated from the catalogue.

    Catalogue prices replace the table's for the same id (with their >200k tier);
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
    client: httpx2.AsyncClient | None = None,
    ttl: float = DEFAULT_TTL,
) -> PriceTable:
    """Async twin of `refresh_prices`."""
    models = await alist_models(base_url, timeout=timeout, client=client, ttl=ttl)
    return _merge(models, prices)


class LivePriceTable(PriceTable):
    """A `PriceTable` read from the live catalogue, re-read every `ttl` seconds.

    Until the first successful read, and whenever the catalogue cannot be read
    (offline, HTTP error, unreadable body), the prices are those of `fallback`
    (the bundled snapshot by default), with one `CatalogUnitWarning` per failure
    streak. Reads happen on lookups, at most once per `ttl`.
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
        """Creates the table; nothing is fetched until a price is looked up."""
        self._fallback = DEFAULT_PRICES if fallback is None else fallback
        super().__init__(dict(self._fallback.items()))
        self._base_url, self._ttl, self._timeout = base_url, ttl, timeout
        self._client = client
        self._next_read = 0.0
        self._failing = False
        self._lock = threading.Lock()

    def _refresh(self) -> None:
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
                    _warn(f"live prices unavailable, using the snapshot: {exc}")
                self._failing = True
                return
            self._failing = False
            merged = _merge(models, self._fallback)
            self._prices = dict(merged.items())

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

    def get(self, model: str) -> ModelPrice | None:
        """The live price of `model` (re-read when older than `ttl`)."""
        self._refresh()
        return super().get(model)

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
    """Opt-in exact costs: prices from the live catalogue, cached for `ttl` seconds.

    Offline (or when the catalogue cannot be read) the bundled snapshot's prices
    apply. Pass the table as `ChatAiHubMixGemini(prices=...)` or to
    `get_aihubmix_callback(prices=...)`.

    Example:
        ```python
        llm = ChatAiHubMixGemini(model="gemini-3-flash-preview", prices=live_prices())
        ```
    """
    return LivePriceTable(base_url, ttl=ttl, timeout=timeout, fallback=fallback)
