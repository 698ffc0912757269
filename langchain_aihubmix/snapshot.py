"""The bundled snapshot of AiHubMix's Gemini catalogue: ids, prices, limits, status.

Compiled on `SNAPSHOT_DATE` from quotes of AiHubMix's public catalogue
(`GET https://aihubmix.com/api/v1/models`) found in public sources: the MCP server in
AIhubmix/aihubmix (`packages/mcp`), the models.dev AiHubMix provider
(anomalyco/models.dev `providers/aihubmix/*`) and AIhubmix/aihubmix-model-schema.
Prices are USD per 1M tokens. Cache reads are the catalogue's own per-model price,
10% of input on every current Gemini entry (AiHubMix's Gemini guide still says 25%;
that was Gemini 2.0-era pricing). Entries marked `source="google-list"` were not seen
in the gateway's catalogue and carry Google's list price (the catalogue matched
Google's list price for every model checked). Models whose price was not seen at
all (`input=None`) are known ids without a price: their cost is reported as unknown,
never guessed. Retired ids are kept, so old code keeps its profile and price, and
are marked `retired=True` (Google retired them in 2026; whether AiHubMix still
serves them is not known).

`langchain_aihubmix.catalog.refresh_prices()` / `live_prices()` read the live
catalogue for exact, current prices.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

__all__ = ["SNAPSHOT", "SNAPSHOT_DATE", "SnapshotModel", "snapshot_model"]

SNAPSHOT_DATE = date(2026, 11, 30)
"""When the snapshot was compiled (the newest catalogue quote: 2026-09-19)."""

PriceSource = Literal["aihubmix-catalog", "google-list", "unknown"]


@dataclass(frozen=True)
class SnapshotModel:
    """One Gemini id of the snapshot; prices are decimal strings per 1M tokens.

    Attributes:
        id: The id AiHubMix serves.
        input: Input price, `None` when not seen (cost unknown).
        output: Output price (thoughts and generated images included).
        cache_read: Implicit-cache read price.
        above_200k: `(input, output, cache_read)` for prompts over 200k tokens.
        audio_input: Audio input price where the catalogue lists one.
        context_length: Input token limit.
        max_output: Output token limit.
        image_output: The model generates images (Nano Banana family).
        retired: Google retired the id; kept for old code, maybe not served.
        source: Where the price comes from.
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

# fmt: off
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
    SnapshotModel("gemini-3-pro-image-preview", None, None, None, context_length=65_536,
                  max_output=32_768, image_output=True, source="unknown"),
    SnapshotModel("gemini-3.1-flash-image-preview", None, None, None,
                  context_length=65_536, max_output=32_768, image_output=True,
                  source="unknown"),
    SnapshotModel("gemini-2.5-flash-image", "0.3", "2.499", "0.03",
                  context_length=32_768, max_output=32_768, image_output=True),
    # Gemini 2.5 family
    SnapshotModel("gemini-2.5-pro", "1.25", "10", "0.125", ("2.5", "15", "0.25")),
    SnapshotModel("gemini-2.5-flash", "0.3", "2.5", "0.03", audio_input="1"),
    SnapshotModel("gemini-2.5-flash-lite", "0.1", "0.4", "0.01", source="google-list"),
    SnapshotModel("gemini-embedding-001", "0.15", "0", None, source="google-list"),
    # text to speech (native route): the output price is Google's audio output price
    SnapshotModel("gemini-2.5-flash-preview-tts", "0.5", "10", None,
                  context_length=8_192, max_output=16_384, source="google-list"),
    SnapshotModel("gemini-2.5-pro-preview-tts", "1", "20", None, context_length=8_192,
                  max_output=16_384, source="google-list"),
    # retired by Google in 2026 (kept, marked)
    SnapshotModel("gemini-3-pro-preview", "2", "12", "0.2", _PRO_TIER, retired=True),
    SnapshotModel("gemini-3.1-flash-lite-preview", "0.25", "1.5", "0.025", retired=True,
                  source="google-list"),
    SnapshotModel("gemini-2.0-flash", "0.1", "0.4", "0.025", max_output=8_192,
                  retired=True, source="google-list"),
    SnapshotModel("gemini-2.0-flash-lite", "0.075", "0.3", "0.01875", max_output=8_192,
                  retired=True, source="google-list"),
)
# fmt: on
"""Every Gemini id of the snapshot, newest generations first."""

_BY_ID = {m.id: m for m in SNAPSHOT}


def snapshot_model(model: str) -> SnapshotModel | None:
    """The snapshot entry of exactly `model` (lower-cased, `models/` dropped)."""
    return _BY_ID.get(model.strip().lower().removeprefix("models/"))
