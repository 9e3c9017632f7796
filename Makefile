# The two commands: `make test` and `make demo` (see README.md). Each sets itself up.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
.DEFAULT_GOAL := test

# `make demo`: the SDK and CLI end to end against the local service (see scripts/demo.py).
demo: $(STAMP)
	$(BIN)/python scripts/demo.py

# `make bench`: SDK and local service against the reference client (scripts/bench/run.py --help).
bench: $(STAMP)
	$(BIN)/python scripts/bench/run.py $(BENCH_ARGS)

.PHONY: demo bench test lint typecheck pytest docs generate install clean

# (Re)install when the venv is missing or pyproject.toml changed; a second run reuses it.
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[server,federated,plot,compat,analysis,docs,dev]'
	@touch $(STAMP)

install: $(STAMP)

test: $(STAMP)
	$(MAKE) --no-print-directory lint typecheck pytest docs

lint: $(STAMP)
	$(BIN)/ruff check src tests scripts
	$(BIN)/ruff format --check src tests scripts

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/pytest

# `make docs`: the documentation site (mkdocs.yml, docs/) into build/docs; --strict makes a
# broken link, anchor, nav entry or API reference fail the build (not with --quiet, which
# hides the warnings --strict counts). Open build/docs/index.html.
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict -d build/docs

generate: $(STAMP)
	scripts/generate

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache build/docs
