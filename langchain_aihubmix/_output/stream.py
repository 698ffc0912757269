"""What both routes' stream states share: ids, block deltas, picking, completeness."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, Protocol, TypeVar

import httpx2
from langchain_core.utils._merge import merge_lists

from langchain_aihubmix._input.conversation import SYNTHETIC_ID_PREFIX


class _Indexed(Protocol):
    @property
    def index(self) -> int | None: ...


_I = TypeVar("_I", bound=_Indexed)


def synthetic_id() -> str:
    """A fresh id for a call or code block the server sent without one (or reused)."""
    return f"{SYNTHETIC_ID_PREFIX}{uuid.uuid4().hex}"


def add_delta(
    content: list[str | dict[str, Any]], block: dict[str, Any] | None
) -> None:
    """Add a block delta (None: nothing) to one chunk's content, as chunks merge.

    Deltas of one block within one chunk merge through the core function that merges
    stream chunks, so a whole response and its stream agree. Block indices only grow
    within a state, so only a delta for the last block can merge; any other is
    appended as is (which is what `merge_lists` would do, without copying the list).
    """
    if block is None:
        return
    last = content[-1] if content else None
    if isinstance(last, dict) and last.get("index") == block["index"]:
        content[:] = merge_lists(content, [block]) or []
    else:
        content.append(block)


def pick(items: Sequence[_I] | None, wanted: int) -> _I | None:
    """The candidate (or choice) with index `wanted`; a missing index is its place."""
    for position, item in enumerate(items or ()):
        if (position if item.index is None else item.index) == wanted:
            return item
    return None


def indices(items: Sequence[_Indexed] | None) -> list[int]:
    """Every candidate's (or choice's) index, in order; `[0]` when there is none."""
    return sorted(
        position if item.index is None else item.index
        for position, item in enumerate(items or ())
    ) or [0]


def ensure_complete(finished: bool, sender: str) -> None:
    """Raise when a stream ended before `sender` sent its final chunk.

    A connection error, so that it is classified and retried as one.
    """
    if not finished:
        msg = f"the stream ended before {sender} sent its final chunk"
        raise httpx2.RemoteProtocolError(msg)
