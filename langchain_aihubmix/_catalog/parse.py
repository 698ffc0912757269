"""The catalogue read into `CatalogModel`s (its shape and price check: `catalog`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from langchain_aihubmix._errors.warn import warn as user_warning

_MIN_PER_M = Decimal("0.001")
_MAX_PER_M = Decimal(10_000)


class CatalogError(RuntimeError):
    """The catalogue could not be fetched or has a shape this module cannot read."""


class CatalogUnitWarning(UserWarning):
    """A catalogue price was dropped by the unit sanity check (or is unreadable)."""


@dataclass(frozen=True)
class CatalogModel:
    """One model of the gateway's catalogue, fields as the catalogue names them; prices
    in USD per 1M tokens, `None` when absent or rejected (a missing `cache_read`
    means 10% of input). `features`, `types` and `input_modalities` are the
    catalogue's comma-separated tags; `tier_threshold` is the prompt size above
    which the `*_above_tier` prices apply; `pricing_source="legacy_ratio"` marks
    approximate prices; `raw` is the entry as received.
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


def warn(message: str) -> None:
    user_warning(message, CatalogUnitWarning)


def _number(value: object) -> Decimal | None:
    """A finite number (or numeric string) as a Decimal, else None."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _price(model_id: str, prices: Mapping[str, Any], key: str) -> Decimal | None:
    """The price under `key` per 1M tokens; a value that is not a number or is
    outside $0.001-$10,000 (another unit, most likely) is dropped with a warning."""
    value = prices.get(key)
    number = _number(value)
    if number is not None and (number == 0 or _MIN_PER_M <= number <= _MAX_PER_M):
        return number
    if value is not None:
        warn(f"{model_id}: price {key}={value!r} per 1M tokens is implausible; dropped")
    return None


def _tags(value: object) -> tuple[str, ...]:
    """`"thinking,tools"` (the catalogue's comma-separated text) as a tuple."""
    if not isinstance(value, str):
        return ()
    return tuple(part.strip() for part in value.split(",") if part.strip())


def _integer(value: object) -> int | None:
    number = _number(value)
    return int(number) if number is not None and number > 0 else None


def _threshold(label: object) -> int | None:
    """Tokens of a tier: `200000`, or a label such as `">200k"`."""
    text = str(label).lower()
    number = _number("".join(c for c in text if c.isdigit() or c == "."))
    if number is None or number <= 0:
        return None
    return int(number * 1000) if "k" in text else int(number)


def _tier(model_id: str, tiers: object) -> tuple[Any, ...]:
    """The first tier above the base price, (threshold, input, output, cache_read), of
    `[{"min_tokens": 200000, "input": ..., ...}]` or `{">200k": {"input": ...}}`."""
    items = []
    if isinstance(tiers, Mapping):
        items = [(_threshold(k), v) for k, v in tiers.items() if isinstance(v, Mapping)]
    elif isinstance(tiers, list):
        items = [(_threshold(t.get("min_tokens")), t) for t in tiers if _is_map(t)]
    for threshold, tier in sorted(items, key=lambda i: i[0] or 0):
        prices = [_price(model_id, tier, k) for k in ("input", "output", "cache_read")]
        if threshold and prices[0] is not None and prices[1] is not None:
            return (threshold, *prices)
    return None, None, None, None


def _is_map(value: object) -> bool:
    return isinstance(value, Mapping)


def parse_catalog(payload: object) -> list[CatalogModel]:
    """A catalogue response body (decoded JSON) as `CatalogModel`s (entries without
    a `model_id` skipped); `CatalogError` if `success` is false or no list is."""
    if isinstance(payload, Mapping) and payload.get("success") is False:
        msg = f"catalogue says success=false: {payload.get('message')!r}"
        raise CatalogError(msg)
    entries = payload.get("data") if isinstance(payload, Mapping) else None
    if not isinstance(entries, list):
        msg = f"catalogue has no list of models (got {type(payload).__name__})"
        raise CatalogError(msg)
    models = []
    for entry in entries:
        model_id = entry.get("model_id") if isinstance(entry, Mapping) else None
        if not isinstance(model_id, str) or not model_id:
            continue
        pricing = entry.get("pricing")
        prices: Mapping[str, Any] = pricing if isinstance(pricing, Mapping) else {}
        tier = _tier(model_id, prices.get("tiers"))
        source, retire = entry.get("pricing_source"), entry.get("retire_stage")
        models.append(
            CatalogModel(
                id=model_id,
                input_price=_price(model_id, prices, "input"),
                output_price=_price(model_id, prices, "output"),
                cache_read_price=_price(model_id, prices, "cache_read"),
                context_length=_integer(entry.get("context_length")),
                features=_tags(entry.get("features")),
                max_output=_integer(entry.get("max_output")),
                raw=dict(entry),
                types=_tags(entry.get("types")),
                input_modalities=_tags(entry.get("input_modalities")),
                developer_id=_integer(entry.get("developer_id")),
                cache_write_price=_price(model_id, prices, "cache_write"),
                audio_input_price=_price(model_id, prices, "input_audio"),
                tier_threshold=tier[0],
                input_above_tier=tier[1],
                output_above_tier=tier[2],
                cache_read_above_tier=tier[3],
                pricing_source=str(source) if source else None,
                retire_stage=str(retire) if retire else None,
            )
        )
    return models
