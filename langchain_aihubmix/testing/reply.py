"""What routes and the HTTP layer share: the request, the replies, `get` for bodies."""

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


def get(obj: Any, camel: str, default: Any = None) -> Any:
    """`obj[camel]`, else its snake_case spelling, else `default` (both are valid)."""
    if not isinstance(obj, dict):
        return default
    if camel in obj:
        return obj[camel]
    snake = "".join("_" + c.lower() if c.isupper() else c for c in camel)
    return obj.get(snake, default)
