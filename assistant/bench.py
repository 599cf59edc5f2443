"""The benchmark behind ``make bench``: ingest speed, warm and cold answer latency, memory,
and how they grow with the number of articles (synthetic articles generated from the seeds).
``load`` (``bench --load 20,60``) measures the web server under many clients at once."""

from __future__ import annotations

import asyncio
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
from vectorstore.embedder import make_embedder
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


def _latencies(assistant: Assistant, questions: list[str], call=None) -> list[float]:
    """Milliseconds of ``call`` (default ``assistant.answer``) per question, each embedded afresh."""
    call = call or assistant.answer
    out = []
    for q in questions:
        assistant.clear_caches()  # measure the real query embedding, not a cache hit
        t = time.perf_counter()
        call(q)
        out.append((time.perf_counter() - t) * 1000)
    return out


def _pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def run(settings: Settings, questions_path: Path, sizes: list[int]) -> dict:
    """Measure everything; returns the figures (``table`` formats them)."""
    questions = [c.question for c in load_set(questions_path)]
    embedder = make_embedder(settings.embedding_model, settings.embedding_backend, settings.device, settings.embedding_cache)
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


def corpus(settings: Settings, articles: Path, questions_path: Path, data_dir: Path | None = None,
           limit: int = 200) -> dict:
    """An archive's figures: ingest ``articles`` (a folder) into a store, then serve it from a new process.

    Ingest time, chunks/s and the store's size on disk are measured here; cold start to the first answer,
    warm answer p50/p95 over up to ``limit`` questions (each embedded afresh) and the serving process's peak
    RSS are measured in a fresh process, so the ingest's memory is not counted as serving memory.

    Args:
        data_dir: keep the store there (an existing store is reused and only what is new is ingested);
            default: a temporary folder.
    """
    from vectorstore.embedder import shared_embedder

    if not articles.is_dir():
        raise FileNotFoundError(f"bench --corpus: no folder at '{articles}'")
    questions = [c.question for c in load_set(questions_path)][:limit]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(data_dir) if data_dir else Path(tmp)
        s = settings.model_copy(update={"data_dir": root, "chroma_url": None})
        embedder = shared_embedder(s.embedding_model, s.device, s.embedding_backend, s.embedding_cache)
        assistant = Assistant(s, embedder=embedder)
        t = time.perf_counter()
        report = assistant.ingest([articles], progress=None)
        ingest_s = time.perf_counter() - t
        chunks = assistant.store.count()
        articles_n = len(report.ingested) + len(report.unchanged)
        del assistant
        size = sum(f.stat().st_size for f in root.rglob("*") if f.is_file())
        serving = _serve_figures(root, questions)
    return {"corpus": str(articles), "articles": articles_n, "newly_ingested": len(report.ingested),
            "chunks": chunks, "chunks_written": report.chunks_written, "ingest_s": round(ingest_s, 1),
            "chunks_per_s": round(report.chunks_written / ingest_s, 1) if report.chunks_written else None,
            "store_mb": round(size / 2**20, 1), "questions": len(questions),
            "embedding_backend": settings.embedding_backend, "chunk_vectors": settings.chunk_vectors,
            "cpus": os.cpu_count(), **serving}


