"""Typed errors for both routes, and `raise_classified`, which maps SDK errors."""

# Each class joins two independent hierarchies (an SDK's errors and langchain-core's),
# whose attribute annotations differ (`message: str | None` in google-genai,
# `status_code: Literal[429]` in openai, ...); mypy reports every such pair as `misc`.
# mypy: disable-error-code="misc"
from __future__ import annotations

import asyncio
import email.utils
import re
import time
from collections.abc import Mapping
from typing import Any, Literal, NoReturn, TypeAlias

import httpx
import httpx2
import openai
from google.genai import errors as genai_errors
from langchain_core.exceptions import (
    ContextOverflowError,
    ModelAPIError,
    ModelAuthenticationError,
    ModelConnectionError,
    ModelError,
    ModelInvalidRequestError,
    ModelNotFoundError,
    ModelPermissionDeniedError,
    ModelRateLimitError,
    ModelTimeoutError,
)

from langchain_aihubmix._input_errors import InvalidInputError, MediaTooLargeError

__all__ = [
    "AiHubMixError",
    "InvalidInputError",
    "MediaTooLargeError",
    "NativeAPIError",
    "NativeAuthenticationError",
    "NativeConnectionError",
    "NativeContextOverflowError",
    "NativeInvalidRequestError",
    "NativeNotFoundError",
    "NativePermissionDeniedError",
    "NativeRateLimitError",
    "NativeTimeoutError",
    "OpenAIAPIError",
    "OpenAIAuthenticationError",
    "OpenAIConnectionError",
    "OpenAIContextOverflowError",
    "OpenAIInvalidRequestError",
    "OpenAINotFoundError",
    "OpenAIPermissionDeniedError",
    "OpenAIRateLimitError",
    "OpenAITimeoutError",
    "raise_classified",
    "redact",
]

Route: TypeAlias = Literal["native", "openai"]
Category: TypeAlias = Literal[
    "authentication",
    "permission",
    "invalid_request",
    "not_found",
    "rate_limit",
    "context_overflow",
    "api",
    "timeout",
    "connection",
]

_TRANSPORT_ATTRS = frozenset({"response", "request", "_request"})


class AiHubMixError(ModelError):
    """Base of every error this package raises for a failed call, on either route.

    Each concrete class is also the SDK's own error type (`google.genai.errors.*`,
    `openai.*`, or `httpx`/`httpx2` for native network failures) and the matching
    langchain-core `Model*Error`, so `except` clauses written for any of the three
    keep working.

    Attributes:
        message: The server's message (secrets redacted).
        status_code: The HTTP status, or None for timeouts and connection failures.
        request_id: From the `X-Request-Id` header, else `(request id: …)` or
            `(tid: …)` in the message, else None.
        retry_after: Seconds the server asked us to wait (RetryInfo, `Retry-After`
            or "Please retry in 45.5s"), else None.
        body: The parsed JSON response body (the whole envelope), or None.

    Example:
        ```python
        try:
            model.invoke("hi")
        except AiHubMixError as err:
            print(err.status_code, err.request_id, err)
        ```
    """

    message: str
    status_code: int | None
    request_id: str | None
    retry_after: float | None
    body: Any

    def __init__(
        self,
        message: str = "",
        *,
        status_code: int | None = None,
        request_id: str | None = None,
        retry_after: float | None = None,
        body: Any = None,
        response: Any = None,
        request: Any = None,
    ) -> None:
        """Build the error; SDK-specific attributes are filled in as well.

        Args:
            message: The server's message, already redacted.
            status_code: HTTP status, None for network failures.
            request_id: The gateway's request id, if known.
            retry_after: Server-requested delay in seconds, if any.
            body: Parsed JSON body of the error response.
            response: The HTTP response (httpx/httpx2), if any.
            request: The HTTP request, if known (network failures).
        """
        self.message = message
        self.status_code = status_code
        self.request_id = request_id
        self.retry_after = retry_after
        self.body = body
        _fill_sdk_attrs(self, response, request)
        BaseException.__init__(self, self._render())

    def _render(self) -> str:
        parts = [str(self.status_code)] if self.status_code is not None else []
        parts.append(self.message)
        if self.request_id and self.request_id not in self.message:
            parts.append(f"(request id: {self.request_id})")
        return " ".join(parts)

    def __str__(self) -> str:
        return self._render()

    def __reduce__(self) -> Any:
        state = {k: v for k, v in vars(self).items() if k not in _TRANSPORT_ATTRS}
        return (_rebuild, (type(self), state))


