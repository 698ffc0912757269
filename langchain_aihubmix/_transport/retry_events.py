"""Retries reported to LangChain: the run's `on_retry`, else the usage handler."""

from __future__ import annotations

import asyncio
from contextvars import ContextVar
from typing import Protocol

from langchain_core.callbacks import (
    AsyncCallbackManagerForLLMRun,
    CallbackManagerForLLMRun,
)
from tenacity import RetryCallState, Retrying

from langchain_aihubmix._transport.retry import OnRetry


class RetryCounter(Protocol):
    """What counts retries that no run manager sees (`get_aihubmix_callback()`)."""

    def record_retry(self, model: str | None) -> None:
        """Counts one retry of `model`."""
        ...


ACTIVE_COUNTER: ContextVar[RetryCounter | None] = ContextVar(
    "aihubmix_callback", default=None
)
"""The innermost `get_aihubmix_callback()` handler (set by `callbacks`, defined here
so that counting retries needs no import of it)."""


def retry_notifier(run_manager: CallbackManagerForLLMRun | None, model: str) -> OnRetry:
    """Reports retries to `run_manager.on_retry`, or to `get_aihubmix_callback()`
    when there is no run manager (langchain-core's `stream()` passes none)."""
    if run_manager is None:
        return lambda exc, attempt: report_retry(model)
    return lambda exc, attempt: run_manager.on_retry(_retry_state(exc, attempt))


def aretry_notifier(
    run_manager: AsyncCallbackManagerForLLMRun | None, model: str
) -> OnRetry:
    """Async twin of `retry_notifier` (the run manager's `on_retry` is scheduled)."""
    if run_manager is None:
        return lambda exc, attempt: report_retry(model)
    pending: set[asyncio.Future[None]] = set()

    def notify(exc: BaseException, attempt: int) -> None:
        future = asyncio.ensure_future(run_manager.on_retry(_retry_state(exc, attempt)))
        pending.add(future)
        future.add_done_callback(pending.discard)

    return notify


def report_retry(model: str | None) -> None:
    """Counts a retry of `model` in the active `get_aihubmix_callback()` handler, if
    any: for retries with no run manager (langchain-core's `stream()` / `astream()`
    pass none; `callbacks=` handlers do not see them)."""
    handler = ACTIVE_COUNTER.get()
    if handler is not None:
        handler.record_retry(model)


def _retry_state(exc: BaseException, attempt: int) -> RetryCallState:
    """The tenacity state `run_manager.on_retry` expects, for a failed attempt."""
    state = RetryCallState(retry_object=Retrying(), fn=None, args=(), kwargs={})
    state.attempt_number = attempt
    state.set_exception((type(exc), exc, exc.__traceback__))
    return state
