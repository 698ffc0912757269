"""Shared by the examples: the local emulator, or the live gateway with a key."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from langchain_aihubmix.testing import AiHubMixEmulator


@contextmanager
def connection() -> Iterator[dict[str, Any]]:
    """Connection kwargs for `ChatAiHubMixGemini`: live when AIHUBMIX_API_KEY is set."""
    with connection_and_hub() as (kwargs, _):
        yield kwargs


@contextmanager
def connection_and_hub() -> Iterator[tuple[dict[str, Any], AiHubMixEmulator | None]]:
    """`connection()`, plus the emulator itself when offline (to show what it got)."""
    if os.environ.get("AIHUBMIX_API_KEY"):
        print("[live] using the AiHubMix gateway with AIHUBMIX_API_KEY")
        yield {}, None
        return
    with AiHubMixEmulator() as hub:
        print(f"[offline] local AiHubMix emulator at {hub.base_url}")
        print("[offline] answers are deterministic stand-ins, not real Gemini output")
        yield {"base_url": hub.base_url, "api_key": hub.api_key}, hub
