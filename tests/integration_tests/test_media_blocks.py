"""Input blocks other integrations accept, as they reach the gateway over HTTP.

langchain-google-genai's `{"type": "media", ...}` block, and `text-plain` blocks whose
MIME type is not `text/plain` (AiHubMix's code-execution guide uploads a CSV as
`inline_data` with `mime_type="text/csv"`): both go as inline data of their type.
"""

from __future__ import annotations

import base64
from functools import partial
from typing import Any

import pytest
from langchain_core.messages import HumanMessage

from langchain_aihubmix._options.native_only import NotOnOpenAIRouteError
from langchain_aihubmix.errors import InvalidInputError
from langchain_aihubmix.testing import AiHubMixEmulator
from tests.support import ENTRIES, Entry, make_llm, run

CSV = "city,temp\nParis,21\nOslo,9\n"
CSV_B64 = base64.b64encode(CSV.encode()).decode()
PROMPT = "Summarise the key statistics of this CSV."

CSV_BLOCKS: dict[str, dict[str, Any]] = {
    "text-plain text/csv": {"type": "text-plain", "text": CSV, "mime_type": "text/csv"},
    "text-plain base64 text/csv": {
        "type": "text-plain",
        "base64": CSV_B64,
        "mime_type": "text/csv",
    },
    "file base64 text/csv": {
        "type": "file",
        "base64": CSV_B64,
        "mime_type": "text/csv",
    },
    "genai media bytes": {
        "type": "media",
        "mime_type": "text/csv",
        "data": CSV.encode(),
    },
    "genai media base64": {"type": "media", "mime_type": "text/csv", "data": CSV_B64},
}

_llm = partial(make_llm, max_retries=0)


def _sent_media(hub: AiHubMixEmulator, transport: str) -> list[tuple[str, bytes]]:
    """(MIME type, bytes) of every inline medium in the last request's user turn."""
    body = hub.requests[-1].body
    out: list[tuple[str, bytes]] = []
    if transport == "native":
        for part in body["contents"][-1]["parts"]:
            blob = part.get("inlineData") or part.get("inline_data")
            if blob is not None:  # the SDK may send either spelling
                mime = blob.get("mimeType") or blob.get("mime_type")
                out.append((mime, base64.b64decode(blob["data"])))
            assert "text" not in part or part["text"] == PROMPT, "CSV sent as text"
        return out
    for part in body["messages"][-1]["content"]:
        if part["type"] == "file":
            url = part["file"]["file_data"]
            head, data = url.split(",", 1)
            out.append(
                (head.removeprefix("data:").split(";")[0], base64.b64decode(data))
            )
        assert part["type"] != "text" or part["text"] == PROMPT, "CSV sent as text"
    return out


@pytest.mark.parametrize("entry", ENTRIES)
@pytest.mark.parametrize("transport", ["native", "openai"])
@pytest.mark.parametrize("case", sorted(CSV_BLOCKS))
def test_csv_goes_as_inline_data_of_its_type(
    hub: AiHubMixEmulator, case: str, transport: str, entry: Entry
) -> None:
    message = HumanMessage(content=[CSV_BLOCKS[case], {"type": "text", "text": PROMPT}])
    reply = run(_llm(hub, transport), entry, [message])
    assert reply.text
    assert _sent_media(hub, transport) == [("text/csv", CSV.encode())]


@pytest.mark.parametrize("transport", ["native", "openai"])
def test_plain_text_plain_block_stays_text(
    hub: AiHubMixEmulator, transport: str
) -> None:
    block = {
        "type": "text-plain",
        "text": CSV,
        "mime_type": "text/plain; charset=utf-8",
    }
    _llm(hub, transport).invoke([HumanMessage(content=[block])])
    body = hub.requests[-1].body
    if transport == "native":
        assert body["contents"][-1]["parts"] == [{"text": CSV}]
    else:
        content = body["messages"][-1]["content"]
        texts = content if isinstance(content, str) else content[0]["text"]
        assert texts == CSV


@pytest.mark.parametrize("key", ["file_uri", "url"])
def test_genai_media_file_reference_native(hub: AiHubMixEmulator, key: str) -> None:
    uri = "gs://bucket/report.pdf"
    block = {"type": "media", "mime_type": "application/pdf", key: uri}
    _llm(hub, "native").invoke([HumanMessage(content=[block, PROMPT])])
    parts = hub.requests[-1].body["contents"][-1]["parts"]
    ref = parts[0].get("fileData") or parts[0].get("file_data")
    assert ref is not None and len(parts[0]) == 1
    assert (ref.get("fileUri") or ref.get("file_uri")) == uri
    assert (ref.get("mimeType") or ref.get("mime_type")) == "application/pdf"


