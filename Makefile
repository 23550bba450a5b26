# Quick start: `make run` serves the tracker on http://127.0.0.1:8000 with both
# papers loaded; `make test` runs the whole suite.  Only Python 3.11+, git and
# make are needed: uv is installed with pip when it is missing.

PYTHON ?= python3
UV := $(shell command -v uv 2>/dev/null || echo $(CURDIR)/.tools/bin/uv)
MANAGE := $(UV) run --frozen python manage.py
HOST ?= 127.0.0.1
PORT ?= 8000
# The settings are production unless told otherwise, and production refuses to start
# without a secret key, hosts and a real email backend.  These targets are the
# laptop's (run, migrate, load, user, worker, beat, test, schema...): development
# mode unless the shell sets DJANGO_DEBUG itself.  check-deploy sets production.
export DJANGO_DEBUG ?= 1

.PHONY: run user test test-fast screenshots install migrate load lint typecheck format schema check-deploy worker beat bench fuzz clean

$(CURDIR)/.tools/bin/uv:
	$(PYTHON) -m venv $(CURDIR)/.tools
	$(CURDIR)/.tools/bin/python -m pip install --quiet --disable-pip-version-check uv

.venv/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen
	@touch $@

install: .venv/.synced

migrate: install
	$(MANAGE) migrate --no-input

load: migrate
	$(MANAGE) load_papers
	$(MANAGE) load_indicators

run: load
	$(MANAGE) runserver $(HOST):$(PORT)

user: migrate
	@test -n "$(NAME)" -a -n "$(ROLE)" || { echo "usage: make user NAME=alice ROLE=campaigner|editor|admin [EMAIL=...]"; exit 2; }
	$(MANAGE) create_user $(NAME) --role $(ROLE) $(if $(EMAIL),--email $(EMAIL))

test: install
	$(UV) run --frozen pytest $(PYTEST_ARGS)

test-fast: install
	$(UV) run --frozen pytest -q -m "not browser"

screenshots: install
	$(UV) run --frozen pytest -q tests/browser

lint: install typecheck
	$(UV) run --frozen ruff check .
	$(UV) run --frozen ruff format --check .
	$(MANAGE) makemigrations --check --dry-run

typecheck: install
	$(UV) run --frozen mypy

schema: install
	$(MANAGE) spectacular --file tests/snapshots/openapi.yaml

format: install
	$(UV) run --frozen ruff check --fix .
	$(UV) run --frozen ruff format .

check-deploy: install
	DJANGO_DEBUG=0 DJANGO_SECRET_KEY=check-deploy-$$(date +%s)-a-long-random-looking-secret-value-for-checks \
	  DJANGO_ALLOWED_HOSTS=tracker.example.org \
	  DJANGO_EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend \
	  TRACKER_CONTACT_EMAIL=corrections@tracker.example.org \
	  $(MANAGE) check --deploy --fail-level WARNING

worker: install
	$(UV) run --frozen celery -A tracker worker --loglevel=info

beat: install
	$(UV) run --frozen celery -A tracker beat --loglevel=info

# The API benchmark (wrk, PostgreSQL and Redis on 127.0.0.1; sizes and durations
# from BENCH_* in the environment, see bench/README.md), then the ingest one.
bench: install
	bench/api/run.sh
	$(UV) run --frozen python bench/ingest/run.py

fuzz: install
	.ci/api-fuzz.sh

# --- Backups (README, "Operations: backups") ----------------------------------
# PostgreSQL's own dump of the database at DATABASE_URL (pg_dump custom format) and
# its restore over it (pg_restore --clean --if-exists --no-owner, one transaction).
# SQLite is refused with a message.  No Python needed, so no `install` first.
.PHONY: backup restore

backup:
	.ci/pg-backup.sh backup $(if $(FILE),"$(FILE)")

restore:
	@test -n "$(FILE)" || { echo "usage: make restore FILE=tracker-YYYYMMDDTHHMMSSZ.dump"; exit 2; }
	.ci/pg-backup.sh restore "$(FILE)"
# --- end of backups -------------------------------------------------------------

clean:
	rm -rf .venv .tools db.sqlite3 staticfiles .pytest_cache
