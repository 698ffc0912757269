"""Usage and cost accounting over HTTP, on both routes, against the emulator.

The expected numbers come from the wire: every call goes through a small recording
proxy in front of the emulator, and the usage the emulator reported in each
successful response body is what `get_aihubmix_callback()` must add up to.
"""

from __future__ import annotations

import asyncio
import http.client
import json
import socket
import threading
import time
import uuid
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from langchain.agents import create_agent
from langchain_core.exceptions import ModelRateLimitError
from langchain_core.messages import AIMessage, HumanMessage
from langgraph.graph import END, START, MessagesState, StateGraph

from langchain_aihubmix._output.cost import UnpricedModelWarning
from langchain_aihubmix.callbacks import get_aihubmix_callback
from langchain_aihubmix.catalog import live_prices
from langchain_aihubmix.pricing import DEFAULT_PRICES, ModelPrice
from langchain_aihubmix.testing import AiHubMixEmulator
from tests.hostile.rawserver import Request, raw_server, response
from tests.integration_tests.sample_tools import get_weather
from tests.support import ENTRIES, MODEL, ROUTES, MakeLLM, run, summed

CATALOGUE = Path(__file__).parents[1] / "fixtures/recorded/aihubmix/api-v1-models.json"
SYSTEM = "You are a meticulous assistant who answers briefly and politely. " * 3
"""Long enough (> 32 tokens) for the emulator's implicit cache to hit on repeats."""


@dataclass
class Exchange:
    """One proxied request and the emulator's answer."""

    method: str
    path: str
    status: int
    body: bytes


