"""AiHubMixEmbeddings against the emulator over HTTP: what a user sends and gets."""

from __future__ import annotations

import asyncio
import gc
import math
import pickle
import time
import traceback
import warnings
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import httpx2
import pytest
from langchain_core.exceptions import (
    ModelAPIError,
    ModelAuthenticationError,
    ModelInvalidRequestError,
    ModelNotFoundError,
    ModelRateLimitError,
    ModelTimeoutError,
)
from langchain_tests.integration_tests import EmbeddingsIntegrationTests
from langchain_tests.unit_tests import EmbeddingsUnitTests

from langchain_aihubmix import AiHubMixEmbeddings, ChatAiHubMixGemini
from langchain_aihubmix.callbacks import get_aihubmix_callback
from langchain_aihubmix.errors import (
    InvalidInputError,
    OpenAIAPIError,
    OpenAIAuthenticationError,
    UnknownOptionError,
)
from langchain_aihubmix.testing import AiHubMixEmulator, tokens
from langchain_aihubmix.testing.embeddings import BATCH_MESSAGE, vector
from tests.support import closed_port

TEXTS = [
    "The cat sat on the mat.",
    "Dogs bark at the postman.",
    "Cats purr when they are happy.",
    "Paris is the capital of France.",
    "The Seine flows through Paris.",
]
EMBED = "/v1/embeddings"


def make(hub: AiHubMixEmulator, **kw: Any) -> AiHubMixEmbeddings:
    kw.setdefault("base_url", hub.base_url)
    kw.setdefault("api_key", hub.api_key)
    return AiHubMixEmbeddings(**kw)


def call(emb: AiHubMixEmbeddings, method: str, arg: Any) -> Any:
    """`emb.<method>(arg)`; an async one (`aembed_...`) in a new event loop."""
    result = getattr(emb, method)(arg)
    return asyncio.run(result) if method.startswith("a") else result


def sent(hub: AiHubMixEmulator) -> list[Any]:
    """The bodies of the embeddings requests the emulator received."""
    return [r.body for r in hub.requests if r.path == EMBED]


@pytest.mark.parametrize("order", ["index", "shuffled", "index0"])
def test_vectors_in_input_order_in_batches(hub: AiHubMixEmulator, order: str) -> None:
    """Shuffled answers are put back by `index`; all-zero indices (one-api) are
    taken in the order received."""
    hub.openai_quirks.embedding_order = order  # type: ignore[assignment]
    emb = make(hub, dimensions=64, chunk_size=2)
    assert emb.embed_documents(TEXTS) == [vector(t, 64) for t in TEXTS]
    assert [b["input"] for b in sent(hub)] == [TEXTS[0:2], TEXTS[2:4], TEXTS[4:]]


def test_async_twins_and_query(hub: AiHubMixEmulator) -> None:
    emb = make(hub, dimensions=32)

    async def both() -> tuple[list[list[float]], list[float]]:
        return await emb.aembed_documents(TEXTS), await emb.aembed_query("cat?")

    documents, query = asyncio.run(both())
    assert documents == emb.embed_documents(TEXTS)
    assert query == emb.embed_query("cat?") == vector("cat?", 32)
    cosine = [sum(a * b for a, b in zip(query, d, strict=True)) for d in documents]
    assert max(range(len(TEXTS)), key=cosine.__getitem__) in (0, 2)  # about cats


