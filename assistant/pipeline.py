"""The read side: the answer chain over one snapshot of the store.

understand -> retrieve -> compose -> verify -> present::

    Request --understand--> Query --retrieve--> Retrieved --compose/verify/present--> AnswerChunk...

A ``Pipeline`` is built from ``Parts`` (what outlives a refresh: the settings, the store, the
embedder, the keyword index, the scorer, the chat model) and the store's article rows as they
are at that moment (the date index, the counts). It is never changed afterwards: a refresh
builds a new one and ``Snapshots`` (``assistant/snapshot.py``) swaps it in with one assignment.

The last step is a generator: it streams the generated text as it comes (LLM composers), then
the verified ``Answer``. ``chain.stream`` is what the chat and the widget read; ``chain.invoke``
adds the chunks up, so the plain answer is the last item of the same stream. The CLI, the web
layer and the regression runner all go through this one chain.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from langchain_core.language_models import BaseChatModel
from langchain_core.runnables import Runnable, RunnableGenerator, RunnableLambda

from assistant import places
from assistant.citations import dated_text
from assistant.composers.base import Composer, Draft
from assistant.composers.extractive import ExtractiveComposer
from assistant.composers.generated import LlmComposer
from assistant.concurrency import Gate
from assistant.errors import EmptyStoreError
from assistant.judge import Judge, TreeJudge, shared_judge
from assistant.models import Answer, Retrieved
from assistant.present import FollowUps, present
from assistant.question import (
    Query,
    Request,
    Understanding,
    correct_spelling,
    validate_question,
)
from assistant.retrieval import (
    ChunkMap,
    DateRetriever,
    DenseRetriever,
    HybridRetriever,
    KeywordRetriever,
)
from assistant.scorer import SentenceScorer
from assistant.settings import Settings
from assistant.timeline import DateIndex
from assistant.verification import Verifier
from vectorstore.embedder import EmbedderError, MiniLmEmbedder, common_words
from vectorstore.keyword import KeywordIndex
from vectorstore.store import Store
from vectorstore.terms import terms

log = logging.getLogger(__name__)

SHORT_CONFIDENCE = 0.5


@dataclass
class AnswerChunk:
    """One item of the chain's stream: generated ``text`` (not yet verified), or the final ``answer``.

    Chunks add up (``a + b``) the way LangChain's own chunks do, so ``chain.invoke`` returns the
    whole generated text and the final answer.
    """

    text: str = ""
    answer: Answer | None = None

    def __add__(self, other: AnswerChunk) -> AnswerChunk:
        return AnswerChunk(self.text + other.text, other.answer or self.answer)


@dataclass(frozen=True)
class Parts:
    """What every ``Pipeline`` is built from, and what outlives a refresh.

    Attributes:
        chat: the chat model ``settings.llm`` names (``None``: extractive answers only).
        chat_notice: why the chat model named in the settings is not used, if it is not.
        gate: the LLM's bounded queue (shared by every pipeline, like the model).
        outside_store: a context in which an answer gives the store back (while the LLM writes).
        common_words: the ordinary words misspelt names are told apart from (empty: no correction).
        follow_ups: the follow-up questions for an answer.
    """

    settings: Settings
    store: Store
    embedder: MiniLmEmbedder
    keyword: KeywordIndex
    scorer: SentenceScorer
    chat: BaseChatModel | None = None
    chat_notice: str = ""
    gate: Gate | None = None
    outside_store: Callable[[], AbstractContextManager] = nullcontext
    common_words: frozenset[str] = field(default_factory=frozenset)
    follow_ups: FollowUps | None = None


class Pipeline:
    """The answer chain over the store as it was when this was built.

    Args:
        parts: the long-lived parts.
        article_index: the store's article rows (``Store.article_table``).
        dates: ``{article id: its time expressions}`` (``Store.article_table``).
    """

    def __init__(self, parts: Parts, article_index: dict[str, dict], dates: dict[str, list]) -> None:
        s = self.settings = parts.settings
        self.parts = parts
        self.counts = {"articles": len(article_index),
                       "chunks": sum(int(m.get("chunks") or 0) for m in article_index.values())}
        self.index = parts.keyword
        chunk_map = ChunkMap(parts.keyword)
        self.dates = DateIndex(parts.keyword.places(), dates, fetch=chunk_map.get)
        self.extractive = ExtractiveComposer(parts.store, self.index.known, parts.scorer, s.abstain_threshold,
                                             s.max_answer_sentences, judge=judge_for(s),
                                             judge_candidates=s.judge_candidates, judge_threshold=s.judge_threshold,
                                             second_look=s.second_look)
        self.composer: Composer = self.extractive
        self.llm_notice = parts.chat_notice
        rewrite_with_model = None
        if parts.chat is not None and s.llm != "extractive":
            llm = LlmComposer(parts.chat, self.extractive, s, label=dated_text, gate=parts.gate,
                              outside_store=parts.outside_store)
            self.composer = llm
            rewrite_with_model = llm.rewrite if s.llm_rewrite else None
        spell = self._spell if parts.common_words else None
        self.understanding = Understanding(parts.embedder.embed_query, self.index.idf, self.dates.newest,
                                           s.max_question_chars, s.max_history_turns, rewrite_with_model, spell)
        self.retriever = HybridRetriever(
            dense=DenseRetriever(store=parts.store, embedder=parts.embedder, chunks=chunk_map, k=s.candidates),
            keyword=KeywordRetriever(index=self.index, chunks=chunk_map, k=s.candidates),
            dates=DateRetriever(dates=self.dates, k=s.candidates),
            understand=self.understanding.plain, chunks=chunk_map, rrf_k=s.rrf_k, top_k=s.top_k,
        )
        judge = self.extractive.judge if self.extractive.judge and self.extractive.judge.abstains else None
        # a short answer only when the judge finds the lead more likely than not to answer; without
        # one, only when the support reaches the threshold: an answer the second look gave has none
        self.short_floor = max(SHORT_CONFIDENCE, self.extractive.abstain_threshold) if judge else \
            self.extractive.abstain_threshold
        self.verifier = Verifier(self.similarity, dated_text, s.llm_min_support, s.llm_min_kept,
                                 self.extractive.abstain_threshold if judge else None)
        self.chain = self._build_chain(self.composer)
        # Suggested questions are checked with the extractive composer: whatever an LLM writes, an
        # answer the extractive composer gives is shown when the generated one does not hold.
        self.checking_chain = self.chain if self.composer is self.extractive else self._build_chain(self.extractive)

    def _build_chain(self, composer: Composer) -> Runnable:
        def respond(inputs: Iterator[Retrieved]) -> Iterator[AnswerChunk]:
            yield from self._respond(inputs, composer)

        return (
            RunnableLambda(self.understand, name="understand")
            | RunnableLambda(self.retrieve, name="retrieve")
            | RunnableGenerator(respond, name="compose, verify, present")
        ).with_config(run_name="answer")

    # -- the chain's steps ----------------------------------------------------------------------
    def understand(self, request: Request | str) -> Query:
        """The typed ``Query`` for a request (or a plain question, from other LangChain code).

        Raises:
            QuestionError: the question is not text, empty, too long or unreadable.
            EmptyStoreError: nothing has been ingested.
        """
        if not isinstance(request, Request):
            request = Request(request)
        validate_question(request.question, self.settings.max_question_chars)  # a bad question first
        if self.counts["chunks"] == 0:
            raise EmptyStoreError("Nothing is ingested yet: run 'python -m assistant ingest' "
                                  "(or 'make run', which ingests the seeds).")
        # the question's term statistics in one lookup (``idf``/``known`` then answer from memory)
        self.index.prefetch(terms(request.question))
        return self.understanding(request)

    def retrieve(self, query: Query) -> Retrieved:
        """The passages (and their articles) an answer to ``query`` is composed from."""
        return self.retriever.retrieve(query, limit=self.settings.answer_passages)

    def _respond(self, inputs: Iterator[Retrieved], composer: Composer) -> Iterator[AnswerChunk]:
        for found in inputs:
            draft: Draft | None = None
            for item in composer.stream(found):
                if isinstance(item, Draft):
                    draft = item
                elif item:
                    yield AnswerChunk(text=item)
            verdict = self.verifier.check(draft, found.query, found.articles, composer.name)
            yield AnswerChunk(answer=present(found, draft, verdict, self.settings.top_k, self.llm_notice,
                                             self.parts.follow_ups, self.short_floor))

    def similarity(self, a: str, b: str) -> float:
        """Cosine similarity of two texts by the embedder (how a generated sentence is checked)."""
        embed = self.parts.embedder.embed_query
        return float(np.dot(embed(a), embed(b)))

    def _spell(self, text: str) -> str:
        return correct_spelling(text, self.index.known, self.index.similar, self.parts.common_words,
                                self.index.follows)[0]


def judge_for(settings: Settings) -> Judge | TreeJudge | None:
    """The answer judge the settings name: a file from ``make train-judge``, or none (``off``)."""
    return None if settings.judge == "off" else shared_judge(Path(settings.judge))


def spelling_words(settings: Settings) -> frozenset[str]:
    """The ordinary words misspelt names are told apart from (empty: no spelling correction,
    which without them would read ordinary words as names)."""
    if not settings.correct_spelling:
        return frozenset()
    try:
        words = common_words(settings.embedding_model)
    except EmbedderError as exc:
        words, why = frozenset(), str(exc)
    else:
        why = "the embedding model has no vocab.txt"
    if not words:
        log.warning("misspelt names are not corrected: %s", why)
    return words


def warm_up(embedder: MiniLmEmbedder, store: Store,
            holding: Callable[[], AbstractContextManager] = nullcontext) -> None:
    """Load the embedding model, the store's vector indexes (Chroma reads them from disk at the
    first query) and the short answers' place names so that the first question does not wait for
    them. Best effort: a failure here is the first question's to report. The store is read inside
    ``holding()`` (the answers' side of the lock), so that a refresh never reopens it under a
    query. Run it in a thread that is not a daemon: a short command's exit then waits for it
    rather than stopping it inside native code."""
    try:
        vector = embedder.embed_query("warm-up")
        with holding():
            store.query(vector, 1)
            store.query_sentences(vector, 1)
        places.load()
    except Exception as exc:  # noqa: BLE001 - anything the first question will meet again
        log.debug("warm-up: %s", exc)
