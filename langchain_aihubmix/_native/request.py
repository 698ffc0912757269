"""Conversation and CallOptions to google-genai request types (contents, config)."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from typing import Any, assert_never

from google.genai import types
from pydantic import BaseModel

from langchain_aihubmix._input.conversation import (
    SKIP_SIGNATURE_SENTINEL,
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
)
from langchain_aihubmix._input.turn_rules import bypass_signatures
from langchain_aihubmix._native.sdk_shortcuts import SdkConfig, SdkPart
from langchain_aihubmix._options.call_options import (
    BuiltinKind,
    BuiltinTool,
    CallOptions,
    FunctionTool,
    ThinkingLevel,
    ToolMode,
)
from langchain_aihubmix.profiles import profile_for, requires_signatures

_SENTINELS = {SKIP_SIGNATURE_SENTINEL, "context_engineering_is_the_way_to_go"}
"""Google's stand-ins for a signature: sent verbatim (they parse as base64 too)."""

_TOOL_MODES: dict[ToolMode, types.FunctionCallingConfigMode] = {
    "auto": types.FunctionCallingConfigMode.AUTO,
    "any": types.FunctionCallingConfigMode.ANY,
    "none": types.FunctionCallingConfigMode.NONE,
}

_THINKING_LEVELS: dict[ThinkingLevel, types.ThinkingLevel | None] = {
    "none": None,  # no level turns thinking off: sent as thinking_budget=0
    "minimal": types.ThinkingLevel.MINIMAL,
    "low": types.ThinkingLevel.LOW,
    "medium": types.ThinkingLevel.MEDIUM,
    "high": types.ThinkingLevel.HIGH,
}

_BUILTINS: dict[BuiltinKind, type[BaseModel]] = {
    "code_execution": types.ToolCodeExecution,
    "google_search": types.GoogleSearch,
    "url_context": types.UrlContext,
}
"""Each built-in tool's config type (`types.Tool`'s field of the same name)."""


def _text_part(text: str, *, thought: bool | None = None) -> types.Part:
    """`SdkPart(text=...)`, with `thought` only when it is set."""
    if thought is None:
        return SdkPart(text=text)
    return SdkPart(text=text, thought=thought)


def signature_bytes(signature: str | None) -> bytes | str | None:
    """A stored signature for `Part.thought_signature`: base64 text (standard or
    URL-safe, padding optional) as its bytes, which the SDK re-encodes; Google's
    sentinels and anything else as `str`, which the SDK sends verbatim."""
    if signature is None or signature in _SENTINELS:
        return signature
    text = signature.replace("-", "+").replace("_", "/")
    try:
        return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except (binascii.Error, ValueError):
        return signature


def _signed(part: types.Part, signature: str | None) -> types.Part:
    """`part` with a signature: a copy updated without validation, because
    validation would base64-decode a `str` one (which must be sent verbatim)."""
    value = signature_bytes(signature)
    return (
        part if value is None else part.model_copy(update={"thought_signature": value})
    )


def _server_id(call_id: str | None) -> str | None:
    """Ids this package invented are never sent."""
    if call_id is None or call_id.startswith(SYNTHETIC_ID_PREFIX):
        return None
    return call_id


class Base64Blob(types.Blob):
    """A `Blob` carrying base64 text, which the SDK (dumping `inline_data` with the
    blob's own `model_dump`) sends verbatim; `Blob.data` is bytes, decoded from a
    `str` and encoded again: the file held three times over. Google reads standard
    base64 as well as the URL-safe form the SDK writes."""

    data: str | None = None  # type: ignore[assignment]


def _media(part: MediaPart) -> types.Part:
    """Inline data or a file reference, with its video metadata and resolution."""
    extra: dict[str, Any] = {}
    if part.video_metadata is not None:
        extra["video_metadata"] = types.VideoMetadata(**part.video_metadata)
    if part.media_resolution is not None:
        level = types.PartMediaResolutionLevel(part.media_resolution)
        extra["media_resolution"] = types.PartMediaResolution(level=level)
    if part.data is not None:
        blob = Base64Blob(mime_type=part.mime_type, data=part.inline_base64())
        return SdkPart(inline_data=blob, **extra)
    if part.uri is not None:
        ref = types.FileData(file_uri=part.uri, mime_type=part.mime_type)
        return SdkPart(file_data=ref, **extra)
    raise ValueError("MediaPart needs `data` or `uri`")


