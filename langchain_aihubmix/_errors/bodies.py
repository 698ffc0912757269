"""What an error response says: category, message, request id, retry delay; redaction
(pure, no SDK imports: `classify` builds the typed errors from these)."""

from __future__ import annotations

import email.utils
import re
import time
from collections.abc import Mapping
from typing import Any, Literal, TypeAlias

Category: TypeAlias = Literal[
    "authentication",
    "permission",
    "invalid_request",
    "not_found",
    "no_endpoint",
    "rate_limit",
    "free_quota",
    "context_overflow",
    "api",
    "timeout",
    "connection",
]

_STATUS_CATEGORY: Mapping[int, Category] = {
    400: "invalid_request",
    401: "authentication",
    403: "permission",
    404: "not_found",
    413: "invalid_request",
    422: "invalid_request",
    429: "rate_limit",
}
"""HTTP status -> category; other 4xx are invalid requests, the rest API errors."""

_OVERFLOW = re.compile(
    r"input token count.*exceeds the maximum|exceeds the maximum number of tokens"
    r"|context length|context window|context_length_exceeded",
    re.IGNORECASE | re.DOTALL,
)
_MODEL_MISSING = re.compile(r"\bmodels?\b|model_not_found", re.IGNORECASE)
"""A 404 that names a model: Google's "models/x is not found", `model_not_found`."""
_NO_ROUTE = re.compile(r"invalid url|page not found|no route|cannot (?:post|get)", re.I)
"""A 404 about the path: the gateway's "Invalid URL (POST /x)", Go's and Express's."""
_FREE = re.compile(r"free.?models?|免费模型", re.I)
_LIMITS = (
    ("trial", re.compile(r"tries|trial|recharge|top.?up|充值|试用", re.I)),
    ("day", re.compile(r"per day|daily|\bRPD\b|/day|每天|每日|今日|1440\s*分钟", re.I)),
    ("minute", re.compile(r"per minute|\bRPM\b|/min|每分钟|\d+\s*分钟", re.I)),
)
"""A free model's limits as gateways word them (new-api: "1分钟内最多请求5次")."""
FREE_LIMITS = {
    "minute": "requests per minute",
    "day": "requests per day",
    "trial": "the tries of an account never topped up",
}
_BAD_KEY = re.compile(r"api key not valid|invalid api key|incorrect api key", re.I)
_MESSAGE_ID = re.compile(r"\((?:request id|tid):\s*([^)\s]+)\s*\)", re.IGNORECASE)
_RETRY_IN = re.compile(r"retry in\s+(\d+(?:\.\d+)?)\s*(ms|s)\b", re.IGNORECASE)
_KEYS = re.compile(r"\b(?:sk-[A-Za-z0-9_\-]{6,}|AIza[0-9A-Za-z_\-]{20,})")
_BEARER = re.compile(r"(Bearer\s+)[^\s\"',]+", re.IGNORECASE)
_REDACTED = "***"


def redact(text: str, secret: str | None = None) -> str:
    """`text` with `secret` (the configured key), `sk-…` / `AIza…` tokens and
    bearer tokens masked."""
    if secret and len(secret) >= 4:
        text = text.replace(secret, _REDACTED)
    text = _KEYS.sub(lambda m: m.group(0)[:3] + _REDACTED, text)
    return _BEARER.sub(lambda m: m.group(1) + _REDACTED, text)


def redact_json(value: Any, secret: str | None) -> Any:
    """`redact` applied to every string of a parsed JSON value."""
    if isinstance(value, str):
        return redact(value, secret)
    if isinstance(value, Mapping):
        return {k: redact_json(v, secret) for k, v in value.items()}
    if isinstance(value, list):
        return [redact_json(v, secret) for v in value]
    return value


def error_object(body: Any) -> Mapping[str, Any] | None:
    """The `error` object of a google.rpc.Status or AiHubMix envelope (or the body)."""
    if isinstance(body, list) and len(body) == 1:
        body = body[0]
    if not isinstance(body, Mapping):
        return None
    inner = body.get("error")
    return inner if isinstance(inner, Mapping) else body


MALFORMED_STATUS = 502
"""Status of the typed error for a 2xx reply that is no valid answer ("bad gateway");
retried only with `retry_billable` (the gateway answered: it may have billed)."""

_GOOGLE_CODES = (
    "400 INVALID_ARGUMENT FAILED_PRECONDITION OUT_OF_RANGE; 401 UNAUTHENTICATED; "
    "403 PERMISSION_DENIED; 404 NOT_FOUND; 409 ALREADY_EXISTS ABORTED; 499 CANCELLED; "
    "429 RESOURCE_EXHAUSTED; 500 UNKNOWN INTERNAL DATA_LOSS; 501 UNIMPLEMENTED; "
    "503 UNAVAILABLE; 504 DEADLINE_EXCEEDED"
)
_GOOGLE_STATUS: Mapping[str, int] = {
    name: int(code)
    for code, *names in map(str.split, _GOOGLE_CODES.split(";"))
    for name in names
}
"""google.rpc.Code names (Google's `error.status`) -> HTTP status."""

