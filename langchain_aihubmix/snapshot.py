"""The bundled snapshot of AiHubMix's Gemini catalogue: ids, prices, limits, status.

Compiled on `SNAPSHOT_DATE` from quotes of AiHubMix's public catalogue found in
public sources (AIhubmix/aihubmix `packages/mcp`, anomalyco/models.dev
`providers/aihubmix/*`, AIhubmix/aihubmix-model-schema); USD per 1M tokens, cache
reads at the catalogue's own price (10% of input; the 25% of AiHubMix's Gemini
guide is Gemini 2.0-era). `source="google-list"` entries were not seen in the
catalogue and carry Google's list price (equal to the catalogue's wherever both
were seen); `input=None` entries are known ids whose price was not seen (cost
unknown, never guessed); retired ids stay, marked `retired=True`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

__all__ = ["SNAPSHOT", "SNAPSHOT_DATE", "SnapshotModel", "snapshot_model"]

SNAPSHOT_DATE = date(2026, 11, 30)
"""When the snapshot was compiled (the newest catalogue quote: 2026-09-19)."""

PriceSource = Literal["aihubmix-catalog", "google-list", "unknown"]


@dataclass(frozen=True)
class SnapshotModel:
    """One Gemini id of the snapshot; prices are decimal strings per 1M tokens (`None`:
    not seen), `above_200k` the (input, output, cache_read) prices of prompts over
    200k tokens, `retired` an id Google retired (kept for old code, maybe not served).
    """

    id: str
    input: str | None
    output: str | None
    cache_read: str | None
    above_200k: tuple[str, str, str] | None = None
    audio_input: str | None = None
    context_length: int = 1_048_576
    max_output: int = 65_536
    image_output: bool = False
    retired: bool = False
    source: PriceSource = "aihubmix-catalog"


_PRO_TIER = ("4", "18", "0.4")
_IMAGE_UNPRICED: dict[str, Any] = {
    "max_output": 32_768,
    "context_length": 65_536,
    "image_output": True,
    "source": "unknown",
}
_RETIRED: dict[str, Any] = {"retired": True, "source": "google-list"}
_TTS: dict[str, Any] = {
    "context_length": 8_192,
    "max_output": 16_384,
    "source": "google-list",
}

SNAPSHOT: tuple[SnapshotModel, ...] = (
    # Gemini 3.x: pro, flash, flash-lite generations
    SnapshotModel("gemini-3.1-pro-preview", "2", "12", "0.2", _PRO_TIER),
    SnapshotModel("gemini-3.1-pro", "2", "12", "0.2", _PRO_TIER),
    SnapshotModel("gemini-3.1-pro-preview-customtools", "2", "12", "0.2", _PRO_TIER),
    SnapshotModel("gemini-3-flash-preview", "0.5", "3", "0.05"),
    SnapshotModel("gemini-3-flash", "0.5", "3", "0.05"),
    SnapshotModel("gemini-3.1-flash-lite", "0.25", "1.5", "0.025"),
    SnapshotModel("gemini-3.5-flash", "1.5", "9", "0.15"),
    SnapshotModel("gemini-3.5-flash-lite", "0.3", "2.5", "0.03", source="google-list"),
    SnapshotModel("gemini-3.6-flash", "1.5", "7.5", "0.15"),
    SnapshotModel("gemini-3.7-flash", "0.75", "3.75", "0.075"),
    SnapshotModel("gemini-3.8-flash", "0.75", "3.75", "0.075"),
    # image models (Nano Banana family); per-image prices not seen
    SnapshotModel("gemini-3-pro-image-preview", None, None, None, **_IMAGE_UNPRICED),
    SnapshotModel(
        "gemini-3.1-flash-image-preview", None, None, None, **_IMAGE_UNPRICED
    ),
    SnapshotModel(
        "gemini-2.5-flash-image",
        "0.3",
        "2.499",
        "0.03",
        max_output=32_768,
        context_length=32_768,
        image_output=True,
    ),
    # Gemini 2.5 family
    SnapshotModel("gemini-2.5-pro", "1.25", "10", "0.125", ("2.5", "15", "0.25")),
    SnapshotModel("gemini-2.5-flash", "0.3", "2.5", "0.03", audio_input="1"),
    SnapshotModel("gemini-2.5-flash-lite", "0.1", "0.4", "0.01", source="google-list"),
    SnapshotModel("gemini-embedding-001", "0.15", "0", None, source="google-list"),
    # text to speech (native route): the output price is Google's audio output price
    SnapshotModel("gemini-2.5-flash-preview-tts", "0.5", "10", None, **_TTS),
    SnapshotModel("gemini-2.5-pro-preview-tts", "1", "20", None, **_TTS),
    # retired by Google in 2026 (kept, marked)
    SnapshotModel("gemini-3-pro-preview", "2", "12", "0.2", _PRO_TIER, retired=True),
    SnapshotModel("gemini-3.1-flash-lite-preview", "0.25", "1.5", "0.025", **_RETIRED),
    SnapshotModel(
        "gemini-2.0-flash", "0.1", "0.4", "0.025", max_output=8_192, **_RETIRED
    ),
    SnapshotModel(
        "gemini-2.0-flash-lite", "0.075", "0.3", "0.01875", max_output=8_192, **_RETIRED
    ),
)
"""Every Gemini id of the snapshot, newest generations first."""

_BY_ID = {m.id: m for m in SNAPSHOT}


def snapshot_model(model: str) -> SnapshotModel | None:
    """The snapshot entry of exactly `model` (lower-cased, `models/` dropped)."""
    return _BY_ID.get(model.strip().lower().removeprefix("models/"))
