"""Shared test fixtures: one emulator per session, reset for every test.

The suite runs in parallel (`make test`: pytest-xdist, `-n 2`) or serially (`-n 0`,
or `-p no:xdist`). Each xdist worker is its own process with its own session: its
own emulator (on a free port), module globals, caches and environment. So a test
must not depend on another test having run, nor on running alone on the machine:

- servers bind port 0 (the emulator, `tests/hostile/rawserver.py`), never a fixed one;
- environment variables and global settings change through `monkeypatch` (undone
  after the test), files go to `tmp_path`;
- timing assertions carry slack for a loaded machine, and deadlines under test are
  short (tenths of a second) rather than waited out;
- test ids are the same in every process (no object repr in a parametrize id:
  give `ids=`), as xdist requires;
- a summary figure goes through `tests.support.tally` (added up over the workers
  here), not a module-level counter of one process.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from langchain_aihubmix import ChatAiHubMixGemini
from langchain_aihubmix._transport import retry as _retry
from langchain_aihubmix.testing import AiHubMixEmulator, OpenAIQuirks
from tests import support


@pytest.fixture(scope="session")
def _session_hub() -> Iterator[AiHubMixEmulator]:
    with AiHubMixEmulator() as hub:
        yield hub


@pytest.fixture
def hub(_session_hub: AiHubMixEmulator) -> Iterator[AiHubMixEmulator]:
    """A running emulator with an empty log, queue, fault book and cache."""
    _session_hub.reset()
    _session_hub.openai_quirks = OpenAIQuirks()
    yield _session_hub
    _session_hub.reset()
    _session_hub.openai_quirks = OpenAIQuirks()


@pytest.fixture
def no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """Retries without their waits (the policy's waits are tested in test_retry.py)."""

    async def asleep(_seconds: float) -> None:
        return None

    monkeypatch.setattr(_retry, "_sleep", lambda _seconds: None)
    monkeypatch.setattr(_retry, "_asleep", asleep)
    monkeypatch.setattr(_retry, "_jitter", lambda _low, _high: 0.0)


@pytest.fixture
def make_llm(request: pytest.FixtureRequest, hub: AiHubMixEmulator) -> support.MakeLLM:
    """`support.make_llm` bound to `hub`; an indirect parameter sets the route."""
    default = getattr(request, "param", None)

    def make(
        transport: str | None = None, model: str = support.MODEL, **kw: Any
    ) -> ChatAiHubMixGemini:
        return support.make_llm(hub, transport or default, model, **kw)

    return make


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Test ids must be the same in every process (xdist compares them): no object
    address in an id (give `parametrize` an `ids=`)."""
    unstable = [item.nodeid for item in items if _ADDRESS.search(item.nodeid)]
    if unstable:
        raise pytest.UsageError(
            "test ids that change from one process to the next (an object address; "
            "give parametrize ids=):\n" + "\n".join(unstable[:5])
        )


_ADDRESS = re.compile(r" at 0x[0-9a-f]+")


def pytest_sessionfinish(session: pytest.Session) -> None:
    """On an xdist worker: hand the tallies to the controller."""
    output = getattr(session.config, "workeroutput", None)
    if output is not None:
        output["tallies"] = {name: dict(c) for name, c in support.TALLIES.items()}


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    """On the xdist controller: add up a finished worker's tallies."""
    for name, counts in getattr(node, "workeroutput", {}).get("tallies", {}).items():
        support.TALLIES.setdefault(name, Counter()).update(counts)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """One line per tally that counted something (see `tests.support.tally`)."""
    for name, counts in support.TALLIES.items():
        if any(counts.values()):
            figures = ", ".join(f"{key} {n}" for key, n in counts.items())
            terminalreporter.write_line(f"{name}: {figures}")
