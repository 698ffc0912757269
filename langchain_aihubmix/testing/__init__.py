"""Offline AiHubMix gateway emulator (native Gemini + OpenAI routes) for tests."""

from langchain_aihubmix.testing.billing import Billing
from langchain_aihubmix.testing.brain import ReplyKind
from langchain_aihubmix.testing.emulator import DEFAULT_API_KEY, AiHubMixEmulator
from langchain_aihubmix.testing.faults import FaultKind
from langchain_aihubmix.testing.server import RecordedRequest
from langchain_aihubmix.testing.state import OpenAIQuirks

__all__ = [
    "DEFAULT_API_KEY",
    "AiHubMixEmulator",
    "Billing",
    "FaultKind",
    "OpenAIQuirks",
    "RecordedRequest",
    "ReplyKind",
]
