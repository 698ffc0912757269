"""The package's imports form layers: no import circles, none back up a layer."""

from __future__ import annotations

import ast
from pathlib import Path

import langchain_aihubmix

PACKAGE = "langchain_aihubmix"
ROOT = Path(langchain_aihubmix.__file__).parent

# Rank of each module (by prefix, without the package name); a module imports only
# modules of its own rank or below. docs/architecture.md draws the same layers.
RANKS: dict[str, int] = {
    "_errors": 0,  # leaf: error types, classification, redaction
    "profiles": 0,
    "snapshot": 0,
    "pricing": 0,
    "_catalog": 0,  # the catalogue read and fetched (re-exported by `catalog`)
    "_input.conversation": 1,  # the route-neutral Conversation
    "_options.call_options": 1,  # the typed CallOptions
    "_options.spec": 1,
    "_options": 2,  # fields + kwargs -> CallOptions
    "_options.gemini_schema": 2,  # JSON Schema -> Gemini's two schema forms
    "_options.tool_wire": 2,  # tools as a route sends them, and calls back
    "_input": 2,  # LangChain messages -> Conversation
    "_output": 3,  # chunks / messages / usage, shared by both routes
    "_transport": 3,  # what both clients share
    "_transport.failover": 0,  # base URLs in order (the catalogue fetches use it)
    "_native": 4,
    "_openai": 4,
    "_call": 4,  # one call of chat_models: prepared, run, returned
    "chat_models": 5,
    "structured": 5,  # what chat_models delegates to
    "tokens": 5,
    "errors": 6,  # public facades and tools built on the model
    "callbacks": 6,
    "caching": 6,
    "streaming": 6,
    "catalog": 6,
    "doctor": 6,
    "embeddings": 6,  # imports callbacks (the active handler's type)
    "account": 6,  # the billing endpoints (the doctor reads them too)
    "_doctor": 6,
    "": 7,  # __init__
}


def _modules() -> dict[str, Path]:
    found = {}
    for path in ROOT.rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        parts = parts[:-1] if parts[-1] == "__init__" else parts
        if parts[:1] != ("testing",):  # the emulator: a separate tool
            found[".".join(parts)] = path
    return found


def _imports(modules: dict[str, Path]) -> dict[str, set[str]]:
    """Module -> the package modules it imports (lazy and TYPE_CHECKING included)."""
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text())):
            targets: list[str] = []
            if isinstance(node, ast.ImportFrom) and node.module:
                targets = [
                    node.module,
                    *(f"{node.module}.{a.name}" for a in node.names),
                ]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            for target in targets:
                short = target.removeprefix(PACKAGE).removeprefix(".")
                if target.startswith(PACKAGE) and short in modules and short != name:
                    graph[name].add(short)
    return graph


def _rank(module: str) -> int | None:
    prefixes = [p for p in RANKS if module == p or module.startswith(p + ".")]
    return RANKS[max(prefixes, key=len)] if prefixes else RANKS.get(module)


def _circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in sorted(graph[node]):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                other = stack.pop()
                component.append(other)
                if other == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_every_module_has_a_layer() -> None:
    assert [m for m in _modules() if _rank(m) is None] == []


def test_no_import_circles() -> None:
    assert _circles(_imports(_modules())) == []


def test_no_import_runs_back_up_the_layers() -> None:
    upward = [
        f"{module} ({_rank(module)}) imports {target} ({_rank(target)})"
        for module, targets in _imports(_modules()).items()
        for target in sorted(targets)
        if (_rank(target) or 0) > (_rank(module) or 0)
    ]
    assert upward == []