_WORD_STATUS: tuple[tuple[re.Pattern[str], int], ...] = (
    (re.compile(r"quota|rate.?limit|too.?many|exhausted", re.I), 429),
    (re.compile(r"auth|api.?key|unauthori|credential", re.I), 401),
    (re.compile(r"permission|forbidden|denied|balance", re.I), 403),
    (re.compile(r"not.?found|no.?such|does.?not.?exist", re.I), 404),
    (re.compile(r"invalid|bad.?request|unsupported|param", re.I), 400),
)
"""OpenAI-style `type` / `code` words (AiHubMix's `{message, type, param, code}`)
-> HTTP status; anything else is a server error (500)."""


def envelope_status(inner: Any) -> int:
    """The HTTP status an error object sent with a 2xx stands for: Google's numeric
    `code`, else its `status` name, else the words of an OpenAI-style `type` /
    `code`; 500 when none says anything."""
    if not isinstance(inner, Mapping):
        return 500
    code = inner.get("code")
    if isinstance(code, str) and code.isdigit():
        code = int(code)
    if isinstance(code, int) and 400 <= code < 600:
        return code
    status = inner.get("status")
    if isinstance(status, str) and status.upper() in _GOOGLE_STATUS:
        return _GOOGLE_STATUS[status.upper()]
    words = " ".join(str(inner.get(k) or "") for k in ("type", "code", "status"))
    for pattern, found in _WORD_STATUS:
        if pattern.search(words):
            return found
    return 500


def _details(inner: Mapping[str, Any] | None) -> list[Mapping[str, Any]]:
    details = (inner or {}).get("details")
    details = details if isinstance(details, list) else []
    return [d for d in details if isinstance(d, Mapping)]


def header(response: Any, name: str) -> str | None:
    """A response header, or None (also when there is no usable response)."""
    try:
        value = response.headers.get(name)
    except Exception:  # no response, or an exotic one
        return None
    return str(value) if value else None


_REQUEST_ID_HEADERS = ("x-request-id", "x-oneapi-request-id", "request-id")
"""Where gateways put the request id (new-api / one-api: `X-Oneapi-Request-Id`)."""


def request_id(response: Any, message: str) -> str | None:
    """The `X-Request-Id` (or similar) header, else `(request id: …)` / `(tid: …)`
    in the text."""
    found = next(
        (v for name in _REQUEST_ID_HEADERS if (v := header(response, name))), None
    )
    if found is None and (match := _MESSAGE_ID.search(message)):
        found = match.group(1)
    return found


def _duration(value: Any) -> float | None:
    """Parse a protobuf Duration ("34.4s", or {"seconds", "nanos"})."""
    if isinstance(value, str) and value.endswith("s"):
        try:
            return float(value[:-1])
        except ValueError:
            return None
    if isinstance(value, Mapping):
        return float(value.get("seconds", 0)) + float(value.get("nanos", 0)) / 1e9
    return None


def retry_after(
    inner: Mapping[str, Any] | None, response: Any, message: str
) -> float | None:
    """Server delay: RetryInfo, then the `Retry-After` header, then the text."""
    for detail in _details(inner):
        delay = _duration(detail.get("retryDelay"))
        if str(detail.get("@type", "")).endswith("RetryInfo") and delay is not None:
            return delay
    if (value := header(response, "retry-after")) is not None:
        try:
            return max(0.0, float(value))
        except ValueError:
            date = email.utils.parsedate_to_datetime(value) if value else None
            if date is not None and date.tzinfo is not None:
                return max(0.0, date.timestamp() - time.time())
    if match := _RETRY_IN.search(message):
        seconds = float(match.group(1))
        return seconds / 1000 if match.group(2).lower() == "ms" else seconds
    return None


def _names_a_model(inner: Mapping[str, Any] | None, message: str) -> bool:
    """Whether a 404 body is about an unknown model (else: an unknown path)."""
    if _NO_ROUTE.search(message):
        return False  # its echoed path may contain `models/...`
    code = str((inner or {}).get("code", ""))
    return bool(_MODEL_MISSING.search(message) or _MODEL_MISSING.search(code))


def quota_limit(message: str) -> str | None:
    """Which `FREE_LIMITS` key a quota message names, if any."""
    return next((name for name, words in _LIMITS if words.search(message)), None)


def category(
    status: int, inner: Mapping[str, Any] | None, message: str, model: str = ""
) -> Category:
    """HTTP status (plus the body, for 400s and 404s) -> category: a 404 is
    `not_found` (a model) only when its body names a model, else `no_endpoint` (a
    wrong path); a 429 of a `-free` model (or naming free models), or its 403
    naming a limit, is `free_quota`."""
    free = model.lower().endswith("-free") or _FREE.search(message)
    if free and (status == 429 or (status == 403 and quota_limit(message))):
        return "free_quota"
    if status in (400, 413) and _OVERFLOW.search(message):
        return "context_overflow"
    if status == 400:
        reasons = {detail.get("reason") for detail in _details(inner)}
        if "API_KEY_INVALID" in reasons or _BAD_KEY.search(message):
            return "authentication"
    if status == 404 and not _names_a_model(inner, message):
        return "no_endpoint"  # a path the gateway does not serve, not a model
    if status in _STATUS_CATEGORY:
        return _STATUS_CATEGORY[status]
    return "invalid_request" if 400 <= status < 500 else "api"
