"""Gemini `GenerateContentResponse` (whole or stream chunk) to LangChain messages."""

from __future__ import annotations

import base64
import io
import json
import wave
from dataclasses import dataclass, field
from typing import Any, cast

import pydantic
from google.genai import types
from langchain_core.messages import AIMessage, AIMessageChunk, message_chunk_to_message
from langchain_core.messages.tool import ToolCallChunk, tool_call_chunk

from langchain_aihubmix._errors.base import MalformedResponseError
from langchain_aihubmix._errors.native import NativeNoAnswerError
from langchain_aihubmix._native import sdk_shortcuts  # noqa: F401 (finishMessage)
from langchain_aihubmix._native.partial_args import apply_partial_arg
from langchain_aihubmix._native.usage import counts_from_usage
from langchain_aihubmix._output.stream import (
    StreamCore,
    add_delta,
    indices,
    pick,
    synthetic_id,
)

_OUTCOMES: dict[types.Outcome, int] = {
    types.Outcome.OUTCOME_UNSPECIFIED: 0,
    types.Outcome.OUTCOME_OK: 1,
    types.Outcome.OUTCOME_FAILED: 2,
    types.Outcome.OUTCOME_DEADLINE_EXCEEDED: 3,
}
"""`codeExecutionResult.outcome` to the integer core's translator reads (unknown: 0)."""


def signature_text(signature: bytes | None) -> str | None:
    """The SDK's decoded `thought_signature` as the standard base64 Google sends."""
    return None if signature is None else base64.b64encode(signature).decode("ascii")


@dataclass
class _PendingCall:
    """A function call whose arguments stream in pieces (`partialArgs`, Vertex)."""

    id: str
    name: str | None
    signature: str | None
    args: dict[str, Any] = field(default_factory=dict)


