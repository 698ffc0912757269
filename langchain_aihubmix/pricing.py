"""Gemini prices (USD per 1M tokens) and the cost of one call's usage."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, TypeAlias

from langchain_core.messages.ai import UsageMetadata

if TYPE_CHECKING:
    from langchain_aihubmix.catalog import CatalogModel

__all__ = [
    "CACHE_READ_FRACTION",
    "DEFAULT_PRICES",
    "PRICES_AS_OF",
    "Cost",
    "ModelPrice",
    "PriceTable",
    "cost_of",
    "resolve_model_id",
]

PRICES_AS_OF = date(2026, 11, 27)
"""Date the built-in table was compiled (see `DEFAULT_PRICES` for the source)."""

CACHE_READ_FRACTION = Decimal("0.25")
"""Cache-read price as a fraction of the input price when a price gives none.

AiHubMix's Gemini guide: cached tokens are billed at 25% of the input price.
"""

_MILLION = Decimal(1_000_000)
_ZERO = Decimal(0)

Number: TypeAlias = Decimal | float | int | str
"""Anything `ModelPrice` accepts for a price; floats go through `str` first."""


def _dec(value: Number) -> Decimal:
    """Converts a price to `Decimal` (`0.3` becomes `Decimal("0.3")`, not a float)."""
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _opt_dec(value: Number | None) -> Decimal | None:
    return None if value is None else _dec(value)


@dataclass(frozen=True)
class ModelPrice:
    """Prices of one model, in USD per 1M tokens.

    Prices may be given as `Decimal`, `int`, `str` or `float`; they are stored as
    `Decimal` (floats via `str`, so `0.3` is exactly `Decimal("0.3")`).

    Attributes:
        input: Price of an uncached input token (text / image / video).
        output: Price of an output token; thought tokens are output tokens.
        cache_read: Price of a cached input token; `None` means
            `CACHE_READ_FRACTION` (25%) of `input`.
        tier_threshold: Prompt length (input tokens, cached included) above which
            the `*_above_tier` prices apply to the whole call (Google's ">200k
            tokens" tier); `None` for a flat price.
        input_above_tier: `input` for prompts above the threshold.
        output_above_tier: `output` for prompts above the threshold.
        cache_read_above_tier: `cache_read` above the threshold (`None`: 25% of
            `input_above_tier`).
        request_fee: A fee per request on top of tokens (e.g. a search fee of a
            `-search` model), or `None`.
        source: Where the price comes from (`"google-list"`, `"catalog"`, `"user"`).
        as_of: When the price was taken, if known.
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

    def __post_init__(self) -> None:
        """Coerces prices to `Decimal` and checks the tier fields agree."""
        for field in ("input", "output"):
            object.__setattr__(self, field, _dec(getattr(self, field)))
        for field in (
            "cache_read",
            "input_above_tier",
            "output_above_tier",
            "cache_read_above_tier",
            "request_fee",
        ):
            object.__setattr__(self, field, _opt_dec(getattr(self, field)))
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
        """Returns `(input, output, cache_read)` per 1M tokens for a prompt length.

        Args:
            prompt_tokens: Input tokens of the call, cached ones included.
        """
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

    Attributes:
        input: Uncached input tokens × input price.
        cache_read: Cached input tokens × cache-read price.
        output: Output tokens (thoughts included) × output price.
        request_fee: Per-request fees.
        saved_by_cache: Cached tokens × (input price − cache-read price).
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

    def __add__(self, other: Cost) -> Cost:
        """Adds two costs field by field."""
        return Cost(
            *(
                getattr(self, f.name) + getattr(other, f.name)
                for f in dataclasses.fields(self)
            )
        )


def cost_of(usage: UsageMetadata, price: ModelPrice) -> Cost:
    """Prices one call's usage.

    `input_tokens` includes cached tokens and `output_tokens` includes thoughts (the
    package's output contract), so: cost = (input − cache_read) × input price +
    cache_read × cache price + output × output price (+ the request fee).

    Args:
        usage: The call's `AIMessage.usage_metadata`.
        price: The model's price.

    Returns:
        The call's `Cost`.

    Example:
        ```python
        usage = {"input_tokens": 1000, "output_tokens": 200, "total_tokens": 1200,
                 "input_token_details": {"cache_read": 400}}
        cost_of(usage, DEFAULT_PRICES.get("gemini-2.5-flash")).total
        # Decimal('0.00071')
        ```
    """
    input_tokens = max(usage.get("input_tokens", 0), 0)
    cached = (usage.get("input_token_details") or {}).get("cache_read") or 0
    cached = min(max(cached, 0), input_tokens)
    output_tokens = max(usage.get("output_tokens", 0), 0)
    inp, out, cache = price.rates(input_tokens)
    return Cost(
        input=(input_tokens - cached) * inp / _MILLION,
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


_MAX_REMEMBERED = 1024
"""Model ids a `PriceTable` remembers lookups of (a bound, not a tuning knob)."""

PriceOverride: TypeAlias = ModelPrice | Mapping[str, Number]
"""A `ModelPrice`, or a mapping of its fields (`{"input": 0.3, "output": 2.5}`)."""


class PriceTable:
    """Prices by model id, with alias resolution (see `resolve_model_id`).

    Example:
        ```python
        prices = DEFAULT_PRICES.with_overrides(
            {"gemini-2.5-flash": {"input": 0.3, "output": 2.5, "cache_read": 0.03}}
        )
        prices.get("gemini-2.5-flash-nothink")  # the gemini-2.5-flash price
        ```
    """

    def __init__(self, prices: Mapping[str, ModelPrice]):
        """Creates a table.

        Args:
            prices: Prices keyed by model id (matched case-insensitively).
        """
        self._prices = {k.lower(): v for k, v in prices.items()}
        self._found: dict[str, ModelPrice | None] = {}

    def get(self, model: str) -> ModelPrice | None:
        """Returns the price of `model` or of the base model it aliases, else None.

        Answers are remembered per id (a table never changes; `with_overrides`
        makes a new one), as every priced call looks its model up again.
        """
        try:
            return self._found[model]
        except KeyError:
            pass
        price = self._lookup(model)
        if len(self._found) >= _MAX_REMEMBERED:
            self._found.clear()
        self._found[model] = price
        return price

    def _lookup(self, model: str) -> ModelPrice | None:
        for candidate in resolve_model_id(model):
            if (price := self._prices.get(candidate)) is not None:
                return price
        return None

    def __contains__(self, model: object) -> bool:
        """Whether `model` (or its base model) has a price."""
        return isinstance(model, str) and self.get(model) is not None

    def items(self) -> Iterable[tuple[str, ModelPrice]]:
        """The table's (model id, price) pairs."""
        return self._prices.items()

    def with_overrides(self, overrides: Mapping[str, PriceOverride]) -> PriceTable:
        """Returns a new table where `overrides` replace or add prices.

        Args:
            overrides: Prices keyed by exact model id (an override of
                `"gemini-2.5-flash-search"` applies to that id only).
        """
        merged = dict(self._prices)
        for model, override in overrides.items():
            merged[model.lower()] = (
                override if isinstance(override, ModelPrice) else ModelPrice(**override)  # type: ignore[arg-type]
            )
        return PriceTable(merged)

    @classmethod
    def from_catalog(cls, models: Iterable[CatalogModel]) -> PriceTable:
        """Builds a table from the gateway catalogue (models with input and output).

        Catalogue prices are flat (no prompt-length tiers) and carry no request
        fee; `cache_read` is the catalogue's when given, else 25% of input.
        """
        today = date.today()
        return cls(
            {
                m.id: ModelPrice(
                    m.input_price,
                    m.output_price,
                    m.cache_read_price,
                    source="catalog",
                    as_of=today,
                )
                for m in models
                if m.input_price is not None and m.output_price is not None
            }
        )

    def __repr__(self) -> str:
        """Shows the size of the table."""
        return f"PriceTable({len(self._prices)} models)"


def _google(inp: str, out: str, *, above: tuple[str, str] | None = None) -> ModelPrice:
    """A Google list price; `above` = (input, output) for prompts over 200k."""
    return ModelPrice(
        input=Decimal(inp),
        output=Decimal(out),
        tier_threshold=None if above is None else 200_000,
        input_above_tier=None if above is None else Decimal(above[0]),
        output_above_tier=None if above is None else Decimal(above[1]),
        source="google-list",
        as_of=PRICES_AS_OF,
    )


DEFAULT_PRICES = PriceTable(
    {
        "gemini-3.1-pro-preview": _google("2.00", "12.00", above=("4.00", "18.00")),
        "gemini-3-pro-preview": _google("2.00", "12.00", above=("4.00", "18.00")),
        "gemini-3-flash-preview": _google("0.50", "3.00"),
        "gemini-3.1-flash-lite": _google("0.25", "1.50"),
        "gemini-3.1-flash-lite-preview": _google("0.25", "1.50"),
        "gemini-2.5-pro": _google("1.25", "10.00", above=("2.50", "15.00")),
        "gemini-2.5-flash": _google("0.30", "2.50"),
        "gemini-2.5-flash-lite": _google("0.10", "0.40"),
        "gemini-2.0-flash": _google("0.10", "0.40"),
        "gemini-2.0-flash-lite": _google("0.075", "0.30"),
    }
)
"""Built-in prices: Google's public Gemini API list prices (paid tier, text / image /
video input), USD per 1M tokens, as known when compiled on `PRICES_AS_OF` (not
re-checked online that day; the 3.1 entries are the least certain).

These are Google's list prices, not AiHubMix's invoice: the gateway may charge
differently (discounts, APP-Code, its own rates); `refresh_prices()` in
`langchain_aihubmix.catalog` takes the gateway's own prices from its catalogue, and
`with_overrides` sets your own. Audio input (priced higher by Google) is charged here
at the text rate. The cache-read price is left unset, so it is 25% of the input price
as AiHubMix's guide states (Google's own price for 2.5+ models is 10%); context-cache
storage is not included. `-search` models also pay a per-request search fee to the
gateway that is not in this table (its amount is not published in a stable form); set
it with `with_overrides({"gemini-2.5-flash-search": ModelPrice(..., request_fee=...)})`.
Image-generation models (`*-image*`) are absent: their image output has its own price.
"""
