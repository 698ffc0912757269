"""Large inline media reach the gateway intact, on both routes, in every call mode.

Media from `SPLICE_MIN_BYTES` up is not built into the SDK's JSON: the body is sent
as segments with the media encoded slice by slice
(`langchain_aihubmix._input.large_media`).
These tests decode what the emulator received over HTTP and compare it with what
the user sent, byte for byte.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import os
from functools import partial
from itertools import product
from typing import Any
from urllib.parse import quote_from_bytes

import pytest
from langchain_core.messages import HumanMessage

from langchain_aihubmix._input.large_media import HEAVY_INPUT_CHARS, SPLICE_MIN_BYTES
from langchain_aihubmix.testing import AiHubMixEmulator
from langchain_aihubmix.testing.server import RecordedRequest
from tests import support
from tests.support import ROUTES, MakeLLM, Transport, run, turns

PNG = b"\x89PNG\r\n\x1a\n"


def _image(size: int) -> bytes:
    return PNG + os.urandom(size - len(PNG))


def _b64_block(data: bytes) -> dict[str, Any]:
    return {
        "type": "image",
        "base64": base64.b64encode(data).decode(),
        "mime_type": "image/png",
    }


def _data_url_block(data: bytes) -> dict[str, Any]:
    """A base64 `data:` URL in an OpenAI-style `image_url` block."""
    url = "data:image/png;base64," + base64.b64encode(data).decode()
    return {"type": "image_url", "image_url": {"url": url}}


def _percent_block(data: bytes) -> dict[str, Any]:
    """A percent-encoded `data:` URL: the package holds it as raw bytes."""
    url = "data:image/png," + quote_from_bytes(data)
    return {"type": "image_url", "image_url": {"url": url}}


def _received_images(hub: AiHubMixEmulator) -> list[bytes]:
    """The images of the last request, decoded from the wire, in order."""
    return _images_of(hub.requests[-1])


def _images_of(request: RecordedRequest) -> list[bytes]:
    images = []
    if request.route == "native":
        for part in request.body["contents"][-1]["parts"]:
            if blob := part.get("inlineData"):
                images.append(base64.b64decode(blob["data"], validate=True))
    else:
        for block in request.body["messages"][-1]["content"]:
            if block.get("type") == "image_url":
                url = block["image_url"]["url"]
                assert url.startswith("data:image/png;base64,")
                images.append(base64.b64decode(url.split(",", 1)[1], validate=True))
    return images


@pytest.fixture
def make_llm(make_llm: MakeLLM) -> MakeLLM:
    return partial(make_llm, max_retries=2, timeout=60)


MODES = ("invoke", "ainvoke", "stream", "astream")
BLOCKS = {"base64": _b64_block, "data_url": _data_url_block, "percent": _percent_block}


@pytest.mark.parametrize(
    ("form", "route", "mode"),
    [("base64", route, mode) for route in ROUTES for mode in MODES]
    + turns(product(["data_url", "percent"], ROUTES), MODES),
)
def test_large_image_arrives_intact(
    make_llm: MakeLLM,
    hub: AiHubMixEmulator,
    route: Transport,
    mode: str,
    form: str,
) -> None:
    """Every route x mode sends a spliced base64 block; the data-URL forms become
    the same bytes before a route is chosen, so modes take turns for them."""
    # above both thresholds: spliced, and (async) normalised off the event loop
    image = _image(HEAVY_INPUT_CHARS)
    text = run(
        make_llm(route),
        mode,
        [
            HumanMessage(
                [
                    {"type": "text", "text": "describe this"},
                    BLOCKS[form](image),
                ]
            )
        ],
    ).text
    assert text
    assert _received_images(hub) == [image]


@pytest.mark.parametrize("route", ROUTES)
def test_mixed_sizes_keep_their_order(
    make_llm: MakeLLM,
    hub: AiHubMixEmulator,
    route: Transport,
) -> None:
    images = [
        _image(SPLICE_MIN_BYTES + 1),
        _image(1000),
        _image(SPLICE_MIN_BYTES - 1),
        _image(3 * SPLICE_MIN_BYTES + 2),
    ]
    blocks = [
        _b64_block(images[0]),
        _percent_block(images[1]),
        _data_url_block(images[2]),
        _percent_block(images[3]),
    ]
    prompt = {"type": "text", "text": "compare"}
    make_llm(route).invoke([HumanMessage([prompt, *blocks])])
    assert _received_images(hub) == images


@pytest.mark.parametrize("route", ROUTES)
def test_concurrent_calls_each_send_their_own_image(
    make_llm: MakeLLM,
    hub: AiHubMixEmulator,
    route: Transport,
) -> None:
    llm = make_llm(route)
    images = [_image(SPLICE_MIN_BYTES + i) for i in range(6)]

    async def main() -> None:
        await asyncio.gather(
            *(
                llm.ainvoke(
                    [
                        HumanMessage(
                            [{"type": "text", "text": str(i)}, _b64_block(image)]
                        )
                    ]
                )
                for i, image in enumerate(images)
            )
        )

    asyncio.run(main())
    received = {
        hashlib.sha256(image).hexdigest()
        for request in hub.requests
        for image in _images_of(request)
    }
    assert received == {hashlib.sha256(image).hexdigest() for image in images}


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("mode", ["invoke", "astream"])
def test_retried_request_carries_the_image_again(
    make_llm: MakeLLM,
    hub: AiHubMixEmulator,
    route: Transport,
    mode: str,
) -> None:
    image = _image(SPLICE_MIN_BYTES * 2)
    hub.inject_fault("503", count=1)
    run(
        make_llm(route),
        mode,
        [HumanMessage([{"type": "text", "text": "x"}, _b64_block(image)])],
    )
    assert len(hub.requests) == 2
    assert _received_images(hub) == [image]


@pytest.mark.parametrize("route", ROUTES)
def test_users_own_request_hooks_still_run(
    hub: AiHubMixEmulator, route: Transport
) -> None:
    seen: list[str] = []
    llm = support.make_llm(
        hub,
        route,
        client_args={"event_hooks": {"request": [lambda r: seen.append(r.url.path)]}},
    )
    image = _image(SPLICE_MIN_BYTES)
    llm.invoke([HumanMessage([{"type": "text", "text": "x"}, _b64_block(image)])])
    assert len(seen) == 1
    assert _received_images(hub) == [image]
