# Everything runs in the project's own virtual environment (.venv), created
# on first use from pyproject.toml: nothing needs to be installed by hand.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PG_URL ?= postgres://postgres@127.0.0.1:5432/test
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: help venv run test test-sqlite test-postgres lint format messages migrations-check check-deploy reset-local-db clean bench bench-import bench-dashboard load-test smoke replica-check backup

help:
	@echo "make run            set up from nothing, load the demo town, serve on http://$(HOST):$(PORT)/"
	@echo "make test           run the test suite (SQLite; DATABASE_URL selects PostgreSQL)"
	@echo "make test-postgres  run the test suite on PostgreSQL ($(PG_URL))"
	@echo "make lint           ruff check and format check, and the apps' import layering (lint-imports)"
	@echo "make messages       rebuild locale/zh_Hans's django.po from the source and compile django.mo"
	@echo "make migrations-check  fail if models and migrations differ"
	@echo "make check-deploy   Django's deployment checks with production settings"
	@echo "make smoke          production smoke test: gunicorn + PostgreSQL + collected static files"
	@echo "make replica-check  a PostgreSQL primary and streaming replica: which pages read which server"
	@echo "make backup         back up the database and uploads into backups/ (deploy/backup.sh)"
	@echo "make reset-local-db delete the local SQLite database and load the demo town again"
	@echo "make bench-import   ledger import benchmark, $(BENCH_MEMBERS) members, on PostgreSQL ($(PG_URL)),"
	@echo "                    in a database of its own (tieshagai_bench, created and dropped)"
	@echo "make bench-dashboard the summaries and the pages reading them at $(BENCH_HOUSEHOLDS) households, on PostgreSQL,"
	@echo "                    in a database of its own (tieshagai_bench_dash, created and dropped)"
	@echo "make load-test      $(LOAD_USERS) users for $(LOAD_SECONDS) s against gunicorn + PostgreSQL (p50/p95/p99)"

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $@

venv: $(VENV)/.installed

# The demo town is the town of mid-2020: pages open as of 2020-05-31 unless
# AS_OF_DATE says otherwise. The worker of the background tasks (large
# ledger imports; django-tasks' db_worker) runs beside the development server
# and stops with it (no reloader of its own: restart `make run` after a change
# to a task's code).
run: venv
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo
	$(PY) manage.py db_worker --no-reload & worker=$$!; trap 'kill $$worker' EXIT INT TERM; \
	AS_OF_DATE=$${AS_OF_DATE:-2020-05-31} $(PY) manage.py runserver $(HOST):$(PORT)

# In parallel, one worker per core (pytest-xdist); the 15 slowest tests are
# printed at the end.
PYTEST := $(PY) -m pytest -n auto --durations=15

test: venv
	$(PYTEST)

test-sqlite: venv
	env -u DATABASE_URL $(PYTEST)

test-postgres: venv
	DATABASE_URL=$(PG_URL) $(PYTEST)

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

format: venv
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# The message catalog (locale/zh_Hans): rebuilt from the source, then compiled.
# Needs GNU gettext (apt-get install gettext); django.mo is committed, so
# `make run` does not, and tests/test_locale.py fails when it is out of date.
messages: venv
	$(PY) manage.py makemessages --locale zh_Hans --domain django --add-location file
	$(PY) manage.py compilemessages --locale zh_Hans --ignore .venv --ignore staticfiles

migrations-check: venv
	$(PY) manage.py makemigrations --check --dry-run

check-deploy: venv
	DEBUG=0 SECRET_KEY=check-deploy-$$(date +%s)-a-long-random-value-for-the-check-only \
	ALLOWED_HOSTS=tieshagai.example.gov.cn $(PY) manage.py check --deploy --fail-level WARNING

# gunicorn with DEBUG=0 against a database of its own on the PostgreSQL
# server of PG_URL (created and dropped), checked over the loopback.
smoke: venv
	PG_SERVER=$$(echo "$(PG_URL)" | sed 's|/[^/]*$$||') deploy/smoke.sh

# A primary and a streaming replica of its own (temporary directories, free
# ports): which pages read which server (deploy/replica_check.sh).
replica-check: venv
	deploy/replica_check.sh

backup: venv
	deploy/backup.sh

reset-local-db: venv
	rm -f db.sqlite3
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache staticfiles

# Benchmarks are scripts that print figures, never tests that fail. The
# import benchmark creates its own database (tieshagai_bench) on the PG_URL
# server and drops it afterwards: the database PG_URL names is not touched.
BENCH_MEMBERS ?= 100000
# The database the import benchmark creates (another name lets two runs share a server).
BENCH_DB ?= tieshagai_bench

bench-import: venv
	$(PY) bench/bench_import.py --members $(BENCH_MEMBERS) --database-url $(PG_URL) --db-name $(BENCH_DB)

# The dashboard benchmark fills its own database (tieshagai_bench_dash) to a
# county's and then a province's size and prints the dashboard's time beside
# hand-written SQL for the same figures (the 1,000,000 step takes minutes).
BENCH_HOUSEHOLDS ?= 100000,1000000

# The pages reading the summary tables (county, town, village; no cache), the
# writes reflected, the full rebuild. bench/bench_dashboard.py alone times the
# live selectors against hand-written SQL (the cost the summaries avoid).
bench-dashboard: venv
	$(PY) bench/bench_summaries.py --households $(BENCH_HOUSEHOLDS) --database-url $(PG_URL)

# The load test: gunicorn (production settings) + PostgreSQL in a database of
# its own (tieshagai_load), LOAD_USERS users for LOAD_SECONDS seconds on
# loopback, with the demo town (and LOAD_COUNTY generated households beside it).
LOAD_USERS ?= 50
LOAD_SECONDS ?= 60
LOAD_COUNTY ?= 0

$(VENV)/.installed-load: $(VENV)/.installed
	$(PY) -m pip install --quiet -e ".[dev,load]"
	touch $@

load-test: $(VENV)/.installed-load
	$(PY) bench/load.py --users $(LOAD_USERS) --duration $(LOAD_SECONDS) --county $(LOAD_COUNTY) \
		--database-url $(PG_URL)

bench: bench-import bench-dashboard
