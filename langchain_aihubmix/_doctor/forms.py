"""The doctor's questions on speech, AiHubMix's own `/v1` forms and the Files API."""

from __future__ import annotations

from typing import Any

from langchain_aihubmix._doctor import Finding
from langchain_aihubmix._doctor.wire import Wire

SPEECH_MODEL = "gemini-2.5-flash-preview-tts"
"""The speech probes' model (text to speech, $10 per 1M audio tokens)."""
LITE_MODEL = "gemini-2.5-flash-lite"
"""The cheapest model, which thinks only when asked: the `/v1` form probes."""
_SAY = {"contents": [{"role": "user", "parts": [{"text": "Say: ok"}]}]}


def speech_output(wire: Wire) -> list[Finding]:
    """Speech from a TTS model: native (`responseModalities: AUDIO`), and on `/v1`
    with OpenAI's `modalities` / `audio` fields."""
    body = _SAY | {"generationConfig": {"responseModalities": ["AUDIO"]}}
    parts = wire.native("speech-native", SPEECH_MODEL, body).parts()
    kinds = sorted(
        {str(p["inlineData"].get("mimeType")) for p in parts if "inlineData" in p}
    )
    pcm = any(k.lower().startswith(("audio/l16", "audio/pcm")) for k in kinds)
    audio = {"modalities": ["text", "audio"], "audio": {"voice": "Kore"}}
    v1 = wire.chat("speech-openai", SPEECH_MODEL, "Say: ok", **audio)
    spoke = "yes" if (v1.message().get("audio") or {}).get("data") else "no"
    seen, note = f"audio: {', '.join(kinds) or 'none'}", "returned as a WAV file"
    return [
        Finding("Speech output, native", seen, True, pcm, note),
        Finding("Speech output, /v1", f"audio: {spoke} ({v1.status})", True, True),
    ]


def v1_search(wire: Wire) -> Finding:
    """`web_search_options` (what `google_search=True` sends on `/v1`): citations?"""
    ask = "Who won the 2022 football world cup? One short sentence."
    reply = wire.chat("v1-search", LITE_MODEL, ask, web_search_options={}).message()
    cites = sum(a.get("type") == "url_citation" for a in reply.get("annotations") or [])
    seen, note = f"{cites} url_citation(s)", "google_search=True on /v1 sends it"
    return Finding("/v1 web_search_options", seen, cites > 0 or None, True, note)


def v1_budget(wire: Wire) -> Finding:
    """`reasoning.max_tokens` (what `thinking_budget` sends on `/v1`): does a model
    that thinks only when asked report reasoning tokens?"""
    form = {"reasoning": {"max_tokens": 512}, "max_tokens": 600}
    reply = wire.chat("v1-budget", LITE_MODEL, "Is 91 prime?", **form).json()
    usage: dict[str, Any] = (reply or {}).get("usage") or {}
    count = (usage.get("completion_tokens_details") or {}).get("reasoning_tokens")
    total, prompt, answer = (
        usage.get(k) or 0
        for k in ("total_tokens", "prompt_tokens", "completion_tokens")
    )
    count = count or max(0, total - prompt - answer)  # else thoughts are the gap
    seen, note = f"{count} reasoning tokens", "thinking_budget > 0 on /v1 sends it"
    return Finding("/v1 reasoning.max_tokens", seen, count > 0 or None, True, note)


def v1_safety(wire: Wire) -> Finding:
    """`extra_body.google.safety_settings` on `/v1`: honoured or overridden? An
    invalid threshold is rejected when the settings reach Gemini, passes when the
    gateway drops or replaces them (a 400 costs nothing)."""
    bad = [{"category": "HARM_CATEGORY_HARASSMENT", "threshold": "NOT_A_THRESHOLD"}]
    google = {"extra_body": {"google": {"safety_settings": bad}}}
    sent = wire.chat("v1-safety", LITE_MODEL, "Say: ok", max_tokens=8, **google)
    reached = sent.status == 400 and "threshold" in sent.text.lower()
    seen = "reach Gemini" if reached else "dropped or overridden"
    seen = f"{sent.status}: {seen if reached or sent.status == 200 else sent.text[:60]}"
    note = "sent in extra_body.google; the native route always applies them"
    return Finding("/v1 safety settings", seen, reached or None, True, note)


def files_api(wire: Wire) -> Finding:
    """Whether the gateway routes a Files API upload: a resumable upload is
    started and never continued (no file is stored)."""
    headers = {
        "x-goog-api-key": wire.api_key,
        "X-Goog-Upload-Protocol": "resumable",
        "X-Goog-Upload-Command": "start",
        "X-Goog-Upload-Header-Content-Length": "2",
        "X-Goog-Upload-Header-Content-Type": "text/plain",
    }
    body = {"file": {"display_name": "aihubmix-doctor"}}
    path = "/gemini/upload/v1beta/files"
    up = wire.send("files-upload", "POST", path, body, headers=headers)
    opened = up.headers.get("x-goog-upload-status") == "active"
    seen = f"{up.status}" + (", upload session opened" if opened else "")
    note = "media go inline (20 MB per request); uploads are not used"
    return Finding("Files API upload", seen, True, True, note)


PROBES = (speech_output, v1_search, v1_budget, v1_safety, files_api)
"""This module's probes, in the order they run."""
