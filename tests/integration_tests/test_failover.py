"""Several base URLs: failover only when connecting fails, never after a request left.

The first base URL is unresolvable (`.invalid`) or a closed port; the emulator is
the second. A first base URL that accepts the connection and then fails (a 5xx, a
reset after the request) is never left for the second: the second gets nothing.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from langchain_core.exceptions import ModelConnectionError, ModelError

from langchain_aihubmix import (
    AiHubMixEmbeddings,
    ChatAiHubMixGemini,
    get_aihubmix_callback,
)
from langchain_aihubmix.account import aget_balance, get_balance
from langchain_aihubmix.catalog import list_models, live_prices
from langchain_aihubmix.testing import AiHubMixEmulator
from tests.hostile.rawserver import KEY, Request, raw_server, response
from tests.support import ENTRIES, ROUTES, arun, closed_port, run

DNS_DEAD = "http://aihubmix.invalid"

DEAD: dict[str, Callable[[], str]] = {"dns": lambda: DNS_DEAD, "refused": closed_port}


def chat(base_url: Any, route: str, **kw: Any) -> ChatAiHubMixGemini:
    kw.setdefault("api_key", KEY)
    return ChatAiHubMixGemini(
        model="gemini-2.5-flash", base_url=base_url, transport=route, **kw
    )


@pytest.mark.parametrize("dead", [*DEAD, "tls"])  # tls: a TLS handshake with plain HTTP
@pytest.mark.parametrize("entry", ENTRIES)
@pytest.mark.parametrize("route", ROUTES)
def test_a_base_url_that_cannot_be_reached_is_skipped(
    hub: AiHubMixEmulator, route: str, entry: str, dead: str
) -> None:
    first = DEAD[dead]() if dead in DEAD else hub.base_url.replace("http:", "https:")
    llm = chat([first, hub.base_url], route, api_key=hub.api_key, max_retries=0)
    assert run(llm, entry, "hi").text == "Echo: hi"
    assert len(hub.requests) == 1


def _count_lookups(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The host names resolved from now on (DNS_DEAD's is asked, never answered)."""
    asked: list[str] = []
    resolve = socket.getaddrinfo

    def counting(host: Any, *args: Any, **kw: Any) -> Any:
        asked.append(str(host))
        return resolve(host, *args, **kw)

    monkeypatch.setattr(socket, "getaddrinfo", counting)
    return asked


