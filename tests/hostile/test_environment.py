"""The user's environment never changes a request: only the AiHubMix settings do.

google-genai and openai read their own environment variables when a client is built
(other providers' keys, Vertex switches, base URLs, organisation headers, replay
modes). Each batch below sets a group of them in a fresh process
(`tests/hostile/env_probe.py`), which makes every call that builds a client (both
routes: invoke, stream, ainvoke, astream; the catalogue) against an emulator, and
the local token count; the test then checks what the emulator received
(key header, path, every header) and what reached stderr. Proxies are the user's
and keep working.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest

from tests.support import ROOT

LEAK = "envleak"
"""In every value set below: no request may carry it."""
TRAP = "http://127.0.0.1:9/envleak"
"""A base URL nothing listens on (the discard port)."""

_OURS = ("GOOGLE_", "GEMINI_", "OPENAI_", "AZURE_OPENAI_", "AIHUBMIX_")
_PROXIES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")

KEYS = {
    "AIHUBMIX_API_KEY": "",  # blank is no key
    "GOOGLE_API_KEY": f"{LEAK}-google-key",
    "GEMINI_API_KEY": f"{LEAK}-gemini-key",  # both set: google-genai warns
    "GOOGLE_GENAI_API_KEY": f"{LEAK}-genai-key",
    "GOOGLE_GENAI_ACCESS_TOKEN": f"{LEAK}-token",
    "GOOGLE_GENAI_DEFAULT_HEADERS": f"X-Leak: {LEAK}",
    "GOOGLE_GEMINI_BASE_URL": TRAP,
    "OPENAI_API_KEY": f"{LEAK}-openai-key",
    "OPENAI_ADMIN_KEY": f"{LEAK}-admin-key",
    "OPENAI_ORG_ID": f"org-{LEAK}",
    "OPENAI_PROJECT_ID": f"proj-{LEAK}",
    "OPENAI_CUSTOM_HEADERS": f"X-Leak: {LEAK}\nAuthorization: Bearer {LEAK}-custom",
    "OPENAI_WEBHOOK_SECRET": f"{LEAK}-webhook",
    "OPENAI_BASE_URL": TRAP,
    "OPENAI_API_TYPE": "azure",
    "OPENAI_API_VERSION": f"{LEAK}-version",
    "AZURE_OPENAI_ENDPOINT": TRAP,
    "AZURE_OPENAI_API_KEY": f"{LEAK}-azure-key",
}
VERTEX = {
    "GOOGLE_GENAI_USE_VERTEXAI": "true",
    "GOOGLE_CLOUD_PROJECT": f"{LEAK}-project",
    "GOOGLE_CLOUD_LOCATION": "us-central1",
    "GOOGLE_VERTEX_BASE_URL": TRAP,
    "GOOGLE_GENAI_API_VERSION": "v1",
    "GOOGLE_API_USE_CLIENT_CERTIFICATE": "true",
    "GOOGLE_API_USE_MTLS_ENDPOINT": "always",
}
ENTERPRISE = {  # read before GOOGLE_GENAI_USE_VERTEXAI: a batch of its own
    "GOOGLE_GENAI_USE_ENTERPRISE": "1",
    "GOOGLE_CLOUD_PROJECT": f"{LEAK}-project",
    "GOOGLE_CLOUD_LOCATION": "global",
    "GOOGLE_GENAI_API_VERSION": "beta",
    "GOOGLE_GENAI_CLIENT_MODE": "replay",
    "GOOGLE_GENAI_REPLAY_ID": LEAK,
    "GOOGLE_GENAI_HTTP_CLIENT": LEAK,  # unknown: google-genai warns
    "GOOGLE_GENAI_DEBUG": "1",
    "DEFER_PYDANTIC_BUILD": "false",
}


def probe(env: dict[str, str], *args: str) -> tuple[dict[str, Any], str]:
    """Run env_probe.py in a fresh process with `env` over a clean environment."""
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.upper().startswith(_OURS) and k.upper() not in _PROXIES
    }
    done = subprocess.run(
        [sys.executable, "-m", "tests.hostile.env_probe", *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1]), done.stderr


EXPECTED_PATHS = {
    ("POST", "/gemini/v1beta/models/gemini-2.5-flash:generateContent"),
    ("POST", "/gemini/v1beta/models/gemini-2.5-flash:streamGenerateContent"),
    ("POST", "/v1/chat/completions"),
    ("POST", "/v1/embeddings"),
    *(("GET", p) for p in ("/v1/dashboard/billing/subscription", "/api/status")),
    *(("GET", f"/dashboard/billing/{p}") for p in ("usage", "remain")),
}


def check_requests(out: dict[str, Any], *, catalog: bool = True) -> None:
    """Each call answered; only the gateway's paths, the key, and no leaked header."""
    for name, result in out["calls"].items():
        assert result == "ok", (name, result)
    seen = {(r["method"], r["path"]) for r in out["requests"]}
    catalogue = {("GET", "/api/v1/models")} if catalog else set()
    assert seen == EXPECTED_PATHS | catalogue
    key = out["key"]
    for request in out["requests"]:
        headers = request["headers"]
        path = request["path"]
        assert not [h for h in headers.items() if LEAK in f"{h}"], request
        assert not {"openai-organization", "openai-project"} & set(headers), request
        if path.startswith("/gemini/"):
            assert headers.get("x-goog-api-key") == key, request
            assert "authorization" not in headers, request
        elif path != "/api/v1/models":  # /v1 and the billing reads: Bearer
            assert headers.get("authorization") == f"Bearer {key}", request
            assert "x-goog-api-key" not in headers, request
        else:
            assert key not in str(headers), request


def check_blank_keys(out: dict[str, Any]) -> None:
    """An empty or blank key is no key: a typed error naming AIHUBMIX_API_KEY (an
    estimate for token counting), before anything is sent."""
    assert out["blank requests"] == 0
    for name, result in out["blank"].items():
        if name.endswith("tokens"):
            assert result == "ok", (name, result)
        else:
            assert result.startswith("InvalidInputError"), (name, result)
            assert "AIHUBMIX_API_KEY" in result, (name, result)


@pytest.mark.parametrize(
    "env",
    [KEYS, VERTEX, ENTERPRISE],
    ids=["keys-and-headers", "vertex", "enterprise-replay"],
)
def test_sdk_environment_changes_no_request(env: dict[str, str]) -> None:
    out, stderr = probe(env)
    check_blank_keys(out)
    check_requests(out)
    assert stderr == ""  # no SDK chatter ("Both GOOGLE_API_KEY and ...")


def test_proxies_and_sdk_logging_stay_the_users() -> None:
    """HTTP_PROXY carries every call (the base URL's host does not resolve), and
    OPENAI_LOG still logs, without the key."""
    out, stderr = probe({"OPENAI_LOG": "debug"}, "--proxied")
    check_blank_keys(out)
    check_requests(out, catalog=False)
    assert all(r["headers"]["host"] == "gateway.invalid" for r in out["requests"])
    assert "Sending HTTP Request" in stderr  # openai's own debug log, kept
    assert out["key"] not in stderr
