"""BM25 keyword search over chunks (``bm25s``), using the shared term tokenizer."""

from __future__ import annotations

import math
from collections import Counter

import bm25s

from vectorstore.models import Chunk, ScoredChunk
from vectorstore.terms import terms


class Bm25Index:
    """An in-memory BM25 index of chunks, plus the corpus statistics answer scoring needs.

    Built from the store at start-up (see ``build``); cost grows linearly with the corpus
    (``make bench`` measures it).
    """

    def __init__(self, chunks: list[Chunk]) -> None:
        self.chunks = chunks
        tokenized = [terms(c.text) or ["_empty_"] for c in chunks]
        df: Counter[str] = Counter()
        for toks in tokenized:
            df.update(set(toks))
        self.document_frequency = df
        self._n = max(len(chunks), 1)
        self._bm25 = bm25s.BM25()
        if chunks:
            self._bm25.index(tokenized, show_progress=False)
        self._vocab = set(df)

    def idf(self, term: str) -> float:
        """Inverse document frequency of a term over chunks; unseen terms get the highest value."""
        n = self.document_frequency.get(term, 0)
        return math.log(1 + (self._n - n + 0.5) / (n + 0.5))

    def known(self, term: str) -> bool:
        """Whether the term occurs anywhere in the corpus."""
        return term in self._vocab

    def search(self, query: str, k: int) -> list[ScoredChunk]:
        """The ``k`` best chunks for ``query`` (only those with a positive score)."""
        q = [t for t in terms(query) if t in self._vocab]
        if not q or not self.chunks:
            return []
        k = min(k, len(self.chunks))
        docs, scores = self._bm25.retrieve([q], k=k, show_progress=False)
        return [ScoredChunk(self.chunks[int(d)], float(s)) for d, s in zip(docs[0], scores[0]) if s > 0]

    def __len__(self) -> int:
        return len(self.chunks)



