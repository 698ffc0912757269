"""The doctor's wire: raw requests to the gateway, and their redacted transcript."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx2

from langchain_aihubmix._errors.bodies import redact, redact_json

_KEPT_HEADERS = ("content-type", "x-request-id", "retry-after", "x-goog-upload-status")


@dataclass
class Exchange:
    """One request and its response, as sent and received (key not included).

    A transport failure has status 0, its text, and the exception in `error`.
    """

    label: str
    method: str
    url: str
    body: Any
    status: int
    headers: dict[str, str]
    text: str
    error: httpx2.HTTPError | None = None

    def json(self) -> Any:
        """The response body as JSON, or None when it is not JSON."""
        try:
            return json.loads(self.text)
        except ValueError:
            return None


@dataclass
class Wire:
    """Sends the doctor's requests and keeps every exchange.

    Attributes:
        base_url: The gateway root asked (of `roots`, the first that answers).
        api_key: The key (sent only to `base_url`; never recorded).
        client: The HTTP client.
        exchanges: Every exchange so far, oldest first.
    """

    base_url: str
    api_key: str
    client: httpx2.Client
    exchanges: list[Exchange] = field(default_factory=list)
    roots: tuple[str, ...] = ()
    """Every root of the gateway, in order (the mirror probe compares them)."""

    def send(
        self,
        label: str,
        method: str,
        path: str,
        body: Any = None,
        *,
        headers: dict[str, str] | None = None,
        params: dict[str, str] | None = None,
        root: str | None = None,
    ) -> Exchange:
        """Sends one request (to `root`, else `base_url`); a transport failure is
        recorded as status 0."""
        url = (root or self.base_url).rstrip("/") + path
        error = None
        try:
            response = self.client.request(
                method, url, json=body, headers=headers or {}, params=params
            )
            status, text = response.status_code, response.text
            kept = {k: v for k, v in response.headers.items() if k in _KEPT_HEADERS}
        except httpx2.HTTPError as exc:
            status, text, kept, error = 0, f"{type(exc).__name__}: {exc}", {}, exc
        exchange = Exchange(label, method, path, body, status, kept, text, error)
        self.exchanges.append(exchange)
        return exchange

    def native(
        self,
        label: str,
        model: str,
        body: Any,
        *,
        stream: bool = False,
        version: str = "v1beta",
        auth: str = "header",
    ) -> Exchange:
        """A native generateContent (or SSE stream) request."""
        method = "streamGenerateContent" if stream else "generateContent"
        path = f"/gemini/{version}/models/{model}:{method}"
        headers: dict[str, str] = {}
        params: dict[str, str] = {"alt": "sse"} if stream else {}
        if auth == "header":
            headers["x-goog-api-key"] = self.api_key
        elif auth == "query":
            params["key"] = self.api_key
        elif auth == "bearer":
            headers["Authorization"] = f"Bearer {self.api_key}"
        return self.send(label, "POST", path, body, headers=headers, params=params)

    def openai(self, label: str, body: Any, *, key: str | None = None) -> Exchange:
        """A `/v1/chat/completions` request."""
        headers = {"Authorization": f"Bearer {key or self.api_key}"}
        return self.send(label, "POST", "/v1/chat/completions", body, headers=headers)

    def record(self, directory: Path) -> list[Path]:
        """Writes the redacted transcript; returns the files written.

        Native generateContent replies (200) go to `native/` as VCR-style cassettes
        (`{"interactions": [{"request", "response": {"parsed_body" | "body":
        {"string": sse}}}]}`, JSON, which YAML loaders read), the shape the test
        suite replays from `tests/fixtures/recorded/`; every other exchange goes to
        `other/`. The key is removed everywhere; prompts are the doctor's own.
        """
        written = []
        for n, exchange in enumerate(self.exchanges):
            generated = re.search(r":(stream)?generateContent", exchange.url, re.I)
            native = exchange.status == 200 and generated is not None
            folder = directory / ("native" if native else "other")
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"doctor-{n:02d}-{exchange.label}.yaml"
            path.write_text(json.dumps(self._cassette(exchange), indent=1) + "\n")
            written.append(path)
        return written

    def _cassette(self, exchange: Exchange) -> dict[str, Any]:
        secret = self.api_key
        response: dict[str, Any] = {
            "status": {"code": exchange.status},
            "headers": exchange.headers,
        }
        parsed = exchange.json()
        if parsed is not None:
            response["parsed_body"] = redact_json(parsed, secret)
        else:
            response["body"] = {"string": redact(exchange.text, secret)}
        request = {
            "method": exchange.method,
            "uri": exchange.url,
            "parsed_body": redact_json(exchange.body, secret),
        }
        return {"interactions": [{"request": request, "response": response}]}