def _tool_response(part: ToolResultPart, *, nested_media: bool) -> list[types.Part]:
    """A function response; its media nested (Gemini 3) or as parts after it."""
    content = part.content
    if part.is_error:
        response: dict[str, Any] = {"error": content}
    elif isinstance(content, dict):
        response = content
    else:
        response = {"result": content}
    nested: list[types.FunctionResponsePart] = []
    after: list[types.Part] = []
    for media in part.media:
        if not nested_media:
            after.append(_media(media))
        elif media.data is not None:
            # decoded: the SDK dumps FunctionResponse as a whole, with the base schema
            blob = types.FunctionResponseBlob(
                mime_type=media.mime_type, data=media.inline_bytes()
            )
            nested.append(types.FunctionResponsePart(inline_data=blob))
        else:
            ref = types.FunctionResponseFileData(
                file_uri=media.uri, mime_type=media.mime_type
            )
            nested.append(types.FunctionResponsePart(file_data=ref))
    function_response = types.FunctionResponse(
        id=_server_id(part.call_id),
        name=part.name,
        response=response,
        parts=nested or None,
    )
    return [SdkPart(function_response=function_response), *after]


def _to_parts(part: Part, *, nested_media: bool) -> list[types.Part]:
    """One conversation part as the SDK part(s) carrying it, signature included."""
    if isinstance(part, ToolResultPart):
        return _tool_response(part, nested_media=nested_media)
    sdk: types.Part
    if isinstance(part, (TextPart, ReasoningPart)):
        sdk = _text_part(part.text, thought=isinstance(part, ReasoningPart) or None)
    elif isinstance(part, MediaPart):
        sdk = _media(part)
    elif isinstance(part, ToolCallPart):
        call = types.FunctionCall(
            id=_server_id(part.id), name=part.name, args=part.args
        )
        sdk = SdkPart(function_call=call)
    elif isinstance(part, CodePart):
        language = types.Language(part.language.upper())
        code = types.ExecutableCode(
            code=part.code, language=language, id=_server_id(part.id)
        )
        sdk = SdkPart(executable_code=code)
    elif isinstance(part, CodeResultPart):
        outcome = types.Outcome(part.outcome)
        result = types.CodeExecutionResult(
            output=part.output, outcome=outcome, id=_server_id(part.id)
        )
        sdk = SdkPart(code_execution_result=result)
    elif isinstance(part, (ServerToolCallPart, ServerToolResultPart)):
        step: dict[str, Any] = {
            "id": _server_id(part.id),
            "tool_type": types.ToolType(part.tool_type),
        }
        if isinstance(part, ServerToolCallPart):
            sdk = SdkPart(tool_call=types.ToolCall(**step, args=part.args))
        else:
            sdk = SdkPart(
                tool_response=types.ToolResponse(**step, response=part.response)
            )
    else:
        assert_never(part)
    return [_signed(sdk, part.signature)]


def conversation_to_contents(
    conv: Conversation, *, model: str
) -> tuple[list[types.Content], types.Content | None]:
    """The request's `contents` and `system_instruction` for `model`.

    Parts keep their order (never merged) and signatures; unsigned parts the model
    needs signed get Google's bypass (`turn_rules.bypass_signatures`). A turn with
    no parts is not sent (Gemini rejects one), tool results go in a "user" turn,
    and tool media is nested in the function response on Gemini 3+ (else parts
    after it).
    """
    gemini3 = requires_signatures(model)
    contents = []
    for turn in bypass_signatures(conv, model).turns:
        parts = [sdk for p in turn.parts for sdk in _to_parts(p, nested_media=gemini3)]
        if parts:
            role = "model" if turn.role == "model" else "user"
            contents.append(types.Content(role=role, parts=parts))
    system = (
        types.Content(role="user", parts=[_text_part(t) for t in conv.system])
        if conv.system
        else None
    )
    return contents, system


def _tools(tools: tuple[FunctionTool | BuiltinTool, ...]) -> types.ToolListUnion | None:
    """Builtins in order, then one Tool holding every function (as the SDK sends)."""
    result: types.ToolListUnion = []
    functions: list[types.FunctionDeclaration] = []
    for tool in tools:
        if isinstance(tool, FunctionTool):
            functions.append(
                types.FunctionDeclaration(
                    name=tool.name,
                    description=tool.description,
                    parameters_json_schema=tool.parameters,
                )
            )
        elif isinstance(tool, BuiltinTool):
            config: dict[str, Any] = {
                tool.kind: _BUILTINS[tool.kind].model_validate(tool.config)
            }
            result.append(types.Tool(**config))
        else:
            assert_never(tool)
    if functions:
        result.append(types.Tool(function_declarations=functions))
    return result or None


