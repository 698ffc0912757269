"""Per-call cost: `response_metadata["cost"]` on a whole response or a stream's end."""

from __future__ import annotations

import threading
from typing import Any

from langchain_core.messages import AIMessage, AIMessageChunk
from langchain_core.messages.ai import UsageMetadata, add_usage

from langchain_aihubmix._errors.warn import warn
from langchain_aihubmix.pricing import DEFAULT_PRICES, ModelPrice, PriceTable, cost_of

__all__ = [
    "StreamPricer",
    "UnpricedModelWarning",
    "cost_metadata",
    "price_message",
    "reset_unpriced_warnings",
]


class UnpricedModelWarning(UserWarning):
    """A model has no known price: its calls' cost is reported as unknown."""


_warned: set[str] = set()
_warned_lock = threading.Lock()


def reset_unpriced_warnings() -> None:
    """Lets every unpriced model id warn once more (for tests and notebooks)."""
    with _warned_lock:
        _warned.clear()


def warn_unpriced(model: str) -> None:
    """Warns once per model id that its cost is unknown, and how to get prices."""
    with _warned_lock:
        if model in _warned:
            return
        _warned.add(model)
    warn(
        f"No price is known for {model!r}: its cost is reported as unknown "
        "(no response_metadata['cost']). For current prices use "
        "prices=langchain_aihubmix.catalog.live_prices() or "
        "catalog.refresh_prices(), or set one with "
        "DEFAULT_PRICES.with_overrides({...}).",
        UnpricedModelWarning,
    )


def cost_metadata(
    usage: UsageMetadata | None, model: str, prices: PriceTable | None = None
) -> dict[str, Any] | None:
    """The cost of one call for `response_metadata["cost"]`, or None when unknown.

    Amounts are floats (JSON-friendly) in USD, computed exactly and then converted.

    Args:
        usage: The call's usage metadata.
        model: The model id (aliases resolve, see `PriceTable.get`).
        prices: Price table (default: the built-in `DEFAULT_PRICES`).

    Returns:
        `{"input", "cache_read", "output", "request_fee", "total", "saved_by_cache",
        "currency": "USD", "prices_as_of": "YYYY-MM-DD" | None, "price_source"}`,
        or None when the model has no price or there is no usage.
    """
    price = (DEFAULT_PRICES if prices is None else prices).get(model)
    if price is None or usage is None:
        return None
    return _metadata(usage, price)


def _metadata(usage: UsageMetadata, price: ModelPrice) -> dict[str, Any]:
    cost = cost_of(usage, price)
    return {
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


def price_message(
    message: AIMessage, model: str, prices: PriceTable | None = None
) -> AIMessage:
    """Puts the call's cost into `message.response_metadata["cost"]` (in place).

    The model priced is the message's `model_name` when the table knows it, else
    `model` (the requested id). Nothing is added when the price or the usage is
    unknown: an unknown cost is never reported as $0. An unknown price warns once
    per model id (`UnpricedModelWarning`), saying how to get prices.

    Args:
        message: A whole response (or a stream's aggregated usage, see
            `StreamPricer`).
        model: The requested model id.
        prices: Price table (default: the built-in `DEFAULT_PRICES`).

    Returns:
        The same message.
    """
    table = DEFAULT_PRICES if prices is None else prices
    served = message.response_metadata.get("model_name")
    price = table.get(served) if isinstance(served, str) else None
    if price is None:
        price = table.get(model)
    if message.usage_metadata is None:
        return message
    if price is None:
        warn_unpriced(model)
    else:
        message.response_metadata["cost"] = _metadata(message.usage_metadata, price)
    return message


class StreamPricer:
    """Sums a stream's usage deltas and prices the final chunk.

    Chunks carry usage deltas (they add up to the call's usage); the final chunk
    (`chunk_position == "last"`) gets `response_metadata["cost"]` for the whole call.
    """

    def __init__(self, model: str, prices: PriceTable | None = None) -> None:
        """Creates a pricer for one stream of `model` (the requested id)."""
        self._model = model
        self._prices = prices
        self._usage: UsageMetadata | None = None

    def feed(self, chunk: AIMessageChunk) -> AIMessageChunk:
        """Returns `chunk`, with the call's cost when it is the final chunk."""
        if chunk.usage_metadata is not None:
            self._usage = add_usage(self._usage, chunk.usage_metadata)
        if chunk.chunk_position != "last":
            return chunk
        total = AIMessage(
            content="",
            usage_metadata=self._usage,
            response_metadata=chunk.response_metadata,
        )
        price_message(total, self._model, self._prices)
        if "cost" in total.response_metadata:
            chunk.response_metadata["cost"] = total.response_metadata["cost"]
        return chunk
