"""The user docs stay true: links, the configuration table, docstrings, CLI help, locks.

The snippets themselves run in `tests/integration_tests/test_doc_snippets.py`.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import tomllib
from langchain_core.language_models import BaseChatModel
from packaging.requirements import Requirement
from packaging.version import Version

import langchain_aihubmix
from langchain_aihubmix import ChatAiHubMixGemini
from langchain_aihubmix._options import spec
from langchain_aihubmix.testing.__main__ import build_parser
from tests.support import ROOT, script

options_table = script("options_table")
README = ROOT / "README.md"
DOCS = sorted((ROOT / "docs").glob("*.md"))
MARKDOWN = [README, ROOT / "CHANGELOG.md", *DOCS]
FEATURE_PAGES = [
    "thoughts",
    "tools-and-agents",
    "structured-output",
    "code-execution",
    "search",
    "media",
    "images",
    "caching-and-cost",
    "emulator",
    "errors-and-retries",
    "distributed",
    "embeddings",
]

_FENCED = re.compile(r"^```.*?^```", re.M | re.S)
_LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")
_HEADING = re.compile(r"^#{1,6}[ \t]+(.+?)[ \t]*$", re.M)


# -- links ----------------------------------------------------------------------


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading."""
    text = heading.strip().lower().replace("`", "")
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def _anchors(path: Path) -> set[str]:
    text = _FENCED.sub("", path.read_text(encoding="utf-8"))
    return {_slug(h) for h in _HEADING.findall(text)}


def _links(path: Path) -> list[str]:
    text = _FENCED.sub("", path.read_text(encoding="utf-8"))
    text = re.sub(r"`[^`\n]*`", "", text)  # inline code is not a link
    return _LINK.findall(text)


@pytest.mark.parametrize("doc", MARKDOWN, ids=lambda p: p.name)
def test_relative_links_resolve(doc: Path) -> None:
    broken = []
    for target in _links(doc):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # http:, https:, mailto: ...
            continue
        file_part, _, anchor = target.partition("#")
        path = (doc.parent / file_part).resolve() if file_part else doc
        if not path.exists():
            broken.append(f"{target}: no such file {path}")
        elif anchor and path.suffix == ".md" and anchor not in _anchors(path):
            broken.append(f"{target}: no heading with anchor #{anchor} in {path.name}")
        if file_part and ROOT not in path.parents and path != ROOT:
            broken.append(f"{target}: points outside the repository")
    assert not broken, f"{doc.name}:\n" + "\n".join(broken)


def test_every_feature_page_exists_and_is_linked_from_readme() -> None:
    readme_links = set(_links(README))
    missing = [p for p in FEATURE_PAGES if not (ROOT / "docs" / f"{p}.md").exists()]
    unlinked = [p for p in FEATURE_PAGES if f"docs/{p}.md" not in readme_links]
    assert not missing, f"docs pages missing: {missing}"
    assert not unlinked, f"README does not link docs pages: {unlinked}"


def test_every_example_is_linked_from_readme() -> None:
    readme_links = set(_links(README))
    examples = sorted(
        p.name for p in (ROOT / "examples").glob("*.py") if not p.name.startswith("_")
    )
    unlinked = [name for name in examples if f"examples/{name}" not in readme_links]
    assert not unlinked, f"README does not link examples: {unlinked}"


def test_docs_do_not_point_outside_the_repository() -> None:
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    assert "shared/DESIGN.md" not in text


# -- the configuration table ------------------------------------------------------


def _own_fields() -> dict[str, Any]:
    """The model's fields minus those every LangChain chat model has."""
    inherited = BaseChatModel.model_fields
    return {
        name: info
        for name, info in ChatAiHubMixGemini.model_fields.items()
        if name not in inherited
    }


