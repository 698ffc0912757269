"""Token arithmetic like Gemini's, and the implicit prefix cache."""

from __future__ import annotations

import hashlib
import math
import threading
from collections.abc import Iterable, Sequence

MEDIA_TOKENS = 258
IMAGE_OUTPUT_TOKENS = 1290
_CACHE_LIMIT = 50_000


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

    def add_segment(self, key: str, texts: Iterable[str], media: Iterable[str]) -> None:
        """Add one content: its canonical key, texts and media MIME types."""
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

    @property
    def total(self) -> int:
        """Prompt tokens (at least 1)."""
        return max(1, sum(self.by_modality.values()))

    def details(self) -> list[dict[str, object]]:
        """`promptTokensDetails` entries."""
        items = self.by_modality.items() or [("TEXT", 1)]
        return [{"modality": m, "tokenCount": n} for m, n in items]


class PrefixCache:
    """Implicit caching: remembered prompt prefixes per model, per content."""

    def __init__(self, min_tokens: int) -> None:
        self.min_tokens = min_tokens
        self._seen: dict[str, int] = {}
        self._lock = threading.Lock()

    def clear(self) -> None:
        """Forget every prefix."""
        with self._lock:
            self._seen.clear()

    def observe(self, model: str, segments: Sequence[tuple[str, int]]) -> int:
        """Cached tokens for this prompt; then remember its prefixes.

        `segments[0]` is the system instruction + tools, the rest one per content.
        A hit is the longest remembered prefix (whole prompt or all but the last
        content of an earlier request) of at least `min_tokens` tokens.
        """
        digest = hashlib.sha256(model.encode())
        keys: list[tuple[str, int]] = []
        running = 0
        for key, tokens in segments:
            digest.update(len(key).to_bytes(8, "big") + key.encode())
            running += tokens
            keys.append((digest.copy().hexdigest(), running))
        with self._lock:
            hit = 0
            for key, tokens in reversed(keys):
                if key in self._seen and tokens >= self.min_tokens:
                    hit = tokens
                    break
            if len(self._seen) > _CACHE_LIMIT:
                self._seen.clear()
            for key, tokens in keys[-2:] if len(keys) > 1 else keys:
                self._seen[key] = tokens
        return hit
