"""ChatAiHubMixGemini: Google Gemini through the AiHubMix gateway, on either route."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from functools import partial
from typing import Any, Self

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
from pydantic import Field, PrivateAttr, SecretStr, model_validator

from langchain_aihubmix._call.construct import (
    check_field_names,
    client_settings,
    keyless_state,
    new_route,
    validated,
)
from langchain_aihubmix._call.prepare import Preparer, chat_result
from langchain_aihubmix._input.conversation import MODEL_PROVIDER
from langchain_aihubmix._input.from_messages import messages_to_conversation
from langchain_aihubmix._options.call_options import ThinkingLevel
from langchain_aihubmix._options.model_rules import check_transport
from langchain_aihubmix._options.native_only import check_tools
from langchain_aihubmix._options.resolve import resolve_call
from langchain_aihubmix._options.spec import (
    ALIASES,
    CALL_OPTION_FIELDS,
    SpeechConfigField,
    as_tuple,
    option_field,
)
from langchain_aihubmix._options.tool_wire import check_names
from langchain_aihubmix._options.tools import convert_tool, convert_tool_choice
from langchain_aihubmix._output.cost import StreamPricer
from langchain_aihubmix._transport.failover import DEFAULT_BASE_URL, gateway_roots
from langchain_aihubmix._transport.retry import (
    acall_with_retry,
    aretry_stream,
    call_with_retry,
    retry_stream,
)
from langchain_aihubmix._transport.retry_events import aretry_notifier, retry_notifier
from langchain_aihubmix._transport.route import Route
from langchain_aihubmix.pricing import DEFAULT_PRICES, PriceTable
from langchain_aihubmix.profiles import Transport, default_transport, langchain_profile
from langchain_aihubmix.structured import Method, structured_output_runnable
from langchain_aihubmix.tokens import estimate_tokens

_ROUTE_LOCK = threading.Lock()
"""Guards the first build of a model's route (one per model, even under threads)."""


