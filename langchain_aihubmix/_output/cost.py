"""Per-call cost: `response_metadata["cost"]` on a whole response or a stream's end."""

from __future__ import annotations

from typing import Any

from langchain_core.messages import AIMessage, AIMessageChunk
from langchain_core.messages.ai import UsageMetadata, add_usage

from langchain_aihubmix._errors.warn import warn_once
from langchain_aihubmix.pricing import PriceTable, cost_of

__all__ = ["StreamPricer", "UnpricedModelWarning", "price_message"]


class UnpricedModelWarning(UserWarning):
    """A model has no known price: its calls' cost is reported as unknown."""


def _warn_unpriced(model: str) -> None:
    """Warns once per model id that its cost is unknown, and how to get prices."""
    warn_once(
        (model, "unpriced"),
        f"No price is known for {model!r}: its cost is reported as unknown "
        "(no response_metadata['cost']). For current prices use "
        "prices=langchain_aihubmix.catalog.live_prices() or "
        "catalog.refresh_prices(), or set one with "
        "DEFAULT_PRICES.with_overrides({...}).",
        UnpricedModelWarning,
    )


def _price(
    metadata: dict[str, Any], usage: UsageMetadata | None, model: str, table: PriceTable
) -> None:
    """Puts the cost of `usage` into `metadata["cost"]`: floats in USD, computed
    exactly; nothing when the usage or the price is unknown (never $0)."""
    served = metadata.get("model_name")
    price = table.get(served) if isinstance(served, str) else None
    price = price or table.get(model)
    if usage is None:
        return
    if price is None:
        _warn_unpriced(model)
        return
    cost = cost_of(usage, price)
    metadata["cost"] = {
        "input": float(cost.input),
        "cache_read": float(cost.cache_read),
        "output": float(cost.output),
        "request_fee": float(cost.request_fee),
        "total": float(cost.total),
        "saved_by_cache": float(cost.saved_by_cache),
        "currency": "USD",
        "prices_as_of": None if price.as_of is None else price.as_of.isoformat(),
        "price_source": price.source,
    }


def price_message(message: AIMessage, model: str, prices: PriceTable) -> AIMessage:
    """Puts the call's cost into `message.response_metadata["cost"]` (in place).

    The model priced is the message's `model_name` when the table knows it, else
    `model` (the requested id). An unknown price warns once per model id
    (`UnpricedModelWarning`), saying how to get prices.
    """
    _price(message.response_metadata, message.usage_metadata, model, prices)
    return message


class StreamPricer:
    """Sums a stream's usage deltas and prices the call on its final chunk
    (`chunk_position == "last"`)."""

    def __init__(self, model: str, prices: PriceTable) -> None:
        """Creates a pricer for one stream of `model` (the requested id)."""
        self._model = model
        self._prices = prices
        self._usage: UsageMetadata | None = None

    def feed(self, chunk: AIMessageChunk) -> AIMessageChunk:
        """Returns `chunk`, with the call's cost when it is the final chunk."""
        if chunk.usage_metadata is not None:
            self._usage = add_usage(self._usage, chunk.usage_metadata)
        if chunk.chunk_position == "last":
            _price(chunk.response_metadata, self._usage, self._model, self._prices)
        return chunk
