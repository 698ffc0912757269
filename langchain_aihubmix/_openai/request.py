"""Conversation to openai Chat Completions messages (options: `options.py`)."""

from __future__ import annotations

import json
from typing import Any, Final, Literal, assert_never, cast

from openai.types.chat import (
    ChatCompletionAssistantMessageParam,
    ChatCompletionContentPartParam,
    ChatCompletionMessageFunctionToolCallParam,
    ChatCompletionMessageParam,
    ChatCompletionToolMessageParam,
    ChatCompletionUserMessageParam,
)

from langchain_aihubmix._errors.base import InvalidInputError
from langchain_aihubmix._input.conversation import (
    CodePart,
    CodeResultPart,
    Conversation,
    MediaPart,
    ReasoningPart,
    ServerToolCallPart,
    ServerToolResultPart,
    TextPart,
    ToolCallPart,
    ToolResultPart,
    Turn,
)
from langchain_aihubmix._input.turn_rules import bypass_signatures
from langchain_aihubmix._options.native_only import native_only

_AUDIO_FORMATS: Final[dict[str, Literal["wav", "mp3"]]] = {
    "audio/wav": "wav",
    "audio/x-wav": "wav",
    "audio/wave": "wav",
    "audio/mpeg": "mp3",
    "audio/mp3": "mp3",
}
"""Audio MIME types `input_audio` accepts; other audio goes as a `file` part."""

_ARGUMENTS = json.JSONEncoder(ensure_ascii=False)
"""`json.dumps(..., ensure_ascii=False)`, built once (not at every call)."""
_RESULT = json.JSONEncoder(ensure_ascii=False, default=str)
"""`json.dumps(..., ensure_ascii=False, default=str)`, built once."""


def _data_url(part: MediaPart) -> str:
    mime = part.mime_type or "application/octet-stream"
    return f"data:{mime};base64,{part.inline_base64()}"


def _filename(mime: str | None) -> str:
    """A neutral file name for a `file` part, from the MIME subtype."""
    subtype = (mime or "application/octet-stream").split("/")[-1].split("+")[0]
    return f"document.{subtype.split(';')[0] or 'bin'}"


def _media(part: MediaPart) -> ChatCompletionContentPartParam:
    """Inline media: images as `image_url`, wav/mp3 as `input_audio`, else `file`.

    A URI (http(s), YouTube, gs://) goes as `image_url` for images and when the
    type is unknown, else as a `file` part whose `file_data` is the URI. Per-part
    video metadata and media resolution have no form here: refused.
    """
    if part.video_metadata is not None or part.media_resolution is not None:
        raise native_only("A media block's video_metadata / media_resolution")
    mime = (part.mime_type or "").lower()
    if part.data is not None and mime in _AUDIO_FORMATS:
        audio = part.inline_base64()
        return {
            "type": "input_audio",
            "input_audio": {"data": audio, "format": _AUDIO_FORMATS[mime]},
        }
    url = part.uri if part.data is None else _data_url(part)
    if url is None:
        raise InvalidInputError("A media part needs inline data or a URI.")
    if mime.startswith("image/") or not (mime or part.data is not None):
        return {"type": "image_url", "image_url": {"url": url}}
    return {"type": "file", "file": {"file_data": url, "filename": _filename(mime)}}


def _google_extra(signature: str) -> dict[str, Any]:
    """Google's documented carrier of a thought signature on the OpenAI protocol."""
    return {"google": {"thought_signature": signature}}


def _user(turn: Turn) -> ChatCompletionUserMessageParam:
    """A user turn: a plain string when it is one text part, else a content list."""
    parts = turn.parts
    if len(parts) == 1 and isinstance(parts[0], TextPart):
        return {"role": "user", "content": parts[0].text}
    content: list[ChatCompletionContentPartParam] = []
    for part in parts:
        if isinstance(part, TextPart):
            content.append({"type": "text", "text": part.text})
        elif isinstance(part, MediaPart):
            content.append(_media(part))
        else:
            raise InvalidInputError(
                f"A user message cannot carry a {type(part).__name__}."
            )
    return {"role": "user", "content": content}


def _code_text(part: CodePart | CodeResultPart) -> str:
    """Code execution from the native route, kept in history as assistant text."""
    if isinstance(part, CodePart):
        return f"```{part.language}\n{part.code}\n```"
    status = "" if part.outcome == "OUTCOME_OK" else f" ({part.outcome})"
    return f"Output{status}:\n```\n{part.output}\n```"


