# Government e-mall: one command to run it, one to test it.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SERVICES_ENV := var/services.env
# Load var/services.env (written by `make services`) into each recipe's environment.
WITH_SERVICES = set -a; [ -f $(SERVICES_ENV) ] && . ./$(SERVICES_ENV); set +a;

.PHONY: install services services-stop run test test-smoke lint check-migrations browser clean bench \
        translations compile-translations

AXE := node_modules/axe-core/axe.min.js
install: $(STAMP) compile-translations $(AXE)

# axe-core for the browser tests (tests/browser/conftest.py injects it into every page they
# load): installed here from npm at the version package-lock.json pins, never fetched by a test.
$(AXE): package.json package-lock.json
	@command -v npm >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	  apt-get install -y -qq npm >/dev/null; }
	npm ci --no-audit --no-fund --ignore-scripts
	@touch $(AXE)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,dev]'
	@touch $(STAMP)

# The gettext catalogs (mall/translations/<lang>/LC_MESSAGES/messages.po) compiled to .mo;
# the .mo files are not committed. Under test the app refuses to start without them.
CATALOGS := $(wildcard mall/translations/*/LC_MESSAGES/messages.po)
compile-translations: $(CATALOGS:.po=.mo)

mall/translations/%/LC_MESSAGES/messages.mo: mall/translations/%/LC_MESSAGES/messages.po $(STAMP)
	$(BIN)/pybabel compile --statistics -D messages -d mall/translations -l $*

# For developers after adding or changing strings: extract every _() from the templates and
# Python into messages.pot, merge it into each .po (then write the Chinese, then make install).
translations: $(STAMP)
	$(BIN)/pybabel extract --no-location --sort-output -F babel.cfg \
	  -k lazy_gettext -k _l -k N_ -o mall/translations/messages.pot .
	$(BIN)/pybabel update --no-fuzzy-matching --ignore-obsolete \
	  -i mall/translations/messages.pot -d mall/translations

services: install
	devservices/services.sh start

services-stop:
	devservices/services.sh stop

# The web app and the worker on the zero-setup defaults (SQLite under var/) with a real local
# OpenSearch node; Ctrl-C stops both (devservices/serve.sh, settings in gunicorn.conf.py).
run: install
	SERVICES=opensearch devservices/services.sh start
	@$(WITH_SERVICES) \
	$(BIN)/mall db upgrade && \
	$(BIN)/mall seed-demo && \
	$(BIN)/mall-indexer ensure && \
	exec devservices/serve.sh

# Debian's Chromium and its driver for the browser tests (never a downloaded browser).
browser:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || { \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	  apt-get install -y -qq chromium chromium-driver >/dev/null; }

test: services browser
	@$(WITH_SERVICES) $(BIN)/ruff check . && \
	$(BIN)/lint-imports && \
	$(BIN)/mypy && \
	$(BIN)/pytest -p no:cacheprovider -v $(PYTEST_ARGS) && \
	MALL_DATABASE_URL=$$MALL_TEST_DATABASE_URL $(BIN)/alembic check && \
	MALL_TEST_DATABASE_URL=sqlite:///$(CURDIR)/var/test-smoke.db \
	  $(BIN)/pytest -p no:cacheprovider -m smoke -q $(PYTEST_ARGS) && \
	MALL_DATABASE_URL=sqlite:///$(CURDIR)/var/test-smoke.db $(BIN)/alembic check && \
	$(BIN)/python bench/run_all.py --quick

# Every benchmark at its documented size (long: seeds a million offers), one table;
# bench/README.md keeps the method and the latest table.
bench: services
	@$(WITH_SERVICES) $(BIN)/python bench/run_all.py --markdown var/bench-table.md

# Only the smoke subset, on SQLite (needs OpenSearch and localstripe from `make services`).
test-smoke: services
	@$(WITH_SERVICES) MALL_TEST_DATABASE_URL=sqlite:///$(CURDIR)/var/test-smoke.db \
	  $(BIN)/pytest -p no:cacheprovider -m smoke -q

lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/mypy

check-migrations: services
	@$(WITH_SERVICES) MALL_DATABASE_URL=$$MALL_TEST_DATABASE_URL $(BIN)/alembic check

clean:
	rm -rf $(VENV) build *.egg-info