def _rebuild(cls: type[AiHubMixError], state: dict[str, Any]) -> AiHubMixError:
    """Unpickle without the HTTP objects (a Celery worker cannot ship them)."""
    err = cls.__new__(cls)
    err.__dict__.update(state)
    _fill_sdk_attrs(err, None, None)
    BaseException.__init__(err, err._render())
    return err


def _fill_sdk_attrs(err: AiHubMixError, response: Any, request: Any) -> None:
    """Set the attributes the SDK base class's own `__init__` would have set."""
    inner = _error_obj(err.body)
    if isinstance(err, genai_errors.APIError):
        err.code = err.status_code or 0
        err.status = inner.get("status") if inner else None
        err.details = err.body
        err.response = response
    elif isinstance(err, openai.APIError):
        err.request = getattr(response, "request", None) or request
        code = inner.get("code") if inner else None
        err.code = None if code is None else str(code)
        err.param = inner.get("param") if inner else None
        err.type = inner.get("type") if inner else None
        if isinstance(err, openai.APIStatusError):
            err.response = response
    else:  # httpx / httpx2 RequestError keep the request here
        err.__dict__["_request"] = request


class _NativeStatus(AiHubMixError, genai_errors.ClientError):
    """Native-route HTTP 4xx (internal base)."""


class NativeAuthenticationError(_NativeStatus, ModelAuthenticationError):
    """Native route: bad or missing key (401, or Google's 400 API_KEY_INVALID)."""


class NativePermissionDeniedError(_NativeStatus, ModelPermissionDeniedError):
    """Native route: 403 (also AiHubMix's "balance insufficient")."""


class NativeInvalidRequestError(_NativeStatus, ModelInvalidRequestError):
    """Native route: the request was rejected (400, 422 and other 4xx)."""


class NativeNotFoundError(_NativeStatus, ModelNotFoundError):
    """Native route: unknown model or path (404)."""


class NativeRateLimitError(_NativeStatus, ModelRateLimitError):
    """Native route: quota or rate limit (429); see `retry_after`."""


class NativeContextOverflowError(_NativeStatus, ContextOverflowError):
    """Native route: the input exceeds the model's context window (400)."""


class NativeAPIError(AiHubMixError, genai_errors.ServerError, ModelAPIError):
    """Native route: server or gateway failure (5xx)."""


class NativeTimeoutError(
    AiHubMixError,
    httpx2.TimeoutException,
    httpx.TimeoutException,
    ModelTimeoutError,
    TimeoutError,
):
    """Native route: the request timed out (also a builtin `TimeoutError`)."""


class NativeConnectionError(
    AiHubMixError, httpx2.TransportError, httpx.TransportError, ModelConnectionError
):
    """Native route: connect failure, or the connection broke mid-response."""


class OpenAIAuthenticationError(
    AiHubMixError, openai.AuthenticationError, ModelAuthenticationError
):
    """OpenAI route: bad or missing key (401)."""


class OpenAIPermissionDeniedError(
    AiHubMixError, openai.PermissionDeniedError, ModelPermissionDeniedError
):
    """OpenAI route: 403 (also AiHubMix's "balance insufficient")."""


class OpenAIInvalidRequestError(
    AiHubMixError, openai.BadRequestError, ModelInvalidRequestError
):
    """OpenAI route: the request was rejected (400, 422 and other 4xx)."""


class OpenAINotFoundError(AiHubMixError, openai.NotFoundError, ModelNotFoundError):
    """OpenAI route: unknown model or path (404)."""


class OpenAIRateLimitError(AiHubMixError, openai.RateLimitError, ModelRateLimitError):
    """OpenAI route: quota or rate limit (429); see `retry_after`."""


class OpenAIContextOverflowError(
    AiHubMixError, openai.BadRequestError, ContextOverflowError
):
    """OpenAI route: the input exceeds the model's context window (400)."""


class OpenAIAPIError(AiHubMixError, openai.InternalServerError, ModelAPIError):
    """OpenAI route: server or gateway failure (5xx)."""


class OpenAITimeoutError(
    AiHubMixError, openai.APITimeoutError, ModelTimeoutError, TimeoutError
):
    """OpenAI route: the request timed out (also a builtin `TimeoutError`)."""


class OpenAIConnectionError(
    AiHubMixError, openai.APIConnectionError, ModelConnectionError
):
    """OpenAI route: connect failure, or the connection broke mid-response."""


