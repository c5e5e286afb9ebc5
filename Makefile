# Every target bootstraps its own virtualenv (.venv) on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SPEC ?=
URL ?=
SOFTWARE ?=
STRICT ?=

.PHONY: generate check-generated test unit unit-py310 lint record bench bench-smoke endpoint-coverage docs docs-serve clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=25.1"
	$(BIN)/python -m pip install --quiet --group dev -e .
	touch $(STAMP)

## Regenerate generated/ from the pinned spec (or SPEC=file / URL=https://your.instance; STRICT=1 fails
## on anything left untyped; SOFTWARE=sharkey names a fork whose spec file calls itself Misskey).
generate: $(STAMP)
	$(BIN)/python -m generator $(if $(URL),--url $(URL)) $(if $(SPEC),--spec $(SPEC)) \
		$(if $(SOFTWARE),--software $(SOFTWARE)) $(if $(STRICT),--strict)

## Prove the committed generated/ equals a fresh generation of the pinned spec.
check-generated: $(STAMP)
	$(BIN)/python -m generator --check

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy core auth cli generator bench tools examples tests
	$(BIN)/mypy generated

## The one test command: lint, types, generated tree, the offline test suite, a benchmark smoke run.
test: lint check-generated unit bench-smoke

unit: $(STAMP)
	$(BIN)/python -m pytest

## The runtime supports Python 3.10 (the generator needs 3.11): run the suite, generator and site tests aside,
## under python3.10 in its own virtualenv. Test tools are the newest releases that support 3.10.
VENV310 := .venv310
PYTHON310 ?= python3.10
$(VENV310)/.installed: pyproject.toml
	$(PYTHON310) -m venv $(VENV310)
	$(VENV310)/bin/python -m pip install --quiet --upgrade "pip>=25.1"
	$(VENV310)/bin/python -m pip install --quiet -e . "pytest<9.1" "pytest-recording<0.15" "vcrpy<9" \
		"anyio<5" "websockets>=15,<17" "hypothesis<7" "pyyaml<7" "uvicorn<0.55" "starlette<2" "aiohttp<4" \
		"click>=8.1,<9" "rich>=13.7" "pyte<0.9"
	touch $(VENV310)/.installed

unit-py310: $(VENV310)/.installed
	$(VENV310)/bin/python -m pytest --ignore=tests/generator --ignore=tests/docs -q

## Re-record cassettes against a real server: MISSKEY_URL and MISSKEY_*_TOKEN in the environment.
record: $(STAMP)
	@test -n "$$MISSKEY_URL" || { echo "set MISSKEY_URL (and MISSKEY_ADMIN_TOKEN, MISSKEY_USER_TOKEN)"; exit 2; }
	$(BIN)/python -m pytest --record-mode=rewrite -p no:randomly $(ARGS)

## Benchmarks: one table of ratios against baselines measured in the same run (docs/guides/benchmarks.md).
bench: $(STAMP)
	$(BIN)/python -m bench

## CI runs the benchmarks once, quickly, to prove they execute; it asserts nothing about time.
bench-smoke: $(STAMP)
	$(BIN)/python -m bench --quick

clean:
	rm -rf $(VENV) $(VENV310) .mypy_cache .ruff_cache .pytest_cache site

## The documentation site, into site/ (strict: a broken link or anchor fails). The reference pages
## under docs/reference/ are written by `make generate`.
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

## The site on http://127.0.0.1:8000, rebuilt on every change.
docs-serve: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs serve --dev-addr 127.0.0.1:8000

## Which endpoints have replayed cassettes, per tag, and why not where known (writes docs/endpoint-coverage.md).
endpoint-coverage: $(STAMP)
	$(BIN)/python -m tools.endpoint_coverage --output docs/endpoint-coverage.md