class WireTap:
    """A loopback reverse proxy that records every response of the emulator."""

    def __init__(self, upstream: str) -> None:
        target = urlsplit(upstream)
        self.exchanges: list[Exchange] = []
        lock = threading.Lock()
        tap = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _relay(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else None
                headers = {
                    k: v
                    for k, v in self.headers.items()
                    if k.lower() not in ("host", "content-length", "connection")
                }
                conn = http.client.HTTPConnection(
                    target.hostname or "", target.port, timeout=30
                )
                conn.request(self.command, self.path, body=body, headers=headers)
                upstream_reply = conn.getresponse()
                data = upstream_reply.read()
                conn.close()
                with lock:
                    tap.exchanges.append(
                        Exchange(self.command, self.path, upstream_reply.status, data)
                    )
                self.send_response(upstream_reply.status)
                for key, value in upstream_reply.getheaders():
                    if key.lower() not in (
                        "transfer-encoding",
                        "content-length",
                        "connection",
                    ):
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_DELETE = _relay

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(  # a 0.02 s poll: shutdown() returns at once
            target=self._server.serve_forever, args=(0.02,), daemon=True
        )
        self._thread.start()
        host, port = self._server.server_address[:2]
        self.base_url = f"http://{host!s}:{port}"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def generations(self) -> list[Exchange]:
        """Successful generateContent / chat.completions exchanges."""
        return [
            e
            for e in self.exchanges
            if e.status == 200
            and (
                urlsplit(e.path).path.endswith(
                    (":generateContent", ":streamGenerateContent", "/chat/completions")
                )
            )
        ]


@dataclass
class Reported:
    """Usage as reported on the wire, mapped per the output contract."""

    input: int = 0
    output: int = 0
    reasoning: int = 0
    cache_read: int = 0

    def __iadd__(self, other: Reported) -> Reported:
        self.input += other.input
        self.output += other.output
        self.reasoning += other.reasoning
        self.cache_read += other.cache_read
        return self

    def cost(self, price: ModelPrice) -> Decimal:
        m = Decimal(1_000_000)
        inp, out, cache = price.rates(self.input)
        return (
            (self.input - self.cache_read) * inp / m
            + self.cache_read * cache / m
            + self.output * out / m
        )


def _events(body: bytes) -> list[dict[str, Any]]:
    text = body.decode()
    if not text.lstrip().startswith("data:"):
        return [json.loads(text)]
    return [
        json.loads(line[5:])
        for line in text.splitlines()
        if line.startswith("data:") and line[5:].strip() != "[DONE]"
    ]


def reported(exchange: Exchange) -> Reported:
    """The usage in one response (the last cumulative usage of a stream)."""
    events = _events(exchange.body)
    if "/gemini/" in exchange.path:
        meta = [e["usageMetadata"] for e in events if e.get("usageMetadata")][-1]
        thoughts = meta.get("thoughtsTokenCount", 0)
        return Reported(
            input=meta.get("promptTokenCount", 0)
            + meta.get("toolUsePromptTokenCount", 0),
            output=meta.get("candidatesTokenCount", 0) + thoughts,
            reasoning=thoughts,
            cache_read=meta.get("cachedContentTokenCount", 0),
        )
    usage = [e["usage"] for e in events if e.get("usage")][-1]
    prompt, completion = usage["prompt_tokens"], usage["completion_tokens"]
    gap = max(0, usage["total_tokens"] - prompt - completion)
    details = usage.get("completion_tokens_details") or {}
    reasoning = details.get("reasoning_tokens")
    return Reported(
        input=prompt,
        output=completion + gap,
        reasoning=gap if reasoning is None else reasoning,
        cache_read=(usage.get("prompt_tokens_details") or {}).get("cached_tokens") or 0,
    )


@pytest.fixture
def tap(hub: AiHubMixEmulator) -> Iterator[WireTap]:
    proxy = WireTap(hub.base_url)
    yield proxy
    proxy.close()


@pytest.fixture(params=ROUTES)
def make_llm(
    request: pytest.FixtureRequest, make_llm: MakeLLM, tap: WireTap
) -> MakeLLM:
    """Models on both routes, talking to the gateway through the wire tap."""
    return partial(make_llm, request.param, base_url=tap.base_url)


def _prompt(question: str) -> list[Any]:
    return [("system", SYSTEM), ("human", question)]


def _assert_matches_wire(cb: Any, tap: WireTap) -> Reported:
    total = Reported()
    cost = Decimal(0)
    price = DEFAULT_PRICES.get(MODEL)
    assert price is not None
    for exchange in tap.generations():
        one = reported(exchange)
        total += one
        cost += one.cost(price)
    assert tap.generations()
    assert cb.successful_requests == len(tap.generations())
    assert cb.input_tokens == total.input
    assert cb.output_tokens == total.output
    assert cb.reasoning_tokens == total.reasoning
    assert cb.cache_read_tokens == total.cache_read
    assert cb.total_tokens == total.input + total.output
    assert cb.total_cost == cost
    assert cb.per_model[MODEL].cost == cost
    return total


def test_every_entry_point_is_counted_exactly(make_llm: MakeLLM, tap: WireTap) -> None:
    llm = make_llm(include_thoughts=True)
    with get_aihubmix_callback() as cb:
        first = llm.invoke(_prompt("What is 2+2?"))
        again = llm.invoke(_prompt("What is 2+2?"))  # same prompt: a cache hit
        streamed = list(llm.stream(_prompt("What is 2+2?")))
        llm.batch([_prompt("Name a colour."), _prompt("Name a fruit.")])

        async def run_async() -> None:
            await llm.ainvoke(_prompt("Name a city."))
            async for _ in llm.astream(_prompt("Name a city.")):
                pass

        asyncio.run(run_async())
    assert cb.successful_requests == 7
    total = _assert_matches_wire(cb, tap)
    assert total.cache_read > 0
    assert total.reasoning > 0
    assert cb.failed_requests == cb.retries == 0
    assert cb.saved_by_cache is not None and cb.saved_by_cache > 0
    # the per-call cost in response_metadata is the exact cost, as a float
    price = DEFAULT_PRICES.get(MODEL)
    assert price is not None
    generations = tap.generations()
    for message, exchange in ((first, generations[0]), (again, generations[1])):
        assert message.response_metadata["cost"]["total"] == float(
            reported(exchange).cost(price)
        )
    assert "cost" in streamed[-1].response_metadata
    assert all("cost" not in c.response_metadata for c in streamed[:-1])
    merged = streamed[0]
    for chunk in streamed[1:]:
        merged += chunk
    assert merged.response_metadata["cost"]["total"] == float(
        reported(generations[2]).cost(price)
    )
    summary = str(cb)
    assert "Requests: 7 ok, 0 failed, 0 retries" in summary
    assert MODEL in summary and "USD" in summary and "cached" in summary


def test_agent_and_graph_calls_are_counted(make_llm: MakeLLM, tap: WireTap) -> None:
    llm = make_llm()
    agent = create_agent(llm, tools=[get_weather], system_prompt=SYSTEM)
    graph = StateGraph(MessagesState)

    def chat(state: MessagesState) -> dict[str, Any]:
        return {"messages": [llm.invoke(state["messages"])]}

    graph.add_node("chat", chat)
    graph.add_edge(START, "chat")
    graph.add_edge("chat", END)
    app = graph.compile()
    with get_aihubmix_callback() as cb:
        result = agent.invoke({"messages": [HumanMessage("Weather in Paris?")]})
        app.invoke({"messages": [HumanMessage("Say hi.")]})
    assert any(m.type == "tool" for m in result["messages"])
    assert cb.successful_requests == 3  # agent: call tool, then answer; graph: 1
    _assert_matches_wire(cb, tap)
    assert cb.cache_read_tokens > 0  # the agent's second step reused its prefix


def test_retries_and_failures_are_counted(
    make_llm: MakeLLM, hub: AiHubMixEmulator, tap: WireTap
) -> None:
    llm = make_llm(max_retries=2)
    with get_aihubmix_callback() as cb:
        hub.inject_fault("429", retry_delay=0.01)
        llm.invoke(_prompt("Hello"))
        hub.inject_fault("429", retry_delay=0.01)
        list(llm.stream(_prompt("Hello")))
        hub.inject_fault("429", retry_delay=0.01)
        with pytest.raises(ModelRateLimitError):
            llm.invoke(_prompt("Hello"), max_retries=0)
    assert cb.retries == 2
    assert cb.failed_requests == 1
    assert cb.per_model[MODEL].retries == 2
    assert cb.per_model[MODEL].failed_requests == 1
    assert [e.status for e in tap.exchanges] == [429, 200, 429, 200, 429]
    _assert_matches_wire(cb, tap)
    assert "2 ok, 1 failed, 2 retries" in str(cb)


def test_user_prices_and_unknown_prices(
    make_llm: MakeLLM, tap: WireTap, hub: AiHubMixEmulator
) -> None:
    prices = DEFAULT_PRICES.with_overrides(
        {MODEL: {"input": "1", "output": "10", "cache_read": "0.5"}}
    )
    msg = make_llm(prices=prices).invoke(_prompt("Hello"))
    one = reported(tap.generations()[-1])
    assert one.cache_read == 0
    expected = (Decimal(one.input) * 1 + Decimal(one.output) * 10) / 1_000_000
    assert msg.response_metadata["cost"]["total"] == float(expected)
    assert msg.response_metadata["cost"]["price_source"] == "user"
    # unknown model price: no cost at all (never $0), in invoke and stream, and
    # one warning saying how to get prices
    unknown = f"gemini-3.9-flash-{uuid.uuid4().hex[:8]}"  # not warned about yet
    hub.add_model(unknown)
    unpriced = make_llm(model=unknown)
    with pytest.warns(UnpricedModelWarning, match="live_prices"):
        assert "cost" not in unpriced.invoke("Hello").response_metadata
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnpricedModelWarning)  # only once
        chunks = list(unpriced.stream("Hello"))
    assert all("cost" not in c.response_metadata for c in chunks)
    assert sum(c.usage_metadata["output_tokens"] for c in chunks if c.usage_metadata)
    # the price table is not serialised
    assert "prices" not in make_llm(prices=prices).to_json()["kwargs"]  # type: ignore[index]


