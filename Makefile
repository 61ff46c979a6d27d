# The two commands a newcomer runs: `make demo` and `make test`. Everything else is a step of those.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: demo test install messages makemessages bench lint clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e ".[test]"
	rm -f $(VENV)/.installed-* && touch $@

install: $(STAMP)

# Compile the translation catalogues (.po -> .mo); gettext comes from scripts/system-deps.sh.
messages: install
	scripts/system-deps.sh
	$(BIN)/python manage.py compilemessages --ignore=.venv -v 0

# After changing marked strings: refresh the catalogues, then translate what is new in locale/ja.
makemessages: install
	$(BIN)/python manage.py makemessages -l ja --ignore=.venv --ignore=static/vendor --no-obsolete --no-location

demo: messages
	$(BIN)/python scripts/demo.py

test: messages lint
	scripts/system-deps.sh --browser
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: messages
	scripts/system-deps.sh --bench
	@for script in bench/*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

lint: install
	$(BIN)/python -m ruff check . --select F,E9

clean:
	rm -rf $(VENV) var staticfiles test-artifacts
