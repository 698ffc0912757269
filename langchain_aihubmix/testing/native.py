"""Native Gemini route: request validation and the route-neutral view of a request."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from langchain_aihubmix.profiles import base_model
from langchain_aihubmix.testing import (
    brain,
    history,
    images,
    native_render,
    schema_rules,
    speech,
)
from langchain_aihubmix.testing.catalog import (
    is_gemini3,
    is_image_model,
    is_known,
    is_tts,
    max_output,
    rejects_minimal,
    rejects_prefill,
    requires_response_ids,
    thinks_by_default,
)
from langchain_aihubmix.testing.errors import (
    INVALID,
    HttpError,
    gateway_error,
    invalid_argument,
    model_not_found,
)
from langchain_aihubmix.testing.reply import Exchange, JsonReply, StreamReply, get
from langchain_aihubmix.testing.signatures import Signer
from langchain_aihubmix.testing.state import State
from langchain_aihubmix.testing.tokens import PromptTally

INLINE_LIMIT = 20 * 1024 * 1024
MISSING_SIGNATURE = (
    "Function call is missing a thought_signature in functionCall parts. This is "
    "required for tools to work correctly, and missing thought_signature may lead to "
    "degraded model performance. Additional data, function call `default_api:{name}` , "
    "position {position}. Please refer to "
    "https://ai.google.dev/gemini-api/docs/thought-signatures for more details."
)
CORRUPTED_SIGNATURE = "Corrupted thought signature."
PREFILL_REJECTED = (
    "A conversation ending with a model turn (prefill) is not supported for this "
    "model. End the conversation with a user turn."
)
"""The 400 for a prefilled final model turn (rule documented, text not recorded)."""
MODALITIES = (
    "The requested combination of response modalities{asked} is not supported by "
    "the model. models/{model} accepts the following combination of response "
    "modalities:\n* {accepted}\n"
)
"""Gemini's 400 for modalities a model lacks (BerriAI/litellm#11118, Fabric#1607)."""


def handle(
    ex: Exchange, state: State, model: str, stream: bool, sse: bool
) -> JsonReply | StreamReply:
    """Serve generateContent / streamGenerateContent for `model`."""
    if not is_known(model, state.models):
        raise model_not_found(model, ex.request_id, native=True)
    if model != base_model(model):  # `-nothink` / `-search`: /v1 only
        raise gateway_error(400, "get_adaptor_failed", ex.request_id, native=True)
    body = ex.body
    if not ex.body_ok or not isinstance(body, dict):
        raise invalid_argument("Invalid JSON payload received. Unexpected token.")
    contents = body.get("contents")
    if not isinstance(contents, list) or not contents:
        raise invalid_argument(
            "* GenerateContentRequest.contents: contents is not specified\n"
        )
    validate(model, body, ex.request_id, state.signer)
    scripted = state.pop_for("native")
    if scripted is not None and scripted.kind == "error":
        status, err_body = scripted.payload
        raise HttpError(status, err_body)
    if scripted is not None and scripted.kind == "native_chunks":
        chunks: list[dict[str, Any]] = list(scripted.payload)
        response = native_render.merge(chunks)
    else:
        if scripted is not None and scripted.kind == "native":
            response = scripted.payload
        else:
            ask, tally = to_ask(model, body)
            if scripted is not None:  # a queued reply kind
                answer = brain.special(scripted.payload)
            else:
                answer = brain.answer(ask, lambda s: state.signer.mint(model, s))
                _render_images(answer, body, ask.user_text)
            cached = state.cache.observe(model, tally.segments, tally.bodies)
            response = native_render.response(model, answer, tally, cached)
        chunks = (
            native_render.split(response, state.stream_chunk_chars, model)
            if stream
            else []
        )
    if not stream:
        return JsonReply(response)
    if not sse:
        return JsonReply(chunks)
    events = [
        b"data: " + json.dumps(c, ensure_ascii=False).encode() + b"\r\n\r\n"
        for c in chunks
    ]
    return StreamReply(events, headers={"Content-Disposition": "attachment"})


