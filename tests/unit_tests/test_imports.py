"""Import cost: the package imports no SDK; each route imports only its own.

Every check runs in a fresh interpreter (this test process has both SDKs loaded).
Which modules get loaded is asserted strictly; the import time only loosely (this
machine is noisy): within 2x langchain-core's chat-model import, plus 0.3 s.
"""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
import textwrap
from typing import Any

import httpx2
import pytest

from langchain_aihubmix.errors import OpenAIRateLimitError, raise_classified

SDKS = ("google.genai", "openai")

_REPORT = """
import json, sys
print(json.dumps(sorted(m for m in sys.modules if m in {names!r})))
"""


def _run(code: str, *, watch: tuple[str, ...] = SDKS) -> Any:
    """Run `code` in a fresh interpreter; the modules of `watch` it left loaded."""
    script = textwrap.dedent(code) + _REPORT.format(names=set(watch))
    proc = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_package_import_loads_no_sdk() -> None:
    watch = (
        *SDKS,
        "langchain_aihubmix._errors.native",
        "langchain_aihubmix._errors.openai",
        "langchain_aihubmix._native.client",
        "langchain_aihubmix._openai.client",
    )
    code = """
    import langchain_aihubmix
    import langchain_aihubmix.errors
    import langchain_aihubmix.testing
    from langchain_aihubmix import ChatAiHubMixGemini
    ChatAiHubMixGemini(model="gemini-2.5-flash", api_key="k", transport="native")
    ChatAiHubMixGemini(model="gemini-2.5-flash", api_key="k", transport="openai")
    """
    assert _run(code, watch=watch) == []


_USE = """
import asyncio
from langchain_aihubmix import ChatAiHubMixGemini
from langchain_aihubmix.errors import AiHubMixError
from langchain_aihubmix.testing import AiHubMixEmulator

with AiHubMixEmulator() as hub:
    llm = ChatAiHubMixGemini(
        model="gemini-2.5-flash", base_url=hub.base_url, api_key=hub.api_key,
        transport={route!r}, max_retries=0,
    )
    assert llm.invoke("hi").text
    assert list(llm.stream("hi"))
    assert asyncio.run(llm.ainvoke("hi")).text
    # the error paths classify without the other route's SDK too
    hub.queue(error=(400, {{"error": {{"code": 400, "message": "bad"}}}}))
    try:
        llm.invoke("hi")
    except AiHubMixError as err:
        assert err.status_code == 400, err
    else:
        raise AssertionError("no error")
    hub.inject_fault("drop", route={route!r})
    try:
        list(llm.stream("hi"))
    except AiHubMixError as err:
        assert err.status_code is None, err
    else:
        raise AssertionError("no error")
"""


@pytest.mark.parametrize(
    ("route", "sdk", "other"),
    [("native", "google.genai", "openai"), ("openai", "openai", "google.genai")],
)
def test_a_route_loads_only_its_sdk(route: str, sdk: str, other: str) -> None:
    loaded = _run(_USE.format(route=route))
    assert sdk in loaded
    assert other not in loaded


def test_errors_facade_is_lazy_and_unpickles_in_a_fresh_process() -> None:
    try:
        raise_classified(httpx2.ReadTimeout("slow"), route="native", secret=None)
    except Exception as err:  # NativeTimeoutError
        native = pickle.dumps(err)
    err2 = OpenAIRateLimitError("slow down", status_code=429, retry_after=2.0)
    assert type(err2).__module__ == "langchain_aihubmix.errors"
    code = f"""
    import pickle, sys
    from langchain_aihubmix import errors
    assert "google.genai" not in sys.modules and "openai" not in sys.modules
    err = pickle.loads({native!r})
    assert type(err) is errors.NativeTimeoutError, type(err)
    assert "openai" not in sys.modules
    err2 = pickle.loads({pickle.dumps(err2)!r})
    assert (type(err2).__name__, err2.retry_after) == ("OpenAIRateLimitError", 2.0)
    from langchain_aihubmix.errors import OpenAIRateLimitError
    assert type(err2) is OpenAIRateLimitError
    """
    assert _run(code) == sorted(SDKS)


_TIMING = """
import json, time
start = time.perf_counter()
from langchain_core.language_models import BaseChatModel
core = time.perf_counter() - start
start = time.perf_counter()
import langchain_aihubmix
print(json.dumps([core, time.perf_counter() - start]))
"""


def test_import_time_is_close_to_langchain_core() -> None:
    """`import langchain_aihubmix` costs at most about what langchain-core's chat
    model machinery costs (`langchain_core.language_models` alone is a lazy shell,
    so the baseline is `BaseChatModel`, which every chat model imports)."""
    runs = []
    for _ in range(2):
        proc = subprocess.run(
            [sys.executable, "-c", _TIMING],
            capture_output=True,
            text=True,
            timeout=90,
            check=True,
        )
        runs.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    core, package = min(runs, key=lambda run: run[0] + run[1])
    # whole import (core + the package's own modules) <= 2 x core + 0.3 s
    assert core + package <= 2 * core + 0.3, (core, package)
