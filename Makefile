# The front door: `make demo` and `make test` set up what they need themselves.
# The test environment installs from requirements/test.lock (exact versions, so a green
# run today is a green run next month); `make lock` refreshes it.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
LOCK := requirements/test.lock
MIN_LOCK := requirements/min.lock
MIN_VENV ?= /tmp/langchain-aihubmix-min-venv
SOURCES := langchain_aihubmix tests examples benchmarks scripts
# pytest-xdist workers for `make test`; WORKERS=0 runs the suite serially.
WORKERS ?= 2
UV_COMPILE = $(PY) -m uv pip compile pyproject.toml --universal --annotation-style line \
	--custom-compile-command "make lock"

.PHONY: demo test lint check-dist bench venv lock test-min clean

$(STAMP): pyproject.toml $(LOCK)
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c $(LOCK) -e ".[test,lint,dist]"
	touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(PY) examples/quickstart.py

test: $(STAMP)
	$(PY) -m ruff check $(SOURCES)
	$(PY) -m ruff format --check $(SOURCES)
	$(PY) -m mypy
	bash scripts/check_dist.sh $(PY)
	$(PY) -m pytest -q -p no:cacheprovider -n $(WORKERS) tests

lint: $(STAMP)
	$(PY) -m ruff check $(SOURCES)
	$(PY) -m ruff format --check $(SOURCES)
	$(PY) -m mypy

# Build the sdist and wheel, `twine check` them, install the wheel into a fresh venv
# and run the README quickstart from it.
check-dist: $(STAMP)
	bash scripts/check_dist.sh $(PY)

bench: $(STAMP)
	$(PY) -m pip install --quiet -c $(LOCK) -e ".[bench]"
	$(PY) -m benchmarks

# Refresh both locks: test.lock to the newest versions the pyproject ranges allow;
# min.lock to the lower bounds of the package's dependencies (min-bounds.txt) with the
# newest test tools that work with them.
lock: $(STAMP)
	$(UV_COMPILE) --extra test --extra lint --extra dist --upgrade -o $(LOCK)
	$(PY) scripts/min_constraints.py > requirements/min-bounds.txt
	$(UV_COMPILE) --extra test --python-version 3.11 --upgrade \
		-c requirements/min-bounds.txt -o $(MIN_LOCK)

# The test suite at the lowest versions pyproject allows (requirements/min.lock), in a
# venv of its own.
test-min:
	$(PYTHON) -m venv $(MIN_VENV)
	$(MIN_VENV)/bin/python -m pip install --quiet -c $(MIN_LOCK) -e ".[test]"
	$(MIN_VENV)/bin/python -m pytest -q -p no:cacheprovider -n $(WORKERS) tests

clean:
	rm -rf $(VENV) $(MIN_VENV) .pytest_cache .mypy_cache .ruff_cache build dist
