"""`chat.completions.create` without the openai SDK's request-transform pass, and
its replies built by pydantic rather than by the SDK's Python `construct`.

`create(**params)` first walks the whole request through `maybe_transform` against
the SDK's `TypedDict`s, which renames aliased keys and formats dates and files. A
chat request built by `_openai.request` / `options` holds none of them (plain
dicts, lists, strings and numbers, already in wire form), so the walk changes
nothing, yet its cost grows with the history and is paid on every call. Here the
body goes straight to `client.post`, as `create` would post it after the walk: the
same path, headers, auth, timeout and `extra_body` merge, so the wire bytes are the
same (tests/unit_tests/test_openai_shortcuts.py compares them, and the replies, and
fails when the SDK changes `post` or its `RequestOptions`). The SDK hands back the
reply's JSON (its own error checks done); `to_model` builds the SDK type from it.
Also here: `known_platform` gives an async client the platform name openai would
otherwise ask a worker thread for on each new client's first request.
"""

from __future__ import annotations

import json
from typing import Any, TypeVar

import openai
import pydantic
from openai._base_client import get_platform

_M = TypeVar("_M", bound=openai.BaseModel)

_PATH = "/chat/completions"
_OPTIONS = {"extra_body": "extra_json", "timeout": "timeout"}
"""`create`'s keyword arguments (of those the route passes) that are request
options, and their names in `openai.RequestOptions`."""


def _post(params: dict[str, Any]) -> dict[str, Any]:
    """`client.post`'s arguments for `create(**params)`, the reply left as JSON."""
    options: dict[str, Any] = {"security": {"bearer_auth": True}}
    options |= {_OPTIONS[k]: v for k, v in params.items() if k in _OPTIONS}
    return {
        "body": {k: v for k, v in params.items() if k not in _OPTIONS},
        "options": options,
        "cast_to": object,
        "stream": bool(params.get("stream")),
    }


def create(client: openai.OpenAI, params: dict[str, Any]) -> Any:
    """`client.chat.completions.create(**params)`, body sent as built.

    Args:
        client: The route's sync client.
        params: `create`'s keyword arguments (`stream=True` for a stream).

    Returns:
        A completion's JSON, or an `openai.Stream` of its chunks' JSON (`to_model`).
    """
    return client.post(_PATH, **_post(params), stream_cls=openai.Stream[object])


async def acreate(client: openai.AsyncOpenAI, params: dict[str, Any]) -> Any:
    """Async twin of `create`."""
    stream_cls = openai.AsyncStream[object]
    return await client.post(_PATH, **_post(params), stream_cls=stream_cls)


def platform_name() -> str:
    """openai's platform name for its headers (may block on I/O: call off the loop)."""
    return str(get_platform())


def known_platform(client: openai.AsyncOpenAI, platform: str) -> openai.AsyncOpenAI:
    """`client` with its platform name set (openai otherwise asks a worker thread for
    it on the client's first request)."""
    client._platform = platform  # type: ignore[assignment]
    return client


def to_model(cls: type[_M], data: Any) -> _M:
    """A reply's JSON (or a body's text, when not labelled JSON) as the SDK type `cls`:
    validated by pydantic (~2.5 us a stream chunk) into what the SDK's recursive
    Python `construct` (~55 us) builds; what the types do not describe (a tool call
    without `index`, a Gemini finish reason) is built by `construct`, as the SDK does.
    """
    data = json.loads(data) if isinstance(data, str) else data
    try:
        return cls.model_validate(data)
    except pydantic.ValidationError:
        return cls.construct(**data)
