"""User, system and tool content blocks -> text and media parts (pure)."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator, Mapping
from typing import Any

from langchain_core.messages import BaseMessage

from langchain_aihubmix._errors.base import InvalidInputError
from langchain_aihubmix._input.conversation import MediaPart, TextPart
from langchain_aihubmix._input.encoding import (
    base64_head,
    canonical_base64,
    guess_mime,
    read_data_url,
)
from langchain_aihubmix._input.json_safety import as_text

MEDIA_BLOCKS = frozenset({"image", "audio", "video", "file"})


def data_parts(
    message: BaseMessage, where: str
) -> Iterator[tuple[int, TextPart | MediaPart]]:
    """`(block index, part)` for the text and media of a user, system or tool message.

    Reads core's standard v1 blocks; empty text adds nothing.
    """
    for j, block in enumerate(standard_blocks(message, where)):
        kind: str = block["type"]
        if block["type"] == "text":
            if block["text"]:
                yield j, TextPart(as_text(block["text"], f"{where}, block {j}"))
        elif block["type"] == "text-plain":
            if "text" in block and _is_plain_text(block.get("mime_type")):
                yield j, TextPart(block["text"])
            elif "text" in block:  # e.g. text/csv: sent as a file of that type
                data = str(block["text"]).encode("utf-8")
                yield j, MediaPart(mime_type=str(block["mime_type"]), data=data)
            else:
                plain = {**block, "mime_type": block.get("mime_type") or "text/plain"}
                yield j, media_from_block(plain, f"{where}, block {j}")
        elif kind in MEDIA_BLOCKS:
            yield j, media_from_block(block, f"{where}, block {j}")
        elif block["type"] == "non_standard" and _is_genai_media(block["value"]):
            yield j, genai_media_part(block["value"], f"{where}, block {j}")
        elif block["type"] == "non_standard":
            value = block["value"]
            msg = (
                f"{where}, block {j}: unsupported content block of type "
                f"{value.get('type')!r} (keys: {sorted(value)})"
            )
            raise InvalidInputError(msg)
        else:
            msg = f"{where}, block {j}: a {kind!r} block is not allowed here"
            raise InvalidInputError(msg)


_MIME = re.compile(r"^[\w.+-]+/[\w.+-]+$")

_VIDEO_KEYS = ("fps", "start_offset", "end_offset")
_OPTIONS = ("video_metadata", "media_resolution")
_GENAI_MEDIA_KEYS = frozenset(
    {"type", "mime_type", "data", "file_uri", "url", *_OPTIONS}
)
"""Keys of langchain-google-genai's `{"type": "media", ...}` block understood here."""
_RESOLUTIONS = ("LOW", "MEDIUM", "HIGH", "ULTRA_HIGH")
"""Per-part `media_resolution` levels (google-genai's `PartMediaResolutionLevel`)."""
_SECONDS = re.compile(r"^\d+(\.\d+)?s$")


def _is_plain_text(mime_type: object) -> bool:
    """No MIME type, or `text/plain` (parameters such as `charset` aside)."""
    if not mime_type:
        return True
    return str(mime_type).split(";", 1)[0].strip().lower() == "text/plain"


def _is_genai_media(value: object) -> bool:
    return isinstance(value, dict) and value.get("type") == "media"


def genai_media_part(block: Mapping[str, Any], where: str) -> MediaPart:
    """langchain-google-genai's `{"type": "media", "mime_type", "data" (bytes or
    base64) | "file_uri" | "url"}` block as a `MediaPart` (qualified by
    `part_options`); unknown keys, not one source, bad data, an invalid or unknown
    MIME type raise `InvalidInputError` (never dropped)."""
    unknown = sorted(set(block) - _GENAI_MEDIA_KEYS)
    if unknown:
        msg = f"{where}: media block keys {unknown} are not supported"
        raise InvalidInputError(msg)
    sources = [k for k in ("data", "file_uri", "url") if block.get(k) is not None]
    if len(sources) != 1:
        msg = (
            f"{where}: a media block needs exactly one of data, file_uri or url "
            f"(got {sources or 'none'})"
        )
        raise InvalidInputError(msg)
    options = part_options(block, where)
    data = block.get("data")
    standard: dict[str, Any] = {"type": "file", "mime_type": block.get("mime_type")}
    if isinstance(data, (bytes, bytearray, memoryview)):
        mime = block.get("mime_type") or guess_mime(bytes(data[:64]), None)
        if mime is None or not _MIME.match(str(mime)):
            msg = f"{where}: media block has an invalid or unknown mime_type {mime!r}"
            raise InvalidInputError(msg)
        return MediaPart(mime_type=str(mime), data=bytes(data), **options)
    if data is not None:
        if not isinstance(data, str):
            msg = f"{where}: media block data must be bytes or base64 text"
            raise InvalidInputError(msg)
        standard["base64"] = data
    else:
        standard["url"] = block.get("file_uri") or block.get("url")
    return dataclasses.replace(media_from_block(standard, where), **options)


