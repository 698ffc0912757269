"""OpenAI-compatible route: chat-completions requests, validation, `/v1/models`."""

from __future__ import annotations

import json
from typing import Any

from langchain_aihubmix.testing import (
    brain,
    catalog,
    history,
    openai_render,
    schema_rules,
)
from langchain_aihubmix.testing.errors import (
    INVALID,
    HttpError,
    gateway_error,
    model_not_found,
)
from langchain_aihubmix.testing.native import (
    CORRUPTED_SIGNATURE,
    INLINE_LIMIT,
    MISSING_SIGNATURE,
    MODALITIES,
    PREFILL_REJECTED,
)
from langchain_aihubmix.testing.reply import Exchange, JsonReply, StreamReply
from langchain_aihubmix.testing.state import State
from langchain_aihubmix.testing.tokens import PromptTally

_CHOICE_MODES = {"auto": "AUTO", "none": "NONE", "required": "ANY"}


def handle(ex: Exchange, state: State) -> JsonReply | StreamReply:
    """Serve `GET /v1/models` and `POST /v1/chat/completions`."""
    if ex.method == "GET":
        return JsonReply(catalog.openai_list(state.models))
    body = ex.body

    def fail(message: str) -> HttpError:
        return gateway_error(400, message, ex.request_id, native=False)

    if not ex.body_ok or not isinstance(body, dict):
        raise fail("invalid request body: malformed JSON")
    messages = body.get("messages")
    if (
        not isinstance(body.get("model"), str)
        or not isinstance(messages, list)
        or not messages
    ):
        raise fail("model and messages are required")
    model: str = body["model"]
    if not catalog.is_known(model, state.models):
        raise model_not_found(model, ex.request_id, native=False)
    validate(body, model, state, fail)
    stream = bool(body.get("stream"))
    include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
    scripted = state.pop_for("openai")
    if scripted is not None and scripted.kind == "error":
        status, err_body = scripted.payload
        raise HttpError(status, err_body)
    quirks = state.quirks
    if scripted is not None and scripted.kind == "openai_chunks":
        chunks: list[dict[str, Any]] = list(scripted.payload)
        completion = openai_render.merge(chunks)
    elif scripted is not None and scripted.kind == "openai":
        completion = scripted.payload
        chunks = (
            openai_render.split(completion, state.stream_chunk_chars) if stream else []
        )
    else:
        ask, tally = to_ask(model, body)
        answer = (
            brain.special(scripted.payload)  # a queued reply kind
            if scripted is not None
            else brain.answer(
                ask, lambda s: state.signer.mint(catalog.base_model(model), s)
            )
        )
        cached = state.cache.observe(
            catalog.base_model(model), tally.segments, tally.bodies
        )
        completion = openai_render.completion(model, answer, tally, cached, quirks)
        chunks = (
            openai_render.stream(
                model,
                answer,
                tally,
                cached,
                quirks,
                size=state.stream_chunk_chars,
                include_usage=include_usage,
            )
            if stream
            else []
        )
    if not stream:
        return JsonReply(completion)
    events = [
        b"data: " + json.dumps(c, ensure_ascii=False).encode() + b"\n\n" for c in chunks
    ]
    events.append(b"data: [DONE]\n\n")
    return StreamReply(events)