def _serve_figures(data_dir: Path, questions: list[str], retrieval: bool = False) -> dict:
    """Cold start, warm p50/p95 and peak RSS of a new process answering ``questions`` over ``data_dir``
    (and with ``retrieval``, warm p50/p95 of retrieving their passages alone)."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(questions, f)
    code = ("import json, resource, sys, time; t = time.perf_counter()\n"
            "from assistant.answer import Assistant\nfrom assistant.settings import load_settings\n"
            "qs = json.load(open(sys.argv[2]))\n"
            "a = Assistant(load_settings(data_dir=sys.argv[1])); a.answer(qs[0]); cold = time.perf_counter() - t\n"
            "from assistant.bench import _latencies\n"
            "_latencies(a, qs[:3]); lat = sorted(_latencies(a, qs))\n"
            "pct = lambda p: lat[min(len(lat) - 1, int(round(p / 100 * (len(lat) - 1))))]\n"
            "out = {'cold_start_s': round(cold, 2), 'ask_p50_ms': round(pct(50), 1), 'ask_p95_ms': round(pct(95), 1)}\n"
            "if sys.argv[3] == 'retrieval':\n"
            "    lat = sorted(_latencies(a, qs, a.retrieve))\n"
            "    out.update(retrieve_p50_ms=round(pct(50), 1), retrieve_p95_ms=round(pct(95), 1))\n"
            "out['peak_rss_mb'] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)\n"
            "print(json.dumps(out))\n")
    try:
        t = time.perf_counter()
        env = {k: v for k, v in os.environ.items() if k != "ASSISTANT_CHROMA_URL"}
        out = subprocess.run([sys.executable, "-c", code, str(data_dir), f.name, "retrieval" if retrieval else "-"],
                             capture_output=True, text=True, env=env)
        if out.returncode:
            raise RuntimeError(f"bench --corpus: the serving process failed: {out.stderr[-2000:]}")
        figures = json.loads(out.stdout.strip().splitlines()[-1])
        figures["process_s"] = round(time.perf_counter() - t, 1)
        return figures
    finally:
        os.unlink(f.name)


def corpus_table(result: dict) -> str:
    """The archive figures as a Markdown table."""
    r = result
    rate = f"{r['chunks_per_s']}" if r["chunks_per_s"] is not None else "— (store reused)"
    return "\n".join([
        f"Corpus {r['corpus']} ({r['cpus']} CPUs, embedding backend {r['embedding_backend']}, chunk vectors "
        f"{r.get('chunk_vectors', 'embed')}, {r['questions']} questions)", "",
        "| articles | chunks | ingest (s) | chunks/s | store on disk (MB) | cold start to first answer (s) | warm p50 (ms) | warm p95 (ms) | serving peak RSS (MB) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        f"| {r['articles']} | {r['chunks']} | {r['ingest_s']} | {rate} | {r['store_mb']} | {r['cold_start_s']} | "
        f"{r['ask_p50_ms']} | {r['ask_p95_ms']} | {r['peak_rss_mb']} |"])


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
        embedder = make_embedder(settings.embedding_model, settings.embedding_backend, settings.device, settings.embedding_cache)
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


def load(settings: Settings, questions_path: Path, clients: list[int], per_client: int = 10,
         url: str | None = None) -> dict:
    """The web server under load: ``n`` clients at once, each asking ``per_client`` questions one
    after another (the regression questions in turn), while a prober asks ``/api/health`` and
    ``/widget.js`` every 0.1 s. Latencies are seen by the clients, over real HTTP on 127.0.0.1.

    Args:
        url: a server already running (e.g. another version of the code); otherwise one is started
            (``python -m assistant run``, the seeds in a temporary folder, no rate limit).
    """
    questions = [c.question for c in load_set(questions_path)]
    with tempfile.TemporaryDirectory() as tmp:
        proc = None
        try:
            if url is None:
                proc, url = _start_server(Path(tmp), settings)
            rows = [asyncio.run(_load_round(url, questions, n, per_client)) for n in clients]
        finally:
            if proc is not None:
                proc.terminate()
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    proc.kill()
    return {"rows": rows, "cpus": os.cpu_count(), "per_client": per_client}


def _start_server(tmp: Path, settings: Settings) -> tuple[subprocess.Popen, str]:
    import socket

    import httpx

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env.update({"ASSISTANT_DATA_DIR": str(tmp / "data"), "ASSISTANT_RATE_LIMIT": "0",
                "ASSISTANT_SEEDS_DIR": str(settings.seeds_dir.resolve())})
    proc = subprocess.Popen([sys.executable, "-m", "assistant", "run", "--port", str(port)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("the server for the load benchmark did not start")
        try:
            if httpx.get(f"{url}/api/health", timeout=5).json().get("status") == "ok":
                return proc, url
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    proc.kill()
    raise RuntimeError("the server for the load benchmark did not come up within 300 s")


async def _load_round(url: str, questions: list[str], clients: int, per_client: int) -> dict:
    import httpx

    asks: list[float] = []
    probes: dict[str, list[float]] = {"/api/health": [], "/widget.js": []}
    failures: dict[int, int] = defaultdict(int)
    kinds: dict[str, int] = defaultdict(int)
    running = True
    limits = httpx.Limits(max_connections=clients + 4, max_keepalive_connections=clients + 4)
    async with httpx.AsyncClient(base_url=url, timeout=300, limits=limits) as http:
        async def client(i: int) -> None:
            for j in range(per_client):
                q = questions[(i * per_client + j) % len(questions)]
                t = time.perf_counter()
                r = await http.post("/api/ask", json={"question": q})
                asks.append(time.perf_counter() - t)
                if r.status_code != 200:
                    failures[r.status_code] += 1
                else:
                    kinds[_kind(r.json())] += 1

        async def prober() -> None:
            while running:
                for path, seen in probes.items():
                    t = time.perf_counter()
                    r = await http.get(path)
                    seen.append(time.perf_counter() - t)
                    if r.status_code != 200:
                        failures[r.status_code] += 1
                await asyncio.sleep(0.1)

        await http.post("/api/ask", json={"question": questions[0]})  # warm
        probe = asyncio.create_task(prober())
        start = time.perf_counter()
        await asyncio.gather(*(client(i) for i in range(clients)))
        wall = time.perf_counter() - start
        running = False
        await probe

    def ms(values: list[float], p: float) -> float:
        return round(_pct(values, p) * 1000) if values else 0

    return {"clients": clients, "questions": len(asks), "wall_s": round(wall, 1),
            "req_per_s": round(len(asks) / wall, 1), "ask_p50_ms": ms(asks, 50), "ask_p95_ms": ms(asks, 95),
            "health_p50_ms": ms(probes["/api/health"], 50), "health_p95_ms": ms(probes["/api/health"], 95),
            "widget_p50_ms": ms(probes["/widget.js"], 50), "widget_p95_ms": ms(probes["/widget.js"], 95),
            "failures": dict(failures), "answers": dict(kinds)}


def _kind(answer: dict) -> str:
    """What wrote an answer: ``extractive``, ``generated``, ``busy`` (the LLM's queue was full) or ``fallback``."""
    if answer.get("composer") == "extractive":
        return "extractive"
    if "(fallback from" not in answer.get("composer", ""):
        return "generated"
    return "busy" if answer.get("notice", "").startswith("The LLM is busy") else "fallback"


def load_table(result: dict) -> str:
    """The load figures as a Markdown table."""
    lines = [f"CPUs: {result['cpus']}; each client asks {result['per_client']} questions one after another.", "",
             "| clients | questions | req/s | ask p50 (ms) | ask p95 (ms) | health p50 / p95 (ms) | widget.js p50 / p95 (ms) | not 200 | answers |",
             "|---:|---:|---:|---:|---:|---:|---:|---|---|"]
    for r in result["rows"]:
        lines.append(f"| {r['clients']} | {r['questions']} | {r['req_per_s']} | {r['ask_p50_ms']} | {r['ask_p95_ms']} | "
                     f"{r['health_p50_ms']} / {r['health_p95_ms']} | {r['widget_p50_ms']} / {r['widget_p95_ms']} | "
                     f"{r['failures'] or 'none'} | {', '.join(f'{k} {v}' for k, v in sorted(r['answers'].items()))} |")
    return "\n".join(lines)
