"""ChatAiHubMixGemini: Google Gemini through the AiHubMix gateway, on either route."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

from langchain_core.callbacks import (
    AsyncCallbackManagerForLLMRun,
    CallbackManagerForLLMRun,
)
from langchain_core.language_models import (
    BaseChatModel,
    LangSmithParams,
    LanguageModelInput,
)
from langchain_core.language_models.model_profile import ModelProfile
from langchain_core.messages import (
    AIMessage,
    BaseMessage,
    HumanMessage,
    convert_to_messages,
)
from langchain_core.outputs import ChatGenerationChunk, ChatResult
from langchain_core.runnables import Runnable
from langchain_core.utils import from_env, secret_from_env
from pydantic import (
    ConfigDict,
    Field,
    PrivateAttr,
    SecretStr,
    ValidationError,
    model_validator,
)
from typing_extensions import Self

from langchain_aihubmix._call.construct import check_field_names, construction_error
from langchain_aihubmix._call.prepare import Preparer, chat_result
from langchain_aihubmix._errors.base import InvalidInputError
from langchain_aihubmix._input.from_messages import messages_to_conversation
from langchain_aihubmix._options.model_rules import check_transport
from langchain_aihubmix._options.resolve import resolve_call
from langchain_aihubmix._options.spec import (
    CALL_OPTION_FIELDS,
    SpeechConfigField,
    option_field,
)
from langchain_aihubmix._options.tools import convert_tool
from langchain_aihubmix._output.cost import StreamPricer
from langchain_aihubmix._transport.retry import (
    acall_with_retry,
    aretry_stream,
    call_with_retry,
    retry_stream,
)
from langchain_aihubmix._transport.retry_events import aretry_notifier, retry_notifier
from langchain_aihubmix._transport.route import ClientSettings, Route, gateway_root
from langchain_aihubmix.pricing import PriceTable
from langchain_aihubmix.profiles import Transport, default_transport, langchain_profile
from langchain_aihubmix.structured import structured_output_runnable

if TYPE_CHECKING:
    from langchain_aihubmix.tokens import TokenCounter

DEFAULT_BASE_URL = "https://aihubmix.com"

_ROUTE_LOCK = threading.Lock()
"""Guards the first build of a model's route (one per model, even under threads)."""


