"""The plain LangChain-tutorial set-up, measured beside ours on the same questions.

1000-character chunks with 200 characters of overlap (LangChain's ``RecursiveCharacterTextSplitter``),
the same all-MiniLM-L6-v2 vectors, a Chroma collection in memory, the top ``k`` chunks by cosine
similarity. It has no answer step: its report holds only the retrieved passages, so it is compared
on recall@k (``make eval-external`` runs it and the benchmark's ``score.py`` scores it).

Run as ``python -m tools.baseline ARTICLES SET.yaml --report OUT.json``. With ``--reuse``, a report
already written for the same articles, questions, embedding model and chunking (its ``fingerprint``)
is kept instead of embedding everything again: the naive set-up does not change with our code, and
re-embedding the 2,022 articles takes about a quarter of an hour.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
from tqdm import tqdm

from assistant.cli import add_store_options, run_command
from assistant.evaluation import load_set
from assistant.settings import Settings
from vectorstore.embedder import MiniLmEmbedder, make_embedder
from vectorstore.loading import UnreadableFile, find_files, load_article, load_metadata
from vectorstore.models import Article


def read_articles(articles: Path) -> Iterator[Article]:
    """The readable articles under ``articles``, in file order; each folder's ``articles.yaml`` is read
    once (an unreadable one leaves out its folder's files, an unreadable file only itself)."""
    files, _ = find_files([articles])
    metadata: dict[Path, dict[str, dict] | None] = {}
    for path in files:
        if path.parent not in metadata:
            try:
                metadata[path.parent] = load_metadata(path.parent)
            except UnreadableFile:
                metadata[path.parent] = None
        folder = metadata[path.parent]
        if folder is None:
            continue
        try:
            yield load_article(path, folder.get(path.name))
        except UnreadableFile:
            continue


def fingerprint(articles: Path, questions: Path, model: str, chunk_size: int = 1000, overlap: int = 200,
                k: int = 5) -> str:
    """What a naive report depends on, hashed: every file under ``articles`` (its path, size and time
    of change), the question set's bytes, the embedding model's name and the chunking."""
    h = hashlib.sha256(json.dumps([model, chunk_size, overlap, k]).encode())
    for path in sorted(p for p in Path(articles).rglob("*") if p.is_file()):
        st = path.stat()
        h.update(f"{path.relative_to(articles)}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    h.update(Path(questions).read_bytes())
    return h.hexdigest()


def written_for(out: Path, stamp: str) -> bool:
    """Whether ``out`` is a naive report written for ``stamp`` (a ``fingerprint``)."""
    try:
        return json.loads(out.read_text(encoding="utf-8")).get("fingerprint") == stamp
    except (OSError, ValueError, AttributeError):
        return False


def naive_report(articles: Path, questions: Path, out: Path, embedder: MiniLmEmbedder,
                 chunk_size: int = 1000, overlap: int = 200, k: int = 5, stamp: str | None = None) -> dict:
    """Retrieve the top ``k`` naive chunks for every question of ``questions``; write the report to ``out``
    (with ``stamp``, the inputs' ``fingerprint``, when given).

    Returns:
        ``{"chunks": N, "questions": M}``.
    """
    import chromadb
    from chromadb.config import Settings as ChromaSettings
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    splitter = RecursiveCharacterTextSplitter(chunk_size=chunk_size, chunk_overlap=overlap)
    texts, ids = [], []
    for article in read_articles(articles):
        for i, piece in enumerate(splitter.split_text(article.text)):
            texts.append(piece)
            ids.append(f"{article.id}-{i}")
    client = chromadb.EphemeralClient(settings=ChromaSettings(anonymized_telemetry=False))
    col = client.create_collection("naive", embedding_function=None, metadata={"hnsw:space": "cosine"})
    for i in tqdm(range(0, len(texts), 256), desc="Embedding (naive)", disable=None):
        col.add(ids=ids[i:i + 256], documents=texts[i:i + 256],
                embeddings=np.asarray(embedder.embed_documents(texts[i:i + 256]), dtype=np.float32))
    results = []
    for case in load_set(questions):
        got = col.query(query_embeddings=[embedder.embed_query(case.question)], n_results=k, include=["documents"])
        results.append({"id": case.id, "question": case.question, "answer": "", "abstained": False,
                        "retrieved": [{"article_id": i.rsplit("-", 1)[0], "text": d}
                                      for i, d in zip(got["ids"][0], got["documents"][0])]})
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"fingerprint": stamp, "results": results}, ensure_ascii=False), encoding="utf-8")
    return {"chunks": len(texts), "questions": len(results)}


def build_parser() -> argparse.ArgumentParser:
    """The options of ``python -m tools.baseline``."""
    p = argparse.ArgumentParser(prog="python -m tools.baseline",
                                description="the plain LangChain-tutorial retrieval on a question set (for comparison)")
    p.add_argument("articles", type=Path, help="folder of the articles")
    p.add_argument("set", type=Path, help="YAML question set")
    p.add_argument("--report", type=Path, required=True, help="write the retrieved passages here (JSON)")
    p.add_argument("--reuse", action="store_true",
                   help="keep --report when it was written for the same articles, questions, model and chunking")
    add_store_options(p)
    return p


def baseline(args: argparse.Namespace, settings: Settings) -> int:
    """Run the naive retrieval with the configured embedding model and say where the report is; returns 0."""
    model = f"{settings.embedding_model or 'bundled all-MiniLM-L6-v2'} ({settings.embedding_backend})"
    stamp = fingerprint(args.articles, args.set, model)
    if args.reuse and written_for(args.report, stamp):
        print(f"naive baseline: {args.report} was written for these articles and questions; kept")
        return 0
    embedder = make_embedder(settings.embedding_model, settings.embedding_backend, settings.device,
                             settings.embedding_cache)
    done = naive_report(args.articles, args.set, args.report, embedder, stamp=stamp)
    print(f"naive baseline: {done['chunks']} chunks, {done['questions']} questions; report written to {args.report}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """``python -m tools.baseline``: parse the options and run the baseline; returns the exit status."""
    return run_command(baseline, build_parser().parse_args(argv), loggers=("tools",))


if __name__ == "__main__":
    sys.exit(main())
