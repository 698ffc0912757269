"""Usage and cost callbacks, driven through real LangChain runs."""

from __future__ import annotations

import asyncio
import contextvars
import io
import json
import threading
from collections.abc import AsyncIterator, Iterator
from decimal import Decimal
from typing import Any
from uuid import uuid4

import pytest
from langchain_core.callbacks import (
    AsyncCallbackManagerForLLMRun,
    CallbackManagerForLLMRun,
)
from langchain_core.callbacks.manager import dispatch_custom_event
from langchain_core.language_models import BaseChatModel
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.messages.ai import UsageMetadata
from langchain_core.outputs import (
    ChatGeneration,
    ChatGenerationChunk,
    ChatResult,
    Generation,
    LLMResult,
)
from langchain_core.runnables import RunnableLambda
from langchain_core.runnables.config import ContextThreadPoolExecutor
from langgraph.graph import END, START, MessagesState, StateGraph
from tenacity import RetryCallState, Retrying

from langchain_aihubmix import AiHubMixCallbackHandler, get_aihubmix_callback
from langchain_aihubmix._output.cost import StreamPricer, price_message
from langchain_aihubmix.callbacks import RETRY_EVENT
from langchain_aihubmix.pricing import DEFAULT_PRICES, PRICES_AS_OF, ModelPrice
from langchain_aihubmix.streaming import ThoughtStreamHandler

FLASH_COST = Decimal("0.000692")  # 600 x 0.30 + 400 x 0.03 + 200 x 2.50, per 1M
FLASH_SAVED = Decimal("0.000108")  # 400 x (0.30 - 0.03), per 1M


def flash_usage(
    inp: int = 1000, out: int = 200, cached: int = 400, reasoning: int = 50
) -> UsageMetadata:
    usage = UsageMetadata(input_tokens=inp, output_tokens=out, total_tokens=inp + out)
    if cached:
        usage["input_token_details"] = {"cache_read": cached}
    if reasoning:
        usage["output_token_details"] = {"reasoning": reasoning}
    return usage


class FakeGemini(BaseChatModel):
    """Answers like ChatAiHubMixGemini: blocks, usage, google_genai metadata."""

    model: str = "gemini-2.5-flash"
    usage: UsageMetadata | None = None
    report_model_name: bool = True
    failures: int = 0
    retry_via: str = ""  # "on_retry": report a retry through the run manager
    prices: Any = None  # priced as ChatAiHubMixGemini prices its replies
    _calls: int = 0

    @property
    def _llm_type(self) -> str:
        return "fake-gemini"

    def _metadata(self) -> dict[str, Any]:
        meta: dict[str, Any] = {
            "model_provider": "google_genai",
            "finish_reason": "STOP",
        }
        if self.report_model_name:
            meta["model_name"] = self.model
        return meta

    def _chunks(self) -> list[AIMessageChunk]:
        usage = self.usage or flash_usage()
        inp, out = usage["input_tokens"], usage["output_tokens"]
        details = usage.get("output_token_details", {})
        reasoning = details.get("reasoning", 0)
        first = UsageMetadata(
            input_tokens=inp,
            output_tokens=reasoning,
            total_tokens=inp + reasoning,
            input_token_details=usage.get("input_token_details", {}),
            output_token_details={"reasoning": reasoning},
        )
        rest = UsageMetadata(
            input_tokens=0, output_tokens=out - reasoning, total_tokens=out - reasoning
        )
        thought = {"type": "thinking", "thinking": "Let me think.", "index": 0}
        return [
            AIMessageChunk(
                content=[thought],
                usage_metadata=first,
                response_metadata={"model_provider": "google_genai"},
            ),
            AIMessageChunk(
                content=[{"type": "text", "text": "Hello", "index": 1}],
                usage_metadata=rest,
                response_metadata={"model_provider": "google_genai"},
            ),
            AIMessageChunk(
                content=[{"type": "text", "text": " world", "index": 1}],
                response_metadata=self._metadata(),
                chunk_position="last",
            ),
        ]

    def _before(self, run_manager: CallbackManagerForLLMRun | None) -> None:
        self._calls += 1
        if self.retry_via == "on_retry" and run_manager is not None:
            run_manager.on_retry(RetryCallState(Retrying(), None, (), {}))
        if self._calls <= self.failures:
            msg = "503 UNAVAILABLE"
            raise RuntimeError(msg)

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        self._before(run_manager)
        message = AIMessage(
            content=[
                {"type": "thinking", "thinking": "Let me think.", "index": 0},
                {"type": "text", "text": "Hello world", "index": 1},
            ],
            usage_metadata=self.usage or flash_usage(),
            response_metadata=self._metadata(),
        )
        price_message(message, self.model, self.prices or DEFAULT_PRICES)
        return ChatResult(generations=[ChatGeneration(message=message)])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        self._before(run_manager)
        pricer = StreamPricer(self.model, self.prices or DEFAULT_PRICES)
        for message in self._chunks():
            chunk = ChatGenerationChunk(message=pricer.feed(message))
            if run_manager is not None:
                run_manager.on_llm_new_token(chunk.text, chunk=chunk)
            yield chunk

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        self._before(None)
        pricer = StreamPricer(self.model, self.prices or DEFAULT_PRICES)
        for message in self._chunks():
            chunk = ChatGenerationChunk(message=pricer.feed(message))
            if run_manager is not None:
                await run_manager.on_llm_new_token(chunk.text, chunk=chunk)
            yield chunk
            await asyncio.sleep(0)


