"""Media inputs: base64 and data URLs, MIME guessing, URL downloads, size limits."""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import dataclasses
import mimetypes
import time
from collections.abc import Awaitable, Iterator, Mapping
from typing import TypeVar
from urllib.parse import unquote_to_bytes, urlsplit

import httpx

from langchain_aihubmix._input_errors import InvalidInputError, MediaTooLargeError
from langchain_aihubmix._parts import (
    Conversation,
    MediaPart,
    Part,
    ToolResultPart,
    Turn,
)

INLINE_LIMIT_BYTES = 20 * 1024 * 1024
"""AiHubMix accepts at most this much inline media per request (it has no File API)."""

_MAGIC: tuple[tuple[tuple[tuple[int, bytes], ...], str], ...] = (
    (((0, b"\x89PNG\r\n\x1a\n"),), "image/png"),
    (((0, b"\xff\xd8\xff"),), "image/jpeg"),
    (((0, b"GIF87a"),), "image/gif"),
    (((0, b"GIF89a"),), "image/gif"),
    (((0, b"RIFF"), (8, b"WEBP")), "image/webp"),
    (((0, b"RIFF"), (8, b"WAVE")), "audio/wav"),
    (((0, b"RIFF"), (8, b"AVI ")), "video/x-msvideo"),
    (((4, b"ftypheic"),), "image/heic"),
    (((4, b"ftypheix"),), "image/heic"),
    (((4, b"ftypmif1"),), "image/heif"),
    (((4, b"ftypM4A "),), "audio/mp4"),
    (((4, b"ftypqt  "),), "video/quicktime"),
    (((4, b"ftyp"),), "video/mp4"),
    (((0, b"%PDF-"),), "application/pdf"),
    (((0, b"ID3"),), "audio/mpeg"),
    (((0, b"\xff\xfb"),), "audio/mpeg"),
    (((0, b"\xff\xf3"),), "audio/mpeg"),
    (((0, b"\xff\xf2"),), "audio/mpeg"),
    (((0, b"\xff\xf1"),), "audio/aac"),
    (((0, b"\xff\xf9"),), "audio/aac"),
    (((0, b"fLaC"),), "audio/flac"),
    (((0, b"OggS"),), "audio/ogg"),
    (((0, b"FORM"), (8, b"AIFF")), "audio/aiff"),
    (((0, b"\x1a\x45\xdf\xa3"),), "video/webm"),
)
"""Magic bytes -> MIME type: every `(offset, bytes)` must match; first row wins."""

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

_GENERIC_TYPES = frozenset(
    {"", "application/octet-stream", "binary/octet-stream", "application/x-download"}
)
"""Content-Type values that say nothing; the given or guessed type is used instead."""

_YOUTUBE_HOSTS = ("youtube.com", "youtu.be")

_T = TypeVar("_T")


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB"


def decode_base64(data: str) -> bytes:
    """Decode standard or URL-safe base64, with or without padding.

    Args:
        data: The base64 text; surrounding whitespace and line breaks are allowed.

    Returns:
        The decoded bytes.

    Raises:
        InvalidInputError: `data` is not base64.
    """
    text = data.strip()
    altchars = b"-_" if ("-" in text or "_" in text) else None
    if len(text) % 4:
        text += "=" * (-len(text) % 4)
    try:
        return base64.b64decode(text, altchars=altchars, validate=True)
    except (binascii.Error, ValueError):
        compact = "".join(data.split())
        if compact != data.strip():
            return decode_base64(compact)
        shown = f"{data[:40]!r}..." if len(data) > 40 else repr(data)
        msg = f"invalid base64 data ({len(data)} characters): {shown}"
        raise InvalidInputError(msg) from None


_URLSAFE_TO_STANDARD = str.maketrans("-_", "+/")

_CHECK_CHARS = 1 << 20
"""Base64 is validated in slices of this many characters (a multiple of 4)."""


def _canonical(text: str) -> str:
    """`text` as standard padded base64, validated slice by slice; else ValueError.

    No decoded copy is kept: each slice is decoded and dropped. The result is `text`
    itself when it is already canonical.
    """
    if "-" in text or "_" in text:
        text = text.translate(_URLSAFE_TO_STANDARD)
    if len(text) % 4:
        text += "=" * (-len(text) % 4)
    for start in range(0, len(text), _CHECK_CHARS):
        piece = text[start : start + _CHECK_CHARS]
        if start + _CHECK_CHARS < len(text) and piece.endswith("="):
            raise ValueError("padding before the end")
        base64.b64decode(piece, validate=True)
    return text


