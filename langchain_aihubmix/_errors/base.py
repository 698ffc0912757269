"""The error base classes all other errors build on (imports langchain-core only)."""

from __future__ import annotations

from typing import Any

from langchain_core.exceptions import ModelError

_TRANSPORT_ATTRS = frozenset({"response", "request", "_request"})


class AiHubMixError(ModelError):
    """Base of every error this package raises for a failed call, on either route.

    Each concrete class is also the SDK's own error type (`google.genai.errors.*`,
    `openai.*`, or `httpx2` for native network failures) and the matching
    langchain-core `Model*Error`, so `except` clauses written for any of the three
    keep working.

    Attributes:
        message: The server's message (secrets redacted).
        status_code: The HTTP status, or None for timeouts and connection failures.
            A 2xx reply that is no answer reports the status its error body names
            (`{"error": {"code": 429, ...}}`), or 502 when it is malformed.
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
        self._fill_sdk_attrs(response, request)
        BaseException.__init__(self, self._render())

    def _fill_sdk_attrs(self, response: Any, request: Any) -> None:
        """Set the attributes the SDK base class's own `__init__` would have set.

        Here: httpx / httpx2 `RequestError`s keep the request in `_request`; the
        SDK families override this.
        """
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
    """The messages (or their media) cannot be sent to Gemini as given.

    Raised while normalising a history or loading its media, before any request is
    made; the message names the offending message index, block type or URL.
    """


class MediaTooLargeError(InvalidInputError):
    """Inline media exceeds what one AiHubMix request accepts (or a download cap)."""


class MalformedResponseError(AiHubMixError, ValueError):
    """The gateway's reply cannot be mapped faithfully (it is never returned).

    Raised, for example, when streamed function-call arguments (`partialArgs`) name a
    JSON path that cannot be applied to what was assembled so far. Also a
    `ValueError`, as unmappable reply parts always were.
    """


class NoAnswerError(AiHubMixError):
    """A reply with no answer (no text, no tool call): e.g. `MALFORMED_FUNCTION_CALL`
    with no parts, or `STOP` and no content; a refusal or `MAX_TOKENS` stays an
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
    InvalidInputError,
    MediaTooLargeError,
    MalformedResponseError,
    NoAnswerError,
):
    _cls.__module__ = "langchain_aihubmix.errors"  # their public home (and pickles')
_rebuild.__module__ = "langchain_aihubmix.errors"  # re-exported there for pickles
