"""Thought signatures: minted as HMAC-tagged base64, verified on replay."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import itertools
import threading

SENTINELS = frozenset(
    {"skip_thought_signature_validator", "context_engineering_is_the_way_to_go"}
)
# Leading bytes chosen so every signature contains "/" and "+" in standard base64
# ("Evv/++++..."), like Google's, which forces clients to keep the exact alphabet.
_MAGIC = b"\x12\xfb\xff\xfb\xef\xbe"
_MAC_LEN = 16


class Signer:
    """Mints signatures over `model|label|counter` and recognises its own."""

    def __init__(self, secret: bytes = b"aihubmix-emulator") -> None:
        self._secret = secret
        self._counter = itertools.count(1)
        self._lock = threading.Lock()

    def reset(self) -> None:
        """Restart the counter (signatures minted earlier stay valid)."""
        with self._lock:
            self._counter = itertools.count(1)

    def mint(self, model: str, label: str) -> str:
        """A new standard-base64 signature for `label` (a call name, "text", ...)."""
        with self._lock:
            n = next(self._counter)
        payload = f"{model}|{label}|{n}".encode()
        return base64.b64encode(_MAGIC + payload + self._mac(payload)).decode()

    def is_valid(self, signature: object) -> bool:
        """True for a sentinel or a signature minted here (either b64 alphabet)."""
        if not isinstance(signature, str) or not signature:
            return False
        if signature in SENTINELS:
            return True
        raw = _decode(signature)
        if (
            raw is None
            or not raw.startswith(_MAGIC)
            or len(raw) <= len(_MAGIC) + _MAC_LEN
        ):
            return False
        payload, mac = raw[len(_MAGIC) : -_MAC_LEN], raw[-_MAC_LEN:]
        return hmac.compare_digest(mac, self._mac(payload))

    def _mac(self, payload: bytes) -> bytes:
        return hmac.new(self._secret, payload, hashlib.sha256).digest()[:_MAC_LEN]


def _decode(text: str) -> bytes | None:
    """Decode standard or URL-safe base64, with or without padding."""
    padded = text + "=" * (-len(text) % 4)
    try:
        if "-" in text or "_" in text:
            return base64.urlsafe_b64decode(padded)
        return base64.b64decode(padded, validate=True)
    except (binascii.Error, ValueError):
        return None