def canonical_base64(data: str) -> str:
    """Validate base64 text and return it in canonical form, without decoding it.

    Accepts what `decode_base64` accepts (standard or URL-safe, padding optional,
    whitespace and line breaks anywhere). Canonical means the standard alphabet,
    padded, no whitespace; text already in that form is returned as is (no copy).

    Args:
        data: The base64 text.

    Returns:
        The canonical text; its decoded size is `len * 3 // 4` minus the padding.

    Raises:
        InvalidInputError: `data` is not base64.
    """
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
    """Read a `data:` URL (RFC 2397) into `MediaPart.data` form.

    Args:
        url: The whole URL, `data:[<mime>][;param...][;base64],<data>`.

    Returns:
        `(mime_type, data)`: `data` is canonical base64 text for a base64 URL (see
        `canonical_base64`), else the percent-decoded bytes. MIME parameters are
        dropped; a URL without a type gets one guessed from the content, else
        `text/plain` (the RFC's default).

    Raises:
        InvalidInputError: not a data URL, or its payload does not decode.
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


def decode_data_url(url: str) -> tuple[str, bytes]:
    """`read_data_url`, with the payload always decoded to bytes."""
    mime, data = read_data_url(url)
    return mime, data if isinstance(data, bytes) else base64.b64decode(data)


def guess_mime(data: bytes | None, name: str | None) -> str | None:
    """Guess a MIME type from magic bytes, else from a file name or URL path.

    Args:
        data: The content (only its first bytes are read), if known.
        name: A file name or URL, if known; its query and fragment are ignored.

    Returns:
        The MIME type, or `None` when neither gives one.
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


def _media_parts(conv: Conversation) -> Iterator[MediaPart]:
    for turn in conv.turns:
        for part in turn.parts:
            if isinstance(part, MediaPart):
                yield part
            elif isinstance(part, ToolResultPart):
                yield from part.media


def _inline_total(conv: Conversation) -> int:
    """Decoded bytes of all inline media (base64 text is measured, not decoded)."""
    return sum(p.inline_size for p in _media_parts(conv))


def check_inline_total(conv: Conversation, limit: int = INLINE_LIMIT_BYTES) -> None:
    """Reject a conversation whose inline media exceed what one request may carry.

    Args:
        conv: The normalised conversation (after `resolve_media`).
        limit: The cap in bytes; AiHubMix's is `INLINE_LIMIT_BYTES`.

    Raises:
        MediaTooLargeError: the sum of inline media sizes exceeds `limit`.
    """
    total = _inline_total(conv)
    if total > limit:
        msg = (
            f"AiHubMix accepts at most {_mb(limit)} of inline media per request "
            f"(it has no File API); found {_mb(total)} ({total} bytes)"
        )
        raise MediaTooLargeError(msg)


def needs_fetch(part: MediaPart) -> bool:
    """Whether a media part is an http(s) URL to download before sending.

    YouTube links, `gs://` and other URIs are sent as file references instead.
    """
    if part.uri is None or part.data is not None:
        return False
    url = urlsplit(part.uri)
    if url.scheme.lower() not in ("http", "https"):
        return False
    host = (url.hostname or "").lower()
    return not any(host == h or host.endswith("." + h) for h in _YOUTUBE_HOSTS)


class _Budget:
    """Bytes still allowed for inline media in this request, shared by downloads."""

    def __init__(self, conv: Conversation, limit: int) -> None:
        self.limit = limit
        self.remaining = limit - _inline_total(conv)


class _Sink:
    """Collects one download's body, enforcing status, byte budget and deadline."""

    def __init__(self, url: str, budget: _Budget, timeout: float) -> None:
        self.url = url
        self._budget = budget
        self._deadline = time.monotonic() + timeout
        self._chunks: list[bytes] = []
        self.mime: str | None = None

    def _too_large(self, detail: str) -> MediaTooLargeError:
        return MediaTooLargeError(
            f"downloading {self.url} {detail}: AiHubMix accepts at most "
            f"{_mb(self._budget.limit)} of inline media per request "
            "(it has no File API)"
        )

    def start(self, response: httpx.Response) -> None:
        """Check the status line and headers before reading the body."""
        if response.status_code >= 400:
            msg = (
                f"could not fetch media {self.url}: HTTP {response.status_code} "
                f"{response.reason_phrase}"
            )
            raise InvalidInputError(msg)
        length = response.headers.get("content-length", "")
        if length.isdigit() and int(length) > self._budget.remaining:
            raise self._too_large(f"({_mb(int(length))}) would exceed the limit")
        ctype = response.headers.get("content-type", "").split(";")[0].strip().lower()
        self.mime = None if ctype in _GENERIC_TYPES else ctype

    def feed(self, chunk: bytes) -> None:
        """Take one body chunk; abort as soon as the budget or deadline is exceeded."""
        self._budget.remaining -= len(chunk)
        if self._budget.remaining < 0:
            raise self._too_large("exceeded the limit")
        if time.monotonic() > self._deadline:
            msg = f"could not fetch media {self.url}: timed out"
            raise InvalidInputError(msg)
        self._chunks.append(chunk)

    def body(self) -> bytes:
        """The whole body, joined once."""
        data = b"".join(self._chunks)
        self._chunks = []
        return data


