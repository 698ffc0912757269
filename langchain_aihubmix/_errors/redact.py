"""The API key scrubbed from what leaves the package: exceptions, HTTP objects, inputs
(langchain-core copies an error's `response.json()` and headers into the errored run;
pydantic's `ValidationError` echoes `api_key=`)."""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from typing import Any

from pydantic import SecretStr, ValidationError
from pydantic_core import ErrorDetails, InitErrorDetails, PydanticCustomError

from langchain_aihubmix._errors.bodies import redact, redact_json

__all__ = ["hide_key_inputs", "redirect_origin", "scrub_exception"]

_MASK = "**********"
_SECRET_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "x-goog-api-key", "api-key", "x-api-key"}
)
"""Request / response headers whose whole value is a credential."""
_BODY_HEADERS = frozenset({"content-encoding", "content-length", "transfer-encoding"})
"""Headers describing the original body's framing, wrong for the redacted copy."""
_KEPT_EXTENSIONS = ("http_version", "reason_phrase")


def _http_types(name: str) -> tuple[type, ...]:
    """`httpx.<name>` / `httpx2.<name>` of the libraries imported so far."""
    return tuple(
        getattr(sys.modules[module], name)
        for module in ("httpx", "httpx2")
        if module in sys.modules
    )


def _headers(headers: Any, secret: str | None) -> list[tuple[str, str]]:
    return [
        (name, "***" if name.lower() in _SECRET_HEADERS else redact(value, secret))
        for name, value in headers.items()
        if name.lower() not in _BODY_HEADERS
    ]


def _safe_request(request: Any, secret: str | None) -> Any:
    """A copy of an httpx / httpx2 request without credentials nor body."""
    return type(request)(
        request.method,
        redact(str(request.url), secret),
        headers=_headers(request.headers, secret),
    )


def _body(response: Any, secret: str | None) -> bytes:
    try:
        raw: bytes = response.content
    except Exception:  # a stream that was never read
        return b""
    text = raw.decode("utf-8", errors="replace")
    try:
        parsed = json.loads(text)
    except ValueError:
        return redact(text, secret).encode()
    # Re-encoded from the parsed value, so a key hidden behind JSON escapes
    # (`\u0073k-...`) goes too.
    return json.dumps(redact_json(parsed, secret), ensure_ascii=False).encode()


def _safe_response(response: Any, secret: str | None, memo: dict[int, Any]) -> Any:
    """A read, redacted copy of an httpx / httpx2 response (and of its request)."""
    try:
        request = response.request
    except RuntimeError:  # httpx: "The request instance has not been set"
        request = None
    kept = response.extensions.items()
    extensions = {k: v for k, v in kept if k in _KEPT_EXTENSIONS}
    return type(response)(
        response.status_code,
        headers=_headers(response.headers, secret),
        content=_body(response, secret),
        request=None if request is None else _scrub_value(request, secret, memo),
        extensions=extensions,
    )


def _scrub_value(value: Any, secret: str | None, memo: dict[int, Any]) -> Any:
    """`value` without the key: strings, containers, HTTP objects, exceptions."""
    if isinstance(value, str):
        return redact(value, secret)
    if isinstance(value, (bytes, bytearray)):
        return _scrub_bytes(bytes(value), secret)
    if isinstance(value, BaseException):
        _scrub_chain(value, secret, memo)
        return value
    if isinstance(value, Mapping):
        return {k: _scrub_value(v, secret, memo) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_scrub_value(v, secret, memo) for v in value)
    responses, requests = _http_types("Response"), _http_types("Request")
    if responses and isinstance(value, responses + requests):
        if id(value) not in memo:
            memo[id(value)] = (
                _safe_response(value, secret, memo)
                if isinstance(value, responses)
                else _safe_request(value, secret)
            )
        return memo[id(value)]
    return value


def _scrub_bytes(data: bytes, secret: str | None) -> bytes:
    """The key masked in bytes, keeping their length (error positions stay true)."""
    if secret and len(secret) >= 4:
        data = data.replace(secret.encode(), b"*" * len(secret.encode()))
    return data


def _scrub_chain(exc: BaseException, secret: str | None, memo: dict[int, Any]) -> None:
    if id(exc) in memo:
        return
    memo[id(exc)] = exc
    exc.args = _scrub_value(exc.args, secret, memo)
    attrs = vars(exc)  # also `__notes__`
    for name, value in list(attrs.items()):
        attrs[name] = _scrub_value(value, secret, memo)
    if isinstance(exc, UnicodeDecodeError):
        exc.object = _scrub_bytes(exc.object, secret)
    for linked in (exc.__cause__, exc.__context__):
        if linked is not None:
            _scrub_chain(linked, secret, memo)


def scrub_exception(exc: BaseException, secret: str | None) -> None:
    """Redact `exc` and its `__cause__` / `__context__` chain in place: strings (args,
    notes, `message`, `JSONDecodeError.doc`...) and parsed bodies lose `secret` (and
    anything shaped like a key); HTTP responses and requests become redacted copies
    without credential headers; `UnicodeDecodeError.object` keeps its length."""
    _scrub_chain(exc, secret, {})


def redirect_origin(response: Any) -> str | None:
    """The origin (`scheme://host[:port]`) a redirect response points to, if any
    (not its path and query: they may hold tokens of their own)."""
    try:
        location = response.headers.get("location")
        if not location:
            return None
        url = response.request.url.join(location)
    except Exception:  # no request, or a Location that is not a URL
        return None
    port = f":{url.port}" if url.port is not None else ""
    return f"{url.scheme}://{url.host}{port}"


def _hidden(value: Any, secret: str | None) -> Any:
    """A validation input with `api_key` masked and keys redacted from strings."""
    if isinstance(value, str):
        return redact(value, secret)
    if isinstance(value, BaseException):  # a validator's error, in `ctx`
        scrub_exception(value, secret)
        return value
    if isinstance(value, Mapping):
        return {
            k: _MASK if k == "api_key" and v is not None else _hidden(v, secret)
            for k, v in value.items()
        }
    if isinstance(value, (list, tuple)):
        return type(value)(_hidden(v, secret) for v in value)
    return value


def _secret_of(data: Mapping[str, Any]) -> str | None:
    key = data.get("api_key")
    if isinstance(key, SecretStr):
        return key.get_secret_value()
    return key if isinstance(key, str) else None


def hide_key_inputs(err: ValidationError, data: Mapping[str, Any]) -> ValidationError:
    """`err` (raised validating the keywords `data`) with the same title, locations,
    types and messages, and `data`'s `api_key` gone from every input."""
    secret = _secret_of(data)
    return ValidationError.from_exception_data(
        err.title, [_detail(line, secret) for line in err.errors()]
    )


def _detail(line: ErrorDetails, secret: str | None) -> InitErrorDetails:
    detail: InitErrorDetails = {
        "type": line["type"],
        "loc": line["loc"],
        "input": _hidden(line["input"], secret),
    }
    if "ctx" in line:
        detail["ctx"] = {k: _hidden(v, secret) for k, v in line["ctx"].items()}
    try:
        ValidationError.from_exception_data("", [detail])
    except KeyError:  # a custom error type: keep its rendered message
        message = redact(line["msg"], secret)
        detail = {**detail, "type": PydanticCustomError(line["type"], message)}
        detail.pop("ctx", None)
    return detail