def _assistant(turn: Turn) -> ChatCompletionAssistantMessageParam:
    """A model turn: answer text (code rendered as text), tool calls, signatures.

    Thoughts are not sent as content. Each tool call carries its own signature in
    `extra_content.google.thought_signature`; the first signature of any other part
    (text, thought, media, code) rides on the message's `extra_content`. Media a
    model produced (images) and native-route server-side tool calls and results
    cannot be replayed on this protocol and are left out.
    """
    texts: list[tuple[bool, str]] = []  # (is_plain_text, text)
    calls: list[ChatCompletionMessageFunctionToolCallParam] = []
    message_signature: str | None = None
    for part in turn.parts:
        if isinstance(part, ToolCallPart):
            calls.append(_tool_call(part))
            continue
        if isinstance(part, ToolResultPart):
            raise InvalidInputError("A model message cannot carry a tool result.")
        if isinstance(part, (ServerToolCallPart, ServerToolResultPart)):
            continue  # native-route server-tool steps: no form on this protocol
        message_signature = message_signature or part.signature
        if isinstance(part, TextPart):
            texts.append((True, part.text))
        elif isinstance(part, (CodePart, CodeResultPart)):
            texts.append((False, _code_text(part)))
        elif not isinstance(part, (ReasoningPart, MediaPart)):
            assert_never(part)
    message: ChatCompletionAssistantMessageParam = {"role": "assistant"}
    if (text := _join(texts)) or not calls:
        message["content"] = text
    if calls:
        message["tool_calls"] = calls
    if message_signature is not None:
        extra = _google_extra(message_signature)
        cast("dict[str, Any]", message)["extra_content"] = extra
    return message


def _join(texts: list[tuple[bool, str]]) -> str:
    """Adjacent text parts concatenate; rendered code stands apart by a blank line."""
    out = ""
    previous_plain = True
    for plain, text in texts:
        glue = "" if not out or (plain and previous_plain) else "\n\n"
        out += glue + text
        previous_plain = plain
    return out


def _tool_call(part: ToolCallPart) -> ChatCompletionMessageFunctionToolCallParam:
    """One call, with its id (synthetic ids included: they pair the tool messages)."""
    call: ChatCompletionMessageFunctionToolCallParam = {
        "id": part.id,
        "type": "function",
        "function": {
            "name": part.name,
            "arguments": _ARGUMENTS.encode(part.args),
        },
    }
    if part.signature is not None:
        cast("dict[str, Any]", call)["extra_content"] = _google_extra(part.signature)
    return call


def _tool_content(part: ToolResultPart) -> str:
    """Text as is, anything else as JSON; an error result is `{"error": ...}` JSON."""
    if part.is_error:
        return _RESULT.encode({"error": part.content})
    if isinstance(part.content, str):
        return part.content
    return _RESULT.encode(part.content)


def _tool_messages(turn: Turn) -> list[ChatCompletionMessageParam]:
    """One `tool` message per result (with `name`); their media in one user message.

    Tool messages only carry text, so images or documents a tool returned follow
    the run of tool messages as a user message that names the call they belong to.
    """
    messages: list[ChatCompletionMessageParam] = []
    media: list[ChatCompletionContentPartParam] = []
    for part in turn.parts:
        if not isinstance(part, ToolResultPart):
            raise InvalidInputError(
                f"A tool message cannot carry a {type(part).__name__}."
            )
        message: ChatCompletionToolMessageParam = {
            "role": "tool",
            "tool_call_id": part.call_id,
            "content": _tool_content(part),
        }
        cast("dict[str, Any]", message)["name"] = part.name
        messages.append(message)
        if part.media:
            said = f"Media returned by tool {part.name!r} (call {part.call_id}):"
            media += [{"type": "text", "text": said}, *map(_media, part.media)]
    if media:
        messages.append({"role": "user", "content": media})
    return messages


def conversation_to_messages(
    conv: Conversation, *, model: str
) -> list[ChatCompletionMessageParam]:
    """The request's `messages` for `model`.

    System texts (collected from anywhere in the history) become one leading system
    message, joined by blank lines. Unsigned parts the model needs signed get
    Google's bypass (`turn_rules.bypass_signatures`), as on the native route.
    """
    messages: list[ChatCompletionMessageParam] = []
    if conv.system:
        messages.append({"role": "system", "content": "\n\n".join(conv.system)})
    for turn in bypass_signatures(conv, model).turns:
        if turn.role == "user":
            messages.append(_user(turn))
        elif turn.role == "model":
            messages.append(_assistant(turn))
        elif turn.role == "tool":
            messages.extend(_tool_messages(turn))
        else:
            assert_never(turn.role)
    return messages
