"""Prices: the built-in table, alias resolution, tiers and exact costs."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from langchain_core.messages.ai import UsageMetadata

from langchain_aihubmix.catalog import CatalogModel, price_table
from langchain_aihubmix.pricing import (
    DEFAULT_PRICES,
    PRICES_AS_OF,
    ModelPrice,
    cost_of,
    resolve_model_id,
)


def usage(inp: int, out: int, *, cached: int = 0, reasoning: int = 0) -> UsageMetadata:
    u = UsageMetadata(input_tokens=inp, output_tokens=out, total_tokens=inp + out)
    if cached:
        u["input_token_details"] = {"cache_read": cached}
    if reasoning:
        u["output_token_details"] = {"reasoning": reasoning}
    return u


FLASH_CALL = usage(1000, 200, cached=400, reasoning=50)


def test_flash_call_costs_exactly() -> None:
    price = DEFAULT_PRICES.get("gemini-2.5-flash")
    assert price is not None
    cost = cost_of(FLASH_CALL, price)
    # 600 uncached x $0.30/M, 400 cached x $0.03/M (the catalogue's 10%),
    # 200 out x $2.50/M
    assert cost.input == Decimal("0.00018")
    assert cost.cache_read == Decimal("0.000012")
    assert cost.output == Decimal("0.0005")
    assert cost.request_fee == 0
    assert cost.total == Decimal("0.000692")
    assert cost.saved_by_cache == Decimal("0.000108")


def test_reasoning_tokens_are_not_charged_twice() -> None:
    price = DEFAULT_PRICES.get("gemini-2.5-flash")
    assert price is not None
    with_thoughts = cost_of(usage(1000, 200, reasoning=150), price)
    without = cost_of(usage(1000, 200), price)
    assert with_thoughts == without


def test_no_cache_details_means_nothing_cached() -> None:
    price = DEFAULT_PRICES.get("gemini-2.5-flash-lite")
    assert price is not None
    cost = cost_of(usage(10_000, 1_000), price)
    assert cost.total == Decimal("0.0014")  # 10k x 0.10 + 1k x 0.40, per 1M
    assert cost.saved_by_cache == 0


def test_cache_read_is_clamped_to_input() -> None:
    price = ModelPrice(input="1", output="1")
    cost = cost_of(usage(100, 0, cached=500), price)
    assert cost.input == 0
    assert cost.cache_read == Decimal("0.00001")  # 100 x 10% of $1/M


def test_pro_prompt_at_threshold_uses_the_lower_tier() -> None:
    price = DEFAULT_PRICES.get("gemini-2.5-pro")
    assert price is not None
    assert cost_of(usage(200_000, 1_000), price).total == Decimal("0.26")


def test_pro_prompt_above_threshold_uses_the_upper_tier_for_everything() -> None:
    price = DEFAULT_PRICES.get("gemini-2.5-pro")
    assert price is not None
    cost = cost_of(usage(200_001, 1_000, cached=100_001), price)
    assert cost.input == Decimal("0.25")  # 100_000 x $2.50/M
    assert cost.cache_read == Decimal("0.02500025")  # 100_001 x $0.25/M (tier)
    assert cost.output == Decimal("0.015")  # 1_000 x $15/M
    assert cost.total == Decimal("0.29000025")
    assert cost.saved_by_cache == Decimal("0.2250022500")


@pytest.mark.parametrize(
    ("model", "inp", "out", "cache", "source"),
    [
        ("gemini-2.5-flash", "0.30", "2.50", "0.03", "aihubmix-catalog"),
        ("gemini-2.5-pro", "1.25", "10.00", "0.125", "aihubmix-catalog"),
        ("gemini-3-flash-preview", "0.50", "3.00", "0.05", "aihubmix-catalog"),
        ("gemini-3-flash", "0.50", "3.00", "0.05", "aihubmix-catalog"),
        ("gemini-3.1-pro-preview", "2.00", "12.00", "0.2", "aihubmix-catalog"),
        ("gemini-3.1-pro", "2.00", "12.00", "0.2", "aihubmix-catalog"),
        (
            "gemini-3.1-pro-preview-customtools",
            "2.00",
            "12.00",
            "0.2",
            "aihubmix-catalog",
        ),
        ("gemini-3.1-flash-lite", "0.25", "1.50", "0.025", "aihubmix-catalog"),
        ("gemini-3.5-flash", "1.5", "9", "0.15", "aihubmix-catalog"),
        ("gemini-3.6-flash", "1.5", "7.5", "0.15", "aihubmix-catalog"),
        ("gemini-3.7-flash", "0.75", "3.75", "0.075", "aihubmix-catalog"),
        ("gemini-3.8-flash", "0.75", "3.75", "0.075", "aihubmix-catalog"),
        ("gemini-2.5-flash-image", "0.30", "2.499", "0.03", "aihubmix-catalog"),
        ("gemini-3.5-flash-lite", "0.30", "2.50", "0.03", "google-list"),
        ("gemini-2.5-flash-lite", "0.10", "0.40", "0.01", "google-list"),
        ("gemini-3-pro-preview", "2.00", "12.00", "0.2", "aihubmix-catalog"),
        ("gemini-2.0-flash", "0.10", "0.40", "0.025", "google-list"),
    ],
)
def test_builtin_table_prices_the_models_aihubmix_serves(
    model: str, inp: str, out: str, cache: str, source: str
) -> None:
    price = DEFAULT_PRICES.get(model)
    assert price is not None
    assert (price.input, price.output) == (Decimal(inp), Decimal(out))
    assert price.source == source
    assert price.as_of == PRICES_AS_OF
    assert price.cache_read == Decimal(cache)
    if not model.startswith("gemini-2.0"):  # 2.0 kept its 25%; retired
        assert price.cache_read == price.input / 10  # the catalogue's 10%


def test_pro_tiers_keep_the_catalogue_cache_price_above_200k() -> None:
    price = DEFAULT_PRICES.get("gemini-3.1-pro-preview")
    assert price is not None
    assert price.rates(200_001) == (Decimal(4), Decimal(18), Decimal("0.4"))


def test_audio_input_is_charged_at_its_listed_rate() -> None:
    price = DEFAULT_PRICES.get("gemini-2.5-flash")
    assert price is not None and price.audio_input == Decimal(1)
    u = usage(1_000_000, 0, cached=100_000)
    u["input_token_details"] = {"cache_read": 100_000, "audio": 400_000}
    cost = cost_of(u, price)
    # 500k text x $0.30 + 400k audio x $1.00; 100k cached x $0.03
    assert cost.input == Decimal("0.55")
    assert cost.cache_read == Decimal("0.003")


def test_image_models_without_a_seen_price_have_none() -> None:
    assert DEFAULT_PRICES.get("gemini-3-pro-image-preview") is None
    assert DEFAULT_PRICES.get("gemini-3.1-flash-image-preview") is None


def test_a_price_without_cache_read_uses_ten_percent() -> None:
    assert ModelPrice(input="2", output="1").rates(1)[2] == Decimal("0.2")


def test_prices_are_dated() -> None:
    assert isinstance(PRICES_AS_OF, date)
    assert all(p.as_of == PRICES_AS_OF for _, p in DEFAULT_PRICES.items())


@pytest.mark.parametrize(
    ("alias", "base"),
    [
        ("gemini-2.5-flash-nothink", "gemini-2.5-flash"),
        ("gemini-2.5-flash-search", "gemini-2.5-flash"),
        ("gemini-3-flash-preview-search", "gemini-3-flash-preview"),
        ("models/gemini-2.5-flash-preview-05-20", "gemini-2.5-flash"),
        ("gemini-2.5-flash-preview-05-20-nothink", "gemini-2.5-flash"),
        ("gemini-2.5-flash-lite-preview-09-2025", "gemini-2.5-flash-lite"),
        ("gemini-2.0-flash-001", "gemini-2.0-flash"),
        ("google/gemini-2.5-pro", "gemini-2.5-pro"),
        ("Gemini-2.5-Pro", "gemini-2.5-pro"),
    ],
)
def test_aliases_resolve_to_their_base_model(alias: str, base: str) -> None:
    assert DEFAULT_PRICES.get(alias) is DEFAULT_PRICES.get(base)
    assert alias in DEFAULT_PRICES


@pytest.mark.parametrize(
    "model", ["gpt-4o", "gemini-3-pro-image-preview", "gemini-9-ultra", "claude-3"]
)
def test_unknown_models_have_no_price(model: str) -> None:
    assert DEFAULT_PRICES.get(model) is None
    assert model not in DEFAULT_PRICES


def test_resolve_model_id_strips_one_suffix_at_a_time() -> None:
    assert resolve_model_id("models/gemini-2.5-flash-preview-05-20-search") == [
        "gemini-2.5-flash-preview-05-20-search",
        "gemini-2.5-flash-preview-05-20",
        "gemini-2.5-flash",
    ]


def test_overrides_replace_prices_and_take_mappings() -> None:
    prices = DEFAULT_PRICES.with_overrides(
        {"gemini-2.5-flash": {"input": "0.30", "output": "2.50", "cache_read": 0.03}}
    )
    price = prices.get("gemini-2.5-flash-nothink")
    assert price is not None
    assert price.cache_read == Decimal("0.03")
    cost = cost_of(FLASH_CALL, price)
    assert cost.cache_read == Decimal("0.000012")
    assert cost.total == Decimal("0.000692")
    assert cost.saved_by_cache == Decimal("0.000108")
    # the original table is untouched
    custom = DEFAULT_PRICES.with_overrides(
        {"gemini-2.5-flash": {"input": 1, "output": 1}}
    )
    assert custom.get("gemini-2.5-flash").cache_read is None  # type: ignore[union-attr]
    assert DEFAULT_PRICES.get("gemini-2.5-flash").cache_read == Decimal("0.03")  # type: ignore[union-attr]


def test_an_exact_alias_override_wins_over_the_base_model() -> None:
    search = ModelPrice(input="0.30", output="2.50", request_fee="0.035")
    prices = DEFAULT_PRICES.with_overrides({"gemini-2.5-flash-search": search})
    assert prices.get("gemini-2.5-flash-search") is search
    priced = cost_of(FLASH_CALL, search)
    assert priced.request_fee == Decimal("0.035")
    assert priced.total == Decimal("0.035692")  # cache reads at 10%
    base = prices.get("gemini-2.5-flash")
    assert base is not None and base.request_fee is None


def test_new_models_can_be_added() -> None:
    prices = DEFAULT_PRICES.with_overrides({"my-gemini": ModelPrice(input=1, output=2)})
    assert cost_of(usage(1_000_000, 1_000_000), prices.get("my-gemini")).total == 3  # type: ignore[arg-type]


def test_model_price_accepts_floats_exactly() -> None:
    price = ModelPrice(input=0.3, output=2.5)  # type: ignore[arg-type]
    assert price.input == Decimal("0.3")
    assert price.output == Decimal("2.5")


def test_model_price_validates_tiers_and_signs() -> None:
    with pytest.raises(ValueError, match="tier_threshold"):
        ModelPrice(input=Decimal(1), output=Decimal(1), tier_threshold=10)
    with pytest.raises(ValueError, match="negative"):
        ModelPrice(input=Decimal(-1), output=Decimal(1))


def test_tier_cache_price_can_be_set() -> None:
    price = ModelPrice(
        input=Decimal(1),
        output=Decimal(2),
        tier_threshold=100,
        input_above_tier=Decimal(3),
        output_above_tier=Decimal(4),
        cache_read_above_tier=Decimal("0.5"),
    )
    assert price.rates(100) == (Decimal(1), Decimal(2), Decimal("0.1"))
    assert price.rates(101) == (Decimal(3), Decimal(4), Decimal("0.5"))


def test_price_table_uses_gateway_prices() -> None:
    table = price_table(
        [
            CatalogModel("gemini-2.5-flash", Decimal("0.3"), Decimal("2.5"), None),
            CatalogModel("gemini-x", Decimal("1"), Decimal("2"), Decimal("0.1")),
            CatalogModel("no-price", None, Decimal("2")),
        ]
    )
    flash = table.get("gemini-2.5-flash")
    assert flash is not None and flash.source == "catalog"
    assert flash.as_of == date.today()
    assert table.get("gemini-x").cache_read == Decimal("0.1")  # type: ignore[union-attr]
    assert table.get("no-price") is None
