"""Every ```python block of README.md and docs/*.md runs on its own, offline.

Each snippet runs in a fresh interpreter with `AIHUBMIX_BASE_URL` /
`AIHUBMIX_API_KEY` pointing at the emulator, so snippets written for the real
gateway run as written. Blocks marked `<!-- snippet: skip REASON -->` are skipped
with that reason.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from langchain_aihubmix.testing import AiHubMixEmulator

ROOT = Path(__file__).parents[2]


def _load_extractor() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "doc_snippets", ROOT / "scripts" / "doc_snippets.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


doc_snippets = _load_extractor()
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
    env["PYTHONPATH"] = str(ROOT)
    done = doc_snippets.run(snippet, env, tmp_path)
    assert done.returncode == 0, (
        f"{snippet.name} failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}"
    )
    assert done.stdout.strip(), f"{snippet.name} printed nothing"
    if "AiHubMixEmulator(" not in snippet.code:  # else it runs its own emulator
        assert hub.requests, f"{snippet.name} sent nothing to the gateway"
