"""Usage and cost accounting: `AiHubMixCallbackHandler` and `get_aihubmix_callback`."""

from __future__ import annotations

import threading
from collections.abc import Generator, Iterable, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast
from uuid import UUID

from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, LLMResult
from langchain_core.tracers.context import register_configure_hook
from tenacity import RetryCallState

from langchain_aihubmix._transport.retry_events import ACTIVE_COUNTER, report_retry

__all__ = [
    "RETRY_EVENT",
    "UNKNOWN_MODEL",
    "AiHubMixCallbackHandler",
    "ModelUsage",
    "get_aihubmix_callback",
    "report_retry",
]

RETRY_EVENT = "aihubmix_retry"
"""Custom event a chat model may dispatch per retry; `data` may name the `model`."""

UNKNOWN_MODEL = "unknown"
"""Bucket for calls whose model name cannot be found."""

_COUNTS = (
    "successful_requests",
    "failed_requests",
    "input_tokens",
    "output_tokens",
    "reasoning_tokens",
    "cache_read_tokens",
    "total_tokens",
)


@dataclass
class ModelUsage:
    """What one model used: requests (`successful_requests` ended, `failed_requests`
    raised), `retries`, tokens (`input_tokens` with the cached `cache_read_tokens`,
    `output_tokens` with the `reasoning_tokens`, `total_tokens`), and the USD `cost`
    and `saved_by_cache` (`Decimal`s; `None` when a reply carried no cost).
    """

    successful_requests: int = 0
    failed_requests: int = 0
    retries: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    reasoning_tokens: int = 0
    cache_read_tokens: int = 0
    total_tokens: int = 0
    cost: Decimal | None = Decimal(0)
    saved_by_cache: Decimal | None = Decimal(0)

    def add(self, message: AIMessage) -> None:
        """Adds one successful call: its usage and `response_metadata["cost"]`."""
        self.successful_requests += 1
        usage: Mapping[str, Any] = message.usage_metadata or {}
        cached = (usage.get("input_token_details") or {}).get("cache_read") or 0
        self.input_tokens += usage.get("input_tokens", 0)
        self.output_tokens += usage.get("output_tokens", 0)
        self.total_tokens += usage.get("total_tokens", 0)
        details = usage.get("output_token_details") or {}
        self.reasoning_tokens += details.get("reasoning") or 0
        self.cache_read_tokens += cached
        cost = message.response_metadata.get("cost")
        if not isinstance(cost, Mapping):
            self.cost = None
            if cached:
                self.saved_by_cache = None
            return
        # the amounts are floats: exact as their shortest text
        if self.cost is not None:
            self.cost += Decimal(str(cost["total"]))
        if self.saved_by_cache is not None:
            self.saved_by_cache += Decimal(str(cost["saved_by_cache"]))


def _sum_known(values: Iterable[Decimal | None]) -> Decimal | None:
    """The sum, or None when any value is unknown."""
    found = list(values)
    known = [value for value in found if value is not None]
    return sum(known, Decimal(0)) if len(known) == len(found) else None


def _show(value: Decimal | None) -> str:
    return "unknown" if value is None else f"${value:.6f}"


