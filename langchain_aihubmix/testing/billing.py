"""The gateway's account endpoints: balance, usage and the quota unit (new-api shapes).

As AiHubMix's MCP server reads them (AIhubmix/aihubmix `packages/mcp/src/aihubmix.ts`
`getCredits`), in the shapes of the new-api family (QuantumNous/new-api
`controller/billing.go`): `soft_limit_usd` is remaining + used, `total_usage` of
`/dashboard/billing/usage` is the amount used x 100, `/dashboard/billing/remain` the
amount left; with `display_in_currency` off, amounts are raw quota units
(`quota_per_unit` per USD, from `GET /api/status`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

PATHS = frozenset(
    {
        "/api/status",
        "/v1/dashboard/billing/subscription",
        "/dashboard/billing/subscription",
        "/dashboard/billing/usage",
        "/v1/dashboard/billing/usage",
        "/dashboard/billing/remain",
    }
)


@dataclass
class Billing:
    """The emulated account (USD) and how the gateway shows amounts (mutable)."""

    remaining: float = 12.5
    used: float = 7.5
    expires_at: int = 0
    """The key's expiry (Unix seconds); 0: never."""
    quota_per_unit: float = 500_000.0
    display_in_currency: bool = True


def reply(path: str, billing: Billing) -> dict[str, Any]:
    """The body of `GET path` (one of `PATHS`)."""
    unit = 1.0 if billing.display_in_currency else billing.quota_per_unit
    if path == "/api/status":
        data = {
            "system_name": "AiHubMix emulator",
            "quota_per_unit": billing.quota_per_unit,
            "display_in_currency": billing.display_in_currency,
        }
        return {"success": True, "message": "", "data": data}
    if path.endswith("/subscription"):
        total = (billing.remaining + billing.used) * unit
        return {
            "object": "billing_subscription",
            "has_payment_method": True,
            "soft_limit_usd": total,
            "hard_limit_usd": total,
            "system_hard_limit_usd": total,
            "access_until": billing.expires_at,
        }
    if path.endswith("/usage"):
        return {"object": "list", "total_usage": billing.used * unit * 100}
    return {"object": "credit_summary", "total_usage": billing.remaining * unit}
