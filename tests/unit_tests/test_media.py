"""Media inputs: base64, data URLs, MIME guessing, limits, and real-HTTP downloads."""

from __future__ import annotations

import asyncio
import base64
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest
from hypothesis import given
from hypothesis import strategies as st

from langchain_aihubmix._errors.base import InvalidInputError, MediaTooLargeError
from langchain_aihubmix._input.conversation import (
    Conversation,
    MediaPart,
    TextPart,
    ToolResultPart,
    Turn,
)
from langchain_aihubmix._input.encoding import (
    canonical_base64,
    guess_mime,
    read_data_url,
)
from langchain_aihubmix._input.media import (
    INLINE_LIMIT_BYTES,
    aresolve_media,
    check_inline_total,
    needs_fetch,
    resolve_media,
)

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
PDF = b"%PDF-1.7\n" + b"x" * 100

# --- base64 and data URLs ---------------------------------------------------------


def test_base64_with_line_breaks() -> None:
    text = base64.encodebytes(PNG).decode()  # MIME style: a newline every 76 chars
    assert "\n" in text.strip()
    assert base64.b64decode(canonical_base64(text)) == PNG


@given(st.binary(max_size=300))
def test_canonical_base64_accepts_every_dialect_without_decoding(data: bytes) -> None:
    std = base64.b64encode(data).decode()
    url = base64.urlsafe_b64encode(data).decode()
    for text in (std, url, std.rstrip("="), url.rstrip("="), f"  {std}\n"):
        assert canonical_base64(text) == std
        part = MediaPart("image/png", data=canonical_base64(text))
        assert part.inline_size == len(data)
        assert part.inline_bytes() == data
        assert part == MediaPart("image/png", data=data)  # equal media, either form
    assert canonical_base64(std) is std  # canonical text is kept, not copied


@pytest.mark.parametrize("bad", ["not base64!", "abcde", "ab=c", "é"])
def test_invalid_base64_is_a_clear_error(bad: str) -> None:
    with pytest.raises(InvalidInputError, match="invalid base64"):
        canonical_base64(bad)


def test_canonical_base64_checks_every_slice(monkeypatch: pytest.MonkeyPatch) -> None:
    import langchain_aihubmix._input.encoding as media

    monkeypatch.setattr(media, "_CHECK_CHARS", 8)
    assert canonical_base64("QUJDREVG" * 3) == "QUJDREVG" * 3
    for bad in (
        "QUJDREVG" + "QUJDRE=G",
        "QUJDRQ==" + "QUJDREVG",
        "QUJDREVG" + "QUJD!EVG",
    ):
        with pytest.raises(InvalidInputError, match="invalid base64"):
            canonical_base64(bad)


def test_data_urls() -> None:
    b64 = base64.b64encode(PNG).decode()
    assert read_data_url(f"data:image/png;base64,{b64}") == ("image/png", b64)
    assert read_data_url(f"DATA:Image/PNG;name=x.png;base64,{b64}") == (
        "image/png",
        b64,
    )
    assert read_data_url(f"data:;base64,{b64}") == ("image/png", b64)  # sniffed
    assert read_data_url("data:,A%20b") == ("text/plain", b"A b")
    assert read_data_url("data:text/csv;charset=utf-8,a,b") == ("text/csv", b"a,b")


@pytest.mark.parametrize(
    ("url", "match"),
    [
        ("https://ex.com/x.png", "not a data URL"),
        ("data:image/png;base64", "not a data URL"),
        ("data:image/png;base64,@@@", "invalid base64"),
    ],
)
def test_bad_data_urls(url: str, match: str) -> None:
    with pytest.raises(InvalidInputError, match=match):
        read_data_url(url)


