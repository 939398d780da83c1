# The two commands that matter on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
DEV_ENV := DEBUG=1

.PHONY: help venv run serve test test-fast lint format worker beat bench screenshots clean

# Test processes (pytest-xdist): `auto` is one per core; TEST_WORKERS=0 runs in this process.
TEST_WORKERS ?= auto
PYTEST := $(DEV_ENV) $(PY) -m pytest -n $(TEST_WORKERS)

help:
	@echo "make run     set up everything and serve the shop on http://$(HOST):$(PORT)/"
	@echo "make serve   serve again, without installing, migrating or loading anything"
	@echo "make test    run the whole test suite (SQLite unless DATABASE_URL/REDIS_URL are set)"
	@echo "make test-fast  the suite without the slow, browser (e2e) and fault-injection tests"
	@echo "make lint    ruff + mypy + import contracts (.importlinter)"
	@echo "make worker  Celery worker   make beat  Celery beat   make bench  benchmarks"
	@echo "make screenshots  PNGs of home, kit builder, cart, checkout, account pages (phone, desktop) in screenshots/"

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is needed")'
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

venv: $(VENV)/.installed

run: venv
	$(DEV_ENV) $(PY) manage.py migrate --no-input -v 0
	$(DEV_ENV) $(PY) manage.py load_demo
	@echo
	@echo "  The shop:  http://$(HOST):$(PORT)/"
	@echo "  Admin:     http://$(HOST):$(PORT)/admin/"
	@$(DEV_ENV) $(PY) manage.py ensure_admin | sed 's/^/  /'
	@echo "  API docs:  http://$(HOST):$(PORT)/api/docs/"
	@$(if $(REDIS_URL),echo "  REDIS_URL is set: run make worker and make beat as well.",echo "  Emails are printed here; the scheduled sweeps (reminders, giveaways, outbox) run here too.")
	@echo
	$(SERVE)

# After a first `make run`: the server alone, on the database as it is.
serve:
	@test -x $(PY) || { echo "No $(VENV) yet: run 'make run' once first."; exit 1; }
	$(SERVE)

# runserver; without REDIS_URL (tasks run inline, no worker, no beat) beat's schedule runs
# beside it in one process (manage.py run_schedule), stopped with the server.
SCHEDULE = $(DEV_ENV) $(PY) manage.py run_schedule & trap 'kill $$! 2>/dev/null' EXIT INT TERM;
SERVE = $(if $(REDIS_URL),,$(SCHEDULE)) $(DEV_ENV) $(PY) manage.py runserver $(HOST):$(PORT)

test: venv
	$(PYTEST) $(PYTEST_ARGS)

test-fast: venv
	$(PYTEST) -m "not slow and not e2e" --ignore=tests/faults $(PYTEST_ARGS)

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(DEV_ENV) $(VENV)/bin/mypy .
	$(VENV)/bin/lint-imports --no-cache

format: venv
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

worker: venv
	$(VENV)/bin/celery -A config worker --loglevel INFO

beat: venv
	$(VENV)/bin/celery -A config beat --loglevel INFO --schedule var/celerybeat-schedule

bench: venv
	$(DEV_ENV) $(PY) -m bench.run $(BENCH_ARGS)

# Needs Debian's chromium (apt-get install chromium); writes screenshots/*.png (gitignored).
screenshots: venv
	$(DEV_ENV) $(PY) -m pytest tests/e2e/test_screenshots.py -q -p no:randomly $(PYTEST_ARGS)
	@ls -1 screenshots/*.png

clean:
	rm -rf $(VENV) var/ .pytest_cache .mypy_cache .ruff_cache .hypothesis
