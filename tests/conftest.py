"""Shared test fixtures: one emulator per session, reset for every test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from langchain_aihubmix.testing import AiHubMixEmulator, OpenAIQuirks


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
