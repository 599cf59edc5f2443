"""Ingestion: files -> articles -> chunks -> vectors -> store. Idempotent and incremental.

One bad file never stops a run: whatever cannot be read, validated or stored is reported in
``IngestReport.skipped`` with the reason, and everything else is ingested.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
from tqdm import tqdm

from vectorstore.chunking import SentenceChunker
from vectorstore.dates import find_time_expressions
from vectorstore.embedder import Embedder
from vectorstore.loading import (
    UnreadableFile,
    find_article_files,
    load_article,
    load_metadata,
)
from vectorstore.models import Article, Chunk
from vectorstore.store import Store

log = logging.getLogger(__name__)


@dataclass
class IngestReport:
    """What an ingest run did; ``summary()`` is the one line shown to the user."""

    ingested: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    pruned: list[str] = field(default_factory=list)
    chunks_written: int = 0
    dates_found: int = 0
    dates_resolved: int = 0
    seconds: float = 0.0

    def summary(self) -> str:
        parts = [f"{len(self.ingested)} ingested", f"{len(self.unchanged)} unchanged", f"{len(self.skipped)} skipped"]
        if self.pruned:
            parts.append(f"{len(self.pruned)} pruned")
        dates = (f", {self.dates_found} time expressions ({self.dates_resolved} resolved to dates)"
                 if self.dates_found else "")
        return (f"Ingest finished: {', '.join(parts)}; {self.chunks_written} chunks written{dates} "
                f"in {self.seconds:.1f}s.")

    def to_dict(self) -> dict:
        return {"ingested": self.ingested, "unchanged": self.unchanged,
                "skipped": [{"path": p, "reason": r} for p, r in self.skipped],
                "pruned": self.pruned, "chunks_written": self.chunks_written, "dates_found": self.dates_found,
                "dates_resolved": self.dates_resolved, "seconds": round(self.seconds, 3)}


def ingest(paths: list[Path], store: Store, embedder: Embedder, chunker: SentenceChunker,
           prune: bool = False, root: Path | None = None, progress: bool | None = None) -> IngestReport:
    """Ingest article files and folders into ``store``.

    Unchanged articles (same content hash) are left alone; changed ones are replaced (the new
    version is written before the old one is removed, so a failed write keeps the old one);
    unreadable files are skipped and reported, never fatal.

    An article's id comes from its path (see ``loading.article_id``). An id is never taken
    over silently: a second file with the same id in one run is skipped, and so is a file whose
    id is already stored for another source (unless ``prune`` is set and that source is gone).

    Args:
        paths: files and/or folders (searched recursively).
        store: where to write.
        embedder: makes the vectors.
        chunker: splits articles into chunks.
        prune: also drop stored articles whose source file no longer exists.
        root: folder that ``source`` paths are relative to (default: the working folder).
        progress: show progress bars (default: only on a terminal).

    Returns:
        An ``IngestReport``.
    """
    started = time.perf_counter()
    root = (root or Path.cwd()).resolve()
    report = IngestReport()
    found, skipped = find_article_files(paths)
    report.skipped.extend((str(p), why) for p, why in skipped)
    stored = store.article_index()
    stored_by_source = {meta.get("source"): aid for aid, meta in stored.items()}
    metadata_by_dir: dict[Path, dict] = {}
    seen: dict[str, Path] = {}
    todo: list[tuple[Path, Article, list[Chunk]]] = []

    for item in tqdm(found, desc="Reading", unit="file", disable=_no_bar(progress, len(found))):
        path = item.path
        try:
            folder = path.parent
            if folder not in metadata_by_dir:
                metadata_by_dir[folder] = load_metadata(folder)
            article = load_article(path, metadata_by_dir[folder].get(path.name), root, id_root=item.root)
        except UnreadableFile as exc:
            report.skipped.append((str(path), str(exc)))
            continue
        except Exception as exc:  # a bug must not cost the user the rest of the run
            log.exception("unexpected error reading %s", path)
            report.skipped.append((str(path), f"unexpected error while reading ({type(exc).__name__}: {exc}); "
                                              "please report it"))
            continue
        if article.id in seen:
            report.skipped.append((str(path), f"article id '{article.id}' is already used by {seen[article.id]} in "
                                              f"this run; rename {path.name} or {seen[article.id].name}"))
            continue
        old = stored.get(article.id)
        if old and not _may_take_over(store, old, article, path, root, prune):
            owner = old.get("source")
            report.skipped.append((str(path), (
                f"article id '{article.id}' already belongs to {owner} in the store; rename this file, or "
                f"if {owner} is gone, remove its article first with prune (ingest --prune)")))
            continue
        seen[article.id] = path
        if old and old.get("content_hash") == article.content_hash and old.get("dated", True):
            report.unchanged.append(article.id)
            continue
        article = replace(article, dates=tuple(find_time_expressions(article.text, article.published)))
        todo.append((path, article, chunker.chunk(article)))

    if todo:
        texts: list[str] = []
        for _, article, chunks in todo:
            texts.extend(c.text for c in chunks)
            texts.extend(article.text[s.start:s.end] for c in chunks for s in c.sentences)
        vectors = _embed(embedder, texts, progress)
        row = 0
        for path, article, chunks in tqdm(todo, desc="Storing", unit="article", disable=_no_bar(progress, len(todo))):
            n_chunks = len(chunks)
            n_sents = sum(len(c.sentences) for c in chunks)
            chunk_vecs = vectors[row:row + n_chunks]
            sent_vecs = vectors[row + n_chunks:row + n_chunks + n_sents]
            row += n_chunks + n_sents
            try:
                store.replace_article(article, chunks, chunk_vecs, sent_vecs)
            except Exception as exc:  # chromadb raises many types; one article must not stop the run
                log.warning("could not store %s: %s", path, exc)
                report.skipped.append((str(path), f"could not be stored ({type(exc).__name__}: {exc}); "
                                                  "the version stored before, if any, is kept"))
                continue
            report.ingested.append(article.id)
            report.chunks_written += n_chunks
            report.dates_found += len(article.dates)
            report.dates_resolved += sum(e.resolved for e in article.dates)
            # Stored under an id from before ids followed sub-folders: one source, one article.
            stale = stored_by_source.get(article.source)
            if stale and stale != article.id and stale not in seen:
                store.delete_article(stale)
                report.pruned.append(stale)

    if prune:
        for aid, meta in stored.items():
            if aid in seen or aid in report.pruned:
                continue
            if not _source_path(meta.get("source"), root).exists():
                store.delete_article(aid)
                report.pruned.append(aid)
    report.seconds = time.perf_counter() - started
    return report


def _source_path(source: str | None, root: Path) -> Path:
    path = Path(source or "")
    return path if path.is_absolute() else root / path


def _may_take_over(store: Store, old: dict, article: Article, path: Path, root: Path, prune: bool) -> bool:
    """Whether ``article`` (read from ``path``) may replace the stored article with its id.

    Yes when the stored one came from the same file (same ``source``, or the same file once
    resolved), when its text is the same (the same file reached another way, e.g. from another
    working folder), or when ``prune`` is set and its file is gone. Otherwise another file owns the id.
    """
    owner = old.get("source")
    if owner == article.source:
        return True
    try:
        if _source_path(owner, root).resolve() == path.resolve():
            return True
    except OSError:
        pass
    if prune and not _source_path(owner, root).exists():
        return True
    stored = store.article(article.id)
    return stored is not None and stored.text == article.text


def _embed(embedder: Embedder, texts: list[str], progress: bool | None, batch: int = 64) -> np.ndarray:
    parts = []
    with tqdm(total=len(texts), desc="Embedding", unit="text", disable=_no_bar(progress, len(texts))) as bar:
        for i in range(0, len(texts), batch):
            parts.append(embedder.embed_documents(texts[i:i + batch]))
            bar.update(len(texts[i:i + batch]))
    return np.concatenate(parts)


def _no_bar(progress: bool | None, size: int) -> bool | None:
    if progress is None:
        return None if size > 1 else True  # tqdm: None = off when not a terminal
    return not progress
