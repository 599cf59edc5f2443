"""``Fts5Index``: the keyword index in SQLite FTS5, ranked by its ``bm25()``, kept on disk.

The database (``keyword.sqlite3``) sits in the store's data folder and is written per article
(``replace_article``/``delete_article``, one transaction each), so a restart opens it as it is:
nothing is rebuilt. Text goes in already tokenized by ``vectorstore.terms`` (Snowball stems, no
stop words), the tokenizer the answer's lexical scoring uses too, so a word that matches here
also counts as covered in an answer.

Per question the index is asked twice: once for the statistics of the question's terms (one
batched lookup in the ``fts5vocab`` table, kept in a bounded LRU cache) and once for the search.
Neither reads more than the question's terms' posting lists.

The same database is the chunk directory: each chunk's row keeps its text, its place in its
article (index, offsets, sentence spans) and its article's metadata, so that the answer path
turns chunk ids into chunks (``chunks``), finds a passage's neighbours (``neighbours``) and the
date index reads every chunk's sentence spans (``places``) by indexed look-ups, never by loading
the whole store at start. It is derived from the store and rebuilt from it when lost.
"""

from __future__ import annotations

import json
import math
import re
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from pathlib import Path

from vectorstore.keyword import Indexed
from vectorstore.models import Chunk, Span
from vectorstore.terms import terms

FILE_NAME = "keyword.sqlite3"
# Bump when what is indexed per chunk changes: an index of another version is emptied and rebuilt by ``sync``.
FORMAT = "terms-snowball-4-months"
CACHE_TERMS = 50_000  # term statistics kept in memory (a few MB at most)
_LOOKUP_BATCH = 500  # SQLite's limit on bound variables is far above this
_CHUNK_COLUMNS = 'chunk_id, article_id, idx, start, "end", sentences, text, source, title, outlet, published'

_TERM = re.compile(r"\w+")  # what ``terms`` makes: safe inside an FTS5 phrase
_SCHEMA = """
CREATE TABLE IF NOT EXISTS articles(article_id TEXT PRIMARY KEY, content_hash TEXT NOT NULL, source TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS chunks(rowid INTEGER PRIMARY KEY, chunk_id TEXT NOT NULL UNIQUE,
                                  article_id TEXT NOT NULL, idx INTEGER NOT NULL, start INTEGER NOT NULL,
                                  "end" INTEGER NOT NULL, sentences TEXT NOT NULL, text TEXT NOT NULL,
                                  source TEXT NOT NULL, title TEXT, outlet TEXT, published TEXT);
CREATE INDEX IF NOT EXISTS chunks_by_place ON chunks(article_id, idx);
CREATE VIRTUAL TABLE IF NOT EXISTS chunk_terms USING fts5(body, title, tokenize='unicode61 remove_diacritics 0');
CREATE VIRTUAL TABLE IF NOT EXISTS chunk_vocab USING fts5vocab(chunk_terms, 'col');
"""


def file_name(collection: str) -> str:
    """The database's file name for a store's collection prefix: ``keyword.sqlite3`` for the
    default one, ``keyword-<collection>.sqlite3`` for others sharing the folder."""
    return FILE_NAME if collection == "news" else f"keyword-{collection}.sqlite3"


class Place:
    """Where a chunk stands (``Chunk`` without its text and metadata); ``sentences`` parsed on first use."""

    __slots__ = ("id", "article_id", "index", "start", "end", "_spans", "_sentences")

    def __init__(self, chunk_id: str, article_id: str, index: int, start: int, end: int, spans: str) -> None:
        self.id, self.article_id, self.index, self.start, self.end = chunk_id, article_id, index, start, end
        self._spans = spans
        self._sentences: tuple[Span, ...] | None = None

    @property
    def sentences(self) -> tuple[Span, ...]:
        if self._sentences is None:
            self._sentences = tuple(Span(a, b) for a, b in json.loads(self._spans))
        return self._sentences


