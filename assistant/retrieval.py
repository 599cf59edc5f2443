"""Hybrid retrieval: dense (Chroma) + keyword (BM25), fused by reciprocal rank fusion, with
near-duplicate passages collapsed. Two rankings join the fusion when the question calls for
them: the passages about a day the question names ("What happened on Oct. 4?"), and for a
"when" question, the dense ranking restricted to passages that hold a resolved date. Each stage is a LangChain ``BaseRetriever`` so other
LangChain code can reuse it; ``HybridRetriever.passages`` is what the answer chain calls.
"""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from assistant.duplicates import near_duplicate
from assistant.models import Location, Passage, ScoredChunk
from assistant.support import wants_time
from assistant.timeline import DateIndex
from vectorstore.dates import question_dates
from vectorstore.keyword import Bm25Index
from vectorstore.store import ChromaStore


def _to_documents(scored: list[ScoredChunk]) -> list[Document]:
    return [Document(page_content=s.chunk.text, id=s.chunk.id,
                     metadata={"article_id": s.chunk.article_id, "source": s.chunk.source,
                               "start": s.chunk.start, "end": s.chunk.end, "score": s.score, "chunk": s.chunk})
            for s in scored]


class DenseRetriever(BaseRetriever):
    """Nearest chunks by embedding cosine similarity, from the Chroma store."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    store: ChromaStore
    embedder: Any
    k: int = 20

    def search(self, query: str) -> list[ScoredChunk]:
        return self.store.query(self.embedder.embed_query(query), self.k)

    def complete(self, query: str, ranking: list[ScoredChunk], others: list[ScoredChunk]) -> list[ScoredChunk]:
        """``ranking`` extended with the chunks of ``others`` it lacks, scored and ranked the same way.

        Without this, a chunk that one retriever ranks first but the other's top ``k`` missed
        gets only half the fused score of mediocre chunks both lists contain.
        """
        have = {s.chunk.id for s in ranking}
        missing = {s.chunk.id: s.chunk for s in others if s.chunk.id not in have}
        scores = self.store.similarity(self.embedder.embed_query(query), list(missing))
        extra = [ScoredChunk(missing[cid], score) for cid, score in scores.items()]
        return sorted(ranking + extra, key=lambda s: -s.score)

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        return _to_documents(self.search(query))


class KeywordRetriever(BaseRetriever):
    """Best chunks by BM25 over the shared term tokenizer."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    index: Bm25Index
    k: int = 20

    def search(self, query: str) -> list[ScoredChunk]:
        return self.index.search(query, self.k)

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        return _to_documents(self.search(query))


class DateRetriever(BaseRetriever):
    """Chunks that say something happened on the day(s) a question names, by resolved dates:
    "on Saturday" in a story of Wed 8 Oct 2025 matches "Oct. 4". Empty for other questions."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    dates: DateIndex
    k: int = 20

    def search(self, query: str) -> list[ScoredChunk]:
        days = question_dates(query, self.dates.newest)
        if not days:
            return []
        return [ScoredChunk(c, score) for c, score in self.dates.chunks_on(days, self.k)]

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        return _to_documents(self.search(query))


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
    """Dense + keyword (+ date) retrieval fused by RRF, near-duplicates collapsed, ``top_k`` kept."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    dense: DenseRetriever
    keyword: KeywordRetriever
    dates: DateRetriever | None = None
    rrf_k: int = 60
    top_k: int = 5

    def passages(self, query: str, limit: int | None = None) -> list[Passage]:
        """The best passages for ``query``, best first (``limit`` defaults to ``top_k``)."""
        keyword = self.keyword.search(query)
        on_day = self.dates.search(query) if self.dates else []
        dense = self.dense.complete(query, self.dense.search(query), keyword + on_day)
        rankings = {"dense": dense, "keyword": keyword}
        if on_day:
            rankings["date"] = on_day
        if self.dates and wants_time(query):
            rankings["dated"] = [s for s in dense if self.dates.dates.has_time(s.chunk.id)]
        fused = reciprocal_rank_fusion(rankings, self.rrf_k)
        return collapse_duplicates(fused, limit or self.top_k)

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        docs = []
        for p in self.passages(query):
            c = p.chunk
            docs.append(Document(page_content=c.text, id=c.id, metadata={
                "article_id": c.article_id, "source": c.source, "start": c.start, "end": c.end,
                "score": p.score, "also_in": [loc.to_dict() for loc in p.also_in], "chunk": c}))
        return docs


