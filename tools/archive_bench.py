"""The archive benchmark (``make bench-archive``): how serving cost grows with the number of
passages, from a store already ingested up to a synthetic archive of 100,000 passages.

The synthetic articles are made of real sentences: each is a random mix of sentences taken from
the starting store (the 2,022-article dev corpus, ingested by ``make bench CORPUS=...``), so their
words, lengths, term statistics and vectors are those of real news. A sentence's vector is the one
already stored for it, with a little noise so that no two copies are identical, instead of being
embedded again: growing to 100,000 passages takes minutes instead of most of a day, and what is
measured here, serving, does not depend on how the vectors were made. Everything else is the real
ingest (chunking, dates, copies, the keyword index, Chroma), with chunk vectors pooled from the
sentences' (``ASSISTANT_CHUNK_VECTORS=sentences``). A sentence the chunker splits differently from
how it was stored is embedded by the model (counted as ``embedded_afresh``).

Each size is served by a fresh process (``tools.serving.serve_figures``): cold start to the first
answer, warm answer and retrieval p50/p95 over the questions, peak RSS; and the store's size on disk.

Run by ``python -m tools.bench --archive SIZES --from DATA_DIR`` (``make bench-archive``).
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
import yaml

from assistant.answer import Assistant
from assistant.evaluation import load_set
from assistant.settings import Settings
from tools.serving import serve_figures
from vectorstore.embedder import Embedder, shared_embedder
from vectorstore.store import ChromaStore

log = logging.getLogger(__name__)

# Noise added to a reused sentence vector (per dimension, before it is set to unit length again):
# about 0.99 in cosine to the stored vector for MiniLM's 384 dimensions.
NOISE = 0.007
FIRST_DAY, DAYS = dt.date(2012, 1, 1), 11 * 365  # synthetic articles are dated 2012-2022, like the dev corpus's past


class ReplayEmbedder:
    """An ``Embedder`` that gives a known text its stored vector (plus ``noise``) and embeds any
    other text with ``model``; questions are always embedded by ``model``."""

    def __init__(self, vectors: dict[str, np.ndarray], model: Embedder, noise: float = NOISE, seed: int = 7) -> None:
        self.vectors = vectors
        self.model = model
        self.name = model.name  # the store records the model that made its vectors: these are its vectors
        self.noise = noise
        self.rng = np.random.default_rng(seed)
        self.replayed = 0
        self.embedded_afresh = 0

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        """One unit vector per text, in order."""
        dim = len(next(iter(self.vectors.values()))) if self.vectors else 384
        out = np.zeros((len(texts), dim), dtype=np.float32)
        fresh = [i for i, t in enumerate(texts) if t not in self.vectors]
        if fresh:
            out[fresh] = self.model.embed_documents([texts[i] for i in fresh])
            self.embedded_afresh += len(fresh)
        known = [i for i, t in enumerate(texts) if t in self.vectors]
        if known:
            v = np.stack([self.vectors[texts[i]] for i in known])
            v = v + self.rng.normal(0.0, self.noise, v.shape).astype(np.float32)
            out[known] = v / np.linalg.norm(v, axis=1, keepdims=True)
            self.replayed += len(known)
        return out

    def embed_query(self, text: str) -> np.ndarray:
        return self.model.embed_query(text)

    def clear_cache(self) -> None:
        getattr(self.model, "clear_cache", lambda: None)()


def sentence_pool(store: ChromaStore, min_chars: int = 40) -> dict[str, np.ndarray]:
    """``{sentence text: stored vector}`` for every stored sentence of at least ``min_chars`` characters."""
    pool: dict[str, np.ndarray] = {}
    for texts, vectors in store.sentence_records():
        for text, vector in zip(texts, vectors):
            if len(text) >= min_chars and "\n" not in text:
                pool.setdefault(text, vector)
    return pool


def write_articles(sentences: list[str], folder: Path, count: int, first: int, rng: random.Random) -> None:
    """Write ``count`` synthetic articles (``synthetic_<n>.txt``, numbered from ``first``) and their
    ``articles.yaml`` into ``folder``: 6-14 paragraphs of 1-3 sentences drawn from ``sentences``,
    a headline from one more, a day in 2012-2022."""
    folder.mkdir(parents=True, exist_ok=True)
    meta = {}
    for n in range(first, first + count):
        paragraphs = [" ".join(rng.sample(sentences, rng.randint(1, 3))) for _ in range(rng.randint(6, 14))]
        name = f"synthetic_{n:06d}.txt"
        (folder / name).write_text("\n\n".join(paragraphs) + "\n", encoding="utf-8")
        meta[name] = {"headline": rng.choice(sentences)[:90], "outlet": "Synthetic",
                      "published": (FIRST_DAY + dt.timedelta(days=rng.randrange(DAYS))).isoformat()}
    (folder / "articles.yaml").write_text(yaml.safe_dump(meta, sort_keys=True), encoding="utf-8")


def _size_mb(folder: Path) -> float:
    return round(sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / 2**20, 1)


def run(settings: Settings, start: Path, passages: list[int], questions_path: Path, out: Path | None = None,
        limit: int = 200, seed: int = 7, seeds: bool = True) -> dict:
    """Serve the store in ``start`` as it is, then grow a copy of it to each of ``passages`` (chunks)
    with synthetic articles and serve it again.

    Args:
        start: the data folder of an ingested store (left untouched: it is copied).
        passages: the sizes to grow to, in chunks, ascending.
        out: where the grown store is kept (reused and grown further next time); default a
            temporary folder.
        limit: questions timed per size.
        seeds: serve the seed articles too (ingested into a temporary store), the first row.

    Raises:
        FileNotFoundError: ``start`` holds no ingested store.
    """
    if not (_chroma_path(settings, start) / "chroma.sqlite3").is_file():
        raise FileNotFoundError(f"bench --archive: no ingested store in '{start}' (ingest one first, e.g. "
                                "make bench CORPUS=../shared/benchmarks/realtimeqa-dev/full/articles)")
    questions = [c.question for c in load_set(questions_path)][:limit]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        if seeds:  # the smallest point of the curve: the five seed articles, served the same way
            small = settings.model_copy(update={"data_dir": Path(tmp) / "seeds", "chroma_url": None})
            Assistant(small).ingest([settings.seeds_dir], progress=False)
            rows.append(_row(settings, small.data_dir, questions, label="seeds"))
        rows.append(_row(settings, start, questions, label="start"))
        root = Path(out) if out else Path(tmp) / "archive"
        if not (_chroma_path(settings, root) / "chroma.sqlite3").is_file():
            shutil.copytree(start, root, dirs_exist_ok=True)
        s = settings.model_copy(update={"data_dir": root, "chroma_url": None, "chunk_vectors": "sentences"})
        model = shared_embedder(s.embedding_model, s.device, s.embedding_backend, s.embedding_cache)
        store = ChromaStore(s.chroma_path, collection=s.collection)
        t = time.perf_counter()
        pool = sentence_pool(store)
        sentences = sorted(pool)
        log.info("archive: %d sentences to build articles from (%.0f s)", len(sentences), time.perf_counter() - t)
        replay = ReplayEmbedder(pool, model, seed=seed)
        rng = random.Random(seed)
        first_chunks = rows[-1]["chunks"]
        made = len(list((root / "synthetic").glob("*/synthetic_*.txt"))) if (root / "synthetic").is_dir() else 0
        for target in passages:
            assistant = Assistant(s, store=store, embedder=replay)
            grow_s = 0.0
            while (have := store.count()) < target:
                per_article = 8.0 if made == 0 else max(1.0, (have - first_chunks) / made)
                count = max(1, int((target - have) / per_article) + 1)
                batch = root / "synthetic" / f"batch-{made:06d}"
                write_articles(sentences, batch, count, made, rng)
                made += count
                t = time.perf_counter()
                assistant.ingest([batch], progress=None)
                grow_s += time.perf_counter() - t
            del assistant
            rows.append(_row(settings, root, questions, label=f"{target:,} passages", grow_s=round(grow_s, 1),
                             synthetic_articles=made, embedded_afresh=replay.embedded_afresh,
                             replayed=replay.replayed))
    return {"start": str(start), "questions": len(questions), "embedding_backend": settings.embedding_backend,
            "noise": NOISE, "rows": rows}


def _chroma_path(settings: Settings, data_dir: Path) -> Path:
    return settings.model_copy(update={"data_dir": Path(data_dir)}).chroma_path


def _row(settings: Settings, data_dir: Path, questions: list[str], label: str, **extra) -> dict:
    store = ChromaStore(_chroma_path(settings, data_dir), collection=settings.collection)
    counts = {"articles": store.article_rows.count(), "chunks": store.count(), "sentences": store.sentences.count()}
    del store
    figures = serve_figures(data_dir, questions, retrieval=True)
    row = {"label": label, **counts, "store_mb": _size_mb(data_dir), **figures, **extra}
    log.info("archive: %s", row)  # each size as it is done: a long run stopped early keeps what it measured
    return row


def table(result: dict) -> str:
    """The figures as a Markdown table."""
    lines = [f"Archive from {result['start']} ({result['questions']} questions, embedding backend "
             f"{result['embedding_backend']})", "",
             "| store | articles | passages (chunks) | sentences | on disk (MB) | cold start (s) | answer p50 / p95 (ms) "
             "| retrieval p50 / p95 (ms) | peak RSS (MB) |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in result["rows"]:
        lines.append(f"| {r['label']} | {r['articles']:,} | {r['chunks']:,} | {r['sentences']:,} | {r['store_mb']} | "
                     f"{r['cold_start_s']} | {r['ask_p50_ms']} / {r['ask_p95_ms']} | "
                     f"{r['retrieve_p50_ms']} / {r['retrieve_p95_ms']} | {r['peak_rss_mb']} |")
    return "\n".join(lines)


def chart(result: dict, path: Path) -> Path:
    """Draw cost against passages (PNG): warm answer and retrieval p50/p95, and peak RSS with cold start."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = sorted(result["rows"], key=lambda r: r["chunks"])
    x = [r["chunks"] for r in rows]
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    for key, label, style in (("ask_p50_ms", "answer p50", "o-"), ("ask_p95_ms", "answer p95", "o--"),
                              ("retrieve_p50_ms", "retrieval p50", "s-"), ("retrieve_p95_ms", "retrieval p95", "s--")):
        left.plot(x, [r[key] for r in rows], style, label=label)
    left.set(xscale="log", xlabel="passages (chunks) in the store", ylabel="ms, warm", title="Time per question")
    left.grid(True, which="both", alpha=0.3)
    left.legend()
    right.plot(x, [r["peak_rss_mb"] for r in rows], "o-", color="tab:red", label="serving peak RSS (MB)")
    right.set(xscale="log", xlabel="passages (chunks) in the store", ylabel="MB", title="Memory and cold start")
    right.grid(True, which="both", alpha=0.3)
    cold = right.twinx()
    cold.plot(x, [r["cold_start_s"] for r in rows], "s--", color="tab:blue", label="cold start to first answer (s)")
    cold.set_ylabel("s")
    handles = right.get_legend_handles_labels()[0] + cold.get_legend_handles_labels()[0]
    right.legend(handles, [h.get_label() for h in handles], loc="upper left")
    fig.suptitle("Serving cost against archive size (2 CPU cores)")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
