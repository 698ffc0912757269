"""Test helper: the exact JSON body google-genai would send for a request."""

from __future__ import annotations

import json
from typing import Any

from google import genai
from google.genai import types

_OK = {
    "candidates": [
        {
            "content": {"parts": [{"text": "ok"}], "role": "model"},
            "finishReason": "STOP",
        }
    ]
}


def wire_body(
    contents: list[types.Content],
    config: types.GenerateContentConfig | None = None,
    model: str = "gemini-3-pro-preview",
) -> dict[str, Any]:
    """Run the SDK's own request pipeline (no network) and return the JSON body."""
    client = genai.Client(api_key="test-key", http_options={"api_version": "v1beta"})
    captured: dict[str, Any] = {}

    def request(method: str, path: str, body: dict[str, Any], *_: Any) -> Any:
        captured["path"] = path
        captured["body"] = json.loads(json.dumps(body))  # must be JSON-serialisable
        return types.HttpResponse(headers={}, body=json.dumps(_OK))

    client._api_client.request = request  # type: ignore[method-assign]
    client.models.generate_content(model=model, contents=contents, config=config)
    assert captured["path"] == f"models/{model}:generateContent"
    body: dict[str, Any] = captured["body"]
    body.pop("_url", None)
    return body
