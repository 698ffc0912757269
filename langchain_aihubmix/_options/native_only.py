"""Features only the native route offers, rejected for the openai route up front."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from langchain_aihubmix._errors.base import InvalidInputError
from langchain_aihubmix._options.call_options import (
    BuiltinTool,
    CallOptions,
    FunctionTool,
    Tool,
)
from langchain_aihubmix._options.spec import NATIVE_ONLY

_SENDABLE_MIME: Final = (None, "text/plain", "application/json")
"""Response MIME types the route can ask for (`response_format`)."""


class NotOnOpenAIRouteError(InvalidInputError):
    """The request uses a feature only AiHubMix's native Gemini route offers."""

    __module__ = "langchain_aihubmix.errors"  # its public home (and pickles')


def native_only(what: str) -> NotOnOpenAIRouteError:
    """The error for `what`, which only the native route offers."""
    msg = f"{what} is not available on the OpenAI-compatible route; use transport="
    return NotOnOpenAIRouteError(msg + '"native".')


def check_tools(tools: Sequence[Tool]) -> None:
    """Reject the built-in tools this route has no form for. Google Search alone
    goes as `web_search_options`; with a config, or with function tools (which
    needs Gemini 3's server-side tool invocations), it is native-only."""
    functions = any(isinstance(tool, FunctionTool) for tool in tools)
    for tool in tools:
        if not isinstance(tool, BuiltinTool):
            continue
        if tool.kind != "google_search":
            raise native_only(f"The built-in tool {tool.kind!r}")
        if tool.config or functions:
            how = "with a config" if tool.config else "with function tools"
            raise native_only(f"The built-in tool 'google_search' {how}")


def refuse_native_only(opts: CallOptions) -> None:
    """Reject what only the native route offers, before any request is built.

    Built-in tools (code execution, URL context; Google Search with a config or
    with function tools), explicit caches (`cached_content`), media resolution,
    image and speech output and their configs, and response MIME types other than
    JSON and plain text.
    """
    check_tools(opts.tools)
    for option in NATIVE_ONLY:  # text-only modalities excepted
        value = getattr(opts, option.name)
        if value is not None and tuple(value) != ("TEXT",):
            raise native_only(str(option.native_only))
    mime = opts.response_mime_type
    if opts.response_schema is None and mime not in _SENDABLE_MIME:
        raise native_only(f"response_mime_type={mime!r}")
