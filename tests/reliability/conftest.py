"""Reliability suite helpers (the `hub` fixture comes from tests/conftest.py)."""

from __future__ import annotations

from typing import Any

from langchain_aihubmix import ChatAiHubMixGemini
from langchain_aihubmix.testing import AiHubMixEmulator

MODEL = "gemini-2.5-flash"
ROUTES = ("native", "openai")


def make_llm(hub: AiHubMixEmulator, route: str, **kw: Any) -> ChatAiHubMixGemini:
    return ChatAiHubMixGemini(
        model=kw.pop("model", MODEL),
        base_url=hub.base_url,
        api_key=hub.api_key,
        transport=route,  # type: ignore[arg-type]
        **kw,
    )


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Report what the reliability suite exercised (calls, faults, fuzzed inputs)."""
    from tests.reliability.test_faults import STATS
    from tests.reliability.test_fuzz import COUNTS

    if STATS or COUNTS:
        terminalreporter.write_line(f"reliability: fault injection {dict(STATS)}")
        terminalreporter.write_line(f"reliability: fuzzing {dict(COUNTS)}")
