"""Input token counting: Gemini's `countTokens` where offered, else a local estimate.

`ChatAiHubMixGemini.get_num_tokens_from_messages` uses `TokenCounter`. AiHubMix's
gateway does not route `:countTokens` today, so there the estimate below is what you
get; against a gateway that offers it the count is Gemini's own.

The local estimate (`estimate_tokens`), chosen to be simple and predictable:

| what | tokens |
|---|---|
| text, thought, code, code output, system instruction | ceil(characters / 4) per part |
| tool call | ceil(len(name + JSON(args)) / 4) |
| tool result | ceil(len(name + JSON(content)) / 4), plus its media |
| image / audio / video / document (each item) | 258 (`MEDIA_ITEM_TOKENS`) |
| function declaration | ceil(len(JSON(name, description, parameters)) / 4) |
| built-in tool (code execution, search, URL context) | 0 |

258 is what Gemini charges for an image up to 384 px (and per PDF page); larger
images, audio (32 tokens/s) and video (263 tokens/s) cost more, so media is
under-counted. Gemini's tokenizer gives about 4 characters per token for English;
CJK text has fewer characters per token (under-counted too).
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from langchain_core.exceptions import (
    ModelAuthenticationError,
    ModelPermissionDeniedError,
)

from langchain_aihubmix._errors.base import AiHubMixError
from langchain_aihubmix._errors.classify import raise_classified
from langchain_aihubmix._input.conversation import (
    CodePart,
    CodeResultPart,
    Conversation,
    MediaPart,
    Part,
    ReasoningPart,
    ServerToolCallPart,
    ServerToolResultPart,
    TextPart,
    ToolCallPart,
    ToolResultPart,
)
from langchain_aihubmix._input.media import check_inline_total, resolve_media
from langchain_aihubmix._options.call_options import BuiltinTool, FunctionTool, Tool
from langchain_aihubmix._transport.route import ClientSettings

if TYPE_CHECKING:
    from google import genai
    from google.genai import types

# google-genai (through `_native.client` and `_native.request`) is imported by the
# calls that ask `countTokens`, not by the local estimate.

__all__ = [
    "CHARS_PER_TOKEN",
    "MEDIA_ITEM_TOKENS",
    "TokenCounter",
    "estimate_tokens",
]

logger = logging.getLogger(__name__)

CHARS_PER_TOKEN = 4
"""Characters per token of the local estimate."""

MEDIA_ITEM_TOKENS = 258
"""Tokens the local estimate charges per media item (an image up to 384 px)."""


def _text_tokens(text: str) -> int:
    return math.ceil(len(text) / CHARS_PER_TOKEN)


def _json(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, default=str)


def _part_tokens(part: Part) -> int:
    """Tokens of one part under the documented rule."""
    if isinstance(part, (TextPart, ReasoningPart)):
        return _text_tokens(part.text)
    if isinstance(part, CodePart):
        return _text_tokens(part.code)
    if isinstance(part, CodeResultPart):
        return _text_tokens(part.output)
    if isinstance(part, MediaPart):
        return MEDIA_ITEM_TOKENS
    if isinstance(part, ToolCallPart):
        return _text_tokens(part.name + _json(part.args))
    if isinstance(part, ToolResultPart):
        media = MEDIA_ITEM_TOKENS * len(part.media)
        return _text_tokens(part.name + _json(part.content)) + media
    if isinstance(part, ServerToolCallPart):
        return _text_tokens(part.tool_type + _json(part.args))
    if isinstance(part, ServerToolResultPart):
        return _text_tokens(part.tool_type + _json(part.response))
    msg = f"Cannot count tokens of part {type(part).__name__}"
    raise TypeError(msg)


def _tool_tokens(tool: Tool) -> int:
    if isinstance(tool, FunctionTool):
        spec = {
            "name": tool.name,
            "description": tool.description,
            "parameters": tool.parameters,
        }
        return _text_tokens(json.dumps(spec))
    if isinstance(tool, BuiltinTool):
        return 0
    msg = f"Cannot count tokens of tool {type(tool).__name__}"
    raise TypeError(msg)


def estimate_tokens(conv: Conversation, tools: Sequence[Tool] = ()) -> int:
    """The local estimate of a request's input tokens (rule in the module docstring).

    Args:
        conv: The normalised conversation.
        tools: Tools sent with it.

    Returns:
        Estimated input tokens.
    """
    system = sum(_text_tokens(text) for text in conv.system)
    turns = sum(_part_tokens(part) for turn in conv.turns for part in turn.parts)
    return system + turns + sum(_tool_tokens(tool) for tool in tools)


def _count_request(
    conv: Conversation, tools: Sequence[Tool], model: str
) -> list[types.Content]:
    """`countTokens` contents: the Gemini API counts `contents` only, so the system
    instruction and function declarations go first as user text."""
    from google.genai import types

    from langchain_aihubmix._native.request import conversation_to_contents

    contents, system = conversation_to_contents(conv, model=model)
    head: list[types.Part] = list(system.parts or []) if system is not None else []
    functions = [tool for tool in tools if isinstance(tool, FunctionTool)]
    if functions:
        specs = [
            {"name": t.name, "description": t.description, "parameters": t.parameters}
            for t in functions
        ]
        head.append(types.Part(text=json.dumps(specs)))
    if head:
        contents.insert(0, types.Content(role="user", parts=head))
    return contents


class TokenCounter:
    """Counts input tokens for one chat model, remembering an absent `countTokens`.

    With no settings (no API key), or once the gateway answered that it does not
    route `:countTokens` (404 / 405 / 501), every count is `estimate_tokens`. Other
    gateway failures (rate limits, 5xx, timeouts) give the estimate for that call
    only; authentication and permission errors are raised.
    """

    def __init__(
        self,
        settings: ClientSettings | None,
        *,
        media_fetch_timeout: float = 30.0,
        allow_private_media_urls: bool = False,
    ) -> None:
        """Creates a counter.

        Args:
            settings: How to reach the gateway, or None to only estimate.
            media_fetch_timeout: Seconds for downloading media URLs before counting.
            allow_private_media_urls: Also download from non-public addresses
                (see `ChatAiHubMixGemini.allow_private_media_urls`).
        """
        self._settings = settings
        self._media_fetch_timeout = media_fetch_timeout
        self._allow_private = allow_private_media_urls
        self._client: genai.Client | None = None
        self.endpoint_absent = settings is None
        """True once `countTokens` is known to be unavailable (then: estimates)."""

    def count(self, conv: Conversation, tools: Sequence[Tool], model: str) -> int:
        """Input tokens of a request: Gemini's count, else the local estimate."""
        if self.endpoint_absent or self._settings is None:
            return estimate_tokens(conv, tools)
        try:
            return self._remote(conv, tools, model, self._settings)
        except (ModelAuthenticationError, ModelPermissionDeniedError):
            raise
        except AiHubMixError as err:
            from langchain_aihubmix._native.client import route_missing

            if route_missing(err) is not None:
                self.endpoint_absent = True
                logger.info(
                    "countTokens is not offered at %s; using the local estimate",
                    self._settings.base_url,
                )
            else:
                logger.warning("countTokens failed (%s); using the estimate", err)
            return estimate_tokens(conv, tools)

    def _remote(
        self,
        conv: Conversation,
        tools: Sequence[Tool],
        model: str,
        settings: ClientSettings,
    ) -> int:
        conv = resolve_media(
            conv, timeout=self._media_fetch_timeout, allow_private=self._allow_private
        )
        check_inline_total(conv)
        contents = _count_request(conv, tools, model)
        if self._client is None:
            from langchain_aihubmix._native.client import gemini_client

            self._client = gemini_client(settings)
        try:
            response = self._client.models.count_tokens(model=model, contents=contents)
        except Exception as exc:
            raise_classified(exc, route="native", secret=settings.api_key)
        if response.total_tokens is None:
            return estimate_tokens(conv, tools)
        return response.total_tokens