class _NoThreads(ThreadPoolExecutor):
    def submit(self, *args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a worker thread was asked for")


def test_async_runs_on_the_loop_and_closes_with_it(hub: AiHubMixEmulator) -> None:
    """Once its clients exist, aembed_* asks for no worker thread (langchain-core's
    default runs the sync call in one): concurrent calls overlap on the loop, past
    a dead first base URL; each loop's client closes with its loop (no
    ResourceWarning across several loops)."""
    emb = make(hub, dimensions=8, chunk_size=2, base_url=[closed_port(), hub.base_url])
    emb.embed_query("cat?")  # the route is built (a first async call: in a thread)

    async def main() -> None:
        asyncio.get_running_loop().set_default_executor(_NoThreads())
        docs, query = await asyncio.gather(
            emb.aembed_documents(TEXTS), emb.aembed_query("cat?")
        )
        assert (docs, query) == ([vector(t, 8) for t in TEXTS], vector("cat?", 8))

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        for _ in range(3):
            asyncio.run(main())
        gc.collect()
    assert [w.message for w in caught if w.category is ResourceWarning] == []
    assert len(sent(hub)) == 1 + 3 * 4


def test_the_request_on_the_wire(hub: AiHubMixEmulator) -> None:
    """Strings (never token arrays), floats asked for (the openai SDK's default is
    base64), the model's own size unless `dimensions`, task types only when set."""
    plain = make(hub, base_url=hub.base_url + "/v1/")
    assert len(plain.embed_query("hello")) == 3072
    tasks = make(
        hub,
        dimensions=768,
        document_task_type="RETRIEVAL_DOCUMENT",
        query_task_type="RETRIEVAL_QUERY",
    )
    tasks.embed_documents(["a", "b"])
    tasks.embed_query("c")
    assert sent(hub) == [
        {
            "model": "gemini-embedding-001",
            "input": ["hello"],
            "encoding_format": "float",
        },
        {
            "model": "gemini-embedding-001",
            "input": ["a", "b"],
            "encoding_format": "float",
            "dimensions": 768,
            "task_type": "RETRIEVAL_DOCUMENT",
        },
        {
            "model": "gemini-embedding-001",
            "input": ["c"],
            "encoding_format": "float",
            "dimensions": 768,
            "task_type": "RETRIEVAL_QUERY",
        },
    ]
    request = hub.requests[0]
    assert request.route == "openai"
    assert request.headers["authorization"] == f"Bearer {hub.api_key}"
    assert "x-goog-api-key" not in request.headers


def test_bad_input_is_refused_before_sending(hub: AiHubMixEmulator) -> None:
    emb = make(hub)
    assert emb.embed_documents([]) == []
    with pytest.raises(InvalidInputError, match=r"texts\[2\] is ''"):
        emb.embed_documents(["a", "b", "", "d"])
    with pytest.raises(InvalidInputError, match=r"texts\[1\] is 7"):
        emb.embed_documents(["a", 7])  # type: ignore[list-item]
    with pytest.raises(InvalidInputError, match=r"texts\[0\] is ''"):
        emb.embed_query("")
    for key in (None, "  "):
        with pytest.raises(InvalidInputError, match="AIHUBMIX_API_KEY"):
            make(hub, api_key=key).embed_query("a")
    assert hub.requests == []
    with pytest.raises(ValueError, match="dimensions"):
        make(hub, dimensions=0)
    for timeout in (0, -1, math.inf):  # (no deadline: None)
        with pytest.raises(ValueError, match="timeout"):
            make(hub, timeout=timeout)
    peers = {  # langchain-google-genai's and OpenAIEmbeddings' names
        "google_api_key": "api_key",
        "model_name": "model",
        "output_dimensionality": "dimensions",
        "openai_api_base": "base_url",
        "batch_size": "chunk_size",
    }
    for name, ours in peers.items():
        with pytest.raises(UnknownOptionError, match=f"Did you mean '{ours}'"):
            make(hub, **{name: "x"})


@pytest.mark.parametrize("entry", ["embed_query", "aembed_query"])
def test_building_the_clients_is_not_the_attempt_s_time(
    hub: AiHubMixEmulator, entry: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first call builds the clients (an SDK import, a few hundred ms cold): the
    deadline starts after that, on both twins, as for chat models."""
    from langchain_aihubmix._openai.client import OpenAIRoute

    build = OpenAIRoute.__init__

    def slow(self: OpenAIRoute, *args: Any) -> None:
        time.sleep(0.3)
        build(self, *args)

    monkeypatch.setattr(OpenAIRoute, "__init__", slow)
    emb = make(hub, dimensions=8, timeout=0.25, max_retries=0)
    assert call(emb, entry, "a") == vector("a", 8)


@pytest.mark.usefixtures("no_backoff")
@pytest.mark.parametrize("entry", ["embed", "aembed"])
def test_gateway_errors_are_typed(hub: AiHubMixEmulator, entry: str) -> None:
    query, documents = f"{entry}_query", f"{entry}_documents"
    with pytest.raises(OpenAIAuthenticationError) as bad_key:
        call(make(hub, api_key="sk-wrong"), query, "a")
    assert isinstance(bad_key.value, ModelAuthenticationError)
    with pytest.raises(ModelNotFoundError, match="gemini-embedding-999"):
        call(make(hub, model="gemini-embedding-999"), query, "a")
    with pytest.raises(ModelNotFoundError, match="batchEmbedContents"):
        call(make(hub, model="gemini-2.5-flash"), query, "a")
    with pytest.raises(ModelInvalidRequestError, match="at most 100 requests"):
        call(make(hub, chunk_size=101), documents, ["a"] * 101)
    assert len(hub.requests) == 4  # none of them retried
    hub.reset()
    hub.inject_fault("500", count=3, route="openai")
    with pytest.raises(OpenAIAPIError) as server:
        call(make(hub, max_retries=2), query, "a")
    assert isinstance(server.value, ModelAPIError) and server.value.status_code == 500
    assert len(hub.requests) == 3
    hub.reset()
    hub.inject_fault("slow", delay=1.0, route="openai")
    with pytest.raises(ModelTimeoutError, match="within the attempt's timeout") as t:
        call(make(hub, timeout=0.2, max_retries=2), query, "a")
    assert "(127.0.0.1)" in str(t.value)  # the host, sync and async
    assert len(hub.requests) == 1  # it may have been billed: not retried


@pytest.mark.usefixtures("no_backoff")
@pytest.mark.parametrize("entry", ["embed_query", "aembed_query"])
def test_rate_limits_are_retried_and_counted(hub: AiHubMixEmulator, entry: str) -> None:
    hub.inject_fault("429", count=2, retry_delay=0, route="openai")
    with get_aihubmix_callback() as cb:
        assert call(make(hub, dimensions=8), entry, "a") == vector("a", 8)
    assert (cb.retries, cb.successful_requests, len(hub.requests)) == (2, 1, 3)
    hub.inject_fault("429", count=1, retry_delay=0, route="openai")
    with pytest.raises(ModelRateLimitError):
        call(make(hub, max_retries=0), entry, "a")


def _reply(*items: tuple[int, list[float]], tokens: int = 3) -> dict[str, Any]:
    data = [{"object": "embedding", "index": i, "embedding": v} for i, v in items]
    usage = {"prompt_tokens": tokens, "total_tokens": tokens}
    return {"object": "list", "data": data, "model": "m", "usage": usage}


@pytest.mark.parametrize(
    ("reply", "error", "match"),
    [
        (
            _reply((0, [1.0])),
            OpenAIAPIError,
            "not 2 vectors of finite numbers, of one size",
        ),
        (_reply((0, [1.0]), (1, [1.0, 2.0])), OpenAIAPIError, "sizes \\[1, 2\\]"),
        ({"data": "nope"}, OpenAIAPIError, "not 2 vectors"),
        (
            {"error": {"message": "quota gone", "code": 429}},
            ModelRateLimitError,
            "quota gone",
        ),
        *[
            (
                _reply((0, [1.0, 2.0]), (1, [1.0, bad])),
                OpenAIAPIError,
                "sizes \\[0, 2\\]",
            )
            for bad in ["x", None, True, [1.0], math.nan, math.inf, 10**400]
        ],
    ],
    ids=[
        *("count", "sizes", "no-data", "error-in-200"),
        *("str", "null", "bool", "nested", "nan", "inf", "huge"),
    ],
)
def test_a_reply_that_is_no_answer_raises(
    hub: AiHubMixEmulator, reply: dict[str, Any], error: type, match: str
) -> None:
    hub.queue(error=(200, reply))  # any body, sent with status 200
    with pytest.raises(error, match=match):
        make(hub, max_retries=0).embed_documents(["a", "b"])


def test_ignored_dimensions_raise(hub: AiHubMixEmulator) -> None:
    hub.queue(error=(200, _reply((0, [0.6, 0.8]))))
    with pytest.raises(OpenAIAPIError, match="dimensions=768 asked"):
        make(hub, dimensions=768, max_retries=0).embed_query("a")


@pytest.mark.parametrize("entry", ["embed", "aembed"])
def test_cost_in_the_callback_handler(hub: AiHubMixEmulator, entry: str) -> None:
    emb = make(hub, dimensions=8, chunk_size=2)
    with get_aihubmix_callback() as outer:
        with get_aihubmix_callback() as cb:
            call(emb, f"{entry}_documents", TEXTS)
        call(emb, f"{entry}_query", "one more")
    used = sum(tokens.count(t) for t in TEXTS)  # the emulator's prompt_tokens
    assert (cb.successful_requests, cb.input_tokens, cb.output_tokens) == (3, used, 0)
    assert cb.total_cost == Decimal(used) * Decimal("0.15") / 1_000_000
    assert outer.successful_requests == 4
    assert outer.input_tokens == used + tokens.count("one more")
    # one-api reports no usage (0): the cost is unknown, never $0
    hub.queue(error=(200, _reply((0, [1.0]), tokens=0)))
    with get_aihubmix_callback() as unknown:
        call(make(hub), f"{entry}_query", "a")
    assert unknown.total_cost is None
    assert unknown.unknown_cost_models == {"gemini-embedding-001"}


def test_key_never_shows(
    hub: AiHubMixEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = hub.api_key
    emb = make(hub)
    emb.embed_query("a")  # the clients, which hold the key, exist
    assert key not in repr(emb) + str(emb)
    data = pickle.dumps(emb)
    assert key.encode() not in data
    monkeypatch.setenv("AIHUBMIX_API_KEY", key)
    assert len(pickle.loads(data).embed_query("a")) == 3072  # key from the env
    hub.queue(error=(401, {"error": {"message": f"bad key {key}"}}))
    with pytest.raises(ModelAuthenticationError) as info:
        emb.embed_query("a")
    shown = "".join(traceback.format_exception(info.value)) + repr(info.value)
    assert key not in shown and key.encode() not in pickle.dumps(info.value)
    with pytest.raises(ValueError) as typo:
        AiHubMixEmbeddings(apikey=key)  # type: ignore[call-arg]
    assert key not in str(typo.value) and "apikey" in str(typo.value)


@pytest.mark.parametrize("user", ["embed_query", "aembed_query", "chat"])
def test_openai_env_vars_never_reach_the_server(
    hub: AiHubMixEmulator, monkeypatch: pytest.MonkeyPatch, user: str
) -> None:
    """The openai SDK reads these when not given: they must change nothing sent."""
    monkeypatch.setenv("OPENAI_ORG_ID", "org-from-env")
    monkeypatch.setenv("OPENAI_PROJECT_ID", "proj-from-env")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-env")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    if user != "chat":
        call(make(hub, dimensions=4), user, "a")
    else:
        chat = ChatAiHubMixGemini(
            model="gemini-2.5-flash",
            transport="openai",
            base_url=hub.base_url,
            api_key=hub.api_key,
        )
        chat.invoke("a")
    (request,) = hub.requests
    assert request.headers["authorization"] == f"Bearer {hub.api_key}"
    assert not {"openai-organization", "openai-project"} & set(request.headers)
    assert "from-env" not in str(request.headers)


def test_emulator_is_strict_like_gemini(hub: AiHubMixEmulator) -> None:
    """What the class never sends, the emulator still refuses as the service does."""
    auth = {"Authorization": f"Bearer {hub.api_key}"}

    def post(body: Any) -> httpx2.Response:
        return httpx2.post(hub.base_url + EMBED, json=body, headers=auth)

    model = {"model": "gemini-embedding-001"}
    assert "required oneof field 'data'" in post(model | {"input": ["a", ""]}).text
    assert "token arrays" in post(model | {"input": [[1, 2]]}).text
    assert BATCH_MESSAGE in post(model | {"input": ["a"] * 101}).text
    assert post(model | {"input": "a", "dimensions": 4000}).status_code == 400
    single = post(model | {"input": "a"}).json()
    assert math.isclose(sum(v * v for v in single["data"][0]["embedding"]), 1.0)
    assert single["usage"] == {"prompt_tokens": 1, "total_tokens": 1}
    assert httpx2.post(hub.base_url + EMBED, json=model).status_code == 401


class TestStandardUnit(EmbeddingsUnitTests):
    """langchain-tests' unit suite (construction, environment variables)."""

    @property
    def embeddings_class(self) -> type[AiHubMixEmbeddings]:
        return AiHubMixEmbeddings

    @property
    def embedding_model_params(self) -> dict[str, Any]:
        return {"api_key": "sk-test"}

    @property
    def init_from_env_params(
        self,
    ) -> tuple[dict[str, str], dict[str, Any], dict[str, Any]]:
        env = {"AIHUBMIX_API_KEY": "sk-from-env", "AIHUBMIX_BASE_URL": "http://gw.test"}
        return env, {}, {"api_key": "sk-from-env", "base_url": "http://gw.test"}


class TestStandardIntegration(EmbeddingsIntegrationTests):
    """langchain-tests' integration suite, against the emulator."""

    @property
    def embeddings_class(self) -> type[AiHubMixEmbeddings]:
        return AiHubMixEmbeddings

    @pytest.fixture
    def model(self, hub: AiHubMixEmulator) -> AiHubMixEmbeddings:
        return make(hub, dimensions=16)
