"""The doctor's account questions: the mirror domain, billing, free-model quotas."""

from __future__ import annotations

from langchain_aihubmix._doctor import probes
from langchain_aihubmix._doctor.probes import Finding, _chat
from langchain_aihubmix._doctor.wire import Wire
from langchain_aihubmix._errors.bodies import category, error_object
from langchain_aihubmix.account import PATHS, balance_from

FREE_MODEL = "gemini-3-flash-preview-free"


def mirror(wire: Wire) -> Finding:
    """Whether each base URL answers with the same catalogue (no key is sent); the
    other probes then ask the first that answered (the doctor's failover)."""
    seen, answers = [], {}
    for n, root in enumerate(wire.roots or (wire.base_url,)):
        reply = wire.send(f"mirror-{n}", "GET", "/api/v1/models", root=root)
        body = reply.json()
        data = body.get("data") if isinstance(body, dict) else None
        ids = {str(m.get("model_id")) for m in data or [] if isinstance(m, dict)}
        answers[root] = frozenset(ids) if reply.status == 200 else None
        seen.append(f"{root}: {reply.status or 'unreachable'} ({len(ids)} ids)")
    wire.base_url = next((r for r, a in answers.items() if a), wire.base_url)
    same = len(set(answers.values())) == 1 and None not in answers.values()
    note = "base_url=[...] fails over only when connecting fails"
    return Finding("Mirror domains", "; ".join(seen), True, same, note)


def billing(wire: Wire) -> Finding:
    """The billing endpoints `account.get_balance` reads (nothing is billed)."""
    auth = {"Authorization": f"Bearer {wire.api_key}"}
    replies = [wire.send(p.rsplit("/", 1)[1], "GET", p, headers=auth) for p in PATHS]
    status = wire.send("status", "GET", "/api/status").json()
    sub, used, left = (r.json() if r.status == 200 else {"error": 0} for r in replies)
    seen = ", ".join(f"{r.label}: {r.status}" for r in replies)
    ok = all(isinstance(b, dict) and "error" not in b for b in (sub, used, left))
    if ok:
        status = status if isinstance(status, dict) else None
        shown = ((status or {}).get("data") or {}).get("display_in_currency")
        got = balance_from(sub, used, left, status)
        seen += f"; USD left {got.remaining}, used {got.used}; in currency: {shown}"
    return Finding("Billing endpoints", seen, ok, ok, "account.get_balance()")


def free_model(wire: Wire) -> Finding:
    """One call to a `-free` id: served? the words of its quota refusal, if any."""
    reply = wire.openai("free", _chat(FREE_MODEL, "ok", max_tokens=8))
    inner = error_object(reply.json())
    message = str((inner or {}).get("message", reply.text[:80]))
    kind = category(reply.status, inner, message, FREE_MODEL)
    typed = reply.status not in (403, 429) or kind == "free_quota"
    seen = f"{reply.status}" + ("" if reply.status == 200 else f" {kind}: {message}")
    return Finding("Free model", seen, typed, typed, "FreeQuotaExceededError; cost 0")


def probe_all(wire: Wire) -> list[Finding]:
    """The mirror first (it picks the root the others ask), every probe of
    `_doctor.probes`, then the account's."""
    return [mirror(wire), *probes.probe_all(wire), billing(wire), free_model(wire)]
