"""Models the emulator knows: ids, prices, and the AiHubMix catalogue shape.

The ids and prices are the package's bundled snapshot (`langchain_aihubmix.snapshot`)
plus the route aliases AiHubMix lists (`-nothink`, `-search`); users register more
with `AiHubMixEmulator(extra_models=[...])` or `hub.add_model(...)`. Any other id
gets the gateway's 404 on both routes.

`GET /api/v1/models` answers (no key needed, like AiHubMix's public catalogue) in
the shape public sources show (AIhubmix/aihubmix `packages/mcp/docs/design.md` §5,
anomalyco/models.dev `providers/aihubmix`): an envelope `{data, message, success}`,
`developer_id` a number, `types` / `features` / `input_modalities` comma-separated
strings, prices in USD per 1M tokens, the >200k tier under `pricing.tiers` (its
exact shape was not seen: reconstructed), `pricing_source`, `retire_stage`::

    {"success": true, "message": "",
     "data": [{"model_id": "gemini-2.5-flash", "developer_id": 3,
               "types": "llm", "features": "thinking,function_calling,...",
               "input_modalities": "text,image,audio,video,pdf",
               "context_length": 1048576, "max_output": 65536,
               "pricing": {"input": 0.3, "output": 2.5, "cache_read": 0.03,
                           "input_audio": 1.0},
               "pricing_source": "billing_config", "retire_stage": null}]}
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from langchain_aihubmix.snapshot import SNAPSHOT, SnapshotModel

_FEATURES = [
    "thinking",
    "function_calling",
    "structured_outputs",
    "code_execution",
    "web_search",
    "url_context",
    "long_context",
]
_MEDIA = "text,image,audio,video,pdf"
GOOGLE_DEVELOPER_ID = 3
"""The catalogue's numeric developer id for Google (reconstructed)."""

ROUTE_ALIASES = (
    "gemini-2.5-flash-nothink",
    "gemini-2.5-flash-search",
    "gemini-3-flash-preview-search",
)
"""AiHubMix's suffixed ids, served on the OpenAI-compatible route."""

TTS_PRICES = {
    "gemini-2.5-flash-preview-tts": (0.5, 10.0),
    "gemini-2.5-pro-preview-tts": (1.0, 20.0),
}
"""Gemini's text-to-speech models (native route, AUDIO only): (input, output) USD per
1M tokens, audio output priced as Google lists it."""

FREE_MODELS = ("gemini-3-flash-preview-free", "gemini-3.7-flash-free")
"""AiHubMix's free Gemini ids (tashfeenahmed/freellmapi#338): $0, rate-limited."""

KNOWN_MODELS: tuple[str, ...] = tuple(
    dict.fromkeys(
        [*(m.id for m in SNAPSHOT), *ROUTE_ALIASES, *TTS_PRICES, *FREE_MODELS]
    )
)
"""Every id the emulator serves by default."""

_BY_ID = {m.id: m for m in SNAPSHOT}


def base_model(model: str) -> str:
    """The model id without AiHubMix's `-nothink` / `-search` suffix."""
    for suffix in ("-nothink", "-search"):
        if model.endswith(suffix):
            return model[: -len(suffix)]
    return model


def is_gemini3(model: str) -> bool:
    """Gemini 3 family (strict thought-signature rules, call ids)."""
    return model.startswith("gemini-3")


def rejects_minimal(model: str) -> bool:
    """`thinkingLevel: MINIMAL` gives 400: Pro models and 3.7 / 3.8 Flash.

    (tests/fixtures/recorded/vercel-ai/google-gemini-3.7-flash-thinking-levels.json;
    AIhubmix/aihubmix-model-schema `tests/fixtures/canon/gemini-3.7-flash.json`.)
    """
    base = base_model(model)
    return "-pro" in base or base.startswith(("gemini-3.7-flash", "gemini-3.8-flash"))


def rejects_prefill(model: str) -> bool:
    """A conversation ending in a model turn gives 400 (the message is not known).

    3.7 / 3.8 Flash (aihubmix-model-schema canon), 3.6 Flash and 3.5 Flash-Lite
    (langchain-ai/langchain-google PR #1897).
    """
    return base_model(model).startswith(
        (
            "gemini-3.8-flash",
            "gemini-3.7-flash",
            "gemini-3.6-flash",
            "gemini-3.5-flash-lite",
        )
    )


