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


def _text_of(route: str, chunk: Any) -> str:
    """A raw SDK stream chunk's answer text."""
    if route == "native":
        return "".join(
            p.text or ""
            for c in chunk.candidates or ()
            for p in (c.content.parts if c.content else None) or ()
        )
    return "".join(c.delta.content or "" for c in chunk.choices)


def _streams(
    base_url: str, api_key: str, route: str, http: Any = None
) -> dict[str, Callable[[], Any]]:
    """Each variant's stream of "hi" (package, peer, raw SDK, floor); `http`: an
    httpx2 transport instead of the network."""
    args = {} if http is None else {"client_args": {"transport": http}}
    llm = package_model(base_url, api_key, route, **args)
    peer = peer_model(base_url, api_key, route, http)
    if route == "native":
        client = raw_genai(base_url, api_key, http)

        def raw() -> Any:
            return client.models.generate_content_stream(model=MODEL, contents=PROMPT)
    else:
        oclient = raw_openai(base_url, api_key, http=http)

        def raw() -> Any:
            return oclient.chat.completions.create(
                model=MODEL,
                messages=[{"role": "user", "content": PROMPT}],
                stream=True,
            )

    floor = floor_model(texts=lambda: (_text_of(route, c) for c in raw()))
    return {
        "package": lambda: llm.stream(PROMPT),
        "peer": lambda: peer.stream(PROMPT),
        "raw": raw,
        "floor": lambda: floor.stream(PROMPT),
    }


def _stream_variants(
    hub: Any, route: str, first: dict[str, list[float]]
) -> dict[str, Callable[[], Any]]:
    native, completion = long_answers(1000)

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

    streams = _streams(hub.base_url, hub.api_key, route)
    return {name: timed(name, make) for name, make in streams.items()}


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
    """CPU per chunk of each variant reading the same recorded reply, without a
    socket: the emulator's 1,000-event stream, one event per read, replayed by an
    httpx2 transport. No emulator thread competes for the GIL, so this is each
    variant's own cost (SDK parsing included), interleaved like the rows above.
    """
    import httpx2

    native, completion = long_answers(1000)
    hub.queue(**({"native": native} if route == "native" else {"openai": completion}))
    if route == "native":
        url = f"{hub.base_url}/gemini/v1beta/models/{MODEL}:streamGenerateContent"
        body: Any = {"contents": [{"role": "user", "parts": [{"text": PROMPT}]}]}
        headers = {"x-goog-api-key": hub.api_key}
        url += "?alt=sse"
    else:
        url = f"{hub.base_url}/v1/chat/completions"
        body = {"model": MODEL, "stream": True, "messages": [{"role": "user"}]}
        body["messages"][0]["content"] = PROMPT
        headers = {"Authorization": f"Bearer {hub.api_key}"}
    reply = httpx2.post(url, json=body, headers=headers)
    sep = b"\r\n\r\n" if b"\r\n\r\n" in reply.content else b"\n\n"
    events = [event + sep for event in reply.content.split(sep) if event]

    class Replay(httpx2.BaseTransport):
        def handle_request(self, request: httpx2.Request) -> httpx2.Response:
            request.read()
            return httpx2.Response(
                200,
                headers={"content-type": reply.headers["content-type"]},
                content=iter(events),
                request=request,
            )

    streams = _streams(hub.base_url, hub.api_key, route, Replay())
    cpu: dict[str, list[float]] = {name: [] for name in streams}
    for i in range(rounds + 2):
        for name in streams if i % 2 else reversed(list(streams)):
            start = time.process_time()
            for _ in streams[name]():
                pass
            if i >= 2:  # two warm-up rounds
                cpu[name].append((time.process_time() - start) / len(events) * 1e6)
    us = {name: median(values) for name, values in cpu.items()}
    return Row(
        f"stream, replayed events (no socket): CPU per chunk ({route})",
        us["package"],
        us["raw"],
        "us",
        "(each variant's own cost)",
        note=f"{PEERS[route]} {us['peer']:.1f} us, langchain-core floor "
        f"{us['floor']:.1f} us",
    )
