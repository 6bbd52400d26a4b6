# The platform's commands. `make run` and `make test` install what is missing first;
# both are idempotent and fast the second time.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed

.PHONY: help install infra web chromium run stop status test test-faults test-unit test-web lint-deploy snapshot-events bench fuzz clean

help:
	@echo "make run    - install, start broker + store + services + gateway (:8000), load demo data"
	@echo "make stop   - stop exactly what make run started (PID files in var/run)"
	@echo "make test   - install, start broker + store, run all tests (own vhost and databases)"
	@echo "make status - what is running (and how often the supervisor restarted each part)"
	@echo "make test-faults - kill -9 each part of a platform of its own mid-stream; prints the table"

$(INSTALLED): requirements.txt requirements-dev.txt constraints.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV) || { echo "error: could not create a Python venv: install python3-venv (Python 3.11)"; exit 1; }
	$(PY) -m pip install -q --disable-pip-version-check -r requirements-dev.txt -c constraints.txt
	@touch $@

install: $(INSTALLED)

# The web application (web/, React + Vite): npm ci when the lock changed, a build when any
# source changed (the stamp is newer than every source: nothing is done the second time).
WEB_SOURCES := $(shell find web/src web/public -type f 2>/dev/null) web/index.html web/package.json \
	web/vite.config.ts web/tsconfig.json
WEB_DEPS := web/node_modules/.installed
WEB_BUILT := web/dist/.built

$(WEB_DEPS): web/package-lock.json
	@command -v npm >/dev/null || { echo "error: Node.js 20 and npm are missing: apt-get install nodejs npm"; exit 1; }
	cd web && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

$(WEB_BUILT): $(WEB_DEPS) $(WEB_SOURCES)
	cd web && npm run --silent build
	@touch $@

web: $(WEB_BUILT)

# Debian's chromium for the browser tests (Playwright cannot download browsers here).
chromium:
	@test -x /usr/bin/chromium || { [ "$$(id -u)" = 0 ] && export DEBIAN_FRONTEND=noninteractive && \
	  { apt-get install -y -qq chromium >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }; }; } \
	  || { echo "error: chromium is missing: apt-get install chromium (as root)"; exit 1; }

infra: install
	@$(PY) scripts/infra.py up

run: infra web
	@$(PY) scripts/platformctl.py start --demo

stop:
	@if [ -x $(PY) ]; then $(PY) scripts/platformctl.py stop; $(PY) scripts/infra.py down; fi

status:
	@$(PY) scripts/platformctl.py status; $(PY) scripts/infra.py status

test: infra web chromium
	cd web && npx vitest run
	$(PY) -m pytest
	MOOC_BROWSER_TESTS=1 $(PY) -m pytest -p no:pytest_nameko tests/browser
	bash deploy/lint/run.sh

# Its own broker and store on free ports (never the shared ones): needs rabbitmq-server and
# Go (FerretDB), both installed by `make infra` on a fresh machine.
test-faults: infra
	FAULTS=1 $(PY) -m pytest tests/faults -q -rA
	@cat var/faults/table.md

test-unit: install
	$(PY) -m pytest -m "not e2e and not integration and not service"

test-web: infra web chromium
	cd web && npx vitest run
	MOOC_BROWSER_TESTS=1 $(PY) -m pytest -p no:pytest_nameko tests/browser

lint-deploy:
	bash deploy/lint/run.sh

# Long contract fuzzing of the HTTP API (a platform of its own; figures in docs/api.md).
fuzz: infra
	$(PY) scripts/api_fuzz.py $(FUZZ_ARGS)

snapshot-events: install
	$(PY) scripts/snapshot_events.py --write
	$(PY) scripts/gen_event_catalog.py

clean: stop
	rm -rf var

bench: infra
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; } || { echo "error: wrk is missing: apt-get install wrk"; exit 1; }
	$(PY) bench/run.py $(BENCH_ARGS)
