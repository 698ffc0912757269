"""SDK and network failures mapped to this package's typed errors (`raise_classified`);
each route's family is imported on first use (never the other route's SDK)."""

from __future__ import annotations

import difflib
import importlib
import json
import re
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, NoReturn

from langchain_aihubmix._errors.base import AiHubMixError
from langchain_aihubmix._errors.bodies import (
    FREE_LIMITS,
    MALFORMED_STATUS,
    Category,
    category,
    envelope_status,
    error_object,
    quota_limit,
    redact,
    redact_json,
    request_id,
    retry_after,
)
from langchain_aihubmix._errors.redact import redirect_origin, scrub_exception
from langchain_aihubmix.profiles import Transport

if TYPE_CHECKING:
    import openai

__all__ = ["FAMILY_MODULES", "raise_classified", "reply_error"]

FAMILY_MODULES: Mapping[Transport, str] = {
    "native": "langchain_aihubmix._errors.native",
    "openai": "langchain_aihubmix._errors.openai",
}
"""Transport -> the module of its error family (imported on first use)."""

_PATH_HINT = (
    " [the gateway has no such endpoint: base_url must be the gateway root, "
    "e.g. https://aihubmix.com]"
)
"""Added to the message of a 404 that is not about a model (a wrong path)."""


def _nearest_models(message: str) -> str:
    """` Known ids near it: ...` for the Gemini id a not-found message names."""
    from langchain_aihubmix.snapshot import SNAPSHOT

    named = re.search(r"gemini-[\w.-]+", message, re.IGNORECASE)
    known = [m.id for m in SNAPSHOT if not m.retired]
    near = difflib.get_close_matches(named.group().lower(), known, 3) if named else []
    return f" Known ids near it: {', '.join(near)}." if near else ""


def _family(route: Transport) -> Mapping[Category, type[AiHubMixError]]:
    """The route's `CLASSES` table (category -> class); imports its SDK on first use."""
    module = importlib.import_module(FAMILY_MODULES[route])
    classes: Mapping[Category, type[AiHubMixError]] = module.CLASSES
    return classes


def _network_failures() -> tuple[
    tuple[type[BaseException], ...], tuple[type[BaseException], ...]
]:
    """(timeouts, connection failures) of the HTTP libraries imported so far (an
    exception can only be theirs if they were: none is imported here)."""
    timeouts: list[type[BaseException]] = [TimeoutError]
    failures: list[type[BaseException]] = [ConnectionError]
    if "httpx2" in sys.modules:
        import httpx2

        timeouts.append(httpx2.TimeoutException)
        # NetworkError: ConnectError, ReadError (a stream cut mid-way), ...
        failures += [httpx2.NetworkError, httpx2.RemoteProtocolError, httpx2.ProxyError]
    if "openai" in sys.modules:
        import openai

        timeouts.append(openai.APITimeoutError)
        failures.append(openai.APIConnectionError)
    return tuple(timeouts), tuple(failures)


def _from_status(
    route: Transport,
    status: int,
    body: Any,
    response: Any,
    fallback: str,
    *,
    secret: str | None,
    model: str = "",
) -> AiHubMixError:
    body = redact_json(body, secret)
    inner = error_object(body)
    raw = inner.get("message") if inner else (body if isinstance(body, str) else None)
    message = redact(str(raw or fallback or f"HTTP {status}"), secret)
    if 300 <= status < 400:  # redirects are never followed: see `_redirect`
        message = _redirect(status, response)
    kind = category(status, inner, message, model)
    if kind == "no_endpoint":
        message += _PATH_HINT
    elif kind == "free_quota":
        limit = FREE_LIMITS.get(quota_limit(message) or "", "limit not named")
        message = f"{model or 'Free model'} quota used up ({limit}): {message}"
    elif kind == "not_found":
        message += _nearest_models(message)
    cls = _family(route)[kind]
    return cls(
        message,
        status_code=status,
        request_id=request_id(response, message),
        retry_after=retry_after(inner, response, message),
        body=body,
        response=response,
    )


def reply_error(
    route: Transport,
    *,
    status: int,
    message: str,
    body: Any,
    response: Any,
    secret: str | None,
) -> AiHubMixError:
    """The typed error (not raised) of `route`'s family for a reply that is no answer
    (`reply_checks`): `status` its error envelope's (`body`), or 502 (malformed),
    `response` for the request id, `secret` redacted from message and body."""
    return _from_status(route, status, body, response, message, secret=secret)


def _decoding_failures() -> tuple[type[BaseException], ...]:
    """Errors that mean "the reply could not be decoded", of the libraries loaded."""
    found: list[type[BaseException]] = [json.JSONDecodeError, UnicodeDecodeError]
    if "httpx2" in sys.modules:
        import httpx2

        found.append(httpx2.DecodingError)
    if "google.genai.errors" in sys.modules:
        from google.genai import errors as genai_errors

        found.append(genai_errors.UnknownApiResponseError)
    if "openai" in sys.modules:
        import openai

        found.append(openai.APIError)  # status and connection errors are mapped first
    return tuple(found)


