"""httpx response hooks that check each 2xx generation reply before an SDK reads it:
its body becomes a `CheckedBody` (the same bytes, decoded, an event stream re-framed
as `data: {json}` events) that raises a typed error, as the SDK reads, for what
`reply_checks` finds is no answer. Other statuses and endpoints pass untouched."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Any

import httpx2

from langchain_aihubmix._errors.bodies import MALFORMED_STATUS
from langchain_aihubmix._errors.classify import reply_error
from langchain_aihubmix._transport.reply_checks import (
    ReplyCut,
    ReplyProblem,
    ReplyReader,
    is_generation_path,
)
from langchain_aihubmix.profiles import Transport


class CheckedBody(httpx2.SyncByteStream, httpx2.AsyncByteStream):
    """A reply body read through `ReplyReader`; failures become typed errors."""

    def __init__(self, guard: ReplyGuard, response: httpx2.Response) -> None:
        self._guard = guard
        self._response = response
        # The body as received, read (and content-decoded) by httpx itself.
        self._raw = httpx2.Response(
            response.status_code,
            headers=response.headers,
            stream=response.stream,
            request=response.request,
        )
        self._reader = ReplyReader(
            guard.route, response.headers.get("content-type", "")
        )
        # Read once; a second reader (openai drains a stream after `[DONE]` so
        # that its connection is reused) gets the rest of the same bytes.
        self._source: Iterator[bytes] | None = None
        self._asource: AsyncIterator[bytes] | None = None

    @property
    def elapsed(self) -> Any:
        """The underlying stream's elapsed time (httpx reads it on close)."""
        return getattr(self._raw.stream, "elapsed", None)

    def __iter__(self) -> Iterator[bytes]:
        if self._source is not None:  # a second reader drains: the rest as is
            yield from self._source
            return
        self._source = self._raw.iter_bytes()
        with self._typed_errors():
            for chunk in self._source:
                yield from self._reader.feed(chunk)
            yield from self._reader.finish()

    async def __aiter__(self) -> AsyncIterator[bytes]:
        if self._asource is not None:  # a second reader drains: the rest as is
            async for chunk in self._asource:
                yield chunk
            return
        self._asource = self._raw.aiter_bytes()
        with self._typed_errors():
            async for chunk in self._asource:
                for piece in self._reader.feed(chunk):
                    yield piece
            for piece in self._reader.finish():
                yield piece

    @contextmanager
    def _typed_errors(self) -> Iterator[None]:
        try:
            yield
        except (ReplyProblem, ReplyCut, httpx2.DecodingError) as exc:
            raise self._guard.error(exc, self._response) from None

    def close(self) -> None:
        self._raw.close()

    async def aclose(self) -> None:
        await self._raw.aclose()


class ReplyGuard:
    """One route's reply checks, as httpx response hooks (see the module doc)."""

    def __init__(self, route: Transport, secret: str | None) -> None:
        self.route: Transport = route
        self._secret = secret

    def client_args(self, args: dict[str, Any], *, is_async: bool) -> dict[str, Any]:
        """httpx client arguments `args` plus this guard's response hook (before
        any of the user's own, so that theirs see the checked body)."""
        hooks = dict(args.get("event_hooks") or {})
        mine = self.aresponse_hook if is_async else self.response_hook
        hooks["response"] = [mine, *hooks.get("response", ())]
        return {**args, "event_hooks": hooks}

    def response_hook(self, response: httpx2.Response) -> None:
        """httpx `response` event hook (sync clients)."""
        self._guard(response)

    async def aresponse_hook(self, response: httpx2.Response) -> None:
        """httpx `response` event hook (async clients)."""
        self._guard(response)

    def _guard(self, response: httpx2.Response) -> None:
        path = response.request.url.path
        if not response.is_success or not is_generation_path(self.route, path):
            return
        response.stream = CheckedBody(self, response)
        # The checked body is content-decoded already.
        response.headers.pop("content-encoding", None)

    def error(self, exc: Exception, response: httpx2.Response) -> Exception:
        """The typed error for a failed check (a cut stream: a network failure)."""
        if isinstance(exc, ReplyCut):
            return httpx2.RemoteProtocolError(str(exc), request=response.request)
        if isinstance(exc, ReplyProblem):
            status, message, body = exc.status, exc.message, exc.body
        else:
            status, body = MALFORMED_STATUS, None
            message = f"The gateway's reply could not be decoded ({exc})"
        kw = {"message": message, "body": body, "response": response}
        return reply_error(self.route, status=status, secret=self._secret, **kw)
