"""Shared test fixtures: one emulator per session, reset for every test."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from langchain_aihubmix import ChatAiHubMixGemini
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
def make_llm(request: pytest.FixtureRequest, hub: AiHubMixEmulator) -> support.MakeLLM:
    """`support.make_llm` bound to `hub`; an indirect parameter sets the route."""
    default = getattr(request, "param", None)

    def make(
        transport: str | None = None, model: str = support.MODEL, **kw: Any
    ) -> ChatAiHubMixGemini:
        return support.make_llm(hub, transport or default, model, **kw)

    return make
