"""Media encodings: base64 (checked without a second copy), data URLs, MIME types."""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import mimetypes
from collections.abc import Iterable, Iterator, Mapping
from contextvars import ContextVar
from types import MappingProxyType
from urllib.parse import unquote_to_bytes, urlsplit

from langchain_aihubmix._errors.base import InvalidInputError

_Signature = tuple[int, bytes | tuple[bytes, ...]]
_MAGIC: tuple[tuple[tuple[_Signature, ...], str], ...] = (
    (((0, b"\x89PNG\r\n\x1a\n"),), "image/png"),
    (((0, b"\xff\xd8\xff"),), "image/jpeg"),
    (((0, (b"GIF87a", b"GIF89a")),), "image/gif"),
    (((0, b"RIFF"), (8, b"WEBP")), "image/webp"),
    (((0, b"RIFF"), (8, b"WAVE")), "audio/wav"),
    (((0, b"RIFF"), (8, b"AVI ")), "video/x-msvideo"),
    (((4, (b"ftypheic", b"ftypheix")),), "image/heic"),
    (((4, b"ftypmif1"),), "image/heif"),
    (((4, b"ftypM4A "),), "audio/mp4"),
    (((4, b"ftypqt  "),), "video/quicktime"),
    (((4, b"ftyp"),), "video/mp4"),
    (((0, b"%PDF-"),), "application/pdf"),
    (((0, (b"ID3", b"\xff\xfb", b"\xff\xf3", b"\xff\xf2")),), "audio/mpeg"),
    (((0, (b"\xff\xf1", b"\xff\xf9")),), "audio/aac"),
    (((0, b"fLaC"),), "audio/flac"),
    (((0, b"OggS"),), "audio/ogg"),
    (((0, b"FORM"), (8, b"AIFF")), "audio/aiff"),
    (((0, b"\x1a\x45\xdf\xa3"),), "video/webm"),
)
"""Magic bytes -> MIME type: every `(offset, bytes or alternatives)` must match;
first row wins."""

_EXTENSIONS: Mapping[str, str] = {
    ".aac": "audio/aac",
    ".flac": "audio/flac",
    ".heic": "image/heic",
    ".heif": "image/heif",
    ".m4a": "audio/mp4",
    ".md": "text/markdown",
    ".mp3": "audio/mpeg",
    ".ogg": "audio/ogg",
    ".opus": "audio/ogg",
    ".wav": "audio/wav",
    ".webm": "video/webm",
    ".webp": "image/webp",
}
"""Extensions the `mimetypes` tables miss or name differently on some systems."""


_URLSAFE_TO_STANDARD = str.maketrans("-_", "+/")

_CHECK_CHARS = 1 << 20
"""Base64 is validated in slices of this many characters."""

_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def _canonical(text: str) -> str:
    """`text` as standard padded base64 (itself when already so); else ValueError.
    Validation deletes the alphabet, slice by slice, and expects nothing left but
    the final padding: five times faster than decoding, and no decoded copy."""
    if not text.isascii():
        raise ValueError("not base64")
    text = _repadded(text)
    rest = _leftover(text)
    if rest.strip(b"=") and not rest.strip(b"=-_"):  # the URL-safe alphabet
        text = text.translate(_URLSAFE_TO_STANDARD)
        rest = _leftover(text)
    if not _only_final_padding(text, rest):
        raise ValueError("not base64, or padding before the end")
    return text


def _only_final_padding(text: str, rest: bytes) -> bool:
    """Whether `rest` (what `_leftover` found in `text`) is only its final padding."""
    return len(rest) <= 2 and not rest.strip(b"=") and text.endswith(rest.decode())


def _repadded(text: str) -> str:
    """`text` with exactly the padding its length needs (looks at the tail only,
    unless the padding is missing or excessive)."""
    tail = text[-8:]
    pads = len(tail) - len(tail.rstrip("="))
    if len(text) % 4 == 0 and pads <= 2:
        return text
    text = text.rstrip("=")
    if not text:
        raise ValueError("only padding")
    return text + "=" * (-len(text) % 4)


def _leftover(text: str) -> bytes:
    """What remains of ASCII `text` without the standard alphabet."""
    rest = b""
    for rest in _leftovers(text):  # noqa: B007  (the last one)
        pass
    return rest


