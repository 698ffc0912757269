"""The doctor's questions on speech, AiHubMix's own `/v1` forms and the Files API."""

from __future__ import annotations

from typing import Any

from langchain_aihubmix._doctor import Finding
from langchain_aihubmix._doctor.wire import Wire

SPEECH_MODEL = "gemini-2.5-flash-preview-tts"
LITE_MODEL = "gemini-2.5-flash-lite"
"""The cheapest model, which thinks only when asked: the `/v1` form probes."""


def speech_output(wire: Wire) -> list[Finding]:
    """Speech from a TTS model: native (`responseModalities: AUDIO`), and on `/v1`
    with OpenAI's `modalities` / `audio` fields."""
    body: dict[str, Any] = {"generationConfig": {"responseModalities": ["AUDIO"]}}
    body["contents"] = [{"role": "user", "parts": [{"text": "Say: ok"}]}]
    parts = wire.native("speech-native", SPEECH_MODEL, body).parts()
    blobs = [p["inlineData"] for p in parts if "inlineData" in p]
    kinds = sorted({str(b.get("mimeType")) for b in blobs})
    pcm = any(k.lower().startswith(("audio/l16", "audio/pcm")) for k in kinds)
    audio = {"modalities": ["text", "audio"], "audio": {"voice": "Kore"}}
    v1 = wire.chat("speech-openai", SPEECH_MODEL, "Say: ok", **audio)
    spoke = "yes" if (v1.message().get("audio") or {}).get("data") else "no"
    seen, note = f"audio: {', '.join(kinds) or 'none'}", "returned as a WAV file"
    return [
        Finding("Speech output, native", seen, True, pcm, note),
        Finding("Speech output, /v1", f"audio: {spoke} ({v1.status})", True, True),
    ]


def v1_forms(wire: Wire) -> list[Finding]:
    """`web_search_options` (`google_search=True` on `/v1`): citations back?
    `reasoning.max_tokens` (`thinking_budget`): reasoning tokens from a model that
    thinks only when asked? `extra_body.google.safety_settings`: an invalid
    threshold is rejected when it reaches Gemini, passes when the gateway drops or
    replaces the settings (a 400 costs nothing)."""
    ask = "Who won the 2022 football world cup? One short sentence."
    found = wire.chat("v1-search", LITE_MODEL, ask, web_search_options={}).message()
    cites = sum(a.get("type") == "url_citation" for a in found.get("annotations") or [])
    think = {"reasoning": {"max_tokens": 512}, "max_tokens": 600}
    reply = wire.chat("v1-budget", LITE_MODEL, "Is 91 prime?", **think).json()
    usage: dict[str, Any] = {
        k: v or 0 for k, v in ((reply or {}).get("usage") or {}).items()
    }
    gap = usage.get("total_tokens", 0) - usage.get("prompt_tokens", 0)
    thought = (usage.get("completion_tokens_details") or {}).get("reasoning_tokens")
    thought = thought or max(0, gap - usage.get("completion_tokens", 0))
    bad = [{"category": "HARM_CATEGORY_HARASSMENT", "threshold": "NOT_A_THRESHOLD"}]
    google = {"extra_body": {"google": {"safety_settings": bad}}}
    sent = wire.chat("v1-safety", LITE_MODEL, "Say: ok", max_tokens=8, **google)
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
    return Finding("Files API upload", f"{up.status}{opened}", True, True, note)


PROBES = (speech_output, v1_forms, files_api)
"""This module's probes, in the order they run."""
