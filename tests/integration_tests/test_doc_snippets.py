"""Every ```python block of README.md and docs/*.md runs on its own, offline.

Each snippet runs as a fresh `__main__` module in this interpreter (see
`scripts/doc_snippets.py`) with `AIHUBMIX_BASE_URL` / `AIHUBMIX_API_KEY` pointing
at the emulator, so snippets written for the real gateway run as written. Blocks
marked `<!-- snippet: skip REASON -->` are skipped with that reason.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from langchain_aihubmix.testing import AiHubMixEmulator
from tests.support import ROOT, script

doc_snippets = script("doc_snippets")
SNIPPETS = [
    snippet
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    for snippet in doc_snippets.extract(path)
]


def test_snippets_were_found() -> None:
    pages = {s.path.name for s in SNIPPETS if not s.skip}
    assert len(SNIPPETS) >= 20
    assert "README.md" in pages
    assert len(pages) >= 12  # the README and every feature page


@pytest.mark.parametrize("snippet", SNIPPETS, ids=lambda s: s.name)
def test_snippet_runs_on_its_own(
    snippet: doc_snippets.Snippet,  # type: ignore[name-defined]
    hub: AiHubMixEmulator,
    tmp_path: Path,
) -> None:
    if snippet.skip:
        pytest.skip(snippet.skip)
    env = doc_snippets.emulator_env(hub.base_url, hub.api_key)
    done = doc_snippets.run(snippet, env, tmp_path)
    assert done.returncode == 0, (
        f"{snippet.name} failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}"
    )
    assert done.stdout.strip(), f"{snippet.name} printed nothing"
    if "AiHubMixEmulator(" not in snippet.code:  # else it runs its own emulator
        assert hub.requests, f"{snippet.name} sent nothing to the gateway"


def test_a_snippet_runs_alone_and_fails_at_its_markdown_line(tmp_path: Path) -> None:
    """A snippet gets a fresh `__main__`, its own environment and cwd (all put back
    afterwards); its traceback names the Markdown file and line."""
    page = tmp_path / "page.md"
    page.write_text(
        "# Page\n\n```python\nimport os\nprint(os.environ['ONLY_HERE'], os.getcwd())\n"
        "os.environ['LEFT_BEHIND'] = '1'\nprint(sorted(globals())[-1])\n"
        "raise ValueError('boom')\n```\n"
    )
    (snippet,) = doc_snippets.extract(page)
    before = dict(os.environ), os.getcwd()
    done = doc_snippets.run(snippet, {"ONLY_HERE": "yes"}, tmp_path)
    assert (dict(os.environ), os.getcwd()) == before
    assert done.returncode == 1
    assert done.stdout.splitlines() == [f"yes {tmp_path}", "os"]
    assert f'File "{page}", line 8, in <module>' in done.stderr
    assert done.stderr.rstrip().endswith("ValueError: boom")
