"""Hybrid retrieval: dense (Chroma) + sentence-level dense + keyword (BM25), fused by reciprocal
rank fusion, with near-duplicate passages collapsed. Two rankings join the fusion when the query
calls for them: the passages about a day the question names ("What happened on Oct. 4?"), and
for a "when" question, the dense ranking restricted to passages that hold a resolved date. A
question with no time of its own and no day it is asked, whose matches span more than two months,
gets a third: the matches published within 60 days of the newest of them. A question asked on a
known day (``as_of``) is answered only from what was published before it: from the week before
the time it names ("this week"), or, naming no time, from the 60 days before it (the news of that
day; ``question.recency``).

Chunks are small so that ranking is precise (an answer often sits in one sentence of a long
article); each retrieved passage is then widened to the chunks before and after it in its
article, so the composer reads the matched chunk in its context ("small to big").

Each stage is a LangChain ``BaseRetriever`` (``invoke(text)`` returns ``Document``s) so other
LangChain code can reuse it; the answer chain calls ``HybridRetriever.retrieve`` with the
``Query`` understood once, and gets the passages and their articles (fetched in one batch).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from assistant.models import Article, Chunk, Location, Passage, Retrieved, ScoredChunk
from assistant.question import CURRENT_DAYS, Query, question_dates
from assistant.timeline import DateIndex
from vectorstore.copies import near_duplicate
from vectorstore.dates import days_before
from vectorstore.embedder import Embedder
from vectorstore.keyword import KeywordIndex
from vectorstore.store import Store


def _to_documents(scored: list[ScoredChunk]) -> list[Document]:
    return [Document(page_content=s.chunk.text, id=s.chunk.id,
                     metadata={"article_id": s.chunk.article_id, "source": s.chunk.source,
                               "start": s.chunk.start, "end": s.chunk.end, "score": s.score, "chunk": s.chunk})
            for s in scored]


class ChunkMap:
    """Chunks by id and by their place in their article (for keyword and sentence hits, and the
    windows around passages), looked up in the keyword index's chunk directory per question:
    nothing is loaded at start, and a question reads only the chunks it names.

    Args:
        directory: the keyword index (``chunks(ids)`` and ``at(places)``).
    """

    def __init__(self, directory: KeywordIndex) -> None:
        self.directory = directory

    def get(self, chunk_ids: list[str]) -> dict[str, Chunk]:
        """``{chunk id: chunk}`` for those of ``chunk_ids`` the directory holds (one look-up)."""
        return self.directory.chunks(chunk_ids) if chunk_ids else {}

    def neighbours(self, chunks: list[Chunk]) -> dict[str, tuple[Chunk | None, Chunk | None]]:
        """``{chunk id: (the chunk before it, the chunk after it)}`` in its article (one look-up)."""
        if not chunks:
            return {}
        at = self.directory.at([(c.article_id, c.index + d) for c in chunks for d in (-1, 1)])
        return {c.id: (at.get((c.article_id, c.index - 1)), at.get((c.article_id, c.index + 1))) for c in chunks}


class DenseRetriever(BaseRetriever):
    """Nearest chunks by embedding cosine similarity, from the store (with ``chunks``, the store
    gives only their ids and the chunks are read from the chunk directory)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    store: Store
    embedder: Embedder
    chunks: ChunkMap | None = None
    k: int = 20

    def search(self, vector: np.ndarray) -> list[ScoredChunk]:
        if self.chunks is None:
            return self.store.query(vector, self.k)
        hits = self.store.nearest(vector, self.k)
        by_id = self.chunks.get([cid for cid, _ in hits])
        return [ScoredChunk(by_id[cid], score) for cid, score in hits if cid in by_id]

    def complete(self, vector: np.ndarray, ranking: list[ScoredChunk], others: list[ScoredChunk]) -> list[ScoredChunk]:
        """``ranking`` extended with the chunks of ``others`` it lacks, scored and ranked the same way.

        Without this, a chunk that one retriever ranks first but the other's top ``k`` missed
        gets only half the fused score of mediocre chunks both lists contain.
        """
        have = {s.chunk.id for s in ranking}
        missing = {s.chunk.id: s.chunk for s in others if s.chunk.id not in have}
        scores = self.store.similarity(vector, list(missing))
        extra = [ScoredChunk(missing[cid], score) for cid, score in scores.items()]
        return sorted(ranking + extra, key=lambda s: -s.score)

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        return _to_documents(self.search(self.embedder.embed_query(query)))


