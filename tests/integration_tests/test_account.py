"""Free models (cost 0, typed quota errors) and the account's balance (opt-in)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from langchain_core.exceptions import ModelRateLimitError

from langchain_aihubmix import get_aihubmix_callback
from langchain_aihubmix.account import aget_balance, get_balance
from langchain_aihubmix.errors import (
    FreeQuotaExceededError,
    InvalidInputError,
    NativeFreeQuotaExceededError,
    NativeRateLimitError,
    OpenAIAuthenticationError,
    OpenAIEndpointNotFoundError,
    OpenAIFreeQuotaExceededError,
    OpenAIRateLimitError,
)
from langchain_aihubmix.testing import AiHubMixEmulator
from tests.hostile.rawserver import KEY, Request, raw_server, response
from tests.support import ENTRIES, ROUTES, MakeLLM, run

FREE = ("gemini-3-flash-preview-free", "gemini-3.7-flash-free")
ROUTE_CLASSES = {  # the route's quota error, also its rate-limit error
    "native": (NativeFreeQuotaExceededError, NativeRateLimitError),
    "openai": (OpenAIFreeQuotaExceededError, OpenAIRateLimitError),
}


@pytest.mark.parametrize("model", FREE)
@pytest.mark.parametrize("entry", ENTRIES)
def test_free_models_cost_zero(make_llm: MakeLLM, entry: str, model: str) -> None:
    with get_aihubmix_callback() as cb:
        message = run(make_llm(model=model), entry, "hi")
    cost = message.response_metadata["cost"]
    assert (cost["total"], cost["price_source"]) == (0.0, "free")
    assert cb.total_cost == Decimal(0) and not cb.unknown_cost_models


@pytest.mark.parametrize(
    ("limit", "says", "retried"),
    [
        ("minute", "requests per minute", True),
        ("day", "requests per day", False),
        ("trial", "tries of an account never topped up", False),
    ],
)
@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.usefixtures("no_backoff")
def test_free_quota_refusals_are_typed_and_say_which_limit(
    hub: AiHubMixEmulator,
    make_llm: MakeLLM,
    route: str,
    limit: str,
    says: str,
    retried: bool,
) -> None:
    hub.inject_fault("free_quota", limit=limit, count=2)  # type: ignore[arg-type]
    llm = make_llm(route, model=FREE[0], max_retries=1)
    with pytest.raises(FreeQuotaExceededError) as info:
        llm.invoke("hi")
    err = info.value
    for cls in (*ROUTE_CLASSES[route], ModelRateLimitError):
        assert isinstance(err, cls), cls
    assert err.limit == limit and says in str(err) and FREE[0] in str(err)
    assert err.is_retryable is retried
    assert len(hub.requests) == (2 if retried else 1)


def test_a_paid_models_429_stays_a_plain_rate_limit(
    hub: AiHubMixEmulator, make_llm: MakeLLM
) -> None:
    hub.inject_fault("429", retry_delay=0)
    with pytest.raises(ModelRateLimitError) as info:
        make_llm("openai", max_retries=0).invoke("hi")
    assert not isinstance(info.value, FreeQuotaExceededError)


# -- the balance ---------------------------------------------------------------------


@pytest.mark.parametrize("in_currency", [True, False])
async def test_balance_in_usd_sync_and_async(
    hub: AiHubMixEmulator, in_currency: bool
) -> None:
    hub.billing.display_in_currency = in_currency  # raw quota units otherwise
    hub.billing.expires_at = 1_900_000_000
    got = get_balance(hub.api_key, hub.base_url)
    assert got == await aget_balance(hub.api_key, [hub.base_url])
    assert (got.total, got.used, got.remaining) == (20.0, 7.5, 12.5)
    assert got.expires_at == datetime.fromtimestamp(1_900_000_000, UTC)
    paths = [r.path for r in hub.requests[:4]]
    assert paths == [
        "/v1/dashboard/billing/subscription",
        "/dashboard/billing/usage",
        "/dashboard/billing/remain",
        "/api/status",
    ]
    assert all(
        r.headers["authorization"] == f"Bearer {hub.api_key}" for r in hub.requests
    )


def test_balance_errors_are_typed_and_never_show_the_key(
    hub: AiHubMixEmulator,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.delenv("AIHUBMIX_API_KEY", raising=False)
    with pytest.raises(InvalidInputError, match="AIHUBMIX_API_KEY"):
        get_balance(base_url=hub.base_url)
    caplog.set_level(logging.DEBUG)
    with pytest.raises(OpenAIAuthenticationError) as info:
        get_balance(KEY, hub.base_url)
    assert info.value.status_code == 401

    def no_billing(request: Request, conn: object) -> None:
        body = '{"error": {"message": "Invalid URL (GET /dashboard)", "type": "x"}}'
        conn.sendall(response(404, body))  # type: ignore[attr-defined]

    with raw_server(no_billing) as srv, pytest.raises(OpenAIEndpointNotFoundError):
        get_balance(KEY, srv.base_url)
    for text in (caplog.text, repr(info.value), str(info.value)):
        assert KEY not in text
