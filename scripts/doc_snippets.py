"""Extract the ```python blocks of Markdown files and run each as its own `__main__`.

Every snippet in README.md and docs/*.md must run on its own: each runs as a fresh
`__main__` module (as `python -c` would run it) in this interpreter, with its own
argv, working directory and environment, restored afterwards; its output is
captured and a failure's traceback points at the Markdown file and line. A snippet
written for the real gateway runs offline when `AIHUBMIX_BASE_URL` /
`AIHUBMIX_API_KEY` point at an emulator, which `main()` starts. A block preceded by
the comment `<!-- snippet: skip REASON -->` is not run (the test suite reports
REASON). `run_file` runs a script (an example) the same way.

    python scripts/doc_snippets.py README.md docs/*.md
    python scripts/doc_snippets.py --section Quickstart README.md
"""

from __future__ import annotations

import argparse
import io
import os
import re
import sys
import tempfile
import traceback
import types
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, redirect_stderr, redirect_stdout
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


@dataclass(frozen=True)
class Done:
    """How a run ended (0; 1 with the traceback on stderr; or its exit code)."""

    returncode: int
    stdout: str
    stderr: str


def run(snippet: Snippet, env: Mapping[str, str], cwd: Path) -> Done:
    """Run one snippet as `__main__`, its tracebacks at its Markdown lines."""
    code = "\n" * snippet.line + snippet.code
    filename = str(snippet.path.absolute())
    return run_code(code, filename, env=env, cwd=cwd, argv=["-c"])


def run_file(script: Path, env: Mapping[str, str], *args: str) -> Done:
    """Run a script as `python script *args` would: as `__main__`, from its
    directory, which comes first on `sys.path`; the modules it imports from
    there are fresh."""
    folder = script.parent
    return run_code(
        script.read_text(encoding="utf-8"),
        str(script),
        env=env,
        cwd=folder,
        argv=[str(script), *args],
        path=folder,
    )


def run_code(
    code: str,
    filename: str,
    *,
    env: Mapping[str, str],
    cwd: Path,
    argv: list[str],
    path: Path | None = None,
) -> Done:
    """Run `code` as a fresh `__main__` module with this argv, cwd and environment
    (and `path` first on `sys.path`), all put back afterwards.

    Warnings show as a plain interpreter shows them; an exception becomes exit
    code 1 with its traceback on stderr, `SystemExit` its code.
    """
    main = types.ModuleType("__main__")
    main.__file__ = filename
    out, err = io.StringIO(), io.StringIO()
    returncode = 0
    with (
        _process_state(main, env, cwd, argv, path),
        redirect_stdout(out),
        redirect_stderr(err),
        warnings.catch_warnings(),
    ):
        warnings.simplefilter("default")
        try:
            exec(compile(code, filename, "exec"), main.__dict__)
        except SystemExit as exit_:
            status = exit_.code
            returncode = status if isinstance(status, int) else int(status is not None)
            if isinstance(status, str):
                print(status, file=sys.stderr)
        except Exception:
            returncode = 1
            traceback.print_exc()
    return Done(returncode, out.getvalue(), err.getvalue())


_MAINS = ("__main__", "__mp_main__")
"""`__mp_main__` is multiprocessing's alias of `__main__` (made when it was first
imported): worker processes' results are unpickled from it."""


@contextmanager
def _process_state(
    main: types.ModuleType,
    env: Mapping[str, str],
    cwd: Path,
    argv: list[str],
    path: Path | None,
) -> Iterator[None]:
    """This process's environment, cwd, argv, `sys.path` and `__main__` set for one
    run, and put back afterwards; modules the run imported from `path` are dropped
    (the next run imports its own)."""
    environ, folder, old_argv, old_path = (
        dict(os.environ),
        os.getcwd(),
        sys.argv,
        sys.path[:],
    )
    mains = {name: sys.modules.get(name) for name in _MAINS}
    before = set(sys.modules)
    try:
        os.environ.clear()
        os.environ.update(env)
        os.chdir(cwd)
        sys.argv = argv
        sys.path[:0] = [str(path)] if path else []
        sys.modules.update(dict.fromkeys(_MAINS, main))
        yield
    finally:
        os.environ.clear()
        os.environ.update(environ)
        os.chdir(folder)
        sys.argv, sys.path[:] = old_argv, old_path
        for name, module in mains.items():
            if module is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module
        for name in set(sys.modules) - before if path else ():
            if Path(getattr(sys.modules[name], "__file__", None) or "/").parent == path:
                del sys.modules[name]


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
