"""What the Gemini models behind AiHubMix can do: one table, read once per model id.

Keyed by model family (the first matching prefix of the id without AiHubMix's
`-nothink` / `-search` suffixes), with token limits from the bundled snapshot
(`langchain_aihubmix.snapshot`). An unknown id gets its family's rules (any
`gemini-3*` id: Gemini 3's; an `-image` id: image output), else a permissive
default, so a new id works without a release. `_options.model_rules` applies them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any, Literal

from langchain_core.language_models.model_profile import (
    ModelProfile as LangChainProfile,
)

from langchain_aihubmix.snapshot import snapshot_model

Transport = Literal["native", "openai"]

_ROUTE_SUFFIXES = ("-nothink", "-search")


@dataclass(frozen=True)
class ModelProfile:
    """Capabilities, limits and request rules of one Gemini model family.

    Attributes:
        family: The id prefix the profile applies to (or the exact id).
        max_input_tokens: Input token limit.
        max_output_tokens: Output token limit (`max_output_tokens` above it is a
            400 from Gemini).
        can_disable_thinking: Thinking can be turned off (budget 0 / `none`).
        thinking_levels: The `reasoning_effort` levels the model accepts.
        requires_thought_signatures: Function calls replayed without their
            signature are rejected (Gemini 3+).
        image_output: The model generates images (native route only).
        speech_output: A text-to-speech model: answers with audio only (native).
        input_modalities: Accepted input kinds.
        sampling_ignored: temperature / top_p / top_k are ignored by the model and
            are not sent (a one-time warning says so).
        rejects_prefill: A conversation ending in a model turn is rejected.
        accepts_thinking_budget: `thinking_budget` may be sent.
        retired: Google retired the model (it may no longer be served).
    """

    family: str
    max_input_tokens: int = 1_048_576
    max_output_tokens: int = 65_536
    can_disable_thinking: bool = True
    thinking_levels: frozenset[str] = field(
        default_factory=lambda: frozenset({"low", "medium", "high"})
    )
    requires_thought_signatures: bool = False
    image_output: bool = False
    speech_output: bool = False
    input_modalities: frozenset[str] = field(
        default_factory=lambda: frozenset({"text", "image", "audio", "video", "pdf"})
    )
    sampling_ignored: bool = False
    rejects_prefill: bool = False
    accepts_thinking_budget: bool = True
    retired: bool = False


_LEVELS_3 = frozenset({"low", "high"})
_LEVELS_3_FLASH = frozenset({"minimal", "low", "medium", "high"})
_LEVELS_NO_MINIMAL = frozenset({"low", "medium", "high"})
_NONE: frozenset[str] = frozenset()

# Rules of the newest flash generations:
# - gemini-3.7-flash (and 3.8-flash, same family): `thinkingLevel: MINIMAL` is
#   rejected (400, recorded in tests/fixtures/recorded/vercel-ai/
#   google-gemini-3.7-flash-thinking-levels.json); thinkingBudget and
#   temperature / top_p / top_k should not be sent; a prefilled final model turn
#   must be removed (AIhubmix/aihubmix-model-schema
#   tests/fixtures/canon/gemini-3.7-flash.json).
# - gemini-3.6-flash, gemini-3.5-flash-lite: sampling parameters ignored, a
#   terminal model turn rejected (langchain-ai/langchain-google PR #1897).
# - image models (Nano Banana family): image output on the native route
#   (AIhubmix/aihubmix packages/mcp/src/aihubmix.ts); blank images reported on
#   /v1 (rikkahub issue #1228).


def _gemini3(family: str, levels: frozenset[str], **rules: Any) -> ModelProfile:
    """A Gemini 3+ family: thinking cannot be turned off, signatures are required."""
    return ModelProfile(
        family,
        can_disable_thinking=False,
        thinking_levels=levels,
        requires_thought_signatures=True,
        **rules,
    )


_NEW_FLASH: dict[str, Any] = {"sampling_ignored": True, "rejects_prefill": True}
"""The newest flash generations ignore sampling and reject a prefilled turn."""
_LEVELS_ONLY = {**_NEW_FLASH, "accepts_thinking_budget": False}
_IMAGE: dict[str, Any] = {"max_output_tokens": 32_768, "image_output": True}

_PROFILES: tuple[ModelProfile, ...] = (
    ModelProfile("gemini-2.0-flash", max_output_tokens=8_192, thinking_levels=_NONE),
    ModelProfile("gemini-2.5-flash-image", thinking_levels=_NONE, **_IMAGE),
    ModelProfile("gemini-2.5-flash-lite"),
    ModelProfile("gemini-2.5-flash"),
    ModelProfile("gemini-2.5-pro", can_disable_thinking=False),
    _gemini3("gemini-3.8-flash", _LEVELS_NO_MINIMAL, **_LEVELS_ONLY),
    _gemini3("gemini-3.7-flash", _LEVELS_NO_MINIMAL, **_LEVELS_ONLY),
    _gemini3("gemini-3.6-flash", _LEVELS_3_FLASH, **_NEW_FLASH),
    _gemini3("gemini-3.5-flash-lite", _LEVELS_3_FLASH, **_NEW_FLASH),
    _gemini3("gemini-3.1-flash-image", _LEVELS_3_FLASH, **_IMAGE),
    _gemini3("gemini-3-pro-image", _LEVELS_3, **_IMAGE),
    _gemini3("gemini-3-pro", _LEVELS_3),
    _gemini3("gemini-3.1-pro", _LEVELS_NO_MINIMAL),
    _gemini3("gemini-3", _LEVELS_3_FLASH),
)

_DEFAULT = ModelProfile("unknown", thinking_levels=_LEVELS_3_FLASH)
_TTS = ModelProfile("-tts", 8_192, 16_384, thinking_levels=_NONE, speech_output=True)
_TTS = replace(_TTS, input_modalities=frozenset({"text"}))
_NEWER = re.compile(r"^gemini-(\d+)")


def base_model(model: str) -> str:
    """The model id without AiHubMix's route suffixes (`-nothink`, `-search`)."""
    for suffix in _ROUTE_SUFFIXES:
        if model.endswith(suffix):
            return model[: -len(suffix)]
    return model


def default_transport(model: str) -> Transport:
    """The route AiHubMix serves a model id on: suffixed ids only work on `/v1`."""
    return "openai" if model.endswith(_ROUTE_SUFFIXES) else "native"


@lru_cache(maxsize=512)
def profile_for(model: str) -> ModelProfile:
    """The profile of `model`: its family's rules, with the snapshot's limits."""
    name = base_model(model).removeprefix("models/")
    profile = _family(name)
    entry = snapshot_model(name)
    if entry is None:
        return profile
    return replace(
        profile,
        max_input_tokens=entry.context_length,
        max_output_tokens=entry.max_output,
        image_output=profile.image_output or entry.image_output,
        retired=entry.retired,
    )


def _family(name: str) -> ModelProfile:
    if "-tts" in name:  # text to speech, e.g. gemini-2.5-flash-preview-tts
        return _TTS
    for profile in _PROFILES:
        if name.startswith(profile.family):
            return profile
    match = _NEWER.match(name)
    image = "-image" in name
    if match and int(match.group(1)) >= 3:
        return _gemini3(name, _LEVELS_3_FLASH, **(_IMAGE if image else {}))
    if image:
        return replace(_DEFAULT, family=name, image_output=True)
    return _DEFAULT


def requires_signatures(model: str) -> bool:
    """Whether the model rejects function calls replayed without a signature: Gemini
    3+, which also combine built-in tools with function calling in one turn (when the
    request asks for server-side tool invocations)."""
    return profile_for(model).requires_thought_signatures


def langchain_profile(model: str) -> LangChainProfile:
    """The LangChain model profile (`BaseChatModel.profile`) for a model id."""
    prof = profile_for(model)
    return {
        "text_inputs": True,
        "image_url_inputs": True,
        "image_tool_message": True,
        "pdf_tool_message": True,
        "text_outputs": not prof.speech_output,
        "tool_call_streaming": True,
        "mid_conversation_system_messages": True,
        "reasoning_effort_levels": sorted(prof.thinking_levels),
        "max_input_tokens": prof.max_input_tokens,
        "max_output_tokens": prof.max_output_tokens,
        "tool_calling": True,
        "tool_choice": True,
        "structured_output": True,
        "reasoning_output": True,
        "image_inputs": "image" in prof.input_modalities,
        "audio_inputs": "audio" in prof.input_modalities,
        "video_inputs": "video" in prof.input_modalities,
        "pdf_inputs": "pdf" in prof.input_modalities,
        "image_outputs": prof.image_output,
        "audio_outputs": prof.speech_output,
    }
