"""Conversation and CallOptions to google-genai request types (contents, config)."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from typing import Any, assert_never

from google.genai import types

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
    Turn,
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

_SENTINELS = frozenset(
    {SKIP_SIGNATURE_SENTINEL, "context_engineering_is_the_way_to_go"}
)
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

_BUILTINS: dict[BuiltinKind, Callable[[dict[str, Any]], types.Tool]] = {
    "code_execution": lambda c: types.Tool(
        code_execution=types.ToolCodeExecution.model_validate(c)
    ),
    "google_search": lambda c: types.Tool(
        google_search=types.GoogleSearch.model_validate(c)
    ),
    "url_context": lambda c: types.Tool(url_context=types.UrlContext.model_validate(c)),
}


def _text_part(text: str, *, thought: bool | None = None) -> types.Part:
    """`SdkPart(text=...)`, with `thought` only when it is set."""
    if thought is None:
        return SdkPart(text=text)
    return SdkPart(text=text, thought=thought)


def signature_bytes(signature: str | None) -> bytes | str | None:
    """A stored signature for `Part.thought_signature`.

    Base64 text (standard or URL-safe, padding optional) becomes the bytes it encodes,
    which the SDK re-encodes on the wire; Google's sentinels and anything that is not
    base64 stay `str`, which the SDK sends verbatim.
    """
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
    if value is None:
        return part
    return part.model_copy(update={"thought_signature": value})


def _server_id(call_id: str | None) -> str | None:
    """Ids this package invented are never sent."""
    if call_id is None or call_id.startswith(SYNTHETIC_ID_PREFIX):
        return None
    return call_id


class Base64Blob(types.Blob):
    """A `Blob` carrying base64 text, which the SDK sends verbatim.

    `Blob.data` is bytes: the SDK would decode a `str` on validation and encode the
    bytes again on the wire, holding the file three times over. The SDK serialises
    `inline_data` with the blob's own `model_dump`, so this subclass's text field
    goes out as is (Google reads standard base64 as well as the URL-safe form the
    SDK writes).
    """

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
    if isinstance(part, TextPart):
        return [_signed(_text_part(part.text), part.signature)]
    if isinstance(part, ReasoningPart):
        return [_signed(_text_part(part.text, thought=True), part.signature)]
    if isinstance(part, MediaPart):
        return [_signed(_media(part), part.signature)]
    if isinstance(part, ToolCallPart):
        call = types.FunctionCall(
            id=_server_id(part.id), name=part.name, args=part.args
        )
        return [_signed(SdkPart(function_call=call), part.signature)]
    if isinstance(part, ToolResultPart):
        return _tool_response(part, nested_media=nested_media)
    if isinstance(part, CodePart):
        code = types.ExecutableCode(
            code=part.code,
            language=types.Language(part.language.upper()),
            id=_server_id(part.id),
        )
        return [_signed(SdkPart(executable_code=code), part.signature)]
    if isinstance(part, CodeResultPart):
        result = types.CodeExecutionResult(
            output=part.output,
            outcome=types.Outcome(part.outcome),
            id=_server_id(part.id),
        )
        return [_signed(SdkPart(code_execution_result=result), part.signature)]
    if isinstance(part, ServerToolCallPart):
        server_call = types.ToolCall(
            id=_server_id(part.id),
            tool_type=types.ToolType(part.tool_type),
            args=part.args,
        )
        return [_signed(SdkPart(tool_call=server_call), part.signature)]
    if isinstance(part, ServerToolResultPart):
        server_result = types.ToolResponse(
            id=_server_id(part.id),
            tool_type=types.ToolType(part.tool_type),
            response=part.response,
        )
        return [_signed(SdkPart(tool_response=server_result), part.signature)]
    assert_never(part)


def _to_content(turn: Turn, *, nested_media: bool) -> types.Content | None:
    """A turn as one Content (tool results go in a "user" turn); empty: None."""
    parts = [
        sdk_part
        for part in turn.parts
        for sdk_part in _to_parts(part, nested_media=nested_media)
    ]
    if not parts:
        return None
    role = "model" if turn.role == "model" else "user"
    return types.Content(role=role, parts=parts)


def conversation_to_contents(
    conv: Conversation, *, model: str
) -> tuple[list[types.Content], types.Content | None]:
    """The request's `contents` and `system_instruction` for `model`.

    Parts keep their order and are never merged; each keeps the signature it came
    with. A turn with no parts is not sent (Gemini rejects a content without parts).
    Ids starting with `SYNTHETIC_ID_PREFIX` are never sent. Unsigned parts the
    model needs signed get Google's bypass (`turn_rules.bypass_signatures`). For
    models that require signatures (Gemini 3+), tool media is nested in the
    function response; older models get it as parts after it.
    """
    gemini3 = requires_signatures(model)
    contents = [
        content
        for turn in bypass_signatures(conv, model).turns
        if (content := _to_content(turn, nested_media=gemini3)) is not None
    ]
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
            result.append(_BUILTINS[tool.kind](tool.config))
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


def options_to_config(
    opts: CallOptions, system_instruction: types.Content | None
) -> types.GenerateContentConfig:
    """The request config, with only the options that are set.

    `model_fields_set` says which (every field defaults to None, and the SDK leaves
    None out anyway). A JSON schema without a MIME type asks for
    `application/json`; `extra_body` goes to `http_options.extra_body` (merged into
    the request body by the SDK); the SDK's automatic function calling is disabled
    (it only runs Python callables). Each call gets its own config, whose fields
    the caller may assign.
    """
    mime = opts.response_mime_type
    if opts.response_schema is not None and mime is None:
        mime = "application/json"
    fields: dict[str, Any] = dict(
        system_instruction=system_instruction,
        temperature=opts.temperature,
        top_p=opts.top_p,
        top_k=opts.top_k,
        max_output_tokens=opts.max_output_tokens,
        stop_sequences=list(opts.stop) if opts.stop is not None else None,
        seed=opts.seed,
        presence_penalty=opts.presence_penalty,
        frequency_penalty=opts.frequency_penalty,
        candidate_count=opts.n,
        response_mime_type=mime,
        response_json_schema=opts.response_schema,
        safety_settings=[
            types.SafetySetting(
                category=types.HarmCategory(category),
                threshold=types.HarmBlockThreshold(threshold),
            )
            for category, threshold in opts.safety_settings
        ]
        if opts.safety_settings is not None
        else None,
        media_resolution=types.MediaResolution(opts.media_resolution)
        if opts.media_resolution is not None
        else None,
        # a text-to-speech model answers AUDIO only (Gemini 400s on the TEXT default)
        response_modalities=list(opts.response_modalities)
        if opts.response_modalities is not None
        else (["AUDIO"] if profile_for(opts.model).speech_output else None),
        speech_config=types.SpeechConfig.model_validate(opts.speech_config)
        if opts.speech_config is not None
        else None,
        image_config=types.ImageConfig.model_validate(opts.image_config)
        if opts.image_config is not None
        else None,
        cached_content=opts.cached_content,
        thinking_config=_thinking(opts),
        tools=_tools(opts.tools),
        tool_config=_tool_config(opts),
        # Client-side only (never sent): we pass declarations, not callables.
        automatic_function_calling=types.AutomaticFunctionCallingConfig(disable=True),
        http_options=types.HttpOptions(extra_body=opts.extra_body)
        if opts.extra_body is not None
        else None,
    )
    return SdkConfig(
        **{name: value for name, value in fields.items() if value is not None}
    )
