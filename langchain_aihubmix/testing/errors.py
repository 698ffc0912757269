"""Error bodies the emulator sends: google.rpc.Status and the AiHubMix envelope."""

from __future__ import annotations

from typing import Any

_STATUS_NAMES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    502: "UNAVAILABLE",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}

FAULT_MESSAGES = {
    429: "You exceeded your current quota, please check your plan and billing details.",
    500: "An internal error has occurred. Please retry or report in "
    "https://developers.generativeai.google/guide/troubleshooting",
    502: "bad_response_status_code: upstream returned 502 Bad Gateway",
    503: "The model is overloaded. Please try again later.",
    504: "The request timed out. Please try again.",
}


class HttpError(Exception):
    """An error response: HTTP status, JSON body and extra headers."""

    def __init__(
        self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status
        self.body = body
        self.headers = headers or {}


def google_error(
    code: int, message: str, details: list[dict[str, Any]] | None = None
) -> HttpError:
    """Google's google.rpc.Status error (`{"error": {code, message, status}}`)."""
    error: dict[str, Any] = {
        "code": code,
        "message": message,
        "status": _STATUS_NAMES.get(code, "UNKNOWN"),
    }
    if details:
        error["details"] = details
    return HttpError(code, {"error": error})


INVALID = "Request contains an invalid argument."
"""Gemini's bare INVALID_ARGUMENT text, for rules it states no more about."""


def invalid_argument(message: str, detail: str | None = None) -> HttpError:
    """400 INVALID_ARGUMENT; `detail` (what the emulator found) as `DebugInfo`."""
    debug = {"@type": "type.googleapis.com/google.rpc.DebugInfo", "detail": detail}
    return google_error(400, message, [debug] if detail else None)


def gateway_error(
    code: int, message: str, request_id: str, *, native: bool
) -> HttpError:
    """AiHubMix's own envelope; the native route wraps it with `"type": "error"`."""
    error = {
        "message": f"{message} (request id: {request_id})",
        "type": "Aihubmix_api_error",
    }
    body: dict[str, Any] = (
        {"type": "error", "error": error} if native else {"error": error}
    )
    return HttpError(code, body)


def rate_limited(retry_delay: float, request_id: str, *, native: bool) -> HttpError:
    """429: RetryInfo on native, the envelope plus `Retry-After` on the OpenAI route."""
    delay = f"{retry_delay:g}"
    if native:
        details: list[dict[str, Any]] = [
            {
                "@type": "type.googleapis.com/google.rpc.QuotaFailure",
                "violations": [
                    {"quotaId": "GenerateRequestsPerMinutePerProjectPerModel-FreeTier"}
                ],
            },
            {
                "@type": "type.googleapis.com/google.rpc.RetryInfo",
                "retryDelay": f"{delay}s",
            },
        ]
        message = f"{FAULT_MESSAGES[429]} Please retry in {delay}s."
        return google_error(429, message, details)
    error = gateway_error(429, FAULT_MESSAGES[429], request_id, native=False)
    error.headers["Retry-After"] = delay
    return error


def server_fault(code: int, request_id: str, *, native: bool) -> HttpError:
    """5xx: Google's Status on native (502 is the gateway's own), else the envelope."""
    if native and code != 502:
        return google_error(code, FAULT_MESSAGES[code])
    return gateway_error(code, FAULT_MESSAGES[code], request_id, native=native)


def model_not_found(model: str, request_id: str, *, native: bool) -> HttpError:
    """404 for an id the gateway does not serve.

    Native: Google's Status (wire-notes §2.8: "models/… is not found for API version
    v1beta…"); OpenAI route: the gateway's envelope with `param` / `code`
    (AIhubmix/skills troubleshooting.md). The exact texts are not recorded from the
    gateway; `python -m langchain_aihubmix.doctor` shows a user's real one.
    """
    if native:
        return google_error(
            404,
            f"models/{model} is not found for API version v1beta, or is not "
            "supported for generateContent. Call ListModels to see the list of "
            "available models and their supported methods.",
        )
    error = {
        "message": f"The model `{model}` does not exist or you do not have access "
        f"to it. (request id: {request_id})",
        "type": "Aihubmix_api_error",
        "param": "model",
        "code": "model_not_found",
    }
    return HttpError(404, {"error": error})