class ChatAiHubMixGemini(BaseChatModel):
    """Google Gemini served through the AiHubMix gateway.

    One class, two routes chosen once at construction: `transport="native"` (the
    Gemini REST API at `{base_url}/gemini`, through google-genai) or `"openai"`
    (AiHubMix's Chat Completions API at `{base_url}/v1`, through openai). Both give
    the same LangChain output: answer text, thoughts, tool calls, code execution,
    citations and exact token usage. See README.md and examples/.

    Example:
        ```python
        from langchain_aihubmix import ChatAiHubMixGemini

        llm = ChatAiHubMixGemini(model="gemini-2.5-flash", include_thoughts=True)
        msg = llm.invoke("Why is the sky blue?")
        msg.text                 # the answer, without thoughts
        msg.content_blocks       # reasoning + text blocks
        msg.usage_metadata       # input / output / reasoning / cache_read tokens
        ```

    Offline, against the bundled emulator:
        ```python
        from langchain_aihubmix.testing import AiHubMixEmulator

        with AiHubMixEmulator() as hub:
            llm = ChatAiHubMixGemini(
                model="gemini-2.5-flash", base_url=hub.base_url, api_key=hub.api_key
            )
            llm.invoke("hello").text
        ```
    """

    model_config = ConfigDict(populate_by_name=True, extra="forbid")

    model: str = Field(alias="model_name")
    """Gemini model id as AiHubMix names it, e.g. `gemini-2.5-flash`."""
    api_key: SecretStr | None = Field(
        default_factory=secret_from_env("AIHUBMIX_API_KEY", default=None)
    )
    """AiHubMix key; env `AIHUBMIX_API_KEY`. Never serialised or shown."""
    base_url: str = Field(
        default_factory=from_env("AIHUBMIX_BASE_URL", default=DEFAULT_BASE_URL)
    )
    """Gateway root; env `AIHUBMIX_BASE_URL`. A route path written after it, as in
    AiHubMix's guides (`/v1`, `/gemini`, `/gemini/v1beta`, trailing `/`), is
    removed at construction."""
    transport: Transport | None = None
    """`"native"` or `"openai"`; `None`: from the model id (suffixed ids: openai)."""
    app_code: str | None = Field(
        default_factory=from_env("AIHUBMIX_APP_CODE", default=None)
    )
    """Optional AiHubMix `APP-Code` header; env `AIHUBMIX_APP_CODE`."""

    # Call options: each is declared in `_options/spec.py` (doc, default, alias,
    # checks); the annotation here is for IDEs, pydantic and mypy.
    temperature: float | None = option_field("temperature")
    top_p: float | None = option_field("top_p")
    top_k: int | None = option_field("top_k")
    max_output_tokens: int | None = option_field("max_output_tokens")
    stop: list[str] | None = option_field("stop")
    seed: int | None = option_field("seed")
    presence_penalty: float | None = option_field("presence_penalty")
    frequency_penalty: float | None = option_field("frequency_penalty")
    n: int | None = option_field("n")
    response_mime_type: str | None = option_field("response_mime_type")
    response_schema: dict[str, Any] | None = option_field("response_schema")
    safety_settings: dict[str, str] | list[dict[str, str]] | None = option_field(
        "safety_settings"
    )
    media_resolution: str | None = option_field("media_resolution")
    response_modalities: list[str] | None = option_field("response_modalities")
    image_config: dict[str, Any] | None = option_field("image_config")
    speech_config: SpeechConfigField = option_field("speech_config")
    cached_content: str | None = option_field("cached_content")
    include_thoughts: bool | None = option_field("include_thoughts")
    thinking_budget: int | None = option_field("thinking_budget")
    reasoning_effort: Literal["none", "minimal", "low", "medium", "high"] | None = (
        option_field("reasoning_effort")
    )
    code_execution: bool = option_field("code_execution")
    google_search: bool = option_field("google_search")
    url_context: bool = option_field("url_context")
    extra_body: dict[str, Any] | None = option_field("extra_body")

    streaming: bool = False
    """Stream under the hood for `invoke` (callbacks then see every token)."""
    timeout: float | None = 60.0
    """Deadline of each attempt, in seconds (None: none). `invoke`: from connecting
    to the reply's last byte; streams: to the first chunk, then from each chunk to
    the next. A call may take up to `(max_retries + 1) * timeout` plus the waits
    between attempts. Also a per-call keyword argument."""
    max_retries: int = 2
    """Retries after the first attempt (429, 5xx, timeouts, connection errors)."""
    default_headers: dict[str, str] | None = None
    """Extra HTTP headers for every request."""
    client_args: dict[str, Any] | None = None
    """httpx client options, e.g. `{"proxy": "http://proxy:8080"}`."""
    media_fetch_timeout: float = 30.0
    """Seconds allowed for downloading an http(s) media URL in the input."""
    allow_private_media_urls: bool = False
    """Let the package download media URLs from private, loopback, link-local,
    multicast and reserved addresses. Off by default: media URLs often come from
    model or user content, and fetching them from inside your network would let
    such content reach internal services (SSRF). When off, each URL's host is
    resolved and refused unless all its addresses are public, the download
    connects to the checked address, and each redirect is checked the same way."""
    prices: PriceTable | None = Field(default=None, exclude=True)
    """Prices for `response_metadata["cost"]` (default: `pricing.DEFAULT_PRICES`;
    e.g. `DEFAULT_PRICES.with_overrides({...})` or `catalog.refresh_prices()`).
    Not serialised."""

    _route: Route | None = PrivateAttr(default=None)
    _token_counter: TokenCounter | None = PrivateAttr(default=None)

    def __init__(self, **kwargs: Any) -> None:
        """Validate the fields; a mistake raises a typed error naming the field.

        No error shows the API key: pydantic quotes the input of a failed check
        (every keyword argument), so its errors are replaced or redacted, and
        raised outside the `except` so that the original is not their context.

        Raises:
            UnknownOptionError: A field this class does not have (with the nearest
                field name, when one is close).
            InvalidInputError: A value out of range, contradictory settings, or a
                feature the chosen route does not offer.
        """
        check_field_names(type(self), kwargs)
        try:
            super().__init__(**kwargs)
        except ValidationError as exc:
            error = construction_error(exc, kwargs)
        else:
            return
        raise error

    @classmethod
    def model_validate(cls, obj: Any, **kwargs: Any) -> Self:
        """pydantic's `model_validate`, whose errors never show the API key either."""
        try:
            return super().model_validate(obj, **kwargs)
        except ValidationError as exc:
            error = construction_error(exc, obj if isinstance(obj, Mapping) else {})
        raise error

    def model_copy(
        self, *, update: Mapping[str, Any] | None = None, deep: bool = False
    ) -> Self:
        """A copy with `update` applied (unvalidated, as pydantic's), with its own
        clients, and a plain-text `api_key` in `update` kept secret."""
        if update is not None and isinstance(update.get("api_key"), str):
            key = update["api_key"]
            update = {**update, "api_key": SecretStr(key) if key.strip() else None}
        copy = super().model_copy(update=update, deep=deep)
        copy._route = None  # the clients hold the original's key and base URL
        copy._token_counter = None
        return copy

    @model_validator(mode="after")
    def _check(self) -> Self:
        self.base_url = gateway_root(self.base_url)
        if self.api_key is not None and not self.api_key.get_secret_value().strip():
            self.api_key = None  # an empty or blank key is no key
        if self.transport is None:
            self.transport = default_transport(self.model)
        if self.max_retries < 0:
            msg = (
                "max_retries must be >= 0 (it counts retries after the first attempt)."
            )
            raise ValueError(msg)
        resolve_call(self._fields(), {}, None, self.transport)
        check_transport(self.model, self.transport)
        return self

    def _resolve_model_profile(self) -> ModelProfile | None:
        return langchain_profile(self.model)

    # -- LangChain plumbing -------------------------------------------------

    @property
    def _llm_type(self) -> str:
        return "aihubmix-gemini"

    @property
    def lc_secrets(self) -> dict[str, str]:
        """Secret fields and their env vars: `dumpd` writes a reference, not the key."""
        return {"api_key": "AIHUBMIX_API_KEY"}

    @classmethod
    def is_lc_serializable(cls) -> bool:
        """True: the model round-trips through `langchain_core.load` (key excluded)."""
        return True

    @classmethod
    def get_lc_namespace(cls) -> list[str]:
        """`["langchain_aihubmix", "chat_models"]`, the path `load` imports from."""
        return ["langchain_aihubmix", "chat_models"]

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "transport": self.transport,
            "base_url": self.base_url,
        }

    def _get_ls_params(
        self, stop: list[str] | None = None, **kwargs: Any
    ) -> LangSmithParams:
        params = LangSmithParams(
            ls_provider="aihubmix",
            ls_model_name=str(kwargs.get("model", self.model)),
            ls_model_type="chat",
        )
        for key, ls_key in (
            ("temperature", "ls_temperature"),
            ("max_output_tokens", "ls_max_tokens"),
        ):
            value = kwargs.get(key, getattr(self, key))
            if value is not None:
                params[ls_key] = value  # type: ignore[literal-required]
        if stop or self.stop:
            params["ls_stop"] = list(stop or self.stop or [])
        return params

    def __getstate__(self) -> dict[Any, Any]:
        state = super().__getstate__()
        private = dict(state.get("__pydantic_private__") or {})
        private["_route"] = None  # clients hold sockets; rebuilt on first use
        private["_token_counter"] = None
        state["__pydantic_private__"] = private
        # The key never travels in a pickle: workers read it from AIHUBMIX_API_KEY.
        state["__dict__"] = {**state["__dict__"], "api_key": None}
        return state

    def __setstate__(self, state: dict[Any, Any]) -> None:
        super().__setstate__(state)
        if self.api_key is None:
            self.api_key = secret_from_env("AIHUBMIX_API_KEY", default=None)()

    # -- per-call preparation -----------------------------------------------

    def _fields(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in CALL_OPTION_FIELDS} | {
            "timeout": self.timeout,
            "max_retries": self.max_retries,
        }

    def client_settings(self) -> ClientSettings:
        """How this model reaches the gateway (used by `caching.CacheManager`).

        Raises:
            InvalidInputError: No API key is configured.
        """
        key = "" if self.api_key is None else self.api_key.get_secret_value()
        if not key.strip():
            msg = "No AiHubMix API key: pass api_key=... or set AIHUBMIX_API_KEY."
            raise InvalidInputError(msg)
        return ClientSettings(
            api_key=key,
            base_url=self.base_url,
            app_code=self.app_code,
            timeout=self.timeout,
            default_headers=dict(self.default_headers or {}),
            client_args=dict(self.client_args or {}),
        )

    def _get_route(self) -> Route:
        """The route, built once (under a lock: threads may race on a first call)."""
        if self._route is not None:
            return self._route
        with _ROUTE_LOCK:
            if self._route is None:
                from langchain_aihubmix._transport.deadline import Deadlined

                settings = self.client_settings()
                if self.transport == "openai":
                    from langchain_aihubmix._openai.client import OpenAIRoute

                    self._route = Deadlined(OpenAIRoute(settings))
                else:
                    from langchain_aihubmix._native.client import NativeRoute

                    self._route = Deadlined(NativeRoute(settings))
            return self._route

    async def _aget_route(self) -> Route:
        """`_get_route`, built in a worker thread the first time: it imports an SDK
        (a few hundred ms), which must not stall the event loop."""
        if self._route is not None:
            return self._route
        return await asyncio.to_thread(self._warm_route)

    def _warm_route(self) -> Route:
        from langchain_aihubmix._transport.warm import warm

        route = self._get_route()
        warm(self.transport or "native")
        return route

    def _preparer(self) -> Preparer:
        """What this model's calls are checked and their media fetched with."""
        return Preparer(
            self._fields(),
            self.transport or "native",
            self.media_fetch_timeout,
            self.allow_private_media_urls,
        )

    # -- the four entry points (thin twins) -----------------------------------

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        call = self._preparer().prepare(messages, stop, kwargs)
        route = self._get_route()
        replies = call_with_retry(
            lambda: route.generate(call.conv, call.opts, call.settings.timeout),
            max_retries=call.settings.max_retries,
            on_retry=retry_notifier(run_manager, call.opts.model),
        )
        return chat_result(replies, call.opts.model, self.prices)

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        call = await self._preparer().aprepare(messages, stop, kwargs)
        route = await self._aget_route()
        replies = await acall_with_retry(
            lambda: route.agenerate(call.conv, call.opts, call.settings.timeout),
            max_retries=call.settings.max_retries,
            on_retry=aretry_notifier(run_manager, call.opts.model),
        )
        return chat_result(replies, call.opts.model, self.prices)

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        call = self._preparer().prepare(messages, stop, kwargs)
        route = self._get_route()
        pricer = StreamPricer(call.opts.model, self.prices)
        for chunk in retry_stream(
            lambda: route.stream(call.conv, call.opts, call.settings.timeout),
            max_retries=call.settings.max_retries,
            on_retry=retry_notifier(run_manager, call.opts.model),
        ):
            # langchain-core reports each chunk to on_llm_new_token itself.
            yield ChatGenerationChunk(message=pricer.feed(chunk))

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        call = await self._preparer().aprepare(messages, stop, kwargs)
        route = await self._aget_route()
        pricer = StreamPricer(call.opts.model, self.prices)
        async for chunk in aretry_stream(
            lambda: route.astream(call.conv, call.opts, call.settings.timeout),
            max_retries=call.settings.max_retries,
            on_retry=aretry_notifier(run_manager, call.opts.model),
        ):
            # langchain-core reports each chunk to on_llm_new_token itself.
            yield ChatGenerationChunk(message=pricer.feed(chunk))

    # -- token counting --------------------------------------------------------

    def get_num_tokens_from_messages(
        self,
        messages: list[BaseMessage],
        tools: Sequence[Any] | None = None,
    ) -> int:
        """Counts the input tokens of `messages` (and `tools`) for this model.

        Asks Gemini's `countTokens` through the gateway; where the gateway does not
        offer it (404 and the like; AiHubMix today), returns the local estimate of
        `langchain_aihubmix.tokens.estimate_tokens` and remembers, for this
        instance, not to ask again.

        Args:
            messages: The messages, as they would be sent.
            tools: Tools as accepted by `bind_tools`.

        Returns:
            The number of input tokens (exact, or estimated).
        """
        if self._token_counter is None:
            from langchain_aihubmix.tokens import TokenCounter

            self._token_counter = TokenCounter(
                None if self.api_key is None else self.client_settings(),
                media_fetch_timeout=self.media_fetch_timeout,
                allow_private_media_urls=self.allow_private_media_urls,
            )
        converted = [convert_tool(tool) for tool in tools or ()]
        return self._token_counter.count(
            messages_to_conversation(convert_to_messages(messages)),
            converted,
            self.model,
        )

    def get_num_tokens(self, text: str) -> int:
        """Counts the tokens of `text` as one user message (see above)."""
        return self.get_num_tokens_from_messages([HumanMessage(content=text)])

    # -- tools and structured output ------------------------------------------

    def bind_tools(
        self,
        tools: Sequence[Any],
        *,
        tool_choice: Any = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        """Bind tools: LangChain tools, functions, Pydantic / TypedDict classes,
        JSON-schema, OpenAI or Anthropic tool dicts, and Gemini's built-in tools
        (`{"code_execution": {}}`, `{"google_search": {}}`, `{"url_context": {}}`).

        Args:
            tools: The tools.
            tool_choice: "auto", "any" / "required" / True, "none", a tool name, or an
                OpenAI-style `{"type": "function", "function": {"name": ...}}`.
            **kwargs: Other call options to bind.

        Returns:
            A runnable that calls this model with the tools.
        """
        converted = [convert_tool(tool) for tool in tools]
        if self.transport == "openai":
            from langchain_aihubmix._options.native_only import check_tools

            check_tools(converted)  # fail now, not at call time
        if tool_choice is not None:
            from langchain_aihubmix._options.tools import convert_tool_choice

            convert_tool_choice(tool_choice, converted)  # fail now, not at call time
        return self.bind(tools=converted, tool_choice=tool_choice, **kwargs)

    def with_structured_output(
        self,
        schema: dict[str, Any] | type | None = None,
        *,
        method: Literal["json_schema", "function_calling", "json_mode"] = "json_schema",
        include_raw: bool = False,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, Any]:
        """Answers parsed into `schema` (Pydantic class, TypedDict or JSON Schema).

        Args:
            schema: The output schema (may be None with `method="json_mode"`).
            method: `"json_schema"` (Gemini's response schema, default),
                `"function_calling"` (a forced tool call) or `"json_mode"`.
            include_raw: Return `{"raw", "parsed", "parsing_error"}` instead.
            **kwargs: Other call options to bind.

        Returns:
            A runnable producing the parsed output. Refusals, blocked answers,
            malformed calls and unparseable output raise clear errors.
        """
        return structured_output_runnable(
            self, schema, method=method, include_raw=include_raw, **kwargs
        )


__all__ = ["ChatAiHubMixGemini"]
