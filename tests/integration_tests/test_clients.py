"""The HTTP clients behind a model: one TLS context for all of them, the user's
connection arguments honoured, and no client built on the event loop's time."""

from __future__ import annotations

import asyncio
import ssl
from typing import Any

import pytest

from langchain_aihubmix import ChatAiHubMixGemini
from langchain_aihubmix._transport.route import tls_client_args
from langchain_aihubmix.testing import AiHubMixEmulator
from tests.support import Transport, make_llm


@pytest.mark.parametrize("route", ["native", "openai"])
def test_one_ca_bundle_read_per_model(
    hub: AiHubMixEmulator, route: Transport, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reading the CA bundle takes tens of ms; a model reads it once, however many
    event loops and call kinds it serves (google-genai alone would read it for
    every `genai.Client`, one per loop)."""
    reads = []
    original = ssl.SSLContext.load_verify_locations

    def counting(self: ssl.SSLContext, *args: Any, **kwargs: Any) -> None:
        reads.append(args or kwargs)
        original(self, *args, **kwargs)

    monkeypatch.setattr(ssl.SSLContext, "load_verify_locations", counting)
    llm = make_llm(hub, route)
    assert llm.invoke("hi").text
    assert "".join(c.text for c in llm.stream("hi"))
    for _ in range(3):  # three event loops, three async clients
        assert asyncio.run(llm.ainvoke("hi")).text

    async def astream() -> str:
        return "".join([c.text async for c in llm.astream("hi")])

    assert asyncio.run(astream())
    assert len(reads) == 1


@pytest.mark.parametrize("route", ["native", "openai"])
def test_a_client_certificate_is_read_once_per_model(
    hub: AiHubMixEmulator, route: Transport, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`client_args={"cert": ...}` goes into the model's one TLS context, read
    once, not again by each of the route's HTTP clients."""
    loads: list[Any] = []
    read = lambda _, *files: loads.append(files)  # noqa: E731
    monkeypatch.setattr(ssl.SSLContext, "load_cert_chain", read)
    llm = make_llm(hub, route, client_args={"cert": ("client.pem", "client.key")})
    with pytest.warns(DeprecationWarning, match="cert"):  # httpx2's, about `cert`
        assert llm.invoke("hi").text
        assert asyncio.run(llm.ainvoke("hi")).text
    assert loads == [("client.pem", "client.key")]


def test_the_context_follows_the_users_verify_setting() -> None:
    assert tls_client_args({})["verify"].verify_mode == ssl.CERT_REQUIRED
    relaxed = tls_client_args({"verify": False})["verify"]
    assert relaxed.verify_mode == ssl.CERT_NONE
    assert not relaxed.check_hostname
    own = ssl.create_default_context()
    assert tls_client_args({"verify": own})["verify"] is own


@pytest.mark.parametrize("route", ["native", "openai"])
def test_users_verify_false_reaches_every_client(
    hub: AiHubMixEmulator, route: Transport
) -> None:
    """`client_args={"verify": False}` governs the sync and the async clients (the
    openai route's sync client has its own transport, which must get it too)."""
    llm = make_llm(hub, route, client_args={"verify": False})
    llm.invoke("hi")
    asyncio.run(llm.ainvoke("hi"))
    pools = _ssl_contexts(llm)
    assert len(pools) >= 2, "the sync and the async clients' pools"
    assert all(ctx.verify_mode == ssl.CERT_NONE for ctx in pools)


def _ssl_contexts(llm: ChatAiHubMixGemini) -> list[ssl.SSLContext]:
    """The TLS context of every connection pool the model's clients hold (one per
    sync client, one per event loop's async client)."""
    found: list[ssl.SSLContext] = []
    seen: set[int] = set()

    def walk(obj: Any, depth: int) -> None:
        if id(obj) in seen or depth > 12:
            return
        seen.add(id(obj))
        if type(obj).__name__ in ("ConnectionPool", "AsyncConnectionPool"):
            found.append(obj._ssl_context)
            return
        values = (
            obj.values()
            if isinstance(obj, dict)
            else (getattr(obj, "__dict__", {}).values())
        )
        for value in values:
            if not isinstance(value, (str, bytes, int, float, type(None))):
                walk(value, depth + 1)

    walk(llm._get_route(), 0)
    return found