class KeywordRetriever(BaseRetriever):
    """Best chunks by BM25 over the shared term tokenizer (the persistent keyword index).

    ``chunks`` turns the index's chunk ids into chunks (from the index's own chunk directory).
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)
    index: KeywordIndex
    chunks: ChunkMap
    k: int = 20

    def search(self, text: str) -> list[ScoredChunk]:
        hits = self.index.search(text, self.k)
        by_id = self.chunks.get([cid for cid, _ in hits])
        return [ScoredChunk(by_id[cid], score) for cid, score in hits if cid in by_id]

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        return _to_documents(self.search(query))


class DateRetriever(BaseRetriever):
    """Chunks that say something happened on the day(s) a question names, by resolved dates:
    "on Saturday" in a story of Wed 8 Oct 2025 matches "Oct. 4". Empty for other questions."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    dates: DateIndex
    k: int = 20

    def search(self, days: list[tuple[dt.date, dt.date]]) -> list[ScoredChunk]:
        if not days:
            return []
        return [ScoredChunk(c, score) for c, score in self.dates.chunks_on(days, self.k)]

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        days = [(e.first, e.last) for e in question_dates(query, self.dates.newest)]
        return _to_documents(self.search(days))


def reciprocal_rank_fusion(rankings: dict[str, list[ScoredChunk]], k: int = 60) -> list[ScoredChunk]:
    """Fuse ranked lists: each chunk scores ``sum(1 / (k + rank))`` over the lists it is in.

    Returns chunks best first; ``ranks`` records each list's 1-based rank for the chunk.
    """
    fused: dict[str, ScoredChunk] = {}
    for name, ranking in rankings.items():
        for rank, item in enumerate(ranking, start=1):
            entry = fused.setdefault(item.chunk.id, ScoredChunk(item.chunk, 0.0))
            entry.score += 1.0 / (k + rank)
            entry.ranks[name] = rank
    return sorted(fused.values(), key=lambda s: (-s.score, s.chunk.article_id, s.chunk.index))


def current_first(rankings: dict[str, list[ScoredChunk]], days: int = CURRENT_DAYS) -> list[ScoredChunk]:
    """The chunks of ``rankings`` published within ``days`` of the newest of them, by their best
    rank in any ranking; empty when none is older than that (nothing to tell apart). A question
    with no time of its own ("Which virus is making WHO reconsider...?") asks about the news as of
    its day: among the passages that match it, a report from years before is the unlikelier answer."""
    best: dict[str, tuple[int, ScoredChunk]] = {}
    for ranking in rankings.values():
        for rank, item in enumerate(ranking):
            if item.chunk.id not in best or rank < best[item.chunk.id][0]:
                best[item.chunk.id] = (rank, item)
    dated = [d[:10] for _, s in best.values() if (d := s.chunk.published)]
    if not dated:
        return []
    since = days_before(dt.date.fromisoformat(max(dated)), days).isoformat()
    if min(dated) >= since:
        return []
    current = [(r, s) for r, s in best.values() if s.chunk.published and s.chunk.published[:10] >= since]
    return [s for _, s in sorted(current, key=lambda rs: rs[0])]


def collapse_duplicates(ranked: list[ScoredChunk], limit: int | None = None) -> list[Passage]:
    """Merge near-duplicate chunks into the best-ranked one, which remembers where else it appears.

    Stops once ``limit`` distinct passages are kept (a duplicate further down is not looked for).
    """
    passages: list[Passage] = []
    for item in ranked:
        if limit is not None and len(passages) >= limit:
            break
        for p in passages:
            if p.chunk.article_id != item.chunk.article_id and near_duplicate(p.chunk.text, item.chunk.text):
                p.also_in.append(Location.of(item.chunk))
                break
        else:
            passages.append(Passage(item.chunk, item.score))
    return passages


def widen(passage: Passage, around: tuple[Chunk | None, Chunk | None], article: Article | None) -> Passage:
    """``passage`` spanning its chunk and the chunks ``around`` it (before, after), with exact offsets.

    A neighbour that does not belong to the stored article version (the directory is ahead of or
    behind the store) is left out: the window's text is always the article's text at its offsets.
    """
    core = passage.chunk
    if article is None:
        return passage
    before, after = (c if c is not None and c.end <= len(article.text) else None for c in around)
    if before is not None and before.end > core.start:
        before = None
    if after is not None and after.start < core.end:
        after = None
    parts = [c for c in (before, core, after) if c is not None]
    start, end = parts[0].start, parts[-1].end
    window = Chunk(id=core.id, article_id=core.article_id, index=core.index, start=start, end=end,
                   text=article.text[start:end], sentences=tuple(s for c in parts for s in c.sentences),
                   source=core.source, title=core.title, outlet=core.outlet, published=core.published)
    return Passage(window, passage.score, passage.also_in, tuple(parts), (core.start, core.end))


