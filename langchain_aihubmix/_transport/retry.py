"""The one retry policy (tenacity): which errors, how many times, how long to wait."""

from __future__ import annotations

import asyncio
import inspect
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any, TypeVar

import tenacity
from langchain_core.exceptions import ModelError

_T = TypeVar("_T")

OnRetry = Callable[[BaseException, int], Any]
"""`on_retry(exc, attempt)`: `attempt` is the 1-based number of the failed attempt,
which is also the number of the retry about to be made."""

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


def is_retryable(exc: BaseException) -> bool:
    """Whether a (classified) error is worth another attempt.

    Args:
        exc: An error already mapped by `errors.raise_classified`.

    Returns:
        True for langchain-core errors marked retryable whose status is 429,
        500, 502, 503, 504, or None (timeouts, connection failures), unless the
        server asked to wait longer than `MAX_SERVER_DELAY`: that error is raised
        at once, with the asked delay in its `retry_after`, for the caller to
        decide.
    """
    if not isinstance(exc, ModelError) or not exc.is_retryable:
        return False
    hint = getattr(exc, "retry_after", None)
    if isinstance(hint, (int, float)) and hint > MAX_SERVER_DELAY:
        return False
    status = getattr(exc, "status_code", None)
    return status is None or status in RETRYABLE_STATUS


def wait_seconds(
    exc: BaseException | None, retry: int, *, base: float = 0.5, cap: float = 30.0
) -> float:
    """How long to wait before retry number `retry` (1-based).

    Full-jitter exponential backoff, `uniform(0, min(cap, base * 2**(retry-1)))`;
    a server-requested delay (`exc.retry_after`, at most `MAX_SERVER_DELAY`: a
    longer one is not retried) is used as the minimum.

    Args:
        exc: The error of the failed attempt.
        retry: Which retry this wait precedes (1 for the first).
        base: Backoff for the first retry, in seconds.
        cap: Upper bound of the backoff, in seconds.

    Returns:
        Seconds to sleep.
    """
    backoff = _jitter(0.0, min(cap, base * 2 ** (retry - 1)))
    hint = getattr(exc, "retry_after", None)
    if isinstance(hint, (int, float)) and hint >= 0:
        return max(min(float(hint), MAX_SERVER_DELAY), backoff)
    return backoff


def _policy(max_retries: int, on_retry: OnRetry | None) -> dict[str, Any]:
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
        "retry": tenacity.retry_if_exception(is_retryable),
        "wait": wait,
        "before_sleep": before_sleep,
        "reraise": True,
    }


def call_with_retry(
    fn: Callable[[], _T], *, max_retries: int, on_retry: OnRetry | None = None
) -> _T:
    """Call `fn` under the policy (sleeping through `_sleep`).

    `fn` must raise already-classified errors (wrap the SDK call with
    `errors.raise_classified`); anything else is never retried.

    Args:
        fn: The call, without arguments.
        max_retries: Retries after the first attempt (2 means up to 3 attempts).
        on_retry: Called as `on_retry(exc, attempt)` before each retry's wait.

    Returns:
        What `fn` returns.
    """
    return tenacity.Retrying(sleep=_sleep, **_policy(max_retries, on_retry))(fn)


async def acall_with_retry(
    fn: Callable[[], Awaitable[_T]],
    *,
    max_retries: int,
    on_retry: OnRetry | None = None,
) -> _T:
    """Async twin of `call_with_retry` (`fn` may be any callable returning an
    awaitable, e.g. a lambda: tenacity only awaits coroutine functions)."""

    async def attempt() -> _T:
        return await fn()

    policy = tenacity.AsyncRetrying(sleep=_asleep, **_policy(max_retries, on_retry))
    return await policy(attempt)


def retry_stream(
    open_stream: Callable[[], Iterator[_T]],
    *,
    max_retries: int,
    on_retry: OnRetry | None = None,
) -> Iterator[_T]:
    """Iterate a stream, retrying only until its first item arrives.

    Opening the stream and reading its first item are retried under the policy;
    once an item was yielded, errors propagate (the caller has seen output).
    `open_stream` must raise already-classified errors.

    Args:
        open_stream: Opens a fresh stream on each call.
        max_retries: Retries after the first attempt.
        on_retry: Called as `on_retry(exc, attempt)` before each retry.

    Yields:
        The stream's items.
    """
    stream, first = call_with_retry(
        lambda: _opened(open_stream), max_retries=max_retries, on_retry=on_retry
    )
    try:
        if first is _END:
            return
        yield first
        yield from stream
    finally:
        _close(stream)


async def aretry_stream(
    open_stream: Callable[[], AsyncIterator[_T] | Awaitable[AsyncIterator[_T]]],
    *,
    max_retries: int,
    on_retry: OnRetry | None = None,
) -> AsyncIterator[_T]:
    """Async twin of `retry_stream`; `open_stream` may also be a coroutine function."""
    stream, first = await acall_with_retry(
        lambda: _aopened(open_stream), max_retries=max_retries, on_retry=on_retry
    )
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
