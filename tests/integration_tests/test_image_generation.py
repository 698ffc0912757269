"""Image generation (Nano Banana family) on the native route, over HTTP.

Images come back as image blocks with their thought signatures, sized by
`image_config`; a multi-turn edit replays the image and its signature; usage counts
the image tokens and the cost follows the catalogue price; the OpenAI route refuses.
"""

from __future__ import annotations

import base64
import struct
import zlib
from typing import Any

import pytest
from langchain_core.messages import AIMessage, HumanMessage

from langchain_aihubmix import ChatAiHubMixGemini
from langchain_aihubmix.testing import AiHubMixEmulator
from langchain_aihubmix.testing.images import read_png_size
from langchain_aihubmix.testing.tokens import IMAGE_OUTPUT_TOKENS
from tests import support
from tests.support import ENTRIES, run

ENTRY_POINTS = ENTRIES


def decoded_png(data: bytes) -> tuple[int, int, bytes]:
    """Width, height and pixel rows of a PNG, every chunk's CRC checked."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, size = 8, b"", (0, 0)
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        assert crc == zlib.crc32(kind + body)
        if kind == b"IHDR":
            size = struct.unpack(">II", body[:8])
        if kind == b"IDAT":
            idat += body
        pos += 12 + length
    return size[0], size[1], zlib.decompress(idat)


def images_of(message: AIMessage) -> list[dict[str, Any]]:
    return [b for b in message.content_blocks if b["type"] == "image"]


@pytest.fixture
def llm(hub: AiHubMixEmulator) -> ChatAiHubMixGemini:
    return support.make_llm(
        hub,
        model="gemini-2.5-flash-image",
        response_modalities=["TEXT", "IMAGE"],
        image_config={"aspect_ratio": "16:9", "image_size": "1K"},
    )


@pytest.mark.parametrize("entry", ENTRY_POINTS)
def test_an_image_comes_back_as_a_signed_image_block(
    hub: AiHubMixEmulator, llm: ChatAiHubMixGemini, entry: str
) -> None:
    message = run(llm, entry, "A lighthouse at dawn")
    config = hub.requests[-1].body["generationConfig"]
    assert config["responseModalities"] == ["TEXT", "IMAGE"]
    assert config["imageConfig"] == {"aspectRatio": "16:9", "imageSize": "1K"}
    raw = [
        b for b in message.content if isinstance(b, dict) and b["type"] == "image_url"
    ]
    assert len(raw) == 1 and raw[0]["signature"]
    (image,) = images_of(message)
    assert image["mime_type"] == "image/png"
    width, height, pixels = decoded_png(base64.b64decode(image["base64"]))
    assert (width, height) == (1024, 576)
    assert len(pixels) == height * (1 + 3 * width)
    assert message.text.startswith("Here is an image")
    usage = message.usage_metadata
    assert usage is not None and usage["output_tokens"] >= IMAGE_OUTPUT_TOKENS
    cost = message.response_metadata["cost"]
    # the catalogue's output rate applies to image tokens too
    assert cost["output"] == pytest.approx(usage["output_tokens"] * 2.499 / 1e6)


@pytest.mark.parametrize("entry", ["invoke", "astream"])
def test_multi_turn_editing_replays_image_and_signature(
    hub: AiHubMixEmulator, llm: ChatAiHubMixGemini, entry: str
) -> None:
    first = run(llm, entry, "A lighthouse at dawn")
    (sent,) = [
        b for b in first.content if isinstance(b, dict) and b["type"] == "image_url"
    ]
    edit = run(
        llm,
        entry,
        [
            HumanMessage("A lighthouse at dawn"),
            first,
            HumanMessage("Make the sky purple"),
        ],
    )
    model_turn = hub.requests[-1].body["contents"][1]
    (replayed,) = [p for p in model_turn["parts"] if "inlineData" in p]
    # the same bytes (google-genai re-encodes signatures URL-safe on the wire)
    assert base64.urlsafe_b64decode(replayed["thoughtSignature"]) == base64.b64decode(
        sent["signature"]
    )
    assert replayed["inlineData"]["data"] == images_of(first)[0]["base64"]
    new = images_of(edit)[0]["base64"]
    assert new != images_of(first)[0]["base64"]  # the edit changed the picture
    assert read_png_size(base64.b64decode(new)) == (1024, 576)


@pytest.mark.parametrize("entry", ENTRY_POINTS)
def test_gemini3_image_model_accepts_its_own_signed_history(
    hub: AiHubMixEmulator, entry: str
) -> None:
    """Gemini 3 image models reject a history text or image part without its
    signature (the emulator too): the package's own replies replay them."""
    llm = support.make_llm(hub, model="gemini-3-pro-image-preview")
    first = run(llm, entry, "A lighthouse at dawn")
    run(
        llm, entry, [HumanMessage("A lighthouse at dawn"), first, HumanMessage("Bluer")]
    )
    parts = hub.requests[-1].body["contents"][1]["parts"]
    assert [("thoughtSignature" in p) for p in parts if p.get("text") != ""] == [
        True,
        True,
    ]