@dataclass(frozen=True)
class Window:
    """The publication days a question can be answered from: ``since`` (None: no limit) to ``until``.
    A passage of unknown date is always kept."""

    since: dt.date | None
    until: dt.date

    @classmethod
    def of(cls, query: Query) -> Window:
        """The window of ``query``: up to its ``as_of`` day, from its ``recency`` if any."""
        return cls(query.recency.since if query.recency is not None else None, query.as_of)

    def newest_before(self, *rankings: list[ScoredChunk]) -> str | None:
        """The newest publication day (YYYY-MM-DD) in ``rankings`` that is before ``since``, if any."""
        if self.since is None:
            return None
        since = self.since.isoformat()
        return max((s.chunk.published[:10] for r in rankings for s in r
                    if s.chunk.published and s.chunk.published[:10] < since), default=None)

    def keep(self, ranking: list[ScoredChunk]) -> list[ScoredChunk]:
        """``ranking`` without the passages published outside the window, in the same order."""
        since, until = (self.since.isoformat() if self.since else ""), self.until.isoformat()
        return [s for s in ranking if not s.chunk.published or since <= s.chunk.published[:10] <= until]


class HybridRetriever(BaseRetriever):
    """Dense + keyword (+ date) retrieval fused by RRF, near-duplicates collapsed.

    ``understand`` turns a plain text into a ``Query`` for LangChain callers of ``invoke``;
    ``chunks`` maps the keyword and sentence hits to their chunks and gives each passage its
    neighbours.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)
    dense: DenseRetriever
    keyword: KeywordRetriever
    dates: DateRetriever
    understand: Callable[[str], Query]
    chunks: ChunkMap
    sentences_k: int = 60
    rrf_k: int = 60
    top_k: int = 5

    def passages(self, query: Query, limit: int | None = None) -> list[Passage]:
        """The best passages for ``query``, best first (``limit`` defaults to ``top_k``).

        The names carried over from earlier turns steer retrieval (``query.searched``).
        """
        return self._search(query, limit)[0]

    def _search(self, query: Query, limit: int | None) -> tuple[list[Passage], str | None]:
        """``passages``, and the newest publication day among those left out as too old for the
        question's time ("this week" asked months later), if any."""
        keyword = self.keyword.search(query.searched)
        on_day = self.dates.search(query.days)
        dense = self.dense.complete(query.searched_vector, self.dense.search(query.searched_vector), keyword + on_day)
        # the chunks of the sentences nearest the question: a long chunk's one answering sentence
        # is diluted in the chunk's own vector
        sentence_hits = self.dense.store.query_sentences(query.searched_vector, self.sentences_k)
        by_id = self.chunks.get([cid for cid, _ in sentence_hits])
        by_sentence = [ScoredChunk(by_id[cid], score) for cid, score in sentence_hits if cid in by_id]
        # Asked "as of" a day, what was published after it cannot be the answer then; asked about
        # "this week", neither can an article from long before, and "the latest" prefers recent
        # ones (``query.recency``). Each ranking keeps only such passages before fusion, so that
        # they rank among each other.
        window = Window.of(query)
        if query.recency is not None and not query.recency.strict and not any(
                window.keep(r) for r in (keyword, dense, by_sentence)):
            window = Window(None, query.as_of)  # nothing recent: the latest there is
        older = window.newest_before(keyword, dense, by_sentence)
        keyword, on_day, dense, by_sentence = (window.keep(r) for r in (keyword, on_day, dense, by_sentence))
        rankings = {"dense": dense, "keyword": keyword}
        if by_sentence:
            rankings["sentence"] = by_sentence
        if on_day:
            rankings["date"] = on_day
        if query.wants_time:
            rankings["dated"] = [s for s in dense if self.dates.dates.has_time(s.chunk.id)]
        if query.recency is None and not query.days and (current := current_first(rankings)):
            rankings["current"] = current
        fused = reciprocal_rank_fusion(rankings, self.rrf_k)
        return collapse_duplicates(fused, limit or self.top_k), older

    def retrieve(self, query: Query, limit: int | None = None) -> Retrieved:
        """The passages for ``query`` and their articles, fetched from the store in one call."""
        limit = limit or self.top_k
        # A chunk already inside a better passage's window adds nothing: its slot goes to the next one.
        passages: list[Passage] = []
        covered: set[str] = set()
        candidates, older = self._search(query, 3 * limit)
        around = self.chunks.neighbours([p.chunk for p in candidates])
        for p in candidates:
            if p.chunk.id in covered:
                continue
            before, after = around[p.chunk.id]
            covered |= {c.id for c in (before, p.chunk, after) if c is not None}
            passages.append(p)
            if len(passages) == limit:
                break
        articles = self.dense.store.articles(list(dict.fromkeys(p.chunk.article_id for p in passages)))
        return Retrieved(query, [widen(p, around[p.chunk.id], articles.get(p.chunk.article_id)) for p in passages],
                         articles, older)

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        docs = []
        for p in self.passages(self.understand(query)):
            c = p.chunk
            docs.append(Document(page_content=c.text, id=c.id, metadata={
                "article_id": c.article_id, "source": c.source, "start": c.start, "end": c.end,
                "score": p.score, "also_in": [loc.to_dict() for loc in p.also_in], "chunk": c}))
        return docs