def test_configuration_table_matches_the_model_fields() -> None:
    """The README table is the one the spec writes, and the spec covers each field."""
    table_rows = (*options_table.CONNECTION, *spec.OPTIONS, *options_table.BEHAVIOUR)
    declared = [s.name for s in table_rows]
    assert len(declared) == len(set(declared))
    fields = set(_own_fields())
    assert not fields - set(declared), (
        "ChatAiHubMixGemini fields missing from langchain_aihubmix/_options/spec.py "
        "(OPTIONS for a call option) or scripts/options_table.py (CONNECTION or "
        f"BEHAVIOUR): "
        f"{sorted(fields - set(declared))}"
    )
    assert not set(declared) - fields, "spec rows for fields the model does not have"
    readme = README.read_text(encoding="utf-8")
    assert "rate_limiter" in readme  # inherited ones
    table = re.search(
        r"<!-- options:start -->\n(.*?)<!-- options:end -->", readme, re.S
    )
    assert table is not None, "README.md lacks the <!-- options:start/end --> markers"
    assert table.group(1).strip() == options_table.markdown_table(), (
        "README.md's configuration table differs from the spec; paste the output of "
        "python scripts/options_table.py between the markers"
    )


# -- docstrings ---------------------------------------------------------------------


def _public_modules() -> list[Any]:
    modules = [langchain_aihubmix]
    for info in pkgutil.walk_packages(
        langchain_aihubmix.__path__, "langchain_aihubmix."
    ):
        parts = info.name.split(".")[1:]
        if any(p.startswith("_") for p in parts):
            continue
        modules.append(importlib.import_module(info.name))
    return modules


def _undocumented(module: Any) -> list[str]:
    missing = [] if module.__doc__ else [module.__name__]
    for name, obj in vars(module).items():
        if name.startswith("_") or getattr(obj, "__module__", None) != module.__name__:
            continue
        if not (inspect.isclass(obj) or inspect.isfunction(obj)):
            continue
        if not inspect.getdoc(obj):
            missing.append(f"{module.__name__}.{name}")
        if inspect.isclass(obj):
            for attr, member in vars(obj).items():
                if attr.startswith("_"):
                    continue
                func = member.fget if isinstance(member, property) else member
                func = getattr(func, "__func__", func)
                if inspect.isfunction(func) and not func.__doc__:
                    missing.append(f"{module.__name__}.{name}.{attr}")
    return missing


def test_every_public_class_and_function_has_a_docstring() -> None:
    missing = [name for module in _public_modules() for name in _undocumented(module)]
    assert not missing, "no docstring: " + ", ".join(missing)


# -- the emulator's command line ---------------------------------------------------


def test_emulator_help_documents_every_option() -> None:
    parser = build_parser()
    options = [a for a in parser._actions if a.option_strings and a.dest != "help"]
    assert {a.dest for a in options} >= {"host", "port", "key"}
    undocumented = [a.option_strings[0] for a in options if not (a.help or "").strip()]
    assert not undocumented, f"options without help: {undocumented}"
    done = subprocess.run(
        [sys.executable, "-m", "langchain_aihubmix.testing", "--help"],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    )
    for action in options:
        assert action.option_strings[0] in done.stdout
    assert "/gemini/v1beta" in done.stdout
    assert "/v1/chat/completions" in done.stdout


def test_emulator_options_reach_the_emulator() -> None:
    args = build_parser().parse_args(
        ["--port", "0", "--key", "k", "--latency", "0.5", "--stream-chunk-chars", "7"]
    )
    assert (args.port, args.key, args.latency, args.stream_chunk_chars) == (
        0,
        "k",
        0.5,
        7,
    )


# -- packaging and locks ------------------------------------------------------------


def _pyproject() -> dict[str, Any]:
    with (ROOT / "pyproject.toml").open("rb") as f:
        return tomllib.load(f)


