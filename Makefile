# The two commands: `make test` and `make demo` (see README.md). Each sets itself up.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# The second venv: pytket-quantinuum 0.55 (it cannot share a venv with the main one's
# 0.59+); it installs only pytket's packages and uses the rest of $(VENV).
COMPAT_VENV ?= .venv-compat
COMPAT_STAMP := $(COMPAT_VENV)/.installed-stamp
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
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[server,federated,plot,pytket,analysis,docs,dev]'
	@touch $(STAMP)

$(COMPAT_STAMP): $(STAMP) scripts/compat_venv.py
	$(BIN)/python scripts/compat_venv.py $(COMPAT_VENV)
	@touch $(COMPAT_STAMP)

install: $(STAMP) $(COMPAT_STAMP)

test: $(STAMP) $(COMPAT_STAMP)
	$(MAKE) --no-print-directory lint typecheck pytest docs

# lint-imports: the contracts of [tool.importlinter] in pyproject.toml (package boundaries).
lint: $(STAMP)
	$(BIN)/ruff check src tests scripts
	$(BIN)/ruff format --check src tests scripts
	PYTHONPATH=src:generated $(BIN)/lint-imports --no-logo

typecheck: $(STAMP)
	$(BIN)/mypy

# The whole suite (tests/compat on today's pytket-quantinuum and our backend), then
# tests/compat again on pytket-quantinuum 0.55 with our QuantinuumAPI/QuantinuumAPIOffline.
pytest: $(STAMP) $(COMPAT_STAMP)
	$(BIN)/pytest
	$(COMPAT_VENV)/bin/python -m pytest tests/compat

# `make docs`: the documentation site (mkdocs.yml, docs/) into build/docs; --strict makes a
# broken link, anchor, nav entry or API reference fail the build (not with --quiet, which
# hides the warnings --strict counts). Open build/docs/index.html.
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict -d build/docs

generate: $(STAMP)
	scripts/generate
	$(BIN)/python scripts/generate_sync.py

clean:
	rm -rf $(VENV) $(COMPAT_VENV) .mypy_cache .pytest_cache .ruff_cache .import_linter_cache build/docs
