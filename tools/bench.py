"""The benchmark behind ``make bench``: ingest speed, warm and cold answer latency, memory,
and how they grow with the number of articles (synthetic articles generated from the seeds).
``load`` (``--load 20,60``, ``make bench-load``) measures the web server under many clients at once,
``corpus`` (``--corpus DIR``) an archive folder's figures, ``llm_speed`` (``--llm``) the composers'
answer times, and ``--archive`` (``make bench-archive``) runs ``tools.archive_bench``.

Run as ``python -m tools.bench [options]`` (``--help`` lists them).
"""

from __future__ import annotations

import argparse
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
from assistant.cli import add_store_options, run_command
from assistant.evaluation import load_set
from assistant.settings import Settings
from tools import archive_bench
from tools.serving import asked, latencies, percentile, serve_figures
from vectorstore.embedder import make_embedder
from vectorstore.store import ChromaStore

DEFAULT_QUESTIONS = Path("tests/regression/seeds.qa.yaml")


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
            latencies(assistant, questions[:3])  # warm-up
            lat = latencies(assistant, questions)
            rows.append({"articles": len(report.ingested), "chunks": store.count(), "ingest_s": round(ingest_s, 2),
                         "chunks_per_s": round(report.chunks_written / ingest_s, 1),
                         "index_build_ms": round(index_s * 1000, 1),
                         "ask_p50_ms": round(percentile(lat, 50), 1), "ask_p95_ms": round(percentile(lat, 95), 1),
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
    warm answer p50/p95 over up to ``limit`` questions (each embedded afresh, asked as of its day if it
    has one) and the serving process's peak RSS are measured in a fresh process, so the ingest's memory
    is not counted as serving memory.

    Args:
        data_dir: keep the store there (an existing store is reused and only what is new is ingested);
            default: a temporary folder.
    """
    from vectorstore.embedder import shared_embedder

    if not articles.is_dir():
        raise FileNotFoundError(f"bench --corpus: no folder at '{articles}'")
    questions = [asked(c) for c in load_set(questions_path)][:limit]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(data_dir) if data_dir else Path(tmp)
        s = settings.model_copy(update={"data_dir": root, "chroma_url": None})
        embedder = shared_embedder(s.embedding_model, s.device, s.embedding_backend, s.embedding_cache)
        assistant = Assistant(s, embedder=embedder)
        t = time.perf_counter()
        report = assistant.ingest([articles], progress=None)
        ingest_s = time.perf_counter() - t
        articles_n = len(report.ingested) + len(report.unchanged)
        del assistant
        size = sum(f.stat().st_size for f in root.rglob("*") if f.is_file())
        store = ChromaStore(s.chroma_path, collection=s.collection)
        chunks = store.count()
        del store  # closed before the serving process opens it
        serving = serve_figures(root, questions)
    return {"corpus": str(articles), "articles": articles_n, "newly_ingested": len(report.ingested),
            "chunks": chunks, "chunks_written": report.chunks_written, "ingest_s": round(ingest_s, 1),
            "chunks_per_s": round(report.chunks_written / ingest_s, 1) if report.chunks_written else None,
            "store_mb": round(size / 2**20, 1), "questions": len(questions),
            "embedding_backend": settings.embedding_backend, "chunk_vectors": settings.chunk_vectors,
            "cpus": os.cpu_count(), **serving}


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
                         "ttft_p50_s": round(percentile(first, 50), 3), "ttft_p95_s": round(percentile(first, 95), 3),
                         "total_p50_s": round(percentile(total, 50), 3), "total_p95_s": round(percentile(total, 95), 3),
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
        return round(percentile(values, p) * 1000) if values else 0

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


def build_parser() -> argparse.ArgumentParser:
    """The options of ``python -m tools.bench``."""
    p = argparse.ArgumentParser(prog="python -m tools.bench", description="measure ingest and answer speed")
    p.add_argument("--questions", type=Path, default=DEFAULT_QUESTIONS)
    p.add_argument("--sizes", default="5,50,250", help="corpus sizes in articles (default 5,50,250)")
    p.add_argument("--llm", nargs="*", metavar="COMPOSER",
                   help="instead: time to first token and total answer time of these composers on the seeds, "
                        "e.g. --llm extractive bundled")
    p.add_argument("--load", metavar="CLIENTS",
                   help="instead: the web server under this many clients at once, e.g. --load 20,60 "
                        "(each asks 10 questions; /api/health and /widget.js probed meanwhile)")
    p.add_argument("--url", help="with --load: a server already running (default: start one on the seeds)")
    p.add_argument("--corpus", type=Path, metavar="DIR",
                   help="instead: an archive's figures on the articles in DIR (ingest, store size, cold start, warm "
                        "p50/p95, RSS); questions from --questions, or DIR/../questions.yaml when it exists")
    p.add_argument("--keep", type=Path, metavar="DATA_DIR",
                   help="with --corpus or --archive: keep the store in DATA_DIR (reused next time) instead of a "
                        "temporary folder")
    p.add_argument("--archive", metavar="PASSAGES",
                   help="instead: serving cost as the store in --from grows, with synthetic articles made of its "
                        "sentences, to these sizes in passages, e.g. --archive 25000,50000,100000 (questions timed: "
                        "--questions)")
    p.add_argument("--from", dest="start", type=Path, metavar="DATA_DIR",
                   help="with --archive: the ingested store to start from (copied, never changed)")
    p.add_argument("--chart", type=Path, metavar="PNG", help="with --archive: draw cost against size here")
    p.add_argument("--report", type=Path, help="write the figures as JSON here")
    add_store_options(p)
    return p


def measure(args: argparse.Namespace, settings: Settings) -> int:
    """Run the measurement the options ask for, print its table and write ``--report``.

    Returns:
        The exit status: 0, or 2 when ``--archive``'s starting store is missing.

    Raises:
        SystemExit: ``--archive`` without ``--from``.
    """
    if args.load:
        result = load(settings, args.questions, [int(x) for x in args.load.split(",") if x.strip()], url=args.url)
        print(load_table(result))
    elif args.archive:
        if args.start is None:
            raise SystemExit("bench --archive: say which ingested store to start from with --from DATA_DIR")
        sizes = sorted(int(x.replace("_", "")) for x in args.archive.split(",") if x.strip())
        try:
            result = archive_bench.run(settings, args.start, sizes, args.questions, out=args.keep)
        except FileNotFoundError as exc:
            print(exc, file=sys.stderr)
            return 2
        print(archive_bench.table(result))
        if args.chart:
            print(f"chart: {archive_bench.chart(result, args.chart)}")
    elif args.corpus is not None:
        questions = args.questions
        beside = args.corpus.parent / "questions.yaml"
        if questions == DEFAULT_QUESTIONS and beside.is_file():
            questions = beside
        result = corpus(settings, args.corpus, questions, data_dir=args.keep)
        print(corpus_table(result))
    elif args.llm is not None:
        result = llm_speed(settings, args.questions, args.llm or ["extractive", "bundled"])
        print(llm_table(result))
    else:
        sizes = [int(x) for x in args.sizes.split(",") if x.strip()]
        result = run(settings, args.questions, sizes)
        print(table(result))
    if args.report:
        args.report.parent.mkdir(parents=True, exist_ok=True)
        args.report.write_text(dumps(result), encoding="utf-8")
    return 0


def main(argv: list[str] | None = None) -> int:
    """``python -m tools.bench``: parse the options and measure; returns the exit status."""
    return run_command(measure, build_parser().parse_args(argv), loggers=("tools",))


if __name__ == "__main__":
    sys.exit(main())