def validate(body: dict[str, Any], model: str, state: State, fail: Any) -> None:
    """AiHubMix's checks, and Gemini's after the gateway converts the request: TTS
    models (their AUDIO output is not served here), tool_choice pairing, tool
    results answering their calls in order, media size, signatures."""
    if catalog.is_tts(model):
        raise fail(MODALITIES.format(asked="", model=model, accepted="AUDIO"))
    tools = body.get("tools") or []
    if tools and body.get("tool_choice") is None:
        raise fail(
            "tool_choice is required for Gemini function calling: "
            'send tool_choice="auto" '
            "together with tools"
        )
    if not tools and body.get("tool_choice") is not None:
        raise fail("tool_choice is set but no tools were provided; drop tool_choice")
    json_form = state.quirks.tool_schemas == "json_schema"
    if problem := schema_rules.check_openai(body, json_form=json_form):
        raise fail(problem)
    effort = body.get("reasoning_effort")
    if effort == "minimal" and catalog.rejects_minimal(model):
        raise fail(
            "Thinking level MINIMAL is not supported for this model. "
            "Please retry with other thinking level."
        )
    requested = body.get("max_completion_tokens") or body.get("max_tokens")
    if isinstance(requested, int) and requested > catalog.max_output(model):
        raise fail(
            f"max_tokens {requested} exceeds the model's output limit of "
            f"{catalog.max_output(model)} tokens"
        )
    messages: list[Any] = body["messages"]
    last = messages[-1] if isinstance(messages[-1], dict) else {}
    if catalog.rejects_prefill(model) and last.get("role") == "assistant":
        raise fail(PREFILL_REJECTED)
    seen_ids: set[str] = set()
    inline = 0
    for message in messages:
        if not isinstance(message, dict):
            raise fail("each message must be an object")
        for call in message.get("tool_calls") or []:
            seen_ids.add(str(call.get("id", "")))
        if (
            message.get("role") == "tool"
            and str(message.get("tool_call_id")) not in seen_ids
        ):
            raise fail(
                "tool message references unknown tool_call_id "
                f"{message.get('tool_call_id')!r}"
            )
        for url in _image_urls(message):
            if url.startswith("data:") and "," in url:
                data = url.split(",", 1)[1]
                inline += len(data) * 3 // 4
    if inline > INLINE_LIMIT:
        raise fail("request body too large: inline data exceeds the 20MB limit")
    _check_tool_results(messages, fail)
    _check_signatures(messages, model, state, fail)
    if catalog.is_gemini3(model) and catalog.is_image_model(model):
        try:
            history.check_image_parts(_as_contents(messages))
        except HttpError as error:
            raise fail(error.body["error"]["message"]) from None


def _check_tool_results(messages: list[Any], fail: Any) -> None:
    """The tool messages after an assistant message with `tool_calls` answer each
    call, in call order: the gateway turns them into Gemini function responses by
    position (the one-api / new-api converters name each response from its
    `tool_call_id` and drop the ids), so results in another order answer the wrong
    calls. Stricter than Gemini, which cannot see a swap between calls of the same
    name. A history may end with unanswered calls."""
    for index, message in enumerate(messages):
        calls = message.get("tool_calls") or []
        if message.get("role") != "assistant" or not calls:
            continue
        answers = []
        for later in messages[index + 1 :]:
            if later.get("role") != "tool":
                break
            answers.append(str(later.get("tool_call_id")))
        if not answers and index + 1 == len(messages):
            continue
        if len(answers) != len(calls):
            raise fail(history.RESPONSE_COUNT)
        if answers != [str(c.get("id")) for c in calls]:
            raise fail(INVALID)


def _as_contents(messages: list[Any]) -> list[dict[str, Any]]:
    """The Gemini `contents` the gateway makes of `messages`, as far as the history
    rules look: assistant text and images become model parts (the message's
    thought signature on the first), other roles a user turn (tool results after
    one another in one turn)."""
    contents: list[dict[str, Any]] = []
    for message in messages:
        role = message.get("role")
        if role in ("system", "developer"):
            continue
        if role != "assistant":
            if not (role == "tool" and contents and contents[-1]["role"] == "tool"):
                contents.append({"role": role, "parts": [{"text": "input"}]})
            continue
        parts: list[dict[str, Any]] = []
        if _text_of(message.get("content")):
            parts.append({"text": _text_of(message.get("content"))})
        parts += [{"inlineData": {"data": url}} for url in _image_urls(message)]
        calls = message.get("tool_calls") or []
        parts += [{"functionCall": c.get("function")} for c in calls]
        signature = _signature(message)
        if parts and signature is not None:
            parts[0]["thoughtSignature"] = signature
        contents.append({"role": "model", "parts": parts})
    return contents


def _check_signatures(messages: list[Any], model: str, state: State, fail: Any) -> None:
    start = 0
    for index in range(len(messages) - 1, -1, -1):
        if messages[index].get("role") == "user":
            start = index + 1
            break
    for position, message in enumerate(messages):
        calls = message.get("tool_calls") or []
        signatures = [_signature(c) for c in calls] + [_signature(message)]
        for sig in signatures:
            if sig is not None and not state.signer.is_valid(sig):
                raise fail(CORRUPTED_SIGNATURE)
        if position < start or not catalog.is_gemini3(model) or not calls:
            continue
        if _signature(calls[0]) is None and _signature(message) is None:
            name = (calls[0].get("function") or {}).get("name", "")
            raise fail(MISSING_SIGNATURE.format(name=name, position=position))


def _signature(obj: Any) -> Any:
    extra = obj.get("extra_content") if isinstance(obj, dict) else None
    google = extra.get("google") if isinstance(extra, dict) else None
    return google.get("thought_signature") if isinstance(google, dict) else None


