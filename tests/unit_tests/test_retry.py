"""The retry policy: what is retried, how often, how long it waits; sync == async."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx2
import openai
import pytest
from google.genai import errors as genai_errors

from langchain_aihubmix import errors
from langchain_aihubmix._transport import retry as _retry
from langchain_aihubmix._transport.retry import (
    acall_with_retry,
    aretry_stream,
    call_with_retry,
    may_have_billed,
    retry_stream,
    wait_seconds,
)
from langchain_aihubmix.errors import raise_classified, reply_error

RECORDED = Path(__file__).parents[1] / "fixtures" / "recorded" / "vercel-ai"
URL = "https://aihubmix.com/gemini/v1beta/models/gemini-2.5-flash:generateContent"


def _classified(exc: BaseException, route: Any = "native") -> BaseException:
    try:
        raise_classified(exc, route=route)
    except errors.AiHubMixError as err:
        return err


def native(status: int, body: Any, headers: dict[str, str] | None = None) -> Any:
    """A classified error built by google-genai from a real response."""
    resp = httpx2.Response(
        status, json=body, headers=headers, request=httpx2.Request("POST", URL)
    )
    try:
        genai_errors.APIError.raise_for_response(resp)
    except genai_errors.APIError as exc:
        return _classified(exc)
    raise AssertionError("no error raised")


def via_openai(status: int, body: Any, headers: dict[str, str] | None = None) -> Any:
    """A classified error built by the openai SDK from a real response."""
    client = openai.OpenAI(api_key="sk-test-000000", base_url="https://x/v1")
    resp = httpx2.Response(
        status, json=body, headers=headers, request=httpx2.Request("POST", URL)
    )
    return _classified(client._make_status_error_from_response(resp), "openai")


def gw(cls: Any, status: int, message: str = "x") -> Any:
    """A typed error carrying the gateway's own JSON error body."""
    return cls(message, status_code=status, body={"error": {"message": message}})


RETRY_429 = json.loads((RECORDED / "google-429-retry-info.json").read_text())
OVERLOADED = {"error": {"code": 503, "message": "The model is overloaded."}}
MINIMAL_400 = json.loads(
    (RECORDED / "google-thinking-level-minimal-unsupported.json").read_text()
)


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Record every wait instead of sleeping (both twins)."""
    waits: list[float] = []

    async def asleep(seconds: float) -> None:
        waits.append(seconds)

    monkeypatch.setattr(_retry, "_sleep", waits.append)
    monkeypatch.setattr(_retry, "_asleep", asleep)
    return waits


@pytest.fixture
def max_jitter(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the full-jitter draw deterministic: always the upper bound."""
    monkeypatch.setattr(_retry, "_jitter", lambda low, high: high)


class Script:
    """A call that raises the given errors in turn, then returns "ok"."""

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


def run_both(
    make: Callable[[], tuple[Script, int]], sleeps: list[float]
) -> list[tuple[Any, int, list[float], list[tuple[str, int]]]]:
    """Run a scenario through call_with_retry and acall_with_retry; return both."""
    results = []
    for twin in ("sync", "async"):
        script, max_retries = make()
        log: list[tuple[str, int]] = []
        sleeps.clear()

        def on_retry(exc: BaseException, attempt: int, log: Any = log) -> None:
            log.append((type(exc).__name__, attempt))

        try:
            if twin == "sync":
                outcome: Any = call_with_retry(
                    script, max_retries=max_retries, on_retry=on_retry
                )
            else:
                outcome = asyncio.run(
                    acall_with_retry(
                        script.acall, max_retries=max_retries, on_retry=on_retry
                    )
                )
        except Exception as exc:
            outcome = exc
        results.append((outcome, script.calls, list(sleeps), log))
    return results


def test_retry_info_delay_is_honoured(sleeps: list[float]) -> None:
    err = native(429, RETRY_429)
    sync, asyn = run_both(lambda: (Script(err, err), 2), sleeps)
    assert sync == asyn
    outcome, calls, waits, log = sync
    assert (outcome, calls) == ("ok", 3)
    assert waits == [pytest.approx(34.4), pytest.approx(34.4)]
    assert log == [("NativeRateLimitError", 1), ("NativeRateLimitError", 2)]


def test_retry_after_header_is_honoured(sleeps: list[float]) -> None:
    err = via_openai(429, {"error": {"message": "slow"}}, {"retry-after": "7"})
    outcome, calls, waits, _ = run_both(lambda: (Script(err), 3), sleeps)[0]
    assert (outcome, calls, waits) == ("ok", 2, [7.0])


