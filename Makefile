# The platform's commands. `make run` and `make test` install what is missing first;
# both are idempotent and fast the second time.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed

.PHONY: help install infra run stop status test test-faults test-unit lint-deploy snapshot-events bench clean

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

infra: install
	@$(PY) scripts/infra.py up

run: infra
	@$(PY) scripts/platformctl.py start --demo

stop:
	@if [ -x $(PY) ]; then $(PY) scripts/platformctl.py stop; $(PY) scripts/infra.py down; fi

status:
	@$(PY) scripts/platformctl.py status; $(PY) scripts/infra.py status

test: infra
	$(PY) -m pytest
	bash deploy/lint/run.sh

# Its own broker and store on free ports (never the shared ones): needs rabbitmq-server and
# Go (FerretDB), both installed by `make infra` on a fresh machine.
test-faults: infra
	FAULTS=1 $(PY) -m pytest tests/faults -q -rA
	@cat var/faults/table.md

test-unit: install
	$(PY) -m pytest -m "not e2e and not integration"

lint-deploy:
	bash deploy/lint/run.sh

snapshot-events: install
	$(PY) scripts/snapshot_events.py --write
	$(PY) scripts/gen_event_catalog.py

clean: stop
	rm -rf var

bench: infra
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; } || { echo "error: wrk is missing: apt-get install wrk"; exit 1; }
	$(PY) bench/run.py $(BENCH_ARGS)
