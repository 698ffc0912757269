"""Error classification: real SDK exceptions from real bodies -> our typed errors."""

from __future__ import annotations

import email.utils
import json
import pickle
import time
from pathlib import Path
from typing import Any

import httpx2
import openai
import pytest
from google import genai
from google.genai import errors as genai_errors
from google.genai import types as genai_types
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

from langchain_aihubmix import errors
from langchain_aihubmix.errors import (
    AiHubMixError,
    raise_classified,
    redact,
)

RECORDED = Path(__file__).parents[1] / "fixtures" / "recorded" / "vercel-ai"
NATIVE_URL = (
    "https://aihubmix.com/gemini/v1beta/models/gemini-2.5-flash:generateContent"
)
OPENAI_URL = "https://aihubmix.com/v1/chat/completions"
KEY = "sk-live-0123456789abcdefXYZ"


def _load(name: str) -> Any:
    return json.loads((RECORDED / name).read_text())


RETRY_429 = _load("google-429-retry-info.json")
THINKING_LEVEL_400 = _load("google-thinking-level-minimal-unsupported.json")
BOTH_BUDGET_400 = _load("issue-22372-live-errors.json")[
    "thinkingLevelAndBudgetResponse"
]
PENALTY_400 = _load("issue-8943-gemini-2.5-flash-error.json")
OVERLOADED_503 = {
    "error": {
        "code": 503,
        "message": "The model is overloaded. Please try again later.",
        "status": "UNAVAILABLE",
    }
}
API_KEY_INVALID_400 = {
    "error": {
        "code": 400,
        "message": "API key not valid. Please pass a valid API key.",
        "status": "INVALID_ARGUMENT",
        "details": [
            {
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": "API_KEY_INVALID",
                "domain": "googleapis.com",
                "metadata": {"service": "generativelanguage.googleapis.com"},
            }
        ],
    }
}
NO_KEY_401 = {
    "error": {"message": "no key provided (tid: 2025abc)", "type": "Aihubmix_api_error"}
}
BALANCE_403 = {
    "error": {
        "type": "Aihubmix_api_error",
        "message": "Your account balance is insufficient. Please recharge your account "
        "to continue using the API.",
    }
}
NO_CHANNEL_503 = {
    "type": "error",
    "error": {
        "message": "no_valid_channel_error (request id: 20260101-abc)",
        "type": "Aihubmix_api_error",
    },
}
OVERFLOW_400 = {
    "error": {
        "code": 400,
        "message": "The input token count (1200000) exceeds the maximum number of "
        "tokens allowed (1048576).",
        "status": "INVALID_ARGUMENT",
    }
}
NOT_FOUND_404 = {
    "error": {
        "code": 404,
        "message": "models/gemini-9 is not found for API version v1beta.",
        "status": "NOT_FOUND",
    }
}


def _response(
    lib: Any, status: int, body: Any, headers: dict[str, str] | None, url: str
) -> Any:
    content = body if isinstance(body, str) else json.dumps(body)
    return lib.Response(
        status,
        content=content.encode(),
        headers={"content-type": "application/json", **(headers or {})},
        request=lib.Request("POST", url),
    )


def genai_error(
    status: int, body: Any, headers: dict[str, str] | None = None
) -> genai_errors.APIError:
    """What google-genai raises for this HTTP response (its own constructor)."""
    resp = _response(httpx2, status, body, headers, NATIVE_URL)
    with pytest.raises(genai_errors.APIError) as info:
        genai_errors.APIError.raise_for_response(resp)
    return info.value


def openai_error(
    status: int, body: Any, headers: dict[str, str] | None = None
) -> openai.APIStatusError:
    """What the openai SDK raises for this HTTP response (its own constructor)."""
    client = openai.OpenAI(api_key=KEY, base_url="https://aihubmix.com/v1")
    resp = _response(httpx2, status, body, headers, OPENAI_URL)
    return client._make_status_error_from_response(resp)