async def test_the_base_url_that_answered_is_kept(
    hub: AiHubMixEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Sticky: the dead first base URL is asked once, not on every call."""
    asked = _count_lookups(monkeypatch)
    for route in ROUTES:
        llm = chat([DNS_DEAD, hub.base_url], route, api_key=hub.api_key)
        for entry in ("invoke", "ainvoke", "stream", "astream"):
            assert (await arun(llm, entry, "hi")).text == "Echo: hi"
        assert asked.count("aihubmix.invalid") == 1
        asked.clear()


@pytest.mark.parametrize("failure", ["500", "reset"])
@pytest.mark.parametrize("entry", ["invoke", "astream"])
@pytest.mark.parametrize("route", ROUTES)
def test_a_base_url_that_took_the_request_is_never_left(
    hub: AiHubMixEmulator, route: str, entry: str, failure: str
) -> None:
    def handler(request: Request, conn: socket.socket) -> None:
        if failure == "500":
            body = '{"error": {"message": "upstream failed", "type": "x"}}'
            conn.sendall(response(500, body, headers={"Connection": "close"}))
        conn.shutdown(socket.SHUT_RDWR)  # "reset": the request was read, no reply

    with raw_server(handler) as first:
        llm = chat([first.base_url, hub.base_url], route, max_retries=1)
        with pytest.raises(ModelError):
            run(llm, entry, "hi")
    # a gateway error is retried on the same base URL; a reset is not retried
    assert len(first.requests) == (2 if failure == "500" else 1)
    assert hub.requests == []


def test_comma_separated_environment_variable(
    hub: AiHubMixEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AIHUBMIX_BASE_URL", f"{DNS_DEAD}/v1, {hub.base_url}/gemini/")
    llm = ChatAiHubMixGemini(model="gemini-2.5-flash", api_key=hub.api_key)
    assert llm.base_url == [DNS_DEAD, hub.base_url]
    assert llm.invoke("hi").text == "Echo: hi"
    emb = AiHubMixEmbeddings(api_key=hub.api_key)
    assert len(emb.embed_query("hi")) > 0
    assert [r.path for r in hub.requests] == [
        "/gemini/v1beta/models/gemini-2.5-flash:generateContent",
        "/v1/embeddings",
    ]


async def test_the_catalogue_and_live_prices_follow_the_base_url(
    hub: AiHubMixEmulator,
) -> None:
    """`live_prices()` without a base URL reads the model's own gateway, where a
    sync call and an async one (in a worker thread) refresh it."""
    roots = [closed_port(), hub.base_url]
    assert any(m.id == "gemini-2.5-flash" for m in list_models(roots, ttl=0))
    for entry in ("invoke", "ainvoke"):
        llm = chat(roots, "native", api_key=hub.api_key, prices=live_prices(ttl=0))
        assert (await arun(llm, entry, "hi")).response_metadata["cost"] is not None
    catalogue = [r for r in hub.requests if r.path == "/api/v1/models"]
    assert len(catalogue) == 3  # list_models, and each model's live price table


@pytest.mark.usefixtures("no_backoff")
@pytest.mark.parametrize("entry", ["invoke", "astream"])
def test_every_base_url_dead_raises_a_connection_error_after_retries(
    monkeypatch: pytest.MonkeyPatch, entry: str
) -> None:
    """Connect failures were never sent: retried (each attempt tries every base
    URL), then the typed connection error."""
    llm = chat([DNS_DEAD, closed_port()], "openai", max_retries=1)
    asked = _count_lookups(monkeypatch)
    with get_aihubmix_callback() as cb, pytest.raises(ModelConnectionError):
        run(llm, entry, "hi")
    assert cb.retries == 1
    if entry == "invoke":  # (the async resolver is not counted here)
        assert asked.count("aihubmix.invalid") == 2  # each attempt tried it again


async def test_embeddings_and_the_balance_fail_over_too(hub: AiHubMixEmulator) -> None:
    roots = [closed_port(), hub.base_url.replace("http:", "https:"), hub.base_url]
    emb = AiHubMixEmbeddings(api_key=hub.api_key, base_url=roots, max_retries=0)
    assert len(emb.embed_query("a")) == len(await emb.aembed_query("b")) > 0
    balance = get_balance(hub.api_key, roots)
    assert balance == await aget_balance(hub.api_key, roots)
    assert len(hub.requests) == 2 + 2 * 4  # each sent once, to the emulator only


def test_the_choice_is_kept_across_event_loops_and_threads(
    hub: AiHubMixEmulator,
) -> None:
    """One model's clients share the choice: a fresh event loop (each `asyncio.run`)
    or another thread starts at the base URL that answered, for both routes."""
    accepted: list[object] = []
    with socket.create_server(("127.0.0.1", 0)) as tls_dead:  # TLS fails here

        def refuse() -> None:
            while True:
                try:
                    conn, _ = tls_dead.accept()
                except OSError:
                    return
                accepted.append(conn)
                conn.close()

        threading.Thread(target=refuse, daemon=True).start()
        dead = f"https://127.0.0.1:{tls_dead.getsockname()[1]}"
        for route in ROUTES:
            llm = chat([dead, hub.base_url], route, api_key=hub.api_key)
            assert run(llm, "ainvoke", "hi").text == "Echo: hi"  # asyncio.run: loop 1
            assert run(llm, "astream", "hi").text == "Echo: hi"  # loop 2
            with ThreadPoolExecutor(1) as other:  # another thread, its result seen
                streamed = other.submit(run, llm, "stream", "hi").result()
            assert streamed.text == "Echo: hi"
            assert run(llm, "invoke", "hi").text == "Echo: hi"
        assert len(accepted) == 2  # once per model (one per route)
        tls_dead.close()
    assert len(hub.requests) == 8