def validate(model: str, body: dict[str, Any], request_id: str, signer: Signer) -> None:
    """Reject what Google / AiHubMix reject, with their messages."""
    contents: list[Any] = body["contents"]
    if _inline_bytes(contents) > INLINE_LIMIT:
        raise HttpError(
            400,
            gateway_error(
                400,
                "request body too large: inline data exceeds the 20MB limit, "
                "use the File API for files over 20MB",
                request_id,
                native=True,
            ).body,
        )
    config = get(body, "generationConfig") or {}
    thinking = get(config, "thinkingConfig") or {}
    budget, level = get(thinking, "thinkingBudget"), get(thinking, "thinkingLevel")
    if budget is not None and level is not None:
        raise invalid_argument(
            "You can only set only one of thinking budget and thinking level."
        )
    penalties = get(config, "presencePenalty"), get(config, "frequencyPenalty")
    if model.startswith("gemini-2.5") and any(p is not None for p in penalties):
        raise invalid_argument(f"Penalty is not enabled for models/{model}")
    if isinstance(level, str) and level.upper() == "MINIMAL" and rejects_minimal(model):
        raise invalid_argument(
            "Thinking level MINIMAL is not supported for this model. "
            "Please retry with other thinking level."
        )
    if budget == 0 and model.startswith("gemini-2.5-pro"):
        raise invalid_argument(
            "Budget 0 is invalid. This model only works in thinking mode."
        )
    limit = max_output(model)
    requested = get(config, "maxOutputTokens")
    if isinstance(requested, int) and requested > limit:
        raise invalid_argument(
            f"Unable to submit request because it has a maxOutputTokens value of "
            f"{requested} but the supported range is from 1 (inclusive) to "
            f"{limit + 1} (exclusive). Update the value and try again."
        )
    if rejects_prefill(model) and get(contents[-1], "role") == "model":
        raise invalid_argument(PREFILL_REJECTED)
    _check_output(model, config)
    history.check_responses(contents, ids_required=requires_response_ids(model))
    if problem := schema_rules.check_native(body):
        raise invalid_argument(problem)
    check_signatures(model, contents, signer)
    if is_gemini3(model) and is_image_model(model):
        history.check_image_parts(contents)


def _check_output(model: str, config: Any) -> None:
    """TTS models answer with AUDIO only, other models never; voices must exist."""
    asked = [str(m).upper() for m in get(config, "responseModalities") or []]
    tts = is_tts(model)
    if (tts and asked != ["AUDIO"]) or (not tts and "AUDIO" in asked):
        accepted = "TEXT, IMAGE" if is_image_model(model) else "TEXT"
        accepted = "AUDIO" if tts else accepted
        raise invalid_argument(
            MODALITIES.format(
                asked=f" ({', '.join(asked)})" if asked else "",
                model=model,
                accepted=accepted,
            )
        )
    for voice in voices(get(config, "speechConfig")):
        if not speech.known_voice(voice):
            raise invalid_argument(
                INVALID, f"speechConfig: {voice!r} is not a prebuilt voice name"
            )


def voices(config: Any) -> list[Any]:
    """The voice names of a `speechConfig` (one voice, or one per speaker)."""
    speakers = get(get(config, "multiSpeakerVoiceConfig"), "speakerVoiceConfigs")
    found = [
        get(get(get(c, "voiceConfig"), "prebuiltVoiceConfig"), "voiceName")
        for c in [config, *(speakers or [])]
    ]
    return [v for v in found if v is not None]


def check_signatures(model: str, contents: list[Any], signer: Signer) -> None:
    """Foreign signatures anywhere; on Gemini 3, unsigned calls in the current turn."""
    for content in contents:
        for part in get(content, "parts") or []:
            sig = get(part, "thoughtSignature")
            if sig is not None and not signer.is_valid(sig):
                raise invalid_argument(CORRUPTED_SIGNATURE)
    if not is_gemini3(model):
        return
    for position in range(_current_turn_start(contents), len(contents)):
        content = contents[position]
        if get(content, "role") != "model":
            continue
        calls = [
            p for p in get(content, "parts") or [] if get(p, "functionCall") is not None
        ]
        if calls and not get(calls[0], "thoughtSignature"):
            name = get(get(calls[0], "functionCall"), "name", "")
            raise invalid_argument(
                MISSING_SIGNATURE.format(name=name, position=position)
            )
        _check_server_tool_runs(get(content, "parts") or [], position)


def _check_server_tool_runs(parts: list[Any], position: int) -> None:
    """A replayed server-side `toolCall` needs its signature and its `toolResponse`
    (this emulator's wording; Gemini rejects such a history as INVALID_ARGUMENT)."""
    answered = {
        get(get(p, "toolResponse"), "id")
        for p in parts
        if get(p, "toolResponse") is not None
    }
    for part in parts:
        run = get(part, "toolCall")
        if run is None:
            continue
        if not get(part, "thoughtSignature"):
            raise invalid_argument(
                f"Server-side tool call in content position {position} is missing "
                "its thought_signature."
            )
        if get(run, "id") not in answered:
            raise invalid_argument(
                f"Server-side tool call {get(run, 'id')!r} in content position "
                f"{position} has no matching tool response."
            )


def _current_turn_start(contents: list[Any]) -> int:
    """Index after the last user content with standard content (not tool results)."""
    for index in range(len(contents) - 1, -1, -1):
        content = contents[index]
        if get(content, "role", "user") != "user":
            continue
        parts = get(content, "parts") or []
        if any(_is_standard(p) for p in parts):
            return index + 1
    return 0


def _is_standard(part: Any) -> bool:
    return any(get(part, k) is not None for k in ("text", "inlineData", "fileData"))


def _inline_bytes(contents: list[Any]) -> int:
    total = 0
    for content in contents:
        for part in get(content, "parts") or []:
            data = get(get(part, "inlineData"), "data")
            if isinstance(data, str):
                total += len(data) * 3 // 4 - data[-2:].count("=")
    return total