def sdk_error(route: str, status: int, body: Any, **headers: str) -> Exception:
    hdrs = {k.replace("_", "-"): v for k, v in headers.items()}
    if route == "native":
        return genai_error(status, body, hdrs)
    return openai_error(status, body, hdrs)


def classify(
    exc: BaseException, route: Any = "native", secret: str | None = None
) -> Any:
    with pytest.raises(AiHubMixError) as info:
        raise_classified(exc, route=route, secret=secret)
    assert info.value.__cause__ is exc
    return info.value


ROUTES = ["native", "openai"]
SDK_BASE = {"native": genai_errors.APIError, "openai": openai.APIStatusError}


QUOTA = "You exceeded your current quota, please check your plan."
MINIMAL = (
    "Thinking level MINIMAL is not supported for this model. "
    "Please retry with other thinking level."
)
BOTH = "You can only set only one of thinking budget and thinking level."
PENALTY = "Penalty is not enabled for models/gemini-2.5-flash"
BAD_KEY = "API key not valid. Please pass a valid API key."
OVERLOADED = "The model is overloaded. Please try again later."
STATUS_CASES = [
    # status, body, langchain-core class, openai SDK class, expected .message
    (429, RETRY_429, ModelRateLimitError, openai.RateLimitError, QUOTA),
    (
        400,
        THINKING_LEVEL_400,
        ModelInvalidRequestError,
        openai.BadRequestError,
        MINIMAL,
    ),
    (400, BOTH_BUDGET_400, ModelInvalidRequestError, openai.BadRequestError, BOTH),
    (400, PENALTY_400, ModelInvalidRequestError, openai.BadRequestError, PENALTY),
    (
        400,
        API_KEY_INVALID_400,
        ModelAuthenticationError,
        openai.AuthenticationError,
        BAD_KEY,
    ),
    (
        401,
        NO_KEY_401,
        ModelAuthenticationError,
        openai.AuthenticationError,
        "no key provided (tid: 2025abc)",
    ),
    (
        403,
        BALANCE_403,
        ModelPermissionDeniedError,
        openai.PermissionDeniedError,
        BALANCE_403["error"]["message"],
    ),
    (
        404,
        NOT_FOUND_404,
        ModelNotFoundError,
        openai.NotFoundError,
        NOT_FOUND_404["error"]["message"],
    ),
    (
        400,
        OVERFLOW_400,
        ContextOverflowError,
        openai.BadRequestError,
        OVERFLOW_400["error"]["message"],
    ),
    (503, OVERLOADED_503, ModelAPIError, openai.InternalServerError, OVERLOADED),
    (
        503,
        NO_CHANNEL_503,
        ModelAPIError,
        openai.InternalServerError,
        NO_CHANNEL_503["error"]["message"],
    ),
    (
        422,
        {"error": {"message": "bad field"}},
        ModelInvalidRequestError,
        openai.BadRequestError,
        "bad field",
    ),
    (
        502,
        {"error": {"message": "bad gateway"}},
        ModelAPIError,
        openai.InternalServerError,
        "bad gateway",
    ),
]


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize(
    ("status", "body", "core", "openai_cls", "message"), STATUS_CASES
)
def test_status_errors_are_both_sdk_and_core_types(
    route: str, status: int, body: Any, core: type, openai_cls: type, message: str
) -> None:
    err = classify(sdk_error(route, status, body), route)
    native_cls = genai_errors.ClientError if status < 500 else genai_errors.ServerError
    assert isinstance(err, AiHubMixError)
    assert isinstance(err, core)
    assert isinstance(err, native_cls if route == "native" else openai_cls)
    assert isinstance(err, SDK_BASE[route])
    assert type(err).__name__.startswith("Native" if route == "native" else "OpenAI")
    assert err.status_code == status
    assert err.message.startswith(message)  # + a hint (see below)
    assert err.body == body
    assert str(err).startswith(f"{status} {message}")
    assert err.is_retryable is (status in (429, 502, 503))


