"""The model catalogue over real HTTP: shapes, units, cache, price refresh."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx2
import pytest

import langchain_aihubmix.catalog as catalog_module
from langchain_aihubmix.catalog import (
    CatalogError,
    CatalogUnitWarning,
    alist_models,
    arefresh_prices,
    clear_catalog_cache,
    list_models,
    parse_catalog,
    price_table,
    refresh_prices,
)
from langchain_aihubmix.pricing import DEFAULT_PRICES, PriceTable, cost_of
from langchain_aihubmix.testing import AiHubMixEmulator

CANONICAL = {
    "success": True,
    "data": [
        {
            "model_id": "gemini-2.5-flash",
            "developer_id": 3,
            "context_length": 1048576,
            "max_output": 65536,
            "types": "llm",
            "features": "thinking, tools",
            "pricing": {"input": 0.3, "output": 2.5, "cache_read": 0.03},
        },
        {
            "model_id": "gemini-3-pro-preview",
            "context_length": 1048576,
            "pricing": {"input": 1.5, "output": 9, "cache_read": 0.15},
        },
        {
            "model_id": "gemini-new",
            "pricing": {"input": 0.2, "output": 0.8},
        },
        {"model_id": "no-prices"},
        {"desc": "an entry without an id is skipped"},
    ],
}


class Catalogue:
    """A loopback HTTP server answering GET /api/v1/models with `body`."""

    def __init__(self) -> None:
        self.body: bytes = json.dumps(CANONICAL).encode()
        self.status = 200
        self.hits = 0
        catalogue = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                catalogue.hits += 1
                if self.path != "/api/v1/models":
                    self.send_error(404)
                    return
                self.send_response(catalogue.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(catalogue.body)))
                self.end_headers()
                self.wfile.write(catalogue.body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(
            target=self.server.serve_forever, args=(0.02,), daemon=True
        )
        self.thread.start()

    def serve(self, payload: object) -> None:
        self.body = json.dumps(payload).encode()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def catalogue() -> Iterator[Catalogue]:
    clear_catalog_cache()
    server = Catalogue()
    yield server
    server.close()
    clear_catalog_cache()


def by_id(models: list[Any]) -> dict[str, Any]:
    return {m.id: m for m in models}


def test_canonical_shape(catalogue: Catalogue) -> None:
    models = by_id(list_models(catalogue.base_url + "/"))
    assert list(models) == [
        "gemini-2.5-flash",
        "gemini-3-pro-preview",
        "gemini-new",
        "no-prices",
    ]
    flash = models["gemini-2.5-flash"]
    assert flash.input_price == Decimal("0.3")
    assert flash.output_price == Decimal("2.5")
    assert flash.cache_read_price == Decimal("0.03")
    assert flash.context_length == 1048576
    assert flash.max_output == 65536
    assert flash.features == ("thinking", "tools")
    assert flash.developer_id == 3
    assert models["gemini-new"].input_price == Decimal("0.2")
    assert models["no-prices"].input_price is None


def test_per_token_values_are_dropped_with_a_warning() -> None:
    with pytest.warns(CatalogUnitWarning, match="implausible"):
        (model,) = parse_catalog(
            {
                "data": [
                    {"model_id": "m", "pricing": {"input": 1.25e-06, "output": 1e-05}}
                ]
            }
        )
    assert (model.input_price, model.output_price) == (None, None)


def test_absurd_and_invalid_prices_are_dropped_with_a_warning() -> None:
    payload = {
        "data": [
            {"model_id": "huge", "pricing": {"input": 50_000, "output": 2}},
            {"model_id": "negative", "pricing": {"input": -1, "output": 2}},
            {"model_id": "text", "pricing": {"input": "sample-price", "output": 2}},
            {"model_id": "free", "pricing": {"input": 0, "output": 0}},
        ]
    }
    with pytest.warns(CatalogUnitWarning) as record:
        models = by_id(parse_catalog(payload))
    assert len(record) == 3
    assert models["huge"].input_price is None
    assert models["negative"].input_price is None
    assert models["text"].input_price is None
    assert all(models[m].output_price == 2 for m in ("huge", "negative", "text"))
    assert (models["free"].input_price, models["free"].output_price) == (0, 0)


def test_unreadable_shapes_raise() -> None:
    with pytest.raises(CatalogError, match="success=false"):
        parse_catalog({"success": False, "message": "nope"})
    with pytest.raises(CatalogError, match="no list"):
        parse_catalog({"object": "x"})
    with pytest.raises(CatalogError, match="no list"):
        parse_catalog([{"model_id": "a list without the envelope"}])


def test_http_errors_raise_catalog_error(catalogue: Catalogue) -> None:
    catalogue.status = 500
    with pytest.raises(CatalogError, match="500"):
        list_models(catalogue.base_url)
    catalogue.status = 200
    catalogue.body = b"<html>not json</html>"
    with pytest.raises(CatalogError):
        list_models(catalogue.base_url)


def test_connection_errors_raise_catalog_error() -> None:
    server = Catalogue()
    base_url = server.base_url
    server.close()
    with pytest.raises(CatalogError, match="failed"):
        list_models(base_url, timeout=2)


def test_results_are_cached_for_the_ttl(catalogue: Catalogue) -> None:
    first = list_models(catalogue.base_url)
    second = list_models(catalogue.base_url)
    assert first == second
    assert catalogue.hits == 1
    list_models(catalogue.base_url, ttl=0)
    assert catalogue.hits == 2
    clear_catalog_cache()
    list_models(catalogue.base_url)
    assert catalogue.hits == 3


def test_expired_cache_refetches(
    catalogue: Catalogue, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = [1000.0]
    monkeypatch.setattr(catalog_module.time, "monotonic", lambda: now[0])
    list_models(catalogue.base_url, ttl=60)
    now[0] += 59
    list_models(catalogue.base_url, ttl=60)
    assert catalogue.hits == 1
    now[0] += 2
    list_models(catalogue.base_url, ttl=60)
    assert catalogue.hits == 2


def test_a_given_client_is_used(catalogue: Catalogue) -> None:
    seen: list[str] = []
    with httpx2.Client(
        event_hooks={"request": [lambda r: seen.append(str(r.url))]}
    ) as c:
        models = list_models(catalogue.base_url, client=c)
    assert seen == [catalogue.base_url + "/api/v1/models"]
    assert len(models) == 4


async def test_async_list_models(catalogue: Catalogue) -> None:
    models = by_id(await alist_models(catalogue.base_url))
    assert models["gemini-2.5-flash"].cache_read_price == Decimal("0.03")
    async with httpx2.AsyncClient() as client:
        again = await alist_models(catalogue.base_url, client=client, ttl=0)
    assert by_id(again) == models
    assert catalogue.hits == 2


def test_refresh_prices_overrides_the_builtin_table(catalogue: Catalogue) -> None:
    prices = refresh_prices(catalogue.base_url)
    flash = prices.get("gemini-2.5-flash-nothink")
    assert flash is not None and flash.source == "catalog"
    assert flash.cache_read == Decimal("0.03")
    usage = {
        "input_tokens": 1000,
        "output_tokens": 200,
        "total_tokens": 1200,
        "input_token_details": {"cache_read": 400},
    }
    assert cost_of(usage, flash).total == Decimal("0.000692")  # type: ignore[arg-type]
    pro = prices.get("gemini-3-pro-preview")
    assert pro is not None and pro.tier_threshold is None  # catalogue: flat
    assert pro.input == Decimal("1.5")
    new = prices.get("gemini-new")
    assert new is not None and new.output == Decimal("0.8")
    # not in the catalogue: the built-in price stays
    assert prices.get("gemini-2.0-flash") is DEFAULT_PRICES.get("gemini-2.0-flash")
    assert prices.get("no-prices") is None


async def test_async_refresh_prices_onto_a_given_table(catalogue: Catalogue) -> None:
    base = PriceTable({})
    prices = await arefresh_prices(catalogue.base_url, prices=base)
    assert prices.get("gemini-2.0-flash") is None
    assert prices.get("gemini-2.5-flash") is not None


def test_emulator_catalogue_is_readable(hub: AiHubMixEmulator) -> None:
    clear_catalog_cache()
    models = by_id(list_models(hub.base_url, ttl=0))
    flash = models["gemini-2.5-flash"]
    assert flash.input_price is not None and flash.input_price > 0
    assert flash.output_price is not None and flash.context_length
    prices = price_table(models.values())
    assert prices.get("gemini-2.5-flash") is not None
