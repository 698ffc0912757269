"""The error base classes all other errors build on (imports langchain-core only)."""

from __future__ import annotations

from typing import Any

from langchain_core.exceptions import ModelError, ModelRateLimitError

from langchain_aihubmix._errors.bodies import quota_limit

_TRANSPORT_ATTRS = frozenset({"response", "request", "_request"})


class AiHubMixError(ModelError):
    """Base of every error this package raises for a failed call, on either route.

    Each concrete class is also the SDK's own error type (`google.genai.errors.*`,
    `openai.*`, or `httpx2` for native network failures) and the matching
    langchain-core `Model*Error`, so `except` clauses for any of the three work.

    Attributes:
        message: The server's message (secrets redacted).
        status_code: The HTTP status (a 2xx that is no answer: its error body's, or
            502 when malformed), or None for timeouts and connection failures.
        request_id: `X-Request-Id`, else `(request id: …)` / `(tid: …)` in the text.
        retry_after: Seconds the server asked to wait (RetryInfo, `Retry-After`,
            "Please retry in 45.5s"), else None.
        body: The parsed JSON response body (the whole envelope), or None.
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
        """Build the error (the attributes above, the message already redacted);
        the SDK's own attributes are filled in from `response` / `request`."""
        self.message = message
        self.status_code = status_code
        self.request_id = request_id
        self.retry_after = retry_after
        self.body = body
        self._fill_sdk_attrs(response, request)
        BaseException.__init__(self, self._render())

    def _fill_sdk_attrs(self, response: Any, request: Any) -> None:
        """Set what the SDK base class's own `__init__` would (here: httpx2's
        `RequestError` keeps the request in `_request`; the SDK families override)."""
        self.__dict__["_request"] = request

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
    err._fill_sdk_attrs(None, None)
    BaseException.__init__(err, err._render())
    return err


class InvalidInputError(ValueError):
    """The messages (or their media) cannot be sent to Gemini as given: raised before
    any request, naming the offending message index, block type or URL."""


class MediaTooLargeError(InvalidInputError):
    """Inline media exceeds what one AiHubMix request accepts (or a download cap)."""


class MalformedResponseError(AiHubMixError, ValueError):
    """The gateway's reply cannot be mapped faithfully (it is never returned), e.g.
    streamed `partialArgs` naming a JSON path that does not apply; a `ValueError`."""


class FreeQuotaExceededError(AiHubMixError, ModelRateLimitError):
    """A `-free` model's quota is used up (429, or a 403 naming the limit); the base
    of `NativeFreeQuotaExceededError` / `OpenAIFreeQuotaExceededError`, each also its
    route's rate-limit error. Free ids allow a few requests per minute and per day,
    an account never topped up a few tries in all: `limit` says which was hit."""

    @property
    def limit(self) -> str | None:
        """`"minute"`, `"day"`, `"trial"`, or None (the message names none)."""
        return quota_limit(self.message)

    @property
    def is_retryable(self) -> bool:  # type: ignore[override]
        """Whether waiting may help: not for a daily limit or used-up tries."""
        return self.limit not in ("day", "trial")


class NoAnswerError(AiHubMixError):
    """A reply with no answer (no text, no tool call): e.g. `MALFORMED_FUNCTION_CALL`
    (even after text), or `STOP` and no content; a refusal or `MAX_TOKENS` stays an
    answer. Not retried within `max_retries`, but `is_retryable` for LangChain's
    retries (docs/errors-and-retries.md). Carries Gemini's `finish_reason` (None
    when the reply gave none) and `finish_message`.
    """

    finish_reason: str | None
    finish_message: str | None

    @classmethod
    def of_reply(
        cls, model: str, finish_reason: str | None, finish_message: str | None
    ) -> NoAnswerError:
        """The error for an empty reply of `model` (status 200: it was a reply)."""
        detail = f": {finish_message}" if finish_message else ""
        err = cls(
            f"{model} returned no answer (finish_reason={finish_reason}{detail})",
            status_code=200,
        )
        err.finish_reason, err.finish_message = finish_reason, finish_message
        return err

    def _render(self) -> str:
        return self.message


for _cls in (
    AiHubMixError,
    FreeQuotaExceededError,
    InvalidInputError,
    MediaTooLargeError,
    MalformedResponseError,
    NoAnswerError,
):
    _cls.__module__ = "langchain_aihubmix.errors"  # their public home (and pickles')
_rebuild.__module__ = "langchain_aihubmix.errors"  # re-exported there for pickles
