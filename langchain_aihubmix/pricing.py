"""Gemini prices (USD per 1M tokens) and the cost of one call's usage."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TypeAlias

from langchain_core.messages.ai import UsageMetadata

from langchain_aihubmix.snapshot import SNAPSHOT, SNAPSHOT_DATE, SnapshotModel

__all__ = [
    "CACHE_READ_FRACTION",
    "DEFAULT_PRICES",
    "FREE",
    "PRICES_AS_OF",
    "Cost",
    "ModelPrice",
    "PriceTable",
    "cost_of",
    "resolve_model_id",
]

PRICES_AS_OF = SNAPSHOT_DATE
"""Date the built-in table was compiled (see `DEFAULT_PRICES` for the source)."""

CACHE_READ_FRACTION = Decimal("0.10")
"""Cache-read price as a fraction of input when a price gives none (AiHubMix's
catalogue: 10% on every current Gemini model; its guide's 25% is Gemini 2.0-era)."""

_MILLION = Decimal(1_000_000)
_ZERO = Decimal(0)

Number: TypeAlias = Decimal | float | int | str
"""Anything `ModelPrice` accepts for a price; floats go through `str` first."""

_OPTIONAL_PRICES = (
    "cache_read",
    "input_above_tier",
    "output_above_tier",
    "cache_read_above_tier",
    "request_fee",
    "audio_input",
)


def _dec(value: Number) -> Decimal:
    """A price as `Decimal` (`0.3` becomes `Decimal("0.3")`, not a float's digits)."""
    return value if isinstance(value, Decimal) else Decimal(str(value))


@dataclass(frozen=True)
class ModelPrice:
    """Prices of one model in USD per 1M tokens, stored as `Decimal`.

    Attributes:
        input / output: An uncached input token; an output token (thoughts too).
        cache_read: A cached input token; `None`: `CACHE_READ_FRACTION` of `input`.
        tier_threshold: Prompt tokens (cached included) above which the
            `*_above_tier` prices apply to the whole call (Google's ">200k" tier).
        input_above_tier / output_above_tier / cache_read_above_tier: Those prices.
        request_fee: A fee per request (e.g. a `-search` model's), or `None`.
        source: `"aihubmix-catalog"` (the snapshot), `"google-list"`, `"catalog"`
            (a live read), `"free"` (a `-free` id) or `"user"`.
        as_of: When the price was taken, if known.
        audio_input: An uncached audio input token, where the catalogue lists one.
    """

    input: Decimal
    output: Decimal
    cache_read: Decimal | None = None
    tier_threshold: int | None = None
    input_above_tier: Decimal | None = None
    output_above_tier: Decimal | None = None
    cache_read_above_tier: Decimal | None = None
    request_fee: Decimal | None = None
    source: str = "user"
    as_of: date | None = None
    audio_input: Decimal | None = None

    def __post_init__(self) -> None:
        """Coerces prices to `Decimal` and checks the tier fields agree."""
        for name in ("input", "output", *_OPTIONAL_PRICES):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, _dec(value))
        if self.tier_threshold is not None:
            object.__setattr__(self, "tier_threshold", int(self.tier_threshold))
        tiered = (self.input_above_tier, self.output_above_tier)
        if (self.tier_threshold is None) != (tiered == (None, None)):
            msg = "tier_threshold needs input_above_tier/output_above_tier and back"
            raise ValueError(msg)
        prices = (self.input, self.output, self.cache_read, *tiered)
        if any(p is not None and p < 0 for p in prices):
            msg = f"negative price in {self!r}"
            raise ValueError(msg)

    def rates(self, prompt_tokens: int) -> tuple[Decimal, Decimal, Decimal]:
        """`(input, output, cache_read)` per 1M tokens for a prompt of that length
        (input tokens, cached ones included)."""
        if self.tier_threshold is not None and prompt_tokens > self.tier_threshold:
            # __post_init__ guarantees both are set when there is a threshold
            inp = self.input_above_tier or _ZERO
            out = self.output_above_tier or _ZERO
            cache = self.cache_read_above_tier
        else:
            inp, out, cache = self.input, self.output, self.cache_read
        return inp, out, cache if cache is not None else inp * CACHE_READ_FRACTION


@dataclass(frozen=True)
class Cost:
    """The cost of some usage in USD, split by kind of token (exact `Decimal`s).

    `saved_by_cache` is cached tokens x (input price - cache-read price).
    """

    input: Decimal = _ZERO
    cache_read: Decimal = _ZERO
    output: Decimal = _ZERO
    request_fee: Decimal = _ZERO
    saved_by_cache: Decimal = _ZERO

    @property
    def total(self) -> Decimal:
        """What was paid: input + cache_read + output + request_fee."""
        return self.input + self.cache_read + self.output + self.request_fee


def cost_of(usage: UsageMetadata, price: ModelPrice) -> Cost:
    """Prices one call's usage: (input - cache_read) x input price + cache_read x cache
    price + output x output price (+ the request fee), as `input_tokens` includes
    cached tokens and `output_tokens` thoughts; audio input tokens
    (`input_token_details["audio"]`) at `audio_input` when the price has one.

    Example:
        ```python
        usage = {"input_tokens": 1000, "output_tokens": 200, "total_tokens": 1200,
                 "input_token_details": {"cache_read": 400}}
        cost_of(usage, DEFAULT_PRICES.get("gemini-2.5-flash")).total
        # Decimal('0.000692')
        ```
    """
    input_tokens = max(usage.get("input_tokens", 0), 0)
    details = usage.get("input_token_details") or {}
    cached = min(max(details.get("cache_read") or 0, 0), input_tokens)
    output_tokens = max(usage.get("output_tokens", 0), 0)
    inp, out, cache = price.rates(input_tokens)
    audio = min(max(details.get("audio") or 0, 0), input_tokens - cached)
    audio_rate = inp if price.audio_input is None else price.audio_input
    return Cost(
        input=((input_tokens - cached - audio) * inp + audio * audio_rate) / _MILLION,
        cache_read=cached * cache / _MILLION,
        output=output_tokens * out / _MILLION,
        request_fee=price.request_fee or _ZERO,
        saved_by_cache=cached * (inp - cache) / _MILLION,
    )


