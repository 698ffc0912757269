"""Load the recorded Gemini traffic in tests/fixtures/recorded as SDK objects.

Every file there is classified below, as single responses, streams, or skipped
(error bodies, countTokens, Google's OpenAI-compatible layer); `test_every_fixture_
is_classified` (test_native_response.py) fails when a new file is not.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from google.genai import models, types

RECORDED = Path(__file__).parents[1] / "fixtures" / "recorded"

SKIPPED: dict[str, str] = {
    "aihubmix/api-v1-models.json": "model catalogue (reconstructed)",
    "vercel-ai/google-429-retry-info.json": "error body",
    "vercel-ai/google-thinking-level-minimal-unsupported.json": "error body",
    "vercel-ai/issue-22372-live-errors.json": "error bodies",
    "vercel-ai/issue-8943-gemini-2.5-flash-error.json": "error body",
    "pydantic-ai/test_compatible_api_with_tool_calls_without_id.yaml": "OpenAI layer",
    "pydantic-ai/test_google_model_usage_limit_exceeded.yaml": "countTokens only",
    "reconstructed/openai-layer-prompt-count-lowered.sse": "OpenAI layer",
}
"""Files holding no GenerateContentResponse, with the reason."""


def parse_response(body: dict[str, Any]) -> types.GenerateContentResponse:
    """A response JSON body parsed exactly as google-genai parses one (Gemini API)."""
    converted = models._GenerateContentResponse_from_mldev(json.loads(json.dumps(body)))
    return types.GenerateContentResponse._from_response(response=converted, kwargs={})


def sse_events(text: str) -> list[dict[str, Any]]:
    """One JSON object per event: `data: {...}` framed (SSE) or one JSON a line."""
    events = []
    for raw in text.splitlines():
        line = raw.strip()
        if line:
            events.append(json.loads(line.removeprefix("data:").strip()))
    return events


def _yaml(rel: str) -> list[dict[str, Any]]:
    data = yaml.safe_load((RECORDED / rel).read_text())
    interactions: list[dict[str, Any]] = data["interactions"]
    return interactions


def _bodies() -> Iterator[tuple[str, str, Any]]:
    """(id, kind, body) for every recorded response: kind is "response" or "stream"."""
    for path in sorted(RECORDED.rglob("*")):
        rel = path.relative_to(RECORDED).as_posix()
        if not path.is_file() or rel in SKIPPED or path.name == "README.md":
            continue
        if rel.endswith(".chunks.txt"):
            yield rel, "stream", sse_events(path.read_text())
        elif rel.endswith(".yaml"):
            for i, interaction in enumerate(_yaml(rel)):
                response = interaction["response"]
                if "parsed_body" in response:
                    yield f"{rel}#{i}", "response", response["parsed_body"]
                else:
                    body = sse_events(response["body"]["string"])
                    yield f"{rel}#{i}", "stream", body
        elif rel.endswith(".json"):
            yield from _json_bodies(rel, json.loads(path.read_text()))
        else:
            raise AssertionError(f"unclassified fixture {rel}")


def _json_bodies(rel: str, data: dict[str, Any]) -> Iterator[tuple[str, str, Any]]:
    if "calls" in data:  # request/response pairs (issue 16072)
        for i, call in enumerate(data["calls"]):
            yield f"{rel}#{i}", "response", call["responseBody"]
    elif "response" in data:  # full live capture (threshold)
        yield rel, "response", data["response"]["body"]
    elif "low" in data:  # status/body pairs: only "low" succeeded
        assert data["minimal"]["status"] == 400
        yield f"{rel}#low", "response", data["low"]["body"]
    elif "candidates" in data or "promptFeedback" in data:
        yield rel, "response", data
    else:
        raise AssertionError(f"unclassified fixture {rel}")


def recorded_responses() -> dict[str, types.GenerateContentResponse]:
    """Every recorded single (non-stream) response, by id."""
    return {k: parse_response(b) for k, kind, b in _bodies() if kind == "response"}


def recorded_streams() -> dict[str, list[types.GenerateContentResponse]]:
    """Every recorded stream as its parsed chunks, by id."""
    return {
        k: [parse_response(e) for e in body]
        for k, kind, body in _bodies()
        if kind == "stream"
    }


def raw_body(fixture_id: str) -> Any:
    """The raw JSON (dict, or list of events for a stream) behind a fixture id."""
    for key, _kind, body in _bodies():
        if key == fixture_id:
            return body
    raise KeyError(fixture_id)


def all_fixture_files() -> list[str]:
    """Every fixture file, relative to RECORDED (README excluded)."""
    return sorted(
        p.relative_to(RECORDED).as_posix()
        for p in RECORDED.rglob("*")
        if p.is_file() and p.name != "README.md"
    )
