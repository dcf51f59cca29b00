# Two commands do everything on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# Two workers: the suite is CPU-bound and the machines have 2 cores.
PYTEST_ARGS ?= -n 2

.PHONY: setup run test test-sqlite test-postgres chromium pdf-libs dovecot redis check clean bench loadtest faults icons guide-screenshots

setup: $(VENV)/.installed node_modules/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test,rq]"
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

chromium:
	@command -v chromium >/dev/null || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium >/dev/null; }

# WeasyPrint (invoice and agreement PDFs) needs Pango and HarfBuzz; the PDFs use the DejaVu fonts.
PDF_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core
pdf-libs:
	@dpkg -s $(PDF_PACKAGES) >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq $(PDF_PACKAGES) >/dev/null; }

# Debian's Dovecot: the email tests start a private IMAP server from it (never the system service).
dovecot:
	@command -v dovecot >/dev/null || [ -x /usr/sbin/dovecot ] || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq dovecot-imapd >/dev/null; }

# Debian's Redis: the fault tests start a private server from it for the RQ task backend.
redis:
	@command -v redis-server >/dev/null || [ -x /usr/bin/redis-server ] || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq redis-server >/dev/null; }

# The faults of docs/reliability.md, injected with real servers; rewrites its table.
faults: setup pdf-libs dovecot redis
	$(PY) scripts/faults.py

# The tasks worker (mail fetching, mail merges) runs beside the server and stops with it.
run: setup pdf-libs
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo --if-empty
	$(PY) manage.py db_worker --no-reload & WORKER=$$!; \
	trap 'kill $$WORKER 2>/dev/null; wait $$WORKER 2>/dev/null' EXIT INT TERM; \
	DEBUG=1 $(PY) manage.py runserver 127.0.0.1:8000

# Lint and format (ruff), types (mypy), Django's checks, no missing migrations, and the layers
# (import-linter contracts): each configured in pyproject.toml. .pre-commit-config.yaml runs the same.
check: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/lint-imports

# The whole suite on SQLite, then again on a throwaway PostgreSQL server.
test: setup chromium pdf-libs dovecot redis
	$(MAKE) check
	$(MAKE) test-sqlite
	$(MAKE) test-postgres

test-sqlite: setup
	$(PY) -m pytest $(PYTEST_ARGS)

# Browser journeys check what the browser is shown, which does not depend on the database: they
# run on SQLite. On PostgreSQL run every other test, and the journeys marked `postgres` whose
# outcome does (background imports by COPY in the worker, invoice numbering and payments under
# row locks, the board's stage moves).
# The fault injections (tests/faults: worker processes, closed connections) run in a pytest of their
# own, so what they do to a worker's database connection never reaches the other tests.
test-postgres: setup
	scripts/with-postgres.sh $(PY) -m pytest $(PYTEST_ARGS) -m "not browser or postgres" --ignore=tests/faults
	scripts/with-postgres.sh $(PY) -m pytest $(PYTEST_ARGS) tests/faults

# The favicon and app icons, drawn by a script and committed as it writes them (tests/crm/test_icons_and_version.py).
icons: setup
	$(PY) scripts/make_icons.py

# The user guide's pictures (docs/guide.md): the guide's browser journeys over the demo world,
# written into docs/guide/ (committed) instead of test-artifacts/.
guide-screenshots: setup chromium
	GUIDE_SCREENSHOTS=1 $(PY) -m pytest -p no:xdist -q tests/browser/test_guide_screenshots.py

clean:
	rm -rf $(VENV) node_modules staticfiles test-artifacts

# Benchmarks and the load test: DB=sqlite (default) or DB=postgres (a throwaway server via
# scripts/with-postgres.sh). BENCH_QUICK=1 make bench is a small smoke run; extra flags go in
# BENCH_ARGS / LOADTEST_ARGS (e.g. BENCH_ARGS="--only search,api", LOADTEST_ARGS="--users 50 --duration 60").
# The invoicing benchmark renders PDFs (WeasyPrint: pdf-libs) and the email one fetches from a private Dovecot.
DB ?= sqlite
BENCH_ARGS ?=
LOADTEST_ARGS ?=
WITH_DB = $(if $(filter postgres,$(DB)),scripts/with-postgres.sh,)

bench: setup pdf-libs dovecot
	$(WITH_DB) $(PY) bench/run_all.py $(BENCH_ARGS)

loadtest: setup
	$(WITH_DB) $(PY) bench/loadtest.py $(LOADTEST_ARGS)