def test_the_handler_counts_the_replies_own_cost(make_llm: MakeLLM) -> None:
    """One source of cost: a model's own prices reach the handler's totals."""
    prices = DEFAULT_PRICES.with_overrides({MODEL: {"input": "7", "output": "70"}})
    llm = make_llm(prices=prices)

    async def run_async() -> list[Any]:
        chunks = [c async for c in llm.astream(_prompt("Name a city."))]
        return [await llm.ainvoke(_prompt("Name a city.")), summed(chunks)]

    with get_aihubmix_callback() as cb:
        replies = [llm.invoke(_prompt("Hi")), summed(list(llm.stream(_prompt("Hi"))))]
        replies += asyncio.run(run_async())
    costs = [Decimal(str(r.response_metadata["cost"]["total"])) for r in replies]
    assert all(r.response_metadata["cost"]["price_source"] == "user" for r in replies)
    assert cb.total_cost == cb.per_model[MODEL].cost == sum(costs)
    saved = [r.response_metadata["cost"]["saved_by_cache"] for r in replies]
    assert cb.saved_by_cache == sum(Decimal(str(s)) for s in saved)


def test_cost_metadata_on_every_candidate_of_invoke(make_llm: MakeLLM) -> None:
    result = make_llm().generate([[HumanMessage("Hello")]])
    message = result.generations[0][0].message
    assert isinstance(message, AIMessage)
    assert message.response_metadata["cost"]["currency"] == "USD"
    assert message.response_metadata["cost"]["total"] > 0


