"""The store's consistency check: what an interrupted ingest can leave behind, found and repaired.

An article is written in order: its chunks, its sentence vectors, then its article row (text and
content hash), then the previous version's leftovers are removed. A process killed part-way
can leave:

- chunks or sentence vectors of an article that has no row yet (killed before the row);
- chunks of another version beside the stored one (killed before the leftovers were removed, or
  while a changed article's new chunks were being written): every chunk carries the content
  hash of the version it was written for;
- sentence vectors whose chunk is gone;
- an article whose row names more chunks or sentences than are stored.

The check reads metadata only (no vectors, no text), in batches. Repair removes the leftovers;
an article that is not whole afterwards is removed entirely, so that the next ingest of its
file writes it again instead of finding it "unchanged".
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from vectorstore import keyword as keywords
from vectorstore.keyword import KeywordDrift, KeywordIndex
from vectorstore.models import Inventory
from vectorstore.store import Store

# the kinds of problem, in words
ORPHAN = "orphan"          # chunks/sentences of an article with no article row
STALE = "stale"            # chunks/sentences of another version beside the stored one
LOOSE = "loose"            # sentence vectors whose chunk is gone
INCOMPLETE = "incomplete"  # an article row whose chunks or sentences are not all stored
INDEX = "index"            # a collection's vector index cannot be queried


@dataclass
class Problem:
    """One thing wrong with one article (or with a collection, for ``INDEX``).

    ``chunk_ids``/``sentence_ids`` are the records repair removes; ``remove_article`` says the
    article itself must go (and be ingested again).
    """

    kind: str
    article_id: str
    detail: str
    chunk_ids: list[str] = field(default_factory=list)
    sentence_ids: list[str] = field(default_factory=list)
    remove_article: bool = False
    repaired: bool = False

    @property
    def repairable(self) -> bool:
        """Whether repair can fix it (a broken vector index cannot be fixed here)."""
        return self.kind != INDEX

    def to_dict(self) -> dict:
        return {"kind": self.kind, "article_id": self.article_id, "detail": self.detail,
                "chunks": len(self.chunk_ids), "sentences": len(self.sentence_ids),
                "article_removed": self.remove_article and self.repaired, "repaired": self.repaired}


@dataclass
class StoreHealth:
    """What the check found: counts, problems, what was repaired, and whether a writer was busy."""

    location: str
    articles: int = 0
    chunks: int = 0
    sentences: int = 0
    problems: list[Problem] = field(default_factory=list)
    busy: str | None = None  # "pid N" when another ingest held the writer lock during the check
    seconds: float = 0.0
    keyword: KeywordDrift | None = None  # how the keyword index differs from the store (when checked)

    @property
    def left(self) -> list[Problem]:
        """The problems not repaired."""
        return [p for p in self.problems if not p.repaired]

    @property
    def healthy(self) -> bool:
        """No problem is left (in the store, nor between it and the keyword index)."""
        return not self.left and (self.keyword is None or self.keyword.healthy)

    @property
    def removed(self) -> list[str]:
        """Articles removed by the repair: their files must be ingested again."""
        return [p.article_id for p in self.problems if p.remove_article and p.repaired]

    def to_dict(self) -> dict:
        return {"location": self.location, "healthy": self.healthy, "articles": self.articles,
                "chunks": self.chunks, "sentences": self.sentences,
                "problems": [p.to_dict() for p in self.problems],
                "repaired": sum(p.repaired for p in self.problems), "problems_left": len(self.left),
                "removed_articles": self.removed, "busy": self.busy, "seconds": round(self.seconds, 3),
                "keyword_index": self.keyword.to_dict() if self.keyword is not None else None}

    def summary(self) -> str:
        """A few lines for the terminal and the server log."""
        lines = [f"Store {self.location}: {self.articles} articles, {self.chunks} chunks, "
                 f"{self.sentences} sentence vectors (checked in {self.seconds:.2f}s)."]
        for p in self.problems:
            state = "repaired" if p.repaired else "not repaired"
            lines.append(f"  - {p.kind}: {p.detail} [{state}]")
        if self.removed:
            lines.append(f"Removed {len(self.removed)} half-written article(s); ingest their files again: "
                         + ", ".join(self.removed))
        if self.keyword is not None:
            lines.append(self.keyword.summary())
        if self.busy:
            lines.append(f"Another ingest ({self.busy}) is writing: what it is writing looks half-written "
                         "until it finishes; nothing was repaired.")
        if self.healthy:
            repaired = self.problems or (self.keyword is not None and self.keyword.drifted)
            lines.append("Healthy after repair." if repaired else "Healthy.")
        elif not self.left:
            lines.append("The keyword index is out of step: run 'python -m assistant check --repair'.")
        else:
            hint = "run 'python -m assistant check --repair'" if any(p.repairable for p in self.left) else \
                "ingest into a new data folder (ASSISTANT_DATA_DIR)"
            lines.append(f"{len(self.left)} problem(s) left: {hint}.")
        return "\n".join(lines)


def find_problems(inv: Inventory) -> list[Problem]:
    """Every inconsistency in ``inv``, one ``Problem`` per article and kind (pure: reads nothing)."""
    rows = inv.articles
    orphan_chunks: dict[str, list[str]] = defaultdict(list)
    stale_chunks: dict[str, list[str]] = defaultdict(list)
    current: dict[str, list[str]] = defaultdict(list)
    for cid, c in inv.chunks.items():
        row = rows.get(c.article_id)
        if row is None:
            orphan_chunks[c.article_id].append(cid)
        elif c.version is not None and c.version != row.content_hash:
            stale_chunks[c.article_id].append(cid)
        else:
            current[c.article_id].append(cid)
    current_ids = {cid for ids in current.values() for cid in ids}
    stale_ids = {cid for ids in stale_chunks.values() for cid in ids}

    orphan_sents: dict[str, list[str]] = defaultdict(list)
    stale_sents: dict[str, list[str]] = defaultdict(list)
    loose_sents: dict[str, list[str]] = defaultdict(list)
    per_chunk: Counter[str] = Counter()
    for sid, s in inv.sentences.items():
        if s.article_id not in rows:
            orphan_sents[s.article_id].append(sid)
        elif s.chunk_id in stale_ids:
            stale_sents[s.article_id].append(sid)
        elif s.chunk_id not in current_ids or inv.chunks[s.chunk_id].article_id != s.article_id:
            loose_sents[s.article_id].append(sid)
        else:
            per_chunk[s.chunk_id] += 1

    problems: list[Problem] = []
    for aid in sorted(set(orphan_chunks) | set(orphan_sents)):
        c, s = orphan_chunks.get(aid, []), orphan_sents.get(aid, [])
        problems.append(Problem(ORPHAN, aid, f"'{aid}': {len(c)} chunks and {len(s)} sentence vectors without "
                                             "an article row (a first write was interrupted)", c, s))
    for aid in sorted(set(stale_chunks) | set(stale_sents)):
        c, s = stale_chunks.get(aid, []), stale_sents.get(aid, [])
        problems.append(Problem(STALE, aid, f"'{aid}': {len(c)} chunks and {len(s)} sentence vectors of another "
                                            "version beside the stored one", c, s))
    for aid in sorted(loose_sents):
        s = loose_sents[aid]
        problems.append(Problem(LOOSE, aid, f"'{aid}': {len(s)} sentence vectors whose chunk is gone", [], s))
    for aid in sorted(rows):
        row, chunks = rows[aid], current.get(aid, [])
        sentences = sum(per_chunk[cid] for cid in chunks)
        expected = sum(inv.chunks[cid].sentences for cid in chunks)
        short = [cid for cid in chunks if per_chunk[cid] != inv.chunks[cid].sentences]
        if len(chunks) != row.chunks or short or (row.sentences is not None and sentences != row.sentences):
            want = row.sentences if row.sentences is not None else expected
            # the ids are for the report; repair removes the whole article
            problems.append(Problem(
                INCOMPLETE, aid, f"'{aid}' ({row.source}): {len(chunks)} of {row.chunks} chunks and {sentences} of "
                                 f"{want} sentence vectors stored", list(chunks), remove_article=True))
    return problems


def check(store: Store, repair: bool = False, probe: bool = True, keyword: KeywordIndex | None = None) -> StoreHealth:
    """Check ``store`` for half-written articles and, with ``repair``, fix what is found.

    The caller holds the writer lock when repairing (``vectorstore.lock``): a repair running
    beside another writer would remove what that writer has not finished yet.

    Args:
        store: the store to check (reads metadata only).
        repair: remove leftovers, and articles that are not whole (the next ingest writes them again).
        probe: also query each vector index once (a corrupt index cannot be repaired here).
        keyword: also compare the keyword index with the store (article ids, content hashes,
            chunk ids) and, with ``repair``, re-index what is missing or changed and drop orphans.

    Returns:
        A ``StoreHealth``; ``healthy`` is whether any problem is left.
    """
    started = time.perf_counter()
    inv = store.inventory()
    problems = find_problems(inv)
    if probe:
        problems += [Problem(INDEX, "", f"the vector index of {failure}") for failure in store.probe()]
    if repair:
        for p in problems:
            if not p.repairable:
                continue
            if p.remove_article:
                store.delete_article(p.article_id)
            else:
                store.delete_records(p.chunk_ids, p.sentence_ids)
            p.repaired = True
        if any(p.repaired for p in problems):  # a full read is linear in the store: only when needed
            inv = store.inventory()
    health = StoreHealth(store.location, articles=len(inv.articles), chunks=len(inv.chunks),
                         sentences=len(inv.sentences), problems=problems)
    if keyword is not None:
        expected = keywords.expected_from_inventory(inv)
        health.keyword = keywords.find_drift(expected, keyword.indexed(), keyword.location)
        if repair and health.keyword.drifted:
            # the chunks' text is read only when something is out of step
            by_article: dict[str, list] = defaultdict(list)
            for c in store.all_chunks():
                by_article[c.article_id].append(c)
            health.keyword = keywords.sync(keyword, expected, by_article)
    health.seconds = time.perf_counter() - started
    return health
