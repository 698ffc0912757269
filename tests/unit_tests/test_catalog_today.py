"""The catalogue as AiHubMix serves it today (reconstructed fixture), live prices."""

from __future__ import annotations

import asyncio
import json
import pickle
import warnings
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages.ai import UsageMetadata

from langchain_aihubmix.catalog import (
    CatalogUnitWarning,
    LivePriceTable,
    live_prices,
    parse_catalog,
    refresh_prices,
)
from langchain_aihubmix.pricing import DEFAULT_PRICES, cost_of
from tests.unit_tests.test_catalog import Catalogue, catalogue  # noqa: F401

FIXTURE = Path(__file__).parents[1] / "fixtures/recorded/aihubmix/api-v1-models.json"


def _payload() -> Any:
    return json.loads(FIXTURE.read_text())


def _usage(inp: int, out: int, cached: int = 0) -> UsageMetadata:
    usage = UsageMetadata(input_tokens=inp, output_tokens=out, total_tokens=inp + out)
    if cached:
        usage["input_token_details"] = {"cache_read": cached}
    return usage


def test_the_real_shape_is_read_field_by_field() -> None:
    models = {m.id: m for m in parse_catalog(_payload())}
    pro = models["gemini-2.5-pro"]
    assert pro.developer_id == 3
    assert pro.types == ("llm",)
    assert pro.features[:2] == ("thinking", "tools")
    assert pro.input_modalities == ("text", "image", "audio", "video")
    assert (pro.context_length, pro.max_output) == (1_048_576, 65_536)
    assert (pro.input_price, pro.output_price, pro.cache_read_price) == (
        Decimal("1.25"),
        Decimal(10),
        Decimal("0.125"),
    )
    assert pro.cache_write_price == 0
    assert pro.tier_threshold == 200_000
    assert (pro.input_above_tier, pro.output_above_tier) == (Decimal("2.5"), 15)
    assert pro.cache_read_above_tier == Decimal("0.25")
    assert pro.pricing_source == "billing_config" and pro.retire_stage is None
    assert models["gemini-2.5-flash"].audio_input_price == Decimal(1)
    image = models["gemini-2.5-flash-image"]
    assert image.types == ("image_generation", "llm")
    assert image.pricing_source == "legacy_ratio"
    assert models["gemini-2.0-flash"].retire_stage == "retired"


def test_a_tier_keyed_by_label_is_read() -> None:
    models = {m.id: m for m in parse_catalog(_payload())}
    custom = models["gemini-3.1-pro-preview-customtools"]
    assert custom.tier_threshold == 200_000
    assert (custom.input_above_tier, custom.output_above_tier) == (4, 18)
    assert custom.cache_read_above_tier == Decimal("0.4")


def test_refresh_keeps_the_200k_tier(catalogue: Catalogue) -> None:  # noqa: F811
    catalogue.serve(_payload())
    prices = refresh_prices(catalogue.base_url)
    pro = prices.get("gemini-2.5-pro")
    assert pro is not None and pro.source == "catalog"
    long_prompt = cost_of(_usage(300_000, 1_000, cached=100_000), pro)
    # 200k x $2.50 + 100k x $0.25 + 1k x $15, per 1M: the upper tier throughout
    assert long_prompt.total == Decimal("0.54")
    approx = prices.get("gemini-2.5-flash-image")
    assert approx is not None and approx.source == "catalog-approx"
    assert approx.rates(1)[2] == Decimal("0.03")  # no cache price: 10% of input


def test_live_prices_are_read_once_per_ttl(catalogue: Catalogue) -> None:  # noqa: F811
    payload = _payload()
    payload["data"][1]["pricing"]["input"] = 0.4  # a price change on the gateway
    catalogue.serve(payload)
    table = live_prices(catalogue.base_url, ttl=60)
    # a lookup never reads the network: the snapshot until a refresh
    assert table.get("gemini-2.5-flash") == DEFAULT_PRICES.get("gemini-2.5-flash")
    assert catalogue.hits == 0
    table.refresh()
    flash = table.get("gemini-2.5-flash")
    assert flash is not None and flash.input == Decimal("0.4")
    assert flash.source == "catalog"
    # a model the catalogue does not list keeps the snapshot's price
    assert table.get("gemini-3.7-flash") == DEFAULT_PRICES.get("gemini-3.7-flash")
    table.refresh()
    asyncio.run(table.arefresh())
    assert catalogue.hits == 1
    copy = pickle.loads(pickle.dumps(table))
    assert isinstance(copy, LivePriceTable)


def test_live_prices_fall_back_to_the_snapshot_offline(
    catalogue: Catalogue,  # noqa: F811
) -> None:
    base_url = catalogue.base_url
    catalogue.close()  # offline: nothing listens any more
    table = live_prices(base_url, ttl=60, timeout=2)
    with pytest.warns(CatalogUnitWarning, match="snapshot"):
        table.refresh()
    assert table.get("gemini-2.5-flash") == DEFAULT_PRICES.get("gemini-2.5-flash")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        table.refresh()  # not due again within the ttl
        assert table.get("gemini-2.5-pro") == DEFAULT_PRICES.get("gemini-2.5-pro")


def test_the_emulator_serves_the_same_shape() -> None:
    from langchain_aihubmix.testing.catalog import aihubmix_catalogue

    served = aihubmix_catalogue()
    assert set(served) == set(_payload())
    models = {m.id: m for m in parse_catalog(served)}
    for model_id in ("gemini-2.5-pro", "gemini-3.1-pro-preview-customtools"):
        table_price = DEFAULT_PRICES.get(model_id)
        assert table_price is not None
        assert models[model_id].tier_threshold == table_price.tier_threshold
        assert models[model_id].input_above_tier == table_price.input_above_tier
    assert models["gemini-2.5-flash"].audio_input_price == Decimal(1)
    assert models["gemini-2.0-flash"].retire_stage == "retired"
