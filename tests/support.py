"""What the suites share: routes, entry points, one model factory, one runner."""

from __future__ import annotations

import asyncio
import importlib.util
import socket
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from functools import reduce
from itertools import product
from operator import add
from pathlib import Path
from types import ModuleType
from typing import Any, Literal

from langchain_core.messages import AIMessage, AIMessageChunk

from langchain_aihubmix import ChatAiHubMixGemini
from langchain_aihubmix.profiles import Transport
from langchain_aihubmix.testing import AiHubMixEmulator

ROUTES: tuple[Transport, ...] = ("native", "openai")
Entry = Literal["invoke", "stream", "ainvoke", "astream"]
ENTRIES: tuple[Entry, ...] = ("invoke", "stream", "ainvoke", "astream")
MODEL = "gemini-2.5-flash"

MakeLLM = Callable[..., ChatAiHubMixGemini]
ROOT = Path(__file__).parents[1]
TALLIES: dict[str, Counter[str]] = {}
"""What suites counted, by summary line; printed at the end of the run (added up
over the xdist workers by tests/conftest.py)."""


def tally(name: str, *keys: str) -> Counter[str]:
    """The counters behind the summary line `name: key n, ...` (`keys` shown even
    at zero)."""
    return TALLIES.setdefault(name, Counter(dict.fromkeys(keys, 0)))


def script(name: str) -> ModuleType:
    """`scripts/<name>.py` as a module, loaded once (the scripts are no package)."""
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            name, ROOT / "scripts" / f"{name}.py"
        )
        assert spec and spec.loader
        sys.modules[name] = module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    return sys.modules[name]


def make_llm(
    hub: AiHubMixEmulator, transport: str | None = None, model: str = MODEL, **kw: Any
) -> ChatAiHubMixGemini:
    """A model talking to `hub` (the default route when `transport` is None).

    Keyword arguments go to the constructor; `base_url` and `api_key` default to
    the hub's.
    """
    kw.setdefault("base_url", hub.base_url)
    kw.setdefault("api_key", hub.api_key)
    if transport is not None:
        kw["transport"] = transport
    return ChatAiHubMixGemini(model=model, **kw)


def closed_port() -> str:
    """A loopback base URL whose port nobody listens on (connecting is refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


def turns(cases: Iterable[Any], *axes: Sequence[Any]) -> list[tuple[Any, ...]]:
    """Each case once, with the next combination of `axes` (shifted by one each
    time round, so that no combination stays tied to one value of the case).

    For a behaviour that is the same function whatever the route or entry point:
    `turns(CASES, ROUTES, ENTRIES)` covers every case and every route x entry
    pair without their product. A case that is a tuple is spread into its
    parameters.
    """
    combos = list(product(*axes))
    n = len(combos)
    return [
        (*(case if isinstance(case, tuple) else (case,)), *combos[(i + i // n) % n])
        for i, case in enumerate(cases)
    ]


def summed(chunks: Sequence[AIMessageChunk]) -> AIMessageChunk:
    """A stream's chunks added up into one message, as a user would."""
    assert chunks, "the stream yielded no chunk"
    total: AIMessageChunk = reduce(add, chunks)
    return total


def stream_chunks(llm: Any, entry: str, messages: Any, **call: Any) -> list[Any]:
    """Every chunk of one `stream` or `astream` call."""
    if entry == "stream":
        return list(llm.stream(messages, **call))

    async def collect() -> list[Any]:
        return [c async for c in llm.astream(messages, **call)]

    return asyncio.run(collect())


def run(llm: Any, entry: str, messages: Any, **call: Any) -> AIMessage:
    """One call through `entry` (invoke, ainvoke, batch, abatch, stream, astream).

    `llm` is a model or any runnable around it; a stream's chunks come back summed.
    Async entries run in a fresh event loop; inside one, use `arun`.
    """
    if entry.startswith("a"):
        return asyncio.run(arun(llm, entry, messages, **call))
    return _sync(llm, entry, messages, call)


async def arun(llm: Any, entry: str, messages: Any, **call: Any) -> AIMessage:
    """`run` for code already on an event loop (sync entries block it)."""
    if not entry.startswith("a"):
        return _sync(llm, entry, messages, call)
    if entry == "ainvoke":
        message: AIMessage = await llm.ainvoke(messages, **call)
        return message
    if entry == "abatch":
        (message,) = await llm.abatch([messages], **call)
        return message
    assert entry == "astream", entry
    return summed([c async for c in llm.astream(messages, **call)])


def _sync(llm: Any, entry: str, messages: Any, call: dict[str, Any]) -> AIMessage:
    if entry == "invoke":
        message: AIMessage = llm.invoke(messages, **call)
        return message
    if entry == "batch":
        (message,) = llm.batch([messages], **call)
        return message
    assert entry == "stream", entry
    return summed(list(llm.stream(messages, **call)))