_SERVER_INVOKED: frozenset[BuiltinKind] = frozenset({"google_search", "url_context"})
"""Built-in tools whose runs Gemini 3 returns as `toolCall` / `toolResponse` parts."""


def _tool_config(opts: CallOptions) -> types.ToolConfig | None:
    """Tool choice, and server-side tool invocations when built-in and function
    tools are combined on a model that supports it (Gemini 3: the server's tool
    steps come back as parts, to be replayed with the function results)."""
    choice = opts.tool_choice
    combined = (
        any(isinstance(t, FunctionTool) for t in opts.tools)
        and any(
            isinstance(t, BuiltinTool) and t.kind in _SERVER_INVOKED for t in opts.tools
        )
        and requires_signatures(opts.model)
    )
    if choice is None and not combined:
        return None
    calling = None
    if choice is not None:
        allowed = (
            list(choice.allowed) if choice.mode == "any" and choice.allowed else None
        )
        calling = types.FunctionCallingConfig(
            mode=_TOOL_MODES[choice.mode], allowed_function_names=allowed
        )
    return types.ToolConfig(
        function_calling_config=calling,
        include_server_side_tool_invocations=True if combined else None,
    )


def _thinking(opts: CallOptions) -> types.ThinkingConfig | None:
    level = _THINKING_LEVELS[opts.thinking_level] if opts.thinking_level else None
    budget = opts.thinking_budget
    if opts.thinking_level == "none" and budget is None:
        budget = 0
    if opts.include_thoughts is None and budget is None and level is None:
        return None
    return types.ThinkingConfig(
        include_thoughts=opts.include_thoughts,
        thinking_budget=budget,
        thinking_level=level,
    )


def _safety(pairs: tuple[tuple[str, str], ...]) -> list[types.SafetySetting]:
    return [
        types.SafetySetting(
            category=types.HarmCategory(c), threshold=types.HarmBlockThreshold(t)
        )
        for c, t in pairs
    ]


def _maybe(convert: Callable[[Any], Any], value: Any) -> Any:
    return None if value is None else convert(value)


def options_to_config(
    opts: CallOptions, system_instruction: types.Content | None, always: bool = False
) -> types.GenerateContentConfig | None:
    """The request config, with only the options that are set (`model_fields_set`:
    each call gets its own config, whose fields the caller may assign); None when
    none is and not `always` (the SDK then converts no config and sends none).

    A JSON schema without a MIME type asks for `application/json`; `extra_body` is
    merged into the body by the SDK (`http_options`); the SDK's automatic function
    calling is off (it only runs Python callables, which a config never holds).
    """
    mime = opts.response_mime_type
    if opts.response_schema is not None and mime is None:
        mime = "application/json"
    # a text-to-speech model answers AUDIO only (Gemini 400s on the TEXT default)
    audio = ["AUDIO"] if profile_for(opts.model).speech_output else None
    modalities = opts.response_modalities
    fields: dict[str, Any] = dict(
        system_instruction=system_instruction,
        temperature=opts.temperature,
        top_p=opts.top_p,
        top_k=opts.top_k,
        max_output_tokens=opts.max_output_tokens,
        stop_sequences=_maybe(list, opts.stop),
        seed=opts.seed,
        presence_penalty=opts.presence_penalty,
        frequency_penalty=opts.frequency_penalty,
        candidate_count=opts.n,
        response_mime_type=mime,
        response_json_schema=opts.response_schema,
        safety_settings=_maybe(_safety, opts.safety_settings),
        media_resolution=_maybe(types.MediaResolution, opts.media_resolution),
        response_modalities=audio if modalities is None else list(modalities),
        speech_config=_maybe(types.SpeechConfig.model_validate, opts.speech_config),
        image_config=_maybe(types.ImageConfig.model_validate, opts.image_config),
        cached_content=opts.cached_content,
        thinking_config=_thinking(opts),
        tools=_tools(opts.tools),
        tool_config=_tool_config(opts),
        http_options=_maybe(
            lambda body: types.HttpOptions(extra_body=body), opts.extra_body
        ),
    )
    fields = {k: v for k, v in fields.items() if v is not None}
    if not fields and not always:
        return None
    off = types.AutomaticFunctionCallingConfig(disable=True)
    return SdkConfig(**fields, automatic_function_calling=off)
