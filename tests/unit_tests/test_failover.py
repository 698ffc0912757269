"""Base URLs in order: how they are read, tried, and which failures move on."""

from __future__ import annotations

from typing import Any

import httpx2
import pytest

from langchain_aihubmix._transport.failover import (
    FAILOVER_CONNECT_TIMEOUT,
    Failover,
    gateway_roots,
)
from langchain_aihubmix.errors import InvalidInputError

A, B, C = "https://aihubmix.com", "https://api.inferera.com", "http://127.0.0.1:9"


def test_base_urls_are_read_in_order_once_each(monkeypatch: pytest.MonkeyPatch) -> None:
    assert gateway_roots(f"{A}/v1, {B}/gemini/v1beta/,{A}") == (A, B)
    assert gateway_roots([f"{B}/", A]) == (B, A)
    monkeypatch.setenv("AIHUBMIX_BASE_URL", f"{B},{C}")
    assert gateway_roots(None) == (B, C)
    monkeypatch.delenv("AIHUBMIX_BASE_URL")
    assert gateway_roots(None) == (A,)
    with pytest.raises(InvalidInputError, match="no gateway root"):
        gateway_roots(" , ")


def test_connect_failures_move_on_others_do_not() -> None:
    failover = Failover((A, B, C))
    seen: list[tuple[str, str, Any]] = []

    def send(fail: dict[str, Exception]) -> Any:
        def one(request: httpx2.Request) -> str:
            host = request.url.host
            seen.append((host, request.headers["host"], request.extensions["timeout"]))
            if host in fail:
                raise fail[host]
            return host

        return one

    request = httpx2.Request("POST", f"{A}/v1/chat/completions", extensions={})
    request.extensions["timeout"] = {"connect": 60.0, "read": 60.0}
    refused = httpx2.ConnectError("refused")
    out = failover.send(request, send({"aihubmix.com": refused}))
    assert out == "api.inferera.com"
    assert [(h, hh) for h, hh, _ in seen] == [
        ("aihubmix.com", "aihubmix.com"),
        ("api.inferera.com", "api.inferera.com"),
    ]
    # connecting is capped while another root remains, never beyond the caller's
    assert seen[0][2] == {"connect": FAILOVER_CONNECT_TIMEOUT, "read": 60.0}
    # sticky: the next request starts at the root that answered, B, then C, then A
    seen.clear()
    request = httpx2.Request("GET", f"{A}/api/v1/models", extensions={})
    with pytest.raises(httpx2.ReadError):  # it left: never sent to C
        failover.send(request, send({"api.inferera.com": httpx2.ReadError("cut")}))
    assert [h for h, _, _ in seen] == ["api.inferera.com"]
    # the last root gets the caller's own timeouts; a request elsewhere is untouched
    seen.clear()
    request = httpx2.Request("GET", f"{A}/x", extensions={"timeout": {"connect": 3}})
    every = {h: httpx2.ConnectTimeout("t") for h in ("api.inferera.com", "127.0.0.1")}
    assert failover.send(request, send(every)) == "aihubmix.com"
    assert seen[-1][2] == {"connect": 3}
    other = httpx2.Request("GET", "https://example.com/x")
    assert failover.send(other, lambda r: r.url.host) == "example.com"


BAD_ROOTS = [
    "aihubmix.com",
    "ftp://aihubmix.com",
    "https://",
    "http://h:port",
    "localhost:8080",
    [A, "b.com"],
    f"{A}/gemini?key=sk-in-the-url-0123456789",
]


@pytest.mark.parametrize("entry", ["chat", "embeddings", "balance", "catalogue"])
def test_a_base_url_that_is_no_root_is_refused_before_sending(entry: str) -> None:
    """Every helper that takes a base URL refuses the same forms, typed (not the
    HTTP library's `UnsupportedProtocol` / `InvalidURL` at the first request)."""
    from langchain_aihubmix import AiHubMixEmbeddings, ChatAiHubMixGemini, account
    from langchain_aihubmix.catalog import list_models

    key = "sk-test-0123456789"
    use = {
        "chat": lambda url: ChatAiHubMixGemini(
            model="gemini-2.5-flash", api_key=key, base_url=url
        ),
        "embeddings": lambda url: AiHubMixEmbeddings(
            api_key=key, base_url=url
        ).embed_query("a"),
        "balance": lambda url: account.get_balance(key, url),
        "catalogue": lambda url: list_models(url, ttl=0),
    }[entry]
    for url in BAD_ROOTS:
        with pytest.raises(InvalidInputError, match="must start with https://") as info:
            use(url)
        assert "sk-" not in str(info.value)  # Google's `?key=` form is not echoed
