# The README's two commands: `make run` and `make test`. Both install what is missing first.
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-$(shell cksum requirements.txt | cut -d' ' -f1)

.PHONY: install run test unit bench eval clean

install: $(STAMP)

$(STAMP): requirements.txt
	@test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -r requirements.txt
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

run: install
	$(PY) -m assistant run

test: install
	$(PY) -m pytest

unit: install
	$(PY) -m pytest tests/unit

eval: install
	$(PY) -m assistant eval tests/regression/seeds.yaml --report reports/eval.json

bench: install
	$(PY) -m assistant bench --report reports/bench.json

clean:
	rm -rf .data reports .pytest_cache
