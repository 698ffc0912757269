"""Token arithmetic like Gemini's, and the implicit prefix cache (by tokens)."""

from __future__ import annotations

import hashlib
import math
import threading
from collections import deque
from collections.abc import Iterable, Sequence

MEDIA_TOKENS = 258
IMAGE_OUTPUT_TOKENS = 1290
_REMEMBERED = 256
"""Prompts remembered per model (oldest forgotten first)."""


def count(text: str) -> int:
    """Tokens of a text: ceil(chars / 4)."""
    return math.ceil(len(text) / 4)


def modality_of(mime_type: str) -> str:
    """Gemini's usage modality for a MIME type."""
    head = mime_type.split("/", 1)[0].lower()
    return {"image": "IMAGE", "audio": "AUDIO", "video": "VIDEO"}.get(head, "DOCUMENT")


class PromptTally:
    """Counts a prompt as segments (one per content), by modality."""

    def __init__(self) -> None:
        self.by_modality: dict[str, int] = {}
        self.segments: list[tuple[str, int]] = []
        self.bodies: list[str | None] = []
        """Per segment: its text when it holds text only (else None)."""

    def add_segment(self, key: str, texts: Iterable[str], media: Iterable[str]) -> None:
        """Add one content: its canonical key, texts and media MIME types."""
        texts = list(texts)
        media = list(media)
        tokens = 0
        text_tokens = sum(count(t) for t in texts)
        if text_tokens:
            self.by_modality["TEXT"] = self.by_modality.get("TEXT", 0) + text_tokens
            tokens += text_tokens
        for mime in media:
            modality = modality_of(mime)
            self.by_modality[modality] = (
                self.by_modality.get(modality, 0) + MEDIA_TOKENS
            )
            tokens += MEDIA_TOKENS
        self.segments.append((key, tokens))
        self.bodies.append(None if media else "".join(texts))

    @property
    def total(self) -> int:
        """Prompt tokens (at least 1)."""
        return max(1, sum(self.by_modality.values()))

    def details(self) -> list[dict[str, object]]:
        """`promptTokensDetails` entries."""
        items = self.by_modality.items() or [("TEXT", 1)]
        return [{"modality": m, "tokenCount": n} for m, n in items]


class PrefixCache:
    """Implicit caching: the longest token prefix shared with an earlier prompt.

    A prompt is a list of segments (system + tools, then one per content). Whole
    segments that equal an earlier prompt's count in full; at the first segment that
    differs, when both hold text only, their common leading text counts too (a
    token per 4 characters, rounded down): so one long text followed by a changing
    question, in the same message, hits the cache on the second call, as Gemini's
    implicit caching (and the AiHubMix guide's example) does.
    """

    def __init__(self, min_tokens: int) -> None:
        self.min_tokens = min_tokens
        self._seen: dict[str, deque[_Prompt]] = {}
        self._lock = threading.Lock()

    def clear(self) -> None:
        """Forget every prefix."""
        with self._lock:
            self._seen.clear()

    def observe(
        self,
        model: str,
        segments: Sequence[tuple[str, int]],
        bodies: Sequence[str | None] | None = None,
    ) -> int:
        """Cached tokens for this prompt (0 under `min_tokens`); then remember it."""
        hashed = [(hashlib.sha256(k.encode()).hexdigest(), n) for k, n in segments]
        prompt = _Prompt(hashed, list(bodies or [None] * len(segments)))
        total = sum(tokens for _, tokens in segments)
        with self._lock:
            earlier = self._seen.setdefault(model, deque(maxlen=_REMEMBERED))
            hit = max((prompt.shared(other) for other in earlier), default=0)
            earlier.append(prompt)
        hit = min(hit, total)
        return hit if hit >= self.min_tokens else 0


class _Prompt:
    """One remembered prompt: segment keys, tokens and text-only bodies."""

    def __init__(
        self, segments: list[tuple[str, int]], bodies: list[str | None]
    ) -> None:
        self.segments = segments
        self.bodies = bodies

    def shared(self, other: _Prompt) -> int:
        """Tokens of the prefix this prompt shares with `other`."""
        tokens = 0
        for n, (key, size) in enumerate(self.segments):
            if n >= len(other.segments):
                return tokens
            if other.segments[n][0] == key:
                tokens += size
                continue
            mine, theirs = self.bodies[n], other.bodies[n]
            if mine is not None and theirs is not None:
                tokens += min(size, _common_prefix(mine, theirs) // 4)
            return tokens
        return tokens


def _common_prefix(a: str, b: str) -> int:
    """Length of the common prefix of `a` and `b` (binary search, C-speed compares)."""
    low, high = 0, min(len(a), len(b))
    while low < high:
        mid = (low + high + 1) // 2
        if a[:mid] == b[:mid]:
            low = mid
        else:
            high = mid - 1
    return low
