"""LangChain messages -> route-neutral `Conversation` (pure; pairs tool results)."""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterator, Mapping, Sequence
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
    MODEL_PROVIDER,
    SIGNATURES_KEY,
    SYNTHETIC_ID_PREFIX,
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
    Turn,
)
from langchain_aihubmix._input.encoding import (
    base64_head,
    canonical_base64,
    guess_mime,
    read_data_url,
)
from langchain_aihubmix._input.json_safety import as_text

_MEDIA_BLOCKS = frozenset({"image", "audio", "video", "file"})

_OUTCOMES: Mapping[object, str] = {
    0: "OUTCOME_UNSPECIFIED",
    1: "OUTCOME_OK",
    2: "OUTCOME_FAILED",
    3: "OUTCOME_DEADLINE_EXCEEDED",
}
"""`code_execution_result.outcome` (Gemini's enum value) -> the enum name."""

_SKIPPED_MODEL_BLOCKS = frozenset(
    {
        "tool_call",  # function calls replay from `AIMessage.tool_calls`
        "tool_call_chunk",
        "invalid_tool_call",  # from `AIMessage.invalid_tool_calls` (see below)
        "tool_use",  # Anthropic's spelling of a tool call
        "function_call",  # Google's spelling of a tool call
        "redacted_thinking",  # Anthropic's encrypted thoughts: opaque to Gemini
    }
)
"""Model-message block types that are deliberately not replayed as content."""

_USER_ROLES = frozenset({"user", "human"})


def messages_to_conversation(messages: Sequence[BaseMessage]) -> Conversation:
    """Normalise a LangChain history into a `Conversation` of route-neutral parts.

    - System messages, wherever they appear, add their text to `system`, in order.
    - Human messages (and `ChatMessage(role="user")`) become `user` turns, read via
      `content_blocks`, so OpenAI, Anthropic, v0 and v1 blocks all work.
    - AI messages become `model` turns read back from the output contract
      (`docs/architecture.md`); tool calls come last, from `tool_calls`, with the
      thought signatures kept in `additional_kwargs`. AI messages tagged with
      another provider are read through core's standard blocks, and their
      signatures (meaningless to Gemini) are dropped. An AI message with no content
      and no tool calls (e.g. a blocked prompt's reply) adds no turn.
    - Invalid tool calls are never replayed with their raw arguments. One that no
      later `ToolMessage` answers is skipped (the model's failed attempt carries
      nothing Gemini needs); one that is answered is replayed as a call with empty
      arguments, so the answer stays paired with a call and the model sees the
      (typically error) result of its attempt.
    - Consecutive tool messages join one `tool` turn of `ToolResultPart`s, each
      named after the call it answers; `status="error"` sets `is_error`.

    Args:
        messages: The history, oldest first.

    Returns:
        The normalised conversation.

    Raises:
        InvalidInputError: an empty history or human message; an unsupported block
            (named with its message index); a tool result that answers no earlier
            tool call; a `FunctionMessage`, `RemoveMessage` or unknown role.

    Example:
        ```python
        conv = messages_to_conversation(
            [SystemMessage("Be brief."), HumanMessage("Hi")]
        )
        assert conv.system == ["Be brief."]
        ```
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
            parts = _model_parts(message, where, i, answered)
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
    for j, part in _data_parts(message, where):
        if not isinstance(part, TextPart):
            msg = f"{where}, block {j}: system messages may only hold text"
            raise InvalidInputError(msg)
        texts.append(part.text)
    return texts


def _user_parts(message: BaseMessage, where: str) -> list[Part]:
    parts: list[Part] = [part for _, part in _data_parts(message, where)]
    if not parts:
        msg = f"{where}: the message has no content"
        raise InvalidInputError(msg)
    return parts


def _data_parts(
    message: BaseMessage, where: str
) -> Iterator[tuple[int, TextPart | MediaPart]]:
    """`(block index, part)` for the text and media of a user, system or tool message.

    Reads core's standard v1 blocks; empty text adds nothing.
    """
    for j, block in enumerate(_standard_blocks(message, where)):
        kind: str = block["type"]
        if block["type"] == "text":
            if block["text"]:
                yield j, TextPart(as_text(block["text"], f"{where}, block {j}"))
        elif block["type"] == "text-plain":
            if "text" in block and _is_plain_text(block.get("mime_type")):
                yield j, TextPart(block["text"])
            elif "text" in block:  # e.g. text/csv: sent as a file of that type
                data = str(block["text"]).encode("utf-8")
                yield j, MediaPart(mime_type=str(block["mime_type"]), data=data)
            else:
                plain = {**block, "mime_type": block.get("mime_type") or "text/plain"}
                yield j, media_from_block(plain, f"{where}, block {j}")
        elif kind in _MEDIA_BLOCKS:
            yield j, media_from_block(block, f"{where}, block {j}")
        elif block["type"] == "non_standard" and _is_genai_media(block["value"]):
            yield j, genai_media_part(block["value"], f"{where}, block {j}")
        elif block["type"] == "non_standard":
            value = block["value"]
            msg = (
                f"{where}, block {j}: unsupported content block of type "
                f"{value.get('type')!r} (keys: {sorted(value)})"
            )
            raise InvalidInputError(msg)
        else:
            msg = f"{where}, block {j}: a {kind!r} block is not allowed here"
            raise InvalidInputError(msg)


_MIME = re.compile(r"^[\w.+-]+/[\w.+-]+$")

_GENAI_MEDIA_KEYS = frozenset({"type", "mime_type", "data", "file_uri", "url"})
"""Keys of langchain-google-genai's `{"type": "media", ...}` block understood here."""


