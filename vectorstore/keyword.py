"""Keyword search over chunks: the ``KeywordIndex`` protocol, and how an index is kept in step
with the store (the same articles, content hashes and chunk ids as Chroma).

``Fts5Index`` (``vectorstore/fts5.py``) implements it. The index is persistent and written per
article in the same step as the store (``vectorstore.ingestion``); what a crash, another
process's ingest (a Chroma server shared by several app processes) or a hand edit left out of
step is found by ``find_drift`` and repaired by ``sync`` at start, on refresh and by
``check --repair``.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from vectorstore.models import Chunk, Inventory

# What the index holds for one article: its content hash and its chunk ids.
Indexed = tuple[str, frozenset[str]]


@runtime_checkable
class KeywordIndex(Protocol):
    """What the answer path and ingest need from a keyword index."""

    location: str

    def search(self, query: str, k: int) -> list[tuple[str, float]]:
        """The ``k`` best ``(chunk id, score)`` for ``query``, best first (positive scores only)."""
        ...

    def prefetch(self, terms: Iterable[str]) -> None:
        """Look up the statistics of ``terms`` in one go (``idf``/``known`` then answer from memory)."""
        ...

    def idf(self, term: str) -> float:
        """Inverse document frequency of a term over chunks; unseen terms get the highest value."""
        ...

    def known(self, term: str) -> bool:
        """Whether the term occurs in any chunk."""
        ...

    def similar(self, term: str, max_distance: int) -> list[tuple[str, int]]:
        """Indexed terms within ``max_distance`` edits of ``term`` (same first letter), with the
        number of chunks each occurs in: the candidates for a misspelt word."""
        ...

    def follows(self, first: str, second: str) -> bool:
        """Whether the term ``second`` comes right after ``first`` in some chunk (stop words aside)."""
        ...

    def replace_article(self, article_id: str, content_hash: str, chunks: list[Chunk]) -> None:
        """Index an article version's chunks, replacing whatever was indexed for its id (one transaction)."""
        ...

    def delete_article(self, article_id: str) -> None:
        """Remove an article's chunks (no error if absent)."""
        ...

    def indexed(self) -> dict[str, Indexed]:
        """``{article id: (content hash, chunk ids)}`` for every indexed article."""
        ...

    def counted(self) -> dict[str, tuple[str, int, str]]:
        """``{article id: (content hash, number of chunks, source)}``: the quick comparison at start."""
        ...

    def chunks(self, chunk_ids: Iterable[str]) -> dict[str, Chunk]:
        """The indexed chunks among ``chunk_ids``, with their text and article metadata."""
        ...

    def at(self, places: Iterable[tuple[str, int]]) -> dict[tuple[str, int], Chunk]:
        """The indexed chunks at ``(article id, chunk index)`` places (a passage's neighbours)."""
        ...

    def places(self) -> Iterator:
        """Every indexed chunk without its text: ids, offsets and sentence spans (the date index)."""
        ...

    def forget(self) -> None:
        """Drop what is cached in memory (another process may have written since)."""
        ...

    def __len__(self) -> int:
        """Number of indexed chunks."""
        ...


@dataclass
class KeywordDrift:
    """How the keyword index differs from the store, by article id, and what ``sync`` did about it."""

    location: str
    articles: int = 0          # articles in the store
    missing: list[str] = field(default_factory=list)   # in the store, not indexed
    changed: list[str] = field(default_factory=list)   # indexed with another content hash or other chunks
    orphans: list[str] = field(default_factory=list)   # indexed, not in the store
    repaired: bool = False
    seconds: float = 0.0

    @property
    def drifted(self) -> bool:
        return bool(self.missing or self.changed or self.orphans)

    @property
    def healthy(self) -> bool:
        """Nothing differs, or what differed was repaired."""
        return not self.drifted or self.repaired

    def summary(self) -> str:
        """One line for the terminal and the server log."""
        if not self.drifted:
            return f"Keyword index {self.location}: in step with the store ({self.articles} articles)."
        parts = [f"{len(v)} {name}" for name, v in (("missing", self.missing), ("changed", self.changed),
                                                   ("orphaned", self.orphans)) if v]
        state = "repaired" if self.repaired else "not repaired: run 'python -m assistant check --repair'"
        sample = ", ".join((self.missing + self.changed + self.orphans)[:5])
        return f"Keyword index {self.location}: {', '.join(parts)} article(s) out of step with the store " \
               f"(e.g. {sample}) [{state}]."

    def to_dict(self) -> dict:
        return {"location": self.location, "articles": self.articles, "missing": self.missing,
                "changed": self.changed, "orphans": self.orphans, "repaired": self.repaired,
                "healthy": self.healthy, "seconds": round(self.seconds, 3)}