class NativeStreamState:
    """Maps each `GenerateContentResponse` of one call to an `AIMessageChunk`.

    One mapper for both paths: a whole response is a fresh state fed once
    (`last=True`); a stream feeds every chunk into one state, which holds the block
    indices, cumulative-to-delta usage (reported by candidate 0 only: it covers all
    candidates), the running tool-call index, the id of the last executed code (its
    results point to it), a function call whose arguments stream in pieces
    (`partialArgs`, until it stops `willContinue`-ing), and the response metadata,
    emitted on the final chunk (the one with `finishReason`, or a blocked prompt's).

    Parts: text (thought or answer), `inlineData` (image/*, or 16-bit PCM audio, kept
    until the final chunk carries it as one WAV file: `wav_file`), `functionCall`,
    `executableCode`, `codeExecutionResult`, server-side `toolCall` / `toolResponse`
    (standard `server_tool_call` / `server_tool_result` blocks); a part with only a
    signature is an empty signed text part; flags (`videoMetadata`,
    `mediaResolution`, ...) carry nothing. Any other data (`functionResponse`,
    `fileData`, non-image inline data) raises `ValueError` naming the part's fields:
    never dropped silently.
    """

    def __init__(self, requested_model: str, candidate_index: int = 0) -> None:
        self._requested_model = requested_model
        self._core = StreamCore(requested_model, candidate_index, NativeNoAnswerError)
        self._calls = 0
        self._code_id: str | None = None
        self._server_id: str | None = None
        self._pending: _PendingCall | None = None
        self._pcm = bytearray()
        self._pcm_type: str | None = None

    @property
    def finished(self) -> bool:
        """Whether the final chunk (with the response metadata) was produced."""
        return self._core.done

    def messages(self, response: types.GenerateContentResponse) -> list[AIMessage]:
        """A whole response as one `AIMessage` per candidate (this state's first).

        Only valid on a fresh state. Other candidates get fresh states of their own;
        usage rides on candidate 0's message only.
        """
        wanted = indices(response.candidates)
        others = [i for i in wanted if i != self._core.index]
        states = [self] + [NativeStreamState(self._requested_model, i) for i in others]
        return [
            cast("AIMessage", message_chunk_to_message(s.feed(response, last=True)))
            for s in states
        ]

    def feed(
        self, response: types.GenerateContentResponse, *, last: bool = False
    ) -> AIMessageChunk:
        """The chunk for one response; `last=True` marks it final even unfinished."""
        candidate = pick(response.candidates, self._core.index)
        content: list[str | dict[str, Any]] = []
        calls: list[ToolCallChunk] = []
        signatures: dict[str, str] = {}
        parts = candidate.content.parts if candidate and candidate.content else None
        for part in parts or ():
            self._map_part(part, content, calls, signatures)
        self._remember(response, candidate)
        final = not self._core.done and (
            last
            or (candidate is not None and candidate.finish_reason is not None)
            or (not response.candidates and response.prompt_feedback is not None)
        )
        if final and self._pending is not None:
            calls.append(self._close(self._pending, signatures))
        usage = self._core.usage(
            counts_from_usage(response.usage_metadata), final=final
        )
        audio = (
            wav_file(self._pcm, self._pcm_type) if final and self._pcm_type else None
        )
        return self._core.chunk(
            content,
            final=final,
            usage=usage,
            tool_call_chunks=calls,
            signatures=signatures,
            audio=audio,
        )

    def _map_part(
        self,
        part: types.Part,
        content: list[str | dict[str, Any]],
        calls: list[ToolCallChunk],
        signatures: dict[str, str],
    ) -> None:
        """Dispatch one part on its data field; an unknown kind raises."""
        sig = signature_text(part.thought_signature)
        block: dict[str, Any] | None
        if part.function_call is not None:
            call = self._call(part.function_call, sig, signatures)
            if call is not None:
                calls.append(call)
            return
        if part.executable_code is not None:
            block = self._code(part.executable_code, sig)
        elif part.code_execution_result is not None:
            block = self._code_result(part.code_execution_result, sig)
        elif part.inline_data is not None and _is_image(part.inline_data):
            block = self._image(part.inline_data, sig, thought=bool(part.thought))
        elif (blob := part.inline_data) is not None and _is_pcm(blob):
            if self._pcm_type not in (None, blob.mime_type):  # one WAV: one format
                raise MalformedResponseError(f"audio in two formats: {blob.mime_type}")
            self._pcm_type, block = blob.mime_type, None  # the final chunk's WAV
            self._pcm += blob.data or b""
        elif part.tool_call is not None:
            block = self._server_call(part.tool_call, sig)
        elif part.tool_response is not None:
            block = self._server_result(part.tool_response, sig)
        elif part.text is None and _has_data(part):
            fields = sorted(part.model_dump(exclude_none=True))
            raise MalformedResponseError(
                f"Unsupported Gemini response part with fields {fields}; this package "
                "maps text, thoughts, image and PCM audio inlineData, functionCall, "
                "executableCode, codeExecutionResult, toolCall and toolResponse parts."
            )
        elif part.thought:
            block = self._core.blocks.add_thinking(part.text or "", sig)
        else:  # answer text, or only a signature (`{}` carries nothing)
            block = self._core.blocks.add_text(part.text or "", sig)
        add_delta(content, block)

    def _code(self, code: types.ExecutableCode, sig: str | None) -> dict[str, Any]:
        self._code_id = code.id or synthetic_id()
        language = code.language.value if code.language is not None else "PYTHON"
        block: dict[str, Any] = {
            "type": "executable_code",
            "executable_code": code.code or "",
            "language": language.lower(),
            "id": self._code_id,
        }
        return self._core.blocks.add_block(block, sig)

    def _code_result(
        self, result: types.CodeExecutionResult, sig: str | None
    ) -> dict[str, Any]:
        outcome = 0 if result.outcome is None else _OUTCOMES.get(result.outcome, 0)
        block: dict[str, Any] = {
            "type": "code_execution_result",
            "code_execution_result": result.output or "",
            "outcome": outcome,
            "tool_call_id": result.id or self._code_id or "",
        }
        return self._core.blocks.add_block(block, sig)

    def _server_call(self, call: types.ToolCall, sig: str | None) -> dict[str, Any]:
        """A server-side tool run (Gemini 3 `toolCall`) as a standard block."""
        tool_type = _tool_type(call.tool_type)
        self._server_id = call.id or synthetic_id()
        extras: dict[str, Any] = {"tool_type": tool_type}
        if sig is not None:
            extras["signature"] = sig
        return self._core.blocks.add_block(
            {
                "type": "server_tool_call",
                "id": self._server_id,
                "name": tool_type.lower(),
                "args": dict(call.args or {}),
                "extras": extras,
            }
        )

    def _server_result(
        self, result: types.ToolResponse, sig: str | None
    ) -> dict[str, Any]:
        """Its result (`toolResponse`), pointing at the call it answers."""
        extras: dict[str, Any] = {"tool_type": _tool_type(result.tool_type)}
        if sig is not None:
            extras["signature"] = sig
        response = dict(result.response or {})
        return self._core.blocks.add_block(
            {
                "type": "server_tool_result",
                "tool_call_id": result.id or self._server_id or "",
                "status": "error" if "error" in response else "success",
                "output": response,
                "extras": extras,
            }
        )

    def _image(
        self, blob: types.Blob, sig: str | None, *, thought: bool
    ) -> dict[str, Any]:
        data = base64.b64encode(blob.data or b"").decode("ascii")
        block: dict[str, Any] = {
            "type": "image_url",
            "image_url": {"url": f"data:{blob.mime_type};base64,{data}"},
        }
        if thought:
            block["thought"] = True  # an interim "thought image" (image models)
        return self._core.blocks.add_block(block, sig)

    def _call(
        self, call: types.FunctionCall, sig: str | None, signatures: dict[str, str]
    ) -> ToolCallChunk | None:
        """A whole call, or one piece of a call whose arguments stream (Vertex)."""
        pending = self._pending
        if pending is None and not call.will_continue and not call.partial_args:
            args = call.args if call.args is not None else {}
            whole = _PendingCall(call.id or synthetic_id(), call.name, sig, args)
            return self._close(whole, signatures)
        if pending is None:
            pending = _PendingCall(call.id or synthetic_id(), None, None)
            self._pending = pending
        pending.name = pending.name or call.name
        pending.signature = pending.signature or sig
        if call.args:
            pending.args.update(call.args)
        for arg in call.partial_args or ():
            apply_partial_arg(pending.args, arg)
        if call.will_continue:
            return None
        return self._close(pending, signatures)

    def _close(self, call: _PendingCall, signatures: dict[str, str]) -> ToolCallChunk:
        self._pending = None
        if call.signature is not None:
            signatures[call.id] = call.signature
        chunk = tool_call_chunk(
            name=call.name, args=json.dumps(call.args), id=call.id, index=self._calls
        )
        self._calls += 1
        return chunk

    def _remember(
        self, response: types.GenerateContentResponse, candidate: types.Candidate | None
    ) -> None:
        """Keep the latest response-level metadata, for the final chunk."""
        meta = self._core.meta
        meta["model_name"] = response.model_version or meta.get(
            "model_name", self._requested_model
        )
        if response.response_id:
            meta["response_id"] = response.response_id
        if response.prompt_feedback is not None:
            meta["prompt_feedback"] = _dump(response.prompt_feedback)
        usage = response.usage_metadata
        if usage is not None and usage.cache_tokens_details:
            details = usage.cache_tokens_details
            meta["cache_tokens_details"] = [_dump(d) for d in details]
        if candidate is None:
            return
        if candidate.finish_reason is not None:
            meta["finish_reason"] = str(candidate.finish_reason.value)
        if candidate.finish_message:
            meta["finish_message"] = candidate.finish_message
        if candidate.safety_ratings:
            meta["safety_ratings"] = [_dump(r) for r in candidate.safety_ratings]
        if candidate.grounding_metadata is not None:
            meta["grounding_metadata"] = _dump(candidate.grounding_metadata)
        if candidate.url_context_metadata is not None:
            meta["url_context_metadata"] = _dump(candidate.url_context_metadata)
        if candidate.citation_metadata is not None:
            meta["citation_metadata"] = _dump(candidate.citation_metadata)


