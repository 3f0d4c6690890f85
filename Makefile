# One task runner for people and CI. `make build` and `make test` install what they need.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: install system-deps build serve test lint format typecheck bench clean

install: $(STAMP) node_modules/.package-lock.json

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-* && touch $@

# The /map page's browser assets (country outlines, TopoJSON reader), from the npm registry into
# the git-ignored node_modules/, served locally by kg serve.
node_modules/.package-lock.json: package.json package-lock.json
	@command -v npm >/dev/null 2>&1 || $(MAKE) --no-print-directory system-deps
	npm ci --no-audit --no-fund

# From Debian, if missing: Java runs the OWL reasoner (HermiT, through owlready2); Chromium
# runs the browser tests (Playwright drives it; it never downloads a browser of its own);
# Node's npm fetches the /map page's assets (`make install` needs it, so it runs this first).
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
system-deps:
	@missing=""; \
	command -v java >/dev/null 2>&1 || missing="$$missing default-jre-headless"; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	command -v npm >/dev/null 2>&1 || missing="$$missing nodejs npm"; \
	if [ -n "$$missing" ]; then \
	  echo "installing from Debian:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; \
	fi

# The main job: build the graph from data/ into var/store, then answer the example question.
build: install
	kg build --if-changed
	@echo
	@echo "Who held al-Qaryatayn on 2015-12-01?"
	@kg query control-at place=al-Qaryatayn date=2015-12-01
	@echo
	@echo "Who held al-Qaryatayn on 2016-04-10?"
	@kg query control-at place=al-Qaryatayn date=2016-04-10

# The main job: build the graph (unless it is up to date), then serve it on http://127.0.0.1:8000/
# (KG_PORT to change). A rebuild keeps every accepted submission.
serve: install
	kg build --if-changed
	kg serve

# One pytest process per core; a test file stays in one process (--dist loadfile), so the
# module-scoped stores and servers are built once, not once per process.
test: install system-deps lint
	$(BIN)/pytest -q -n auto --dist loadfile

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

format: install
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

bench: install
	$(BIN)/python bench/build.py

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache
