"""The doctor's questions: one probe each, answered from the gateway's own replies."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from langchain_aihubmix._doctor.wire import Exchange, Wire
from langchain_aihubmix._errors.bodies import category, error_object
from langchain_aihubmix.catalog import CatalogError, parse_catalog
from langchain_aihubmix.pricing import DEFAULT_PRICES
from langchain_aihubmix.profiles import base_model
from langchain_aihubmix.snapshot import SNAPSHOT

TEXT_MODEL = "gemini-2.5-flash-lite"
"""The cheapest current model ($0.10 / $0.40 per 1M tokens): most probes."""
SIGNED_MODEL = "gemini-3.1-flash-lite"
"""The cheapest Gemini 3 model (thought signatures): the signature probe."""
IMAGE_MODEL = "gemini-2.5-flash-image"
"""The image probes' model."""
EMBEDDING_MODEL = "gemini-embedding-001"
SPEECH_MODEL = "gemini-2.5-flash-preview-tts"


@dataclass
class Finding:
    """One answer of the doctor.

    Attributes:
        question: What was asked of the gateway.
        seen: The variant the gateway showed.
        handled: Whether this package handles that variant (None: not settled).
        defaults_fit: Whether the package's defaults work with it (None: not settled).
        note: How the package behaves under it.
    """

    question: str
    seen: str
    handled: bool | None = True
    defaults_fit: bool | None = True
    note: str = ""


def _user(text: str) -> dict[str, Any]:
    return {"contents": [{"role": "user", "parts": [{"text": text}]}]}


def _tiny(extra: dict[str, Any] | None = None) -> dict[str, Any]:
    body = _user("Reply with the single word: ok")
    body["generationConfig"] = {"maxOutputTokens": 16, **(extra or {})}
    return body


def _chat(model: str, text: str, **extra: Any) -> dict[str, Any]:
    return {"model": model, "messages": [{"role": "user", "content": text}], **extra}


def _message(reply: Any) -> dict[str, Any]:
    """The first choice's message of a `/v1` reply ({} when there is none)."""
    choices = (reply if isinstance(reply, dict) else {}).get("choices") or [{}]
    return dict(choices[0].get("message") or {})


def _parts(reply: Any) -> list[dict[str, Any]]:
    if not isinstance(reply, dict):
        return []
    candidates = reply.get("candidates") or [{}]
    return list(((candidates[0] or {}).get("content") or {}).get("parts") or [])


def _shape(exchange: Exchange) -> str:
    body = exchange.json()
    if isinstance(body, list):
        return "list-wrapped error"
    if not isinstance(body, dict):
        return "not JSON"
    inner = body.get("error")
    if isinstance(inner, dict) and "status" in inner and "code" in inner:
        return "google.rpc.Status"
    if isinstance(inner, dict) and inner.get("type") == "Aihubmix_api_error":
        return "AiHubMix envelope" + (" (type: error)" if "type" in body else "")
    return "other JSON"


def _error_answer(question: str, exchange: Exchange) -> Finding:
    inner = error_object(exchange.json())
    message = str((inner or {}).get("message", exchange.text[:80]))
    kind = category(exchange.status, inner, message) if exchange.status else "network"
    seen = (
        f"{exchange.status} {_shape(exchange)} -> the package raises its {kind} error"
    )
    handled = exchange.status >= 400 and inner is not None
    return Finding(question, seen, handled, handled)


def api_version(wire: Wire) -> Finding:
    """`/gemini/v1beta` vs `/gemini/v1` (google-genai 3.x defaults to v1)."""
    beta = wire.native("v1beta", TEXT_MODEL, _tiny())
    v1 = wire.native("v1", TEXT_MODEL, _tiny(), version="v1")
    seen = f"v1beta: {beta.status}, v1: {v1.status}"
    ok, note = beta.status == 200, "the package pins v1beta"
    return Finding("Native API version", seen, ok or v1.status == 200, ok, note)


def auth_header(wire: Wire) -> Finding:
    """Which native auth forms the gateway accepts."""
    query = wire.native("auth-query", TEXT_MODEL, _tiny(), auth="query")
    bearer = wire.native("auth-bearer", TEXT_MODEL, _tiny(), auth="bearer")
    header = next(e for e in wire.exchanges if e.label == "v1beta")
    seen = (
        f"x-goog-api-key: {header.status}, ?key=: {query.status}, "
        f"Authorization only: {bearer.status}"
    )
    ok = header.status == 200
    return Finding(
        "Native auth header", seen, ok, ok, "the package sends x-goog-api-key only"
    )


def native_thoughts(wire: Wire) -> Finding:
    """Thought parts and thoughtsTokenCount on the native route."""
    body = _user("Is 91 prime? Answer yes or no.")
    body["generationConfig"] = {
        "maxOutputTokens": 600,
        "thinkingConfig": {"includeThoughts": True, "thinkingBudget": 512},
    }
    reply = wire.native("native-thoughts", TEXT_MODEL, body).json() or {}
    thoughts = sum(1 for p in _parts(reply) if p.get("thought"))
    counted = (reply.get("usageMetadata") or {}).get("thoughtsTokenCount")
    seen = f"{thoughts} thought part(s), thoughtsTokenCount={counted}"
    return Finding("Thoughts on native", seen, defaults_fit=thoughts > 0 or None)


def openai_thoughts(wire: Wire) -> Finding:
    """Where `/v1` puts thoughts: reasoning_content, reasoning, or inline tags."""
    question = "Is 91 prime? Answer yes or no."
    body = _chat(TEXT_MODEL, question, reasoning_effort="low", max_tokens=600)
    message = _message(wire.openai("openai-thoughts", body).json())
    content = str(message.get("content") or "").lstrip()
    if message.get("reasoning_content"):
        seen = "reasoning_content"
    elif message.get("reasoning"):
        seen = "reasoning"
    elif content.startswith(("<thought>", "<think>")):
        seen = "inline <thought>/<think> tags"
    else:
        seen = "no thoughts returned"
    return Finding("Thoughts on /v1", seen, note="all three places are read")


_WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Weather for a city.",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    },
}


def openai_signatures(wire: Wire) -> Finding:
    """Whether `/v1` tool calls carry `extra_content` signatures, and take them back."""
    ask = "Call get_weather for Paris."
    body = _chat(
        SIGNED_MODEL, ask, max_tokens=200, tools=[_WEATHER], tool_choice="required"
    )
    calls = _message(wire.openai("openai-signature", body).json()).get("tool_calls")
    if not calls:
        return Finding("/v1 thought signatures", "no tool call made", None, None)
    extra = calls[0].get("extra_content") or {}
    signature = (extra.get("google") or {}).get("thought_signature")
    replay = {**body, "tool_choice": "auto", "max_tokens": 100}
    replay["messages"] = [
        *body["messages"],
        {"role": "assistant", "content": None, "tool_calls": calls[:1]},
        {"role": "tool", "tool_call_id": calls[0].get("id"), "content": "sunny"},
    ]
    back = wire.openai("openai-signature-replay", replay)
    seen = f"returned: {'yes' if signature else 'no'}; replayed: {back.status}"
    fit, note = back.status == 200, "replayed byte-for-byte when present"
    return Finding("/v1 extra_content signatures", seen, True, fit, note)


def tools_without_choice(wire: Wire) -> Finding:
    """Whether `/v1` rejects tools sent without `tool_choice`."""
    body = _chat(TEXT_MODEL, "Say hi.", tools=[_WEATHER], max_tokens=16)
    status = wire.openai("tools-no-choice", body).status
    verdict = "no answer" if not status else "rejected" if status >= 400 else "accepted"
    note = 'the package always sends tool_choice="auto" with tools'
    return Finding("/v1 tools without tool_choice", f"{status} ({verdict})", note=note)


def tool_schema_form(wire: Wire) -> Finding:
    """Whether `/v1` gives tool schemas to Gemini as JSON Schema or as its `Schema`."""
    params = {
        "type": "object",
        "properties": {"city": {"$ref": "#/$defs/City"}},
        "additionalProperties": False,
        "$defs": {"City": {"type": "string"}},
    }
    function = {"name": "get_weather", "parameters": params}
    body = {
        "model": TEXT_MODEL,
        "messages": [{"role": "user", "content": "Say hi."}],
        "tools": [{"type": "function", "function": function}],
        "tool_choice": "auto",
        "max_tokens": 16,
    }
    status = wire.openai("tool-schema-form", body).status
    seen = "accepted (JSON Schema)" if status == 200 else f"{status} (Gemini's Schema)"
    note = "the package sends Gemini's Schema form on /v1 (valid JSON Schema too)"
    return Finding("/v1 tool schemas", seen, True, True, note)