# -- counting across LangChain entry points ----------------------------------


def assert_flash_calls(cb: AiHubMixCallbackHandler, n: int) -> None:
    assert cb.successful_requests == n
    assert cb.failed_requests == 0
    assert cb.input_tokens == 1000 * n
    assert cb.output_tokens == 200 * n
    assert cb.total_tokens == 1200 * n
    assert cb.reasoning_tokens == 50 * n
    assert cb.cache_read_tokens == 400 * n
    assert cb.total_cost == FLASH_COST * n
    assert cb.saved_by_cache == FLASH_SAVED * n
    assert cb.unknown_cost_models == set()
    assert set(cb.per_model) == {"gemini-2.5-flash"}
    model = cb.per_model["gemini-2.5-flash"]
    assert (model.successful_requests, model.cost) == (n, FLASH_COST * n)


def test_invoke_is_counted_without_passing_callbacks() -> None:
    with get_aihubmix_callback() as cb:
        FakeGemini().invoke("hi")
    assert_flash_calls(cb, 1)


def test_a_stream_is_counted_once_from_its_aggregate() -> None:
    llm = FakeGemini()
    with get_aihubmix_callback() as cb:
        chunks = list(llm.stream("hi"))
    assert len(chunks) >= 3  # core may add an empty closing chunk
    total = chunks[0]
    for chunk in chunks[1:]:
        total += chunk
    assert total.usage_metadata is not None
    assert total.usage_metadata["total_tokens"] == 1200  # the deltas add up
    assert_flash_calls(cb, 1)


def test_batch_is_counted_per_prompt() -> None:
    with get_aihubmix_callback() as cb:
        FakeGemini().batch(["a", "b", "c"])
    assert_flash_calls(cb, 3)


async def test_async_invoke_stream_and_batch() -> None:
    llm = FakeGemini()
    with get_aihubmix_callback() as cb:
        await llm.ainvoke("hi")
        async for _ in llm.astream("hi"):
            pass
        await llm.abatch(["a", "b"])
        await asyncio.gather(*(llm.ainvoke(str(i)) for i in range(20)))
    assert_flash_calls(cb, 24)


def test_threads_share_one_handler_exactly() -> None:
    llm = FakeGemini()
    handler = AiHubMixCallbackHandler()

    def work() -> None:
        for _ in range(25):
            llm.invoke("hi", config={"callbacks": [handler]})

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert_flash_calls(handler, 200)


