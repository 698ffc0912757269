"""Images and other media as input: the three ways to pass them, small and large.

Media goes in as standard LangChain content blocks: inline base64
(`{"type": "image", "base64": ..., "mime_type": ...}`), an OpenAI-style data URL
(`{"type": "image_url", "image_url": {"url": "data:..."}}`), or a URL, which the
package downloads itself (AiHubMix has no File API; the inline total is capped at
20 MB and checked before anything is sent).

Large media costs little: from 256 KiB up it is spliced into the request body as the
socket takes it instead of being copied into the SDK's JSON (peak memory about 1.4x
the file instead of 4-5x), and async calls convert it without holding up the event
loop. The offline run prints what the gateway received, to show the bytes arrive
intact on both routes.

    python examples/media_input.py   # emulator (or live with AIHUBMIX_API_KEY)
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import os
import zlib
from typing import Any

from _connect import connection_and_hub
from langchain_core.messages import HumanMessage

from langchain_aihubmix import ChatAiHubMixGemini


def png(width: int, height: int) -> bytes:
    """A valid PNG of random pixels (incompressible, so its size is ~w*h*3)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return len(data).to_bytes(4, "big") + body + zlib.crc32(body).to_bytes(4, "big")

    rows = b"".join(b"\0" + os.urandom(width * 3) for _ in range(height))
    header = width.to_bytes(4, "big") + height.to_bytes(4, "big") + b"\x08\x02\0\0\0"
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows, 0))
        + chunk(b"IEND", b"")
    )


def sent_images(hub: Any) -> list[bytes]:
    """The images the emulator received in the last request, decoded."""
    body = hub.requests[-1].body
    if "contents" in body:
        return [
            base64.b64decode(p["inlineData"]["data"])
            for p in body["contents"][-1]["parts"]
            if "inlineData" in p
        ]
    return [
        base64.b64decode(b["image_url"]["url"].split(",", 1)[1])
        for b in body["messages"][-1]["content"]
        if b.get("type") == "image_url"
    ]


def main() -> None:
    small, large = png(16, 16), png(1200, 1200)  # ~1 KB and ~4.3 MB
    b64 = base64.b64encode(small).decode()
    data_url = "data:image/png;base64," + base64.b64encode(large).decode()
    with connection_and_hub() as (conn, hub):
        for route in ("native", "openai"):
            llm = ChatAiHubMixGemini(model="gemini-2.5-flash", transport=route, **conn)
            print(f"\n=== {route} route ===")
            ask = HumanMessage(
                [
                    {"type": "text", "text": "What is in these two images?"},
                    {"type": "image", "base64": b64, "mime_type": "image/png"},
                    {"type": "image_url", "image_url": {"url": data_url}},
                ]
            )
            print("invoke :", llm.invoke([ask]).text[:70])
            print("ainvoke:", asyncio.run(llm.ainvoke([ask])).text[:70])
            if hub is not None:
                for image in sent_images(hub):
                    print(
                        f"  received {len(image):>9,} bytes, sha256 "
                        f"{hashlib.sha256(image).hexdigest()[:16]}"
                    )
        print(
            f"\nsent      {len(small):>9,} bytes, sha256 "
            f"{hashlib.sha256(small).hexdigest()[:16]}"
        )
        print(
            f"sent      {len(large):>9,} bytes, sha256 "
            f"{hashlib.sha256(large).hexdigest()[:16]}"
        )


if __name__ == "__main__":
    main()