_SUFFIX = re.compile(
    r"(-nothink|-search"  # AiHubMix route aliases of the base model
    r"|-preview-\d{2}-\d{2,4}"  # dated previews: -preview-05-20, -preview-09-2025
    r"|-\d{3})$"  # pinned versions: gemini-2.0-flash-001
)


def resolve_model_id(model: str) -> list[str]:
    """Lists the ids a model id is looked up under, most specific first.

    `models/` and `google/` prefixes are dropped, then `-nothink`, `-search`,
    dated `-preview-MM-DD` suffixes and `-001` versions are stripped one at a time:
    `"gemini-2.5-flash-preview-05-20-search"` is looked up as itself, then
    `"gemini-2.5-flash-preview-05-20"`, then `"gemini-2.5-flash"`.
    """
    name = model.strip().lower()
    for prefix in ("models/", "google/"):
        name = name.removeprefix(prefix)
    candidates = [name]
    while (stripped := _SUFFIX.sub("", name)) != name:
        candidates.append(stripped)
        name = stripped
    return candidates


FREE = ModelPrice(_ZERO, _ZERO, _ZERO, source="free")
"""The price of AiHubMix's `-free` ids (`gemini-3-flash-preview-free`, ...): $0."""

PriceOverride: TypeAlias = ModelPrice | Mapping[str, Number]
"""A `ModelPrice`, or a mapping of its fields (`{"input": 0.3, "output": 2.5}`)."""


class PriceTable:
    """Prices by model id (case-insensitive), with alias resolution
    (`resolve_model_id`).

    Example:
        ```python
        prices = DEFAULT_PRICES.with_overrides({"my-model": {"input": 1, "output": 4}})
        ```
    """

    def __init__(self, prices: Mapping[str, ModelPrice]):
        """Creates a table of `prices` keyed by model id."""
        self._prices = {k.lower(): v for k, v in prices.items()}

    def get(self, model: str) -> ModelPrice | None:
        """Returns the price of `model` or of the base model it aliases, else None;
        an unlisted `-free` id (AiHubMix's free models) costs `FREE`."""
        candidates = resolve_model_id(model)
        for candidate in candidates:
            if (price := self._prices.get(candidate)) is not None:
                return price
        return FREE if candidates[0].endswith("-free") else None

    def __contains__(self, model: object) -> bool:
        """Whether `model` (or its base model) has a price."""
        return isinstance(model, str) and self.get(model) is not None

    def items(self) -> Iterable[tuple[str, ModelPrice]]:
        """The table's (model id, price) pairs."""
        return self._prices.items()

    def with_overrides(self, overrides: Mapping[str, PriceOverride]) -> PriceTable:
        """A new table where `overrides` (by exact model id: one of
        `"gemini-2.5-flash-search"` applies to that id only) replace or add prices."""
        merged = dict(self._prices)
        for model, override in overrides.items():
            merged[model.lower()] = (
                override if isinstance(override, ModelPrice) else ModelPrice(**override)  # type: ignore[arg-type]
            )
        return PriceTable(merged)

    def refresh(self, base_url: str | Sequence[str] | None = None) -> None:
        """Reads newer prices where a table has a source (`catalog.LivePriceTable`:
        its own base URL, else `base_url`); a fixed table has none. The model calls
        it, with its own `base_url`, before a sync call."""

    async def arefresh(self, base_url: str | Sequence[str] | None = None) -> None:
        """`refresh` for async calls: never blocks the event loop."""

    def __repr__(self) -> str:
        """Shows the size of the table."""
        return f"PriceTable({len(self._prices)} models)"


def _snapshot_price(entry: SnapshotModel) -> ModelPrice | None:
    """The `ModelPrice` of a snapshot entry, or None when its price was not seen."""
    if entry.input is None or entry.output is None:
        return None
    tier = entry.above_200k
    return ModelPrice(
        input=Decimal(entry.input),
        output=Decimal(entry.output),
        cache_read=None if entry.cache_read is None else Decimal(entry.cache_read),
        tier_threshold=None if tier is None else 200_000,
        input_above_tier=None if tier is None else Decimal(tier[0]),
        output_above_tier=None if tier is None else Decimal(tier[1]),
        cache_read_above_tier=None if tier is None else Decimal(tier[2]),
        source=entry.source,
        as_of=SNAPSHOT_DATE,
        audio_input=None if entry.audio_input is None else Decimal(entry.audio_input),
    )


DEFAULT_PRICES = PriceTable(
    {
        entry.id: price
        for entry in SNAPSHOT
        if (price := _snapshot_price(entry)) is not None
    }
)
"""Built-in prices (USD per 1M tokens, as of `PRICES_AS_OF`): the bundled snapshot
(`langchain_aihubmix.snapshot`), AiHubMix's catalogue prices where seen (equal to
Google's list prices), else Google's; cache reads at the catalogue's 10% of input;
the >200k tier kept. Image models whose per-image price was not seen have none
(their cost is unknown, never guessed). Not included: discounts (APP-Code),
context-cache storage, the `-search` ids' per-request fee (set it with
`with_overrides(...)`). `langchain_aihubmix.catalog` reads current prices.
"""