def to_ask(model: str, body: dict[str, Any]) -> tuple[brain.Ask, PromptTally]:
    """The route-neutral view of a native request, and its prompt token tally."""
    contents: list[Any] = body["contents"]
    config = get(body, "generationConfig") or {}
    thinking_config = get(config, "thinkingConfig") or {}
    budget = get(thinking_config, "thinkingBudget")
    level = get(thinking_config, "thinkingLevel")
    thinks = thinks_by_default(model) or budget not in (None, 0) or level is not None
    if budget == 0:
        thinks = False
    ask = brain.Ask(
        model=model,
        thinking=thinks,
        include_thoughts=bool(get(thinking_config, "includeThoughts")) and thinks,
        thinking_level=level if isinstance(level, str) else None,
        thinking_budget=budget if isinstance(budget, int) else None,
        candidate_count=int(get(config, "candidateCount") or 1),
        max_output_tokens=get(config, "maxOutputTokens"),
        stop_sequences=list(get(config, "stopSequences") or []),
        image_output=_wants_image(model, get(config, "responseModalities")),
    )
    if is_tts(model):
        named = voices(get(config, "speechConfig"))
        ask.speech_voice = named[0] if named else speech.DEFAULT_VOICE
    mime = get(config, "responseMimeType")
    ask.json_mode = mime == "application/json"
    ask.json_schema = get(config, "responseJsonSchema") or get(config, "responseSchema")
    _read_tools(ask, body)
    _read_turns(ask, contents)
    return ask, _tally(body, contents)


def _wants_image(model: str, modalities: Any) -> bool:
    """Image models answer with images unless `responseModalities` leaves IMAGE out."""
    if not modalities:
        return is_image_model(model)
    return "IMAGE" in [str(m).upper() for m in modalities]


def _render_images(answer: brain.Answer, body: dict[str, Any], prompt: str) -> None:
    """Real PNGs sized by `imageConfig`, coloured by the prompt and any input image."""
    config = get(get(body, "generationConfig") or {}, "imageConfig")
    seen = hashlib.sha256()
    for content in get(body, "contents") or []:
        for part in get(content, "parts") or []:
            data = get(get(part, "inlineData"), "data")
            if isinstance(data, str):
                seen.update(data.encode())
    seed = f"{prompt}|{seen.hexdigest()}"
    for n, part in enumerate(p for c in answer.candidates for p in c.parts):
        if part.kind == "image":
            part.text = images.png_base64(config, f"{seed}|{n}")


def _read_tools(ask: brain.Ask, body: dict[str, Any]) -> None:
    for tool in get(body, "tools") or []:
        for decl in get(tool, "functionDeclarations") or []:
            schema = get(decl, "parametersJsonSchema") or get(decl, "parameters")
            ask.functions.append(brain.FunctionSpec(str(get(decl, "name", "")), schema))
        ask.code_execution |= get(tool, "codeExecution") is not None
        ask.google_search |= (
            get(tool, "googleSearch") is not None
            or get(tool, "googleSearchRetrieval") is not None
        )
        ask.url_context |= get(tool, "urlContext") is not None
    ask.server_tool_invocations = bool(
        get(get(body, "toolConfig"), "includeServerSideToolInvocations")
    )
    calling = get(get(body, "toolConfig"), "functionCallingConfig") or {}
    ask.tool_mode = str(get(calling, "mode") or "AUTO").upper()
    allowed = get(calling, "allowedFunctionNames")
    ask.allowed = list(allowed) if allowed else None


def _read_turns(ask: brain.Ask, contents: list[Any]) -> None:
    for content in contents[_current_turn_start(contents) :]:
        for part in get(content, "parts") or []:
            response = get(part, "functionResponse")
            if response is not None:
                name = str(get(response, "name", ""))
                ask.called.append(name)
                ask.tool_results.append((name, get(response, "response")))
    for content in reversed(contents):
        if get(content, "role", "user") != "user":
            continue
        texts = [
            str(get(p, "text"))
            for p in get(content, "parts") or []
            if get(p, "text") is not None and not get(p, "thought")
        ]
        if texts:
            ask.user_text = "\n".join(texts)
            return


def _tally(body: dict[str, Any], contents: list[Any]) -> PromptTally:
    tally = PromptTally()
    system = get(body, "systemInstruction")
    head = {
        "system": system,
        "tools": get(body, "tools"),
        "toolConfig": get(body, "toolConfig"),
    }
    head_texts = [str(get(p, "text", "")) for p in get(system, "parts") or []]
    if get(body, "tools"):
        head_texts.append(json.dumps(get(body, "tools")))
    tally.add_segment(json.dumps(head, sort_keys=True), head_texts, [])
    for content in contents:
        texts: list[str] = []
        media: list[str] = []
        for part in get(content, "parts") or []:
            if get(part, "text") is not None:
                texts.append(str(get(part, "text")))
            for key in ("inlineData", "fileData"):
                blob = get(part, key)
                if blob is not None:
                    media.append(str(get(blob, "mimeType", "image/png")))
            for key in (
                "functionCall",
                "functionResponse",
                "executableCode",
                "codeExecutionResult",
                "toolCall",
                "toolResponse",
            ):
                if get(part, key) is not None:
                    texts.append(json.dumps(get(part, key)))
        tally.add_segment(json.dumps(content, sort_keys=True), texts, media)
    return tally