def test_gemini3_image_model_with_unsigned_history(hub: AiHubMixEmulator) -> None:
    """A history written by hand or stored without signatures still works."""
    llm = support.make_llm(hub, model="gemini-3-pro-image-preview")
    history = [
        HumanMessage("A lighthouse at dawn"),
        AIMessage("Here is a lighthouse at dawn."),
        HumanMessage("Bluer"),
    ]
    assert llm.invoke(history).text.startswith("Here is an image")


def test_image_models_draw_by_default_and_text_only_on_request(
    hub: AiHubMixEmulator,
) -> None:
    plain = support.make_llm(
        hub,
        model="gemini-3.1-flash-image-preview",
    )
    (image,) = images_of(plain.invoke("A red kite"))
    assert hub.requests[-1].route == "native"
    assert read_png_size(base64.b64decode(image["base64"])) == (1024, 1024)
    text_only = plain.invoke("A red kite", response_modalities=["TEXT"])
    assert images_of(text_only) == [] and text_only.text


@pytest.mark.parametrize(
    ("config", "size"),
    [
        ({"aspect_ratio": "9:16", "image_size": "2K"}, (1152, 2048)),
        ({"aspect_ratio": "1:1"}, (1024, 1024)),
        ({"aspect_ratio": "21:9", "image_size": "1K"}, (1024, 439)),
    ],
)
def test_image_config_sets_the_size(
    hub: AiHubMixEmulator, config: dict[str, str], size: tuple[int, int]
) -> None:
    llm = support.make_llm(
        hub,
        model="gemini-3-pro-image-preview",
        image_config=config,
    )
    (image,) = images_of(llm.invoke("A map"))
    assert read_png_size(base64.b64decode(image["base64"])) == size


def test_the_openai_route_refuses_image_models(hub: AiHubMixEmulator) -> None:
    with pytest.raises(ValueError, match="native route only"):
        support.make_llm(
            hub,
            model="gemini-2.5-flash-image",
            transport="openai",
        )
    assert hub.requests == []


def test_the_example_writes_real_pngs(tmp_path: Any) -> None:
    import os

    example = support.ROOT / "examples" / "image_generation.py"
    env = {k: v for k, v in os.environ.items() if k != "AIHUBMIX_API_KEY"}
    done = support.script("doc_snippets").run_file(example, env, str(tmp_path))
    assert done.returncode == 0, done.stderr[-2000:]
    for name in ("lighthouse.png", "lighthouse_purple.png"):
        width, height, pixels = decoded_png((tmp_path / name).read_bytes())
        assert (width, height) == (1024, 576) and len(set(pixels)) > 2
    assert (tmp_path / "lighthouse.png").read_bytes() != (
        tmp_path / "lighthouse_purple.png"
    ).read_bytes()
