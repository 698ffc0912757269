"""Extract the ```python blocks of Markdown files and run each in a fresh process.

Every snippet in README.md and docs/*.md must run on its own. A snippet written for
the real gateway runs offline when `AIHUBMIX_BASE_URL` / `AIHUBMIX_API_KEY` point at
an emulator, which `main()` starts. A block preceded by the comment
`<!-- snippet: skip REASON -->` is not run (the test suite reports REASON).

    python scripts/doc_snippets.py README.md docs/*.md
    python scripts/doc_snippets.py --section Quickstart README.md
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

_FENCE = re.compile(r"^```python[ \t]*\n(.*?)^```[ \t]*$", re.M | re.S)
_SKIP = re.compile(r"<!--\s*snippet:\s*skip\s+(.*?)\s*-->\s*$")
_HEADING = re.compile(r"^##[ \t]+(.+?)[ \t]*$", re.M)


@dataclass(frozen=True)
class Snippet:
    """One ```python block: where it is, its code, and why it is skipped (if it is)."""

    path: Path
    line: int
    section: str
    code: str
    skip: str | None = None

    @property
    def name(self) -> str:
        """`file:line`, for test ids and messages."""
        return f"{self.path.name}:{self.line}"


def extract(path: Path) -> list[Snippet]:
    """The ```python blocks of a Markdown file, in order."""
    text = path.read_text(encoding="utf-8")
    headings = [(m.start(), m.group(1)) for m in _HEADING.finditer(text)]
    snippets = []
    for match in _FENCE.finditer(text):
        before = text[: match.start()].rstrip("\n").rsplit("\n", 1)[-1]
        skip = _SKIP.search(before)
        section = next(
            (title for at, title in reversed(headings) if at < match.start()), ""
        )
        snippets.append(
            Snippet(
                path=path,
                line=text.count("\n", 0, match.start()) + 1,
                section=section,
                code=match.group(1),
                skip=skip.group(1) if skip else None,
            )
        )
    return snippets


def run(
    snippet: Snippet, env: Mapping[str, str], cwd: Path, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run one snippet with `python -c` in a fresh interpreter."""
    return subprocess.run(
        [sys.executable, "-c", snippet.code],
        check=False,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=dict(env),
        cwd=cwd,
    )


def emulator_env(base_url: str, api_key: str) -> dict[str, str]:
    """This process's environment pointed at an emulator instead of the gateway."""
    return {
        **os.environ,
        "AIHUBMIX_BASE_URL": base_url,
        "AIHUBMIX_API_KEY": api_key,
    }


def main(argv: list[str] | None = None) -> int:
    """Run the snippets of the given files against a fresh emulator; 0 if all pass."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", type=Path, help="Markdown files")
    parser.add_argument("--section", help="only snippets under this ## heading")
    args = parser.parse_args(argv)
    from langchain_aihubmix.testing import AiHubMixEmulator

    failed = ran = 0
    with AiHubMixEmulator() as hub, tempfile.TemporaryDirectory() as tmp:
        env = emulator_env(hub.base_url, hub.api_key)
        for path in args.files:
            for snippet in extract(path):
                if snippet.skip or (args.section and snippet.section != args.section):
                    continue
                done = run(snippet, env, Path(tmp))
                ran += 1
                status = "ok" if done.returncode == 0 else "FAILED"
                print(f"{snippet.name} [{snippet.section}] {status}")
                if done.returncode:
                    failed += 1
                    print(done.stdout[-2000:], done.stderr[-4000:], sep="\n")
    print(f"snippets: {ran} run, {failed} failed")
    return 1 if failed or not ran else 0


if __name__ == "__main__":
    raise SystemExit(main())