def expected_from_inventory(inv: Inventory) -> dict[str, Indexed]:
    """What the index should hold: ``{article id: (content hash, chunk ids)}`` from a store
    inventory (only the current version's chunks of the articles with a row)."""
    ids: dict[str, set[str]] = defaultdict(set)
    for cid, c in inv.chunks.items():
        row = inv.articles.get(c.article_id)
        if row is not None and (c.version is None or c.version == row.content_hash):
            ids[c.article_id].add(cid)
    return {aid: (row.content_hash, frozenset(ids.get(aid, ()))) for aid, row in inv.articles.items()}


def find_drift(expected: dict[str, Indexed], indexed: dict[str, Indexed], location: str = "") -> KeywordDrift:
    """Compare what the store holds with what the index holds (pure: reads nothing)."""
    drift = KeywordDrift(location, articles=len(expected))
    for aid, want in expected.items():
        have = indexed.get(aid)
        if have is None:
            drift.missing.append(aid)
        elif have != want:
            drift.changed.append(aid)
    drift.orphans = [aid for aid in indexed if aid not in expected]
    drift.missing.sort()
    drift.changed.sort()
    drift.orphans.sort()
    return drift


def expected_counts(index: dict[str, dict]) -> dict[str, tuple[str, int, str]]:
    """What the index should hold by ``counted``: ``{article id: (content hash, chunks, source)}``
    from the store's ``article_index()`` (its article rows: no chunk is read)."""
    return {aid: (m.get("content_hash") or "", int(m.get("chunks") or 0), m.get("source") or "")
            for aid, m in index.items()}


# Re-indexing reads the drifted articles' chunks from the store this many articles at a time.
_REPAIR_BATCH = 100


def sync(index: KeywordIndex, expected: dict[str, Indexed] | dict[str, tuple[str, int, str]],
         chunks: dict[str, list[Chunk]] | Callable[[list[str]], dict[str, list[Chunk]]],
         repair: bool = True, by_count: bool = False) -> KeywordDrift:
    """Find how ``index`` differs from the store and, with ``repair``, re-index what is missing or
    changed and delete orphans.

    Args:
        index: the keyword index.
        expected: the store's side: chunk ids (``expected_from_inventory``)
            or, with ``by_count``, chunk counts and sources (``expected_counts``, the quick check at start).
        chunks: the store's current chunks by article id, or a function that reads them for a list
            of article ids (only the drifted articles are read, in batches).
        repair: change the index (else only report).
    """
    started = time.perf_counter()
    drift = find_drift(expected, index.counted() if by_count else index.indexed(), index.location)
    if repair and drift.drifted:
        for aid in drift.orphans:
            index.delete_article(aid)
        todo = drift.missing + drift.changed
        for i in range(0, len(todo), _REPAIR_BATCH):
            part = todo[i:i + _REPAIR_BATCH]
            read = chunks(part) if callable(chunks) else chunks
            for aid in part:
                content_hash, ids = expected[aid][:2]
                kept = [c for c in read.get(aid, []) if by_count or c.id in ids]
                index.replace_article(aid, content_hash, kept)
        drift.repaired = True
    drift.seconds = time.perf_counter() - started
    return drift
