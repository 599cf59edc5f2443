"""The ``Assistant``: the composition root the interfaces (CLI, web, regression runner) talk to.

It wires the long-lived parts once (the store, the embedder, the keyword index, the scorer, the
chat model: each can be passed in, which is how tests inject theirs) and holds two sides:

- the read side: ``Snapshots`` (``assistant/snapshot.py``) of the answer ``Pipeline``
  (``assistant/pipeline.py``), rebuilt and swapped in when the store changes;
- the write side: a ``Writer`` (``assistant/writer.py``) for files, web sources, sync, check and
  repair. It returns reports; the ``Assistant`` then refreshes and makes the suggested questions.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

from langchain_core.language_models import BaseChatModel

from assistant import storage
from assistant.citations import shown_path
from assistant.concurrency import Gate, ReadWriteLock
from assistant.conversation import Turn
from assistant.llm import chat_or_notice
from assistant.models import Answer, Retrieved
from assistant.pipeline import Parts, Pipeline, spelling_words, warm_up
from assistant.question import Request
from assistant.scorer import SentenceScorer, load_scorer
from assistant.settings import Settings
from assistant.snapshot import Snapshots
from assistant.suggestions import SuggestionFile, Suggestions, build
from assistant.timeline import Event
from assistant.writer import Writer
from vectorstore.consistency import StoreHealth
from vectorstore.embedder import MiniLmEmbedder, shared_embedder
from vectorstore.ingestion import IngestReport
from vectorstore.store import Store


class Assistant:
    """Answers questions over the ingested articles, and ingests them.

    Args:
        settings: the configuration.
        store, embedder, scorer, chat: parts to use instead of the ones the settings name.
    """

    def __init__(self, settings: Settings, store: Store | None = None, embedder: MiniLmEmbedder | None = None,
                 scorer: SentenceScorer | None = None, chat: BaseChatModel | None = None) -> None:
        self.settings = settings
        self.scorer = scorer or load_scorer(settings.scorer)
        self.store: Store = store or storage.open_store(settings)
        self.embedder = embedder or shared_embedder(settings.embedding_model, settings.device,
                                                    settings.embedding_backend, settings.embedding_cache)
        self.chat = chat  # outlives a refresh: a new ingest must not reload a local model
        self.sharing = ReadWriteLock()
        self.llm_gate = Gate(settings.llm_queue, settings.llm_queue_wait)  # outlives a refresh, like the model
        self.keyword = storage.open_keyword_index(settings, self.store)  # persistent: opened, never rebuilt
        self.writer = Writer(settings, self.store, self.embedder, self.keyword)
        self.suggestion_file = SuggestionFile(settings.suggestions_path, self.store)
        threading.Thread(target=warm_up, args=(self.embedder, self.store, self.sharing.reading),
                         name="warm-up").start()
        self.common_words = spelling_words(settings)
        self.snapshots = Snapshots(self.store, self._build, self.sharing)

    def _build(self) -> Pipeline:
        """A pipeline over what the store holds now, the keyword index brought in step first."""
        article_index, dates = self.store.article_table()  # the article rows only, never every chunk
        self.keyword_drift = storage.sync_keyword(self.store, self.keyword, article_index)
        notice = ""
        if self.chat is None:
            self.chat, notice = chat_or_notice(self.settings)
        parts = Parts(self.settings, self.store, self.embedder, self.keyword, self.scorer,
                      self.chat if not notice else None, notice, self.llm_gate, self.sharing.paused,
                      self.common_words, lambda answer: self.suggestions().follow_ups(answer))
        return Pipeline(parts, article_index, dates)

    @property
    def pipeline(self) -> Pipeline:
        """The answer pipeline in use now (a refresh replaces it)."""
        return self.snapshots.current

    def answer(self, question: str, history: list[Turn] | None = None, as_of: dt.date | None = None) -> Answer:
        """Answer one question, as a follow-up to ``history`` (earlier turns, oldest first) if given;
        ``Answer.searched`` is what was searched (a follow-up gets the previous turn's names added).

        Raises:
            QuestionError: the question is not text, empty, too long or unreadable.
            EmptyStoreError: nothing has been ingested.
        """
        with self.snapshots.reading() as pipeline:
            return pipeline.chain.invoke(Request(question, tuple(history or ()), as_of)).answer

    def answer_stream(self, question: str, history: list[Turn] | None = None,
                      as_of: dt.date | None = None) -> Iterator[str | Answer]:
        """Like ``answer``, from the same chain: the generated text as it comes (LLM composers),
        then the verified ``Answer`` (last), which replaces what was streamed. Closing the
        generator (a reader who went away) stops the chain, and an LLM writing, at the next piece."""
        request = Request(question, tuple(history or ()), as_of)
        with self.snapshots.reading() as pipeline, closing(pipeline.chain.stream(request)) as chunks:
            for chunk in chunks:
                if chunk.text:
                    yield chunk.text
                if chunk.answer is not None:
                    yield chunk.answer

    def retrieve(self, question: str, as_of: dt.date | None = None) -> Retrieved:
        """The passages (and their articles) an answer would be composed from; nothing is composed."""
        with self.snapshots.reading() as pipeline:
            return pipeline.retrieve(pipeline.understand(Request(question, (), as_of)))

    def check_answer(self, question: str) -> Answer:
        """``answer`` through the extractive composer: how suggested questions are checked."""
        with self.snapshots.reading() as pipeline:
            return pipeline.checking_chain.invoke(Request(question)).answer

    def ingest(self, paths: list[Path], prune: bool = False, progress: bool | None = None) -> IngestReport:
        """Ingest files or folders (``Writer.ingest``); then refresh and make the suggestions."""
        return self._written(self.writer.ingest(paths, prune, progress))

    def ingest_urls(self, urls: list[str], progress: bool | None = None) -> IngestReport:
        """Ingest web pages, feeds and sitemaps (``Writer.ingest_urls``); then refresh and suggest."""
        return self._written(self.writer.ingest_urls(urls, progress))

    def sync(self, sources: Path | None = None, prune: bool = False, progress: bool | None = None) -> IngestReport:
        """Read the web sources again (``Writer.sync``); then refresh and suggest."""
        return self._written(self.writer.sync(sources, prune, progress))

    def redate(self) -> IngestReport:
        """``Writer.redate``: the stored articles dated by older rules dated again in place."""
        return self._written(self.writer.redate())

    def check_store(self, repair: bool = False) -> StoreHealth:
        """``storage.check_store`` on this store and keyword index; after a repair the pipeline is rebuilt."""
        health = self.writer.check(repair)
        if storage.repaired(health):
            self.refresh()
        return health

    def _written(self, report: IngestReport) -> IngestReport:
        """After a write that changed the store: a new pipeline, and the suggestions made again."""
        if report.changed:
            self.refresh()
            self.suggest()
        return report

    def refresh(self) -> None:
        """Rebuild the pipeline from what the store holds now (``Snapshots.refresh``)."""
        self.snapshots.refresh()

    def refresh_if_changed(self) -> bool:
        """Rebuild the pipeline if another process wrote meanwhile (``Snapshots.refresh_if_changed``)."""
        return self.snapshots.refresh_if_changed()

    def suggest(self) -> Suggestions:
        """Make the suggested questions again, each checked through the extractive chain, and keep
        them (``suggestions.build``); ``ASSISTANT_SUGGEST_ARTICLES=0`` turns this off."""
        newest = self.settings.suggest_articles
        if not newest:
            return Suggestions()
        with self.sharing.reading():
            articles = storage.newest_articles(self.store, newest)
        made = build(articles, self.check_answer, newest=newest)
        self.suggestion_file.save(made)
        return made

    def suggestions(self) -> Suggestions:
        """The suggested questions saved by the last ingest (none before one)."""
        return self.suggestion_file.current()

    def timeline(self) -> list[Event]:
        """The dated events across the articles, in date order."""
        return self.pipeline.dates.events()

    def articles(self) -> list[dict]:
        """The ingested articles (``storage.article_list``)."""
        with self.sharing.reading():
            return storage.article_list(self.store.article_index())

    def is_empty(self) -> bool:
        """Whether nothing is stored yet."""
        with self.sharing.reading():
            return self.store.count() == 0

    def health(self) -> dict:
        """Store and model status (``GET /api/health``). Takes no lock and asks the store nothing (the
        counts are from the last refresh); the store's location is never shown as an absolute path."""
        counts, local = self.pipeline.counts, storage.local_folder(self.store)
        location = shown_path(local) if local else "Chroma server (ASSISTANT_CHROMA_URL)"
        return {"status": "ok" if counts["chunks"] else "empty",
                "store": {"location": location, **counts, "stale": self.snapshots.stale()},
                "embedding_model": {"name": self.embedder.name, "loaded": self.embedder.loaded},
                "composer": self.settings.llm, "composer_notice": self.pipeline.llm_notice or None,
                "llm_waiting": self.llm_gate.queued if self.settings.llm != "extractive" else None}

    def warm_up(self) -> None:
        """Load the embedding model now rather than at the first question."""
        self.embedder.embed_query("warm up")

    def clear_caches(self) -> None:
        """Forget cached question vectors (the benchmark measures real embedding time)."""
        self.embedder.clear_cache()
