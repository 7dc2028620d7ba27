# Tomato — the two commands a newcomer needs are `make run` and `make test`.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

VENV    := .venv
PY      := $(VENV)/bin/python
PORT    ?= 8000
# Production-like variables for `make check` and `make serve` (local only, never real secrets).
PROD_ENV := DEBUG=0 SECRET_KEY=$$(cat .local-secret-key) SITE_URL=https://tomato.example \
            RECEIPT_SIGNING_KEY=$$(cat .local-receipt-key) \
            ALLOWED_HOSTS=tomato.example EMAIL_URL=smtp://mailer:secret@mail.tomato.example:587 \
            REDIS_URL=redis://127.0.0.1:6379/0

.PHONY: help install messages translations run demo test screenshots check serve bench scan clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-13s %s\n", $$1, $$2}'

$(VENV)/.installed: pyproject.toml
	@python="$$(bin/find-python)"; \
	  if [ ! -x $(PY) ]; then echo "Creating $(VENV) with $$python"; "$$python" -m venv $(VENV); fi
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet '.[dev]'
	@touch $@

install: $(VENV)/.installed messages  ## create .venv and install Tomato with its development tools

# The compiled catalogues (.mo) are built here, never committed; compilemessages skips a
# catalogue whose .mo is newer than its .po. Needs gettext's msgfmt (Debian: gettext).
messages: $(VENV)/.installed
	DEBUG=1 $(PY) manage.py compilemessages --ignore '.*' --ignore 'node_modules' -v 0

translations: install  ## update the .po catalogues from the code and templates, to translate
	DEBUG=1 $(PY) manage.py makemessages -l zh_Hans --no-obsolete --ignore '.*' \
	  --ignore 'node_modules/*' --ignore 'tests/*' --ignore 'bench/*' --ignore 'docs/*' \
	  --ignore 'staticfiles/*'

.local-secret-key:
	@$$(bin/find-python) -c 'import secrets; print(secrets.token_urlsafe(64))' > $@
	@chmod 600 $@

.local-receipt-key:
	@$$(bin/find-python) -c 'import base64, secrets; print(base64.b64encode(secrets.token_bytes(32)).decode())' > $@
	@chmod 600 $@

run: install  ## install, migrate and serve on http://127.0.0.1:$PORT (SQLite, DEBUG on)
	DEBUG=1 $(PY) manage.py migrate --no-input
	DEBUG=1 $(PY) manage.py runserver 127.0.0.1:$(PORT)

demo: install  ## demo accounts to log in as, with their passwords (DEBUG only; then make run)
	DEBUG=1 $(PY) manage.py migrate --no-input
	DEBUG=1 $(PY) manage.py demo

# The browser journeys' checkers (axe-core, the Nu Html Checker, Lighthouse), pinned in
# package-lock.json and installed from the npm registry; nothing is fetched while tests run.
# --ignore-scripts: vnu-jar's install script would download a Java runtime (java is a system package).
node_modules/.installed: package-lock.json
	npm ci --no-audit --no-fund --ignore-scripts
	@touch $@

test: install node_modules/.installed  ## the whole test suite (browser journeys skip without Chromium unless REQUIRE_BROWSER=1)
	SECRET_KEY=$${SECRET_KEY:-tests-only-secret-key-0123456789-0123456789-0123456789} \
	  $(PY) -m pytest $(PYTEST_ARGS)

# The README's pictures (docs/screenshots/): four pages in each language, taken by a browser test;
# the Chinese ones need a CJK font (Debian: fonts-noto-cjk).
screenshots: install  ## retake the README's screenshots in docs/screenshots/ (needs Chromium)
	UPDATE_SCREENSHOTS=1 REQUIRE_BROWSER=1 \
	  SECRET_KEY=$${SECRET_KEY:-tests-only-secret-key-0123456789-0123456789-0123456789} \
	  $(PY) -m pytest -q tests/browser/test_screenshots.py

check: install .local-secret-key .local-receipt-key  ## lint, format, types, migrations and the deploy checklist
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	DEBUG=1 $(VENV)/bin/mypy .
	$(PY) bin/check_catalogues.py
	DEBUG=1 $(PY) manage.py makemigrations --check --dry-run
	$(PROD_ENV) $(PY) -W error::DeprecationWarning manage.py check --deploy --fail-level WARNING

SERVE_ENV := DEBUG=0 SECRET_KEY=$$(cat .local-secret-key) SITE_URL=http://localhost:$(PORT) \
             ALLOWED_HOSTS=localhost,127.0.0.1 SECURE_SSL_REDIRECT=0

serve: install .local-secret-key  ## gunicorn with production settings on http://localhost:$PORT (no TLS)
	$(SERVE_ENV) $(PY) manage.py migrate --no-input
	$(SERVE_ENV) $(PY) manage.py collectstatic --no-input -v 0
	$(SERVE_ENV) $(VENV)/bin/gunicorn -c gunicorn.conf.py tomato.wsgi --bind 127.0.0.1:$(PORT) --workers 2

# The benchmark (README, "Benchmark"): this machine's PostgreSQL (database tomato_bench, dropped
# and re-created for each size) and Redis (db 7, emptied) unless DATABASE_URL / REDIS_URL say
# otherwise. BENCH_SIZES=small runs the small size only; BENCH_SECONDS is each page's measured run.
BENCH_SIZES   ?= small large
BENCH_SECONDS ?= 10

bench: install .local-secret-key  ## seed, serve with gunicorn and load each page with wrk (minutes)
	SECRET_KEY=$$(cat .local-secret-key) BENCH_SIZES="$(BENCH_SIZES)" BENCH_SECONDS="$(BENCH_SECONDS)" \
	  $(PY) -m bench.run

# An outside scanner, kept out of .venv and pyproject.toml. Its out-of-band endpoint (ssrf,
# xss) points at a closed port of this machine, so no request leaves it.
SCAN_VENV    := .scan-venv
SCAN_URL     := http://localhost:$(PORT)/
SCAN_MODULES := xss,sql,exec,file,crlf,csrf,redirect,ssrf,http_headers,cookieflags,csp,methods,permanentxss

$(SCAN_VENV)/.installed:
	"$$(bin/find-python)" -m venv $(SCAN_VENV)
	$(SCAN_VENV)/bin/python -m pip install --quiet 'wapiti3==3.3.2'
	@touch $@

scan: $(SCAN_VENV)/.installed  ## scan a running `make serve` (same PORT) with wapiti; fails on a finding
	@$(SCAN_VENV)/bin/python -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=5)' \
	  $(SCAN_URL) 2>/dev/null || { echo "Nothing answers at $(SCAN_URL): run 'PORT=$(PORT) make serve' first."; exit 1; }
	@echo "Scanning $(SCAN_URL) (about five minutes)"
	$(SCAN_VENV)/bin/wapiti -u $(SCAN_URL) -m $(SCAN_MODULES) --endpoint http://127.0.0.1:9/ \
	  --flush-session --store-session $(SCAN_VENV)/session --store-config $(SCAN_VENV)/config \
	  --no-bugreport -v 0 -f json -o $(SCAN_VENV)/report.json
	$(SCAN_VENV)/bin/python bin/scan_findings.py $(SCAN_VENV)/report.json

clean:  ## remove the virtual environment, collected static files and caches
	rm -rf $(VENV) $(SCAN_VENV) node_modules staticfiles .mypy_cache .ruff_cache .coverage htmlcov
