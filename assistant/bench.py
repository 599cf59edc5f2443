"""The benchmark behind ``make bench``: ingest speed, warm and cold answer latency, memory,
and how they grow with the number of articles (synthetic articles generated from the seeds)."""

from __future__ import annotations

import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from assistant.answer import Assistant
from assistant.evaluation import load_set
from assistant.settings import Settings
from vectorstore.embedder import MiniLmEmbedder
from vectorstore.store import ChromaStore


def synthetic_articles(seed_dir: Path, out_dir: Path, count: int, rng_seed: int = 7) -> None:
    """Write ``count`` synthetic articles: a word-bigram model of the seeds generates new
    sentences, so the corpus grows without exact duplicates of the seed text."""
    texts = [p.read_text(encoding="utf-8") for p in sorted(seed_dir.glob("*.txt"))]
    chain: dict[str, list[str]] = defaultdict(list)
    starts = []
    for text in texts:
        for para in text.split("\n"):
            tokens = para.split()
            if len(tokens) > 5:
                starts.append(tokens[0])
            for a, b in zip(tokens, tokens[1:]):
                chain[a].append(b)
    rng = random.Random(rng_seed)
    out_dir.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        paras = []
        for _ in range(rng.randint(8, 16)):
            word, sent = rng.choice(starts), []
            while len(sent) < 60:
                sent.append(word)
                if word.endswith((".", "?", "!")) and len(sent) > 12:
                    break
                word = rng.choice(chain.get(word) or starts)
            paras.append(" ".join(sent))
        (out_dir / f"synthetic_{i:05d}.txt").write_text("\n\n".join(paras) + "\n", encoding="utf-8")


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _latencies(assistant: Assistant, questions: list[str]) -> list[float]:
    out = []
    for q in questions:
        assistant.clear_caches()  # measure the real query embedding, not a cache hit
        t = time.perf_counter()
        assistant.answer(q)
        out.append((time.perf_counter() - t) * 1000)
    return out


def _pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def run(settings: Settings, questions_path: Path, sizes: list[int]) -> dict:
    """Measure everything; returns the figures (``table`` formats them)."""
    questions = [c.question for c in load_set(questions_path)]
    embedder = MiniLmEmbedder(settings.embedding_model, device=settings.device)
    t = time.perf_counter()
    embedder.embed_query("warm up")
    model_load = time.perf_counter() - t
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for n in sizes:
            store = ChromaStore(tmp / f"store{n}", collection="bench")
            s = settings.model_copy(update={"data_dir": tmp / f"data{n}"})
            assistant = Assistant(s, store=store, embedder=embedder)
            paths = [settings.seeds_dir]
            if n > 5:
                synthetic_articles(settings.seeds_dir, tmp / f"synthetic{n}", n - 5)
                paths.append(tmp / f"synthetic{n}")
            t = time.perf_counter()
            report = assistant.ingest(paths, progress=False)
            ingest_s = time.perf_counter() - t
            t = time.perf_counter()
            assistant.refresh()
            index_s = time.perf_counter() - t
            _latencies(assistant, questions[:3])  # warm-up
            lat = _latencies(assistant, questions)
            rows.append({"articles": len(report.ingested), "chunks": store.count(), "ingest_s": round(ingest_s, 2),
                         "chunks_per_s": round(report.chunks_written / ingest_s, 1),
                         "index_build_ms": round(index_s * 1000, 1),
                         "ask_p50_ms": round(_pct(lat, 50), 1), "ask_p95_ms": round(_pct(lat, 95), 1),
                         "peak_rss_mb": round(_peak_mb())})
        cold = _cold_start(tmp / f"store{sizes[0]}", questions[0])
    return {"model_load_s": round(model_load, 2), "questions": len(questions), "rows": rows, "cold": cold,
            "cpus": os.cpu_count()}


