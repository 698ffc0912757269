"""The retry fast path: a first attempt outside tenacity, the same policy after it.

`call_with_retry` / `acall_with_retry` make the first attempt as a plain call and
only build the tenacity policy after a retryable failure, replaying that failure as
the policy's first attempt. These tests pin that the policy is not built when it is
not needed, and that a first-attempt failure is retried exactly as the policy would
(attempt numbers, waits, `on_retry`), sync and async.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

from langchain_aihubmix import _retry, errors
from langchain_aihubmix._retry import (
    acall_with_retry,
    aretry_stream,
    call_with_retry,
    retry_stream,
)


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Record every wait instead of sleeping; jitter at its upper bound."""
    waits: list[float] = []

    async def asleep(seconds: float) -> None:
        waits.append(seconds)

    monkeypatch.setattr(_retry, "_sleep", waits.append)
    monkeypatch.setattr(_retry, "_asleep", asleep)
    monkeypatch.setattr(_retry, "_jitter", lambda low, high: high)
    return waits


@pytest.fixture
def no_policy(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail if the tenacity policy is built at all."""

    def forbidden(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the retry policy was built")

    monkeypatch.setattr(_retry, "retrying", forbidden)
    monkeypatch.setattr(_retry, "aretrying", forbidden)


class Script:
    """Raises the given errors in turn, then returns "ok"; counts its calls."""

    def __init__(self, *failures: BaseException) -> None:
        self.failures = list(failures)
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)
        return "ok"

    async def acall(self) -> str:
        await asyncio.sleep(0)
        return self()


def _run(twin: str, script: Script, max_retries: int, log: list[Any]) -> Any:
    def on_retry(exc: BaseException, attempt: int) -> None:
        log.append((exc, attempt))

    if twin == "sync":
        return call_with_retry(script, max_retries=max_retries, on_retry=on_retry)
    return asyncio.run(
        acall_with_retry(script.acall, max_retries=max_retries, on_retry=on_retry)
    )


TWINS = pytest.mark.parametrize("twin", ["sync", "async"])


@TWINS
def test_success_never_builds_the_policy(twin: str, no_policy: None) -> None:
    script, log = Script(), []
    assert _run(twin, script, 2, log) == "ok"
    assert (script.calls, log) == (1, [])


@TWINS
def test_non_retryable_first_failure_raises_as_is(twin: str, no_policy: None) -> None:
    bad = errors.NativeAuthenticationError("no", status_code=401)
    script, log = Script(bad), []
    with pytest.raises(errors.NativeAuthenticationError) as caught:
        _run(twin, script, 3, log)
    assert caught.value is bad
    assert (script.calls, log) == (1, [])


@TWINS
def test_first_failure_then_success(twin: str, sleeps: list[float]) -> None:
    err = errors.NativeAPIError("overloaded", status_code=503)
    script, log = Script(err), []
    assert _run(twin, script, 2, log) == "ok"
    assert script.calls == 2
    assert log == [(err, 1)]
    assert sleeps == [0.5]  # the first retry's backoff (jitter at its bound)


@TWINS
def test_first_failure_keeps_server_delay_and_attempt_numbers(
    twin: str, sleeps: list[float]
) -> None:
    slow = errors.NativeRateLimitError("x", status_code=429, retry_after=7)
    err = errors.NativeAPIError("x", status_code=500)
    script, log = Script(slow, err), []
    assert _run(twin, script, 3, log) == "ok"
    assert script.calls == 3
    assert log == [(slow, 1), (err, 2)]
    assert sleeps == [7.0, 1.0]


@TWINS
def test_gives_up_with_the_last_error(twin: str, sleeps: list[float]) -> None:
    first = errors.NativeAPIError("a", status_code=503)
    last = errors.NativeAPIError("b", status_code=503)
    script, log = Script(first, last), []
    with pytest.raises(errors.NativeAPIError) as caught:
        _run(twin, script, 1, log)
    assert caught.value is last
    assert script.calls == 2
    assert log == [(first, 1)]
    assert sleeps == [0.5]


@TWINS
def test_zero_retries_raises_the_first_error(
    twin: str, sleeps: list[float], no_policy: None
) -> None:
    err = errors.NativeAPIError("x", status_code=503)
    script, log = Script(err), []
    with pytest.raises(errors.NativeAPIError) as caught:
        _run(twin, script, 0, log)
    assert caught.value is err
    assert (script.calls, log, sleeps) == (1, [], [])


@TWINS
def test_negative_max_retries_is_rejected_before_calling(twin: str) -> None:
    script = Script()
    with pytest.raises(ValueError, match="max_retries"):
        _run(twin, script, -1, [])
    assert script.calls == 0


def test_stream_first_open_failure_then_success(sleeps: list[float]) -> None:
    err = errors.NativeAPIError("x", status_code=503)
    opened: list[int] = []

    def open_stream() -> Iterator[int]:
        opened.append(1)
        if len(opened) == 1:
            raise err
        return iter([1, 2])

    log: list[Any] = []
    items = retry_stream(
        open_stream, max_retries=1, on_retry=lambda e, n: log.append((e, n))
    )
    assert list(items) == [1, 2]
    assert (len(opened), log, sleeps) == (2, [(err, 1)], [0.5])


def test_astream_first_item_failure_then_success(sleeps: list[float]) -> None:
    err = errors.NativeAPIError("x", status_code=503)
    opened: list[int] = []

    async def open_stream() -> Any:
        opened.append(1)
        fail = len(opened) == 1

        async def gen() -> Any:
            if fail:
                raise err
            yield 1

        return gen()

    async def drain() -> list[int]:
        return [x async for x in aretry_stream(open_stream, max_retries=1)]

    assert asyncio.run(drain()) == [1]
    assert (len(opened), sleeps) == (2, [0.5])
