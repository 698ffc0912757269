"""`chat.completions.create` without the openai SDK's request-transform pass.

`create(**params)` first walks the whole request through `maybe_transform` against
the SDK's `TypedDict`s, which renames aliased keys and formats dates and files. A
chat request built by `_openai.request` / `options` holds none of them (plain
dicts, lists, strings and numbers, already in wire form), so the walk changes
nothing, yet its cost grows with the history and is paid on every call. Here the
body goes straight to `client.post`, as `create` would post it after the walk: the
same path, headers, auth, timeout, `extra_body` merge and response types, so the
wire bytes are the same (tests compare them).
"""

from __future__ import annotations

from typing import Any

import openai
from openai._base_client import make_request_options
from openai.types.chat import ChatCompletion, ChatCompletionChunk

_PATH = "/chat/completions"
_OPTION_KEYS = ("extra_body", "extra_headers", "extra_query", "timeout")
"""`create` keyword arguments that are request options, not body fields."""


def _split(params: dict[str, Any]) -> tuple[dict[str, Any], Any]:
    body = {k: v for k, v in params.items() if k not in _OPTION_KEYS}
    options = make_request_options(
        extra_headers=params.get("extra_headers"),
        extra_query=params.get("extra_query"),
        extra_body=params.get("extra_body"),
        timeout=params.get("timeout", openai.NOT_GIVEN),
        security={"bearer_auth": True},
    )
    return body, options


def create(client: openai.OpenAI, params: dict[str, Any]) -> Any:
    """`client.chat.completions.create(**params)`, body sent as built.

    Args:
        client: The route's sync client.
        params: `create`'s keyword arguments (`stream=True` for a stream).

    Returns:
        A `ChatCompletion`, or an `openai.Stream` of `ChatCompletionChunk`s.
    """
    body, options = _split(params)
    return client.post(
        _PATH,
        body=body,
        options=options,
        cast_to=ChatCompletion,
        stream=bool(params.get("stream")),
        stream_cls=openai.Stream[ChatCompletionChunk],
    )


async def acreate(client: openai.AsyncOpenAI, params: dict[str, Any]) -> Any:
    """Async twin of `create`."""
    body, options = _split(params)
    return await client.post(
        _PATH,
        body=body,
        options=options,
        cast_to=ChatCompletion,
        stream=bool(params.get("stream")),
        stream_cls=openai.AsyncStream[ChatCompletionChunk],
    )
