"""Text-to-speech answers: Gemini's prebuilt voices and real 16-bit PCM audio."""

from __future__ import annotations

import base64
import math
import sys
from array import array

RATE = 24_000
MIME_TYPE = f"audio/L16;codec=pcm;rate={RATE}"
"""What Gemini's TTS models answer: 16-bit mono PCM at 24 kHz (little-endian)."""
TOKENS_PER_SECOND = 25
"""Audio output tokens per second of speech (an assumption: Gemini documents 32 a
second for audio input; no recorded TTS reply was at hand to check output)."""
VOICES = (
    *("Zephyr", "Puck", "Charon", "Kore", "Fenrir", "Leda", "Orus", "Aoede"),
    *("Callirrhoe", "Autonoe", "Enceladus", "Iapetus", "Umbriel", "Algieba"),
    *("Despina", "Erinome", "Algenib", "Rasalgethi", "Laomedeia", "Achernar"),
    *("Alnilam", "Schedar", "Gacrux", "Pulcherrima", "Achird", "Zubenelgenubi"),
    *("Vindemiatrix", "Sadachbia", "Sadaltager", "Sulafat"),
)
"""The 30 prebuilt voices (ai.google.dev/gemini-api/docs/speech-generation)."""
DEFAULT_VOICE = "Kore"


def known_voice(name: object) -> bool:
    """Whether `name` is a prebuilt voice (case-insensitive)."""
    return isinstance(name, str) and name.lower() in {v.lower() for v in VOICES}


def pcm(voice: str, text: str) -> bytes:
    """A tone whose pitch follows the voice and whose length follows the text
    (0.2 s + 20 ms a word, at most 1 s): real PCM any player can render."""
    lowered = [v.lower() for v in VOICES]
    step = lowered.index(voice.lower()) if voice.lower() in lowered else 0
    frequency = 220.0 + 15.0 * step
    count = int(RATE * min(1.0, 0.2 + 0.02 * len(text.split())))
    step_angle = 2 * math.pi * frequency / RATE
    samples = array("h", (int(8000 * math.sin(step_angle * i)) for i in range(count)))
    if sys.byteorder == "big":
        samples.byteswap()
    return samples.tobytes()


def pcm_base64(voice: str, text: str) -> str:
    """`pcm(...)` as Gemini's `inlineData.data` (base64)."""
    return base64.b64encode(pcm(voice, text)).decode("ascii")


def audio_tokens(data: str) -> int:
    """Output tokens of base64 PCM audio (`TOKENS_PER_SECOND`)."""
    seconds = (len(data) * 3 // 4) / 2 / RATE
    return max(1, math.ceil(seconds * TOKENS_PER_SECOND))
