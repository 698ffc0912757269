"""Input token counting: a documented local estimate (the gateway has no countTokens).

`ChatAiHubMixGemini.get_num_tokens_from_messages` returns `estimate_tokens`. AiHubMix
does not route Gemini's `:countTokens` (`python -m langchain_aihubmix.doctor` checks
whether it does), so the estimate, chosen to be simple and predictable, is what you
get:

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

import dataclasses
import json
import math
from collections.abc import Sequence
from typing import Any

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
from langchain_aihubmix._options.call_options import BuiltinTool, FunctionTool, Tool
from langchain_aihubmix._options.model_rules import CHARS_PER_TOKEN

__all__ = ["CHARS_PER_TOKEN", "MEDIA_ITEM_TOKENS", "estimate_tokens"]

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
    if isinstance(tool, FunctionTool):  # JSON of its name, description, parameters
        return _text_tokens(json.dumps(dataclasses.asdict(tool)))
    if isinstance(tool, BuiltinTool):
        return 0
    msg = f"Cannot count tokens of tool {type(tool).__name__}"
    raise TypeError(msg)


def estimate_tokens(conv: Conversation, tools: Sequence[Tool] = ()) -> int:
    """The local estimate of a request's input tokens (the rule above)."""
    system = sum(_text_tokens(text) for text in conv.system)
    turns = sum(_part_tokens(part) for turn in conv.turns for part in turn.parts)
    return system + turns + sum(_tool_tokens(tool) for tool in tools)
