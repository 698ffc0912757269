"""Text to speech with Gemini's TTS models: one voice, then a two-speaker dialogue.

Writes `greeting.wav` and `dialogue.wav` (real WAV files any player opens) to the
directory given as the first argument (default: a temporary directory). Offline it
runs against the local emulator, whose voices are tones; with AIHUBMIX_API_KEY set
it calls the gateway. TTS models run on the native route (the default for them).
"""

from __future__ import annotations

import io
import sys
import tempfile
import wave
from pathlib import Path
from typing import Any

from _connect import connection
from langchain_core.messages import AIMessage

from langchain_aihubmix import ChatAiHubMixGemini


def save_wav(message: AIMessage, path: Path) -> Path:
    """Writes the reply's audio (a WAV file) to `path` and says what it holds."""
    path.write_bytes(message.additional_kwargs["audio"])
    with wave.open(io.BytesIO(path.read_bytes())) as wav:
        seconds = wav.getnframes() / wav.getframerate()
        print(f"wrote {path}: {seconds:.2f} s, {wav.getframerate()} Hz")
    return path


def voice(name: str) -> dict[str, Any]:
    """One of Gemini's 30 prebuilt voices (Kore, Puck, Charon, ...)."""
    return {"prebuilt_voice_config": {"voice_name": name}}


def main() -> None:
    directory = Path(sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp())
    directory.mkdir(parents=True, exist_ok=True)
    with connection() as kwargs:
        one_voice = ChatAiHubMixGemini(
            model="gemini-2.5-flash-preview-tts",
            speech_config={"voice_config": voice("Kore")},  # or a types.SpeechConfig
            **kwargs,
        )
        reply = one_voice.invoke("Say cheerfully: have a wonderful day!")
        save_wav(reply, directory / "greeting.wav")
        print("content blocks:", [b["type"] for b in reply.content_blocks])
        print("usage:", dict(reply.usage_metadata or {}))

        speakers = [
            {"speaker": "Joe", "voice_config": voice("Charon")},
            {"speaker": "Jane", "voice_config": voice("Puck")},
        ]
        dialogue = one_voice.invoke(
            "TTS the following conversation between Joe and Jane:\n"
            "Joe: How's it going today, Jane?\nJane: Not too bad, how about you?",
            speech_config={
                "multi_speaker_voice_config": {"speaker_voice_configs": speakers}
            },
        )
        save_wav(dialogue, directory / "dialogue.wav")
        cost = dialogue.response_metadata.get("cost")
        print("dialogue cost (USD):", "unknown" if cost is None else cost["total"])


if __name__ == "__main__":
    main()
