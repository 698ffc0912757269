"""A batch of prompts across worker processes, with the cost totals gathered.

    python examples/distributed_batch.py   # emulator (or live with AIHUBMIX_API_KEY)

The model is pickled to the workers (spawn start method, as on macOS and Windows, and
as Ray, Dask or Celery would ship it). The pickle never carries the API key: each
worker reads it from its own AIHUBMIX_API_KEY when the model is unpickled, so the
parent puts the key (and, offline, the emulator's address) in the environment the
workers inherit. Each worker runs its share with `batch`, counts it with
`get_aihubmix_callback()`, and sends back plain numbers that the parent adds up.
Rate limits are shared through the gateway: a worker that gets a 429 waits as the
server asks (the model's retry policy), whichever process sent the other requests.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
from dataclasses import dataclass, field
from decimal import Decimal

from _connect import connection_and_hub

from langchain_aihubmix import ChatAiHubMixGemini, get_aihubmix_callback

MODEL = os.environ.get("AIHUBMIX_MODEL", "gemini-2.5-flash")
WORKERS = 2

_llm: ChatAiHubMixGemini | None = None
"""The one model of this worker process (set by `init_worker`)."""


@dataclass
class Totals:
    """What a worker reports back: plain, picklable numbers."""

    requests: int = 0
    failed: int = 0
    retries: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost: Decimal | None = field(default_factory=Decimal)

    def add(self, other: Totals) -> None:
        """Add another worker's totals (an unknown cost stays unknown)."""
        self.requests += other.requests
        self.failed += other.failed
        self.retries += other.retries
        self.input_tokens += other.input_tokens
        self.output_tokens += other.output_tokens
        both = self.cost is not None and other.cost is not None
        self.cost = self.cost + other.cost if both else None  # type: ignore[operator]


def init_worker(model_pickle: bytes) -> None:
    """Unpickle this worker's model once; its key comes from AIHUBMIX_API_KEY."""
    global _llm  # noqa: PLW0603
    _llm = pickle.loads(model_pickle)


def run_share(prompts: list[str]) -> tuple[list[str], Totals]:
    """Answer a share of the prompts; return the answers and what they cost."""
    assert _llm is not None, "init_worker did not run"
    with get_aihubmix_callback() as cb:
        answers = [m.text for m in _llm.batch(prompts, config={"max_concurrency": 4})]
    totals = Totals(
        requests=cb.successful_requests,
        failed=cb.failed_requests,
        retries=cb.retries,
        input_tokens=cb.input_tokens,
        output_tokens=cb.output_tokens,
        cost=cb.total_cost,
    )
    return answers, totals


def main() -> None:
    """Split the prompts over the workers and add up their totals."""
    prompts = [f"In one line: a fact about the number {n}." for n in range(12)]
    with connection_and_hub() as (conn, hub):
        if hub is not None:  # offline: the workers must reach the same emulator
            os.environ["AIHUBMIX_BASE_URL"] = hub.base_url
            os.environ["AIHUBMIX_API_KEY"] = hub.api_key
        llm = ChatAiHubMixGemini(model=MODEL, **conn)
        model_pickle = pickle.dumps(llm)
        key = llm.api_key.get_secret_value() if llm.api_key else ""
        assert not key or key.encode() not in model_pickle, "key in the pickle"

        shares = [prompts[i::WORKERS] for i in range(WORKERS)]
        context = multiprocessing.get_context("spawn")
        with context.Pool(WORKERS, init_worker, (model_pickle,)) as pool:
            results = pool.map(run_share, shares)

        total = Totals()
        for n, (answers, totals) in enumerate(results):
            print(f"worker {n}: {totals.requests} requests, first: {answers[0]!r}")
            total.add(totals)
        cost = "unknown" if total.cost is None else f"${total.cost:.6f}"
        print(
            f"total: {total.requests} requests, {total.failed} failed, "
            f"{total.retries} retries, {total.input_tokens} input + "
            f"{total.output_tokens} output tokens, {cost}"
        )
        assert total.requests == len(prompts), "every prompt counted once"
        if hub is not None:
            served = [r for r in hub.requests if r.route == "native"]
            print(f"[emulator] the emulator served {len(served)} requests")
            assert len(served) == len(prompts)


if __name__ == "__main__":
    main()