_CLASSES: Mapping[Category, tuple[type[AiHubMixError], type[AiHubMixError]]] = {
    "authentication": (NativeAuthenticationError, OpenAIAuthenticationError),
    "permission": (NativePermissionDeniedError, OpenAIPermissionDeniedError),
    "invalid_request": (NativeInvalidRequestError, OpenAIInvalidRequestError),
    "not_found": (NativeNotFoundError, OpenAINotFoundError),
    "rate_limit": (NativeRateLimitError, OpenAIRateLimitError),
    "context_overflow": (NativeContextOverflowError, OpenAIContextOverflowError),
    "api": (NativeAPIError, OpenAIAPIError),
    "timeout": (NativeTimeoutError, OpenAITimeoutError),
    "connection": (NativeConnectionError, OpenAIConnectionError),
}
"""Category -> (native class, openai class): the whole family in one table."""


def _class_for(route: Route, category: Category) -> type[AiHubMixError]:
    native, openai_cls = _CLASSES[category]
    return native if route == "native" else openai_cls


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

_TIMEOUTS: tuple[type[BaseException], ...] = (
    httpx.TimeoutException,
    httpx2.TimeoutException,
    openai.APITimeoutError,
    TimeoutError,
    asyncio.TimeoutError,  # distinct from TimeoutError before Python 3.11
)
_CONNECTION_FAILURES: tuple[type[BaseException], ...] = (
    httpx.NetworkError,  # ConnectError, ReadError (a stream cut mid-way), ...
    httpx.RemoteProtocolError,
    httpx.ProxyError,
    httpx2.NetworkError,
    httpx2.RemoteProtocolError,
    httpx2.ProxyError,
    openai.APIConnectionError,
    ConnectionError,
)

_OVERFLOW = re.compile(
    r"input token count.*exceeds the maximum|exceeds the maximum number of tokens"
    r"|context length|context window|context_length_exceeded",
    re.IGNORECASE | re.DOTALL,
)
_BAD_KEY = re.compile(r"api key not valid|invalid api key|incorrect api key", re.I)
_MESSAGE_ID = re.compile(r"\((?:request id|tid):\s*([^)\s]+)\s*\)", re.IGNORECASE)
_RETRY_IN = re.compile(r"retry in\s+(\d+(?:\.\d+)?)\s*(ms|s)\b", re.IGNORECASE)
_KEYS = re.compile(r"\b(?:sk-[A-Za-z0-9_\-]{6,}|AIza[0-9A-Za-z_\-]{20,})")
_BEARER = re.compile(r"(Bearer\s+)[^\s\"',]+", re.IGNORECASE)
_REDACTED = "***"


def redact(text: str, secret: str | None = None) -> str:
    """Remove API keys from `text`.

    Args:
        text: Any text that may echo a key (messages, bodies).
        secret: The configured key, redacted wherever it appears.

    Returns:
        The text with `sk-…` / `AIza…` tokens, bearer tokens and `secret` masked.
    """
    if secret and len(secret) >= 4:
        text = text.replace(secret, _REDACTED)
    text = _KEYS.sub(lambda m: m.group(0)[:3] + _REDACTED, text)
    return _BEARER.sub(lambda m: m.group(1) + _REDACTED, text)


def _redact_json(value: Any, secret: str | None) -> Any:
    if isinstance(value, str):
        return redact(value, secret)
    if isinstance(value, Mapping):
        return {k: _redact_json(v, secret) for k, v in value.items()}
    if isinstance(value, list):
        return [_redact_json(v, secret) for v in value]
    return value


def _error_obj(body: Any) -> Mapping[str, Any] | None:
    """The `error` object of a google.rpc.Status or AiHubMix envelope (or the body)."""
    if isinstance(body, list) and len(body) == 1:
        body = body[0]
    if not isinstance(body, Mapping):
        return None
    inner = body.get("error")
    return inner if isinstance(inner, Mapping) else body


def _details(inner: Mapping[str, Any] | None) -> list[Mapping[str, Any]]:
    details = (inner or {}).get("details")
    return (
        [d for d in details if isinstance(d, Mapping)]
        if isinstance(details, list)
        else []
    )


def _header(response: Any, name: str) -> str | None:
    try:
        value = response.headers.get(name)
    except Exception:  # no response, or an exotic one
        return None
    return str(value) if value else None


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


def _retry_after(
    inner: Mapping[str, Any] | None, response: Any, message: str
) -> float | None:
    """Server delay: RetryInfo, then the `Retry-After` header, then the text."""
    for detail in _details(inner):
        delay = _duration(detail.get("retryDelay"))
        if str(detail.get("@type", "")).endswith("RetryInfo") and delay is not None:
            return delay
    if (header := _header(response, "retry-after")) is not None:
        try:
            return max(0.0, float(header))
        except ValueError:
            date = email.utils.parsedate_to_datetime(header) if header else None
            if date is not None and date.tzinfo is not None:
                return max(0.0, date.timestamp() - time.time())
    if match := _RETRY_IN.search(message):
        seconds = float(match.group(1))
        return seconds / 1000 if match.group(2).lower() == "ms" else seconds
    return None


