"""Reliability suite fixtures: one emulator per session, reset per test."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from langchain_aihubmix import ChatAiHubMixGemini
from langchain_aihubmix.testing import AiHubMixEmulator, OpenAIQuirks

MODEL = "gemini-2.5-flash"
ROUTES = ("native", "openai")


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


def make_llm(hub: AiHubMixEmulator, route: str, **kw: Any) -> ChatAiHubMixGemini:
    return ChatAiHubMixGemini(
        model=kw.pop("model", MODEL),
        base_url=hub.base_url,
        api_key=hub.api_key,
        transport=route,  # type: ignore[arg-type]
        **kw,
    )
