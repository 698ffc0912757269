"""The API key kept out of the HTTP libraries' own debug logs (httpcore traces raw
headers before this package sees them: a gateway echoing the key would have it
logged); a filter on those loggers masks every key of this process's models."""

from __future__ import annotations

import logging
import threading

from langchain_aihubmix._errors.bodies import redact

_LOGGERS = (
    *(
        f"{lib}.{part}"
        for lib in ("httpcore", "httpcore2")
        for part in ("http11", "http2", "connection", "proxy", "socks")
    ),
    *("httpx", "httpx2", "openai", "openai._base_client", "google_genai._api_client"),
)
"""Loggers that may print raw HTTP traffic (a logger's filters do not apply to its
children, so each module's logger is named)."""

_secrets: set[str] = set()
_lock = threading.Lock()
_installed = False


class _MaskKeys(logging.Filter):
    """Rewrites a record whose text holds a known key; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        clean = text
        for secret in tuple(_secrets):
            clean = redact(clean, secret)
        if clean != text:
            record.msg, record.args = clean, ()
        return True


def guard_logs(secret: str) -> None:
    """Mask `secret` (an API key) in what the HTTP libraries log from now on."""
    global _installed  # noqa: PLW0603 - one filter for the process
    with _lock:
        _secrets.add(secret)
        if not _installed:
            mask = _MaskKeys()
            for name in _LOGGERS:
                logging.getLogger(name).addFilter(mask)
            _installed = True
