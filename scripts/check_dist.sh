#!/usr/bin/env bash
# Build the sdist and wheel, check them with twine, install the wheel (dependencies
# from the lock) into a fresh venv outside the checkout, and run the README
# quickstart snippets from that install against its bundled emulator.
# Usage: scripts/check_dist.sh PYTHON   (a Python with build, twine and uv: the
# `dist` extra, which `make test` installs into .venv from the lock)
set -euo pipefail
PY="${1:-python3}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/aihubmix-dist.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
cd "$ROOT"
start=$SECONDS
# uv makes the isolated build environment (pip: ~10 s more)
"$PY" -m build --installer uv --outdir "$WORK/dist" . > "$WORK/build.log" 2>&1 \
    || { cat "$WORK/build.log"; exit 1; }
if grep -qi "SetuptoolsDeprecationWarning" "$WORK/build.log"; then
    grep -i -A3 "SetuptoolsDeprecationWarning" "$WORK/build.log"; exit 1
fi
"$PY" -m twine check --strict "$WORK"/dist/*
"$PY" -m venv --without-pip "$WORK/venv"
# uv installs the wheel and its locked dependencies in seconds (pip: minutes), with
# the `agents` extra the README's create_agent / LangGraph snippets need.
WHEEL="$(ls "$WORK"/dist/*.whl)"
"$PY" -m uv pip install --quiet --python "$WORK/venv/bin/python" \
    -c requirements/test.lock "$WHEEL[agents]"
cd "$WORK"  # away from the checkout: the import must come from the installed wheel
"$WORK/venv/bin/python" -c "import langchain_aihubmix, sys; f = langchain_aihubmix.__file__; sys.exit(0 if '$ROOT' not in f else f'imported from the checkout: {f}')"
"$WORK/venv/bin/python" "$ROOT/scripts/doc_snippets.py" --section Quickstart "$ROOT/README.md"
"$WORK/venv/bin/python" -c "from langchain.agents import create_agent; import langgraph.graph"
echo "check-dist: ok in $((SECONDS - start)) s"
