"""What a route hands back to the HTTP layer: a JSON reply or a framed stream."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class JsonReply:
    """A complete JSON response."""

    body: Any
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class StreamReply:
    """An SSE response: already-framed events, sent as HTTP chunks."""

    events: list[bytes]
    content_type: str = "text/event-stream"
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Exchange:
    """One parsed HTTP request, as the routes see it."""

    request_id: str
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any
    body_ok: bool