# --- MIME guessing ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("head", "mime"),
    [
        (b"\x89PNG\r\n\x1a\n", "image/png"),
        (b"\xff\xd8\xff\xe0", "image/jpeg"),
        (b"GIF89a", "image/gif"),
        (b"RIFF\0\0\0\0WEBPVP8 ", "image/webp"),
        (b"RIFF\0\0\0\0WAVEfmt ", "audio/wav"),
        (b"\0\0\0\x18ftypheic", "image/heic"),
        (b"\0\0\0\x18ftypisom", "video/mp4"),
        (b"%PDF-1.4", "application/pdf"),
        (b"ID3\x04", "audio/mpeg"),
        (b"\xff\xfb\x90", "audio/mpeg"),
        (b"fLaC", "audio/flac"),
        (b"OggS", "audio/ogg"),
        (b"FORM\0\0\0\0AIFF", "audio/aiff"),
        (b"\x1a\x45\xdf\xa3", "video/webm"),
    ],
)
def test_guess_mime_from_magic_bytes(head: bytes, mime: str) -> None:
    assert guess_mime(head + b"\0" * 16, "misleading.txt") == mime


@pytest.mark.parametrize(
    ("name", "mime"),
    [
        ("photo.JPG", "image/jpeg"),
        ("https://ex.com/a/b.webp?size=2#top", "image/webp"),
        ("clip.heic", "image/heic"),
        ("song.m4a", "audio/mp4"),
        ("talk.wav", "audio/wav"),
        ("doc.pdf", "application/pdf"),
        ("https://ex.com/render", None),
        ("noext", None),
    ],
)
def test_guess_mime_from_name(name: str, mime: str | None) -> None:
    assert guess_mime(b"unknown bytes", name) == mime


def test_guess_mime_with_nothing() -> None:
    assert guess_mime(None, None) is None
    assert guess_mime(b"", None) is None


# --- needs_fetch and the inline limit -------------------------------------------------


@pytest.mark.parametrize(
    ("uri", "fetch"),
    [
        ("https://ex.com/a.png", True),
        ("HTTP://ex.com/a.png", True),
        ("https://www.youtube.com/watch?v=x", False),
        ("https://youtube.com/watch?v=x", False),
        ("https://m.youtube.com/watch?v=x", False),
        ("https://youtu.be/x", False),
        ("https://notyoutube.com/x.png", True),
        ("gs://bucket/a.pdf", False),
        ("files/abc", False),
    ],
)
def test_needs_fetch(uri: str, fetch: bool) -> None:
    assert needs_fetch(MediaPart("image/png", uri=uri)) is fetch


def test_inline_parts_need_no_fetch() -> None:
    assert not needs_fetch(MediaPart("image/png", data=PNG))


def _conv(*parts: object) -> Conversation:
    return Conversation(system=["sys"], turns=[Turn("user", list(parts))])  # type: ignore[arg-type]