def test_server_delay_up_to_the_cap_is_a_minimum(
    sleeps: list[float], max_jitter: None
) -> None:
    cap = _retry.MAX_SERVER_DELAY
    at_cap = errors.NativeRateLimitError("x", status_code=429, retry_after=cap)
    short = errors.NativeRateLimitError("x", status_code=429, retry_after=0.1)
    script = Script(at_cap, short, short, short)
    assert call_with_retry(script, max_retries=4) == "ok"
    # 0.1 is below the backoff of retries 2..4 (1, 2, 4 s)
    assert sleeps == [cap, 1.0, 2.0, 4.0]


@pytest.mark.parametrize("first", [True, False])
def test_server_delay_beyond_the_cap_fails_at_once(
    sleeps: list[float], first: bool
) -> None:
    long = errors.NativeRateLimitError("x", status_code=429, retry_after=3600)
    short = errors.NativeRateLimitError("x", status_code=429, retry_after=0.1)
    script = Script(long) if first else Script(short, long)
    with pytest.raises(errors.NativeRateLimitError) as info:
        call_with_retry(script, max_retries=4)
    assert info.value is long and info.value.retry_after == 3600
    assert sleeps == ([] if first else [pytest.approx(0.1, abs=0.6)])


def test_backoff_doubles_up_to_cap(sleeps: list[float], max_jitter: None) -> None:
    err = native(503, OVERLOADED)
    script = Script(*[err] * 8)
    assert call_with_retry(script, max_retries=8) == "ok"
    assert sleeps == [0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0]


def test_jitter_stays_within_bounds() -> None:
    err = gw(errors.NativeAPIError, 503, "boom")
    for retry in range(1, 10):
        high = min(30.0, 0.5 * 2 ** (retry - 1))
        draws = [wait_seconds(err, retry) for _ in range(200)]
        assert all(0.0 <= d <= high for d in draws)
        assert max(draws) - min(draws) > high / 10  # actually jittered
    assert wait_seconds(None, 3, base=1.0, cap=2.0) <= 2.0


@pytest.mark.parametrize(
    "err",
    [
        pytest.param(native(429, RETRY_429), id="429"),
        pytest.param(native(503, OVERLOADED), id="503"),
        pytest.param(gw(errors.NativeAPIError, 500, "x"), id="500"),
        pytest.param(gw(errors.OpenAIAPIError, 502, "x"), id="502"),
        pytest.param(gw(errors.OpenAIAPIError, 504, "x"), id="504"),
        pytest.param(_classified(httpx2.ConnectError("refused")), id="connect"),
        pytest.param(_classified(httpx2.ConnectTimeout("dns"), "openai"), id="dns"),
    ],
)
def test_retryable_errors_use_all_attempts(err: Any, sleeps: list[float]) -> None:
    sync, asyn = run_both(lambda: (Script(err, err, err), 2), sleeps)
    assert sync[:2] == asyn[:2] == (err, 3)  # gave up: the last error, as is
    assert len(sync[3]) == len(asyn[3]) == 2


def _reply_error(status: int, body: Any) -> Any:
    """The typed error of a 2xx reply that is not an answer (`reply_guard`)."""
    response = httpx2.Response(status, request=httpx2.Request("POST", URL))
    message = "not an answer"
    return reply_error(
        "native", status=502, message=message, body=body, response=response, secret=None
    )


@pytest.mark.parametrize(
    ("err", "billed"),
    [
        pytest.param(native(429, RETRY_429), False, id="429"),
        pytest.param(native(503, OVERLOADED), False, id="gateway-503"),
        pytest.param(via_openai(502, {"error": {"message": "x"}}), False, id="502"),
        pytest.param(_reply_error(200, {"error": {"code": 503}}), False, id="200-env"),
        pytest.param(_classified(httpx2.ConnectError("refused")), False, id="connect"),
        pytest.param(_classified(httpx2.ReadTimeout("slow")), True, id="timeout"),
        pytest.param(_classified(TimeoutError("deadline")), True, id="deadline"),
        pytest.param(_classified(httpx2.ReadError("cut"), "openai"), True, id="read"),
        pytest.param(_classified(httpx2.RemoteProtocolError("x")), True, id="reset"),
        pytest.param(_reply_error(200, None), True, id="malformed-200"),
        pytest.param(via_openai(504, None), True, id="504-no-json"),
    ],
)
def test_failures_the_gateway_may_have_billed_are_retried_only_when_asked(
    err: Any, billed: bool, sleeps: list[float]
) -> None:
    """The billing rule: never re-send what the gateway may have billed, unless
    `retry_billable`; everything else is retried as before."""
    assert may_have_billed(err) is billed
    for retry_billable, calls in ((False, 1 if billed else 3), (True, 3)):
        script = Script(err, err, err)
        with pytest.raises(type(err)):
            call_with_retry(script, max_retries=2, retry_billable=retry_billable)
        assert script.calls == calls


