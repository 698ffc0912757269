"""Features only the native route offers, rejected for the openai route up front."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from langchain_aihubmix._errors.base import InvalidInputError
from langchain_aihubmix._options.call_options import BuiltinTool, CallOptions, Tool
from langchain_aihubmix._options.spec import NATIVE_ONLY

_SENDABLE_MIME: Final = (None, "text/plain", "application/json")
"""Response MIME types the route can ask for (`response_format`)."""


class NotOnOpenAIRouteError(InvalidInputError):
    """The request uses a feature only AiHubMix's native Gemini route offers."""

    __module__ = "langchain_aihubmix.errors"  # its public home (and pickles')


def native_only(what: str, hint: str = "") -> NotOnOpenAIRouteError:
    """The error for `what`, which only the native route offers."""
    return NotOnOpenAIRouteError(
        f"{what} is not available on the OpenAI-compatible route; use "
        f'transport="native"{hint}.'
    )


def check_tools(tools: Sequence[Tool]) -> None:
    """Reject Gemini's built-in tools, which this route cannot send."""
    for tool in tools:
        if isinstance(tool, BuiltinTool):
            hint = (
                " or a `-search` model id (e.g. gemini-2.5-flash-search)"
                if tool.kind == "google_search"
                else ""
            )
            raise native_only(f"The built-in tool {tool.kind!r}", hint)


def refuse_native_only(opts: CallOptions) -> None:
    """Reject what only the native route offers, before any request is built.

    Built-in tools (code execution, Google Search, URL context), explicit caches
    (`cached_content`), media resolution, image output and image config, and
    response MIME types other than JSON and plain text.
    """
    check_tools(opts.tools)
    for option in NATIVE_ONLY:  # text-only modalities excepted
        value = getattr(opts, option.name)
        if value is not None and tuple(value) != ("TEXT",):
            raise native_only(str(option.native_only))
    mime = opts.response_mime_type
    if opts.response_schema is None and mime not in _SENDABLE_MIME:
        raise native_only(f"response_mime_type={mime!r}")
