"""Shared helpers: emulators (in-process or subprocess), raw SDK clients, timing."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import statistics
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

MODEL = "gemini-2.5-flash"
ROUTES = ("native", "openai")


@dataclass
class Row:
    """One line of the results table."""

    name: str
    package: float | None
    raw: float | None
    unit: str
    target: str
    ok: bool | None = None
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        if self.package is None or not self.raw:
            return None
        return self.package / self.raw


def median(values: list[float]) -> float:
    return statistics.median(values)


def interleave(
    variants: dict[str, Callable[[], Any]], rounds: int, warmup: int = 3
) -> dict[str, list[float]]:
    """Time each variant `rounds` times, alternating their order every round."""
    names = list(variants)
    for _ in range(warmup):
        for name in names:
            variants[name]()
    times: dict[str, list[float]] = {name: [] for name in names}
    for i in range(rounds):
        order = names if i % 2 == 0 else names[::-1]
        for name in order:
            start = time.perf_counter()
            variants[name]()
            times[name].append(time.perf_counter() - start)
    return times


def package_model(base_url: str, api_key: str, transport: str, **kw: Any) -> Any:
    from langchain_aihubmix import ChatAiHubMixGemini

    return ChatAiHubMixGemini(
        model=MODEL, base_url=base_url, api_key=api_key, transport=transport, **kw
    )


def peer_model(base_url: str, api_key: str, route: str, http: Any = None) -> Any:
    """The nearest peer integration on the same emulator: `ChatGoogleGenerativeAI`
    for the native route, `ChatOpenAI` with `base_url` for the openai route.
    Neither retries, as the raw SDK clients here do not. `http`: an httpx2
    transport to use instead of the network."""
    if route == "native":
        from langchain_google_genai import ChatGoogleGenerativeAI

        return ChatGoogleGenerativeAI(
            model=MODEL,
            google_api_key=api_key,
            base_url=base_url + "/gemini",
            api_version="v1beta",
            max_retries=0,
            client_args=None if http is None else {"transport": http},
        )
    from langchain_openai import ChatOpenAI

    return ChatOpenAI(
        model=MODEL,
        api_key=api_key,
        base_url=base_url + "/v1",
        max_retries=0,
        http_client=None if http is None else _httpx2_client(http),
    )


def _httpx2_client(transport: Any) -> Any:
    import httpx2

    return httpx2.Client(transport=transport)


PEERS = {"native": "ChatGoogleGenerativeAI", "openai": "ChatOpenAI"}


def raw_genai(base_url: str, api_key: str, http: Any = None) -> Any:
    from google import genai

    options = {"base_url": base_url + "/gemini", "api_version": "v1beta"}
    if http is not None:
        options["client_args"] = {"transport": http}
    return genai.Client(api_key=api_key, http_options=options)


def raw_openai(
    base_url: str, api_key: str, *, is_async: bool = False, http: Any = None
) -> Any:
    import openai

    cls = openai.AsyncOpenAI if is_async else openai.OpenAI
    client = None if http is None else _httpx2_client(http)
    return cls(
        base_url=base_url + "/v1", api_key=api_key, max_retries=0, http_client=client
    )


@contextlib.contextmanager
def external_hub() -> Iterator[tuple[str, str]]:
    """The emulator in a child process (its threads then do not share our GIL
    or our tracemalloc); yields (base_url, api_key)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "langchain_aihubmix.testing"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert proc.stdout is not None
        base_url = api_key = ""
        deadline = time.monotonic() + 60
        while not (base_url and api_key) and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line and proc.poll() is not None:
                break
            if m := re.match(r"base_url=(\S+)", line):
                base_url = m.group(1)
            if m := re.match(r"api_key=(\S+)", line):
                api_key = m.group(1)
        if not base_url:
            raise RuntimeError("emulator subprocess did not start")
        yield base_url, api_key
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def long_answers(chars: int = 1000) -> tuple[dict[str, Any], dict[str, Any]]:
    """A scripted `chars`-character answer (native response, OpenAI completion);
    with `stream_chunk_chars=1` each streams as `chars` chunks."""
    text = ("abcdefghij" * (chars // 10 + 1))[:chars]
    native = {
        "candidates": [
            {
                "content": {"role": "model", "parts": [{"text": text}]},
                "finishReason": "STOP",
                "index": 0,
            }
        ],
        "usageMetadata": {
            "promptTokenCount": 3,
            "candidatesTokenCount": chars // 4,
            "totalTokenCount": 3 + chars // 4,
        },
        "modelVersion": MODEL,
    }
    completion = {
        "id": "chatcmpl-bench",
        "object": "chat.completion",
        "created": 1,
        "model": MODEL,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text},
                "finish_reason": "stop",
            }
        ],
        "usage": {
            "prompt_tokens": 3,
            "completion_tokens": chars // 4,
            "total_tokens": 3 + chars // 4,
        },
    }
    return native, completion


def floor_model(
    *,
    text: Callable[[], str] | None = None,
    atext: Callable[[], Awaitable[str]] | None = None,
    texts: Callable[[], Iterable[str]] | None = None,
) -> Any:
    """A bare `BaseChatModel` around raw SDK calls: what langchain-core's own
    `invoke` / `ainvoke` / `stream` machinery costs, for any integration.

    `text()` (or `await atext()`) is a whole answer's text; `texts()` a stream's
    chunk texts, each yielded as one minimal `AIMessageChunk`.
    """
    from langchain_core.language_models import BaseChatModel
    from langchain_core.messages import AIMessage, AIMessageChunk
    from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult

    def result(answer: str) -> ChatResult:
        return ChatResult(generations=[ChatGeneration(message=AIMessage(answer))])

    class Floor(BaseChatModel):
        @property
        def _llm_type(self) -> str:
            return "floor"

        def _generate(self, *args: Any, **kwargs: Any) -> ChatResult:
            if text is None:
                raise NotImplementedError
            return result(text())

        if atext is not None:

            async def _agenerate(self, *args: Any, **kwargs: Any) -> ChatResult:
                assert atext is not None
                return result(await atext())

        if texts is not None:

            def _stream(self, *args: Any, **kwargs: Any) -> Any:
                assert texts is not None
                for piece in texts():
                    yield ChatGenerationChunk(message=AIMessageChunk(content=piece))

    return Floor()


@contextlib.asynccontextmanager
async def loop_lateness(tick: float = 0.001) -> AsyncIterator[list[float]]:
    """Inside the block, a task sleeps `tick` over and over and measures how late it
    wakes: every ms late is the loop busy elsewhere. Yields a one-item list that
    holds the worst lateness (seconds) once the block exits."""
    worst = [0.0]
    stop = False

    async def ticker() -> None:
        while not stop:
            start = time.perf_counter()
            await asyncio.sleep(tick)
            worst[0] = max(worst[0], time.perf_counter() - start - tick)

    task = asyncio.create_task(ticker())
    await asyncio.sleep(0.01)
    try:
        yield worst
    finally:
        stop = True
        await task


def openai_image_messages(data_url: str) -> list[dict[str, Any]]:
    """The raw openai SDK's messages for "describe this" plus one image URL."""
    return [
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "describe this"},
                {"type": "image_url", "image_url": {"url": data_url}},
            ],
        }
    ]
