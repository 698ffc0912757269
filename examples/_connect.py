"""Shared by the examples: the local emulator, or the gateway AIHUBMIX_* point at."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

from langchain_aihubmix.testing import DEFAULT_API_KEY, AiHubMixEmulator

_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def gateway_label() -> str:
    """What AIHUBMIX_BASE_URL / AIHUBMIX_API_KEY point at, for the first line printed.

    `[emulator] ...` for an emulator (`python -m langchain_aihubmix.testing` prints
    those variables: its key, a loopback address), else `[live] ...`.
    """
    base_url = os.environ.get("AIHUBMIX_BASE_URL", "https://aihubmix.com")
    host = urlsplit(base_url).hostname or ""
    if os.environ.get("AIHUBMIX_API_KEY") == DEFAULT_API_KEY or host in _LOOPBACK:
        return f"[emulator] the AiHubMix emulator at {base_url} (AIHUBMIX_BASE_URL)"
    return f"[live] the AiHubMix gateway at {base_url}, key from AIHUBMIX_API_KEY"


STAND_INS = "answers are deterministic stand-ins, not real Gemini output"


@contextmanager
def connection(*, offline: bool = False) -> Iterator[dict[str, Any]]:
    """Connection kwargs for `ChatAiHubMixGemini`: AIHUBMIX_* when a key is set and
    not `offline`, else a local emulator's."""
    with connection_and_hub(offline=offline) as (kwargs, _):
        yield kwargs


@contextmanager
def connection_and_hub(
    *, offline: bool = False, note: str = STAND_INS
) -> Iterator[tuple[dict[str, Any], AiHubMixEmulator | None]]:
    """`connection()`, plus the emulator itself when started here (to script it or
    show what it received); `note` says what its answers are."""
    if os.environ.get("AIHUBMIX_API_KEY") and not offline:
        print(gateway_label())
        yield {}, None
        return
    with AiHubMixEmulator() as hub:
        print(f"[emulator] a local AiHubMix emulator at {hub.base_url}")
        print(f"[emulator] {note}")
        yield {"base_url": hub.base_url, "api_key": hub.api_key}, hub
