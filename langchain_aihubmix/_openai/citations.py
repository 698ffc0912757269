"""OpenAI `url_citation` annotations -> Gemini-shaped `grounding_metadata`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel


def url_citations(source: BaseModel) -> list[dict[str, Any]]:
    """The `url_citation`s of a message or stream delta, as plain dicts.

    Reads `annotations` (a typed field on whole messages, an extra field on
    deltas); accepts `{"type": "url_citation", "url_citation": {...}}` and the
    flat `{"type": "url_citation", "url": ...}` some gateways send.
    """
    # (`getattr` of a field a delta lacks raises and catches inside pydantic)
    raw = source.__dict__.get("annotations") or (source.model_extra or {}).get(
        "annotations"
    )
    out: list[dict[str, Any]] = []
    for item in raw if isinstance(raw, list) else ():
        data = item.model_dump() if isinstance(item, BaseModel) else item
        if not isinstance(data, Mapping) or data.get("type") != "url_citation":
            continue
        inner = data.get("url_citation")
        citation = inner if isinstance(inner, Mapping) else data
        if isinstance(citation.get("url"), str):
            out.append(dict(citation))
    return out


def grounding_metadata(citations: list[dict[str, Any]], text: str) -> dict[str, Any]:
    """`response_metadata["grounding_metadata"]` as the native route reports it.

    One grounding chunk per distinct (url, title), one support per citation; its
    segment carries the cited `text` when the indices fall inside the answer.
    langchain-core's `google_genai` translator turns this into `citation`
    annotations on the first text block, exactly as for the native route.
    """
    chunks: list[dict[str, Any]] = []
    seen: dict[tuple[str, str | None], int] = {}
    supports: list[dict[str, Any]] = []
    for citation in citations:
        key = (str(citation["url"]), citation.get("title"))
        if key not in seen:
            seen[key] = len(chunks)
            web = {"uri": key[0]} | ({"title": key[1]} if key[1] is not None else {})
            chunks.append({"web": web})
        segment: dict[str, Any] = {}
        start, end = citation.get("start_index"), citation.get("end_index")
        if isinstance(start, int) and isinstance(end, int):
            segment = {"start_index": start, "end_index": end}
            if 0 <= start < end <= len(text):
                segment["text"] = text[start:end]
        supports.append({"segment": segment, "grounding_chunk_indices": [seen[key]]})
    return {"grounding_chunks": chunks, "grounding_supports": supports}