def requires_response_ids(model: str) -> bool:
    """Gemini 3.5 and later reject a function response without its call's id."""
    match = re.match(r"gemini-(\d+)(?:\.(\d+))?", base_model(model))
    return match is not None and (int(match[1]), int(match[2] or 0)) >= (3, 5)


def is_tts(model: str) -> bool:
    """A text-to-speech model: answers only with audio (`responseModalities: AUDIO`)."""
    return base_model(model).endswith("-tts")


def is_image_model(model: str) -> bool:
    """A Nano Banana model: answers with images unless `responseModalities` says not."""
    entry = _BY_ID.get(base_model(model))
    return (entry is not None and entry.image_output) or "-image" in model


def max_output(model: str) -> int:
    """The model's output token limit (65,536 when not in the snapshot)."""
    entry = _BY_ID.get(base_model(model))
    return 65_536 if entry is None else entry.max_output


def thinks_by_default(model: str) -> bool:
    """2.5 and 3 models think unless told not to (2.5 Flash-Lite and TTS do not)."""
    model = base_model(model)
    if model.startswith("gemini-2.5-flash-lite") or is_tts(model):
        return False
    return model.startswith(("gemini-2.5", "gemini-3"))


def is_known(model: str, known: Iterable[str]) -> bool:
    """Whether the gateway serves `model` (itself, or its base for a suffix)."""
    ids = set(known)
    return model in ids or base_model(model) in ids


def openai_list(models: Iterable[str] = KNOWN_MODELS) -> dict[str, Any]:
    """`GET /v1/models` body."""
    data = [
        {"id": m, "object": "model", "created": 1_735_689_600, "owned_by": "google"}
        for m in models
    ]
    return {"object": "list", "data": data}


def _pricing(entry: SnapshotModel | None) -> dict[str, Any]:
    if entry is None or entry.input is None or entry.output is None:
        return {}
    pricing: dict[str, Any] = {
        "input": float(entry.input),
        "output": float(entry.output),
        "cache_read": float(entry.cache_read or 0),
    }
    if entry.audio_input is not None:
        pricing["input_audio"] = float(entry.audio_input)
    if entry.above_200k is not None:
        inp, out, cache = entry.above_200k
        pricing["tiers"] = [
            {
                "min_tokens": 200_000,
                "input": float(inp),
                "output": float(out),
                "cache_read": float(cache),
            }
        ]
    return pricing


def catalogue_entry(model: str) -> dict[str, Any]:
    """One `/api/v1/models` entry (an alias borrows its base model's data)."""
    entry = _BY_ID.get(base_model(model).removesuffix("-free"))
    if model in TTS_PRICES:
        inp, out = TTS_PRICES[model]
        return {
            "model_id": model,
            "model_name": model,
            "developer_id": GOOGLE_DEVELOPER_ID,
            "desc": f"Google {model} (text to speech) via AiHubMix",
            "types": "tts",
            "features": "",
            "input_modalities": "text",
            "context_length": 8_192,
            "max_output": 16_384,
            "pricing": {"input": inp, "output": out},
            "pricing_source": "billing_config",
            "retire_stage": None,
        }
    image = entry is not None and entry.image_output
    features = [f for f in _FEATURES if f != "thinking" or thinks_by_default(model)]
    if image:
        features = ["image_generation", "thinking"]
    return {
        "model_id": model,
        "model_name": model,
        "developer_id": GOOGLE_DEVELOPER_ID,
        "desc": f"Google {model} via AiHubMix",
        "types": "image_generation,llm" if image else "llm",
        "features": ",".join(features),
        "input_modalities": _MEDIA,
        "context_length": 1_048_576 if entry is None else entry.context_length,
        "max_output": 65_536 if entry is None else entry.max_output,
        "pricing": {"input": 0, "output": 0}
        if model in FREE_MODELS
        else _pricing(entry),
        "pricing_source": "billing_config",
        "retire_stage": "retired" if entry is not None and entry.retired else None,
    }


def aihubmix_catalogue(models: Iterable[str] = KNOWN_MODELS) -> dict[str, Any]:
    """`GET /api/v1/models` body (see the module docstring)."""
    return {
        "data": [catalogue_entry(m) for m in models],
        "message": "",
        "success": True,
    }
