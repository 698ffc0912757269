"""The OpenAI-compatible route's error family: openai SDK errors (imported on first
use through `langchain_aihubmix.errors`, which documents them)."""

# Each class joins an SDK's errors and langchain-core's, whose attribute annotations
# differ (`status_code: Literal[429]` in openai, ...): mypy calls it `misc`.
# mypy: disable-error-code="misc"
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import openai
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


class _OpenAIError(AiHubMixError):
    """OpenAI-route errors: openai `APIError`s (internal base)."""

    def _fill_sdk_attrs(self, response: Any, request: Any) -> None:
        inner = error_object(self.body)
        self.request = getattr(response, "request", None) or request
        code = inner.get("code") if inner else None
        self.code = None if code is None else str(code)
        self.param = inner.get("param") if inner else None
        self.type = inner.get("type") if inner else None
        if isinstance(self, openai.APIStatusError):
            self.response = response


class OpenAIAuthenticationError(
    _OpenAIError, openai.AuthenticationError, ModelAuthenticationError
):
    """OpenAI route: bad or missing key (401)."""


class OpenAIPermissionDeniedError(
    _OpenAIError, openai.PermissionDeniedError, ModelPermissionDeniedError
):
    """OpenAI route: 403 (also AiHubMix's "balance insufficient")."""


class OpenAIInvalidRequestError(
    _OpenAIError, openai.BadRequestError, ModelInvalidRequestError
):
    """OpenAI route: the request was rejected (400, 422 and other 4xx)."""


class OpenAINotFoundError(_OpenAIError, openai.NotFoundError, ModelNotFoundError):
    """OpenAI route: unknown model (404 whose body names the model)."""


class OpenAIEndpointNotFoundError(
    _OpenAIError, openai.NotFoundError, ModelInvalidRequestError
):
    """OpenAI route: 404 for a path the gateway does not serve (check `base_url`)."""


class OpenAIRateLimitError(_OpenAIError, openai.RateLimitError, ModelRateLimitError):
    """OpenAI route: quota or rate limit (429); see `retry_after`."""


class OpenAIFreeQuotaExceededError(OpenAIRateLimitError, FreeQuotaExceededError):
    """OpenAI route: a `-free` model's quota is used up (`FreeQuotaExceededError`)."""


class OpenAIContextOverflowError(
    _OpenAIError, openai.BadRequestError, ContextOverflowError
):
    """OpenAI route: the input exceeds the model's context window (400)."""


class OpenAIAPIError(_OpenAIError, openai.InternalServerError, ModelAPIError):
    """OpenAI route: server or gateway failure (5xx)."""


class OpenAINoAnswerError(_OpenAIError, NoAnswerError, openai.APIError, ModelAPIError):
    """OpenAI route: a reply with no answer (see `NoAnswerError`)."""


class OpenAITimeoutError(
    _OpenAIError, openai.APITimeoutError, ModelTimeoutError, TimeoutError
):
    """OpenAI route: the request timed out (also a builtin `TimeoutError`)."""


class OpenAIConnectionError(
    _OpenAIError, openai.APIConnectionError, ModelConnectionError
):
    """OpenAI route: connect failure, or the connection broke mid-response."""


CLASSES: Mapping[Category, type[AiHubMixError]] = {
    "authentication": OpenAIAuthenticationError,
    "permission": OpenAIPermissionDeniedError,
    "invalid_request": OpenAIInvalidRequestError,
    "not_found": OpenAINotFoundError,
    "no_endpoint": OpenAIEndpointNotFoundError,
    "rate_limit": OpenAIRateLimitError,
    "free_quota": OpenAIFreeQuotaExceededError,
    "context_overflow": OpenAIContextOverflowError,
    "api": OpenAIAPIError,
    "timeout": OpenAITimeoutError,
    "connection": OpenAIConnectionError,
}
"""Category -> openai class: the whole family in one table."""

for _cls in (*CLASSES.values(), OpenAINoAnswerError):
    _cls.__module__ = "langchain_aihubmix.errors"  # their public home (and pickles')
