"""Per-call invoke overhead and 1,000-chunk streaming, package vs raw SDK."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from benchmarks._common import (
    MODEL,
    PEERS,
    ROUTES,
    Row,
    floor_model,
    interleave,
    long_answers,
    median,
    package_model,
    peer_model,
    raw_genai,
    raw_openai,
)

PROMPT = "hi"


def _invoke_variants(hub: Any, route: str) -> dict[str, Callable[[], Any]]:
    """The package, the raw SDK call, the peer and the floor (a bare
    `BaseChatModel` around the same raw call), timed in one interleaved run."""
    llm = package_model(hub.base_url, hub.api_key, route)
    if route == "native":
        client = raw_genai(hub.base_url, hub.api_key)

        def raw() -> Any:
            return client.models.generate_content(model=MODEL, contents=PROMPT).text
    else:
        client = raw_openai(hub.base_url, hub.api_key)

        def raw() -> Any:
            return (
                client.chat.completions.create(
                    model=MODEL, messages=[{"role": "user", "content": PROMPT}]
                )
                .choices[0]
                .message.content
            )

    peer = peer_model(hub.base_url, hub.api_key, route)
    floor = floor_model(text=lambda: str(raw()))
    return {
        "package": lambda: llm.invoke(PROMPT).text,
        "raw": raw,
        "peer": lambda: peer.invoke(PROMPT).text,
        "floor": lambda: floor.invoke(PROMPT).text,
    }


def _min_ratio(times: dict[str, list[float]], name: str) -> str:
    """Two estimates less moved by machine noise than the ratio of medians (a
    virtual machine's slow spells inflate the two medians by different amounts):
    the median of per-round ratios (each round runs both variants back to back),
    and the ratio of the fastest rounds."""
    paired = median([a / b for a, b in zip(times[name], times["raw"], strict=True)])
    fastest = min(times[name]) / min(times["raw"])
    return f"per-round: {paired:.2f}; fastest rounds: {fastest:.2f}"


def _ms_row(
    name: str, times: dict[str, list[float]], variant: str, target: str, **kw: Any
) -> Row:
    """`variant`'s median against the raw SDK's, in ms, with the robust ratios."""
    return Row(
        name,
        median(times[variant]) * 1e3,
        median(times["raw"]) * 1e3,
        "ms",
        target,
        note=_min_ratio(times, variant),
        **kw,
    )


def _peer_row(name: str, times: dict[str, list[float]]) -> Row:
    """The peer integration's row; met when the package's median is at or below."""
    ok = median(times["package"]) <= median(times["peer"])
    return _ms_row(name, times, "peer", "(package row at or below it)", ok=ok)


def _floor_row(name: str, times: dict[str, list[float]]) -> Row:
    """The langchain-core floor's row; met when the package is within 5% of it
    (median of the per-round package / floor ratios)."""
    paired = median(
        [a / b for a, b in zip(times["package"], times["floor"], strict=True)]
    )
    row = _ms_row(name, times, "floor", "(package within 5% of it)", ok=paired <= 1.05)
    row.note += f"; package / floor per round: {paired:.2f}"
    return row


def bench_invoke(quick: bool) -> list[Row]:
    from langchain_aihubmix.testing import AiHubMixEmulator

    rounds = 60 if quick else 600
    rows = []
    with AiHubMixEmulator() as hub:
        for route in ROUTES:
            times = interleave(_invoke_variants(hub, route), rounds)
            row = _ms_row(
                f"invoke overhead ({route})", times, "package", "ratio <= 1.15"
            )
            row.ok = (row.ratio or 99) <= 1.15
            rows += [
                row,
                _peer_row(f"invoke: peer {PEERS[route]} ({route})", times),
                _floor_row(f"invoke: langchain-core floor ({route})", times),
            ]
    return rows


def _stream_variants(
    hub: Any, route: str, first: dict[str, list[float]]
) -> dict[str, Callable[[], Any]]:
    native, completion = long_answers(1000)
    llm = package_model(hub.base_url, hub.api_key, route)

    def timed(name: str, iterator_factory: Callable[[], Any]) -> Callable[[], int]:
        def run() -> int:
            hub.queue(
                **({"native": native} if route == "native" else {"openai": completion})
            )
            start = time.perf_counter()
            n = 0
            for _ in iterator_factory():
                if n == 0:
                    first[name].append(time.perf_counter() - start)
                n += 1
            return n

        return run

    if route == "native":
        client = raw_genai(hub.base_url, hub.api_key)

        def raw_iter() -> Any:
            return client.models.generate_content_stream(model=MODEL, contents=PROMPT)
    else:
        oclient = raw_openai(hub.base_url, hub.api_key)

        def raw_iter() -> Any:
            return oclient.chat.completions.create(
                model=MODEL,
                messages=[{"role": "user", "content": PROMPT}],
                stream=True,
            )

    def text_of(chunk: Any) -> str:
        if route == "native":
            return "".join(
                p.text or ""
                for c in chunk.candidates or ()
                for p in (c.content.parts if c.content else None) or ()
            )
        return "".join(c.delta.content or "" for c in chunk.choices)

    floor = floor_model(texts=lambda: (text_of(c) for c in raw_iter()))
    peer = peer_model(hub.base_url, hub.api_key, route)
    return {
        "package": timed("package", lambda: llm.stream(PROMPT)),
        "peer": timed("peer", lambda: peer.stream(PROMPT)),
        "raw": timed("raw", raw_iter),
        "floor": timed("floor", lambda: floor.stream(PROMPT)),
    }


def bench_stream(quick: bool) -> list[Row]:
    from langchain_aihubmix.testing import AiHubMixEmulator

    rounds = 8 if quick else 30
    rows = []
    with AiHubMixEmulator(stream_chunk_chars=1) as hub:
        for route in ROUTES:
            first: dict[str, list[float]] = {
                "package": [],
                "raw": [],
                "floor": [],
                "peer": [],
            }
            variants = _stream_variants(hub, route, first)
            times = interleave(variants, rounds, warmup=2)
            # drop the warm-up first-chunk samples
            for name in first:
                first[name] = first[name][-rounds:]
            ttfc = Row(
                f"stream 1,000 chunks: first chunk ({route})",
                median(first["package"]) * 1e3,
                median(first["raw"]) * 1e3,
                "ms",
                "ratio <= 1.15",
            )
            total = _ms_row(
                f"stream 1,000 chunks: total ({route})",
                times,
                "package",
                "ratio <= 1.15",
            )
            for row in (ttfc, total):
                row.ok = (row.ratio or 99) <= 1.15
            floor = _ms_row(
                f"stream 1,000 chunks: langchain-core floor, total ({route})",
                times,
                "floor",
                "(bare BaseChatModel streaming the raw chunks)",
            )
            peer = _peer_row(
                f"stream 1,000 chunks: peer {PEERS[route]}, total ({route})", times
            )
            rows += [ttfc, total, peer, floor, _replayed(hub, route, rounds)]
    return rows


def _replayed(hub: Any, route: str, rounds: int) -> Row:
    """Per-chunk CPU of the package vs the floor on the same pre-parsed SDK chunks.

    No socket and no SDK parsing: the route's SDK client is swapped for one that
    returns chunks received earlier. This is the wrapper's own cost per chunk; over
    the in-process emulator it also competes with the emulator's thread for the
    GIL, which inflates it in the wall-clock rows above.
    """
    from types import SimpleNamespace

    native, completion = long_answers(1000)
    hub.queue(**({"native": native} if route == "native" else {"openai": completion}))
    if route == "native":
        sdk = raw_genai(hub.base_url, hub.api_key)
        chunks = list(sdk.models.generate_content_stream(model=MODEL, contents=PROMPT))
        fake = SimpleNamespace(
            models=SimpleNamespace(generate_content_stream=lambda **kw: iter(chunks))
        )
    else:
        osdk = raw_openai(hub.base_url, hub.api_key)
        chunks = list(
            osdk.chat.completions.create(
                model=MODEL, messages=[{"role": "user", "content": PROMPT}], stream=True
            )
        )
        # the route posts its body with `client.post` (`_openai/sdk_shortcuts.py`)
        fake = SimpleNamespace(post=lambda *args, **kw: iter(chunks))
    llm = package_model(hub.base_url, hub.api_key, route)
    route_of_llm = llm._get_route()
    # the route as built, inside the per-attempt deadline wrapper
    inner = getattr(route_of_llm, "route", route_of_llm)
    inner._client = lambda: fake

    def text_of(chunk: Any) -> str:
        if route == "native":
            return "".join(
                p.text or ""
                for c in chunk.candidates or ()
                for p in (c.content.parts if c.content else None) or ()
            )
        return "".join(c.delta.content or "" for c in chunk.choices)

    floor = floor_model(texts=lambda: (text_of(c) for c in chunks))

    def cpu(fn: Callable[[], Any]) -> float:
        for _ in range(3):
            fn()
        samples = []
        for _ in range(rounds):
            start = time.process_time()
            fn()
            samples.append(time.process_time() - start)
        return min(samples) / len(chunks) * 1e6

    pkg = cpu(lambda: list(llm.stream(PROMPT)))
    base = cpu(lambda: list(floor.stream(PROMPT)))
    return Row(
        f"stream, replayed chunks: CPU per chunk vs the floor ({route})",
        pkg,
        base,
        "us",
        "(no I/O: the wrapper's own cost)",
        note=f"package adds {pkg - base:.1f} us per chunk",
    )
