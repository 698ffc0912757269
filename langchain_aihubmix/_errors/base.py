"""Errors for bad input, detected before any request is sent."""

from __future__ import annotations


class InvalidInputError(ValueError):
    """The messages (or their media) cannot be sent to Gemini as given.

    Raised while normalising a history or loading its media, before any request is
    made; the message names the offending message index, block type or URL.
    """


class MediaTooLargeError(InvalidInputError):
    """Inline media exceeds what one AiHubMix request accepts (or a download cap)."""
