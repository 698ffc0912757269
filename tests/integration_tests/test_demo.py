"""`make demo` reads like a real session: sensible tool arguments, right code output."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.support import ROOT, script

QUICKSTART = ROOT / "examples" / "quickstart.py"


def test_the_offline_demo_reads_like_a_real_session() -> None:
    env = {k: v for k, v in os.environ.items() if k != "AIHUBMIX_API_KEY"}
    env.pop("AIHUBMIX_MODEL", None)
    done = script("doc_snippets").run_file(QUICKSTART, env, "--offline")
    assert done.returncode == 0, done.stderr[-2000:]
    out = done.stdout
    # thoughts about the question, not about the request
    assert "thought: **Recalling Rayleigh scattering**" in out
    assert "Echo:" not in out and "The user wrote" not in out
    # the tool argument comes from the prompt, and the tool's answer is used
    assert "'args': {'city': 'Paris'}" in out
    assert "tool: It is sunny and 22 °C in Paris." in out
    # the code really computes the answer it reports
    code = out.split("code:", 1)[1].split("result:", 1)[0].strip()
    printed = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True
    ).stdout.strip()
    assert printed == "5117"
    assert f"result: {printed}" in out
    assert f"is {printed}." in out
    assert "Requests: 4 ok, 0 failed, 0 retries" in out
