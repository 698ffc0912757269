"""The native route's error family: google-genai (and httpx2) errors (imported on
first use through `langchain_aihubmix.errors`, which documents them)."""

# Each class joins an SDK's errors and langchain-core's, whose attribute annotations
# differ (`message: str | None` in google-genai, ...): mypy calls it `misc`.
# mypy: disable-error-code="misc"
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx2
from google.genai import errors as genai_errors
from langchain_core.exceptions import (
    ContextOverflowError,
    ModelAPIError,
    ModelAuthenticationError,
    ModelConnectionError,
    ModelInvalidRequestError,
    ModelNotFoundError,
    ModelPermissionDeniedError,
    ModelRateLimitError,
    ModelTimeoutError,
)

from langchain_aihubmix._errors.base import (
    AiHubMixError,
    FreeQuotaExceededError,
    NoAnswerError,
)
from langchain_aihubmix._errors.bodies import Category, error_object


class _NativeHTTPError(AiHubMixError):
    """Native-route errors with an HTTP status: google-genai `APIError`s (internal)."""

    def _fill_sdk_attrs(self, response: Any, request: Any) -> None:
        inner = error_object(self.body)
        self.code = self.status_code or 0
        self.status = inner.get("status") if inner else None
        self.details = self.body
        self.response = response


class _NativeStatus(_NativeHTTPError, genai_errors.ClientError):
    """Native-route HTTP 4xx (internal base)."""


class NativeAuthenticationError(_NativeStatus, ModelAuthenticationError):
    """Native route: bad or missing key (401, or Google's 400 API_KEY_INVALID)."""


class NativePermissionDeniedError(_NativeStatus, ModelPermissionDeniedError):
    """Native route: 403 (also AiHubMix's "balance insufficient")."""


class NativeInvalidRequestError(_NativeStatus, ModelInvalidRequestError):
    """Native route: the request was rejected (400, 422 and other 4xx)."""


class NativeNotFoundError(_NativeStatus, ModelNotFoundError):
    """Native route: unknown model (404 whose body names the model)."""


class NativeEndpointNotFoundError(_NativeStatus, ModelInvalidRequestError):
    """Native route: 404 for a path the gateway does not serve (check `base_url`)."""


class NativeRateLimitError(_NativeStatus, ModelRateLimitError):
    """Native route: quota or rate limit (429); see `retry_after`."""


class NativeFreeQuotaExceededError(NativeRateLimitError, FreeQuotaExceededError):
    """Native route: a `-free` model's quota is used up (`FreeQuotaExceededError`)."""


class NativeContextOverflowError(_NativeStatus, ContextOverflowError):
    """Native route: the input exceeds the model's context window (400)."""


class NativeAPIError(_NativeHTTPError, genai_errors.ServerError, ModelAPIError):
    """Native route: server or gateway failure (5xx)."""


class NativeNoAnswerError(
    _NativeHTTPError, NoAnswerError, genai_errors.APIError, ModelAPIError
):
    """Native route: a reply with no answer (see `NoAnswerError`)."""


class NativeTimeoutError(
    AiHubMixError, httpx2.TimeoutException, ModelTimeoutError, TimeoutError
):
    """Native route: the request timed out (also a builtin `TimeoutError`)."""


class NativeConnectionError(AiHubMixError, httpx2.TransportError, ModelConnectionError):
    """Native route: connect failure, or the connection broke mid-response."""


CLASSES: Mapping[Category, type[AiHubMixError]] = {
    "authentication": NativeAuthenticationError,
    "permission": NativePermissionDeniedError,
    "invalid_request": NativeInvalidRequestError,
    "not_found": NativeNotFoundError,
    "no_endpoint": NativeEndpointNotFoundError,
    "rate_limit": NativeRateLimitError,
    "free_quota": NativeFreeQuotaExceededError,
    "context_overflow": NativeContextOverflowError,
    "api": NativeAPIError,
    "timeout": NativeTimeoutError,
    "connection": NativeConnectionError,
}
"""Category -> native class: the whole family in one table."""

for _cls in (*CLASSES.values(), NativeNoAnswerError):
    _cls.__module__ = "langchain_aihubmix.errors"  # their public home (and pickles')
