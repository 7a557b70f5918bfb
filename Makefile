# news-ingest: the two commands a newcomer needs.
#   make demo   installs what it needs, then ingests the bundled sample pages end to end
#   make test   installs what it needs, then runs the whole test suite (real Redis,
#               PostgreSQL and Celery worker processes)
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: demo test install services lint clean

$(BIN)/news-ingest: pyproject.toml
	@bash .ci/install-system
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q -e '.[dev]'
	@touch $@

install: $(BIN)/news-ingest

demo: install
	$(BIN)/news-ingest demo

test: install
	@bash .ci/install-system --test || echo "(pgbouncer not installed: its test is skipped)"
	$(BIN)/pytest -q

lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy

clean:
	-$(BIN)/news-ingest services stop
	rm -rf $(VENV) .news-ingest
