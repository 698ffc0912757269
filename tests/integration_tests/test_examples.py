"""Every example in `examples/` runs offline (against the emulator) and exits 0.

The examples are the documentation users copy from; this keeps them true. Each runs
as `python examples/NAME.py` would, as a fresh `__main__` in this interpreter (see
`run_file` in `scripts/doc_snippets.py`), without `AIHUBMIX_API_KEY`.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.support import ROOT, script

EXAMPLES = sorted(
    p for p in (ROOT / "examples").glob("*.py") if not p.name.startswith("_")
)


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_example_runs_offline(example: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "AIHUBMIX_API_KEY"}
    done = script("doc_snippets").run_file(example, env)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "[emulator]" in done.stdout and "[live]" not in done.stdout
    assert "Traceback" not in done.stderr
