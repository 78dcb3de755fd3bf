# Satu Pintu: the two commands every newcomer needs are `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	if command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then echo $$p; break; fi; done)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
# The demo's links (QR codes, receipts, e-mails) follow the port it serves on.
export PORT
STAMP := $(VENV)/.installed-stamp
APPS := $(patsubst satupintu/%/locale,%,$(wildcard satupintu/*/locale))

.PHONY: demo test lint format typecheck bench e2e deploy-test schemathesis messages clean install run worker

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "Satu Pintu needs Python 3.11 or newer"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## demo: set everything up and serve the demo mall on http://127.0.0.1:$(PORT)
# The demo keeps e-mail in var/mail/ (one file per message) instead of needing an SMTP server.
# Nothing secret has a default in the code: the demo makes its own secrets once, in
# var/demo.env (git-ignored, kept so that sessions and the demo's encrypted NIKs survive a
# restart), and trusts the demo signing CA that `signing_init` creates.
DEMO_ENV := var/demo.env
WITH_DEMO_ENV := set -a && . ./$(DEMO_ENV) && set +a &&

# A demo database and signing keys left by a version without var/demo.env were made with the
# keys once published in the code: they are moved aside to var/old-demo/, not reused.
$(DEMO_ENV):
	@mkdir -p var
	@if [ -z "$$DATABASE_URL" ] && [ -e satupintu.sqlite3 ] || [ -e var/signing ]; then \
	  mkdir -p var/old-demo && mv satupintu.sqlite3* var/signing var/old-demo/ 2>/dev/null; \
	  echo "Moved the demo of an earlier version (made with published keys) to var/old-demo/"; fi
	@$(BIN)/python -c 'import secrets; print("\n".join(f"{n}={secrets.token_hex(32)}" for n in ("SECRET_KEY", "PERSONAL_DATA_KEY", "SIGNING_PASSPHRASE")))' > $@.tmp
	@echo "SIGNING_TRUST_DEMO_CA=1" >> $@.tmp
	@mv $@.tmp $@
	@echo "Made the demo's own secrets in $@"

demo: export EMAIL_BACKEND ?= django.core.mail.backends.filebased.EmailBackend
demo: $(STAMP) $(DEMO_ENV)
	@mkdir -p var
	$(WITH_DEMO_ENV) $(BIN)/satupintu migrate --noinput --verbosity 0
	@echo "Preparing signing keys, MOU reminders and SLA checks (log: var/demo-setup.log)"
	@$(WITH_DEMO_ENV) { $(BIN)/satupintu seed_demo --verbosity 0 && $(BIN)/satupintu signing_init && \
	   $(BIN)/satupintu mou_reminders && $(BIN)/satupintu sla_check && \
	   $(BIN)/satupintu collectstatic --noinput --verbosity 0; } > var/demo-setup.log 2>&1 \
	   || { cat var/demo-setup.log; exit 1; }
	$(WITH_DEMO_ENV) $(BIN)/satupintu seed_demo
	@echo "Satu Pintu demo: http://127.0.0.1:$(PORT)  (Ctrl+C stops the server, the task worker and"
	@echo "the scheduler; their logs are var/worker.log and var/scheduler.log, e-mails land in var/mail/)"
	@$(WITH_DEMO_ENV) trap 'kill $$worker $$scheduler 2>/dev/null' EXIT INT TERM; \
	$(BIN)/satupintu db_worker --interval 1 >> var/worker.log 2>&1 & worker=$$!; \
	$(BIN)/satupintu scheduler >> var/scheduler.log 2>&1 & scheduler=$$!; \
	$(BIN)/uvicorn satupintu.asgi:application --host 127.0.0.1 --port $(PORT) --workers 1 \
		--no-proxy-headers

## test: set everything up and run the whole test suite
test: $(STAMP)
	$(BIN)/satupintu makemigrations --check --dry-run
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

typecheck: $(STAMP)
	$(BIN)/mypy satupintu

bench: $(STAMP)
	$(BIN)/python -m bench

# Each journey file gets a server and a demo mall of its own: the journeys of one file build on
# each other's queue, those of different files must not (a ticket number, a held counter).
e2e: $(STAMP)
	@failed=""; for file in e2e/test_*.py; do \
	  $(BIN)/pytest -m e2e $(PYTEST_ARGS) $$file || failed="$$failed $$file"; done; \
	if [ -n "$$failed" ]; then echo "e2e failed in:$$failed"; exit 1; fi

## deploy-test: the production recipe of deploy/ (nginx, two web and two event processes, the
## worker, the scheduler) run on this machine against PostgreSQL and Redis; needs nginx,
## DATABASE_URL=postgres://... (the server: the test makes and drops its own database) and
## REDIS_URL. Prints its figures.
deploy-test: $(STAMP)
	$(BIN)/pytest -m deploy deploy/tests -s

## schemathesis: generated API requests against a real server on a fresh database (DATABASE_URL
## or a temporary SQLite file) as a superuser, an officer and anonymously
schemathesis: $(STAMP)
	$(BIN)/python .ci/schemathesis.py

# Each app keeps its own catalog; the project catalog covers satupintu/templates only.
messages: $(STAMP)
	for app in $(APPS); do (cd satupintu/$$app && ../../$(BIN)/satupintu makemessages -l id --ignore 'tests/*') || exit 1; done
	cd satupintu && ../$(BIN)/satupintu makemessages -l id $(foreach app,$(APPS),--ignore '$(app)/*') --ignore 'tests/*'
	for dir in satupintu $(addprefix satupintu/,$(APPS)); do (cd $$dir && $(CURDIR)/$(BIN)/satupintu compilemessages) || exit 1; done

clean:
	rm -rf $(VENV) var satupintu.sqlite3*
