"""LangChain messages -> route-neutral `Conversation` (pure; pairs tool results)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from itertools import pairwise
from typing import Any

from langchain_core.messages import (
    AIMessage,
    BaseMessage,
    ChatMessage,
    FunctionMessage,
    HumanMessage,
    RemoveMessage,
    SystemMessage,
    ToolMessage,
)

from langchain_aihubmix._errors.base import InvalidInputError
from langchain_aihubmix._input.conversation import (
    Conversation,
    MediaPart,
    Part,
    TextPart,
    ToolCallPart,
    ToolResultPart,
    Turn,
)
from langchain_aihubmix._input.model_blocks import model_parts
from langchain_aihubmix._input.user_blocks import data_parts

_USER_ROLES = frozenset({"user", "human"})


def messages_to_conversation(messages: Sequence[BaseMessage]) -> Conversation:
    """Normalise a LangChain history (oldest first) into route-neutral parts, as the
    input contract of docs/architecture.md says.

    System texts join `system` wherever they appear. Human messages are read via
    `content_blocks` (OpenAI, Anthropic, v0 and v1 blocks). AI messages are read
    back from the output contract, tool calls last; another provider's through
    core's standard blocks, without its signatures (meaningless to Gemini); one with
    no content and no calls adds no turn. An invalid tool call is never replayed
    with its raw arguments: skipped when unanswered, else sent with empty arguments
    so that its (error) answer stays paired. Consecutive tool messages join one
    `tool` turn, in the order of the calls (Gemini pairs results by position).

    Raises:
        InvalidInputError: an empty history or human message, an unsupported block
            (named with its message index) or message type, a tool result that
            answers no earlier tool call.
    """
    if not messages:
        msg = "no messages to send: the history is empty"
        raise InvalidInputError(msg)
    answered = {m.tool_call_id for m in messages if isinstance(m, ToolMessage)}
    conv = Conversation()
    calls: dict[str, str] = {}
    for i, message in enumerate(messages):
        where = f"message {i} ({type(message).__name__})"
        if isinstance(message, SystemMessage) or (
            isinstance(message, ChatMessage) and message.role == "system"
        ):
            conv.system.extend(_system_texts(message, where))
        elif isinstance(message, HumanMessage) or (
            isinstance(message, ChatMessage) and message.role in _USER_ROLES
        ):
            conv.turns.append(Turn("user", _user_parts(message, where)))
        elif isinstance(message, AIMessage):
            parts = model_parts(message, where, i, answered)
            calls.update((p.id, p.name) for p in parts if isinstance(p, ToolCallPart))
            if parts:
                conv.turns.append(Turn("model", parts))
        elif isinstance(message, ToolMessage):
            result = _tool_result(message, where, calls)
            if conv.turns and conv.turns[-1].role == "tool":
                conv.turns[-1].parts.append(result)
            else:
                conv.turns.append(Turn("tool", [result]))
        else:
            raise InvalidInputError(_unsupported_message(message, where))
    for made, answers in pairwise(conv.turns):  # results in the order of the calls
        if answers.role == "tool":
            made_ids = [p.id for p in made.parts if isinstance(p, ToolCallPart)]
            rank = {call_id: k for k, call_id in enumerate(made_ids)}
            answers.parts.sort(key=lambda p: rank.get(getattr(p, "call_id", ""), -1))
    return conv


def _unsupported_message(message: BaseMessage, where: str) -> str:
    if isinstance(message, ChatMessage):
        return f"{where}: unsupported role {message.role!r} (use 'user' or 'system')"
    if isinstance(message, FunctionMessage):
        return (
            f"{where}: FunctionMessage is not supported, as it cannot be paired "
            "with its call; use ToolMessage(tool_call_id=...)"
        )
    if isinstance(message, RemoveMessage):
        return f"{where}: RemoveMessage is a graph-state instruction, not content"
    return f"{where}: unsupported message type {type(message).__name__}"


def _system_texts(message: BaseMessage, where: str) -> list[str]:
    """Each text block of a system message (empty text adds nothing)."""
    texts = []
    for j, part in data_parts(message, where):
        if not isinstance(part, TextPart):
            msg = f"{where}, block {j}: system messages may only hold text"
            raise InvalidInputError(msg)
        texts.append(part.text)
    return texts


def _user_parts(message: BaseMessage, where: str) -> list[Part]:
    parts: list[Part] = [part for _, part in data_parts(message, where)]
    if not parts:
        msg = f"{where}: the message has no content"
        raise InvalidInputError(msg)
    return parts


def _tool_result(
    message: ToolMessage, where: str, calls: Mapping[str, str]
) -> ToolResultPart:
    if message.tool_call_id not in calls:
        msg = (
            f"{where}: tool_call_id {message.tool_call_id!r} matches no tool call "
            "of an earlier AIMessage"
        )
        raise InvalidInputError(msg)
    name = calls[message.tool_call_id] or message.name or ""
    content: Any
    media: tuple[MediaPart, ...] = ()
    if isinstance(message.content, str):
        content = _maybe_json(message.content)
    else:
        parts = [part for _, part in data_parts(message, where)]
        texts = [p.text for p in parts if isinstance(p, TextPart)]
        media = tuple(p for p in parts if isinstance(p, MediaPart))
        content = _maybe_json("\n".join(texts))
    return ToolResultPart(
        message.tool_call_id, name, content, media, message.status == "error"
    )


def _maybe_json(text: str) -> Any:
    """A JSON object or array as its value; any other text unchanged.

    Strict JSON only: text with `NaN` / `Infinity` stays text (as a value it could
    not be sent as JSON).
    """
    if text.lstrip()[:1] in ("{", "["):
        try:
            value = json.loads(text, parse_constant=_not_json)
        except ValueError:
            return text
        if isinstance(value, (dict, list)):
            return value
    return text


def _not_json(token: str) -> Any:
    msg = f"{token} is not JSON"
    raise ValueError(msg)
