# Two commands set everything up on a fresh clone with only Python 3.11:
#   make run   - virtualenv, install, migrate, load the demo catalogue, serve on 127.0.0.1:$(PORT)
#                (signing cookies with a random key made once in instance/secret_key, mode 600)
#   make test  - install the dev requirements and run the tests (SQLite; see .ci/run for the rest)

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
HOST ?= 127.0.0.1
export FLASK_APP := shop

.PHONY: run test test-e2e test-all lint format messages translations serve clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements-dev.txt requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.installed

# Compiled catalogues (.mo) are build products: made from the committed .po files.
# Statistics for Vietnamese only: the messages are written in English, so the English
# catalogue's msgstrs stay empty by design (gettext shows the msgid) and it would say "0%".
translations: $(VENV)/.installed
	$(BIN)/pybabel compile --statistics -d translations -l vi
	$(BIN)/pybabel compile -d translations -l en

run: $(VENV)/.installed translations
	$(BIN)/flask db upgrade
	$(BIN)/flask demo load
	@echo "Serving on http://$(HOST):$(PORT)/  (Ctrl-C stops)"
	$(BIN)/flask run --host $(HOST) --port $(PORT)

test: $(VENV)/.dev-installed translations
	$(BIN)/python -m pytest -m "not e2e" $(PYTEST_ARGS)

test-e2e: $(VENV)/.dev-installed translations
	$(BIN)/python -m pytest -m e2e tests/e2e $(PYTEST_ARGS)

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check shop tests bench config.py
	$(BIN)/ruff format --check shop tests bench config.py

format: $(VENV)/.dev-installed
	$(BIN)/ruff check --fix shop tests bench config.py
	$(BIN)/ruff format shop tests bench config.py

# After changing marked strings: extract them, merge into both catalogues, then translate vi.
messages: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o translations/messages.pot --no-location --sort-output --project "Cho OCOP" .
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching --ignore-obsolete

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
