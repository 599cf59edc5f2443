"""The Chroma store: chunks (for dense search), sentences (their vectors, for answer
scoring) and articles (full text and metadata), in three collections sharing one prefix.

Embedded (``PersistentClient`` on a folder) by default; a Chroma server (``HttpClient``) when
given a URL. Vectors always come from the project's embedder: collections are created with
no embedding function, so Chroma never loads or downloads a model of its own.
"""

from __future__ import annotations

import ctypes
import fcntl
import json
import os
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Protocol, runtime_checkable
from urllib.parse import urlparse

import numpy as np

from vectorstore import lock
from vectorstore.copies import fingerprint
from vectorstore.dates import RULES_VERSION, TimeExpression
from vectorstore.embedder import pool
from vectorstore.errors import StoreError
from vectorstore.lru import Lru
from vectorstore.models import (
    Article,
    ArticleRecord,
    ArticleWrite,
    Chunk,
    ChunkRecord,
    Copy,
    Inventory,
    ScoredChunk,
    SentenceRecord,
    Span,
)

_BATCH = 1000
# Article rows carry their dates and near-duplicate fingerprint (about 2 kB of metadata each), and
# Chroma's read of a batch of them costs far more memory than that while it lasts (about 160 MB for
# 5,000 rows): read them 500 at a time, so start-up at 12k articles peaks about 130 MB lower.
_ARTICLE_BATCH = 500
# Articles fetched to answer (full text) are kept for the next answers, up to this many.
_ARTICLE_CACHE = 1000
SentenceKey = tuple[str, int, int]  # (article id, start, end)


@runtime_checkable
class Store(Protocol):
    """What the answer path needs from a store. ``ChromaStore`` implements it; the unit tests
    use an in-memory one."""

    location: str

    def reopen(self) -> None:
        """See what another process wrote since the store was opened (nothing to do for most stores)."""
        ...

    def generation(self) -> str:
        """The store's last change mark ("" before the first): compare to see whether another
        process wrote since (``mark_written``)."""
        ...

    def mark_written(self) -> None:
        """Record that the store changed, for the readers in other processes."""
        ...

    def note(self, name: str) -> str | None:
        """A short text kept with the store under ``name`` (e.g. the suggested questions), or ``None``."""
        ...

    def put_note(self, name: str, text: str) -> None:
        """Keep ``text`` with the store under ``name``, for every process that uses the store."""
        ...

    def count(self) -> int:
        """Number of chunks stored."""
        ...

    def query(self, vector: np.ndarray, k: int) -> list[ScoredChunk]:
        """The ``k`` chunks nearest to ``vector``; score is the cosine similarity."""
        ...

    def nearest(self, vector: np.ndarray, k: int) -> list[tuple[str, float]]:
        """``query`` without the chunks: the ``k`` nearest chunk ids and their cosine similarity."""
        ...

    def similarity(self, vector: np.ndarray, chunk_ids: list[str]) -> dict[str, float]:
        """Cosine similarity of ``vector`` to the stored vectors of the given chunks."""
        ...

    def query_sentences(self, vector: np.ndarray, k: int) -> list[tuple[str, float]]:
        """The chunks holding the ``k`` sentences nearest to ``vector``: ``(chunk id, best cosine)``, best first."""
        ...

    def sentence_vectors(self, chunks: list[Chunk]) -> dict[SentenceKey, np.ndarray]:
        """Stored sentence vectors of the given chunks' sentences."""
        ...

    def articles(self, article_ids: list[str]) -> dict[str, Article]:
        """The stored articles with these ids (absent ones left out), fetched in one call."""
        ...

    def article(self, article_id: str) -> Article | None:
        """One stored article, or ``None``."""
        ...

    def article_index(self) -> dict[str, dict]:
        """``{article id: metadata}`` for every stored article (no text)."""
        ...

    def all_chunks(self) -> list[Chunk]:
        """Every stored chunk, in article then chunk order."""
        ...

    def article_table(self) -> tuple[dict[str, dict], dict[str, list[TimeExpression]]]:
        """``(article_index(), {article id: its time expressions})`` from one read (the start-up's)."""
        ...

    def chunks_of(self, article_ids: list[str]) -> dict[str, list[Chunk]]:
        """The current version's chunks of these articles, in chunk order (re-indexing them)."""
        ...

    def replace_articles(self, writes: list[ArticleWrite], chunk_vectors_mode: str = "embed") -> None:
        """Store articles with their chunks and sentence vectors, replacing any older versions (a
        failure leaves every old version whole); ``chunk_vectors_mode`` (how the chunk vectors were
        made) is recorded in each row."""
        ...

    def delete_article(self, article_id: str) -> None:
        """Remove an article and everything derived from it."""
        ...

    def update_article_meta(self, article_id: str, also_at: tuple[Copy, ...] | None = None,
                            source: str | None = None, fingerprint: str | None = None) -> None:
        """Change a stored article's copies, source (its chunks' too) or fingerprint; text and vectors
        stay. Its time expressions: ``update_dates``."""
        ...

    def update_dates(self, dates: dict[str, tuple[TimeExpression, ...]]) -> None:
        """Set the time expressions of many stored articles at once (``{article id: dates}``,
        marked as found by today's rules); text and vectors stay. Absent articles are left alone."""
        ...

    def inventory(self) -> Inventory:
        """Every article row, chunk and sentence record, metadata only (for the consistency check)."""
        ...

    def delete_records(self, chunk_ids: list[str], sentence_ids: list[str]) -> None:
        """Remove these chunk and sentence records (what an interrupted write left behind)."""
        ...

    def probe(self) -> list[str]:
        """Query each vector index once; a description of each one that fails (empty: all fine)."""
        ...


