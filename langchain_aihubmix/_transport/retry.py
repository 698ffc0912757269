"""The one retry policy (tenacity): which errors, how many times, how long to wait;
by default never a failure the gateway may have billed (`may_have_billed`)."""

from __future__ import annotations

import asyncio
import inspect
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from typing import Any, TypeVar

import tenacity
from langchain_core.exceptions import ModelError

from langchain_aihubmix._transport.failover import never_sent

_T = TypeVar("_T")

OnRetry = Callable[[BaseException, int], Any]
"""`on_retry(exc, attempt)`: the failed attempt's 1-based number (the next retry's)."""

RETRYABLE_STATUS: frozenset[int] = frozenset({429, 500, 502, 503, 504})
"""HTTP statuses worth retrying; network failures (no status) are retried too."""

MAX_SERVER_DELAY = 60.0
"""Longest server-requested delay (RetryInfo / Retry-After) waited for, in seconds;
an error asking for more is not retried (its `retry_after` says how long)."""

# Patched by tests; looked up at call time so patching the module works.
_sleep: Callable[[float], None] = time.sleep
_asleep: Callable[[float], Awaitable[None]] = asyncio.sleep
_jitter: Callable[[float, float], float] = random.uniform
_END: Any = object()


def may_have_billed(exc: BaseException) -> bool:
    """Whether the gateway can have billed the attempt that failed with `exc`: not a
    request that never left (DNS, TCP, TLS), a 429, nor an error the gateway put in
    words (an `{"error": {...}}` body: the one-api / new-api family refunds what it
    reserved when a relay fails); anything else may be billed (a timeout or broken
    connection after sending, a cut stream, a 2xx that is no answer, a proxy's bare
    502 / 504)."""
    status, body = getattr(exc, "status_code", None), getattr(exc, "body", None)
    if status is None:
        return not never_sent(exc)
    body = body[0] if isinstance(body, list) and len(body) == 1 else body
    worded = isinstance(body, Mapping) and bool(body.get("error"))
    return status != 429 and not worded


def is_retryable(exc: BaseException, *, billable: bool = False) -> bool:
    """Whether a classified error is worth another attempt: a langchain-core error
    marked retryable, status in `RETRYABLE_STATUS` or None, not billable (unless
    `billable`), asking to wait at most `MAX_SERVER_DELAY`."""
    hint = getattr(exc, "retry_after", None)
    if not isinstance(exc, ModelError) or not exc.is_retryable:
        return False
    if isinstance(hint, (int, float)) and hint > MAX_SERVER_DELAY:
        return False
    status = getattr(exc, "status_code", None)
    if not billable and may_have_billed(exc):
        return False
    return status is None or status in RETRYABLE_STATUS


def wait_seconds(
    exc: BaseException | None, retry: int, *, base: float = 0.5, cap: float = 30.0
) -> float:
    """Seconds to wait before retry number `retry` (1-based): full-jitter backoff,
    `uniform(0, min(cap, base * 2**(retry-1)))`, at least the server-asked delay
    (`exc.retry_after`, at most `MAX_SERVER_DELAY`)."""
    backoff = _jitter(0.0, min(cap, base * 2 ** (retry - 1)))
    hint = getattr(exc, "retry_after", None)
    if isinstance(hint, (int, float)) and hint >= 0:
        return max(min(float(hint), MAX_SERVER_DELAY), backoff)
    return backoff


def _policy(
    max_retries: int, on_retry: OnRetry | None, retry_billable: bool
) -> dict[str, Any]:
    """tenacity's arguments for the policy (a `Retrying` re-raises the last error)."""
    if max_retries < 0:
        msg = f"max_retries must be >= 0, got {max_retries}"
        raise ValueError(msg)

    def wait(state: tenacity.RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        return wait_seconds(exc, state.attempt_number)

    def before_sleep(state: tenacity.RetryCallState) -> None:
        if on_retry is not None and state.outcome is not None:
            exc = state.outcome.exception()
            if exc is not None:
                on_retry(exc, state.attempt_number)

    return {
        "stop": tenacity.stop_after_attempt(max_retries + 1),
        "retry": tenacity.retry_if_exception(
            lambda exc: is_retryable(exc, billable=retry_billable)
        ),
        "wait": wait,
        "before_sleep": before_sleep,
        "reraise": True,
    }


def call_with_retry(
    fn: Callable[[], _T],
    *,
    max_retries: int,
    on_retry: OnRetry | None = None,
    retry_billable: bool = False,
) -> _T:
    """Call `fn` (raising classified errors; others are never retried) under the
    policy: `max_retries` after the first attempt, `on_retry(exc, attempt)` before
    each wait, `retry_billable`: also what the gateway may have billed."""
    policy = _policy(max_retries, on_retry, retry_billable)
    return tenacity.Retrying(sleep=_sleep, **policy)(fn)


async def acall_with_retry(
    fn: Callable[[], Awaitable[_T]],
    *,
    max_retries: int,
    on_retry: OnRetry | None = None,
    retry_billable: bool = False,
) -> _T:
    """Async twin of `call_with_retry` (`fn` may be any callable returning an
    awaitable, e.g. a lambda: tenacity only awaits coroutine functions)."""

    async def attempt() -> _T:
        return await fn()

    policy = _policy(max_retries, on_retry, retry_billable)
    return await tenacity.AsyncRetrying(sleep=_asleep, **policy)(attempt)


def retry_stream(
    open_stream: Callable[[], Iterator[_T]], **policy: Any
) -> Iterator[_T]:
    """Iterate a fresh stream (`open_stream()`), retrying under the policy
    (`call_with_retry`'s keywords) only until its first item: after that the
    caller has seen output."""
    stream, first = call_with_retry(lambda: _opened(open_stream), **policy)
    try:
        if first is _END:
            return
        yield first
        yield from stream
    finally:
        _close(stream)


async def aretry_stream(
    open_stream: Callable[[], AsyncIterator[_T] | Awaitable[AsyncIterator[_T]]],
    **policy: Any,
) -> AsyncIterator[_T]:
    """Async twin of `retry_stream`; `open_stream` may also be a coroutine function."""
    stream, first = await acall_with_retry(lambda: _aopened(open_stream), **policy)
    try:
        if first is _END:
            return
        yield first
        async for item in stream:
            yield item
    finally:
        await _aclose(stream)


def _opened(open_stream: Callable[[], Iterator[_T]]) -> tuple[Iterator[_T], Any]:
    """One attempt of `retry_stream`: a fresh stream and its first item (or `_END`);
    the stream is closed when either fails."""
    stream = open_stream()
    try:
        return stream, next(stream, _END)
    except BaseException:
        _close(stream)
        raise


async def _aopened(
    open_stream: Callable[[], AsyncIterator[_T] | Awaitable[AsyncIterator[_T]]],
) -> tuple[AsyncIterator[_T], Any]:
    """Async twin of `_opened`."""
    opened = open_stream()
    stream = await opened if inspect.isawaitable(opened) else opened
    try:
        return stream, await anext(stream, _END)
    except BaseException:
        await _aclose(stream)
        raise


def _close(stream: object) -> None:
    close = getattr(stream, "close", None)
    if callable(close):
        close()


async def _aclose(stream: object) -> None:
    close = getattr(stream, "aclose", None) or getattr(stream, "close", None)
    if callable(close) and inspect.isawaitable(result := close()):
        await result