def _category(status: int, inner: Mapping[str, Any] | None, message: str) -> Category:
    """HTTP status (plus the body, for 400s) -> category."""
    if status in (400, 413) and _OVERFLOW.search(message):
        return "context_overflow"
    if status == 400:
        reasons = {detail.get("reason") for detail in _details(inner)}
        if "API_KEY_INVALID" in reasons or _BAD_KEY.search(message):
            return "authentication"
    if status in _STATUS_CATEGORY:
        return _STATUS_CATEGORY[status]
    return "invalid_request" if 400 <= status < 500 else "api"


def _from_status(
    route: Route,
    *,
    status: int,
    body: Any,
    response: Any,
    fallback: str,
    secret: str | None,
) -> AiHubMixError:
    body = _redact_json(body, secret)
    inner = _error_obj(body)
    raw = inner.get("message") if inner else (body if isinstance(body, str) else None)
    message = redact(str(raw or fallback or f"HTTP {status}"), secret)
    request_id = _header(response, "x-request-id")
    if request_id is None and (match := _MESSAGE_ID.search(message)):
        request_id = match.group(1)
    cls = _class_for(route, _category(status, inner, message))
    return cls(
        message,
        status_code=status,
        request_id=request_id,
        retry_after=_retry_after(inner, response, message),
        body=body,
        response=response,
    )


def _request_of(exc: BaseException) -> Any:
    try:
        return getattr(exc, "request", None)
    except RuntimeError:  # httpx: "The .request property has not been set."
        return None


def _from_network(
    route: Route, exc: BaseException, secret: str | None
) -> AiHubMixError:
    category: Category = "timeout" if isinstance(exc, _TIMEOUTS) else "connection"
    default = "Request timed out." if category == "timeout" else "Connection error."
    text = redact(str(exc), secret)
    detail = f" ({type(exc).__name__}: {text})" if text and text != default else ""
    message = default + detail
    return _class_for(route, category)(message, request=_request_of(exc))


def _openai_body(exc: openai.APIStatusError) -> Any:
    """The whole JSON body (the SDK keeps only its `error` object)."""
    try:
        return exc.response.json()
    except Exception:  # not read (stream) or not JSON
        return exc.body


def _redact_cause(exc: BaseException, secret: str | None) -> None:
    """Redact the original too: tracebacks print the `__cause__`."""
    exc.args = tuple(redact(a, secret) if isinstance(a, str) else a for a in exc.args)
    for name in ("message", "details", "body"):
        if name in vars(exc):
            setattr(exc, name, _redact_json(vars(exc)[name], secret))


def _classify(
    exc: BaseException, route: Route, secret: str | None
) -> AiHubMixError | None:
    if isinstance(exc, genai_errors.APIError):
        code = exc.code if isinstance(exc.code, int) else 0
        if exc.response is None and not 400 <= code < 600:
            return _from_network("native", exc, secret)
        return _from_status(
            "native",
            status=code,
            body=exc.details,
            response=exc.response,
            fallback=exc.status or "",
            secret=secret,
        )
    if isinstance(exc, openai.APIStatusError):
        return _from_status(
            "openai",
            status=exc.status_code,
            body=_openai_body(exc),
            response=exc.response,
            fallback=exc.message,
            secret=secret,
        )
    if isinstance(exc, openai.APIConnectionError):
        return _from_network("openai", exc, secret)
    if isinstance(exc, _TIMEOUTS + _CONNECTION_FAILURES):
        return _from_network(route, exc, secret)
    return None


def raise_classified(
    exc: BaseException, *, route: Route, secret: str | None = None
) -> NoReturn:
    """Re-raise any failure of an SDK call as this package's typed error.

    SDK status errors map by their own type (google-genai -> `Native*`, openai ->
    `OpenAI*`); raw `httpx`/`httpx2`/builtin timeouts and connection failures map to
    `route`'s family. Already-classified errors and unrelated exceptions are
    re-raised unchanged.

    Args:
        exc: The exception caught around the SDK call or stream iteration.
        route: Which family network failures belong to.
        secret: The configured API key, redacted from every message.

    Raises:
        AiHubMixError: The classified error, `from exc`.
    """
    if isinstance(exc, AiHubMixError):
        raise exc
    classified = _classify(exc, route, secret)
    if classified is None:
        raise exc
    _redact_cause(exc, secret)
    raise classified from exc
