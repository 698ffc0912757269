"""The demo looks right: `make demo` and the doc snippets read like real sessions
(arguments from the prompt, answers from the tool results, right code output), the
examples say [emulator] when pointed at one, and a busy port is one clear line."""

from __future__ import annotations

import importlib.util
import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from langchain_aihubmix.testing import DEFAULT_API_KEY, AiHubMixEmulator
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


# -- the README and guides print answers that look right ---------------------------

SNIPPETS = {
    # (page, text in the snippet): lines its output must hold
    ("README.md", "What is the weather in Lisbon?"): [
        "It is sunny and 22 °C in Lisbon."
    ],
    ("tools-and-agents.md", "What is 6 times 7?"): [
        "Multiply {'a': 6, 'b': 7}",
        "Multiply returned 42.",
    ],
    ("tools-and-agents.md", "one at a time, for Lisbon"): [
        "'args': {'city': 'Lisbon'}",
        "AIMessage It is sunny and 22 °C in Lisbon. It is 14:05 in Lisbon.",
    ],
    ("code-execution.md", "2**10 - 24"): [
        "output: 1000",
        "answer: The code printed 1000.",
    ],
}


def _snippet(page: str, marker: str) -> Any:
    path = ROOT / page if page == "README.md" else ROOT / "docs" / page
    (found,) = [s for s in script("doc_snippets").extract(path) if marker in s.code]
    return found


@pytest.mark.parametrize(("page", "marker"), list(SNIPPETS), ids=lambda v: str(v)[:24])
def test_doc_snippets_print_answers_that_look_right(
    hub: AiHubMixEmulator, tmp_path: Path, page: str, marker: str
) -> None:
    """Tool arguments come from the prompt, answers from the tool results, code
    computes the arithmetic asked for."""
    doc_snippets, snippet = script("doc_snippets"), _snippet(page, marker)
    done = doc_snippets.run(
        snippet, doc_snippets.emulator_env(hub.base_url, hub.api_key), tmp_path
    )
    assert done.returncode == 0, done.stderr[-2000:]
    for line in SNIPPETS[(page, marker)]:
        assert line in done.stdout


def test_examples_say_emulator_when_the_environment_points_at_one(
    hub: AiHubMixEmulator,
) -> None:
    """`python -m langchain_aihubmix.testing` prints AIHUBMIX_* to export: an
    example run with them says [emulator], not [live]."""
    doc_snippets = script("doc_snippets")
    env = doc_snippets.emulator_env(hub.base_url, hub.api_key)
    done = doc_snippets.run_file(ROOT / "examples" / "code_execution.py", env)
    assert done.returncode == 0, done.stderr[-2000:]
    first = done.stdout.splitlines()[0]
    assert (
        first
        == f"[emulator] the AiHubMix emulator at {hub.base_url} (AIHUBMIX_BASE_URL)"
    )
    assert hub.requests  # and it talked to it


@pytest.mark.parametrize(
    ("base_url", "key", "label"),
    [
        (None, "sk-real", "[live] the AiHubMix gateway at https://aihubmix.com"),
        ("https://api.inferera.com", "sk-real", "[live] the AiHubMix gateway at https"),
        (
            "http://localhost:8765",
            "sk-mine",
            "[emulator] the AiHubMix emulator at http",
        ),
        ("http://10.0.0.5:8765", DEFAULT_API_KEY, "[emulator] the AiHubMix emulator"),
    ],
)
def test_gateway_label(
    monkeypatch: pytest.MonkeyPatch, base_url: str | None, key: str, label: str
) -> None:
    spec = importlib.util.spec_from_file_location(
        "_connect", ROOT / "examples" / "_connect.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    if base_url is None:
        monkeypatch.delenv("AIHUBMIX_BASE_URL", raising=False)
    else:
        monkeypatch.setenv("AIHUBMIX_BASE_URL", base_url)
    monkeypatch.setenv("AIHUBMIX_API_KEY", key)
    assert module.gateway_label().startswith(label)


def test_emulator_cli_busy_port_is_one_clear_line() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "langchain_aihubmix.testing", "--port", str(port)],
            check=False,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode == 2
    assert done.stderr == (
        f"error: port {port} on 127.0.0.1 is already in use; choose another with "
        "--port (0 picks a free one)\n"
    )
    assert done.stdout == ""