class KeywordIndexError(Exception):
    """The keyword index's database cannot be opened or written; the message says where."""


class Fts5Index:
    """Chunks in an SQLite FTS5 table, searched by BM25.

    Args:
        folder: where the database lives (created if missing); ``":memory:"`` for a throw-away index.
        name: the database's file name (``file_name(collection)``).
        title_weight: weight of the headline column against the chunk text's 1.0 in ``bm25()``
            (0: the headline does not count).

    Raises:
        KeywordIndexError: the database cannot be opened or created.
    """

    def __init__(self, folder: str | Path, title_weight: float = 0.0, name: str = FILE_NAME,
                 max_postings: int = 0) -> None:
        if str(folder) == ":memory:":
            self.path = "file:keyword-%d?mode=memory&cache=shared" % id(self)
            self._uri = True
        else:
            Path(folder).mkdir(parents=True, exist_ok=True)
            self.path = str(Path(folder) / name)
            self._uri = False
        self.location = self.path if not self._uri else ":memory:"
        self.title_weight = float(title_weight)
        self.max_postings = int(max_postings)
        self._local = threading.local()
        self._write_lock = threading.Lock()
        self._cache: OrderedDict[str, int] = OrderedDict()
        self._letters: dict[str, tuple[str, ...]] = {}  # the vocabulary by first letter, for ``similar``
        self._cache_lock = threading.Lock()
        self._chunks: int | None = None
        try:
            self._writer = self._open()  # also keeps a shared in-memory database alive
            self._writer.execute("CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            with self._writing() as conn:
                fmt = conn.execute("SELECT value FROM meta WHERE key = 'format'").fetchone()
                if fmt is None or fmt[0] != FORMAT:
                    # written by another version (or new): start empty, ``sync`` fills it from the store
                    for table in ("chunk_vocab", "chunk_terms", "chunks", "articles"):
                        conn.execute(f"DROP TABLE IF EXISTS {table}")
                    conn.execute("INSERT OR REPLACE INTO meta VALUES ('format', ?)", (FORMAT,))
            self._writer.executescript(_SCHEMA)
        except sqlite3.Error as exc:
            raise KeywordIndexError(f"cannot open the keyword index '{self.location}': {exc}; "
                                    "delete the file to have it rebuilt from the store") from exc
        self._search_sql = (
            "SELECT c.chunk_id, -r.score FROM (SELECT rowid, bm25(chunk_terms, 1.0, ?) AS score FROM chunk_terms "
            "WHERE chunk_terms MATCH ? ORDER BY score LIMIT ?) AS r JOIN chunks AS c ON c.rowid = r.rowid "
            "ORDER BY r.score")

    def _open(self) -> sqlite3.Connection:
        # autocommit: writes open their own transaction (``_Transaction``)
        conn = sqlite3.connect(self.path, uri=self._uri, timeout=30.0, check_same_thread=False, isolation_level=None)
        if not self._uri:
            conn.execute("PRAGMA journal_mode=WAL")  # readers in other processes see a whole article or none
            conn.execute("PRAGMA synchronous=NORMAL")
        return conn

    def _reader(self) -> sqlite3.Connection:
        """This thread's connection (a sqlite3 connection is not shared between threads that read at once)."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = self._open()
        return conn

    # -- reading -------------------------------------------------------------------------------
    def __len__(self) -> int:
        if self._chunks is None:
            self._chunks = self._reader().execute("SELECT count(*) FROM chunks").fetchone()[0]
        return self._chunks

    def search(self, query: str, k: int) -> list[tuple[str, float]]:
        """The ``k`` best ``(chunk id, BM25 score)`` for ``query``, best first (positive scores only)."""
        wanted = list(dict.fromkeys(terms(query)))
        if not wanted or k <= 0:
            return []
        wanted = self._within_budget(wanted)
        columns = "body" if self.title_weight == 0 else "{body title}"
        match = f"{columns} : (" + " OR ".join(f'"{t}"' for t in wanted) + ")"
        rows = self._reader().execute(self._search_sql, (self.title_weight, match, k)).fetchall()
        return [(cid, float(score)) for cid, score in rows if score > 0]

    def _within_budget(self, wanted: list[str]) -> list[str]:
        """The question's terms, rarest first, as long as their chunks together stay within
        ``max_postings`` (the rarest always): the search's cost then stops growing with the
        archive, and the terms left out are the commonest, whose BM25 weight is the least."""
        if not self.max_postings or len(wanted) < 2:
            return wanted
        self.prefetch(wanted)
        kept: set[str] = set()
        total = 0
        for t in sorted(wanted, key=self.document_frequency):
            total += self.document_frequency(t)
            if kept and total > self.max_postings:
                break
            kept.add(t)
        return [t for t in wanted if t in kept]

    def prefetch(self, words: Iterable[str]) -> None:
        """Fetch the document frequencies of ``words`` (terms) not cached yet, in one query (and the
        number of chunks, if a refresh dropped it)."""
        len(self)
        with self._cache_lock:
            missing = [t for t in dict.fromkeys(words) if t not in self._cache]
        if not missing:
            return
        found: dict[str, int] = dict.fromkeys(missing, 0)
        conn = self._reader()
        for i in range(0, len(missing), _LOOKUP_BATCH):
            part = missing[i:i + _LOOKUP_BATCH]
            sql = f"SELECT term, doc FROM chunk_vocab WHERE col = 'body' AND term IN ({','.join('?' * len(part))})"
            found.update(conn.execute(sql, part).fetchall())
        with self._cache_lock:
            for t, n in found.items():
                self._cache[t] = n
                self._cache.move_to_end(t)
            while len(self._cache) > CACHE_TERMS:
                self._cache.popitem(last=False)

    def document_frequency(self, term: str) -> int:
        """In how many chunks ``term`` occurs."""
        with self._cache_lock:
            n = self._cache.get(term)
            if n is not None:
                self._cache.move_to_end(term)
                return n
        self.prefetch([term])
        with self._cache_lock:
            return self._cache.get(term, 0)

    def idf(self, term: str) -> float:
        """Inverse document frequency of a term over chunks; unseen terms get the highest value."""
        n = self.document_frequency(term)
        total = max(len(self), 1)
        return math.log(1 + (total - n + 0.5) / (n + 0.5))

    def known(self, term: str) -> bool:
        """Whether the term occurs in any chunk."""
        return self.document_frequency(term) > 0

    def similar(self, term: str, max_distance: int) -> list[tuple[str, int]]:
        """Indexed terms within ``max_distance`` edits (insertions, deletions, substitutions and swaps
        of neighbours) of ``term`` that start with its letter, with their chunk counts, closest first
        (then the most used).

        The terms of a first letter are read from the vocabulary once and kept until the next write
        or ``forget`` (SQLite's fts5vocab reads the posting lists of the whole letter range, so this
        is not paid per question); rapidfuzz computes the distances; the few terms within reach
        get their chunk counts in one batched lookup."""
        from rapidfuzz import process
        from rapidfuzz.distance import OSA

        if not term:
            return []
        first = term[0]
        with self._cache_lock:
            vocabulary = self._letters.get(first)
        if vocabulary is None:
            vocabulary = tuple(t for (t,) in self._reader().execute(
                "SELECT term FROM chunk_vocab WHERE col = 'body' AND term >= ? AND term < ?",
                (first, chr(ord(first) + 1))))
            with self._cache_lock:
                self._letters[first] = vocabulary
        near = [(t, d) for t, d, _ in process.extract(term, vocabulary, scorer=OSA.distance,
                                                      score_cutoff=max_distance, limit=None) if t != term]
        self.prefetch(t for t, _ in near)
        ranked = sorted((d, -self.document_frequency(t), t) for t, d in near)
        return [(t, -n) for _, n, t in ranked]

    def follows(self, first: str, second: str) -> bool:
        """Whether the term ``second`` comes right after ``first`` in some chunk's body (its terms in
        order, stop words left out): an FTS5 phrase query ("brandon johnson")."""
        if not (_TERM.fullmatch(first) and _TERM.fullmatch(second)):
            return False
        row = self._reader().execute("SELECT 1 FROM chunk_terms WHERE chunk_terms MATCH ? LIMIT 1",
                                     (f'body : "{first} {second}"',)).fetchone()
        return row is not None

    def indexed(self) -> dict[str, Indexed]:
        """``{article id: (content hash, chunk ids)}`` for every indexed article."""
        conn = self._reader()
        ids: dict[str, set[str]] = {}
        for cid, aid in conn.execute("SELECT chunk_id, article_id FROM chunks"):
            ids.setdefault(aid, set()).add(cid)
        # chunk rows without their terms row (or the reverse) do not count as indexed
        have_terms = {r[0] for r in conn.execute(
            "SELECT c.chunk_id FROM chunks AS c JOIN chunk_terms AS t ON t.rowid = c.rowid")}
        out: dict[str, Indexed] = {}
        for aid, h in conn.execute("SELECT article_id, content_hash FROM articles"):
            out[aid] = (h, frozenset(cid for cid in ids.pop(aid, ()) if cid in have_terms))
        for aid, cids in ids.items():  # chunks whose article row is gone
            out[aid] = ("", frozenset(cids))
        return out

    def counted(self) -> dict[str, tuple[str, int, str]]:
        """``{article id: (content hash, number of chunks, source)}`` for every indexed article: the
        quick comparison with the store at start (``indexed`` compares chunk ids, reading every row).
        The source is compared because the chunk rows carry it into citations, and an article's
        source can change without its text (a copy promoted when its source is pruned)."""
        conn = self._reader()
        counts = dict(conn.execute(
            "SELECT c.article_id, count(*) FROM chunks AS c JOIN chunk_terms AS t ON t.rowid = c.rowid "
            "GROUP BY c.article_id"))
        out = {aid: (h, counts.pop(aid, 0), source)
               for aid, h, source in conn.execute("SELECT article_id, content_hash, source FROM articles")}
        out.update((aid, ("", n, "")) for aid, n in counts.items())  # chunks whose article row is gone
        return out

    # -- the chunk directory -------------------------------------------------------------------
    @staticmethod
    def _chunk(row) -> Chunk:
        cid, aid, idx, start, end, spans, text, source, title, outlet, published = row
        return Chunk(cid, aid, idx, start, end, text, tuple(Span(a, b) for a, b in json.loads(spans)),
                     source, title, outlet, published)

    def chunks(self, chunk_ids: Iterable[str]) -> dict[str, Chunk]:
        """``{chunk id: chunk}`` for those of ``chunk_ids`` that are indexed (batched look-ups)."""
        wanted = list(dict.fromkeys(chunk_ids))
        out: dict[str, Chunk] = {}
        conn = self._reader()
        for i in range(0, len(wanted), _LOOKUP_BATCH):
            part = wanted[i:i + _LOOKUP_BATCH]
            sql = f"SELECT {_CHUNK_COLUMNS} FROM chunks WHERE chunk_id IN ({','.join('?' * len(part))})"
            out.update((row[0], self._chunk(row)) for row in conn.execute(sql, part))
        return out

    def at(self, places: Iterable[tuple[str, int]]) -> dict[tuple[str, int], Chunk]:
        """``{(article id, chunk index): chunk}`` for those of ``places`` that are indexed."""
        out: dict[tuple[str, int], Chunk] = {}
        conn = self._reader()
        # one indexed look-up per place (a row-value ``IN`` list would scan the table)
        sql = f'SELECT {_CHUNK_COLUMNS} FROM chunks WHERE article_id = ? AND idx = ?'
        for place in dict.fromkeys(places):
            row = conn.execute(sql, place).fetchone()
            if row is not None:
                out[place] = self._chunk(row)
        return out

    def places(self) -> Iterator[Place]:
        """Every indexed chunk's place without its text: id, article, index, offsets and sentence
        spans (read when asked for: the date index reads them only for chunks holding a date)."""
        for row in self._reader().execute('SELECT chunk_id, article_id, idx, start, "end", sentences FROM chunks'):
            yield Place(*row)

    # -- writing -------------------------------------------------------------------------------
    def replace_article(self, article_id: str, content_hash: str, chunks: list[Chunk]) -> None:
        """Index an article version's chunks, replacing whatever was indexed for its id (one transaction)."""
        rows = [((c.id, article_id, c.index, c.start, c.end, json.dumps([[p.start, p.end] for p in c.sentences]),
                  c.text, c.source, c.title, c.outlet, c.published),
                 " ".join(terms(c.text)), " ".join(terms(c.title or ""))) for c in chunks]
        with self._writing() as conn:
            self._delete(conn, article_id)
            conn.added += len(rows)
            for row, body, title in rows:
                # a chunk id is unique to its article (it starts with the article id)
                cur = conn.execute(f"INSERT INTO chunks({_CHUNK_COLUMNS}) VALUES ({','.join('?' * len(row))})", row)
                conn.execute("INSERT INTO chunk_terms(rowid, body, title) VALUES (?, ?, ?)", (cur.lastrowid, body, title))
            conn.execute("INSERT OR REPLACE INTO articles VALUES (?, ?, ?)",
                         (article_id, content_hash, chunks[0].source if chunks else ""))

    def delete_article(self, article_id: str) -> None:
        """Remove an article's chunks (no error if absent)."""
        with self._writing() as conn:
            self._delete(conn, article_id)

    @staticmethod
    def _delete(conn: _Counting, article_id: str) -> None:
        conn.execute("DELETE FROM chunk_terms WHERE rowid IN (SELECT rowid FROM chunks WHERE article_id = ?)",
                     (article_id,))
        conn.added -= conn.execute("DELETE FROM chunks WHERE article_id = ?", (article_id,)).rowcount
        conn.execute("DELETE FROM articles WHERE article_id = ?", (article_id,))

    def _writing(self):
        return _Transaction(self)

    def forget(self) -> None:
        """Drop the cached statistics (another process may have written)."""
        with self._cache_lock:
            self._cache.clear()
            self._letters.clear()
        self._chunks = None

    def close(self) -> None:
        """Close this thread's connection and the writer's."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None
        self._writer.close()


class _Counting:
    """The writer connection, counting the chunk rows a transaction adds (negative: removes)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.added = 0

    def execute(self, sql: str, params=()) -> sqlite3.Cursor:
        return self.conn.execute(sql, params)


class _Transaction:
    """The writer connection in one ``BEGIN IMMEDIATE`` transaction. After it, the cached term
    statistics are dropped (a term may have become known) and the chunk count follows the change."""

    def __init__(self, index: Fts5Index) -> None:
        self.index = index
        self.conn = _Counting(index._writer)

    def __enter__(self) -> _Counting:
        self.index._write_lock.acquire()
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            self.index._write_lock.release()
            raise KeywordIndexError(f"cannot write the keyword index '{self.index.location}': {exc}") from exc
        return self.conn

    def __exit__(self, kind, exc, tb) -> None:
        index = self.index
        try:
            self.conn.execute("COMMIT" if kind is None else "ROLLBACK")
        finally:
            with index._cache_lock:
                index._cache.clear()
                index._letters.clear()
            if kind is None and index._chunks is not None:
                index._chunks += self.conn.added  # no recount of every row after each article
            elif kind is not None:
                index._chunks = None
            index._write_lock.release()
