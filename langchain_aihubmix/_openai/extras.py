"""The one reader of vendor extras (reasoning, thought signatures) on SDK objects."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from pydantic import BaseModel

READ_FIELDS: Final = frozenset(
    {"reasoning_content", "reasoning", "extra_content", "thought_signature"}
)
"""Every non-standard field this package reads from a message, delta or tool call:
the one-api / new-api gateways' `reasoning_content` (or `reasoning`), and Google's
`extra_content.google.thought_signature` (duplicated as a top-level
`thought_signature` in a recorded reply); see wire-notes §4."""


@dataclass(frozen=True)
class VendorExtras:
    """What the vendor fields of one message, delta or tool call carried: thought
    text (`reasoning_content`, else `reasoning`) and the thought signature (Google's
    nested one, else a top-level `thought_signature`)."""

    reasoning: str = ""
    signature: str | None = None


_NONE: Final = VendorExtras()
"""What an object without vendor fields carries (most stream deltas)."""


def read_extras(obj: BaseModel | None) -> VendorExtras:
    """Read the `READ_FIELDS` of `obj` (unknown fields live in `model_extra`); at
    once for an object without any (most stream deltas: this runs per chunk)."""
    extra = obj.model_extra if obj is not None else None
    if not extra or READ_FIELDS.isdisjoint(extra):
        return _NONE
    content = extra.get("extra_content")
    google = content.get("google") if isinstance(content, dict) else None
    nested = google.get("thought_signature") if isinstance(google, dict) else None
    signature = _text(nested) or _text(extra.get("thought_signature"))
    reasoning = _text(extra.get("reasoning_content")) or _text(extra.get("reasoning"))
    return VendorExtras(reasoning, signature or None)


def _text(value: Any) -> str:
    """`value` when it is a string, else the empty string."""
    return value if isinstance(value, str) else ""