def part_options(block: Mapping[str, Any], where: str) -> dict[str, Any]:
    """A media block's `media_resolution` (`"low"` ... `"ultra_high"`, or the enum
    name) and `video_metadata` (`fps` in (0, 24], `start_offset` <= `end_offset` as
    seconds like `"10s"`, `"1.5s"`), checked, as `MediaPart` fields."""
    out: dict[str, Any] = {}
    if (level := block.get("media_resolution")) is not None:
        name = str(level).upper().removeprefix("MEDIA_RESOLUTION_")
        if name not in _RESOLUTIONS:
            msg = f"{where}: media_resolution {level!r} is not one of {_RESOLUTIONS}"
            raise InvalidInputError(msg)
        out["media_resolution"] = f"MEDIA_RESOLUTION_{name}"
    video = block.get("video_metadata")
    if video is None:
        return out
    if not isinstance(video, Mapping) or not set(video) <= set(_VIDEO_KEYS):
        msg = f"{where}: video_metadata takes {_VIDEO_KEYS}, got {video!r}"
        raise InvalidInputError(msg)
    video = {k: v for k, v in video.items() if v is not None}
    fps = video.get("fps")
    number = isinstance(fps, (int, float)) and not isinstance(fps, bool)
    if fps is not None and not (number and 0 < fps <= 24):
        msg = f"{where}: video_metadata.fps must be a number in (0, 24], got {fps!r}"
        raise InvalidInputError(msg)
    for key in video.keys() - {"fps"}:
        if not (isinstance(video[key], str) and _SECONDS.match(video[key])):
            msg = f"{where}: video_metadata.{key} {video[key]!r} is not like '10s'"
            raise InvalidInputError(msg)
    start, end = (float(video.get(k, "0s")[:-1]) for k in _VIDEO_KEYS[1:])
    if "end_offset" in video and start > end:
        msg = f"{where}: video_metadata.start_offset is after end_offset"
        raise InvalidInputError(msg)
    return out | {"video_metadata": video}


def standard_blocks(message: BaseMessage, where: str) -> list[Any]:
    """`message.content_blocks`; core's errors on malformed blocks become ours."""
    try:
        return list(_with_standard_data_urls(message).content_blocks)
    except (ValueError, KeyError, TypeError) as exc:
        # core's translators raise KeyError / TypeError too for malformed blocks
        # (e.g. a v0 `{"type": "file", "source_type": "text"}` without `text`)
        msg = f"{where}: a content block core cannot read ({type(exc).__name__}: {exc})"
        raise InvalidInputError(msg) from exc


def _with_standard_data_urls(message: BaseMessage) -> BaseMessage:
    """`message` with each OpenAI-style `image_url` block holding a `data:` URL as a
    standard `image` block: core parses such a URL with a regular expression over
    the whole media, holding the GIL (even a worker thread stalls the event loop);
    `encoding.read_data_url` needs one `find` and a slice."""
    content = message.content
    if isinstance(content, str):
        return message
    rewritten: list[Any] | None = None
    for i, block in enumerate(content):
        if not isinstance(block, dict) or block.get("type") != "image_url":
            continue
        url = block.get("image_url")
        url = url.get("url") if isinstance(url, dict) else url
        if isinstance(url, str) and url[:5].lower() == "data:":
            rewritten = rewritten or list(content)
            rewritten[i] = {"type": "image", "url": url}
    if rewritten is None:
        return message
    return message.model_copy(update={"content": rewritten})


def media_from_block(block: Mapping[str, Any], where: str) -> MediaPart:
    """A standard v1 data block (image, audio, video, file) as a `MediaPart`: base64
    (also in a `data:` URL) checked and kept as text, typed as given or by its first
    bytes; any other `url` or a `file_id` a file reference (http(s) URLs are fetched
    later). `InvalidInputError` (naming `where`): no source, bad data, unknown type.
    """
    given = block.get("mime_type") or None
    if given is not None and not _MIME.match(str(given)):
        msg = f"{where}: {block.get('type')} block has an invalid mime_type {given!r}"
        raise InvalidInputError(msg)
    if isinstance(b64 := block.get("base64"), str) and b64:
        text = canonical_base64(b64)
        mime = given or guess_mime(base64_head(text), None)
        if mime is None:
            msg = (
                f"{where}: {block.get('type')} block has base64 data but no "
                "mime_type, and its type cannot be recognised; set mime_type"
            )
            raise InvalidInputError(msg)
        return MediaPart(mime_type=mime, data=text)
    if isinstance(url := block.get("url"), str) and url:
        if url[:5].lower() == "data:":
            mime, data = read_data_url(url)
            return MediaPart(mime_type=given or mime, data=data)
        return MediaPart(mime_type=given or guess_mime(None, url), uri=url)
    if isinstance(file_id := block.get("file_id"), str) and file_id:
        return MediaPart(mime_type=given, uri=file_id)
    msg = f"{where}: {block.get('type')} block has no base64, url or file_id"
    raise InvalidInputError(msg)