def error_envelopes(wire: Wire) -> list[Finding]:
    """Status and body of a bad key and a bad model, on both routes."""
    bad_key, bad_model = "sk-doctor-invalid-key-000000", "gemini-no-such-model"
    native_path = f"/gemini/v1beta/models/{TEXT_MODEL}:generateContent"
    headers = {"x-goog-api-key": bad_key}
    sent = {
        "Bad key, native": wire.send(
            "bad-key-native", "POST", native_path, _tiny(), headers=headers
        ),
        "Bad key, /v1": wire.openai(
            "bad-key-openai", _chat(TEXT_MODEL, "hi"), key=bad_key
        ),
        "Bad model, native": wire.native("bad-model-native", bad_model, _tiny()),
        "Bad model, /v1": wire.openai("bad-model-openai", _chat(bad_model, "hi")),
    }
    return [_error_answer(question, exchange) for question, exchange in sent.items()]


def errors_in_200(wire: Wire) -> Finding:
    """Whether any reply of this run was an error body sent with status 200."""
    hits = [
        e.label
        for e in wire.exchanges
        if e.status == 200 and isinstance(e.json(), dict) and "error" in e.json()
    ]
    seen = f"seen in: {', '.join(hits)}" if hits else "none in this run"
    note = "a 200 error body raises, never returned as an answer"
    return Finding("Errors inside 200", seen, note=note)


def sse_framing(wire: Wire) -> Finding:
    """Native SSE separators and `[DONE]`; `/v1` `[DONE]` and usage chunks."""
    native = wire.native("native-stream", TEXT_MODEL, _tiny(), stream=True)
    text = native.text
    separator = "\\r\\n\\r\\n" if "\r\n\r\n" in text else "\\n\\n"
    events = [ln for ln in text.splitlines() if ln.startswith("data:")]
    usage = sum(1 for ln in events if "usageMetadata" in ln)
    body = _chat(
        TEXT_MODEL,
        "Reply with: ok",
        stream=True,
        max_tokens=16,
        stream_options={"include_usage": True},
    )
    stream = wire.openai("openai-stream", body).text
    with_usage = re.compile(r'^data: \{.*"usage": ?\{', re.MULTILINE)
    seen = (
        f"native: {len(events)} events, {separator}, usage on {usage}, "
        f"[DONE] {'yes' if '[DONE]' in text else 'no'}; /v1: [DONE] "
        f"{'yes' if '[DONE]' in stream else 'no'}, "
        f"usage on {len(with_usage.findall(stream))} chunk(s)"
    )
    ok = native.status == 200 and bool(events)
    return Finding("SSE framing", seen, ok, ok)


_PREFIX = (
    "Reference text for a cache test. "
    + "The quick brown fox jumps over the lazy dog. " * 110
)


def implicit_cache(wire: Wire) -> Finding:
    """Whether a repeated long prefix reports cached tokens (best effort on Gemini)."""
    hits = []
    for n, question in enumerate(("Q: first?", "Q: second?")):
        body = _user(_PREFIX + question)
        body["generationConfig"] = {"maxOutputTokens": 8}
        reply = wire.native(f"cache-{n}", TEXT_MODEL, body).json() or {}
        hits.append((reply.get("usageMetadata") or {}).get("cachedContentTokenCount"))
    seen = (
        f"second call: {hits[1]} cached tokens"
        if hits[1]
        else "no cached tokens reported (implicit caching is best effort)"
    )
    note = "reported as input_token_details.cache_read"
    return Finding("Implicit cache hit reporting", seen, note=note)


def count_and_cache(wire: Wire) -> Finding:
    """Whether countTokens and cachedContents exist on the gateway."""
    headers = {"x-goog-api-key": wire.api_key}
    path = f"/gemini/v1beta/models/{TEXT_MODEL}:countTokens"
    count = wire.send("count-tokens", "POST", path, _user("hello"), headers=headers)
    path = "/gemini/v1beta/cachedContents"
    caches = wire.send("cached-contents", "GET", path, headers=headers)
    return Finding(
        "countTokens and cachedContents",
        f"countTokens: {count.status}, cachedContents: {caches.status}",
        note="neither is used: tokens are estimated locally, caches refused (typed)",
    )


