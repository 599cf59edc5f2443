"""Small deterministic stand-ins for the unit tier: an in-memory ``Store``, a hashing
embedder and a scripted chat model. They exercise the same code paths as Chroma and MiniLM (``vectorstore.ingestion.ingest``
writes into ``MemoryStore``; the ``Assistant`` reads it), without a model or a database. The
integration tier uses the real parts."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from dataclasses import replace

import numpy as np
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult

from vectorstore.dates import RULES_VERSION
from vectorstore.models import (
    Article,
    ArticleRecord,
    Chunk,
    ChunkRecord,
    Inventory,
    ScoredChunk,
    SentenceRecord,
)
from vectorstore.store import SentenceKey, sentence_id
from vectorstore.terms import terms

DIM = 256


class HashingEmbedder:
    """Bag of stemmed terms hashed into ``DIM`` buckets, unit length: texts sharing words are close."""

    name = "hashing-test-embedder"
    loaded = True

    def embed_documents(self, texts: list[str], progress: bool = False) -> np.ndarray:
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        for i, text in enumerate(texts):
            for t in terms(text) or ["_"]:
                out[i, int(hashlib.md5(t.encode()).hexdigest(), 16) % DIM] += 1.0
            out[i] /= np.linalg.norm(out[i])
        return out

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed_documents([text])[0]

    def clear_cache(self) -> None:
        pass


class MemoryStore:
    """The ``Store`` protocol over dicts; counts the calls that fetch articles."""

    location = "memory"

    def __init__(self) -> None:
        self._articles: dict[str, Article] = {}
        self._chunks: dict[str, tuple[Chunk, np.ndarray]] = {}
        self._sentences: dict[str, dict[SentenceKey, np.ndarray]] = {}
        self.article_fetches = 0
        self._marks = 0
        self._notes: dict[str, str] = {}

    def replace_article(self, article: Article, chunks: list[Chunk], chunk_vectors: np.ndarray,
                        sentence_vectors: np.ndarray, chunk_vectors_mode: str = "embed") -> None:
        self.delete_article(article.id)
        self._articles[article.id] = article
        row = 0
        for c, v in zip(chunks, chunk_vectors):
            self._chunks[c.id] = (c, v)
            self._sentences[c.id] = {}
            for s in c.sentences:
                self._sentences[c.id][(article.id, s.start, s.end)] = sentence_vectors[row]
                row += 1

    def reopen(self) -> None:
        pass  # one process: nothing to see again

    def generation(self) -> str:
        return str(self._marks)

    def mark_written(self) -> None:
        self._marks += 1

    def note(self, name: str) -> str | None:
        return self._notes.get(name)

    def put_note(self, name: str, text: str) -> None:
        self._notes[name] = text

    def replace_articles(self, writes, chunk_vectors_mode: str = "embed") -> None:
        for w in writes:
            self.replace_article(w.article, w.chunks, w.chunk_vectors, w.sentence_vectors, chunk_vectors_mode)

    def delete_article(self, article_id: str) -> None:
        self._articles.pop(article_id, None)
        for cid in [cid for cid, (c, _) in self._chunks.items() if c.article_id == article_id]:
            del self._chunks[cid]
            self._sentences.pop(cid, None)

    def update_dates(self, dates) -> None:
        for article_id, found in dates.items():
            if article_id in self._articles:
                self._articles[article_id] = replace(self._articles[article_id], dates=tuple(found))

    def update_article_meta(self, article_id: str, also_at=None, source=None, fingerprint=None) -> None:
        article = self._articles.get(article_id)
        if article is None:
            return
        if also_at is not None:
            article = replace(article, also_at=tuple(also_at))
        if source is not None:
            article = replace(article, source=source)
            for cid, (c, v) in list(self._chunks.items()):
                if c.article_id == article_id:
                    self._chunks[cid] = (replace(c, source=source), v)
        self._articles[article_id] = article

    def count(self) -> int:
        return len(self._chunks)

    def query(self, vector: np.ndarray, k: int) -> list[ScoredChunk]:
        scored = [ScoredChunk(c, float(np.dot(vector, v))) for c, v in self._chunks.values()]
        return sorted(scored, key=lambda s: -s.score)[:k]

    def nearest(self, vector: np.ndarray, k: int) -> list[tuple[str, float]]:
        return [(s.chunk.id, s.score) for s in self.query(vector, k)]

    def similarity(self, vector: np.ndarray, chunk_ids: list[str]) -> dict[str, float]:
        return {cid: float(np.dot(vector, self._chunks[cid][1])) for cid in chunk_ids if cid in self._chunks}

    def query_sentences(self, vector: np.ndarray, k: int) -> list[tuple[str, float]]:
        scored = sorted(((float(np.dot(vector, v)), cid) for cid, sents in self._sentences.items()
                         for v in sents.values()), reverse=True)[:k]
        best: dict[str, float] = {}
        for score, cid in scored:
            best.setdefault(cid, score)
        return list(best.items())

    def sentence_vectors(self, chunks: list[Chunk]) -> dict[SentenceKey, np.ndarray]:
        return {k: v for c in chunks for k, v in self._sentences.get(c.id, {}).items()}

    def articles(self, article_ids: list[str]) -> dict[str, Article]:
        self.article_fetches += 1
        return {aid: self._articles[aid] for aid in article_ids if aid in self._articles}

    def article(self, article_id: str) -> Article | None:
        return self.articles([article_id]).get(article_id)

    def article_index(self) -> dict[str, dict]:
        return {a.id: {"source": a.source, "title": a.title, "outlet": a.outlet, "published": a.published,
                       "content_hash": a.content_hash, "dated": True, "dates_rules": RULES_VERSION, "also_at": a.also_at,
                       "chunks": sum(c.article_id == a.id for c, _ in self._chunks.values())}
                for a in self._articles.values()}

    def all_chunks(self) -> list[Chunk]:
        return sorted((c for c, _ in self._chunks.values()), key=lambda c: (c.article_id, c.index))


    def article_table(self):
        return self.article_index(), {a.id: list(a.dates) for a in self._articles.values()}

    def chunks_of(self, article_ids: list[str]) -> dict[str, list[Chunk]]:
        out: dict[str, list[Chunk]] = {}
        for c in self.all_chunks():
            if c.article_id in article_ids:
                out.setdefault(c.article_id, []).append(c)
        return out

    def inventory(self) -> Inventory:
        inv = Inventory()
        for a in self._articles.values():
            chunks = [c for c, _ in self._chunks.values() if c.article_id == a.id]
            inv.articles[a.id] = ArticleRecord(a.content_hash, len(chunks), sum(len(c.sentences) for c in chunks),
                                               a.source)
        for cid, (c, _) in self._chunks.items():
            inv.chunks[cid] = ChunkRecord(c.article_id, None, len(c.sentences))
            for j, _key in enumerate(self._sentences.get(cid, {})):
                inv.sentences[sentence_id(cid, j)] = SentenceRecord(c.article_id, cid)
        return inv

    def delete_records(self, chunk_ids: list[str], sentence_ids: list[str]) -> None:
        for cid in chunk_ids:
            self._chunks.pop(cid, None)
            self._sentences.pop(cid, None)

    def probe(self) -> list[str]:
        return []

class ScriptedChat(BaseChatModel):
    """A chat model that streams ``text`` word by word, ``delay`` seconds apart, and records what
    happened (``words_sent``, ``stopped``: closed before the end), so a test sees the model stop."""

    text: str
    delay: float = 0.0
    words_sent: int = 0
    stopped: bool = False

    @property
    def _llm_type(self) -> str:
        return "scripted"

    def _stream(self, messages, stop=None, run_manager=None, **kwargs) -> Iterator[ChatGenerationChunk]:
        words = self.text.split(" ")
        try:
            for i, word in enumerate(words):
                time.sleep(self.delay)
                self.words_sent += 1
                yield ChatGenerationChunk(message=AIMessageChunk(content=word if i == 0 else " " + word))
        except GeneratorExit:
            self.stopped = True
            raise

    def _generate(self, messages, stop=None, run_manager=None, **kwargs) -> ChatResult:
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=self.text))])