def _is_plain_text(mime_type: object) -> bool:
    """No MIME type, or `text/plain` (parameters such as `charset` aside)."""
    if not mime_type:
        return True
    return str(mime_type).split(";", 1)[0].strip().lower() == "text/plain"


def _is_genai_media(value: object) -> bool:
    return isinstance(value, dict) and value.get("type") == "media"


def genai_media_part(block: Mapping[str, Any], where: str) -> MediaPart:
    """langchain-google-genai's media block as a `MediaPart`.

    `{"type": "media", "mime_type": ..., "data": bytes | base64 str}` is inline data;
    `{"type": "media", "mime_type": ..., "file_uri" | "url": ...}` a file reference
    (an http(s) URL is fetched as for standard blocks). Keys this package cannot honour
    (e.g. `video_metadata`) raise rather than being dropped.

    Raises:
        InvalidInputError: unknown keys, no source or more than one, bad base64,
            or an invalid or unrecognisable MIME type.
    """
    unknown = sorted(set(block) - _GENAI_MEDIA_KEYS)
    if unknown:
        msg = f"{where}: media block keys {unknown} are not supported"
        raise InvalidInputError(msg)
    sources = [k for k in ("data", "file_uri", "url") if block.get(k) is not None]
    if len(sources) != 1:
        msg = (
            f"{where}: a media block needs exactly one of data, file_uri or url "
            f"(got {sources or 'none'})"
        )
        raise InvalidInputError(msg)
    data = block.get("data")
    standard: dict[str, Any] = {"type": "file", "mime_type": block.get("mime_type")}
    if isinstance(data, (bytes, bytearray, memoryview)):
        mime = block.get("mime_type") or guess_mime(bytes(data[:64]), None)
        if mime is None or not _MIME.match(str(mime)):
            msg = f"{where}: media block has an invalid or unknown mime_type {mime!r}"
            raise InvalidInputError(msg)
        return MediaPart(mime_type=str(mime), data=bytes(data))
    if data is not None:
        if not isinstance(data, str):
            msg = f"{where}: media block data must be bytes or base64 text"
            raise InvalidInputError(msg)
        standard["base64"] = data
    else:
        standard["url"] = block.get("file_uri") or block.get("url")
    return media_from_block(standard, where)


_BASE_CONTENT_BLOCKS = BaseMessage.__dict__["content_blocks"]


def _standard_blocks(message: BaseMessage, where: str) -> list[Any]:
    """`message.content_blocks`, with core's ValueErrors turned into ours.

    Plain string content skips core's translator passes (most of converting a
    short prompt, and paid again for every message of a history): for a class
    that keeps `BaseMessage`'s
    `content_blocks`, a string is one text block, or none when empty.
    """
    content = message.content
    if (
        isinstance(content, str)
        and getattr(type(message), "content_blocks", None) is _BASE_CONTENT_BLOCKS
    ):
        return [{"type": "text", "text": content}] if content else []
    try:
        return list(_with_standard_data_urls(message).content_blocks)
    except ValueError as exc:
        msg = f"{where}: {exc}"
        raise InvalidInputError(msg) from exc


