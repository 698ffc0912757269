"""`python -m langchain_aihubmix.doctor`: the live gateway's behaviour vs this package.

With `AIHUBMIX_API_KEY` set, the doctor first checks, with a free request, that the
key reaches the gateway (AiHubMix, else its mirror: the first of `--base-url`'s roots
that connects), and stops with one line saying what is wrong when it does
not. Then it states the cost of a live run (about 40 tiny requests, about $0.05),
asks (or takes `--yes`), and prints a table: what the gateway showed for each
question only the real service settles, whether the package handles it, and
whether its defaults fit. Without a key it probes the local emulator, for free.
`--record DIR` writes a redacted transcript (no key) that the test suite replays.
"""

from __future__ import annotations

import argparse
import functools
import os
import sys
import textwrap
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import TextIO

import httpx2

from langchain_aihubmix._doctor.gateway import probe_all
from langchain_aihubmix._doctor.preflight import preflight
from langchain_aihubmix._doctor.probes import Finding
from langchain_aihubmix._doctor.wire import Wire
from langchain_aihubmix._errors.base import InvalidInputError
from langchain_aihubmix._transport.failover import (
    DEFAULT_BASE_URL,
    MIRROR_BASE_URL,
    gateway_roots,
)

__all__ = ["LIVE_COST_NOTE", "Finding", "main", "run_doctor"]

LIVE_COST_NOTE = (
    "A live run sends about 40 small requests (gemini-2.5-flash-lite, "
    "gemini-3.1-flash-lite, two images from gemini-2.5-flash-image, two words of "
    "speech from gemini-2.5-flash-preview-tts, one Google Search, one free model; "
    "unbilled catalogue and balance reads): about $0.05 in all."
)
_EPILOG = """\
examples:
  aihubmix-doctor                 live with AIHUBMIX_API_KEY (asks first), else offline
  aihubmix-doctor --yes           live, without asking (scripts, CI)
  aihubmix-doctor --record ./gw   also save a key-free transcript
  aihubmix-doctor --base-url https://api.inferera.com   through AiHubMix's mirror

exit status: 0 the package handles all it saw, 1 it does not, 2 nothing was probed
(key rejected, gateway unreachable, or the cost not agreed)."""


def run_doctor(
    base_url: str | Sequence[str], api_key: str, *, timeout: float = 60
) -> tuple[list[Finding], Wire]:
    """Runs every probe against the gateway root(s) `base_url` (the key goes there
    only; the mirror probe compares them, the others ask the first that answers),
    `timeout` seconds per request; returns the findings and the wire."""
    with httpx2.Client(timeout=timeout, follow_redirects=False) as client:
        roots = gateway_roots(base_url)
        wire = Wire(roots[0], api_key, client, roots=roots)
        return probe_all(wire), wire


def render(findings: Sequence[Finding]) -> str:
    """The findings as a plain-text table."""
    mark = {True: "yes", False: "NO", None: "?"}
    width = max(len(f.question) for f in findings)
    lines = [
        f"{'question':<{width}}  handled  defaults  seen",
        f"{'-' * width}  -------  --------  ----",
    ]
    for f in findings:
        lines.append(
            f"{f.question:<{width}}  {mark[f.handled]:<7}  "
            f"{mark[f.defaults_fit]:<8}  {textwrap.shorten(f.seen, 100)}"
        )
        if f.note:
            lines.append(f"{'':<{width + 21}}({f.note})")
    return "\n".join(lines)


def _agreed(say: Callable[..., None]) -> bool:
    """Whether the user agrees to the cost (asked only on a terminal)."""
    if not sys.stdin.isatty():
        say("Not run: nothing was spent. Pass --yes to run it.")
        return False
    say("Run it? [y/N] ", end="", flush=True)
    if sys.stdin.readline().strip().lower() in ("y", "yes"):
        return True
    say("Not run: nothing was spent.")
    return False


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    """Runs the doctor; returns its exit status (see `--help`)."""
    say = functools.partial(print, file=out or sys.stdout)
    parser = argparse.ArgumentParser(
        prog="aihubmix-doctor",
        description=__doc__.split("\n\n", 1)[1],
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--base-url",
        default=os.environ.get("AIHUBMIX_BASE_URL")
        or f"{DEFAULT_BASE_URL},{MIRROR_BASE_URL}",
        help="gateway root(s), comma-separated: the first that connects is asked "
        "(default: AIHUBMIX_BASE_URL, else AiHubMix and its mirror)",
    )
    parser.add_argument("--record", type=Path, metavar="DIR", help="save a transcript")
    parser.add_argument("--yes", action="store_true", help="spend without asking")
    parser.add_argument("--offline", action="store_true", help="use the emulator")
    parser.add_argument("--timeout", type=float, default=60, help="per request")
    args = parser.parse_args(argv)
    key = os.environ.get("AIHUBMIX_API_KEY", "").strip()  # blank: no key
    live = bool(key) and not args.offline
    with ExitStack() as stack:
        try:
            roots = gateway_roots(args.base_url)
        except InvalidInputError as exc:
            parser.error(str(exc))  # exits 2, with the usage line
        if not live:
            from langchain_aihubmix.testing import AiHubMixEmulator

            hub = stack.enter_context(AiHubMixEmulator())
            key, mirror = hub.api_key, hub.base_url.replace("127.0.0.1", "localhost")
            roots = (hub.base_url, mirror)  # the mirror probe compares the two
            say(
                f"[offline] no AIHUBMIX_API_KEY: probing the local emulator at "
                f"{hub.base_url} (answers show the emulator, not the gateway)"
            )
        client = httpx2.Client(timeout=args.timeout, follow_redirects=False)
        wire = Wire(roots[0], str(key), stack.enter_context(client), roots=roots)
        if problem := preflight(wire):
            say(problem)
            return 2
        if live:
            say(f"[live] {wire.base_url}: the key works. {LIVE_COST_NOTE}")
            if not args.yes and not _agreed(say):
                return 2
        findings = probe_all(wire)
        say(render(findings))
        if args.record is not None:
            files = wire.record(args.record)
            say(f"recorded {len(files)} exchanges (key removed) in {args.record}")
    return 0 if all(f.handled is not False for f in findings) else 1


if __name__ == "__main__":
    raise SystemExit(main())
