# Two commands do everything: `make run` and `make test`. Only Python 3.11+ and make are needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000

.PHONY: run test bench lint check clean translations

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "advocacy needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.app: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(VENV)/.test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@ $(VENV)/.app

# Message catalogues are compiled as part of installing: the .po files are the source, .mo files are build output.
CATALOGUES := $(wildcard advocacy/translations/*/LC_MESSAGES/messages.po)
$(VENV)/.mo: $(CATALOGUES) | $(VENV)/.app
	$(BIN)/pybabel compile --use-fuzzy -d advocacy/translations
	@touch $@

run: $(VENV)/.app $(VENV)/.mo
	PORT=$(PORT) $(BIN)/advocacy serve

test: $(VENV)/.test $(VENV)/.mo
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: $(VENV)/.test
	$(BIN)/python bench/sign.py $(BENCH_ARGS)

lint: $(VENV)/.test
	$(BIN)/ruff check .

check: $(VENV)/.app
	$(BIN)/advocacy campaigns check

# Re-extract every translatable string and merge it into each language's catalogue.
# --ignore-dirs: without it Babel also skips folders whose names start with "_", like templates/_macros.
translations: $(VENV)/.app
	$(BIN)/pybabel -q extract -F babel.cfg -k _l -k lazy_gettext --no-location --omit-header \
		--ignore-dirs=".* __pycache__" \
		-o advocacy/translations/messages.pot .
	$(BIN)/pybabel -q update --no-fuzzy-matching --ignore-obsolete -i advocacy/translations/messages.pot -d advocacy/translations

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache
