"""Conversation and CallOptions to google-genai request types (contents, config)."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from typing import Any, Literal, TypeVar, cast

import pydantic
from google.genai import types
from typing_extensions import assert_never

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
from langchain_aihubmix._options.call_options import (
    BuiltinKind,
    BuiltinTool,
    CallOptions,
    FunctionTool,
    ThinkingLevel,
)
from langchain_aihubmix.profiles import combines_server_tools, requires_signatures

_SENTINELS = frozenset(
    {SKIP_SIGNATURE_SENTINEL, "context_engineering_is_the_way_to_go"}
)
"""Google's stand-ins for a signature: sent verbatim (they parse as base64 too)."""

_TOOL_MODES: dict[Literal["auto", "any", "none"], types.FunctionCallingConfigMode] = {
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


def _pairs_contain(self: pydantic.BaseModel, key: object) -> bool:
    """`key in model` as iterating the model answers it: iteration yields
    (name, value) pairs, so a string is never in a model."""
    return not isinstance(key, str) and key in tuple(self)


class _Part(types.Part):
    """A `Part` whose fields google-genai reads without walking all of them.

    The SDK reads request objects through `_common.get_value_by_path`, which tries
    `key in obj` before `getattr`; a pydantic model has no `__contains__`, so `in`
    iterates its (name, value) pairs, none of which ever equals the key. Each of
    the SDK's ~18 lookups on a part walked all 20 fields: some 60 us a part, more
    than the rest of preparing a short call. This `in` gives the same answers at
    once; the fields, and so the wire bytes, are those of a `Part`.
    """

    __contains__ = _pairs_contain


class _Config(types.GenerateContentConfig):
    """A `GenerateContentConfig` read as cheaply as `_Part` (same reason): the SDK
    looks up ~40 keys on a config of ~40 fields, some 230 us a call."""

    __contains__ = _pairs_contain


_M = TypeVar("_M", bound=pydantic.BaseModel)
_BLANKS: dict[type[pydantic.BaseModel], pydantic.BaseModel] = {}


def _prevalidated(cls: type[_M], **values: Any) -> _M:
    """`cls(**values)` without validation, for values validation keeps as they are.

    google-genai's models run a Python before-validator over all their fields on
    construction (about 5 us for a `Part`, the bulk of converting a history); a
    copy of a blank instance updated with the values is the same object (same
    fields, same fields-set, same wire bytes) for a third of the cost. Callers
    pass only values validation would return unchanged: exact `str` / `bool`,
    fresh lists and dicts, and SDK objects (which validation keeps by identity).
    """
    blank = _BLANKS.get(cls)
    if blank is None:
        blank = _BLANKS[cls] = cls()
    return cast("_M", blank.model_copy(update=values))


def _text_part(text: str, *, thought: bool | None = None) -> types.Part:
    """`Part(text=..., thought=...)`; anything but an exact `str` is validated."""
    if type(text) is not str:
        return _Part(text=text, thought=thought)
    if thought is None:
        return _prevalidated(_Part, text=text)
    return _prevalidated(_Part, text=text, thought=thought)


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
    """Attach a signature; a `str` one is assigned past validation (sent verbatim)."""
    value = signature_bytes(signature)
    if value is not None:
        # bytes validate fine; a str would be base64-decoded by pydantic, so assign.
        object.__setattr__(part, "thought_signature", value)
        part.__pydantic_fields_set__.add("thought_signature")
    return part


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
    if part.data is not None:
        blob = Base64Blob(mime_type=part.mime_type, data=part.inline_base64())
        return _Part(inline_data=blob)
    if part.uri is not None:
        return _Part(
            file_data=types.FileData(file_uri=part.uri, mime_type=part.mime_type)
        )
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
    function_response = _function_response(part, response, nested or None)
    return [_prevalidated(_Part, function_response=function_response), *after]


def _function_response(
    part: ToolResultPart,
    response: dict[str, Any],
    nested: list[types.FunctionResponsePart] | None,
) -> types.FunctionResponse:
    """The `FunctionResponse` (validated unless its fields have exact types)."""
    call_id = _server_id(part.call_id)
    if _exact_str(call_id) and _exact_str(part.name) and _str_keyed(response):
        # validation would copy the dict and the list (not their items)
        return _prevalidated(
            types.FunctionResponse,
            id=call_id,
            name=part.name,
            response=dict(response),
            parts=None if nested is None else list(nested),
        )
    return types.FunctionResponse(
        id=call_id, name=part.name, response=response, parts=nested
    )


def _function_call(part: ToolCallPart) -> types.FunctionCall:
    """The call's `FunctionCall` (validated unless its fields have exact types)."""
    call_id = _server_id(part.id)
    if _exact_str(call_id) and _exact_str(part.name) and _str_keyed(part.args):
        # validation would copy the dict (not its values) and keep the strings
        return _prevalidated(
            types.FunctionCall, id=call_id, name=part.name, args=dict(part.args)
        )
    return types.FunctionCall(id=call_id, name=part.name, args=part.args)


def _exact_str(value: object) -> bool:
    """None or a plain `str`: what a `str | None` field keeps as is."""
    return value is None or type(value) is str


def _str_keyed(value: object) -> bool:
    """A plain dict with plain `str` keys: what a `dict[str, Any]` field copies."""
    return type(value) is dict and all(type(key) is str for key in value)


def _to_parts(part: Part, *, nested_media: bool) -> list[types.Part]:
    """One conversation part as the SDK part(s) carrying it, signature included."""
    if isinstance(part, TextPart):
        return [_signed(_text_part(part.text), part.signature)]
    if isinstance(part, ReasoningPart):
        return [_signed(_text_part(part.text, thought=True), part.signature)]
    if isinstance(part, MediaPart):
        return [_signed(_media(part), part.signature)]
    if isinstance(part, ToolCallPart):
        call = _function_call(part)
        return [_signed(_prevalidated(_Part, function_call=call), part.signature)]
    if isinstance(part, ToolResultPart):
        return _tool_response(part, nested_media=nested_media)
    if isinstance(part, CodePart):
        code = types.ExecutableCode(
            code=part.code,
            language=types.Language(part.language.upper()),
            id=_server_id(part.id),
        )
        return [_signed(_Part(executable_code=code), part.signature)]
    if isinstance(part, CodeResultPart):
        result = types.CodeExecutionResult(
            output=part.output,
            outcome=types.Outcome(part.outcome),
            id=_server_id(part.id),
        )
        return [_signed(_Part(code_execution_result=result), part.signature)]
    if isinstance(part, ServerToolCallPart):
        server_call = types.ToolCall(
            id=_server_id(part.id),
            tool_type=types.ToolType(part.tool_type),
            args=part.args,
        )
        return [_signed(_Part(tool_call=server_call), part.signature)]
    if isinstance(part, ServerToolResultPart):
        server_result = types.ToolResponse(
            id=_server_id(part.id),
            tool_type=types.ToolType(part.tool_type),
            response=part.response,
        )
        return [_signed(_Part(tool_response=server_result), part.signature)]
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
    return _prevalidated(types.Content, role=role, parts=parts)


def _is_user_input(content: types.Content) -> bool:
    """A user content with standard content (text/media), not only function results."""
    return content.role == "user" and any(
        p.function_response is None for p in content.parts or ()
    )


def _inject_sentinels(contents: list[types.Content]) -> None:
    """Gemini 3: sign the first function call of each model step in the current turn.

    The current turn is everything after the last user content with text or media.
    A step whose first call has no signature gets `SKIP_SIGNATURE_SENTINEL`; later
    (parallel) calls of a step are left alone, as are earlier turns.
    """
    start = max((i for i, c in enumerate(contents) if _is_user_input(c)), default=-1)
    for content in contents[start + 1 :]:
        if content.role != "model":
            continue
        first = next((p for p in content.parts or () if p.function_call), None)
        if first is not None and first.thought_signature is None:
            _signed(first, SKIP_SIGNATURE_SENTINEL)


def conversation_to_contents(
    conv: Conversation, *, model: str
) -> tuple[list[types.Content], types.Content | None]:
    """The request's `contents` and `system_instruction` for `model`.

    Parts keep their order and are never merged; each keeps the signature it came
    with. A turn with no parts is not sent (Gemini rejects a content without parts).
    Ids starting with `SYNTHETIC_ID_PREFIX` are never sent. For models that require
    signatures (Gemini 3+, `profiles.requires_signatures`), a function call of the
    current turn that lost its signature gets Google's skip sentinel, and tool media
    is nested in the function response; older models get it as parts after it.
    """
    gemini3 = requires_signatures(model)
    contents = [
        content
        for turn in conv.turns
        if (content := _to_content(turn, nested_media=gemini3)) is not None
    ]
    if gemini3:
        _inject_sentinels(contents)
    system = (
        _prevalidated(
            types.Content, role="user", parts=[_text_part(t) for t in conv.system]
        )
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
        and combines_server_tools(opts.model)
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


_TEMPLATES: dict[int, tuple[CallOptions, types.GenerateContentConfig | None]] = {}
"""Config templates of options seen before, by the options' identity (see
`_template`); holding each options object keeps its id from being reused."""
_MAX_TEMPLATES = 64


def options_to_config(
    opts: CallOptions, system_instruction: types.Content | None
) -> types.GenerateContentConfig:
    """The request config; unset options stay `None`, so the SDK leaves them out.

    A JSON schema without a MIME type asks for `application/json`; `extra_body` goes
    to `http_options.extra_body` (merged into the request body by the SDK); the
    SDK's automatic function calling is disabled (it only runs Python callables).

    Each call gets its own config object, whose fields the caller may assign; its
    nested objects (thinking config, stop list, ...) may be shared with other
    calls' configs and must not be changed in place. Validating a config costs
    more than the rest of preparing a short request, so the config of options
    that come back (`_resolve.resolve_call` returns the same object for the same
    settings) is built once and copied.
    """
    template = _template(opts) if _reusable(opts, system_instruction) else None
    if template is None:
        return _config(opts, system_instruction)
    if system_instruction is None:
        return template.model_copy()
    # validation keeps a Content as is: the copy equals a config built with it
    return template.model_copy(update={"system_instruction": system_instruction})


def _reusable(opts: CallOptions, system_instruction: types.Content | None) -> bool:
    """Whether a template can stand for `opts`: immutable options (hashable, so
    no dict or list inside to change in place) and no system or a plain Content."""
    if system_instruction is not None and type(system_instruction) is not types.Content:
        return False
    try:
        hash(opts)
    except TypeError:
        return False
    return True


def _template(opts: CallOptions) -> types.GenerateContentConfig | None:
    """The config template of `opts` when this very object was seen before.

    The first sighting is only noted: most options objects serve one call, and
    building a template for them would cost a copy each.
    """
    seen = _TEMPLATES.get(id(opts))
    if seen is None or seen[0] is not opts:
        if len(_TEMPLATES) >= _MAX_TEMPLATES:
            _TEMPLATES.clear()
        _TEMPLATES[id(opts)] = (opts, None)
        return None
    if seen[1] is None:
        seen = _TEMPLATES[id(opts)] = (opts, _config(opts, None))
    return seen[1]


def _config(
    opts: CallOptions, system_instruction: types.Content | None
) -> types.GenerateContentConfig:
    """The config, with only the options that are set (so `model_fields_set` says
    which: every field defaults to None, and the SDK leaves None out anyway)."""
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
        response_modalities=list(opts.response_modalities)
        if opts.response_modalities is not None
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
    return _Config(
        **{name: value for name, value in fields.items() if value is not None}
    )