def test_inline_total_at_the_limit_passes() -> None:
    half = b"\0" * (INLINE_LIMIT_BYTES // 2)
    check_inline_total(
        _conv(MediaPart("image/png", data=half), MediaPart("image/png", data=half))
    )


def test_inline_total_over_the_limit_counts_tool_media() -> None:
    big = b"\0" * (INLINE_LIMIT_BYTES // 2 + 1)
    conv = _conv(MediaPart("image/png", data=big))
    conv.turns.append(
        Turn(
            "tool",
            [ToolResultPart("c", "f", "", media=(MediaPart("image/png", data=big),))],
        )
    )
    with pytest.raises(
        MediaTooLargeError, match=r"at most 20\.0 MB .*no File API.*found 20\.0 MB"
    ):
        check_inline_total(conv)
    assert issubclass(MediaTooLargeError, InvalidInputError)
    assert issubclass(InvalidInputError, ValueError)


# --- real HTTP ------------------------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    hits: ClassVar[Counter[str]] = Counter()

    def log_message(self, *args: object) -> None:
        pass

    def _send(
        self, status: int, body: bytes, ctype: str | None, length: bool = True
    ) -> None:
        self.send_response(status)
        if ctype:
            self.send_header("Content-Type", ctype)
        if length:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        path = self.path.split("?")[0]
        self.hits[path] += 1
        if path == "/img.png":
            self._send(200, PNG, "image/png")
        elif path == "/doc":
            self._send(200, PDF, "application/pdf; charset=binary")
        elif path == "/octet":
            self._send(200, PNG, "application/octet-stream")
        elif path == "/mystery":
            self._send(200, b"?? no magic here", None)
        elif path == "/missing":
            self._send(404, b"nope", "text/plain")
        elif path == "/redirect":
            self.send_response(302)
            self.send_header("Location", "/img.png")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif path == "/big-declared":
            self.send_response(200)
            self.send_header("Content-Length", str(10**9))
            self.end_headers()
        elif path == "/big-stream":  # no Content-Length: read until close
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()
            try:
                for _ in range(200):
                    self.wfile.write(b"\0" * 65536)
            except OSError:
                pass
        elif path == "/slow-headers":
            time.sleep(3)
            self._send(200, PNG, "image/png")
        elif path.startswith("/drip"):  # headers now, body over ~0.5 s
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(PNG)))
            self.end_headers()
            step = len(PNG) // 5
            for i in range(5):
                time.sleep(0.1)
                self.wfile.write(PNG[i * step : (i + 1) * step if i < 4 else None])
                self.wfile.flush()
        else:
            self._send(500, b"unexpected", "text/plain")


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(autouse=True)
def _reset_hits() -> None:
    _Handler.hits.clear()


Resolver = Callable[..., Conversation]


def _sync(conv: Conversation, **kw: object) -> Conversation:
    return resolve_media(conv, allow_private=True, **kw)  # type: ignore[arg-type]


def _async(conv: Conversation, **kw: object) -> Conversation:
    return asyncio.run(aresolve_media(conv, allow_private=True, **kw))  # type: ignore[arg-type]


both = pytest.mark.parametrize("resolve", [_sync, _async], ids=["sync", "async"])


@both
def test_downloads_are_inlined_into_a_new_conversation(
    server: str, resolve: Resolver
) -> None:
    youtube = MediaPart(None, uri="https://youtu.be/x")
    conv = _conv(
        TextPart("look"),
        MediaPart("image/jpeg", uri=f"{server}/img.png"),  # header wins over a guess
        MediaPart(None, uri=f"{server}/doc"),
        MediaPart(None, uri=f"{server}/octet"),  # generic header: sniffed
        youtube,
        MediaPart("image/png", uri=f"{server}/img.png"),
    )
    conv.turns.append(
        Turn(
            "tool",
            [
                ToolResultPart(
                    "c", "f", "x", media=(MediaPart(None, uri=f"{server}/redirect"),)
                )
            ],
        )
    )
    out = resolve(conv)
    assert out is not conv
    assert out.system == ["sys"]
    assert out.turns[0].parts == [
        TextPart("look"),
        MediaPart("image/png", data=PNG),
        MediaPart("application/pdf", data=PDF),
        MediaPart("image/png", data=PNG),
        youtube,
        MediaPart("image/png", data=PNG),
    ]
    assert out.turns[1].parts == [
        ToolResultPart("c", "f", "x", media=(MediaPart("image/png", data=PNG),))
    ]
    assert conv.turns[0].parts[1] == MediaPart(
        "image/jpeg", uri=f"{server}/img.png"
    )  # untouched
    assert (
        _Handler.hits["/img.png"] == 2
    )  # once directly (deduplicated), once via redirect


@both
def test_nothing_to_fetch_returns_the_conversation(resolve: Resolver) -> None:
    conv = _conv(
        TextPart("hi"), MediaPart("video/mp4", uri="https://youtube.com/watch?v=1")
    )
    assert resolve(conv) is conv


@both
def test_given_type_used_when_server_sends_none(server: str, resolve: Resolver) -> None:
    out = resolve(_conv(MediaPart("text/plain", uri=f"{server}/mystery")))
    assert out.turns[0].parts == [MediaPart("text/plain", data=b"?? no magic here")]