def _with_standard_data_urls(message: BaseMessage) -> BaseMessage:
    """`message` with each OpenAI-style `image_url` block that holds a `data:` URL
    rewritten as a standard `image` block with that URL (read by `media_from_block`).

    Core's translator parses such a URL with a regular expression, over the whole
    media, in one call that holds the GIL (so even a worker thread stalls the event
    loop); `encoding.read_data_url` needs one `find` and a slice.
    """
    content = message.content
    if isinstance(content, str):
        return message
    rewritten: list[Any] | None = None
    for i, block in enumerate(content):
        if not isinstance(block, dict) or block.get("type") != "image_url":
            continue
        url = block.get("image_url")
        url = url.get("url") if isinstance(url, dict) else url
        if isinstance(url, str) and url[:5].lower() == "data:":
            rewritten = rewritten or list(content)
            rewritten[i] = {"type": "image", "url": url}
    if rewritten is None:
        return message
    return message.model_copy(update={"content": rewritten})


def media_from_block(block: Mapping[str, Any], where: str) -> MediaPart:
    """Turn a standard v1 data block (image, audio, video, file) into a `MediaPart`.

    `base64` (and a base64 `data:` URL) is validated and kept as base64 text, never
    decoded (see `MediaPart`); its type is the given one, else guessed from its
    first bytes. A percent-encoded `data:` URL is decoded; any other `url` becomes
    a file reference (downloaded later by `media.resolve_media` when http(s));
    `file_id` becomes a file reference.

    Args:
        block: The content block.
        where: Names the block in error messages, e.g. `"message 2, block 0"`.

    Returns:
        The media part (without a signature).

    Raises:
        InvalidInputError: no source, undecodable data, or an unknown type.
    """
    given = block.get("mime_type") or None
    if given is not None and not _MIME.match(str(given)):
        msg = f"{where}: {block.get('type')} block has an invalid mime_type {given!r}"
        raise InvalidInputError(msg)
    if isinstance(b64 := block.get("base64"), str) and b64:
        text = canonical_base64(b64)
        mime = given or guess_mime(base64_head(text), None)
        if mime is None:
            msg = (
                f"{where}: {block.get('type')} block has base64 data but no "
                "mime_type, and its type cannot be recognised; set mime_type"
            )
            raise InvalidInputError(msg)
        return MediaPart(mime_type=mime, data=text)
    if isinstance(url := block.get("url"), str) and url:
        if url[:5].lower() == "data:":
            mime, data = read_data_url(url)
            return MediaPart(mime_type=given or mime, data=data)
        return MediaPart(mime_type=given or guess_mime(None, url), uri=url)
    if isinstance(file_id := block.get("file_id"), str) and file_id:
        return MediaPart(mime_type=given, uri=file_id)
    msg = f"{where}: {block.get('type')} block has no base64, url or file_id"
    raise InvalidInputError(msg)


def _model_parts(
    message: AIMessage, where: str, index: int, answered: set[str]
) -> list[Part]:
    """Content parts in order, then the tool calls (Gemini puts calls last)."""
    provider = message.response_metadata.get("model_provider")
    foreign = provider not in (None, "", MODEL_PROVIDER)
    blocks: list[Any]
    if foreign:
        blocks = list(_standard_blocks(message, where))
    elif isinstance(message.content, str):
        blocks = [message.content] if message.content else []
    else:
        blocks = message.content
    parts: list[Part] = []
    code_ids: set[str] = set()
    for j, block in enumerate(blocks):
        part = _model_part(block, f"{where}, block {j}", code_ids)
        if part is None:
            continue
        if (foreign or _foreign_thought(provider, block)) and not isinstance(
            part, ToolResultPart
        ):
            part = dataclasses.replace(part, signature=None)
        parts.append(part)
    signatures = message.additional_kwargs.get(SIGNATURES_KEY) or {}
    for k, call in enumerate(message.tool_calls):
        call_id = call.get("id") or f"{SYNTHETIC_ID_PREFIX}{index}_{k}"
        sig = signatures.get(call_id)
        parts.append(ToolCallPart(call_id, call["name"], call["args"], sig))
    for bad in message.invalid_tool_calls:
        if bad.get("id") not in answered:
            continue
        if not bad.get("name"):
            msg = f"{where}: invalid tool call {bad.get('id')!r} has no name"
            raise InvalidInputError(msg)
        call_id = str(bad["id"])
        name = str(bad["name"])
        parts.append(ToolCallPart(call_id, name, {}, signatures.get(call_id)))
    return parts


