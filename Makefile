# The README's commands. `make run` and `make test` install what they need first and are
# safe to repeat: each step is skipped when its inputs have not changed.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
# The demo members' password, set when `make run` loads the demo library: the site it starts
# answers on 127.0.0.1 only. Never give demo members a known password on a public site.
DEMO_PASSWORD ?= demo

.PHONY: install run test lint format bench clean

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(VENV)/.installed node_modules/.installed

# The embedded default: SQLite under var/, demo content on first start, DEBUG for local use,
# and the background worker beside the site (notifications, emails: printed here), stopped
# with it.
run: export DEBUG ?= 1
run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo --if-empty --password "$(DEMO_PASSWORD)"
	@echo ""
	@echo "  ShortScience: http://127.0.0.1:$(PORT)/"
	@echo "  Log in as a demo member: username ada (or bruno, chen, ...), password $(DEMO_PASSWORD)"
	@echo "  (demo library loaded by an earlier version? once: $(PY) manage.py load_demo --password $(DEMO_PASSWORD))"
	@echo ""
	$(PY) manage.py send_emails --loop --interval 2 & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

test: install
	$(PY) -m pytest

lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(VENV)/bin/lint-imports --no-cache

format: install
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

bench: install
	$(PY) bench/render_markup.py
	$(PY) bench/import_arxiv.py --records 100000
	$(PY) bench/search.py --papers 100000

clean:
	rm -rf $(VENV) node_modules staticfiles .pytest_cache