class AiHubMixCallbackHandler(BaseCallbackHandler):
    """Counts requests, tokens and USD cost of chat-model calls, per model and total.

    Every chat generation whose message is an `AIMessage` is counted (any provider,
    a stream once, from its aggregate), under `response_metadata["model_name"]`,
    else the model the run started with, else `"unknown"`. The cost is the reply's
    own `response_metadata["cost"]`: one source, so the totals always agree with the
    replies. A reply without one makes `total_cost` `None` (never $0) and lists the
    model in `unknown_cost_models`. Retries are counted from `on_retry` and from
    `RETRY_EVENT` custom events (report each one way only); `Runnable.with_retry`
    reports none: its failed attempts are `failed_requests`. Thread-safe, and runs
    inline on the event loop.

    Example:
        ```python
        handler = AiHubMixCallbackHandler()
        llm.invoke("Hello", config={"callbacks": [handler]})
        handler.total_cost  # Decimal('0.00071') or None when unknown
        ```
    """

    run_inline = True  # no I/O: safe to run on the event loop, keeps counts current

    def __init__(self, *, parent: AiHubMixCallbackHandler | None = None) -> None:
        """Creates a handler; `parent` also receives everything this one counts
        (nested `get_aihubmix_callback()` blocks)."""
        super().__init__()
        self.parent = parent
        self._lock = threading.RLock()
        self._run_models: dict[UUID, str] = {}
        self.per_model: dict[str, ModelUsage] = {}
        self.unknown_cost_models: set[str] = set()
        self.retries = 0
        for name in _COUNTS:
            setattr(self, name, 0)
        self.total_cost: Decimal | None = Decimal(0)
        self.saved_by_cache: Decimal | None = Decimal(0)

    successful_requests: int
    failed_requests: int
    input_tokens: int
    output_tokens: int
    reasoning_tokens: int
    cache_read_tokens: int
    total_tokens: int

    def _model(self, name: str) -> ModelUsage:
        return self.per_model.setdefault(name, ModelUsage())

    def _refresh_totals(self) -> None:
        models = self.per_model.values()
        for name in _COUNTS:
            setattr(self, name, sum(getattr(m, name) for m in models))
        self.total_cost = _sum_known(m.cost for m in models)
        self.saved_by_cache = _sum_known(m.saved_by_cache for m in models)
        self.unknown_cost_models = {
            name for name, m in self.per_model.items() if m.cost is None
        }

    def record_success(self, model: str, message: AIMessage) -> None:
        """Counts one finished call of `model` (also in the parent handler)."""
        with self._lock:
            self._model(model).add(message)
            self._refresh_totals()
        if self.parent is not None:
            self.parent.record_success(model, message)

    def record_failure(self, model: str) -> None:
        """Counts one failed call of `model` (also in the parent handler)."""
        with self._lock:
            self._model(model).failed_requests += 1
            self._refresh_totals()
        if self.parent is not None:
            self.parent.record_failure(model)

    def record_retry(self, model: str | None) -> None:
        """Counts one retry, under `model` when known (also in the parent)."""
        with self._lock:
            self.retries += 1
            if model is not None:
                self._model(model).retries += 1
        if self.parent is not None:
            self.parent.record_retry(model)

    def on_chat_model_start(
        self,
        serialized: dict[str, Any],
        messages: list[list[BaseMessage]],
        *,
        run_id: UUID,
        metadata: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        """Remembers the requested model of the run, for errors and fallbacks."""
        params = kwargs.get("invocation_params") or {}
        name = (metadata or {}).get("ls_model_name") or params.get("model")
        with self._lock:
            self._run_models[run_id] = name if isinstance(name, str) and name else ""

    def on_llm_end(self, response: LLMResult, *, run_id: UUID, **kwargs: Any) -> None:
        """Counts each prompt's first chat generation (a stream: its aggregate)."""
        with self._lock:
            started = self._run_models.pop(run_id, None)
        for generations in response.generations:
            messages = (g.message for g in generations if isinstance(g, ChatGeneration))
            message = next((m for m in messages if isinstance(m, AIMessage)), None)
            if message is not None:
                name = message.response_metadata.get("model_name") or started
                self.record_success(name or UNKNOWN_MODEL, message)

    def on_llm_error(
        self, error: BaseException, *, run_id: UUID, **kwargs: Any
    ) -> None:
        """Counts a failed chat-model call under the model it was started with."""
        with self._lock:
            started = self._run_models.pop(run_id, None)
        if started is not None:  # None: not a chat-model run (or not seen starting)
            self.record_failure(started or UNKNOWN_MODEL)

    def on_retry(
        self, retry_state: RetryCallState, *, run_id: UUID, **kwargs: Any
    ) -> None:
        """Counts a retry reported through a run manager's `on_retry`."""
        with self._lock:
            model = self._run_models.get(run_id) or None
        self.record_retry(model)

    def on_custom_event(
        self, name: str, data: Any, *, run_id: UUID, **kwargs: Any
    ) -> None:
        """Counts a `RETRY_EVENT`; other custom events are ignored."""
        if name != RETRY_EVENT:
            return
        model = data.get("model") if isinstance(data, Mapping) else None
        if not isinstance(model, str):
            with self._lock:
                model = self._run_models.get(run_id) or None
        self.record_retry(model)

    def __repr__(self) -> str:
        """A readable multi-line summary: totals, then one line per model."""
        with self._lock:
            lines = [
                f"Requests: {self.successful_requests} ok, {self.failed_requests} "
                f"failed, {self.retries} retries",
                f"Tokens: {self.total_tokens} total = {self.input_tokens} input "
                f"({self.cache_read_tokens} cached) + {self.output_tokens} output "
                f"({self.reasoning_tokens} reasoning)",
                f"Cost: {_show(self.total_cost)} USD "
                f"(caching saved {_show(self.saved_by_cache)})",
            ]
            if self.unknown_cost_models:
                names = ", ".join(sorted(self.unknown_cost_models))
                lines.append(f"No price for: {names}")
            for name, usage in sorted(self.per_model.items()):
                lines.append(
                    f"  {name}: {usage.successful_requests} ok, "
                    f"{usage.failed_requests} failed, {usage.retries} retries; "
                    f"{usage.input_tokens} in ({usage.cache_read_tokens} cached), "
                    f"{usage.output_tokens} out ({usage.reasoning_tokens} reasoning); "
                    f"{_show(usage.cost)}"
                )
        return "\n".join(lines)

    __str__ = __repr__


register_configure_hook(ACTIVE_COUNTER, inheritable=True)


@contextmanager
def get_aihubmix_callback() -> Generator[AiHubMixCallbackHandler, None, None]:
    """Counts every LangChain chat-model call made inside the `with` block.

    No callbacks to pass: invoke, stream, batch, async, threads started with the
    context copied (LangChain's executors do), agents and LangGraph. Blocks nest: an
    outer handler also counts what inner ones count (passing it explicitly inside an
    inner block counts those calls twice). The handler's numbers are final once the
    block exits.

    Example:
        ```python
        with get_aihubmix_callback() as cb:
            llm.invoke("Hello")
        print(cb)  # requests, tokens, cost, per model
        ```
    """
    parent = cast("AiHubMixCallbackHandler | None", ACTIVE_COUNTER.get())
    handler = AiHubMixCallbackHandler(parent=parent)
    token = ACTIVE_COUNTER.set(handler)
    try:
        yield handler
    finally:
        ACTIVE_COUNTER.reset(token)
