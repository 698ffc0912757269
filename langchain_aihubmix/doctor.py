"""`python -m langchain_aihubmix.doctor`: the live gateway's behaviour vs this package.

With `AIHUBMIX_API_KEY` set, the doctor sends about 35 tiny requests to the gateway,
one group per question only the real service settles, and prints a table: what the
gateway showed, whether the package handles that variant, and whether the package's
defaults fit it. A live run costs about $0.05 (the cheapest models, prompts of a few
tokens; the search, image and speech probes are most of it); it says so before it
starts. Without a key it runs against the local emulator (the test suite runs it
that way).

`--record DIR` writes a redacted transcript (no key; the prompts are the doctor's
own) in the cassette shape the test suite replays, so a run becomes a fixture.

Usage:
    python -m langchain_aihubmix.doctor [--base-url URL] [--record DIR]
    aihubmix-doctor --record ./doctor-run
"""

from __future__ import annotations

import argparse
import os
import sys
import textwrap
from collections.abc import Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import TextIO

import httpx

from langchain_aihubmix._doctor.probes import PROBES, Finding
from langchain_aihubmix._doctor.wire import Wire

__all__ = ["LIVE_COST_NOTE", "Finding", "main", "run_doctor"]

LIVE_COST_NOTE = (
    "A live run sends about 35 small requests (gemini-2.5-flash-lite, "
    "gemini-3.1-flash-lite, two images from gemini-2.5-flash-image, two words of "
    "speech from gemini-2.5-flash-preview-tts, one Google Search): about $0.05 in all."
)


def run_doctor(
    base_url: str, api_key: str, *, timeout: float = 60
) -> tuple[list[Finding], Wire]:
    """Runs every probe against `base_url`; returns the findings and the wire.

    Args:
        base_url: The gateway root (the emulator's `base_url` offline).
        api_key: The key sent to `base_url` (and nowhere else).
        timeout: Seconds per request.
    """
    findings: list[Finding] = []
    with httpx.Client(timeout=timeout, follow_redirects=False) as client:
        wire = Wire(base_url, api_key, client)
        for probe in PROBES:
            result = probe(wire)
            findings.extend(result if isinstance(result, list) else [result])
    return findings, wire


def _mark(value: bool | None) -> str:
    return {True: "yes", False: "NO", None: "?"}[value]


def render(findings: Sequence[Finding]) -> str:
    """The findings as a plain-text table."""
    width = max(len(f.question) for f in findings)
    lines = [
        f"{'question':<{width}}  handled  defaults  seen",
        f"{'-' * width}  -------  --------  ----",
    ]
    for f in findings:
        seen = textwrap.shorten(f.seen, 100)
        lines.append(
            f"{f.question:<{width}}  {_mark(f.handled):<7}  "
            f"{_mark(f.defaults_fit):<8}  {seen}"
        )
        if f.note:
            lines.append(f"{'':<{width}}  {'':<7}  {'':<8}  ({f.note})")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    """Runs the doctor; returns 0 when the package handles everything seen."""
    out = out or sys.stdout
    parser = argparse.ArgumentParser(prog="aihubmix-doctor", description=__doc__)
    parser.add_argument("--base-url", default=None, help="gateway root")
    parser.add_argument("--record", type=Path, default=None, help="transcript dir")
    parser.add_argument(
        "--offline", action="store_true", help="use the emulator even with a key"
    )
    args = parser.parse_args(argv)
    key = os.environ.get("AIHUBMIX_API_KEY", "").strip()  # blank: no key
    with ExitStack() as stack:
        if key and not args.offline:
            base_url = args.base_url or os.environ.get(
                "AIHUBMIX_BASE_URL", "https://aihubmix.com"
            )
            print(f"[live] {base_url}. {LIVE_COST_NOTE}", file=out)
        else:
            from langchain_aihubmix.testing import AiHubMixEmulator

            hub = stack.enter_context(AiHubMixEmulator())
            base_url, key = hub.base_url, hub.api_key
            print(
                f"[offline] no AIHUBMIX_API_KEY: probing the local emulator at "
                f"{base_url} (answers show the emulator, not the gateway)",
                file=out,
            )
        findings, wire = run_doctor(base_url, key)
        print(render(findings), file=out)
        if args.record is not None:
            files = wire.record(args.record)
            print(
                f"recorded {len(files)} exchanges (key removed) in {args.record}",
                file=out,
            )
    return 0 if all(f.handled is not False for f in findings) else 1


if __name__ == "__main__":
    raise SystemExit(main())
