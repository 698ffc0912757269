"""The Dask recipe of docs/distributed.md, run as written on a real LocalCluster."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest

from langchain_aihubmix import ChatAiHubMixGemini, get_aihubmix_callback
from langchain_aihubmix.testing import AiHubMixEmulator
from tests.support import ROOT, script

pytest.importorskip("distributed")


def _recipe() -> str:
    """The ```python block of the "Dask" section, as users copy it."""
    snippets = script("doc_snippets").extract(ROOT / "docs" / "distributed.md")
    (dask,) = [s for s in snippets if s.section == "Dask"]
    return str(dask.code)


def _group_gone(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return True
    return False


def test_the_dask_recipe_runs_on_two_worker_processes(
    hub: AiHubMixEmulator, tmp_path: Path
) -> None:
    """Two worker processes answer the batch with the key from their environment
    (never pickled), and the cost totals they send back add up to what the same
    batch costs in one process."""
    env = {**os.environ, "AIHUBMIX_API_KEY": hub.api_key}
    env["AIHUBMIX_BASE_URL"] = hub.base_url
    env["PYTHONPATH"] = str(ROOT)
    proc = subprocess.Popen(
        [sys.executable, "-c", _recipe()],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # the cluster's processes share its group
    )
    try:
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == 0, err[-4000:]
    deadline = time.monotonic() + 10
    while not _group_gone(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _group_gone(proc.pid), "worker processes outlived the recipe"
    generate = [r for r in hub.requests if r.path.endswith(":generateContent")]
    assert len(generate) == 8
    found = re.search(
        r"8 answers from 2 workers: 8 requests, 0 retries, cost ([\d.]+) USD", out
    )
    assert found, out
    hub.reset()
    llm = ChatAiHubMixGemini(
        model="gemini-2.5-flash", base_url=hub.base_url, api_key=hub.api_key
    )
    with get_aihubmix_callback() as cb:
        llm.batch([f"A fact about {n}" for n in range(8)])
    assert cb.total_cost is not None and cb.total_cost > 0
    assert Decimal(found.group(1)) == cb.total_cost