_DATA_FIELDS = (
    "inline_data",
    "file_data",
    "function_response",
    "audio_transcription",
)
"""Part fields that hold data (not flags) and are not mapped: they raise."""


def _tool_type(tool_type: types.ToolType | None) -> str:
    """Gemini's `ToolType` name (an unknown one as sent)."""
    return "TOOL_TYPE_UNSPECIFIED" if tool_type is None else str(tool_type.value)


def _has_data(part: types.Part) -> bool:
    return any(getattr(part, name) is not None for name in _DATA_FIELDS)


def _is_image(blob: types.Blob) -> bool:
    return (blob.mime_type or "").startswith("image/")


def _is_pcm(blob: types.Blob) -> bool:
    return (blob.mime_type or "").lower().startswith(("audio/l16", "audio/pcm"))


def wav_file(pcm: bytes | bytearray, mime_type: str) -> bytes:
    """16-bit PCM as a WAV file, rate and channels from the MIME type's parameters
    (`audio/L16;codec=pcm;rate=24000`), the samples as Gemini sends them
    (little-endian, as WAV and Google's examples have them). Its header holds the
    length, so a stream's final chunk carries the file, in `additional_kwargs`
    (core's google_genai translator makes it an `audio` block)."""
    params = dict(p.strip().lower().partition("=")[::2] for p in mime_type.split(";"))
    channels, rate = params.get("channels") or "1", params.get("rate") or "24000"
    if not (channels + rate).isdigit() or "0" in (channels[0], rate[0]):
        raise MalformedResponseError(
            f"PCM audio of unknown rate or channels: {mime_type}"
        )
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(int(channels))
        wav.setsampwidth(2)
        wav.setframerate(int(rate))
        wav.writeframes(pcm)
    return out.getvalue()


def _dump(value: pydantic.BaseModel) -> Any:
    """An SDK object as the snake_case JSON dict core's translator reads."""
    return value.model_dump(mode="json", exclude_none=True)


def response_to_messages(
    response: types.GenerateContentResponse, requested_model: str
) -> list[AIMessage]:
    """One `AIMessage` per candidate (at least one); usage rides on candidate 0's."""
    return NativeStreamState(requested_model).messages(response)
