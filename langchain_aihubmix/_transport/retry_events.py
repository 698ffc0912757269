"""Retries reported to LangChain: the run's `on_retry`, else the usage handler."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from langchain_core.callbacks import (
    AsyncCallbackManagerForLLMRun,
    CallbackManagerForLLMRun,
)
from tenacity import RetryCallState, Retrying

from langchain_aihubmix.callbacks import report_retry

Notify = Callable[[BaseException, int], None]
"""`notify(exc, attempt)`, called by the retry policy before each retry."""


def retry_notifier(run_manager: CallbackManagerForLLMRun | None, model: str) -> Notify:
    """Reports retries to `run_manager.on_retry`, or to `get_aihubmix_callback()`
    when there is no run manager (langchain-core's `stream()` passes none)."""
    if run_manager is None:
        return lambda exc, attempt: report_retry(model)
    return lambda exc, attempt: run_manager.on_retry(_retry_state(exc, attempt))


def aretry_notifier(
    run_manager: AsyncCallbackManagerForLLMRun | None, model: str
) -> Notify:
    """Async twin of `retry_notifier` (the run manager's `on_retry` is scheduled)."""
    if run_manager is None:
        return lambda exc, attempt: report_retry(model)
    pending: set[asyncio.Future[None]] = set()

    def notify(exc: BaseException, attempt: int) -> None:
        future = asyncio.ensure_future(run_manager.on_retry(_retry_state(exc, attempt)))
        pending.add(future)
        future.add_done_callback(pending.discard)

    return notify


def _retry_state(exc: BaseException, attempt: int) -> RetryCallState:
    """The tenacity state `run_manager.on_retry` expects, for a failed attempt."""
    state = RetryCallState(retry_object=Retrying(), fn=None, args=(), kwargs={})
    state.attempt_number = attempt
    state.set_exception((type(exc), exc, exc.__traceback__))
    return state