@pytest.mark.parametrize(
    "err",
    [
        pytest.param(native(400, MINIMAL_400), id="400"),
        pytest.param(errors.NativeAuthenticationError("x", status_code=401), id="401"),
        pytest.param(
            errors.OpenAIPermissionDeniedError("x", status_code=403), id="403"
        ),
        pytest.param(errors.OpenAINotFoundError("x", status_code=404), id="404"),
        pytest.param(errors.NativeContextOverflowError("x", status_code=400), id="ctx"),
        pytest.param(gw(errors.NativeAPIError, 501, "x"), id="501"),
        pytest.param(httpx2.ConnectError("unclassified"), id="raw-httpx"),
        pytest.param(ValueError("bug"), id="bug"),
    ],
)
def test_other_errors_are_not_retried(err: Any, sleeps: list[float]) -> None:
    for outcome, calls, waits, log in run_both(lambda: (Script(err), 5), sleeps):
        assert (outcome, calls, waits, log) == (err, 1, [], [])


def test_max_retries_zero_means_one_attempt(sleeps: list[float]) -> None:
    err = native(503, OVERLOADED)
    for outcome, calls, waits, _ in run_both(lambda: (Script(err), 0), sleeps):
        assert (outcome, calls, waits) == (err, 1, [])
    with pytest.raises(ValueError, match="max_retries"):
        call_with_retry(Script(), max_retries=-1)


# -- streams ------------------------------------------------------------------------


class Streams:
    """`open_stream` factory: each call opens the next scripted stream.

    A script item that is an exception is raised when reached.
    """

    def __init__(self, *scripts: list[Any]) -> None:
        self.scripts = list(scripts)
        self.opened = 0
        self.closed = 0

    def _next(self) -> list[Any]:
        self.opened += 1
        return self.scripts.pop(0)

    def open(self) -> Iterator[Any]:
        script = self._next()

        def gen() -> Iterator[Any]:
            try:
                for item in script:
                    if isinstance(item, BaseException):
                        raise item
                    yield item
            finally:
                self.closed += 1

        return gen()

    async def aopen(self) -> AsyncIterator[Any]:
        script = self._next()

        async def gen() -> AsyncIterator[Any]:
            try:
                for item in script:
                    if isinstance(item, BaseException):
                        raise item
                    yield item
            finally:
                self.closed += 1

        return gen()


def consume_both(
    make: Callable[[], Streams], max_retries: int, sleeps: list[float]
) -> list[tuple[list[Any], Any, int, int]]:
    """Drain a scripted stream through both twins: (items, error, opened, waits)."""

    async def adrain(streams: Streams, out: list[Any]) -> None:
        async for item in aretry_stream(streams.aopen, max_retries=max_retries):
            out.append(item)

    results = []
    for twin in ("sync", "async"):
        streams, out, error = make(), [], None
        sleeps.clear()
        try:
            if twin == "sync":
                out.extend(retry_stream(streams.open, max_retries=max_retries))
            else:
                asyncio.run(adrain(streams, out))
        except Exception as exc:
            error = exc
        assert streams.closed == streams.opened  # every opened stream was closed
        results.append((out, error, streams.opened, len(sleeps)))
    return results


def test_stream_is_retried_before_the_first_item(sleeps: list[float]) -> None:
    err = native(503, OVERLOADED)
    sync, asyn = consume_both(lambda: Streams([err], [err], [1, 2, 3]), 2, sleeps)
    assert sync == asyn == ([1, 2, 3], None, 3, 2)


def test_stream_error_after_first_item_propagates(sleeps: list[float]) -> None:
    err = native(503, OVERLOADED)
    sync, asyn = consume_both(lambda: Streams([1, err], [9]), 3, sleeps)
    assert sync == asyn == ([1], err, 1, 0)


def test_stream_gives_up_after_max_retries(sleeps: list[float]) -> None:
    err = native(429, RETRY_429)
    sync, asyn = consume_both(lambda: Streams([err], [err]), 1, sleeps)
    assert sync == asyn == ([], err, 2, 1)
    assert sleeps == [pytest.approx(34.4)]