def _image_urls(message: dict[str, Any]) -> list[str]:
    content = message.get("content")
    if not isinstance(content, list):
        return []
    urls = []
    for part in content:
        if isinstance(part, dict) and part.get("type") == "image_url":
            image = part.get("image_url")
            url = image.get("url") if isinstance(image, dict) else image
            if isinstance(url, str):
                urls.append(url)
    return urls


def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(
            str(p.get("text", ""))
            for p in content
            if isinstance(p, dict) and p.get("type") == "text"
        )
    return ""


def to_ask(model: str, body: dict[str, Any]) -> tuple[brain.Ask, PromptTally]:
    """The route-neutral view of a Chat Completions request, and its prompt tally."""
    base = catalog.base_model(model)
    effort = body.get("reasoning_effort")
    google = body.get("google") or (body.get("extra_body") or {}).get("google") or {}
    thinking_config = google.get("thinking_config") or {}
    budget = (body.get("reasoning") or {}).get("max_tokens")  # AiHubMix's alias
    if budget is None:
        budget = thinking_config.get("thinking_budget")
    thinks = catalog.thinks_by_default(base) or effort not in (None, "none")
    thinks = thinks or budget not in (None, 0)
    if model.endswith("-nothink") or effort == "none" or budget == 0:
        thinks = False
    include = effort not in (None, "none") or bool(
        thinking_config.get("include_thoughts")
    )
    stop = body.get("stop")
    ask = brain.Ask(
        model=base,
        thinking=thinks,
        include_thoughts=thinks and include,
        thinking_level=str(effort).upper() if effort else None,
        thinking_budget=budget if isinstance(budget, int) else None,
        candidate_count=int(body.get("n") or 1),
        max_output_tokens=body.get("max_completion_tokens") or body.get("max_tokens"),
        stop_sequences=[stop] if isinstance(stop, str) else list(stop or []),
        google_search=model.endswith("-search") or "web_search_options" in body,
    )
    fmt = body.get("response_format") or {}
    if fmt.get("type") in ("json_schema", "json_object"):
        ask.json_mode = True
        ask.json_schema = (fmt.get("json_schema") or {}).get("schema")
    for tool in body.get("tools") or []:
        function = tool.get("function") or {}
        ask.functions.append(
            brain.FunctionSpec(
                str(function.get("name", "")), function.get("parameters")
            )
        )
    choice = body.get("tool_choice")
    if isinstance(choice, dict):
        ask.tool_mode, ask.allowed = (
            "ANY",
            [str((choice.get("function") or {}).get("name"))],
        )
    elif isinstance(choice, str):
        ask.tool_mode = _CHOICE_MODES.get(choice, "AUTO")
    messages: list[dict[str, Any]] = body["messages"]
    names = {
        str(c.get("id")): (c.get("function") or {}).get("name", "")
        for m in messages
        for c in m.get("tool_calls") or []
    }
    for position in range(len(messages) - 1, -1, -1):
        message = messages[position]
        if message.get("role") == "user":
            ask.user_text = _text_of(message.get("content"))
            for result in messages[position + 1 :]:
                if result.get("role") == "tool":
                    name = names.get(str(result.get("tool_call_id")), "")
                    ask.called.append(name)
                    ask.tool_results.append((name, _parsed(result.get("content"))))
            break
    return ask, _tally(body, messages)


def _parsed(content: Any) -> Any:
    """A tool message's content as the gateway forwards it: JSON when it parses."""
    try:
        return json.loads(content) if isinstance(content, str) else content
    except ValueError:
        return content


def _tally(body: dict[str, Any], messages: list[dict[str, Any]]) -> PromptTally:
    tally = PromptTally()
    system = [m for m in messages if m.get("role") in ("system", "developer")]
    head_texts = [_text_of(m.get("content")) for m in system]
    if body.get("tools"):
        head_texts.append(json.dumps(body["tools"]))
    head = json.dumps({"system": system, "tools": body.get("tools")}, sort_keys=True)
    tally.add_segment(head, head_texts, [])
    for message in messages:
        if message in system:
            continue
        texts = [_text_of(message.get("content"))]
        texts += [
            json.dumps(c.get("function")) for c in message.get("tool_calls") or []
        ]
        media = []
        for url in _image_urls(message):
            media.append(
                url[5:].split(";", 1)[0] if url.startswith("data:") else "image/png"
            )
        tally.add_segment(json.dumps(message, sort_keys=True), texts, media)
    return tally
