# The two commands of the README's quick start; each installs what it needs first.
VENV ?= .venv
PY := $(VENV)/bin/python
# Every package pinned by constraints.txt (regenerate: make constraints), so a new release cannot
# change behaviour under us unnoticed; pyproject.toml keeps the ranges we accept.
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml constraints.txt package-lock.json | cksum | cut -d' ' -f1)
PYTEST_ARGS ?=

.PHONY: serve test bench lint browser constraints

# The pages' front-end libraries (htmx, ECharts) from the npm registry, as package-lock.json pins
# them, into node_modules, which the app serves (settings.assets_dir).
$(STAMP): pyproject.toml constraints.txt package-lock.json
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -c constraints.txt -e '.[dev]'
	@command -v npm >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
		echo "installing nodejs and npm for the pages' front-end libraries" && \
		DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null; } || \
		{ echo "npm is missing: install Node.js and npm (apt-get install nodejs npm)"; exit 1; }
	npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

serve: $(STAMP)
	$(VENV)/bin/huixiang serve --demo

# pytest exits 5 when no test ran: make fails then, like on any other failure.
test: $(STAMP) browser
	$(PY) -m pytest $(PYTEST_ARGS)

# The browser tests (tests/e2e/test_site.py) drive Debian's chromium with a CJK font; Playwright's
# own browser download is never used. Installed when missing and we may (root with apt-get);
# otherwise one line says how, and those tests are skipped.
browser:
	@if [ -x /usr/bin/chromium ] && [ -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing chromium and fonts-wqy-microhei for the browser tests"; \
		export DEBIAN_FRONTEND=noninteractive; \
		apt-get update -qq && apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null; \
	else \
		echo "browser tests skipped: chromium or the CJK font is missing (sudo apt-get install chromium fonts-wqy-microhei)"; \
	fi

# ruff, mypy --strict on src/ and workers/, and the layer rule's import contracts.
lint: $(STAMP)
	$(VENV)/bin/ruff check src workers tests bench
	$(VENV)/bin/ruff format --check src workers tests bench
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

constraints: $(STAMP)
	$(PY) -m pip freeze --exclude-editable | grep -v '^pip==' > constraints.txt

bench: $(STAMP)
	$(PY) bench/run.py
