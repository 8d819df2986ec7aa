# 会宁县营商环境服务平台 — `make run` serves the demo, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app portal
STAMP := $(VENV)/.installed

.PHONY: run test test-sqlite test-postgres setup system-deps demo clean lock translations

setup: $(STAMP)

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.lock
	touch $@

# Loads the demo content into instance/portal.sqlite3 and serves it with gunicorn on 127.0.0.1:8000.
demo: setup
	$(FLASK) init-db
	$(FLASK) seed-demo
	$(FLASK) policies expire
	$(FLASK) search reindex

run: demo
	$(BIN)/gunicorn --config deploy/gunicorn.conf.py "portal:create_app()"

# The browser tests need Debian's Chromium and a CJK font; the second run needs PostgreSQL.
system-deps:
	@sh deploy/system-deps.sh

test: setup system-deps test-sqlite test-postgres

test-sqlite: setup
	$(BIN)/bandit -q -r portal
	$(BIN)/python -m pytest

test-postgres: setup
	sh tests/with-postgres.sh $(BIN)/python -m pytest

clean:
	rm -rf $(VENV) instance test-artifacts .pytest_cache

# Re-pin the whole tree after changing pyproject.toml's dependencies.
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/pip install --quiet ".[test]"
	{ echo "# The whole dependency tree, pinned (pip freeze of a fresh venv with pyproject.toml's dependencies and its 'test' extra)."; \
	  echo "# Regenerate after changing pyproject.toml: make lock"; \
	  .lock-venv/bin/pip freeze --exclude huining-portal; } > requirements.lock
	rm -rf .lock-venv

# After changing the interface's Chinese text: collect the messages and bring the English catalog up to
# date (then write the new msgstr lines). The app reads the .po itself: there is nothing to compile.
translations: setup
	$(BIN)/pybabel extract -F babel.cfg --no-location --sort-output -o portal/translations/messages.pot .
	$(BIN)/pybabel update -i portal/translations/messages.pot -d portal/translations -l en --no-fuzzy-matching --ignore-obsolete
