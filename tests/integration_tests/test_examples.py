"""Every example in `examples/` runs offline (against the emulator) and exits 0.

The examples are the documentation users copy from; this keeps them true.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = sorted(
    p
    for p in (Path(__file__).parents[2] / "examples").glob("*.py")
    if not p.name.startswith("_")
)


@pytest.mark.parametrize("script", EXAMPLES, ids=lambda p: p.name)
def test_example_runs_offline(script: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "AIHUBMIX_API_KEY"}
    done = subprocess.run(
        [sys.executable, str(script)],
        check=False,
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        cwd=script.parent,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "[emulator]" in done.stdout and "[live]" not in done.stdout
    assert "Traceback" not in done.stderr
