"""`python -m langchain_aihubmix.testing [options]`: serve the emulator until Ctrl-C."""

from __future__ import annotations

import argparse
import errno
import sys
import threading

from langchain_aihubmix.testing.emulator import DEFAULT_API_KEY, AiHubMixEmulator

_DESCRIPTION = """\
Serve the AiHubMix gateway emulator on loopback until interrupted (Ctrl-C).

It answers the native Gemini route (POST {base_url}/gemini/v1beta/models/
MODEL:generateContent and :streamGenerateContent), the OpenAI-compatible route
(POST {base_url}/v1/chat/completions and /v1/embeddings, GET {base_url}/v1/models),
the model catalogue (GET {base_url}/api/v1/models) and the account's billing
endpoints, deterministically from each request.
On start it prints base_url, api_key and an `export AIHUBMIX_BASE_URL=...
AIHUBMIX_API_KEY=...` line: export them and ChatAiHubMixGemini (or any Gemini or
OpenAI client pointed at {base_url}/gemini or {base_url}/v1) talks to it (the
examples then say [emulator]). A port already in use is one line on stderr and
exit status 2.

Like Gemini, it rejects tool results that do not answer the calls before them in
order, unsigned history parts of Gemini 3 image models, and response modalities a
model lacks; the TTS models (gemini-2.5-flash-preview-tts and -pro-preview-tts)
answer with 24 kHz PCM speech. Tool-call arguments come from the prompt, answers
after tool results from the results. To script responses (also malformed-call,
unexpected-call and empty replies) or inject faults, use AiHubMixEmulator from
Python (docs/emulator.md)."""


def build_parser() -> argparse.ArgumentParser:
    """The command line: every option with its help and default."""
    parser = argparse.ArgumentParser(
        prog="python -m langchain_aihubmix.testing",
        description=_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="interface to listen on (default: %(default)s, loopback only)",
    )
    parser.add_argument(
        "--port",
        type=int,
        default=0,
        help="TCP port to listen on; 0 picks a free port (default: %(default)s)",
    )
    parser.add_argument(
        "--key",
        default=DEFAULT_API_KEY,
        help="the only API key the emulator accepts (default: %(default)s)",
    )
    parser.add_argument(
        "--latency",
        type=float,
        default=0.0,
        help="seconds to wait before answering each request (default: %(default)s)",
    )
    parser.add_argument(
        "--stream-chunk-chars",
        type=int,
        default=20,
        help="characters of answer text per stream chunk (default: %(default)s)",
    )
    parser.add_argument(
        "--min-cache-tokens",
        type=int,
        default=32,
        help=(
            "smallest repeated prompt prefix, in tokens, reported as an implicit "
            "cache hit (default: %(default)s)"
        ),
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Serve until interrupted, after printing base_url and key."""
    args = build_parser().parse_args(argv)
    hub = AiHubMixEmulator(
        host=args.host,
        port=args.port,
        api_key=args.key,
        latency=args.latency,
        stream_chunk_chars=args.stream_chunk_chars,
        min_cache_tokens=args.min_cache_tokens,
    )
    try:
        hub.start()
    except OSError as exc:
        reason = (
            "is already in use"
            if exc.errno == errno.EADDRINUSE
            else f"cannot be used ({exc.strerror or exc})"
        )
        sys.stderr.write(
            f"error: port {args.port} on {args.host} {reason}; choose another with "
            "--port (0 picks a free one)\n"
        )
        return 2
    sys.stdout.write(f"base_url={hub.base_url}\napi_key={hub.api_key}\n")
    sys.stdout.write(
        f"export AIHUBMIX_BASE_URL={hub.base_url} AIHUBMIX_API_KEY={hub.api_key}\n"
    )
    sys.stdout.flush()
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        hub.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
