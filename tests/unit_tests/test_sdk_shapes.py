"""Where the package reaches past an SDK's public surface, these fail when it moves.

Each test names the reach-in it guards: `_transport/deadline.install` (httpx2's
connection pools), `_native/sdk_shortcuts` (how google-genai reads a request, and
its repair of the reply converter that drops `finishMessage`), the google-genai
logger quieted while a client is built. The openai shortcut has its own
guard: tests/unit_tests/test_openai_shortcuts.py.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx2
import pytest
from google.genai import _api_client, types

from langchain_aihubmix._native import client as native_client
from langchain_aihubmix._native import sdk_shortcuts
from langchain_aihubmix._native.sdk_shortcuts import SdkConfig, SdkPart, sdk_contents
from langchain_aihubmix._transport import deadline
from langchain_aihubmix._transport.route import ClientSettings

REPLY = {"candidates": [{"content": {"role": "model", "parts": [{"text": "ok"}]}}]}


def _sdk(sent: list[httpx2.Request] | None = None, reply: Any = REPLY) -> Any:
    """A google-genai client built as the route builds it, over a mock transport."""

    def answer(request: httpx2.Request) -> httpx2.Response:
        if sent is not None:
            sent.append(request)
        return httpx2.Response(200, json=reply)

    settings = ClientSettings(api_key="k", base_urls=("http://gw.test",))
    http = httpx2.Client(transport=httpx2.MockTransport(answer))
    return native_client.new_client(settings, httpx_client=http)


@pytest.mark.parametrize("proxy", [None, "http://proxy.test:3128"])
def test_deadline_install_reaches_every_pool(proxy: str | None) -> None:
    client = deadline.install(httpx2.Client(proxy=proxy))
    pools = [client._transport, *client._mounts.values()]
    backends = [t._pool._network_backend for t in pools if t is not None]  # type: ignore[attr-defined]
    assert backends and all(isinstance(b, deadline._Backend) for b in backends)


def test_deadline_install_leaves_a_users_transport_alone() -> None:
    mock = httpx2.MockTransport(lambda request: httpx2.Response(204))
    assert deadline.install(httpx2.Client(transport=mock))._transport is mock


def test_google_genai_probes_parts_and_config_with_in(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`SdkPart` / `SdkConfig` pay only while google-genai asks `key in obj`."""
    probes: list[str] = []
    for cls in (SdkPart, SdkConfig):
        contains: Callable[[Any, object], bool] = cls.__contains__

        def counted(self: Any, key: object, contains: Any = contains) -> bool:
            probes.append(type(self).__name__)
            return bool(contains(self, key))

        monkeypatch.setattr(cls, "__contains__", counted)
    sent: list[httpx2.Request] = []
    content = types.Content(role="user", parts=[SdkPart(text="hi")])
    _sdk(sent).models.generate_content(
        model="m", contents=content, config=SdkConfig(temperature=0.5)
    )
    assert {"SdkPart", "SdkConfig"} <= set(probes)
    assert b'"temperature":0.5' in sent[0].content.replace(b" ", b"")


def _fastest(call: Callable[[], Any], runs: int = 7) -> float:
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        call()
        best = min(best, time.perf_counter() - start)
    return best


def test_a_history_of_content_dicts_is_still_cheaper_for_google_genai() -> None:
    """`sdk_contents` pays only while google-genai validates a list of `Content`s
    longer than one of `ContentDict`s (measured 2.4-5x; the bar here is 1.3x)."""
    history = [
        types.Content(
            role="user" if i % 2 == 0 else "model",
            parts=[SdkPart(text=f"turn {i} " + "word " * 50) for _ in range(2)],
        )
        for i in range(11)
    ]
    sdk = _sdk()

    def send(contents: Any) -> Callable[[], Any]:
        return lambda: sdk.models.generate_content(model="m", contents=contents)

    plain, shaped = send(history), send(sdk_contents(history))
    plain(), shaped()
    assert _fastest(shaped) * 1.3 < _fastest(plain)


def test_the_quieted_logger_is_google_genais() -> None:
    assert _api_client.logger.name == "google_genai._api_client"


def test_google_genai_replies_keep_their_finish_message() -> None:
    """`sdk_shortcuts._keep_finish_message` wraps the SDK's candidate converter; if
    google-genai renames it (or starts keeping the field), this says so."""
    from google.genai import models

    assert models._Candidate_from_mldev.__module__ == sdk_shortcuts.__name__
    reply = {
        "candidates": [
            {"finishReason": "MALFORMED_FUNCTION_CALL", "finishMessage": "bad call"}
        ]
    }
    parsed = _sdk(reply=reply).models.generate_content(model="m", contents="hi")
    assert parsed.candidates[0].finish_message == "bad call"
