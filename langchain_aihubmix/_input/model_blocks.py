"""AI-message content blocks and tool calls -> model-turn parts (pure)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from langchain_core.messages import AIMessage

from langchain_aihubmix._errors.base import InvalidInputError
from langchain_aihubmix._input.conversation import (
    MODEL_PROVIDER,
    SIGNATURES_KEY,
    SYNTHETIC_ID_PREFIX,
    CodePart,
    CodeResultPart,
    Part,
    ReasoningPart,
    ServerToolCallPart,
    ServerToolResultPart,
    TextPart,
    ToolCallPart,
    ToolResultPart,
)
from langchain_aihubmix._input.json_safety import as_text
from langchain_aihubmix._input.user_blocks import (
    MEDIA_BLOCKS,
    media_from_block,
    standard_blocks,
)

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
        "audio",  # a spoken answer (text to speech): TTS models take text only
    }
)
"""Model-message block types that are deliberately not replayed as content."""


def model_parts(
    message: AIMessage, where: str, index: int, answered: set[str]
) -> list[Part]:
    """Content parts in order, then the tool calls (Gemini puts calls last)."""
    provider = message.response_metadata.get("model_provider")
    foreign = provider not in (None, "", MODEL_PROVIDER)
    blocks: list[Any]
    if foreign:
        blocks = list(standard_blocks(message, where))
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
        call_id, name = str(bad["id"]), str(bad["name"])
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
    if kind in _SKIPPED_MODEL_BLOCKS:
        return None
    if kind in MEDIA_BLOCKS or kind == "text-plain":
        return dataclasses.replace(media_from_block(block, where), signature=sig)
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