@pytest.mark.parametrize("transport", ["native", "openai"])
@pytest.mark.parametrize(
    "block",
    [
        {"type": "media", "mime_type": "text/csv", "data": CSV_B64, "unknown": 1},
        {"type": "media", "mime_type": "text/csv"},
        {
            "type": "media",
            "mime_type": "text/csv",
            "data": CSV_B64,
            "file_uri": "gs://b/a.csv",
        },
        {"type": "media", "mime_type": "text/csv", "data": "not base64!"},
        {"type": "media", "mime_type": "not a type", "data": CSV.encode()},
        {"type": "media", "data": b"no magic bytes here"},
    ],
    ids=[
        "unknown key",
        "no source",
        "two sources",
        "bad base64",
        "bad mime",
        "unknown mime",
    ],
)
def test_bad_media_block_is_rejected_before_sending(
    hub: AiHubMixEmulator, transport: str, block: dict[str, Any]
) -> None:
    with pytest.raises(InvalidInputError):
        _llm(hub, transport).invoke([HumanMessage(content=[block, PROMPT])])
    assert hub.requests == []


# -- per-part options: video metadata and media resolution (native only) --------------

YOUTUBE = "https://www.youtube.com/watch?v=9hE5-98ZeCg"
CLIP = {"fps": 2, "start_offset": "10s", "end_offset": "20.5s"}


@pytest.mark.parametrize("entry", ENTRIES)
@pytest.mark.parametrize(
    "source", [{"file_uri": YOUTUBE}, {"data": b"\x00\x00\x00\x18ftypmp42"}]
)
def test_video_metadata_and_media_resolution_go_on_the_part(
    hub: AiHubMixEmulator, entry: Entry, source: dict[str, Any]
) -> None:
    """langchain-google-genai's media block options, on the native wire in
    google-genai's shapes (`videoMetadata`, `mediaResolution.level`)."""
    block = {"type": "media", "mime_type": "video/mp4", **source}
    block |= {"video_metadata": CLIP, "media_resolution": "low"}
    run(_llm(hub, "native", model="gemini-3-flash-preview"), entry, [
        HumanMessage(content=[block, "Summarise the clip."])
    ])  # fmt: skip
    part = hub.requests[-1].body["contents"][-1]["parts"][0]
    assert part["videoMetadata"] == {
        "fps": 2.0,
        "start_offset": "10s",
        "end_offset": "20.5s",
    }
    assert part["mediaResolution"] == {"level": "MEDIA_RESOLUTION_LOW"}
    assert ("fileData" in part) == ("file_uri" in source)


@pytest.mark.parametrize(
    ("options", "says"),
    [
        ({"video_metadata": {"fps": 0}}, r"fps must be a number in \(0, 24\]"),
        ({"video_metadata": {"fps": 30}}, "fps must be"),
        ({"video_metadata": {"fps": "2"}}, "fps must be"),
        ({"video_metadata": {"start_offset": "-1s"}}, "start_offset '-1s'"),
        ({"video_metadata": {"start_offset": -1}}, "start_offset -1"),
        ({"video_metadata": {"end_offset": "10 s"}}, "end_offset '10 s'"),
        (
            {"video_metadata": {"start_offset": "20s", "end_offset": "10s"}},
            "start_offset is after end_offset",
        ),
        ({"video_metadata": {"speed": 2}}, "video_metadata takes"),
        ({"video_metadata": {"startOffset": "1s"}}, "video_metadata takes"),
        ({"video_metadata": "10s"}, "video_metadata takes"),
        ({"media_resolution": "tiny"}, "media_resolution 'tiny' is not one of"),
    ],
)
def test_bad_part_options_are_named_before_sending(
    hub: AiHubMixEmulator, options: dict[str, Any], says: str
) -> None:
    block = {"type": "media", "mime_type": "video/mp4", "file_uri": YOUTUBE, **options}
    with pytest.raises(InvalidInputError, match="message 0 .*block 1: .*" + says):
        _llm(hub, "native").invoke([HumanMessage(content=["Describe", block])])
    assert hub.requests == []


@pytest.mark.parametrize("entry", ENTRIES)
def test_part_options_are_refused_on_the_openai_route(
    hub: AiHubMixEmulator, entry: Entry
) -> None:
    block = {"type": "media", "mime_type": "video/mp4", "file_uri": YOUTUBE}
    message = HumanMessage(content=[block | {"video_metadata": CLIP}, "Describe"])
    with pytest.raises(NotOnOpenAIRouteError, match="video_metadata"):
        run(_llm(hub, "openai"), entry, [message])
    assert hub.requests == []