def _leftovers(text: str) -> Iterator[bytes]:
    """What remains of ASCII `text` without the standard alphabet, after each slice;
    stops early once more than padding remains."""
    rest = b""
    for start in range(0, len(text), _CHECK_CHARS):
        rest += text[start : start + _CHECK_CHARS].encode().translate(None, _ALPHABET)
        yield rest
        if len(rest) > 2:
            return


_VALIDATED: ContextVar[Mapping[int, str]] = ContextVar(
    "aihubmix_validated_base64", default=MappingProxyType({})
)
"""Base64 texts already known canonical, by id, for the call being prepared (each
text is held, so its id cannot be reused by another object while it is here)."""


async def avalidated(texts: Iterable[str]) -> Mapping[int, str]:
    """Those `texts` that are canonical base64, by id, checked a slice at a time
    with the event loop running in between (see `prevalidated`); anything else is
    left to `canonical_base64`, which converts it or raises the usual error."""
    known: dict[int, str] = {}
    for text in texts:
        if not text.isascii() or _repadded(text) is not text:
            continue
        rest = b""
        for rest in _leftovers(text):  # noqa: B007  (the last one)
            await asyncio.sleep(0)
        if _only_final_padding(text, rest):
            known[id(text)] = text
    return known


@contextlib.contextmanager
def prevalidated(known: Mapping[int, str]) -> Iterator[None]:
    """Within the block, `canonical_base64` returns the texts of `known` (what
    `avalidated` returned) as they are."""
    token = _VALIDATED.set(known)
    try:
        yield
    finally:
        _VALIDATED.reset(token)


def canonical_base64(data: str) -> str:
    """Standard or URL-safe base64 (padding optional, whitespace anywhere) checked,
    without decoding it, as canonical text (standard alphabet, padded, no
    whitespace; the text itself when already so); else `InvalidInputError`."""
    if _VALIDATED.get().get(id(data)) is data:
        return data
    text = data.strip()
    try:
        return _canonical(text)
    except (binascii.Error, ValueError):
        compact = "".join(text.split())
        if compact != text:
            with contextlib.suppress(binascii.Error, ValueError):
                return _canonical(compact)
        shown = f"{data[:40]!r}..." if len(data) > 40 else repr(data)
        msg = f"invalid base64 data ({len(data)} characters): {shown}"
        raise InvalidInputError(msg) from None


def base64_head(text: str) -> bytes:
    """The first bytes (up to 48) of canonical base64 text, for `guess_mime`."""
    return base64.b64decode(text[:64])


def read_data_url(url: str) -> tuple[str, bytes | str]:
    """A `data:` URL (RFC 2397) as `(mime_type, data)` in `MediaPart.data` form:
    canonical base64 text for a base64 URL, else the percent-decoded bytes. MIME
    parameters are dropped; without a type, one is guessed from the content, else
    `text/plain` (the RFC's default). Raises `InvalidInputError` for anything else.
    """
    comma = url.find(",")
    if url[:5].lower() != "data:" or comma < 0:
        msg = f"not a data URL: {url[:60]!r}"
        raise InvalidInputError(msg)
    header = url[5:comma].split(";")
    declared = header[0].strip().lower()
    data: bytes | str
    if header[-1].strip().lower() == "base64":
        data = canonical_base64(url[comma + 1 :])
        head = base64_head(data)
    else:
        data = head = unquote_to_bytes(url[comma + 1 :])
    return declared or guess_mime(head, None) or "text/plain", data


def guess_mime(data: bytes | None, name: str | None) -> str | None:
    """A MIME type from magic bytes (`data`, its first bytes), else from a file name or
    URL path (`name`); `None` when neither gives one.
    """
    if data:
        for checks, magic_mime in _MAGIC:
            if all(data.startswith(sig, offset) for offset, sig in checks):
                return magic_mime
    if name:
        path = urlsplit(name).path if "://" in name else name
        dot = path.rfind(".")
        if dot >= 0 and (mime := _EXTENSIONS.get(path[dot:].lower())):
            return mime
        return mimetypes.guess_type(path, strict=False)[0]
    return None
