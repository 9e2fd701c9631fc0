# impactgraph — the two commands a fresh machine needs: `make demo` and `make test`.
SHELL := /bin/bash
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STORE ?= sqlite:///$(CURDIR)/demo.db

.PHONY: install system-deps demo test lint typecheck unit neo4j-start neo4j-stop bench walkthrough clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

install: $(BIN)/python system-deps
	$(BIN)/pip install -q -e '.[dev]'

# graphviz's `dot` and a JDK for the local Neo4j server (Debian packages; needs root or sudo)
system-deps:
	@scripts/system-deps

demo: install
	$(BIN)/impactgraph validate examples/estate.yaml
	$(BIN)/impactgraph load examples/estate.yaml --store $(STORE)
	$(BIN)/impactgraph impact --store $(STORE) --scenario examples/scenarios/primary-dc-lost.yaml
	$(BIN)/impactgraph explain --store $(STORE) --fail dc-london --component online-banking
	$(BIN)/impactgraph recover --store $(STORE) --fail dc-london --teams 3

lint: install
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

typecheck: install
	$(BIN)/mypy

# everything: lint, types, unit/property/contract tests, and the integration tests against a
# real Neo4j server started by scripts/neo4j-local (stopped again at the end)
test: install
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy
	PATH="$(CURDIR)/$(BIN):$$PATH" scripts/with-neo4j $(BIN)/python -m pytest -q

unit: install
	$(BIN)/python -m pytest -q -m "not neo4j"

neo4j-start:
	scripts/neo4j-local start

neo4j-stop:
	scripts/neo4j-local stop

# regenerate examples/README.md with the real output of every command it shows
walkthrough: install
	PATH="$(CURDIR)/$(BIN):$$PATH" examples/walkthrough/capture.sh

bench: install
	$(BIN)/python benchmarks/blast_radius.py --components 100000

clean:
	rm -rf $(VENV) demo.db* .pytest_cache .mypy_cache .ruff_cache
