"""Speech out: Gemini's TTS models answer AUDIO, which arrives as a playable WAV file.

The reply's WAV file is in `additional_kwargs["audio"]` (where langchain-google-genai
puts it, and where core's google_genai translator reads it), so `.content_blocks`
(and `output_version="v1"` content) hold a standard `audio` block; a stream's
chunks add up to the same file, which rides on the final chunk. Speech is a
native-route feature: refused on /v1 before any request.
"""

from __future__ import annotations

import base64
import io
import os
import wave
from pathlib import Path
from typing import Any

import pytest
from google.genai import types
from langchain_core.messages import AIMessage, HumanMessage

from langchain_aihubmix._options.native_only import NotOnOpenAIRouteError
from langchain_aihubmix.errors import InvalidInputError, MalformedResponseError
from langchain_aihubmix.testing import AiHubMixEmulator
from tests.support import (
    ENTRIES,
    ROOT,
    Entry,
    make_llm,
    run,
    script,
    stream_chunks,
    turns,
)

TTS = "gemini-2.5-flash-preview-tts"
PUCK = {"voice_config": {"prebuilt_voice_config": {"voice_name": "Puck"}}}


def _wav(message: AIMessage) -> tuple[int, int, int, bytes]:
    """(channels, rate, frames, samples) of the reply's WAV file."""
    with wave.open(io.BytesIO(message.additional_kwargs["audio"])) as wav:
        assert wav.getsampwidth() == 2
        frames = wav.getnframes()
        return wav.getnchannels(), wav.getframerate(), frames, wav.readframes(frames)


@pytest.mark.parametrize("entry", ENTRIES)
def test_a_tts_reply_is_a_playable_wav(hub: AiHubMixEmulator, entry: Entry) -> None:
    llm = make_llm(hub, model=TTS, speech_config=PUCK)
    reply = run(llm, entry, "Say hello to the world")
    channels, rate, frames, _ = _wav(reply)
    assert (channels, rate) == (1, 24_000) and frames > 4_000
    audio = base64.b64encode(reply.additional_kwargs["audio"]).decode()
    assert reply.content_blocks == [
        {"type": "audio", "base64": audio, "mime_type": "audio/wav"}
    ]
    assert reply.text == ""
    config = hub.requests[-1].body["generationConfig"]
    assert config["responseModalities"] == ["AUDIO"]  # by default for TTS models
    assert config["speechConfig"]["voice_config"] == PUCK["voice_config"]
    usage = reply.usage_metadata
    assert usage is not None and usage["output_token_details"] == {
        "audio": usage["output_tokens"],
        "reasoning": 0,
    }
    cost = reply.response_metadata["cost"]  # the snapshot's TTS price ($10 / 1M)
    assert cost["output"] == pytest.approx(usage["output_tokens"] * 10 / 1e6)


@pytest.mark.parametrize("entry", ["stream", "astream"])
def test_only_the_final_chunk_carries_the_audio(
    hub: AiHubMixEmulator, entry: Entry
) -> None:
    llm = make_llm(hub, model=TTS)
    whole = llm.invoke("Say hello")
    chunks = stream_chunks(llm, entry, "Say hello")
    carrying = [c for c in chunks if "audio" in c.additional_kwargs]
    assert carrying == [chunks[-1]]
    assert chunks[-1].additional_kwargs["audio"] == whole.additional_kwargs["audio"]


def _pcm_chunk(samples: bytes, mime: str, last: bool) -> dict[str, Any]:
    part = {
        "inlineData": {"mimeType": mime, "data": base64.b64encode(samples).decode()}
    }
    chunk: dict[str, Any] = {
        "candidates": [{"content": {"role": "model", "parts": [part]}}]
    }
    if last:
        chunk["candidates"][0]["finishReason"] = "STOP"
        chunk["usageMetadata"] = {
            "promptTokenCount": 4,
            "candidatesTokenCount": 9,
            "totalTokenCount": 13,
            "candidatesTokensDetails": [{"modality": "AUDIO", "tokenCount": 9}],
        }
    return chunk  # fmt: skip


@pytest.mark.parametrize("entry", ENTRIES)
def test_audio_in_pieces_makes_one_wav_at_the_mime_types_rate(
    hub: AiHubMixEmulator, entry: Entry
) -> None:
    """Gemini streams TTS audio over several parts; the rate and channel count
    come from the MIME type's parameters."""
    mime = "audio/L16;codec=pcm;rate=16000;channels=2"
    first, second = b"\x01\x00\x02\x00" * 100, b"\x03\x00\x04\x00" * 50
    hub.queue(
        native_chunks=[_pcm_chunk(first, mime, False), _pcm_chunk(second, mime, True)]
    )
    reply = run(make_llm(hub, model=TTS), entry, "Say it")
    assert _wav(reply) == (2, 16_000, 150, first + second)
    assert reply.usage_metadata is not None
    assert reply.usage_metadata["output_token_details"] == {"audio": 9, "reasoning": 0}


