"""Work a route's first async call would do on the event loop, done ahead in a thread.

The SDKs defer some of their setup to first use: openai imports its resource
modules when `client.chat` is first read, google-genai's pydantic types build
their validators when first validated, and httpcore imports its async backend at
the first connection. Each takes tens to hundreds of milliseconds of blocking
work; `warm` does it in the worker thread that builds the route.
"""

from __future__ import annotations

import contextlib
import importlib
import sys

_MODULES = {
    "openai": (
        "openai.resources.chat.chat",
        "openai.resources.chat.completions.completions",
    ),
    "native": (),
}
"""Modules a route's first call imports."""

_COMMON = ("httpcore2._backends.anyio", "anyio._backends._asyncio")


def warm(transport: str) -> None:
    """Import and build what the first call on `transport` would.

    Args:
        transport: "native" or "openai".
    """
    for name in (*_COMMON, *_MODULES.get(transport, ())):
        if name not in sys.modules:
            with contextlib.suppress(ImportError):  # e.g. another async backend
                importlib.import_module(name)
    if transport == "native":
        from google.genai import types

        for model in (
            types.GenerateContentConfig,
            types.GenerateContentResponse,
            types.HttpOptions,
            types.Content,
            types.Part,
        ):
            model.model_rebuild()
