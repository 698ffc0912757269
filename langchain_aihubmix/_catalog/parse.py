"""The catalogue read into `CatalogModel`s (shape and unit checks: see `catalog`)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from langchain_aihubmix._errors.warn import warn as user_warning

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


for _cls in (CatalogError, CatalogUnitWarning, CatalogModel):
    _cls.__module__ = "langchain_aihubmix.catalog"  # their public home (and pickles')


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
            warn(f"{model_id}: price {item[0]}={item[1]!r} is not a number")
        values.append(None if number is None else number * scale)
    largest = max((v for v in values if v), default=Decimal(0))
    if scale == _ONE and 0 < largest < _MIN_PER_M:
        rescaled = largest * _PER_TOKEN
        if rescaled <= _MAX_PER_M:
            warn(f"{model_id}: prices look per-token ({largest}); rescaled to per 1M")
            values = [None if v is None else v * _PER_TOKEN for v in values]
    checked = [_plausible(model_id, value) for value in values]
    return checked[0], checked[1], checked[2]


def _plausible(model_id: str, value: Decimal | None) -> Decimal | None:
    """The per-1M price, or None (with a warning) when it is out of range."""
    if value is None or value == 0 or _MIN_PER_M <= value <= _MAX_PER_M:
        return value
    warn(f"{model_id}: price {value} per 1M tokens is implausible; dropped")
    return None


def warn(message: str) -> None:
    user_warning(message, CatalogUnitWarning)


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
