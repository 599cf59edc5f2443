"""Hybrid retrieval: dense (Chroma) + keyword (BM25), fused by reciprocal rank fusion, with
near-duplicate passages collapsed. Two rankings join the fusion when the query calls for
them: the passages about a day the question names ("What happened on Oct. 4?"), and for a
"when" question, the dense ranking restricted to passages that hold a resolved date.

Each stage is a LangChain ``BaseRetriever`` (``invoke(text)`` returns ``Document``s) so other
LangChain code can reuse it; the answer chain calls ``HybridRetriever.retrieve`` with the
``Query`` understood once, and gets the passages and their articles (fetched in one batch).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import numpy as np
from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from assistant.duplicates import near_duplicate
from assistant.models import Location, Passage, Retrieved, ScoredChunk
from assistant.question import Query, question_dates
from assistant.timeline import DateIndex
from vectorstore.embedder import Embedder
from vectorstore.keyword import Bm25Index
from vectorstore.store import Store


def _to_documents(scored: list[ScoredChunk]) -> list[Document]:
    return [Document(page_content=s.chunk.text, id=s.chunk.id,
                     metadata={"article_id": s.chunk.article_id, "source": s.chunk.source,
                               "start": s.chunk.start, "end": s.chunk.end, "score": s.score, "chunk": s.chunk})
            for s in scored]


class DenseRetriever(BaseRetriever):
    """Nearest chunks by embedding cosine similarity, from the store."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    store: Store
    embedder: Embedder
    k: int = 20

    def search(self, vector: np.ndarray) -> list[ScoredChunk]:
        return self.store.query(vector, self.k)

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
    """Best chunks by BM25 over the shared term tokenizer."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    index: Bm25Index
    k: int = 20

    def search(self, text: str) -> list[ScoredChunk]:
        return self.index.search(text, self.k)

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


class HybridRetriever(BaseRetriever):
    """Dense + keyword (+ date) retrieval fused by RRF, near-duplicates collapsed.

    ``understand`` turns a plain text into a ``Query`` for LangChain callers of ``invoke``.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)
    dense: DenseRetriever
    keyword: KeywordRetriever
    dates: DateRetriever
    understand: Callable[[str], Query]
    rrf_k: int = 60
    top_k: int = 5

    def passages(self, query: Query, limit: int | None = None) -> list[Passage]:
        """The best passages for ``query``, best first (``limit`` defaults to ``top_k``).

        The names carried over from earlier turns steer retrieval (``query.searched``).
        """
        keyword = self.keyword.search(query.searched)
        on_day = self.dates.search(query.days)
        dense = self.dense.complete(query.searched_vector, self.dense.search(query.searched_vector), keyword + on_day)
        rankings = {"dense": dense, "keyword": keyword}
        if on_day:
            rankings["date"] = on_day
        if query.wants_time:
            rankings["dated"] = [s for s in dense if self.dates.dates.has_time(s.chunk.id)]
        fused = reciprocal_rank_fusion(rankings, self.rrf_k)
        return collapse_duplicates(fused, limit or self.top_k)

    def retrieve(self, query: Query, limit: int | None = None) -> Retrieved:
        """The passages for ``query`` and their articles, fetched from the store in one call."""
        passages = self.passages(query, limit)
        articles = self.dense.store.articles(list(dict.fromkeys(p.chunk.article_id for p in passages)))
        return Retrieved(query, passages, articles)

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        docs = []
        for p in self.passages(self.understand(query)):
            c = p.chunk
            docs.append(Document(page_content=c.text, id=c.id, metadata={
                "article_id": c.article_id, "source": c.source, "start": c.start, "end": c.end,
                "score": p.score, "also_in": [loc.to_dict() for loc in p.also_in], "chunk": c}))
        return docs