def test_stream_non_retryable_and_empty(sleeps: list[float]) -> None:
    bad = native(400, MINIMAL_400)
    assert consume_both(lambda: Streams([bad], [1]), 3, sleeps)[0] == ([], bad, 1, 0)
    assert consume_both(lambda: Streams([]), 3, sleeps)[1] == ([], None, 1, 0)


def test_stream_open_failure_is_retried(sleeps: list[float]) -> None:
    err = _classified(httpx2.ConnectError("refused"))
    calls = 0

    def open_stream() -> Iterator[int]:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise err
        return iter([7])

    assert list(retry_stream(open_stream, max_retries=1)) == [7]
    assert calls == 2


def test_stream_closed_when_consumer_stops(sleeps: list[float]) -> None:
    streams = Streams([1, 2, 3])
    gen = retry_stream(streams.open, max_retries=1)
    assert next(gen) == 1
    gen.close()
    assert streams.closed == 1


async def test_astream_accepts_plain_async_iterator_factory(
    sleeps: list[float],
) -> None:
    async def items() -> AsyncIterator[int]:
        yield 1
        yield 2

    out = [x async for x in aretry_stream(items, max_retries=0)]
    assert out == [1, 2]


# -- sync and async twins: the same attempts, waits and `on_retry` calls -----------


def _run_fast(twin: str, script: Script, max_retries: int, log: list[Any]) -> Any:
    def on_retry(exc: BaseException, attempt: int) -> None:
        log.append((exc, attempt))

    if twin == "sync":
        return call_with_retry(script, max_retries=max_retries, on_retry=on_retry)
    return asyncio.run(
        acall_with_retry(script.acall, max_retries=max_retries, on_retry=on_retry)
    )


TWINS = pytest.mark.parametrize("twin", ["sync", "async"])


@TWINS
def test_non_retryable_first_failure_raises_as_is(twin: str) -> None:
    bad = errors.NativeAuthenticationError("no", status_code=401)
    script, log = Script(bad), []
    with pytest.raises(errors.NativeAuthenticationError) as caught:
        _run_fast(twin, script, 3, log)
    assert caught.value is bad
    assert (script.calls, log) == (1, [])


@TWINS
def test_first_failure_then_success(
    twin: str, sleeps: list[float], max_jitter: None
) -> None:
    err = gw(errors.NativeAPIError, 503, "overloaded")
    script, log = Script(err), []
    assert _run_fast(twin, script, 2, log) == "ok"
    assert script.calls == 2
    assert log == [(err, 1)]
    assert sleeps == [0.5]  # the first retry's backoff (jitter at its bound)


@TWINS
def test_first_failure_keeps_server_delay_and_attempt_numbers(
    twin: str, sleeps: list[float], max_jitter: None
) -> None:
    slow = errors.NativeRateLimitError("x", status_code=429, retry_after=7)
    err = gw(errors.NativeAPIError, 500, "x")
    script, log = Script(slow, err), []
    assert _run_fast(twin, script, 3, log) == "ok"
    assert script.calls == 3
    assert log == [(slow, 1), (err, 2)]
    assert sleeps == [7.0, 1.0]


@TWINS
def test_gives_up_with_the_last_error(
    twin: str, sleeps: list[float], max_jitter: None
) -> None:
    first = gw(errors.NativeAPIError, 503, "a")
    last = gw(errors.NativeAPIError, 503, "b")
    script, log = Script(first, last), []
    with pytest.raises(errors.NativeAPIError) as caught:
        _run_fast(twin, script, 1, log)
    assert caught.value is last
    assert script.calls == 2
    assert log == [(first, 1)]
    assert sleeps == [0.5]


@TWINS
def test_zero_retries_raises_the_first_error(
    twin: str, sleeps: list[float], max_jitter: None
) -> None:
    err = gw(errors.NativeAPIError, 503, "x")
    script, log = Script(err), []
    with pytest.raises(errors.NativeAPIError) as caught:
        _run_fast(twin, script, 0, log)
    assert caught.value is err
    assert (script.calls, log, sleeps) == (1, [], [])


@TWINS
def test_negative_max_retries_is_rejected_before_calling(twin: str) -> None:
    script = Script()
    with pytest.raises(ValueError, match="max_retries"):
        _run_fast(twin, script, -1, [])
    assert script.calls == 0


def test_stream_first_open_failure_then_success(
    sleeps: list[float], max_jitter: None
) -> None:
    err = gw(errors.NativeAPIError, 503, "x")
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


def test_astream_first_item_failure_then_success(
    sleeps: list[float], max_jitter: None
) -> None:
    err = gw(errors.NativeAPIError, 503, "x")
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