def test_context_reaches_threads_that_copy_it() -> None:
    llm = FakeGemini()
    with get_aihubmix_callback() as cb:
        with ContextThreadPoolExecutor(max_workers=4) as pool:
            list(pool.map(lambda _: llm.invoke("hi"), range(8)))
        ctx = contextvars.copy_context()
        thread = threading.Thread(target=ctx.run, args=(llm.invoke, "hi"))
        thread.start()
        thread.join()
    assert_flash_calls(cb, 9)


def test_chains_and_langgraph_are_counted() -> None:
    llm = FakeGemini()

    def node(state: MessagesState) -> dict[str, list[BaseMessage]]:
        return {"messages": [llm.invoke(state["messages"])]}

    graph = StateGraph(MessagesState)
    graph.add_node("model", node)
    graph.add_edge(START, "model")
    graph.add_edge("model", END)
    app = graph.compile()
    chain = RunnableLambda(lambda x: x) | llm
    with get_aihubmix_callback() as cb:
        app.invoke({"messages": [("user", "hi")]})
        chain.invoke("hi")
    assert_flash_calls(cb, 2)


def test_calls_after_the_block_are_not_counted() -> None:
    llm = FakeGemini()
    with get_aihubmix_callback() as cb:
        llm.invoke("hi")
    llm.invoke("hi")
    assert cb.successful_requests == 1


def test_blocks_nest() -> None:
    llm = FakeGemini()
    with get_aihubmix_callback() as outer:
        llm.invoke("hi")
        with get_aihubmix_callback() as inner:
            llm.invoke("hi")
            llm.invoke("hi")
        llm.invoke("hi")
    assert_flash_calls(inner, 2)
    assert_flash_calls(outer, 4)


def test_a_block_that_raises_still_resets() -> None:
    llm = FakeGemini()
    with pytest.raises(KeyError), get_aihubmix_callback() as cb:
        llm.invoke("hi")
        raise KeyError
    llm.invoke("hi")
    assert cb.successful_requests == 1


# -- prices, unknowns, tiers -------------------------------------------------


@pytest.mark.filterwarnings(
    "ignore::langchain_aihubmix._output.cost.UnpricedModelWarning"
)
def test_unknown_price_is_unknown_not_zero() -> None:
    with get_aihubmix_callback() as cb:
        FakeGemini().invoke("hi")
        FakeGemini(model="mystery-model").invoke("hi")
    assert cb.total_cost is None
    assert cb.saved_by_cache is None  # the mystery model had cache reads
    assert cb.unknown_cost_models == {"mystery-model"}
    assert cb.per_model["gemini-2.5-flash"].cost == FLASH_COST
    assert cb.per_model["mystery-model"].cost is None
    assert cb.input_tokens == 2000  # tokens are still counted
    assert "No price for: mystery-model" in str(cb)
    assert "Cost: unknown USD" in str(cb)


def test_a_message_without_usage_makes_cost_unknown() -> None:
    with get_aihubmix_callback() as cb:
        GenericFakeChatModel(messages=iter([AIMessage(content="x")])).invoke("hi")
    assert cb.successful_requests == 1
    assert cb.total_tokens == 0
    assert cb.total_cost is None
    assert cb.saved_by_cache == 0  # no cache reads: nothing unknown was saved


def test_aliases_and_custom_prices() -> None:
    prices = DEFAULT_PRICES.with_overrides(
        {
            "gemini-2.5-flash-search": ModelPrice(
                input="0.30", output="2.50", request_fee="0.035"
            )
        }
    )
    with get_aihubmix_callback() as cb:
        FakeGemini(model="gemini-2.5-flash-nothink", prices=prices).invoke("hi")
        FakeGemini(model="gemini-2.5-flash-search", prices=prices).invoke("hi")
    assert cb.per_model["gemini-2.5-flash-nothink"].cost == FLASH_COST
    assert cb.per_model["gemini-2.5-flash-search"].cost == FLASH_COST + Decimal("0.035")
    assert cb.total_cost == 2 * FLASH_COST + Decimal("0.035")