def _pins(lock: Path) -> dict[str, Version]:
    pins = {}
    for line in lock.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^([A-Za-z0-9._-]+)==([^\s;#]+)", line)
        if match:
            pins[re.sub(r"[-_.]+", "-", match.group(1)).lower()] = Version(
                match.group(2)
            )
    return pins


def _requirements(*extras: str) -> list[Requirement]:
    project = _pyproject()["project"]
    reqs = [Requirement(r) for r in project["dependencies"]]
    for extra in extras:
        reqs += [Requirement(r) for r in project["optional-dependencies"][extra]]
    return reqs


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_version_is_single_sourced() -> None:
    project = _pyproject()
    assert "version" not in project["project"]
    assert "version" in project["project"]["dynamic"]
    dynamic = project["tool"]["setuptools"]["dynamic"]["version"]
    assert dynamic == {"attr": "langchain_aihubmix.__version__"}
    assert Version(langchain_aihubmix.__version__)
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert f"## [{langchain_aihubmix.__version__}]" in changelog


def test_test_lock_pins_every_dependency_within_its_range() -> None:
    pins = _pins(ROOT / "requirements" / "test.lock")
    problems = []
    for req in _requirements("test", "lint", "dist", "agents"):
        pinned = pins.get(_norm(req.name))
        if pinned is None:
            problems.append(f"{req.name} is not in requirements/test.lock")
        elif not req.specifier.contains(pinned, prereleases=True):
            problems.append(f"{req.name}=={pinned} is outside {req.specifier}")
    assert not problems, "run `make lock`:\n" + "\n".join(problems)


def test_min_lock_pins_the_lower_bounds() -> None:
    pins = _pins(ROOT / "requirements" / "min.lock")
    problems = []
    for req in _requirements():
        lower = [Version(s.version) for s in req.specifier if s.operator == ">="]
        pinned = pins.get(_norm(req.name))
        if not lower:
            problems.append(f"{req.name} has no lower bound in pyproject.toml")
        elif pinned != lower[0]:
            problems.append(
                f"{req.name}: lower bound {lower[0]} but requirements/min.lock has "
                f"{pinned} (raise the bound to what resolves, or re-run `make lock`)"
            )
    assert not problems, "\n".join(problems)


def test_license_and_metadata_are_release_ready() -> None:
    project = _pyproject()["project"]
    assert project["license"] == "MIT"
    assert project["license-files"] == ["LICENSE"]
    assert "MIT License" in (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert project["authors"] and project["urls"] and project["keywords"]
    python = Requirement(f"python{project['requires-python']}").specifier
    for classifier in project["classifiers"]:
        match = re.fullmatch(r"Programming Language :: Python :: (3\.\d+)", classifier)
        if match:
            assert python.contains(match.group(1) + ".0"), classifier


def test_every_error_the_docs_name_imports_from_the_errors_module() -> None:
    import builtins

    import langchain_core.exceptions

    from langchain_aihubmix import errors

    named = {
        name
        for doc in [README, *DOCS]
        for name in re.findall(
            r"(?<![*\w.])([A-Z]\w*(?:Error|Warning))\b", doc.read_text()
        )
    }
    others = set(dir(builtins)) | set(dir(langchain_core.exceptions))
    sdk = {"ClientError", "RateLimitError"}  # google.genai.errors / openai, as such
    ours = named - others - sdk
    assert "UnknownOptionError" in ours and "NotOnOpenAIRouteError" in ours
    missing = sorted(n for n in ours if not hasattr(errors, n))
    assert missing == []
    assert ours <= set(errors.__all__)


def test_the_install_line_brings_what_every_snippet_imports() -> None:
    # `pip install "langchain-aihubmix[agents]"`, as the README says, must bring
    # every package a README / docs snippet imports (`create_agent` needs
    # `langchain`, which the base install does not bring)
    import ast
    import importlib.metadata

    installed = {_norm(r.name) for r in _requirements("agents")}
    dists = importlib.metadata.packages_distributions()
    missing = set()
    extract = script("doc_snippets").extract
    for snippet in [s for doc in [README, *DOCS] for s in extract(doc)]:
        if snippet.skip:
            continue
        for node in ast.walk(ast.parse(snippet.code)):
            if isinstance(node, ast.Import):
                roots = [alias.name.split(".")[0] for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                roots = [node.module.split(".")[0]]
            else:
                continue
            for root in roots:
                if root in sys.stdlib_module_names or root == "langchain_aihubmix":
                    continue
                if not {_norm(d) for d in dists.get(root, [root])} & installed:
                    missing.add(f"{snippet.name}: {root}")
    assert sorted(missing) == []
    install = README.read_text().split("## Install", 1)[1].split("\n## ", 1)[0]
    assert 'pip install "langchain-aihubmix[agents]"' in install