def image_output(wire: Wire) -> list[Finding]:
    """An image on the native route, and on `/v1` with `modalities`."""
    prompt = "A small red square on white."
    body = _user(prompt)
    body["generationConfig"] = {"responseModalities": ["TEXT", "IMAGE"]}
    native = wire.native("image-native", IMAGE_MODEL, body).json()
    images = [p for p in _parts(native) if "inlineData" in p]
    sizes = [len(p["inlineData"].get("data", "")) * 3 // 4 for p in images]
    reply = wire.openai(
        "image-openai", _chat(IMAGE_MODEL, prompt, modalities=["text", "image"])
    ).json()
    text = json.dumps(reply)[:100_000]
    found = "data:image" in text or '"images"' in text
    return [
        Finding(
            "Image output, native",
            f"{len(images)} image(s), {sizes} bytes",
            defaults_fit=bool(images) and all(sizes),
        ),
        Finding(
            "Image output, /v1",
            "an image" if found else "no image",
            note="image models are refused on /v1 (native is their default)",
        ),
    ]


def speech_output(wire: Wire) -> list[Finding]:
    """Speech from a TTS model: native (`responseModalities: AUDIO`), and on `/v1`
    with OpenAI's `modalities` / `audio` fields."""
    body: dict[str, Any] = _user("Say: ok")
    body["generationConfig"] = {"responseModalities": ["AUDIO"]}
    parts = _parts(wire.native("speech-native", SPEECH_MODEL, body).json())
    blobs = [p["inlineData"] for p in parts if "inlineData" in p]
    kinds = sorted({str(b.get("mimeType")) for b in blobs})
    pcm = any(k.lower().startswith(("audio/l16", "audio/pcm")) for k in kinds)
    audio = {"modalities": ["text", "audio"], "audio": {"voice": "Kore"}}
    v1 = wire.openai("speech-openai", _chat(SPEECH_MODEL, "Say: ok", **audio))
    spoke = "yes" if (_message(v1.json()).get("audio") or {}).get("data") else "no"
    seen, note = f"audio: {', '.join(kinds) or 'none'}", "returned as a WAV file"
    return [
        Finding("Speech output, native", seen, True, pcm, note),
        Finding("Speech output, /v1", f"audio: {spoke} ({v1.status})"),
    ]


def v1_forms(wire: Wire) -> list[Finding]:
    """`web_search_options` (`google_search=True` on `/v1`): citations back?
    `reasoning.max_tokens` (`thinking_budget`): reasoning tokens from a model that
    thinks only when asked? `extra_body.google.safety_settings`: an invalid
    threshold is rejected when it reaches Gemini, passes when the gateway drops or
    replaces the settings (a 400 costs nothing)."""
    ask = "Who won the 2022 football world cup? One short sentence."
    search = wire.openai("v1-search", _chat(TEXT_MODEL, ask, web_search_options={}))
    notes = _message(search.json()).get("annotations") or []
    cites = sum(a.get("type") == "url_citation" for a in notes)
    think = {"reasoning": {"max_tokens": 512}, "max_tokens": 600}
    reply = wire.openai("v1-budget", _chat(TEXT_MODEL, "Is 91 prime?", **think)).json()
    usage: dict[str, Any] = {
        k: v or 0 for k, v in ((reply or {}).get("usage") or {}).items()
    }
    gap = usage.get("total_tokens", 0) - usage.get("prompt_tokens", 0)
    thought = (usage.get("completion_tokens_details") or {}).get("reasoning_tokens")
    thought = thought or max(0, gap - usage.get("completion_tokens", 0))
    bad = [{"category": "HARM_CATEGORY_HARASSMENT", "threshold": "NOT_A_THRESHOLD"}]
    google = {"extra_body": {"google": {"safety_settings": bad}}, "max_tokens": 8}
    sent = wire.openai("v1-safety", _chat(TEXT_MODEL, "Say: ok", **google))
    reached = sent.status == 400 and "threshold" in sent.text.lower()
    fate = "reach Gemini" if reached else "dropped or overridden"
    fate = fate if reached or sent.status == 200 else sent.text[:60]
    sends = "on /v1 sends it"
    return [
        Finding("/v1 web_search_options", f"{cites} url_citation(s)",
                cites > 0 or None, True, f"google_search=True {sends}"),
        Finding("/v1 reasoning.max_tokens", f"{thought} reasoning tokens",
                thought > 0 or None, True, f"thinking_budget > 0 {sends}"),
        Finding("/v1 safety settings", f"{sent.status}: {fate}", reached or None,
                True, "sent in extra_body.google; native always applies them"),
    ]  # fmt: skip


def files_api(wire: Wire) -> Finding:
    """Whether the gateway routes a Files API upload (one started, never sent)."""
    upload = [("Protocol", "resumable"), ("Command", "start")]
    upload += [("Header-Content-Length", "2")]
    headers = {f"X-Goog-Upload-{k}": v for k, v in upload}
    headers["x-goog-api-key"] = wire.api_key
    path, body = "/gemini/upload/v1beta/files", {"file": {"display_name": "doctor"}}
    up = wire.send("files-upload", "POST", path, body, headers=headers)
    opened = ", upload session opened" if up.headers.get("x-goog-upload-status") else ""
    note = "media go inline (20 MB per request); uploads are not used"
    return Finding("Files API upload", f"{up.status}{opened}", note=note)


def catalogue(wire: Wire) -> Finding:
    """The public catalogue's shape and its Gemini ids and prices."""
    exchange = wire.send("catalogue", "GET", "/api/v1/models")
    try:
        models = parse_catalog(exchange.json())
    except CatalogError as exc:
        return Finding("Model catalogue", f"{exchange.status}: {exc}", False, False)
    gemini = {m.id: m for m in models if m.id.startswith("gemini")}
    known = {m.id for m in SNAPSHOT}
    new = sorted(i for i in gemini if base_model(i) not in known)
    moved = sorted(
        m.id
        for m in gemini.values()
        if (price := DEFAULT_PRICES.get(m.id)) is not None
        and m.input_price is not None
        and (m.input_price, m.output_price) != (price.input, price.output)
    )
    tiers = sum(1 for m in gemini.values() if m.tier_threshold)
    seen = (
        f"{len(gemini)} Gemini ids ({tiers} with a >200k tier); "
        f"not in the snapshot: {', '.join(new[:6]) or 'none'}; "
        f"prices changed: {', '.join(moved[:6]) or 'none'}"
    )
    note = "new ids work with family rules; catalog.live_prices() for exact costs"
    return Finding("Model catalogue", seen, True, not moved, note)


def embeddings(wire: Wire) -> Finding:
    """`/v1/embeddings`; whether `task_type` changes the reply (the gateway family's
    replies carry no per-request id); whether native `embedContent` is routed."""
    body = {"model": EMBEDDING_MODEL, "input": ["ok"], "encoding_format": "float"}
    auth = {"Authorization": f"Bearer {wire.api_key}"}
    tasks = [{}, {"task_type": "RETRIEVAL_QUERY"}, {"task_type": "RETRIEVAL_DOCUMENT"}]
    plain, query, document = (
        wire.send(f"embed-{n}", "POST", "/v1/embeddings", body | t, headers=auth)
        for n, t in enumerate(tasks)
    )
    native = wire.send(
        "embed-native",
        "POST",
        f"/gemini/v1beta/models/{EMBEDDING_MODEL}:embedContent",
        {"content": {"parts": [{"text": "ok"}]}},
        headers={"x-goog-api-key": wire.api_key},
    )
    task = "applied" if query.text != document.text else "ignored"
    seen = f"/v1/embeddings: {plain.status}; task_type: {task} ({query.status}); "
    seen += f"native embedContent: {native.status}"
    note = "AiHubMixEmbeddings uses /v1/embeddings; task types are opt-in"
    return Finding("Embeddings", seen, plain.status == 200, plain.status == 200, note)


PROBES: tuple[Callable[[Wire], Finding | list[Finding]], ...] = (
    api_version,
    auth_header,
    native_thoughts,
    openai_thoughts,
    openai_signatures,
    tools_without_choice,
    tool_schema_form,
    error_envelopes,
    sse_framing,
    implicit_cache,
    count_and_cache,
    image_output,
    speech_output,
    v1_forms,
    files_api,
    catalogue,
    embeddings,
    errors_in_200,
)
"""Every probe, in the order they run (errors in 200 last: it reads the others)."""


def probe_all(wire: Wire) -> list[Finding]:
    """Every probe's findings, in order."""
    found = [probe(wire) for probe in PROBES]
    return [f for item in found for f in (item if isinstance(item, list) else [item])]