def _foreign_thought(provider: Any, block: Any) -> bool:
    """An untagged thinking block without an `index` is not this package's output.

    Our blocks always carry an integer `index`; a bare `{"type": "thinking",
    "signature": ...}` in an untagged message is another provider's (Anthropic's
    shape), whose signature Gemini would reject as corrupted.
    """
    return (
        not provider
        and isinstance(block, dict)
        and block.get("type") == "thinking"
        and not isinstance(block.get("index"), int)
    )


def _signature(block: Mapping[str, Any]) -> str | None:
    """A block's signature: `extras.signature` (v1, text) or top-level `signature`."""
    extras = block.get("extras") or {}
    sig = extras.get("signature") or block.get("signature")
    return str(sig) if sig else None


def _model_part(block: Any, where: str, code_ids: set[str]) -> Part | None:
    """One model-message block as a part; `None` for blocks not to replay."""
    if isinstance(block, str):
        return TextPart(block) if block else None
    if not isinstance(block, dict):
        msg = f"{where}: unsupported content item of type {type(block).__name__}"
        raise InvalidInputError(msg)
    kind = block.get("type")
    if kind == "non_standard" and isinstance(block.get("value"), dict):
        return _model_part(block["value"], where, code_ids)  # e.g. foreign shapes
    sig = _signature(block)
    if kind == "text":
        text = as_text(block.get("text") or "", where)
        return TextPart(text, sig) if text or sig else None
    if kind in ("thinking", "reasoning"):
        text = block.get(kind) or "".join(
            s.get("text", "") for s in block.get("summary") or ()
        )
        return ReasoningPart(text, sig) if text or sig else None
    if kind == "refusal":
        return TextPart(str(block.get("refusal") or ""))
    if kind == "text-plain" and "text" in block:
        return TextPart(str(block["text"]), sig)
    if kind == "executable_code":
        code_ids.add(str(block.get("id")))
        return CodePart(
            block.get("executable_code", ""),
            block.get("language") or "python",
            block.get("id"),
            sig,
        )
    if kind == "code_execution_result":
        return CodeResultPart(
            str(block.get("code_execution_result", "")),
            _outcome(block.get("outcome", 1), where),
            block.get("tool_call_id"),
            sig,
        )
    tool_type = (block.get("extras") or {}).get("tool_type")
    if kind == "server_tool_call" and isinstance(tool_type, str):
        # a Gemini 3 server-side tool run: replayed, signature and all
        return ServerToolCallPart(
            block.get("id"), tool_type, dict(block.get("args") or {}), sig
        )
    if kind == "server_tool_result" and isinstance(tool_type, str):
        output = block.get("output")
        response = output if isinstance(output, dict) else {"output": output}
        return ServerToolResultPart(block.get("tool_call_id"), tool_type, response, sig)
    if kind == "server_tool_call":
        if block.get("name") != "code_interpreter":
            return None  # other providers' search runs: no Gemini part replays them
        code_ids.add(str(block.get("id")))
        args = block.get("args") or {}
        return CodePart(
            str(args.get("code", "")),
            str(args.get("language") or "python"),
            block.get("id"),
            sig,
        )
    if kind == "server_tool_result":
        extras = block.get("extras") or {}
        if block.get("tool_call_id") not in code_ids and "outcome" not in extras:
            return None  # the result of a skipped non-code server tool call
        outcome = extras.get("outcome", 1 if block.get("status") == "success" else 2)
        return CodeResultPart(
            str(block.get("output") or ""),
            _outcome(outcome, where),
            block.get("tool_call_id"),
            sig,
        )
    if kind == "image_url":
        image = block.get("image_url")
        url = image.get("url") if isinstance(image, dict) else image
        part = media_from_block({"type": "image", "url": url}, where)
        return dataclasses.replace(part, signature=sig)
    if kind in _MEDIA_BLOCKS or kind == "text-plain":
        return dataclasses.replace(media_from_block(block, where), signature=sig)
    if kind in _SKIPPED_MODEL_BLOCKS:
        return None
    msg = f"{where}: unsupported content block of type {kind!r} in an AI message"
    raise InvalidInputError(msg)


def _outcome(value: object, where: str) -> str:
    """Gemini's code-execution outcome (enum value or name) as the enum name."""
    if isinstance(value, str) and value in _OUTCOMES.values():
        return value
    if value in _OUTCOMES:
        return _OUTCOMES[value]
    msg = f"{where}: unknown code execution outcome {value!r}"
    raise InvalidInputError(msg)


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
        parts = [part for _, part in _data_parts(message, where)]
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
