"""Image generation with the Nano Banana models, then a multi-turn edit.

Writes `lighthouse.png` and `lighthouse_purple.png` (real PNG files) to the
directory given as the first argument (default: a temporary directory). Offline it
runs against the local emulator; with AIHUBMIX_API_KEY set it calls the gateway.
Image models run on the native route (the default for them): on the
OpenAI-compatible route images come back blank, so the package refuses it.
"""

from __future__ import annotations

import base64
import sys
import tempfile
from pathlib import Path

from _connect import connection
from langchain_core.messages import AIMessage, HumanMessage

from langchain_aihubmix import ChatAiHubMixGemini


def save_images(message: AIMessage, directory: Path, stem: str) -> list[Path]:
    """Writes every image block of `message` to `directory`; returns the paths."""
    paths = []
    for n, block in enumerate(
        b for b in message.content_blocks if b["type"] == "image"
    ):
        suffix = "" if n == 0 else f"_{n}"
        path = directory / f"{stem}{suffix}.png"
        path.write_bytes(base64.b64decode(block["base64"]))
        paths.append(path)
    return paths


def main() -> None:
    directory = Path(sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp())
    directory.mkdir(parents=True, exist_ok=True)
    with connection() as kwargs:
        llm = ChatAiHubMixGemini(
            model="gemini-2.5-flash-image",
            response_modalities=["TEXT", "IMAGE"],
            image_config={"aspect_ratio": "16:9"},
            **kwargs,
        )
        prompt = HumanMessage("A lighthouse on a cliff at dawn, watercolour")
        first = llm.invoke([prompt])
        print("model:", first.text)
        for path in save_images(first, directory, "lighthouse"):
            print(f"wrote {path} ({path.stat().st_size} bytes)")

        # Multi-turn editing: the image and its thought signature are replayed.
        edit = llm.invoke([prompt, first, HumanMessage("Make the sky purple.")])
        print("model:", edit.text)
        for path in save_images(edit, directory, "lighthouse_purple"):
            print(f"wrote {path} ({path.stat().st_size} bytes)")

        usage = edit.usage_metadata or {}
        cost = edit.response_metadata.get("cost")
        print("edit usage:", dict(usage))
        print("edit cost (USD):", "unknown" if cost is None else cost["total"])


if __name__ == "__main__":
    main()
