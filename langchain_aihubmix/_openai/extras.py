"""The one reader of vendor extras (reasoning, thought signatures) on SDK objects."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from pydantic import BaseModel

READ_FIELDS: Final = frozenset(
    {
        "reasoning_content",
        "reasoning",
        "reasoning_details",
        "extra_content",
        "thought_signature",
    }
)
"""Every non-standard field this package reads from a message, delta or tool call."""

_NAMESPACES: Final = ("google", "gemini")
"""`extra_content` namespaces that may hold `thought_signature` / `thought`."""


@dataclass(frozen=True)
class VendorExtras:
    """What the vendor fields of one message, delta or tool call carried.

    `reasoning`: thought text (`reasoning_content`, else `reasoning`, else the text
    of `reasoning_details`; servers that send several send the same text, so only
    the first non-empty one is used). `signature`: the thought signature, from
    `extra_content.{google|gemini}.thought_signature`, else a top-level
    `thought_signature`. `thought`: Google's `extra_content.google.thought` flag; it
    is reported but not used to classify text, because Google sets it on answer
    text that carries a signature (recorded pydantic-ai cassette).
    """

    reasoning: str = ""
    signature: str | None = None
    thought: bool = False


_NONE: Final = VendorExtras()
"""What an object without vendor fields carries (most stream deltas)."""


def read_extras(obj: BaseModel | None) -> VendorExtras:
    """Read the `READ_FIELDS` of `obj` (unknown fields live in `model_extra`).

    An object without unknown fields (most stream deltas) returns at once: this
    runs once per streamed chunk.
    """
    extra = obj.model_extra if obj is not None else None
    if not extra:
        return _NONE
    fields = {name: extra[name] for name in READ_FIELDS if name in extra}
    if not fields:
        return _NONE
    namespaces = _namespaces(fields.get("extra_content"))
    signature = next(
        (s for ns in namespaces if (s := _text(ns.get("thought_signature")))),
        _text(fields.get("thought_signature")),
    )
    return VendorExtras(
        reasoning=_text(fields.get("reasoning_content"))
        or _reasoning_text(fields.get("reasoning"))
        or _details_text(fields.get("reasoning_details")),
        signature=signature or None,
        thought=any(ns.get("thought") is True for ns in namespaces),
    )


def _namespaces(extra_content: Any) -> list[dict[str, Any]]:
    """The `google` / `gemini` dicts inside `extra_content`, in that order."""
    if not isinstance(extra_content, dict):
        return []
    return [ns for key in _NAMESPACES if isinstance(ns := extra_content.get(key), dict)]


def _text(value: Any) -> str:
    """`value` when it is a string, else the empty string."""
    return value if isinstance(value, str) else ""


def _reasoning_text(value: Any) -> str:
    """`reasoning` is a string on most gateways, `{"text"|"content": str}` on some."""
    if isinstance(value, dict):
        return _text(value.get("text")) or _text(value.get("content"))
    return _text(value)


def _details_text(value: Any) -> str:
    """Concatenated text of OpenRouter-style `reasoning_details` entries.

    Entries are `{"type": "reasoning.text", "text": ...}` or
    `{"type": "reasoning.summary", "summary": ...}`; encrypted entries carry no text.
    """
    if not isinstance(value, list):
        return ""
    return "".join(
        _text(item.get("text")) or _text(item.get("summary"))
        for item in value
        if isinstance(item, dict)
    )
