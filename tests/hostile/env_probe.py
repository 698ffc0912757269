"""Run in a fresh process by test_environment.py: every client-building call, once.

Starts an emulator, then makes each call a user can make that builds an SDK client
(both routes: invoke, stream, ainvoke, astream; embeddings, sync and async; the
balance; the catalogue) with the hub's key,
and token counting (a local estimate: it must work, and send nothing, with any
key); first, all of them with a blank key. Prints one JSON object: each call's
outcome and every request the emulator received.

`--proxied`: the model's base URL is a host that does not resolve, and HTTP_PROXY
points at the emulator (which reads absolute-form request lines), so a call
succeeds only through the user's proxy.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import Callable
from typing import Any

from langchain_aihubmix import AiHubMixEmbeddings, ChatAiHubMixGemini
from langchain_aihubmix.account import get_balance
from langchain_aihubmix.catalog import list_models
from langchain_aihubmix.testing import AiHubMixEmulator
from tests.support import ROUTES


def outcome(fn: Callable[[], Any]) -> str:
    try:
        fn()
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return "ok"


def calls(llm: ChatAiHubMixGemini) -> dict[str, Callable[[], Any]]:
    async def astream() -> None:
        async for _ in llm.astream("hi"):
            pass

    return {
        "invoke": lambda: llm.invoke("hi"),
        "stream": lambda: list(llm.stream("hi")),
        "ainvoke": lambda: asyncio.run(llm.ainvoke("hi")),
        "astream": lambda: asyncio.run(astream()),
        "tokens": lambda: llm.get_num_tokens("hi"),
    }


def others(key: str | None, base_url: str) -> dict[str, Callable[[], Any]]:
    """The calls beside chat that build a client: embeddings, the balance."""
    emb = AiHubMixEmbeddings(
        base_url=base_url, **({} if key is None else {"api_key": key})
    )
    return {
        "embed": lambda: emb.embed_query("hi"),
        "aembed": lambda: asyncio.run(emb.aembed_query("hi")),
        "balance": lambda: get_balance(key, base_url),
    }


def main() -> None:
    proxied = "--proxied" in sys.argv
    out: dict[str, Any] = {"blank": {}, "calls": {}}
    with AiHubMixEmulator() as hub:
        base_url = hub.base_url
        if proxied:
            os.environ["HTTP_PROXY"] = hub.base_url
            base_url = "http://gateway.invalid"
        for key in ("", "  ", None):  # None: from AIHUBMIX_API_KEY (set blank)
            for route in ROUTES:
                kw = {} if key is None else {"api_key": key}
                llm = ChatAiHubMixGemini(
                    model="gemini-2.5-flash", base_url=base_url, transport=route, **kw
                )
                for name, fn in calls(llm).items():
                    out["blank"][f"{key!r} {route} {name}"] = outcome(fn)
            for name, fn in others(key, base_url).items():
                out["blank"][f"{key!r} {name}"] = outcome(fn)
        out["blank requests"] = len(hub.requests)
        for route in ROUTES:
            llm = ChatAiHubMixGemini(
                model="gemini-2.5-flash",
                api_key=hub.api_key,
                base_url=base_url,
                transport=route,
                max_retries=0,
                timeout=20,
            )
            for name, fn in calls(llm).items():
                out["calls"][f"{route} {name}"] = outcome(fn)
        for name, fn in others(hub.api_key, base_url).items():
            out["calls"][name] = outcome(fn)
        if not proxied:
            out["calls"]["catalog"] = outcome(lambda: list_models(base_url, ttl=0))
        out["key"] = hub.api_key
        out["requests"] = [
            {"method": r.method, "path": r.path, "headers": r.headers}
            for r in hub.requests
        ]
    print(json.dumps(out))


if __name__ == "__main__":
    main()
