"""Media inputs: the 20 MB inline limit and URL downloads (sync and async)."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import time
from collections.abc import Awaitable, Iterable, Iterator
from typing import TypeVar
from urllib.parse import urljoin, urlsplit

import httpx2

from langchain_aihubmix._errors.base import InvalidInputError, MediaTooLargeError
from langchain_aihubmix._input.conversation import (
    Conversation,
    MediaPart,
    Part,
    ToolResultPart,
    Turn,
)
from langchain_aihubmix._input.encoding import guess_mime
from langchain_aihubmix._input.url_policy import acheck_url, check_url

INLINE_LIMIT_BYTES = 20 * 1024 * 1024
"""AiHubMix accepts at most this much inline media per request (it has no File API)."""

_GENERIC_TYPES = frozenset(
    {"", "application/octet-stream", "binary/octet-stream", "application/x-download"}
)
"""Content-Type values that say nothing; the given or guessed type is used instead."""

_YOUTUBE_HOSTS = ("youtube.com", "youtu.be")

MAX_REDIRECTS = 5
"""Redirects followed per download (each hop checked like the URL itself unless
private addresses are allowed)."""

_T = TypeVar("_T")


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB"


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
    """Raise `MediaTooLargeError` when the inline media exceed `limit` bytes."""
    total = _inline_total(conv)
    if total > limit:
        msg = (
            f"AiHubMix accepts at most {_mb(limit)} of inline media per request "
            f"(it has no File API); found {_mb(total)} ({total} bytes)"
        )
        raise MediaTooLargeError(msg)


def needs_fetch(part: MediaPart) -> bool:
    """Whether a media part is an http(s) URL to download before sending (YouTube
    links, `gs://` and other URIs are sent as file references)."""
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
        self.url, self.timeout = url, timeout
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

    def start(self, response: httpx2.Response) -> None:
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
    except httpx2.TimeoutException as exc:
        msg = f"could not fetch media {url}: timed out ({type(exc).__name__})"
        raise InvalidInputError(msg) from exc
    except httpx2.HTTPError as exc:
        msg = f"could not fetch media {url}: {type(exc).__name__}: {exc}"
        raise InvalidInputError(msg) from exc


def _urls_to_fetch(conv: Conversation) -> list[str]:
    """Distinct URLs to download, in first-seen order."""
    urls = (p.uri for p in _media_parts(conv) if needs_fetch(p) and p.uri)
    return list(dict.fromkeys(urls))


def _with_downloads(conv: Conversation, downloads: list[_Sink]) -> Conversation:
    """A new conversation with each fetched URL replaced by its inline bytes."""
    sinks = {sink.url: sink for sink in downloads}
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


def _download(client: httpx2.Client, sink: _Sink, allow_private: bool) -> _Sink:
    url = sink.url
    with _fetch_errors(url):
        for _ in range(MAX_REDIRECTS + 1):
            target = None if allow_private else check_url(url, sink.url)
            args = {"url": url} if target is None else target.request_args()
            with client.stream("GET", timeout=sink.timeout, **args) as resp:
                if (location := _redirect(resp, url)) is None:
                    sink.start(resp)
                    for chunk in resp.iter_bytes():
                        sink.feed(chunk)
                    return sink
            url = location
    raise _too_many_redirects(sink.url)


async def _adownload(
    client: httpx2.AsyncClient, sink: _Sink, allow_private: bool
) -> _Sink:
    url = sink.url
    with _fetch_errors(url):
        for _ in range(MAX_REDIRECTS + 1):
            target = None if allow_private else await acheck_url(url, sink.url)
            args = {"url": url} if target is None else target.request_args()
            async with client.stream("GET", timeout=sink.timeout, **args) as resp:
                if (location := _redirect(resp, url)) is None:
                    sink.start(resp)
                    async for chunk in resp.aiter_bytes():
                        sink.feed(chunk)
                    return sink
            url = location
    raise _too_many_redirects(sink.url)


def _redirect(resp: httpx2.Response, url: str) -> str | None:
    """The absolute URL a redirect points to (checked by the caller), else None."""
    location: str | None = resp.headers.get("location")
    if not resp.is_redirect or location is None:
        return None
    return urljoin(url, location)


def _too_many_redirects(url: str) -> InvalidInputError:
    return InvalidInputError(
        f"could not fetch media {url}: more than {MAX_REDIRECTS} redirects"
    )


def resolve_media(
    conv: Conversation,
    *,
    timeout: float = 30.0,
    max_bytes: int = INLINE_LIMIT_BYTES,
    allow_private: bool = False,
) -> Conversation:
    """Download every http(s) media URL (see `needs_fetch`) and inline its bytes.

    `timeout` bounds each download (each network phase, and in total); `max_bytes`
    caps the request's inline media (a body is abandoned as soon as it would exceed
    it). Unless `allow_private`, each URL and redirect (at most `MAX_REDIRECTS`) is
    checked and pinned by `url_policy.check_url`. The type is the response's
    Content-Type, else the given one, else a guess. Raises `InvalidInputError` (a
    download failed or was refused, naming the URL) or `MediaTooLargeError`.
    """
    if not (urls := _urls_to_fetch(conv)):
        return conv
    budget = _Budget(conv, max_bytes)
    with httpx2.Client() as http:
        sinks = [
            _download(http, _Sink(u, budget, timeout), allow_private) for u in urls
        ]
    return _with_downloads(conv, sinks)


async def aresolve_media(
    conv: Conversation,
    *,
    timeout: float = 30.0,
    max_bytes: int = INLINE_LIMIT_BYTES,
    allow_private: bool = False,
) -> Conversation:
    """Async `resolve_media`: downloads concurrently, never blocking the event loop;
    when one download fails the others are cancelled."""
    if not (urls := _urls_to_fetch(conv)):
        return conv
    budget = _Budget(conv, max_bytes)
    async with httpx2.AsyncClient() as http:
        jobs = (
            _adownload(http, _Sink(u, budget, timeout), allow_private) for u in urls
        )
        sinks = await _gather_all(jobs)
    return _with_downloads(conv, sinks)


async def _gather_all(jobs: Iterable[Awaitable[_T]]) -> list[_T]:
    """Run jobs concurrently; on the first failure cancel the rest and re-raise."""
    tasks = [asyncio.ensure_future(job) for job in jobs]
    try:
        return list(await asyncio.gather(*tasks))
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise
