"""What the Gemini models behind AiHubMix can do: one table, read once per model id.

The table is keyed by model family (longest matching prefix of the model id, after
AiHubMix's `-nothink` / `-search` suffixes are removed). Unknown models get a
permissive default, so that a new model id works without a release of this package.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from langchain_core.language_models.model_profile import (
    ModelProfile as LangChainProfile,
)

Transport = Literal["native", "openai"]

_ROUTE_SUFFIXES = ("-nothink", "-search")


@dataclass(frozen=True)
class ModelProfile:
    """Capabilities and limits of one Gemini model family."""

    family: str
    max_input_tokens: int = 1_048_576
    max_output_tokens: int = 65_536
    can_disable_thinking: bool = True
    thinking_levels: frozenset[str] = field(
        default_factory=lambda: frozenset({"low", "medium", "high"})
    )
    requires_thought_signatures: bool = False
    image_output: bool = False
    supports_penalties: bool = False
    input_modalities: frozenset[str] = field(
        default_factory=lambda: frozenset({"text", "image", "audio", "video", "pdf"})
    )


_LEVELS_3 = frozenset({"low", "high"})
_LEVELS_3_FLASH = frozenset({"minimal", "low", "medium", "high"})

_PROFILES: tuple[ModelProfile, ...] = (
    ModelProfile(
        "gemini-2.0-flash",
        max_output_tokens=8_192,
        thinking_levels=frozenset(),
        supports_penalties=True,
    ),
    ModelProfile(
        "gemini-2.5-flash-image",
        max_output_tokens=32_768,
        image_output=True,
        thinking_levels=frozenset(),
    ),
    ModelProfile("gemini-2.5-flash-lite"),
    ModelProfile("gemini-2.5-flash"),
    ModelProfile("gemini-2.5-pro", can_disable_thinking=False),
    ModelProfile(
        "gemini-3-pro-image",
        max_output_tokens=32_768,
        image_output=True,
        can_disable_thinking=False,
        thinking_levels=_LEVELS_3,
        requires_thought_signatures=True,
    ),
    ModelProfile(
        "gemini-3-pro",
        can_disable_thinking=False,
        thinking_levels=_LEVELS_3,
        requires_thought_signatures=True,
    ),
    ModelProfile(
        "gemini-3.1-pro",
        can_disable_thinking=False,
        thinking_levels=frozenset({"low", "medium", "high"}),
        requires_thought_signatures=True,
    ),
    ModelProfile(
        "gemini-3",
        can_disable_thinking=False,
        thinking_levels=_LEVELS_3_FLASH,
        requires_thought_signatures=True,
    ),
)

_DEFAULT = ModelProfile("unknown", thinking_levels=_LEVELS_3_FLASH)
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


def profile_for(model: str) -> ModelProfile:
    """The profile of the model family that `model` belongs to."""
    name = base_model(model).removeprefix("models/")
    for profile in _PROFILES:
        if name.startswith(profile.family):
            return profile
    match = _NEWER.match(name)
    if match and int(match.group(1)) >= 3:
        return ModelProfile(
            name,
            can_disable_thinking=False,
            thinking_levels=_LEVELS_3_FLASH,
            requires_thought_signatures=True,
        )
    return _DEFAULT


def requires_signatures(model: str) -> bool:
    """Whether the model rejects function calls replayed without a signature."""
    return profile_for(model).requires_thought_signatures


def combines_server_tools(model: str) -> bool:
    """Whether the model combines built-in tools with function calling in one turn.

    Gemini 3 and later (the families that also require thought signatures) do, when
    the request asks for server-side tool invocations.
    """
    return profile_for(model).requires_thought_signatures


def langchain_profile(model: str) -> LangChainProfile:
    """The LangChain model profile (`BaseChatModel.profile`) for a model id."""
    prof = profile_for(model)
    return {
        "text_inputs": True,
        "image_url_inputs": True,
        "image_tool_message": True,
        "pdf_tool_message": True,
        "text_outputs": True,
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
    }
