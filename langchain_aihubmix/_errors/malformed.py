"""Errors for replies that cannot be turned into an answer without losing data."""

from __future__ import annotations

from langchain_aihubmix.errors import AiHubMixError


class MalformedResponseError(AiHubMixError, ValueError):
    """The gateway's reply cannot be mapped faithfully (it is never returned).

    Raised, for example, when streamed function-call arguments (`partialArgs`) name a
    JSON path that cannot be applied to what was assembled so far. Also a
    `ValueError`, as unmappable reply parts always were.
    """