class ChatAiHubMixGemini(BaseChatModel, populate_by_name=True, extra="forbid"):
    """Google Gemini served through the AiHubMix gateway.

    One class, two routes: `transport="native"` (the Gemini REST API at
    `{base_url}/gemini`, through google-genai) or `"openai"` (AiHubMix's Chat
    Completions API at `{base_url}/v1`, through openai); unset, each call takes
    the route of the model it uses (`-nothink` / `-search` ids: openai). Both give
    the same LangChain output: answer text, thoughts, tool calls, code execution,
    citations and exact token usage. See README.md and examples/; offline, point
    `base_url` / `api_key` at `langchain_aihubmix.testing.AiHubMixEmulator`.

    Example:
        ```python
        from langchain_aihubmix import ChatAiHubMixGemini

        llm = ChatAiHubMixGemini(model="gemini-2.5-flash", include_thoughts=True)
        msg = llm.invoke("Why is the sky blue?")
        msg.text                 # the answer, without thoughts
        msg.content_blocks       # reasoning + text blocks
        msg.usage_metadata       # input / output / reasoning / cache_read tokens
        ```
    """

    model: str = Field(alias="model_name")
    """Gemini model id as AiHubMix names it, e.g. `gemini-2.5-flash`."""
    api_key: SecretStr | None = Field(
        default_factory=secret_from_env("AIHUBMIX_API_KEY", default=None)
    )
    """AiHubMix key; env `AIHUBMIX_API_KEY`. Never serialised or shown."""
    base_url: str | list[str] = Field(
        default_factory=from_env("AIHUBMIX_BASE_URL", default=DEFAULT_BASE_URL)
    )
    """Gateway root, or roots in order (the next only when connecting fails); env
    `AIHUBMIX_BASE_URL`, comma-separated. `/v1`, `/gemini`... after a root: removed."""
    transport: Transport | None = None
    """`"native"` or `"openai"`; `None`: each call's from the model id it uses
    (suffixed ids: openai), per-call `model=` and `configurable_fields` included."""
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
    stop: list[str] | str | None = option_field("stop")
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
    reasoning_effort: ThinkingLevel | None = option_field("reasoning_effort")
    code_execution: bool = option_field("code_execution")
    google_search: bool = option_field("google_search")
    url_context: bool = option_field("url_context")
    extra_body: dict[str, Any] | None = option_field("extra_body")

    streaming: bool = False
    """Stream under the hood for `invoke` (callbacks then see every token)."""
    timeout: float | None = Field(default=60.0, gt=0, allow_inf_nan=False)
    """Deadline of each attempt in seconds (None: none), also per call. `invoke`: to
    the reply's last byte; streams: to the first chunk, then from chunk to chunk. A
    call may take `(max_retries + 1) * timeout` plus the waits between attempts."""
    max_retries: int = 2
    """Retries after the first attempt of what the gateway cannot have billed."""
    retry_billable: bool = False
    """Also retry what it may have billed (a timeout after sending, a cut stream)."""
    default_headers: dict[str, str] | None = None
    """Extra HTTP headers for every request."""
    client_args: dict[str, Any] | None = None
    """httpx client options, e.g. `{"proxy": "http://proxy:8080"}`."""
    media_fetch_timeout: float = Field(default=30.0, gt=0, allow_inf_nan=False)
    """Seconds allowed for downloading an http(s) media URL in the input."""
    allow_private_media_urls: bool = False
    """Download media URLs from private, loopback, link-local, multicast and reserved
    addresses too. Off by default: URLs in model or user content must not reach your
    internal services (SSRF); each host and redirect is resolved and checked."""
    prices: PriceTable | None = Field(default=None, exclude=True)
    """Prices for `response_metadata["cost"]`, not serialised (default: DEFAULT_PRICES;
    e.g. `DEFAULT_PRICES.with_overrides({...})` or `catalog.refresh_prices()`)."""

    _routes: dict[Transport, Route] = PrivateAttr(default_factory=dict)

    def __init__(self, **kwargs: Any) -> None:
        """Validate the fields; a mistake raises a typed error naming the field, and
        no error shows the key (raised outside the `except`: not chained)."""
        check_field_names(type(self), kwargs)
        validated(partial(super().__init__, **kwargs), kwargs)

    @classmethod
    def model_validate(cls, obj: Any, **kwargs: Any) -> Self:
        """pydantic's `model_validate`, whose errors never show the API key either."""
        build = partial(super().model_validate, obj, **kwargs)
        return validated(build, obj if isinstance(obj, Mapping) else {})

    def model_copy(
        self, *, update: Mapping[str, Any] | None = None, deep: bool = False
    ) -> Self:
        """A copy with `update` applied (unvalidated, as pydantic's), with its own
        clients, and a plain-text `api_key` in `update` kept secret."""
        if update is not None and isinstance(update.get("api_key"), str):
            key = update["api_key"]
            update = {**update, "api_key": SecretStr(key) if key.strip() else None}
        clone = super().model_copy(update=update, deep=deep)
        clone._routes = {}  # the clients hold the original's key and base URL
        return clone

    def __deepcopy__(self, memo: dict[int, Any] | None = None) -> Self:
        """A deep copy with its own clients (sockets cannot be copied); unlike a
        pickle, it stays in this process, so it keeps the key."""
        return super(ChatAiHubMixGemini, self.model_copy()).__deepcopy__(memo)

    @model_validator(mode="after")
    def _check(self) -> Self:
        roots = gateway_roots(self.base_url)
        self.base_url = roots[0] if len(roots) == 1 else list(roots)
        if self.api_key is not None and not self.api_key.get_secret_value().strip():
            self.api_key = None  # an empty or blank key is no key
        transport = self._transport_for(self.model)
        resolve_call(self._fields(), {}, transport)
        check_transport(self.model, transport)
        return self

    def _transport_for(self, model: str) -> Transport:
        """The route of a call to `model`: `transport`, else the model id's."""
        return self.transport or default_transport(model)

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
        transport = self._transport_for(self.model)
        return {"model": self.model, "transport": transport, "base_url": self.base_url}

    def _get_ls_params(
        self, stop: list[str] | None = None, **kwargs: Any
    ) -> LangSmithParams:
        # = every reply's `model_provider`: else LangChain ignores reported usage
        params = LangSmithParams(
            ls_provider=MODEL_PROVIDER,
            ls_model_name=str(kwargs.get("model", self.model)),
            ls_model_type="chat",
        )
        kwargs = {ALIASES.get(k, k): v for k, v in kwargs.items()}  # as a call reads
        temperature = kwargs.get("temperature", self.temperature)
        max_tokens = kwargs.get("max_output_tokens", self.max_output_tokens)
        if temperature is not None:
            params["ls_temperature"] = temperature
        if max_tokens is not None:
            params["ls_max_tokens"] = max_tokens
        if stops := stop or kwargs.get("stop") or self.stop:
            params["ls_stop"] = list(as_tuple(stops))
        return params

    def __getstate__(self) -> dict[Any, Any]:
        return keyless_state(super().__getstate__(), _routes={})

    def __setstate__(self, state: dict[Any, Any]) -> None:
        super().__setstate__(state)
        if self.api_key is None:
            self.api_key = secret_from_env("AIHUBMIX_API_KEY", default=None)()

    # -- per-call preparation -----------------------------------------------

    def _fields(self) -> dict[str, Any]:
        fields = {name: getattr(self, name) for name in CALL_OPTION_FIELDS}
        return fields | {
            "timeout": self.timeout,
            "max_retries": self.max_retries,
            "retry_billable": self.retry_billable,
        }

    def _get_route(self, transport: Transport | None = None) -> Route:
        """The route of `transport` (default: the model's), built on first use
        (under a lock: threads may race on a first call)."""
        transport = transport or self._transport_for(self.model)
        if (route := self._routes.get(transport)) is not None:
            return route
        with _ROUTE_LOCK:
            if (route := self._routes.get(transport)) is None:
                route = new_route(client_settings(self), transport)
                # a new dict: a shallow copy of this model shares the old one
                self._routes = {**self._routes, transport: route}
            return route

    async def _aget_route(self, transport: Transport) -> Route:
        """`_get_route`, built in a worker thread the first time: it imports an SDK
        and builds its validators (a few hundred ms), which must not stall the loop."""
        if (route := self._routes.get(transport)) is not None:
            return route
        return await asyncio.to_thread(self._get_route, transport)

    def _preparer(self) -> Preparer:
        """What this model's calls are checked and their media fetched with."""
        prices = DEFAULT_PRICES if self.prices is None else self.prices
        media = (self.media_fetch_timeout, self.allow_private_media_urls)
        fields, url = self._fields(), self.base_url
        return Preparer(fields, self.transport, *media, prices, url, type(self))

    # -- the four entry points (thin twins) -----------------------------------

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        call = self._preparer().prepare(messages, stop, kwargs)
        route = self._get_route(call.transport)
        replies = call_with_retry(
            lambda: route.generate(call.conv, call.opts, call.settings.timeout),
            **call.settings.retry(retry_notifier(run_manager, call.opts.model)),
        )
        return chat_result(replies, call)

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        call = await self._preparer().aprepare(messages, stop, kwargs)
        route = await self._aget_route(call.transport)
        replies = await acall_with_retry(
            lambda: route.agenerate(call.conv, call.opts, call.settings.timeout),
            **call.settings.retry(aretry_notifier(run_manager, call.opts.model)),
        )
        return chat_result(replies, call)

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        call = self._preparer().prepare(messages, stop, kwargs)
        route = self._get_route(call.transport)
        pricer = StreamPricer(call.opts.model, call.prices)
        for chunk in retry_stream(
            lambda: route.stream(call.conv, call.opts, call.settings.timeout),
            **call.settings.retry(retry_notifier(run_manager, call.opts.model)),
        ):
            # langchain-core reports each chunk to on_llm_new_token itself.
            yield ChatGenerationChunk(message=pricer.feed(call.wire.restore(chunk)))

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        call = await self._preparer().aprepare(messages, stop, kwargs)
        route = await self._aget_route(call.transport)
        pricer = StreamPricer(call.opts.model, call.prices)
        async for chunk in aretry_stream(
            lambda: route.astream(call.conv, call.opts, call.settings.timeout),
            **call.settings.retry(aretry_notifier(run_manager, call.opts.model)),
        ):
            # langchain-core reports each chunk to on_llm_new_token itself.
            yield ChatGenerationChunk(message=pricer.feed(call.wire.restore(chunk)))

    # -- token counting --------------------------------------------------------

    def get_num_tokens_from_messages(
        self,
        messages: list[BaseMessage],
        tools: Sequence[Any] | None = None,
    ) -> int:
        """The input tokens of `messages` (and `tools`), estimated locally:
        AiHubMix does not route Gemini's `countTokens` (rule:
        `langchain_aihubmix.tokens`)."""
        return estimate_tokens(
            messages_to_conversation(convert_to_messages(messages)),
            [convert_tool(tool) for tool in tools or ()],
        )

    def get_num_tokens(self, text: str) -> int:
        """The estimated tokens of `text` as one user message (see above)."""
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
        `tool_choice`: "auto", "any" / "required" / True, "none", a tool name, or
        `{"type": "function", "function": {"name": ...}}`; other keyword arguments
        are bound as call options.
        """
        converted = [convert_tool(tool) for tool in tools]
        check_names(converted, repeats=True)  # two names sent as one: fail now
        if self._transport_for(kwargs.get("model", self.model)) == "openai":
            check_tools(converted)  # fail now, not at call time
        if tool_choice is not None:
            convert_tool_choice(tool_choice, converted)  # fail now, not at call time
        return self.bind(tools=converted, tool_choice=tool_choice, **kwargs)

    def with_structured_output(
        self,
        schema: dict[str, Any] | type | None = None,
        *,
        method: Method = "json_schema",
        include_raw: bool = False,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, Any]:
        """Answers parsed into `schema` (Pydantic class, TypedDict or JSON Schema).

        `method`: `"json_schema"` (Gemini's response schema, default),
        `"function_calling"` (a forced tool call) or `"json_mode"` (schema may be
        None). `include_raw=True` returns `{"raw", "parsed", "parsing_error"}`.
        Refusals, blocked answers, malformed calls and unparseable output raise.
        """
        return structured_output_runnable(
            self, schema, method=method, include_raw=include_raw, **kwargs
        )


__all__ = ["ChatAiHubMixGemini"]