@contextlib.contextmanager
def _fetch_errors(url: str) -> Iterator[None]:
    """Turn transport failures into `InvalidInputError` naming the URL."""
    try:
        yield
    except httpx.TimeoutException as exc:
        msg = f"could not fetch media {url}: timed out ({type(exc).__name__})"
        raise InvalidInputError(msg) from exc
    except httpx.HTTPError as exc:
        msg = f"could not fetch media {url}: {type(exc).__name__}: {exc}"
        raise InvalidInputError(msg) from exc


def _urls_to_fetch(conv: Conversation) -> list[str]:
    """Distinct URLs to download, in first-seen order."""
    urls = (p.uri for p in _media_parts(conv) if needs_fetch(p) and p.uri)
    return list(dict.fromkeys(urls))


def _with_downloads(conv: Conversation, sinks: Mapping[str, _Sink]) -> Conversation:
    """A new conversation with each fetched URL replaced by its inline bytes."""
    bodies = {url: sink.body() for url, sink in sinks.items()}

    def inline(part: MediaPart) -> MediaPart:
        url = part.uri
        if url is None or url not in sinks:
            return part
        data = bodies[url]
        mime = sinks[url].mime or part.mime_type or guess_mime(data, url)
        if mime is None:
            msg = f"media {part.uri}: cannot tell its type; set mime_type on the block"
            raise InvalidInputError(msg)
        return dataclasses.replace(part, data=data, uri=None, mime_type=mime)

    def convert(part: Part) -> Part:
        if isinstance(part, MediaPart):
            return inline(part)
        if isinstance(part, ToolResultPart) and part.media:
            return dataclasses.replace(part, media=tuple(inline(m) for m in part.media))
        return part

    turns = [Turn(t.role, [convert(p) for p in t.parts]) for t in conv.turns]
    return Conversation(system=list(conv.system), turns=turns)


def _download(client: httpx.Client, sink: _Sink, timeout: float) -> _Sink:
    with (
        _fetch_errors(sink.url),
        client.stream("GET", sink.url, timeout=timeout, follow_redirects=True) as resp,
    ):
        sink.start(resp)
        for chunk in resp.iter_bytes():
            sink.feed(chunk)
    return sink


async def _adownload(client: httpx.AsyncClient, sink: _Sink, timeout: float) -> _Sink:
    with _fetch_errors(sink.url):
        async with client.stream(
            "GET", sink.url, timeout=timeout, follow_redirects=True
        ) as resp:
            sink.start(resp)
            async for chunk in resp.aiter_bytes():
                sink.feed(chunk)
    return sink


def resolve_media(
    conv: Conversation,
    *,
    timeout: float = 30.0,
    max_bytes: int = INLINE_LIMIT_BYTES,
    client: httpx.Client | None = None,
) -> Conversation:
    """Download every http(s) media URL (see `needs_fetch`) and inline its bytes.

    Args:
        conv: The normalised conversation.
        timeout: Seconds allowed per download (each network phase, and in total).
        max_bytes: Cap on the request's inline media: bytes already inline plus all
            downloads. A body is abandoned as soon as it would exceed it.
        client: An `httpx.Client` to use (not closed); by default a new one.

    Returns:
        A new conversation with fetched parts inlined (`conv` itself when nothing
        needs fetching). The type is the response's Content-Type, else the given
        one, else a guess.

    Raises:
        InvalidInputError: a download failed (HTTP status >= 400, timeout, network
            error); the message names the URL.
        MediaTooLargeError: the media exceed `max_bytes`.
    """
    urls = _urls_to_fetch(conv)
    if not urls:
        return conv
    budget = _Budget(conv, max_bytes)
    with contextlib.ExitStack() as stack:
        http = client or stack.enter_context(httpx.Client())
        sinks = [_download(http, _Sink(url, budget, timeout), timeout) for url in urls]
    return _with_downloads(conv, {sink.url: sink for sink in sinks})


async def aresolve_media(
    conv: Conversation,
    *,
    timeout: float = 30.0,
    max_bytes: int = INLINE_LIMIT_BYTES,
    client: httpx.AsyncClient | None = None,
) -> Conversation:
    """Async `resolve_media`: downloads concurrently, never blocking the event loop.

    Args and behaviour are those of `resolve_media`; `client` is an
    `httpx.AsyncClient`. When one download fails the others are cancelled.
    """
    urls = _urls_to_fetch(conv)
    if not urls:
        return conv
    budget = _Budget(conv, max_bytes)
    async with contextlib.AsyncExitStack() as stack:
        http = client
        if http is None:
            http = await stack.enter_async_context(httpx.AsyncClient())
        sinks = await _gather_all(
            [_adownload(http, _Sink(url, budget, timeout), timeout) for url in urls]
        )
    return _with_downloads(conv, {sink.url: sink for sink in sinks})


async def _gather_all(jobs: list[Awaitable[_T]]) -> list[_T]:
    """Run jobs concurrently; on the first failure cancel the rest and re-raise."""
    tasks = [asyncio.ensure_future(job) for job in jobs]
    try:
        return list(await asyncio.gather(*tasks))
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise
