"""`large_media`: stand-in tokens and the spliced request body, byte for byte."""

from __future__ import annotations

import asyncio
import base64
import json
import os

import httpx2
import pytest

from langchain_aihubmix._input.conversation import (
    Conversation,
    MediaPart,
    TextPart,
    Turn,
)
from langchain_aihubmix._input.large_media import (
    _SLICE_BYTES,
    _SLICE_CHARS,
    SPLICE_MIN_BYTES,
    MediaSplicer,
)
from tests.unit_tests.loop_ticks import ticks_during


def _conv(*parts: object) -> Conversation:
    return Conversation(system=["sys"], turns=[Turn("user", list(parts))])  # type: ignore[arg-type]


def _request(conv: Conversation) -> httpx2.Request:
    """What an SDK would build: the media's base64 text inside a JSON body."""
    body = {
        "parts": [
            {"data": p.inline_base64()}
            if isinstance(p, MediaPart)
            else {"text": p.text}
            for p in conv.turns[0].parts  # type: ignore[union-attr]
        ]
    }
    return httpx2.Request("POST", "http://gateway/x", json=body)


def _sent(request: httpx2.Request) -> bytes:
    return b"".join(request.stream)  # type: ignore[union-attr]


async def _asent(request: httpx2.Request) -> bytes:
    return b"".join([piece async for piece in request.stream])  # type: ignore[union-attr]


# slice boundaries hit exactly, and missed by one, for bytes and for base64 text
SIZES = [
    SPLICE_MIN_BYTES,
    2 * _SLICE_BYTES,
    2 * _SLICE_BYTES + 1,
    3 * _SLICE_BYTES - 1,
    _SLICE_CHARS * 3 // 2,
    _SLICE_CHARS * 3 // 2 + 2,
]


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("as_text", [False, True])
def test_spliced_body_is_exactly_the_json_body(size: int, as_text: bool) -> None:
    raw = os.urandom(size)
    data: bytes | str = base64.b64encode(raw).decode() if as_text else raw
    small = MediaPart("image/png", os.urandom(100))
    conv = _conv(
        TextPart("a"),
        MediaPart("image/png", data),
        small,
        MediaPart("audio/wav", os.urandom(size)),
    )
    expected = _sent(_request(conv))
    splicer = MediaSplicer()
    with splicer.stand_ins(conv) as sent:
        request = _request(sent)
        assert len(request.content) < 1000  # the SDK only ever sees tokens
        splicer.request_hook(request)
        assert int(request.headers["Content-Length"]) == len(expected)
        assert _sent(request) == expected
        assert _sent(request) == expected  # re-iterable: retries send it again
        assert asyncio.run(_asent(request)) == expected
    assert json.loads(expected)["parts"][1]["data"] == base64.b64encode(raw).decode()


def test_small_media_and_text_are_left_alone() -> None:
    conv = _conv(TextPart("a"), MediaPart("image/png", b"x" * (SPLICE_MIN_BYTES - 1)))
    splicer = MediaSplicer()
    with splicer.stand_ins(conv) as sent:
        assert sent is conv


def test_tokens_are_unregistered_even_when_the_call_fails() -> None:
    splicer = MediaSplicer()
    conv = _conv(MediaPart("image/png", os.urandom(SPLICE_MIN_BYTES)))
    with pytest.raises(RuntimeError), splicer.stand_ins(conv) as sent:
        request = _request(sent)
        raise RuntimeError
    # a late request carrying the token is no longer touched
    splicer.request_hook(request)
    assert b"AiHubMixSplice" in _sent(request)
    assert int(request.headers["Content-Length"]) == len(_sent(request))


def test_another_calls_token_is_never_replaced() -> None:
    first, second = MediaSplicer(), MediaSplicer()
    conv = _conv(MediaPart("image/png", os.urandom(SPLICE_MIN_BYTES)))
    with first.stand_ins(conv) as sent, second.stand_ins(conv):
        request = _request(sent)
        second.request_hook(request)
        assert b"AiHubMixSplice" in _sent(request)
        first.request_hook(request)
        assert b"AiHubMixSplice" not in _sent(request)


def test_async_body_yields_to_the_loop_between_slices() -> None:
    raw = os.urandom(4 * _SLICE_BYTES)
    splicer = MediaSplicer()

    async def main() -> tuple[list[bytes], int]:
        with splicer.stand_ins(_conv(MediaPart("image/png", raw))) as sent:
            request = _request(sent)
            await splicer.arequest_hook(request)

            async def body() -> list[bytes]:
                return [piece async for piece in request.stream]  # type: ignore[union-attr]

            return await ticks_during(body())

    pieces, ticks = asyncio.run(main())
    assert len(pieces) >= 4
    assert b"".join(pieces) == _sent(_request(_conv(MediaPart("image/png", raw))))
    assert ticks >= 4  # the ticker ran while the body was being produced