@both
def test_untypeable_download_is_rejected(server: str, resolve: Resolver) -> None:
    with pytest.raises(InvalidInputError, match=r"/mystery: cannot tell its type"):
        resolve(_conv(MediaPart(None, uri=f"{server}/mystery")))


@both
def test_http_error_names_the_url(server: str, resolve: Resolver) -> None:
    with pytest.raises(InvalidInputError, match=rf"{server}/missing: HTTP 404"):
        resolve(_conv(MediaPart("image/png", uri=f"{server}/missing")))


@both
def test_connection_error_names_the_url(resolve: Resolver) -> None:
    url = "http://127.0.0.1:9/x.png"  # discard port: nothing listens
    with pytest.raises(InvalidInputError, match=r"127\.0\.0\.1:9/x\.png: Connect"):
        resolve(_conv(MediaPart("image/png", uri=url)))


@both
def test_timeout_names_the_url(server: str, resolve: Resolver) -> None:
    started = time.monotonic()
    with pytest.raises(InvalidInputError, match=r"/slow-headers: timed out"):
        resolve(
            _conv(MediaPart("image/png", uri=f"{server}/slow-headers")), timeout=0.3
        )
    assert time.monotonic() - started < 2


@both
def test_total_deadline_applies_to_a_dripping_body(
    server: str, resolve: Resolver
) -> None:
    with pytest.raises(InvalidInputError, match=r"/drip: timed out"):
        resolve(_conv(MediaPart("image/png", uri=f"{server}/drip")), timeout=0.25)


@both
def test_declared_oversize_is_rejected_before_the_body(
    server: str, resolve: Resolver
) -> None:
    with pytest.raises(
        MediaTooLargeError, match=r"/big-declared \(953\.7 MB\) would exceed"
    ):
        resolve(_conv(MediaPart("image/png", uri=f"{server}/big-declared")))


@both
def test_streamed_body_is_capped(server: str, resolve: Resolver) -> None:
    with pytest.raises(
        MediaTooLargeError, match=r"/big-stream exceeded the limit.*at most 0\.1 MB"
    ):
        resolve(
            _conv(MediaPart("image/png", uri=f"{server}/big-stream")), max_bytes=100_000
        )


@both
def test_cap_counts_media_already_inline(server: str, resolve: Resolver) -> None:
    conv = _conv(
        MediaPart("image/png", data=b"\0" * 1000),
        MediaPart("image/png", uri=f"{server}/img.png"),
    )
    out = resolve(conv, max_bytes=1000 + len(PNG))
    assert out.turns[0].parts[1] == MediaPart("image/png", data=PNG)
    with pytest.raises(MediaTooLargeError):
        resolve(conv, max_bytes=1000 + len(PNG) - 1)


async def test_async_downloads_concurrently(server: str) -> None:
    conv = _conv(*(MediaPart(None, uri=f"{server}/drip{i}") for i in range(4)))
    started = time.monotonic()
    out = await aresolve_media(conv, allow_private=True)
    elapsed = time.monotonic() - started
    assert out.turns[0].parts == [MediaPart("image/png", data=PNG)] * 4
    assert elapsed < 1.2  # four ~0.5 s downloads, sequentially >= 2 s


async def test_async_download_does_not_block_the_event_loop(server: str) -> None:
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    task = asyncio.create_task(ticker())
    try:
        await aresolve_media(
            _conv(MediaPart(None, uri=f"{server}/drip")), allow_private=True
        )
    finally:
        task.cancel()
    assert ticks >= 20  # ~0.5 s of download: the loop kept running


async def test_async_failure_cancels_the_other_downloads(server: str) -> None:
    conv = _conv(
        MediaPart(None, uri=f"{server}/slow-headers"),
        MediaPart(None, uri=f"{server}/missing"),
    )
    started = time.monotonic()
    with pytest.raises(InvalidInputError, match="HTTP 404"):
        await aresolve_media(conv, allow_private=True)
    assert time.monotonic() - started < 2