def test_native_sdk_attributes_are_kept() -> None:
    err = classify(genai_error(429, RETRY_429))
    assert (err.code, err.status, err.details) == (429, "RESOURCE_EXHAUSTED", RETRY_429)
    assert isinstance(err.response, httpx2.Response)
    gateway = classify(genai_error(503, NO_CHANNEL_503))
    assert gateway.status is None  # AiHubMix envelopes carry no google.rpc status


def test_openai_sdk_attributes_are_kept() -> None:
    err = classify(openai_error(401, NO_KEY_401), "openai")
    assert err.type == "Aihubmix_api_error"
    assert err.request.url == OPENAI_URL
    assert err.response.status_code == 401


@pytest.mark.parametrize("route", ROUTES)
def test_retry_info_delay_is_parsed(route: str) -> None:
    err = classify(sdk_error(route, 429, RETRY_429), route)
    assert err.retry_after == pytest.approx(34.4)


@pytest.mark.parametrize("route", ROUTES)
def test_retry_after_header_seconds_and_http_date(route: str) -> None:
    body = {"error": {"message": "slow down"}}
    assert (
        classify(sdk_error(route, 429, body, retry_after="7"), route).retry_after == 7
    )
    date = email.utils.formatdate(time.time() + 120, usegmt=True)
    err = classify(sdk_error(route, 429, body, retry_after=date), route)
    assert 110 < err.retry_after <= 120


def test_retry_delay_in_message_text() -> None:
    body = {
        "error": {
            "code": 429,
            "message": "Quota exceeded. Please retry in 45.578569677s.",
        }
    }
    assert classify(genai_error(429, body)).retry_after == pytest.approx(45.578569677)
    assert (
        classify(genai_error(429, {"error": {"message": "busy"}})).retry_after is None
    )


@pytest.mark.parametrize("route", ROUTES)
def test_request_id_from_header_wins_and_is_shown(route: str) -> None:
    err = classify(sdk_error(route, 503, OVERLOADED_503, x_request_id="req-42"), route)
    assert err.request_id == "req-42"
    assert (
        str(err)
        == "503 The model is overloaded. Please try again later. (request id: req-42)"
    )


@pytest.mark.parametrize(
    ("body", "request_id"),
    [(NO_KEY_401, "2025abc"), (NO_CHANNEL_503, "20260101-abc"), (PENALTY_400, None)],
)
def test_request_id_from_message(body: Any, request_id: str | None) -> None:
    err = classify(genai_error(401, body))
    assert err.request_id == request_id
    assert "(request id:" not in str(err).replace("(request id: 20260101-abc)", "")


def test_non_json_body_keeps_text() -> None:
    html = "<html><body>502 Bad Gateway</body></html>"
    err = classify(genai_error(502, html))
    assert isinstance(err, errors.NativeAPIError)
    assert err.message == html
    err = classify(openai_error(502, html), "openai")
    assert isinstance(err, errors.OpenAIAPIError)
    assert err.message == html


@pytest.mark.parametrize("route", ROUTES)
def test_secrets_never_appear(route: str) -> None:
    configured = "my-private-gateway-token"
    body = {
        "error": {
            "code": 400,
            "message": f"API key not valid: {KEY} (also {configured}); Bearer {KEY}",
            "status": "INVALID_ARGUMENT",
        }
    }
    original = sdk_error(route, 400, body)
    err = classify(original, route, secret=configured)
    assert isinstance(err, ModelAuthenticationError)
    texts = [str(err), repr(err), repr(err.args), err.message, json.dumps(err.body)]
    texts += [str(original), repr(original), str(getattr(original, "message", ""))]
    texts.append(repr(pickle.loads(pickle.dumps(err))))
    for text in texts:
        assert KEY not in text
        assert configured not in text
    assert "sk-***" in err.message