def _cold_start(store_dir: Path, question: str) -> dict:
    """Wall time of a fresh ``python -m assistant ask`` process (imports, model load, index, answer)."""
    # The store is passed explicitly, so no ASSISTANT_* setting changes what is measured.
    cmd = [sys.executable, "-c",
           "import sys, resource, time; t=time.perf_counter();"
           "from assistant.answer import Assistant; from assistant.settings import load_settings;"
           "from vectorstore.store import ChromaStore;"
           f"a=Assistant(load_settings(collection='bench'), store=ChromaStore({str(store_dir)!r}, collection='bench'));"
           f"a.answer({question!r}); print(time.perf_counter()-t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss/1024)"]
    t = time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, text=True, check=True)
    wall = time.perf_counter() - t
    inside, rss = (float(x) for x in out.stdout.split()[-2:])
    return {"process_s": round(wall, 2), "after_interpreter_s": round(inside, 2), "peak_rss_mb": round(rss)}


def table(result: dict) -> str:
    """The figures as a Markdown table (pasted into the README)."""
    lines = [f"CPUs: {result['cpus']}; embedding model load + first query: {result['model_load_s']} s; "
             f"{result['questions']} regression questions per size.",
             "",
             "| articles | chunks | ingest (s) | chunks/s | keyword index build (ms) | warm ask p50 (ms) | warm ask p95 (ms) | peak RSS (MB) |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in result["rows"]:
        lines.append(f"| {r['articles']} | {r['chunks']} | {r['ingest_s']} | {r['chunks_per_s']} | {r['index_build_ms']} | "
                     f"{r['ask_p50_ms']} | {r['ask_p95_ms']} | {r['peak_rss_mb']} |")
    c = result["cold"]
    lines += ["", f"Cold start to first answer (new process, 5 articles): {c['process_s']} s wall "
                  f"({c['after_interpreter_s']} s after the interpreter started), peak RSS {c['peak_rss_mb']} MB."]
    return "\n".join(lines)


def llm_speed(settings: Settings, questions_path: Path, llms: list[str]) -> dict:
    """Time to first token and total answer time per composer, over the regression questions,
    on the seeds (ingested into a temporary store once). For the extractive composer the first
    "token" is the whole answer. Also counts how often a generated answer was shown."""
    questions = [c.question for c in load_set(questions_path)]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        embedder = MiniLmEmbedder(settings.embedding_model, device=settings.device)
        store = ChromaStore(Path(tmp) / "seeds", collection="bench")
        Assistant(settings, store=store, embedder=embedder).ingest([settings.seeds_dir], progress=False)
        for llm in llms:
            a = Assistant(Settings.model_validate({**settings.model_dump(), "llm": llm}), store=store, embedder=embedder)
            load_t = time.perf_counter()
            a.answer(questions[0])  # loads the model (and warms the caches)
            load_s = time.perf_counter() - load_t
            first, total, generated = [], [], 0
            for q in questions:
                t = time.perf_counter()
                ttft = None
                for item in a.answer_stream(q):
                    if ttft is None:
                        ttft = time.perf_counter() - t
                    answer = item
                total.append(time.perf_counter() - t)
                first.append(ttft)
                generated += answer.generated and not answer.abstained
            rows.append({"composer": llm, "first_answer_s": round(load_s, 2),
                         "ttft_p50_s": round(_pct(first, 50), 3), "ttft_p95_s": round(_pct(first, 95), 3),
                         "total_p50_s": round(_pct(total, 50), 3), "total_p95_s": round(_pct(total, 95), 3),
                         "generated_shown": generated, "questions": len(questions)})
    return {"rows": rows, "cpus": os.cpu_count()}


def llm_table(result: dict) -> str:
    """The composer timings as a Markdown table."""
    lines = ["| composer | first answer incl. load (s) | first token p50 (s) | p95 (s) | total p50 (s) | p95 (s) | generated answers shown |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for r in result["rows"]:
        lines.append(f"| {r['composer']} | {r['first_answer_s']} | {r['ttft_p50_s']} | {r['ttft_p95_s']} | "
                     f"{r['total_p50_s']} | {r['total_p95_s']} | {r['generated_shown']} / {r['questions']} |")
    return "\n".join(lines)


def dumps(result: dict) -> str:
    return json.dumps(result, indent=2)



