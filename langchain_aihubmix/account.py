"""The account's balance and usage, read from the gateway's billing endpoints (opt-in).

What AiHubMix's MCP server reads (AIhubmix/aihubmix `packages/mcp/src/aihubmix.ts`),
with the key as a Bearer token: `soft_limit_usd` (the quota, used included) and
`access_until` of `/v1/dashboard/billing/subscription`, `total_usage` of
`/dashboard/billing/usage` (used x 100) and `/dashboard/billing/remain` (left), and
`/api/status`'s `quota_per_unit` (units per USD, if not `display_in_currency`)."""

from __future__ import annotations

import asyncio
import contextlib
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx2
from pydantic import SecretStr

from langchain_aihubmix._errors.base import AiHubMixError
from langchain_aihubmix._errors.bodies import MALFORMED_STATUS, envelope_status
from langchain_aihubmix._errors.classify import raise_classified, reply_error
from langchain_aihubmix._transport import failover
from langchain_aihubmix._transport.failover import BaseUrl
from langchain_aihubmix._transport.route import ClientSettings

__all__ = ["Balance", "aget_balance", "balance_from", "get_balance"]

PATHS = tuple(
    f"{v}/dashboard/billing/{name}"
    for v, name in (("/v1", "subscription"), ("", "usage"), ("", "remain"))
)
Key = str | SecretStr | None


@dataclass(frozen=True)
class Balance:
    """A key's money in USD, None where the gateway did not say: `total` (the
    quota, used included), `used`, `remaining`, `expires_at` (None: never)."""

    total: float | None
    used: float | None
    remaining: float | None
    expires_at: datetime | None


def balance_from(
    subscription: dict[str, Any],
    usage: dict[str, Any],
    remain: dict[str, Any],
    status: dict[str, Any] | None = None,
) -> Balance:
    """The `Balance` the endpoints' bodies describe (pure)."""
    data = (status or {}).get("data")
    data = data if isinstance(data, dict) else {}
    unit = data.get("quota_per_unit") if data.get("display_in_currency") is False else 1
    scale = unit if isinstance(unit, (int, float)) and unit > 0 else 1

    def usd(value: Any, divide: int = 1) -> float | None:
        number = isinstance(value, (int, float)) and not isinstance(value, bool)
        return round(value / divide / scale, 6) if number else None

    until = subscription.get("access_until")
    expires = datetime.fromtimestamp(until, UTC) if isinstance(until, int) else None
    return Balance(
        usd(subscription.get("soft_limit_usd")),
        usd(usage.get("total_usage"), 100),
        usd(remain.get("total_usage")),
        expires if until else None,
    )


def _settings(api_key: Key, base_url: BaseUrl) -> ClientSettings:
    """The key and roots (the key masked in HTTP logs; none: `InvalidInputError`)."""
    key = api_key.get_secret_value() if isinstance(api_key, SecretStr) else api_key
    key = (key or os.environ.get("AIHUBMIX_API_KEY", "")).strip()
    return ClientSettings(key, failover.gateway_roots(base_url))


def _read(response: httpx2.Response, key: str) -> Any:
    """The JSON body of a 2xx reply; else the typed error (an envelope's, too)."""
    try:
        body = response.json()
    except ValueError:
        body = None
    inner = body.get("error") if isinstance(body, dict) else None
    if response.is_success and isinstance(body, dict) and inner is None:
        return body
    status = response.status_code
    if response.is_success:
        status = envelope_status(inner) if inner else MALFORMED_STATUS
    message = f"GET {response.request.url.path}: HTTP {response.status_code}"
    kw = {"message": message, "body": body, "response": response, "secret": key}
    raise reply_error("openai", status=status, **kw)


def _balance(replies: list[httpx2.Response], key: str) -> Balance:
    subscription, usage, remain = (_read(reply, key) for reply in replies[:3])
    status = None
    with contextlib.suppress(AiHubMixError):  # the unit is best effort (as the MCP)
        status = _read(replies[3], key) if len(replies) > 3 else None
    return balance_from(subscription, usage, remain, status)


def get_balance(
    api_key: Key = None, base_url: BaseUrl = None, *, timeout: float = 10.0
) -> Balance:
    """The key's balance, usage and expiry (four GETs; nothing is billed), e.g.
    `get_balance().remaining` (USD left).

    `api_key` (default: env `AIHUBMIX_API_KEY`) goes only to `base_url` (roots in
    turn, as a model's; default: env `AIHUBMIX_BASE_URL`, else aihubmix.com), never
    into a log or error. No key: `InvalidInputError`; else the openai family's
    typed errors (`OpenAIAuthenticationError` for a bad key, ...).
    """
    settings = _settings(api_key, base_url)
    urls = [settings.base_url + path for path in (*PATHS, "/api/status")]
    auth = {"Authorization": f"Bearer {settings.api_key}"}
    try:
        with failover.FailoverClient(settings.failover, headers=auth) as http:
            replies = [http.get(url, timeout=timeout) for url in urls[:3]]
            with contextlib.suppress(httpx2.HTTPError):
                replies.append(http.get(urls[3], timeout=timeout))
    except httpx2.HTTPError as exc:
        raise_classified(exc, route="openai", secret=settings.api_key)
    return _balance(replies, settings.api_key)


async def aget_balance(
    api_key: Key = None, base_url: BaseUrl = None, *, timeout: float = 10.0
) -> Balance:
    """Async twin of `get_balance` (in a worker thread, off the event loop)."""
    return await asyncio.to_thread(get_balance, api_key, base_url, timeout=timeout)
