"""Fault injection: ~200 calls, sync/async x invoke/stream x both routes, against
429 (RetryInfo / Retry-After), 500, 503, dropped connections and slow replies.

Every call either succeeds (after retries) with the complete answer, or raises a
typed langchain-core `ModelError` within its time budget; streams never end
silently truncated and never repeat a chunk; nothing leaks.
"""

from __future__ import annotations

import asyncio
import gc
import os
import random
import threading
import time
from typing import Any

import pytest
from langchain_core.exceptions import ModelError

from langchain_aihubmix._transport import retry as _retry
from langchain_aihubmix.testing import AiHubMixEmulator
from tests.support import ROUTES, make_llm, tally

CALLS_PER_COMBO = 25  # x 8 combos = 200 calls
TIMEOUT = 0.3
MAX_RETRIES = 1
PROMPT = ("tell me about the reliability of distributed systems, please " * 2).strip()
EXPECTED = "Echo: " + PROMPT
STATS = tally("fault injection")


@pytest.fixture(autouse=True)
def _fast_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the jittered backoff tiny; server-requested delays still apply."""
    monkeypatch.setattr(_retry, "_jitter", lambda lo, hi: min(hi, 0.005))


def _fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def _plan(rng: random.Random, stream: bool) -> list[tuple[str, dict[str, Any]]]:
    """The faults for one call (possibly none, possibly more than it can retry)."""
    faults = []
    for _ in range(rng.choice([0, 1, 1, 1, 2])):
        kind = rng.choice(["429", "500", "503", "drop", "drop", "slow"])
        kw: dict[str, Any] = {}
        if kind == "429":
            kw["retry_delay"] = 0.05
        elif kind == "drop":
            kw["after_chunks"] = rng.choice([0, 1, 2]) if stream else 1
        elif kind == "slow":
            kw["delay"] = TIMEOUT * 2
        faults.append((kind, kw))
    return faults


def _budget(n_faults: int) -> float:
    # attempts x timeout, server delays, backoff, and slack for a loaded machine
    return (MAX_RETRIES + 1) * TIMEOUT + n_faults * 0.06 + 2.0


def _check_stream_text(texts: list[str], completed: bool) -> None:
    joined = "".join(texts)
    if completed:
        assert joined == EXPECTED, "a completed stream must carry the whole answer"
    else:
        # a cut stream raised; what it yielded is a prefix, with no chunk repeated
        assert EXPECTED.startswith(joined), (joined, EXPECTED)


def _outcome(
    route: str,
    faults: list[tuple[str, dict[str, Any]]],
    exc: BaseException | None,
    elapsed: float,
) -> None:
    STATS["calls"] += 1
    STATS["faults"] += len(faults)
    assert elapsed < _budget(len(faults)), (route, faults, elapsed)
    if exc is None:
        STATS["ok"] += 1
        return
    STATS["typed_errors"] += 1
    assert isinstance(exc, ModelError), (route, faults, repr(exc))
    assert faults, f"failed without a fault: {exc!r}"


@pytest.mark.timeout(60)
@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("kind", ["invoke", "stream"])
def test_sync_calls_under_faults(hub: AiHubMixEmulator, route: str, kind: str) -> None:
    rng = random.Random(f"sync-{route}-{kind}")
    llm = make_llm(hub, route, timeout=TIMEOUT, max_retries=MAX_RETRIES)
    llm.invoke("warm up")  # the pooled connection exists before counting
    threads, fds = threading.active_count(), _fds()
    for _ in range(CALLS_PER_COMBO):
        hub.reset()
        faults = _plan(rng, kind == "stream")
        for fault_kind, kw in faults:
            hub.inject_fault(fault_kind, route=route, **kw)  # type: ignore[arg-type]
        start, exc, texts = time.monotonic(), None, []
        try:
            if kind == "invoke":
                texts.append(llm.invoke(PROMPT).text)
            else:
                for chunk in llm.stream(PROMPT):
                    texts.append(chunk.text)
        except Exception as err:
            exc = err
        _check_stream_text(texts, completed=exc is None)
        _outcome(route, faults, exc, time.monotonic() - start)
    hub.reset()
    del llm
    _assert_no_leaks(threads, fds)


@pytest.mark.timeout(60)
@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("kind", ["invoke", "stream"])
def test_async_calls_under_faults(hub: AiHubMixEmulator, route: str, kind: str) -> None:
    rng = random.Random(f"async-{route}-{kind}")
    llm = make_llm(hub, route, timeout=TIMEOUT, max_retries=MAX_RETRIES)
    threads, fds = threading.active_count(), _fds()

    async def run(llm: Any) -> None:
        await llm.ainvoke("warm up")
        for _ in range(CALLS_PER_COMBO):
            hub.reset()
            faults = _plan(rng, kind == "stream")
            for fault_kind, kw in faults:
                hub.inject_fault(fault_kind, route=route, **kw)  # type: ignore[arg-type]
            start, exc, texts = time.monotonic(), None, []

            async def call(llm: Any = llm, texts: list[str] = texts) -> None:
                if kind == "invoke":
                    texts.append((await llm.ainvoke(PROMPT)).text)
                else:
                    async for chunk in llm.astream(PROMPT):
                        texts.append(chunk.text)

            try:
                await asyncio.wait_for(call(), _budget(len(faults)) + 1)
            except asyncio.TimeoutError as err:
                if not isinstance(err, ModelError):
                    raise AssertionError(f"hung: {route} {faults}") from err
                exc = err
            except Exception as err:
                exc = err
            _check_stream_text(texts, completed=exc is None)
            _outcome(route, faults, exc, time.monotonic() - start)

    asyncio.run(run(llm))
    hub.reset()
    del llm, run
    _assert_no_leaks(threads, fds)


def _assert_no_leaks(threads: int, fds: int) -> None:
    """After the instance is gone, threads and descriptors return to their level
    (the emulator closes its side of a connection once the client hangs up)."""
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline:
        gc.collect()
        if threading.active_count() <= threads and _fds() <= fds:
            break
        time.sleep(0.05)
    assert threading.active_count() <= threads, (threading.active_count(), threads)
    assert _fds() <= fds, (_fds(), fds)


@pytest.mark.parametrize("route", ROUTES)
def test_retry_waits_honour_server_delay_sync(
    hub: AiHubMixEmulator, route: str
) -> None:
    hub.inject_fault("429", retry_delay=0.4, route=route)  # type: ignore[arg-type]
    llm = make_llm(hub, route, max_retries=1)
    start = time.monotonic()
    assert llm.invoke("hi").text
    assert time.monotonic() - start >= 0.4
    assert len(hub.requests) == 2


@pytest.mark.parametrize("route", ROUTES)
async def test_retry_waits_honour_server_delay_async_stream(
    hub: AiHubMixEmulator, route: str
) -> None:
    hub.inject_fault("429", retry_delay=0.4, route=route)  # type: ignore[arg-type]
    llm = make_llm(hub, route, max_retries=1)
    start = time.monotonic()
    chunks = [chunk async for chunk in llm.astream("hi")]
    assert time.monotonic() - start >= 0.4
    assert "".join(c.text for c in chunks) == "Echo: hi"


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("after", [1, 2, 3])
def test_stream_cut_midway_raises(
    hub: AiHubMixEmulator, route: str, after: int
) -> None:
    """A cut after some chunks is never retried (output was seen) and never ends
    quietly: it raises a connection error, after a strict prefix of the answer."""
    hub.inject_fault("drop", after_chunks=after, route=route)  # type: ignore[arg-type]
    llm = make_llm(hub, route, max_retries=2)
    texts: list[str] = []
    with pytest.raises(ModelError):
        for chunk in llm.stream(PROMPT):
            texts.append(chunk.text)
    joined = "".join(texts)
    assert EXPECTED.startswith(joined) and joined != EXPECTED
    assert joined or (route == "openai" and after == 1)  # a role-only first event
    assert len(hub.requests) == 1


@pytest.mark.parametrize("route", ROUTES)
def test_stream_cut_before_any_output_is_retried_only_when_billable_allowed(
    hub: AiHubMixEmulator, route: str
) -> None:
    """The gateway answered, then the stream broke before a chunk reached the
    caller: it may bill that attempt, so only `retry_billable=True` re-sends."""
    hub.inject_fault("drop", after_chunks=0, route=route)  # type: ignore[arg-type]
    with pytest.raises(ModelError):
        list(make_llm(hub, route, max_retries=2).stream(PROMPT))
    assert len(hub.requests) == 1
    hub.reset()
    hub.inject_fault("drop", after_chunks=0, route=route)  # type: ignore[arg-type]
    llm = make_llm(hub, route, max_retries=2, retry_billable=True)
    assert "".join(chunk.text for chunk in llm.stream(PROMPT)) == EXPECTED
    assert len(hub.requests) == 2


@pytest.mark.parametrize("route", ROUTES)
def test_async_clients_of_finished_loops_are_released(
    hub: AiHubMixEmulator, route: str
) -> None:
    llm = make_llm(hub, route)
    asyncio.run(llm.ainvoke("warm up"))
    gc.collect()
    fds = _fds()
    for _ in range(5):
        asyncio.run(llm.ainvoke("hi"))
    gc.collect()
    time.sleep(0.2)
    assert _fds() <= fds + 2  # at most the last loop's connection (both ends)
