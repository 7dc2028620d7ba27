# Tomato — the two commands a newcomer needs are `make run` and `make test`.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

VENV    := .venv
PY      := $(VENV)/bin/python
PORT    ?= 8000
# Production-like variables for `make check` and `make serve` (local only, never real secrets).
PROD_ENV := DEBUG=0 SECRET_KEY=$$(cat .local-secret-key) SITE_URL=https://tomato.example \
            ALLOWED_HOSTS=tomato.example EMAIL_URL=smtp://mailer:secret@mail.tomato.example:587

.PHONY: help install run test check serve clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-8s %s\n", $$1, $$2}'

$(VENV)/.installed: pyproject.toml
	@python="$$(bin/find-python)"; \
	  if [ ! -x $(PY) ]; then echo "Creating $(VENV) with $$python"; "$$python" -m venv $(VENV); fi
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet '.[dev]'
	@touch $@

install: $(VENV)/.installed  ## create .venv and install Tomato with its development tools

.local-secret-key:
	@$$(bin/find-python) -c 'import secrets; print(secrets.token_urlsafe(64))' > $@
	@chmod 600 $@

run: install  ## install, migrate and serve on http://127.0.0.1:$PORT (SQLite, DEBUG on)
	DEBUG=1 $(PY) manage.py migrate --no-input
	DEBUG=1 $(PY) manage.py runserver 127.0.0.1:$(PORT)

test: install  ## the whole test suite (browser journeys skip without Chromium unless REQUIRE_BROWSER=1)
	SECRET_KEY=$${SECRET_KEY:-tests-only-secret-key-0123456789-0123456789-0123456789} \
	  $(PY) -m pytest $(PYTEST_ARGS)

check: install .local-secret-key  ## lint, format, types, migrations and the deploy checklist
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	DEBUG=1 $(VENV)/bin/mypy .
	DEBUG=1 $(PY) manage.py makemigrations --check --dry-run
	$(PROD_ENV) $(PY) -W error::DeprecationWarning manage.py check --deploy --fail-level WARNING

SERVE_ENV := DEBUG=0 SECRET_KEY=$$(cat .local-secret-key) SITE_URL=http://localhost:$(PORT) \
             ALLOWED_HOSTS=localhost,127.0.0.1 SECURE_SSL_REDIRECT=0

serve: install .local-secret-key  ## gunicorn with production settings on http://localhost:$PORT (no TLS)
	$(SERVE_ENV) $(PY) manage.py migrate --no-input
	$(SERVE_ENV) $(PY) manage.py collectstatic --no-input -v 0
	$(SERVE_ENV) $(VENV)/bin/gunicorn -c gunicorn.conf.py tomato.wsgi --bind 127.0.0.1:$(PORT) --workers 2

clean:  ## remove the virtual environment, collected static files and caches
	rm -rf $(VENV) staticfiles .mypy_cache .ruff_cache .coverage htmlcov