@pytest.mark.parametrize(
    ("mime", "says", "entry"),
    turns(
        [
            ("audio/L16;codec=pcm;rate=abc", "unknown rate or channels"),
            ("audio/L16;rate=0", "unknown rate or channels"),
            ("audio/pcm;channels=0", "unknown rate or channels"),
            ("audio/mpeg", "Unsupported Gemini response part"),
        ],
        ENTRIES,
    ),
)
def test_audio_that_cannot_be_a_wav_is_a_typed_error(
    hub: AiHubMixEmulator, mime: str, says: str, entry: Entry
) -> None:
    """Not `wave.Error` or a bare `ValueError`: the package's own reply error."""
    hub.queue(native_chunks=[_pcm_chunk(b"\x01\x00" * 10, mime, True)])
    with pytest.raises(MalformedResponseError, match=says):
        run(make_llm(hub, model=TTS, max_retries=0), entry, "Say it")


def test_output_version_v1_puts_the_audio_block_in_content(
    hub: AiHubMixEmulator,
) -> None:
    reply = make_llm(hub, model=TTS, output_version="v1").invoke("Say hi")
    (block,) = reply.content
    assert isinstance(block, dict) and block["type"] == "audio"
    assert block["mime_type"] == "audio/wav"
    assert base64.b64decode(block["base64"])[:4] == b"RIFF"


def test_speech_config_object_or_dict_checked_before_any_request(
    hub: AiHubMixEmulator,
) -> None:
    sdk = types.SpeechConfig(
        voice_config=types.VoiceConfig(
            prebuilt_voice_config=types.PrebuiltVoiceConfig(voice_name="Puck")
        )
    )
    llm = make_llm(hub, model=TTS, speech_config=sdk)
    assert llm.speech_config == PUCK  # kept as its dict: serialisable
    bad = {"voice_config": {"prebuilt_voice_config": {"voice": "Puck"}}}
    with pytest.raises(InvalidInputError, match=r"prebuilt_voice_config\.voice"):
        make_llm(hub, model=TTS, speech_config=bad)
    with pytest.raises(InvalidInputError, match="speech_config"):
        llm.invoke("hi", speech_config=bad)
    assert hub.requests == []
    llm.invoke("hi", speech_config=sdk)  # per call too
    config = hub.requests[-1].body["generationConfig"]
    assert config["speechConfig"]["voice_config"] == PUCK["voice_config"]


def test_tts_models_are_refused_on_the_openai_route(hub: AiHubMixEmulator) -> None:
    with pytest.raises(NotOnOpenAIRouteError, match="speech"):
        make_llm(hub, "openai", model=TTS)
    llm = make_llm(hub, model=TTS)
    assert llm.profile is not None
    assert (llm.profile["audio_outputs"], llm.profile["text_outputs"]) == (True, False)
    assert hub.requests == []


@pytest.mark.parametrize("transport", ["native", "openai"])
def test_a_spoken_answer_is_not_replayed(hub: AiHubMixEmulator, transport: str) -> None:
    """Neither the WAV in `additional_kwargs` nor a v1 `audio` block of an AI
    message goes back to the model (TTS models take text only)."""
    spoken = make_llm(hub, model=TTS, output_version="v1").invoke("Say hi")
    history = [HumanMessage("Say hi"), spoken, HumanMessage("What did you say?")]
    make_llm(hub, transport).invoke(history)
    sent = str(hub.requests[-1].body)
    assert "audio/wav" not in sent and "UklGR" not in sent  # base64 of RIFF


def test_the_example_writes_real_wav_files(tmp_path: Path) -> None:
    example = ROOT / "examples" / "text_to_speech.py"
    env = {k: v for k, v in os.environ.items() if k != "AIHUBMIX_API_KEY"}
    done = script("doc_snippets").run_file(example, env, str(tmp_path))
    assert done.returncode == 0, done.stderr[-2000:]
    lengths = []
    for name in ("greeting.wav", "dialogue.wav"):
        with wave.open(str(tmp_path / name)) as wav:
            assert (wav.getnchannels(), wav.getsampwidth()) == (1, 2)
            assert wav.getframerate() == 24_000
            lengths.append(wav.getnframes())
    assert min(lengths) > 2_400  # over 0.1 s each