def _undecodable(
    exc: BaseException, route: Transport, secret: str | None
) -> AiHubMixError | None:
    """A reply the SDK could not decode (a backstop: `reply_guard` checks first)."""
    if not isinstance(exc, _decoding_failures()):
        return None
    response = getattr(exc, "response", None)
    inner = getattr(exc, "body", None)  # openai's stream `APIError`: the error
    if isinstance(inner, Mapping) and inner:
        message = str(inner.get("message") or "The gateway sent an error")
        status, body = envelope_status(inner), {"error": inner}
        return _from_status(route, status, body, response, message, secret=secret)
    message = f"The gateway's reply could not be decoded ({type(exc).__name__}: "
    message += f"{str(exc)[:200]})"
    args = (route, MALFORMED_STATUS, None, response, message)
    return _from_status(*args, secret=secret)


def _redirect(status: int, response: Any) -> str:
    """The message of a redirect, never followed (it would send the key, and on 307 /
    308 the prompt, wherever `Location` points), naming only the target's origin."""
    origin = redirect_origin(response)
    target = f" to {origin}" if origin else ""
    return (
        f"The gateway answered with a redirect (HTTP {status}){target}, which is "
        "not followed, so that the API key and the prompt never go to another "
        "address. Check base_url (e.g. http:// instead of https://)."
    )


def _request_of(exc: BaseException) -> Any:
    try:
        return getattr(exc, "request", None)
    except RuntimeError:  # httpx: "The .request property has not been set."
        return None


def _from_network(
    route: Transport, exc: BaseException, secret: str | None
) -> AiHubMixError:
    timeouts, _ = _network_failures()
    kind: Category = "timeout" if isinstance(exc, timeouts) else "connection"
    default = "Request timed out." if kind == "timeout" else "Connection error."
    source = exc
    if str(exc) == default and isinstance(exc.__cause__, Exception):
        source = exc.__cause__  # openai's generic wrapper: say what happened
    text = redact(str(source), secret)
    detail = f" ({type(source).__name__}: {text})" if text and text != default else ""
    request = _request_of(exc)
    host = getattr(getattr(request, "url", None), "host", None)
    where = f" ({host})." if host else "."
    message = default[:-1] + where + detail
    return _family(route)[kind](message, request=request)


def _openai_body(exc: openai.APIStatusError) -> Any:
    """The whole JSON body (the SDK keeps only its `error` object)."""
    try:
        return exc.response.json()
    except Exception:  # not read (stream) or not JSON
        return exc.body


def _classify(
    exc: BaseException, route: Transport, secret: str | None, model: str
) -> AiHubMixError | None:
    # An SDK's error can only be raised once the SDK was imported: check before
    # importing, so classifying one route's errors never loads the other SDK.
    if "google.genai.errors" in sys.modules:
        from google.genai import errors as genai_errors

        if isinstance(exc, genai_errors.APIError):
            code = exc.code if isinstance(exc.code, int) else 0
            if exc.response is None and not 400 <= code < 600:
                return _from_network("native", exc, secret)
            args = (code, exc.details, exc.response, exc.status or "")
            return _from_status("native", *args, secret=secret, model=model)
    if "openai" in sys.modules:
        import openai

        if isinstance(exc, openai.APIStatusError):
            args = (exc.status_code, _openai_body(exc), exc.response, exc.message)
            return _from_status("openai", *args, secret=secret, model=model)
        if isinstance(exc, openai.APIConnectionError):
            return _from_network("openai", exc, secret)
    timeouts, failures = _network_failures()
    if isinstance(exc, timeouts + failures):
        return _from_network(route, exc, secret)
    return _undecodable(exc, route, secret)


def raise_classified(
    exc: BaseException,
    *,
    route: Transport,
    secret: str | None = None,
    model: str = "",
) -> NoReturn:
    """Re-raise `exc`, a failure of an SDK call or stream, as this package's typed
    error (`from exc`), `secret` (the key) redacted from every message: SDK status
    errors by their type (google-genai -> `Native*`, openai -> `OpenAI*`), raw
    `httpx2` / builtin timeouts and connection failures in `route`'s family, a
    `-free` `model`'s quota refusals as `*FreeQuotaExceededError`; classified and
    unrelated exceptions unchanged."""
    classified = (
        None if isinstance(exc, AiHubMixError) else _classify(exc, route, secret, model)
    )
    # Whatever leaves redacted, chained causes included: langchain-core copies an
    # error's `response` into the errored run, tracebacks print the chain.
    scrub_exception(exc, secret)
    if classified is None:
        raise exc
    scrub_exception(classified, secret)
    raise classified from exc
