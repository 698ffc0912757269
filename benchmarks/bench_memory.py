"""One call with a 19 MB image: peak traced memory growth relative to the file size.

The emulator runs in a child process so that its copy of the request is not traced.
The input (the base64 string in the message, or the bytes for the raw google-genai
SDK) exists before tracing starts; growth is everything the call allocates on top.
The raw openai call starts from the same base64 string as the package and builds its
data URL inside the measured call, as the package must.
"""

from __future__ import annotations

import base64
import gc
import os
import tracemalloc
from collections.abc import Callable
from typing import Any

from benchmarks._common import (
    MODEL,
    ROUTES,
    Row,
    external_hub,
    openai_image_messages,
    package_model,
    raw_genai,
    raw_openai,
)

SIZE = 19 * 1024 * 1024


def _image() -> bytes:
    # a PNG signature then incompressible bytes: the gateway only sniffs the header
    return b"\x89PNG\r\n\x1a\n" + os.urandom(SIZE - 8)


def _peak(fn: Callable[[], Any]) -> int:
    gc.collect()
    tracemalloc.start()
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    try:
        fn()
        return tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()


def bench_memory(quick: bool) -> list[Row]:
    from google.genai import types
    from langchain_core.messages import HumanMessage

    data = _image()
    b64 = base64.b64encode(data).decode()
    message = HumanMessage(
        content=[
            {"type": "text", "text": "describe this"},
            {"type": "image", "base64": b64, "mime_type": "image/png"},
        ]
    )
    rows = []
    with external_hub() as (base_url, api_key):
        for route in ROUTES:
            llm = package_model(base_url, api_key, route, timeout=120)
            llm.invoke("warm up")
            if route == "native":
                client = raw_genai(base_url, api_key)
                client.models.generate_content(model=MODEL, contents="warm up")
                part = types.Part.from_bytes(data=data, mime_type="image/png")

                def raw(client: Any = client, part: Any = part) -> Any:
                    return client.models.generate_content(
                        model=MODEL, contents=["describe this", part]
                    )
            else:
                oclient = raw_openai(base_url, api_key)
                oclient.chat.completions.create(
                    model=MODEL, messages=[{"role": "user", "content": "warm up"}]
                )

                def raw(oclient: Any = oclient, b64: str = b64) -> Any:
                    url = "data:image/png;base64," + b64
                    return oclient.chat.completions.create(
                        model=MODEL, messages=openai_image_messages(url)
                    )

            pkg_peak = _peak(lambda llm=llm: llm.invoke([message]))
            raw_peak = _peak(raw)
            row = Row(
                f"19 MB image: peak growth / file size ({route})",
                pkg_peak / SIZE,
                raw_peak / SIZE,
                "x file",
                "package <= 5x",
            )
            row.ok = pkg_peak / SIZE <= 5.0
            rows.append(row)
    return rows