def test_long_prompts_use_the_upper_tier() -> None:
    usage = flash_usage(inp=200_001, out=1_000, cached=100_001, reasoning=0)
    with get_aihubmix_callback() as cb:
        FakeGemini(model="gemini-2.5-pro", usage=usage).invoke("hi")
    assert cb.total_cost == Decimal("0.29000025")
    assert cb.saved_by_cache == Decimal("0.22500225")


def test_model_name_falls_back_to_the_requested_model() -> None:
    with get_aihubmix_callback() as cb:
        FakeGemini(model="gemini-3-flash-preview", report_model_name=False).invoke("hi")
    # 600 x 0.50 + 400 x 0.125 + 200 x 3.00, per 1M
    assert cb.per_model["gemini-3-flash-preview"].cost == Decimal("0.00092")


def test_non_chat_generations_are_ignored() -> None:
    handler = AiHubMixCallbackHandler()
    run_id = uuid4()
    handler.on_llm_end(LLMResult(generations=[[Generation(text="x")]]), run_id=run_id)
    handler.on_llm_error(RuntimeError("x"), run_id=run_id)
    assert (handler.successful_requests, handler.failed_requests) == (0, 0)
    assert handler.per_model == {}


# -- failures and retries ----------------------------------------------------


def test_failures_are_counted_per_model() -> None:
    llm = FakeGemini(failures=1)
    with get_aihubmix_callback() as cb:
        with pytest.raises(RuntimeError):
            llm.invoke("hi")
        llm.invoke("hi")
    assert cb.failed_requests == 1
    assert cb.per_model["gemini-2.5-flash"].failed_requests == 1
    assert cb.successful_requests == 1
    assert cb.total_cost == FLASH_COST


def test_stream_failures_are_counted() -> None:
    with get_aihubmix_callback() as cb, pytest.raises(RuntimeError):
        list(FakeGemini(failures=1).stream("hi"))
    assert cb.failed_requests == 1


def test_retries_from_the_run_manager_are_per_model() -> None:
    with get_aihubmix_callback() as cb:
        FakeGemini(retry_via="on_retry").invoke("hi")
    assert cb.retries == 1
    assert cb.per_model["gemini-2.5-flash"].retries == 1


def test_retry_events_are_counted() -> None:
    llm = FakeGemini()

    def step(text: str) -> BaseMessage:
        dispatch_custom_event(RETRY_EVENT, {"model": llm.model, "attempt": 1})
        return llm.invoke(text)

    with get_aihubmix_callback() as cb:
        RunnableLambda(step).invoke("hi")
    assert cb.retries == 1
    assert cb.per_model["gemini-2.5-flash"].retries == 1


def test_retry_event_without_model_uses_the_run() -> None:
    handler = AiHubMixCallbackHandler()
    run_id = uuid4()
    handler.on_chat_model_start(
        {}, [[]], run_id=run_id, metadata={"ls_model_name": "gemini-2.5-pro"}
    )
    handler.on_custom_event(RETRY_EVENT, {"attempt": 2}, run_id=run_id)
    handler.on_custom_event("something_else", {}, run_id=run_id)
    handler.on_custom_event(RETRY_EVENT, None, run_id=uuid4())
    assert handler.retries == 2
    assert handler.per_model["gemini-2.5-pro"].retries == 1


def test_with_retry_attempts_show_as_failures() -> None:
    llm = FakeGemini(failures=2)
    retrying = llm.with_retry(stop_after_attempt=3, wait_exponential_jitter=False)
    with get_aihubmix_callback() as cb:
        retrying.invoke("hi")
    assert cb.retries == 0  # RunnableRetry emits no on_retry
    assert cb.failed_requests == 2
    assert cb.successful_requests == 1
    assert cb.total_cost == FLASH_COST


# -- display and per-call metadata -------------------------------------------