def test_live_prices_are_read_off_the_event_loop(make_llm: MakeLLM) -> None:
    """A live table's catalogue read never stalls the loop (here it takes 0.5 s)."""
    payload = json.loads(CATALOGUE.read_text())
    payload["data"][1]["pricing"]["input"] = 0.4  # gemini-2.5-flash, on the gateway

    def slow(request: Request, conn: socket.socket) -> None:
        time.sleep(0.5)
        conn.sendall(response(200, json.dumps(payload)))

    async def calls(base_url: str) -> tuple[list[AIMessage], float]:
        gaps: list[float] = []

        async def ticker() -> None:
            while True:
                before = time.monotonic()
                await asyncio.sleep(0.01)
                gaps.append(time.monotonic() - before)

        await make_llm().ainvoke("Hello")  # the SDK imported before measuring
        task = asyncio.create_task(ticker())
        replies = [await fresh(base_url).ainvoke("Hello")]
        replies.append(summed([c async for c in fresh(base_url).astream("Hello")]))
        task.cancel()
        return replies, max(gaps)

    def fresh(base_url: str) -> Any:  # ttl=0: each new table reads the catalogue
        return make_llm(prices=live_prices(base_url, ttl=0))

    with raw_server(slow) as catalogue:
        replies, longest = asyncio.run(calls(catalogue.base_url))
        replies.append(fresh(catalogue.base_url).invoke("Hello"))
        replies.append(summed(list(fresh(catalogue.base_url).stream("Hello"))))
    assert len(catalogue.requests) == 4
    assert longest < 0.3  # the loop ran while the catalogue answered
    for reply in replies:
        cost, usage = reply.response_metadata["cost"], reply.usage_metadata
        assert cost["price_source"] == "catalog"
        assert usage is not None and usage["input_tokens"] * 0.4e-6 < cost["total"]


@pytest.mark.parametrize("entry", ENTRIES)
def test_usage_details_are_there_when_zero(make_llm: MakeLLM, entry: str) -> None:
    # a first call (nothing cached) without thinking: the details say 0, as the
    # peers' do, instead of being left out (a KeyError for the README's path)
    usage = run(make_llm(thinking_budget=0), entry, "first").usage_metadata
    assert usage is not None
    assert usage["input_token_details"]["cache_read"] == 0
    assert usage["output_token_details"]["reasoning"] == 0
