"""Real PNG images for the emulator's image models (zlib + struct, no dependency).

An image's size follows `imageConfig` as Gemini documents it (`aspectRatio` such as
`"16:9"`, `imageSize` `"1K"` / `"2K"` / `"4K"`: the long side is 1024 / 2048 /
4096 pixels); its colours are derived from the prompt (and from an image being
edited), so that a different prompt or an edit gives a different picture.
"""

from __future__ import annotations

import base64
import hashlib
import struct
import zlib
from typing import Any

_SIDES = {"1K": 1024, "2K": 2048, "4K": 4096}
_RATIOS = frozenset(
    {"1:1", "2:3", "3:2", "3:4", "4:3", "4:5", "5:4", "9:16", "16:9", "21:9"}
)
_BANDS = 8
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def size_for(image_config: Any) -> tuple[int, int]:
    """(width, height) for an `imageConfig` (1K, 1:1 when absent or unknown)."""
    config = image_config if isinstance(image_config, dict) else {}
    ratio = str(config.get("aspectRatio") or config.get("aspect_ratio") or "1:1")
    size = str(config.get("imageSize") or config.get("image_size") or "1K").upper()
    side = _SIDES.get(size, 1024)
    if ratio not in _RATIOS:
        ratio = "1:1"
    w, h = (int(n) for n in ratio.split(":"))
    if w >= h:
        return side, max(1, round(side * h / w))
    return max(1, round(side * w / h)), side


def _chunk(kind: bytes, data: bytes) -> bytes:
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))


def png(width: int, height: int, seed: str) -> bytes:
    """An RGB PNG of horizontal colour bands chosen by `seed`."""
    digest = hashlib.sha256(seed.encode()).digest()
    rows = []
    for band in range(_BANDS):
        r, g, b = digest[band * 3 : band * 3 + 3]
        rows.append(b"\x00" + bytes((r, g, b)) * width)
    raw = b"".join(rows[min(_BANDS - 1, y * _BANDS // height)] for y in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        _PNG_SIGNATURE
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(raw, 6))
        + _chunk(b"IEND", b"")
    )


def png_base64(image_config: Any, seed: str) -> str:
    """A PNG sized by `image_config`, as base64 text (Gemini's `inlineData.data`)."""
    width, height = size_for(image_config)
    return base64.b64encode(png(width, height, seed)).decode("ascii")


def read_png_size(data: bytes) -> tuple[int, int]:
    """(width, height) of PNG bytes (checks the signature and the IHDR chunk)."""
    if data[:8] != _PNG_SIGNATURE or data[12:16] != b"IHDR":
        raise ValueError("not a PNG")
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)