def test_summary_is_readable() -> None:
    with get_aihubmix_callback() as cb:
        FakeGemini().invoke("hi")
        FakeGemini(model="gemini-2.5-pro").invoke("hi")
    text = str(cb)
    assert text == repr(cb)
    lines = text.splitlines()
    assert lines[0] == "Requests: 2 ok, 0 failed, 0 retries"
    assert lines[1] == (
        "Tokens: 2400 total = 2000 input (800 cached) + 400 output (100 reasoning)"
    )
    # pro: 600 x 1.25 + 400 x 0.3125 + 200 x 10, per 1M = 0.002875
    assert lines[2] == "Cost: $0.003492 USD (caching saved $0.000558)"
    assert lines[3].startswith("  gemini-2.5-flash: 1 ok, 0 failed, 0 retries;")
    assert lines[3].endswith("$0.000692")
    assert lines[4].startswith("  gemini-2.5-pro:")


def _cost(usage: UsageMetadata | None, model: str, prices: Any = DEFAULT_PRICES) -> Any:
    message = AIMessage("", usage_metadata=usage)
    return price_message(message, model, prices).response_metadata.get("cost")


@pytest.mark.filterwarnings(
    "ignore::langchain_aihubmix._output.cost.UnpricedModelWarning"
)
def test_cost_metadata() -> None:
    meta = _cost(flash_usage(), "gemini-2.5-flash")
    assert meta == {
        "input": 0.00018,
        "cache_read": 0.000012,
        "output": 0.0005,
        "request_fee": 0.0,
        "total": 0.000692,
        "saved_by_cache": 0.000108,
        "currency": "USD",
        "prices_as_of": PRICES_AS_OF.isoformat(),
        "price_source": "aihubmix-catalog",
    }
    json.dumps(meta)
    assert _cost(flash_usage(), "mystery-model") is None
    assert _cost(None, "gemini-2.5-flash") is None
    custom = DEFAULT_PRICES.with_overrides({"x": ModelPrice(input=1, output=1)})
    meta = _cost(flash_usage(cached=0), "x", custom)
    assert meta is not None and meta["total"] == 0.0012
    assert meta["prices_as_of"] is None


# -- ThoughtStreamHandler ----------------------------------------------------


def test_thought_stream_handler_separates_thoughts_and_answer() -> None:
    out = io.StringIO()
    list(FakeGemini().stream("hi", config={"callbacks": [ThoughtStreamHandler(out)]}))
    assert out.getvalue() == "Thinking:\nLet me think.\n\nAnswer:\nHello world\n"


async def test_thought_stream_handler_async_with_colour() -> None:
    out = io.StringIO()
    handler = ThoughtStreamHandler(out, color=True)
    async for _ in FakeGemini().astream("hi", config={"callbacks": [handler]}):
        pass
    assert out.getvalue() == (
        "\x1b[1mThinking:\x1b[0m\n\x1b[2;3mLet me think.\x1b[0m\n\n"
        "\x1b[1mAnswer:\x1b[0m\nHello world\n"
    )


def test_thought_stream_handler_plain_text_models_and_no_tty() -> None:
    out = io.StringIO()
    llm = GenericFakeChatModel(messages=iter([AIMessage(content="just text")]))
    list(llm.stream("hi", config={"callbacks": [ThoughtStreamHandler(out)]}))
    assert out.getvalue() == "Answer:\njust text\n"
    assert "\x1b" not in out.getvalue()


def test_thought_stream_handler_reads_v1_reasoning_and_skips_other_blocks() -> None:
    out = io.StringIO()
    handler = ThoughtStreamHandler(out, labels=("[t]", "[a]"))
    run_id = uuid4()
    content: list[str | dict[str, Any]] = [
        {"type": "reasoning", "reasoning": "hmm"},
        {"type": "executable_code", "executable_code": "print(1)"},
        {"type": "text", "text": "ok"},
    ]
    chunk = ChatGenerationChunk(message=AIMessageChunk(content=content))
    handler.on_llm_new_token("", chunk=chunk, run_id=run_id)
    handler.on_llm_error(RuntimeError(), run_id=run_id)
    assert out.getvalue() == "[t]\nhmm\n\n[a]\nok\n"