OPEN_LOCK = lock.OPEN_LOCK


@contextmanager
def _one_opener(folder: Path) -> Iterator[None]:
    """Opens of the store in ``folder`` one process at a time. Two processes creating a new store
    at once race in Chroma's set-up of its database ("table collections already exists"); an
    exclusive ``flock`` held for the few milliseconds of opening orders them. It goes with the
    process, so a killed one leaves nothing stale."""
    fd = os.open(folder / OPEN_LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def _meta_value(value):
    return "" if value is None else value


def _none_if_empty(value):
    return None if value in ("", None) else value


def _also_at(meta: dict) -> tuple[Copy, ...]:
    """The stored copies of an article (none for one stored before copies were kept)."""
    return tuple(Copy(*entry) for entry in json.loads(meta.get("also_at") or "[]"))


def _also_at_json(copies: tuple[Copy, ...]) -> str:
    return json.dumps([[c.source, c.content_hash, c.primary_hash] for c in copies])


def _dates_meta(dates: tuple[TimeExpression, ...]) -> dict:
    """An article row's time expressions, marked with the rules that found them (``RULES_VERSION``)."""
    return {"dates": json.dumps([e.to_dict() for e in dates]), "dates_rules": RULES_VERSION}


def _dates(meta: dict) -> list[TimeExpression]:
    """The stored time expressions (none for an article stored before dates were kept)."""
    return [TimeExpression.from_dict(d) for d in json.loads(meta.get("dates") or "[]")]


def sentence_id(chunk_id: str, j: int) -> str:
    """A sentence record's id: its chunk's id and its place ``j`` in the chunk."""
    return f"{chunk_id}-s{j}"


# ``sentence_id`` read back, for a chunk id as ``vectorstore.chunking`` makes it
# (``{article id}-{index}-{10 hex digits}``).
_SENTENCE_ID = re.compile(r"^(?P<chunk>(?P<article>.+)-\d+-[0-9a-f]{10})-s\d+$")


GENERATION_NOTE = "generation"
GENERATION_EVERY = 1.0  # seconds a server's change mark is taken as read (a request each time otherwise)


def forget_chroma_system(location: str) -> None:
    """Stop and forget the system Chroma keeps for the embedded store at ``location`` in this
    process, so that the next client opens the folder afresh.

    Chroma has no public call for one folder (``SharedSystemClient.clear_system_cache`` forgets
    every folder's system without stopping it), so this reaches its class-level registry, keyed by
    the folder. ``tests/integration/test_store_reads.py`` fails loudly when an upgrade changes it.

    Raises:
        StoreError: the installed chromadb keeps its systems some other way.
    """
    from chromadb.api.shared_system_client import SharedSystemClient

    systems = getattr(SharedSystemClient, "_identifier_to_system", None)
    counts = getattr(SharedSystemClient, "_identifier_to_refcount", None)
    if not isinstance(systems, dict) or not isinstance(counts, dict):
        raise StoreError("this chromadb version keeps its per-folder systems differently: "
                         "vectorstore.store.forget_chroma_system needs updating")
    system = systems.pop(location, None)
    counts.pop(location, None)
    if system is not None:
        system.stop()


def _not_in_vector_index(exc: Exception) -> bool:
    """Whether Chroma failed a read because this process's vector index lacks one of the ids asked for
    (written by another process since this one opened the store)."""
    return type(exc).__name__ == "InternalError" and ("Error finding id" in str(exc) or "Error getting embedding" in str(exc))


def return_freed_memory() -> None:
    """Hand the heap memory freed so far back to the system (glibc keeps it for reuse otherwise;
    after the start-up's read of every article row that is about 250 MB at 12k articles, held on
    top of the vector indexes that load at the same time). Does nothing on other C libraries."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


class ChromaStore:
    """Articles, chunks and sentence vectors in Chroma.

    Args:
        path: folder for the embedded store (ignored when ``url`` is given).
        url: a Chroma server, e.g. ``http://127.0.0.1:8000``.
        collection: prefix of the three collection names.

    Raises:
        StoreError: the server cannot be reached or the folder cannot be used.
    """

    def __init__(self, path: str | Path | None = None, url: str | None = None,
                 collection: str = "news") -> None:
        self.url = url
        try:
            if not url and path is not None:
                Path(path).mkdir(parents=True, exist_ok=True)
            with nullcontext() if url or path is None else _one_opener(Path(path)):
                self._open(path, url, collection)
        except StoreError:
            raise
        except Exception as exc:  # chromadb raises many types; the user needs one message
            where = f"the Chroma server at {url} (ASSISTANT_CHROMA_URL)" if url else f"the store folder '{path}' (ASSISTANT_DATA_DIR)"
            raise StoreError(f"cannot open {where}: {exc}") from exc
        self._article_cache: Lru[str, Article] = Lru(_ARTICLE_CACHE)  # answers fetch articles on several threads
        self._collection = collection

    def _open(self, path: str | Path | None, url: str | None, collection: str) -> None:
        """The client and the three collections (called once, from ``__init__``)."""
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        chroma_settings = ChromaSettings(anonymized_telemetry=False)
        if url:
            parsed = urlparse(url if "://" in url else f"http://{url}")
            if not parsed.hostname:
                raise StoreError(f"ASSISTANT_CHROMA_URL '{url}' has no host: use e.g. http://127.0.0.1:8000")
            self.client = chromadb.HttpClient(
                host=parsed.hostname, port=parsed.port or (443 if parsed.scheme == "https" else 8000),
                ssl=parsed.scheme == "https", settings=chroma_settings,
            )
            self.location = url
        else:
            if path is None:
                raise StoreError("no store location: set ASSISTANT_DATA_DIR or ASSISTANT_CHROMA_URL")
            self.client = chromadb.PersistentClient(path=str(path), settings=chroma_settings)
            self.location = str(path)
        space = {"hnsw:space": "cosine"}
        self.chunks = self.client.get_or_create_collection(f"{collection}-chunks", embedding_function=None, metadata=space)
        self.sentences = self.client.get_or_create_collection(f"{collection}-sentences", embedding_function=None, metadata=space)
        self.article_rows = self.client.get_or_create_collection(f"{collection}-articles", embedding_function=None, metadata=space)
        self._notes = None  # the notes collection, made at its first use (only a server's store uses it)
        self._notes_name = f"{collection}-notes"
        self._generation: tuple[float, str] | None = None

    def reopen(self) -> None:
        """See what another process wrote to an embedded store: drop this process's cached view
        of the folder (Chroma keeps one per folder, and its vector index does not follow other
        processes' writes) and open it again. A store on a server needs none of this."""
        if self.url:
            return
        forget_chroma_system(self.location)
        with _one_opener(Path(self.location)):
            self._open(self.location, None, self._collection)
        self._article_cache = Lru(_ARTICLE_CACHE)

    # -- change marks and notes ------------------------------------------------------------
    def generation(self) -> str:
        """The last change mark: a file in the folder of an embedded store (one small read); on a
        server, a note read at most every ``GENERATION_EVERY`` seconds (one request)."""
        if not self.url:
            return lock.generation(self.location)
        now = time.monotonic()
        if self._generation is None or now - self._generation[0] >= GENERATION_EVERY:
            self._generation = (now, self.note(GENERATION_NOTE) or "")
        return self._generation[1]

    def mark_written(self) -> None:
        """Record a change: every process using this store sees a new ``generation``."""
        if not self.url:
            lock.mark_written(self.location)
            return
        mark = f"{time.time_ns()}"
        self.put_note(GENERATION_NOTE, mark)
        self._generation = (time.monotonic(), mark)

    @property
    def notes(self):
        """The collection of small texts every process of the store reads (a server's change mark, the
        suggested questions), made when first used: an embedded store keeps both as files."""
        if self._notes is None:
            self._notes = self.client.get_or_create_collection(self._notes_name, embedding_function=None)
        return self._notes

    def note(self, name: str) -> str | None:
        """A text kept under ``name`` in the notes collection (``None`` if there is none)."""
        got = self.notes.get(ids=[name], include=["documents"])
        return got["documents"][0] if got["ids"] else None

    def put_note(self, name: str, text: str) -> None:
        """Keep ``text`` under ``name`` (a record of the notes collection, its vector a placeholder)."""
        self.notes.upsert(ids=[name], documents=[text], embeddings=[[0.0]])

    # -- writing -------------------------------------------------------------------------
    def replace_articles(self, writes: list[ArticleWrite], chunk_vectors_mode: str = "embed") -> None:
        """Store several articles with their chunks and sentence vectors, replacing any older
        versions, in one write per collection (Chroma's cost per call is about that of 40 records).

        ``sentence_vectors`` has one row per sentence, in chunk order then sentence order; sentence
        records keep no text (it is the article's text at their offsets), which halves Chroma's
        work per sentence. ``chunk_vectors_mode`` says how the chunk vectors were made
        (``"embed"``: from the chunk's text; ``"sentences"``: pooled from its sentences'); each
        article row records it as ``chunk_vectors`` (a row written before it was kept has none:
        ``"embed"``). The new versions are written first (upsert; chunk and sentence ids carry a
        digest of the chunk's text, so changed text gets new ids), the article rows last, and the
        old versions' leftover ids are removed only once every write succeeded. If a write fails,
        what this call added is removed, the old records it overwrote are put back, and the error
        is raised: every old version stays whole.
        """
        def upsert(col, ids, vectors, docs, metas):  # docs None: records without text (sentences)
            for i in range(0, len(ids), _BATCH):
                col.upsert(ids=ids[i:i + _BATCH], embeddings=np.asarray(vectors[i:i + _BATCH], dtype=np.float32),
                           metadatas=metas[i:i + _BATCH],
                           **({} if docs is None else {"documents": docs[i:i + _BATCH]}))

        def drop(col, ids):
            for i in range(0, len(ids), _BATCH):
                col.delete(ids=ids[i:i + _BATCH])

        if not writes:
            return
        article_ids = [w.article.id for w in writes]
        where = {"article_id": {"$in": article_ids}} if len(article_ids) > 1 else {"article_id": article_ids[0]}
        old_chunks = set(self.chunks.get(where=where, include=[])["ids"])
        old_sentences = set(self.sentences.get(where=where, include=[])["ids"])
        chunk_ids, chunk_docs, chunk_metas, ids, metas, rows = [], [], [], [], [], []
        for w in writes:
            article = w.article
            sentences = 0
            for c in w.chunks:
                chunk_ids.append(c.id)
                chunk_docs.append(c.text)
                chunk_metas.append(self._chunk_meta(c, article.content_hash))
                for j, s in enumerate(c.sentences):
                    ids.append(sentence_id(c.id, j))
                    metas.append({"article_id": article.id, "chunk_id": c.id, "start": s.start, "end": s.end})
                    sentences += 1
            rows.append({
                "source": article.source, "title": _meta_value(article.title), "outlet": _meta_value(article.outlet),
                "published": _meta_value(article.published), "author": _meta_value(article.author),
                "content_hash": article.content_hash,
                "chunks": len(w.chunks), "sentences": sentences,
                **_dates_meta(article.dates),
                "also_at": _also_at_json(article.also_at), "fingerprint": str(fingerprint(article.text)),
                "chunk_vectors": chunk_vectors_mode,
            })
        chunk_vectors = np.concatenate([w.chunk_vectors for w in writes])
        sentence_vectors = np.concatenate([w.sentence_vectors for w in writes])
        means = np.stack([pool(w.chunk_vectors) for w in writes])  # an article row's vector
        # An id kept from the old version has the same text but maybe other metadata (offsets
        # after an edit earlier in the article, headline, date): keep its old record to put back.
        kept = [(col, col.get(ids=both, include=["embeddings", "documents", "metadatas"]))
                for col, both in ((self.chunks, [i for i in chunk_ids if i in old_chunks]),
                                  (self.sentences, [i for i in ids if i in old_sentences])) if both]
        self._article_cache.discard(article_ids)
        try:
            upsert(self.chunks, chunk_ids, chunk_vectors, chunk_docs, chunk_metas)
            upsert(self.sentences, ids, sentence_vectors, None, metas)
            # The article records (text, content hash) go last: until one is written the stored
            # text still matches the old chunks' offsets, and the next ingest retries.
            upsert(self.article_rows, article_ids, means, [w.article.text for w in writes], rows)
        except Exception as exc:
            try:
                drop(self.chunks, [i for i in chunk_ids if i not in old_chunks])
                drop(self.sentences, [i for i in ids if i not in old_sentences])
                for col, got in kept:
                    upsert(col, got["ids"], got["embeddings"], None if col is self.sentences else got["documents"],
                           got["metadatas"])
            except Exception as undo:  # the write's own error is the one to report
                exc.add_note(f"undoing the partial write of {', '.join(repr(a) for a in article_ids)} failed too: {undo}")
            raise
        drop(self.chunks, sorted(old_chunks - set(chunk_ids)))
        drop(self.sentences, sorted(old_sentences - set(ids)))

    def delete_article(self, article_id: str) -> None:
        """Remove an article and everything derived from it (no error if absent)."""
        for col in (self.chunks, self.sentences):
            col.delete(where={"article_id": article_id})
        self.article_rows.delete(ids=[article_id])
        self._article_cache.discard([article_id])

    def update_article_meta(self, article_id: str, also_at: tuple[Copy, ...] | None = None,
                            source: str | None = None, fingerprint: str | None = None) -> None:
        """Change a stored article's copies (``also_at``), ``source`` (its chunks' too, which
        citations read) or stored fingerprint; its text and vectors are left as they are. An absent
        article is left alone. Its time expressions: ``update_dates``."""
        got = self.article_rows.get(ids=[article_id], include=["metadatas"])
        if not got["ids"]:
            return
        meta = dict(got["metadatas"][0])
        if also_at is not None:
            meta["also_at"] = _also_at_json(also_at)
        if fingerprint is not None:
            meta["fingerprint"] = fingerprint
        self._article_cache.discard([article_id])
        if source is not None and source != meta.get("source"):
            meta["source"] = source
            chunks = self.chunks.get(where={"article_id": article_id}, include=["metadatas"])
            for i in range(0, len(chunks["ids"]), _BATCH):
                self.chunks.update(ids=chunks["ids"][i:i + _BATCH],
                                   metadatas=[{**m, "source": source} for m in chunks["metadatas"][i:i + _BATCH]])
        self.article_rows.update(ids=[article_id], metadatas=[meta])

    def update_dates(self, dates: dict[str, tuple[TimeExpression, ...]]) -> None:
        """Set the time expressions of many stored articles at once (see ``Store.update_dates``):
        one read and one write of their rows per ``_BATCH``."""
        ids = list(dates)
        for i in range(0, len(ids), _BATCH):
            got = self.article_rows.get(ids=ids[i:i + _BATCH], include=["metadatas"])
            if not got["ids"]:
                continue
            self._article_cache.discard(list(got["ids"]))
            self.article_rows.update(ids=list(got["ids"]), metadatas=[
                {**meta, **_dates_meta(dates[aid])} for aid, meta in zip(got["ids"], got["metadatas"])])

    def delete_records(self, chunk_ids: list[str], sentence_ids: list[str]) -> None:
        """Remove these chunk and sentence records (what an interrupted write left behind)."""
        for col, ids in ((self.sentences, sentence_ids), (self.chunks, chunk_ids)):
            for i in range(0, len(ids), _BATCH):
                col.delete(ids=ids[i:i + _BATCH])

    @staticmethod
    def _chunk_meta(c: Chunk, version: str) -> dict:
        # ``version`` (the article's content hash) tells a crash's leftovers from the stored version
        return {
            "article_id": c.article_id, "version": version, "index": c.index, "start": c.start, "end": c.end,
            "source": c.source, "title": _meta_value(c.title), "outlet": _meta_value(c.outlet),
            "published": _meta_value(c.published),
            "sentences": json.dumps([[s.start, s.end] for s in c.sentences]),
        }

    # -- reading -------------------------------------------------------------------------
    def count(self) -> int:
        """Number of chunks stored."""
        return self.chunks.count()

    def article_index(self) -> dict[str, dict]:
        """``{article id: metadata}`` for every stored article (no text), e.g. to compare hashes."""
        return {aid: self._index_entry(meta) for aid, meta in self._metadatas(self.article_rows, _ARTICLE_BATCH)}

    def article_table(self) -> tuple[dict[str, dict], dict[str, list[TimeExpression]]]:
        """``(article_index(), {article id: its time expressions})`` from one read of the article
        rows (the start-up's)."""
        index, dates = {}, {}
        for aid, meta in self._metadatas(self.article_rows, _ARTICLE_BATCH):
            index[aid] = self._index_entry(meta)
            dates[aid] = _dates(meta)
        return_freed_memory()  # the read's transient buffers, before the vector indexes finish loading
        return index, dates

    @staticmethod
    def _index_entry(meta: dict) -> dict:
        entry = {k: _none_if_empty(v) for k, v in meta.items() if k not in ("dates", "also_at")}
        entry["dated"] = "dates" in meta  # stored before dates were kept: ingest redoes it
        entry["also_at"] = _also_at(meta)
        return entry

    def inventory(self) -> Inventory:
        """Every article row, chunk and sentence record, metadata only, read in batches."""
        inv = Inventory()
        for aid, m in self._metadatas(self.article_rows, _ARTICLE_BATCH):
            sentences = m.get("sentences")
            inv.articles[aid] = ArticleRecord(content_hash=m.get("content_hash", ""), chunks=int(m.get("chunks", 0)),
                                              sentences=None if sentences is None else int(sentences),
                                              source=m.get("source", ""))
        for cid, m in self._metadatas(self.chunks):
            inv.chunks[cid] = ChunkRecord(article_id=m.get("article_id", ""), version=m.get("version"),
                                          sentences=len(json.loads(m.get("sentences") or "[]")))
        inv.sentences = self._sentence_records()
        return inv

    def _sentence_records(self) -> dict[str, SentenceRecord]:
        """Every sentence record's article and chunk, read from the ids alone when they all have the
        form ``sentence_id`` gives them (``{article id}-{n}-{digest}-s{j}``): a third of the
        time of reading their metadata; otherwise from the metadata."""
        records: dict[str, SentenceRecord] = {}
        total = self.sentences.count()
        for offset in range(0, total, 5000):
            for sid in self.sentences.get(include=[], limit=5000, offset=offset)["ids"]:
                parsed = _SENTENCE_ID.match(sid)
                if parsed is None:  # written some other way: ask the metadata
                    return {sid: SentenceRecord(article_id=meta.get("article_id", ""), chunk_id=meta.get("chunk_id", ""))
                            for sid, meta in self._metadatas(self.sentences)}
                records[sid] = SentenceRecord(article_id=parsed["article"], chunk_id=parsed["chunk"])
        return records

    def probe(self) -> list[str]:
        """Query each collection's vector index once; the names of those that fail, with the error."""
        failed = []
        for name, col in (("chunks", self.chunks), ("sentences", self.sentences), ("articles", self.article_rows)):
            try:
                got = col.get(limit=1, include=["embeddings"])
                if got["ids"]:
                    col.query(query_embeddings=[np.asarray(got["embeddings"][0], dtype=np.float32)], n_results=1,
                              include=[])
            except Exception as exc:  # chromadb raises many types; the check reports any of them
                failed.append(f"{name}: {type(exc).__name__}: {exc}")
        return failed

    @staticmethod
    def _metadatas(col, batch: int = 5000):
        total = col.count()
        for offset in range(0, total, batch):
            got = col.get(include=["metadatas"], limit=batch, offset=offset)
            yield from zip(got["ids"], got["metadatas"])

    def article(self, article_id: str) -> Article | None:
        """The stored article with its full text, or ``None``."""
        return self.articles([article_id]).get(article_id)

    def articles(self, article_ids: list[str]) -> dict[str, Article]:
        """The stored articles with these ids (absent ones left out), in one call to Chroma."""
        out = self._article_cache.get_many(article_ids)
        missing = list(dict.fromkeys(aid for aid in article_ids if aid not in out))
        if missing:
            got = self.article_rows.get(ids=missing, include=["documents", "metadatas"])
            for aid, text, m in zip(got["ids"], got["documents"], got["metadatas"]):
                out[aid] = Article(id=aid, source=m["source"], text=text,
                                   title=_none_if_empty(m.get("title")), outlet=_none_if_empty(m.get("outlet")),
                                   published=_none_if_empty(m.get("published")),
                                   content_hash=m.get("content_hash", ""), dates=tuple(_dates(m)),
                                   author=_none_if_empty(m.get("author")), also_at=_also_at(m))
            self._article_cache.put_many((aid, out[aid]) for aid in got["ids"])
        return out

    def sentence_records(self, batch: int = _BATCH) -> Iterator[tuple[list[str], np.ndarray]]:
        """Every stored sentence's text and vector, ``batch`` at a time (the archive benchmark
        builds its synthetic articles from them)."""
        total = self.sentences.count()
        texts: dict[str, str] = {}  # sentence records written since they keep no text: the article's at their offsets
        for offset in range(0, total, batch):
            got = self.sentences.get(include=["documents", "embeddings", "metadatas"], limit=batch, offset=offset)
            docs, metas = list(got["documents"]), got["metadatas"]
            wanted = list(dict.fromkeys(m["article_id"] for d, m in zip(docs, metas) if d is None))
            need = [aid for aid in wanted if aid not in texts]
            if need:
                rows = self.article_rows.get(ids=need, include=["documents"])
                texts.update(zip(rows["ids"], rows["documents"]))
            docs = [d if d is not None else texts.get(m["article_id"], "")[int(m["start"]):int(m["end"])]
                    for d, m in zip(docs, metas)]
            texts = {aid: texts[aid] for aid in wanted if aid in texts}  # the next batch goes on from here
            yield docs, np.asarray(got["embeddings"], dtype=np.float32)

    def chunks_of(self, article_ids: list[str]) -> dict[str, list[Chunk]]:
        """The chunks of these articles' stored versions (a crash's leftovers of another version are
        left out), in chunk order: what re-indexing a few drifted articles reads."""
        out: dict[str, list[Chunk]] = {}
        for i in range(0, len(article_ids), 100):
            part = list(article_ids[i:i + 100])
            rows = self.article_rows.get(ids=part, include=["metadatas"])
            version = {aid: m.get("content_hash") for aid, m in zip(rows["ids"], rows["metadatas"])}
            got = self.chunks.get(where={"article_id": {"$in": part}}, include=["documents", "metadatas"])
            for cid, doc, m in zip(got["ids"], got["documents"], got["metadatas"]):
                aid = m["article_id"]
                if aid in version and m.get("version") in (None, version[aid]):
                    out.setdefault(aid, []).append(self._to_chunk(cid, doc, m))
        for chunks in out.values():
            chunks.sort(key=lambda c: c.index)
        return out

    def all_chunks(self) -> list[Chunk]:
        """Every stored chunk, in article then chunk order (for the keyword index)."""
        chunks: list[Chunk] = []
        total = self.chunks.count()
        for offset in range(0, total, _BATCH):
            got = self.chunks.get(include=["documents", "metadatas"], limit=_BATCH, offset=offset)
            chunks.extend(self._to_chunk(i, d, m) for i, d, m in zip(got["ids"], got["documents"], got["metadatas"]))
        chunks.sort(key=lambda c: (c.article_id, c.index))
        return chunks

    def query(self, vector: np.ndarray, k: int) -> list[ScoredChunk]:
        """The ``k`` chunks nearest to ``vector``; score is the cosine similarity."""
        # no count() first: Chroma returns what there is when k exceeds it (nothing for an empty
        # collection), and a count costs about as much as the query itself in a large store
        n = k
        if n <= 0:
            return []
        got = self.chunks.query(query_embeddings=[np.asarray(vector, dtype=np.float32)], n_results=n,
                                include=["documents", "metadatas", "distances"])
        return [ScoredChunk(self._to_chunk(i, d, m), 1.0 - float(dist))
                for i, d, m, dist in zip(got["ids"][0], got["documents"][0], got["metadatas"][0], got["distances"][0])]

    def nearest(self, vector: np.ndarray, k: int) -> list[tuple[str, float]]:
        """``query`` without the chunks: the ``k`` nearest chunk ids and their cosine similarity.
        Chroma then reads no documents nor metadata (half the query's time); the caller has the
        chunks elsewhere (the keyword index's chunk directory)."""
        if k <= 0:
            return []
        got = self.chunks.query(query_embeddings=[np.asarray(vector, dtype=np.float32)], n_results=k,
                                include=["distances"])
        return [(cid, 1.0 - float(dist)) for cid, dist in zip(got["ids"][0], got["distances"][0])]

    def query_sentences(self, vector: np.ndarray, k: int) -> list[tuple[str, float]]:
        """The chunks holding the ``k`` sentences nearest to ``vector``: ``(chunk id, best cosine)``, best first."""
        # no count() first: Chroma returns what there is when k exceeds it (nothing for an empty
        # collection), and a count costs about as much as the query itself in a large store
        n = k
        if n <= 0:
            return []
        # the chunk is read off the sentence's id (``sentence_id``), not its metadata: Chroma then
        # reads no metadata, half the query's time
        got = self.sentences.query(query_embeddings=[np.asarray(vector, dtype=np.float32)], n_results=n,
                                   include=["distances"])
        best: dict[str, float] = {}
        for sid, dist in zip(got["ids"][0], got["distances"][0]):
            best.setdefault(sid.rsplit("-s", 1)[0], 1.0 - float(dist))
        return list(best.items())

    def similarity(self, vector: np.ndarray, chunk_ids: list[str]) -> dict[str, float]:
        """Cosine similarity of ``vector`` to the stored vectors of the given chunks."""
        if not chunk_ids:
            return {}
        got = self._vectors(self.chunks, list(chunk_ids))
        q = np.asarray(vector, dtype=np.float32)
        return {cid: float(np.dot(q, np.asarray(e, dtype=np.float32))) for cid, e in zip(got["ids"], got["embeddings"])}

    def sentence_vectors(self, chunks: list[Chunk]) -> dict[tuple[str, int, int], np.ndarray]:
        """Stored sentence vectors of the given chunks' sentences, keyed by ``(article id, start, end)``."""
        # By id, not by a metadata filter: a sentence's id is its chunk's id and its place in the
        # chunk (``replace_articles``), and the chunks at hand say where each sentence is, so only
        # the vectors are read (a filter on chunk_id scans metadata; reading the records' metadata
        # too costs half as much again).
        keys = {sentence_id(c.id, j): (c.article_id, s.start, s.end) for c in chunks for j, s in enumerate(c.sentences)}
        if not keys:
            return {}
        got = self._vectors(self.sentences, list(keys))
        if len(got["ids"]) == len(keys):
            return {keys[sid]: np.asarray(e, dtype=np.float32) for sid, e in zip(got["ids"], got["embeddings"])}
        # out of step (the chunks at hand are not the stored version): ask by chunk
        chunk_ids = list(dict.fromkeys(c.id for c in chunks))
        where = {"chunk_id": {"$in": chunk_ids}} if len(chunk_ids) > 1 else {"chunk_id": chunk_ids[0]}
        got = self.sentences.get(where=where, include=["metadatas"])
        held = self._vectors(self.sentences, got["ids"])
        meta = dict(zip(got["ids"], got["metadatas"]))
        return {(m["article_id"], int(m["start"]), int(m["end"])): np.asarray(e, dtype=np.float32)
                for sid, e in zip(held["ids"], held["embeddings"]) if (m := meta[sid])}

    def _vectors(self, col, ids: list[str]) -> dict:
        """``col.get(ids, include=["embeddings"])``, less the ids this process's vector index does not hold.

        An embedded Chroma store is not process-safe: its records (SQLite) show another process's
        writes at once, its vector index only once the store is reopened (``reopen``; the reader
        does that when the writer marks the store written). Ids found through the records or the
        keyword index, which follow other processes at once, can be ones the vector index does not
        hold yet, and Chroma then fails the whole read. Those ids are then read one at a time and
        the ones not held are left out, as not stored yet: an answer during another process's
        ingest sees that ingest's articles only after the next refresh, never an error.
        """
        if not ids:
            return {"ids": [], "embeddings": []}
        try:
            return col.get(ids=ids, include=["embeddings"])
        except Exception as exc:  # chromadb raises InternalError; only the "not in the index" kind is meant
            if not _not_in_vector_index(exc):
                raise
        if len(ids) == 1:
            return {"ids": [], "embeddings": []}
        held = [self._vectors(col, [one]) for one in ids]
        return {"ids": [i for h in held for i in h["ids"]], "embeddings": [e for h in held for e in h["embeddings"]]}

    @staticmethod
    def _to_chunk(cid: str, doc: str, m: dict) -> Chunk:
        return Chunk(
            id=cid, article_id=m["article_id"], index=int(m["index"]), start=int(m["start"]), end=int(m["end"]),
            text=doc, sentences=tuple(Span(s, e) for s, e in json.loads(m.get("sentences") or "[]")),
            source=m.get("source", ""), title=_none_if_empty(m.get("title")),
            outlet=_none_if_empty(m.get("outlet")), published=_none_if_empty(m.get("published")),
        )
