# Novamind: the two commands a newcomer needs are `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8501
# The development mail sink's port: NOVAMIND_SMTP_PORT's default, so the worker mails the sink in development.
SMTP_SINK_PORT ?= 8025
# Where patients' questionnaire links point (the address the app is served on; override behind a proxy).
PUBLIC_BASE_URL ?= http://$(HOST):$(PORT)

.PHONY: run run-replicas test bench install install-dev lint clean-db help

help:
	@echo "make run    - install, migrate, seed the demo cohort (first run) and serve on http://$(HOST):$(PORT)"
	@echo "make run-replicas - REPLICAS=2 app processes + worker behind nginx (TLS, sticky) on PostgreSQL only"
	@echo "make test   - ruff + the whole pytest suite (PostgreSQL/browser tests skip with a reason when absent)"
	@echo "make bench  - run benchmarks/, write docs/benchmarks.md and docs/benchmarks.json"

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip

# The lock files pin every package with its hash (generated from pyproject.toml: docs/development.md §2); the
# project itself goes in editable, without dependencies, so the lock alone decides what is installed.
$(VENV)/.installed: requirements.txt pyproject.toml | $(PY)
	$(PIP) install -q --require-hashes -r requirements.txt
	$(PIP) install -q --no-deps --no-build-isolation -e .
	@touch $@

$(VENV)/.installed-dev: requirements-dev.txt requirements.txt pyproject.toml $(VENV)/.installed
	$(PIP) install -q --require-hashes -r requirements-dev.txt
	# Real Actiwatch recordings for the biometrics tests (data files only; its own deps do not build here).
	$(PIP) install -q --no-deps pyActigraphy==1.2.2 || echo "pyActigraphy unavailable: real-recording tests will skip"
	@touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

run: install
	$(PY) -m novamind_core init-keys
	$(PY) -m novamind_core migrate
	$(PY) -m novamind_core seed-demo --if-empty
	$(PY) -m novamind_core demo-sign-ins --url http://$(HOST):$(PORT)
	@# The development mail sink (prints each message's link) and the notification worker run beside the app;
	@# one Ctrl-C stops all three (the trap ends the background processes however streamlit exits).
	@trap 'kill $$sink $$worker 2>/dev/null; wait $$sink $$worker 2>/dev/null' EXIT; trap 'exit 130' INT TERM; \
	$(PY) -m novamind_core.notifications.sink --host 127.0.0.1 --port $(SMTP_SINK_PORT) & sink=$$!; \
	NOVAMIND_PUBLIC_BASE_URL=$(PUBLIC_BASE_URL) NOVAMIND_SMTP_PORT=$${NOVAMIND_SMTP_PORT:-$(SMTP_SINK_PORT)} $(PY) -m novamind_core worker & worker=$$!; \
	NOVAMIND_PUBLIC_BASE_URL=$(PUBLIC_BASE_URL) $(VENV)/bin/streamlit run app.py --server.address $(HOST) --server.port $(PORT) --server.headless true \
		--client.toolbarMode viewer --browser.gatherUsageStats false

# Scale-out on one machine (docs/deployment.md §1): REPLICAS app processes on ports 8601.., the worker and a mail
# sink, behind nginx on https://127.0.0.1:8443 (self-signed certificate made at start-up; :8080 redirects).
# Needs NOVAMIND_DATABASE_URL=postgresql+psycopg://... (SQLite is refused). One Ctrl-C stops everything.
REPLICAS ?= 2
run-replicas: install
	REPLICAS=$(REPLICAS) $(PY) -m deploy.run_replicas --mail-sink-port $(SMTP_SINK_PORT)

lint: install-dev
	$(VENV)/bin/ruff check .

test: install-dev
	$(VENV)/bin/ruff check .
	NOVAMIND_ENVIRONMENT=testing $(PY) -m pytest

bench: install-dev
	NOVAMIND_ENVIRONMENT=testing $(PY) -m benchmarks.run $(BENCH_ARGS)

clean-db:
	rm -f data/novamind.db data/novamind.db-*