def test_redact() -> None:
    assert redact("key sk-abcdef123456 and AIzaSyA1234567890abcdefghijkl") == (
        "key sk-*** and AIz***"
    )
    assert redact("token s3cr3t-value", "s3cr3t-value") == "token ***"
    assert redact("Authorization: Bearer abc.def") == "Authorization: Bearer ***"
    assert redact("nothing to hide") == "nothing to hide"


REQ2 = httpx2.Request("POST", NATIVE_URL)


T2 = httpx2.TimeoutException
NATIVE_T, NATIVE_C = errors.NativeTimeoutError, errors.NativeConnectionError
OPENAI_T, OPENAI_C = errors.OpenAITimeoutError, errors.OpenAIConnectionError
NETWORK_CASES = [
    # raw exception, route, expected class, another class it must also be
    (httpx2.ReadTimeout("timed out", request=REQ2), "native", NATIVE_T, T2),
    (httpx2.ConnectTimeout("timed out", request=REQ2), "native", NATIVE_T, T2),
    (TimeoutError(), "native", NATIVE_T, T2),
    (httpx2.ConnectError("refused"), "native", NATIVE_C, httpx2.TransportError),
    (
        httpx2.RemoteProtocolError("closed", request=REQ2),
        "native",
        NATIVE_C,
        httpx2.TransportError,
    ),
    (httpx2.ReadError("stream cut"), "native", NATIVE_C, httpx2.TransportError),
    (
        genai_errors.APIError(0, {"message": "closed"}),
        "native",
        NATIVE_C,
        httpx2.TransportError,
    ),
    (openai.APITimeoutError(request=REQ2), "openai", OPENAI_T, openai.APITimeoutError),
    (httpx2.ReadTimeout("slow"), "openai", OPENAI_T, openai.APITimeoutError),
    (
        openai.APIConnectionError(request=REQ2),
        "openai",
        OPENAI_C,
        openai.APIConnectionError,
    ),
    (
        httpx2.ReadError("cut", request=REQ2),
        "openai",
        OPENAI_C,
        openai.APIConnectionError,
    ),
]


@pytest.mark.parametrize(("exc", "route", "cls", "extra"), NETWORK_CASES)
def test_network_failures(
    exc: BaseException, route: Any, cls: type, extra: type
) -> None:
    err = classify(exc, route)
    assert type(err) is cls
    assert isinstance(err, extra)
    assert err.status_code is None
    assert err.retry_after is None
    assert err.is_retryable is True
    if issubclass(cls, ModelTimeoutError):
        assert isinstance(err, TimeoutError)
        assert str(err).startswith("Request timed out")
    else:
        assert isinstance(err, ModelConnectionError)
        assert str(err).startswith("Connection error")


def _same_request(request: Any) -> bool:
    """The request, as a redacted copy (no credential headers, no body)."""
    return (request.method, request.url) == (REQ2.method, REQ2.url)


def test_network_error_keeps_request() -> None:
    err = classify(httpx2.ReadTimeout("slow", request=REQ2))
    assert _same_request(err.request)
    assert str(err) == "Request timed out (aihubmix.com). (ReadTimeout: slow)"
    assert _same_request(
        classify(openai.APITimeoutError(request=REQ2), "openai").request
    )


def test_already_classified_and_unknown_pass_through() -> None:
    err = classify(genai_error(429, RETRY_429))
    with pytest.raises(AiHubMixError) as info:
        raise_classified(err, route="openai")
    assert info.value is err
    boom = ValueError("not ours")
    with pytest.raises(ValueError, match="not ours") as raw:
        raise_classified(boom, route="native")
    assert raw.value is boom
    assert raw.value.__cause__ is None


@pytest.mark.parametrize(
    "make",
    [
        lambda: classify(genai_error(429, RETRY_429, {"x-request-id": "r1"})),
        lambda: classify(openai_error(401, NO_KEY_401), "openai"),
        lambda: classify(httpx2.ReadTimeout("slow", request=REQ2)),
        lambda: classify(httpx2.ConnectError("refused")),
        lambda: classify(openai.APITimeoutError(request=REQ2), "openai"),
    ],
)
def test_pickle_round_trip(make: Any) -> None:
    err = make()
    clone = pickle.loads(pickle.dumps(err))
    assert type(clone) is type(err)
    assert str(clone) == str(err)
    for name in ("message", "status_code", "request_id", "retry_after", "body"):
        assert getattr(clone, name) == getattr(err, name)


def test_direct_construction() -> None:
    err = errors.NativeRateLimitError("slow down", status_code=429, retry_after=3.0)
    assert isinstance(err, genai_errors.ClientError)
    assert isinstance(err, ModelRateLimitError)
    assert (err.code, err.retry_after, str(err)) == (429, 3.0, "429 slow down")
    err2 = errors.OpenAIConnectionError("Connection error.", request=REQ2)
    assert err2.request is REQ2
    assert isinstance(err2, openai.APIConnectionError)
    assert isinstance(errors.NativeTimeoutError("t"), httpx2.TimeoutException)


def test_every_class_is_a_model_error() -> None:
    for name in errors.__all__:
        obj = getattr(errors, name)
        if isinstance(obj, type) and issubclass(obj, AiHubMixError):
            assert issubclass(obj, ModelError)
    assert issubclass(errors.InvalidInputError, ValueError)
    assert issubclass(errors.MediaTooLargeError, errors.InvalidInputError)


# -- through the real SDK clients (mock transport) ---------------------------------


def _genai_client(handler: Any) -> genai.Client:
    transport = httpx2.MockTransport(handler)
    options = genai_types.HttpOptions(
        base_url="https://aihubmix.com/gemini",
        httpx_client=httpx2.Client(transport=transport),
    )
    return genai.Client(api_key=KEY, http_options=options)


def _openai_client(handler: Any) -> openai.OpenAI:
    transport = httpx2.MockTransport(handler)
    return openai.OpenAI(
        api_key=KEY,
        base_url="https://aihubmix.com/v1",
        max_retries=0,
        http_client=httpx2.Client(transport=transport),
    )


def _call_native(client: genai.Client) -> None:
    try:
        client.models.generate_content(model="gemini-2.5-flash", contents="hi")
    except Exception as exc:
        raise_classified(exc, route="native", secret=KEY)


def _call_openai(client: openai.OpenAI) -> None:
    try:
        client.chat.completions.create(
            model="gemini-2.5-flash", messages=[{"role": "user", "content": "hi"}]
        )
    except Exception as exc:
        raise_classified(exc, route="openai", secret=KEY)


def test_native_client_429_end_to_end() -> None:
    client = _genai_client(lambda req: httpx2.Response(429, json=RETRY_429))
    with pytest.raises(errors.NativeRateLimitError) as info:
        _call_native(client)
    assert info.value.retry_after == pytest.approx(34.4)


def test_native_client_timeout_end_to_end() -> None:
    def handler(request: httpx2.Request) -> httpx2.Response:
        raise httpx2.ReadTimeout("timed out", request=request)

    with pytest.raises(errors.NativeTimeoutError) as info:
        _call_native(_genai_client(handler))
    assert isinstance(info.value, TimeoutError)


def test_openai_client_errors_end_to_end() -> None:
    client = _openai_client(
        lambda req: httpx2.Response(
            403, json=BALANCE_403, headers={"x-request-id": "q9"}
        )
    )
    with pytest.raises(errors.OpenAIPermissionDeniedError) as info:
        _call_openai(client)
    assert info.value.request_id == "q9"

    def refuse(request: httpx2.Request) -> httpx2.Response:
        raise httpx2.ConnectError("refused", request=request)

    with pytest.raises(errors.OpenAIConnectionError):
        _call_openai(_openai_client(refuse))
