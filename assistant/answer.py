"""The answer chain: understand -> retrieve -> compose -> verify -> present.

``Assistant`` wires the parts from the settings once (model load, keyword and date indexes,
the composer ``ASSISTANT_LLM`` names) and builds one LangChain chain over typed objects::

    Request --understand--> Query --retrieve--> Retrieved --compose/verify/present--> AnswerChunk...

The last step is a generator: it streams the generated text as it comes (LLM composers), then
the verified ``Answer``. ``chain.stream`` is what the chat and the widget read; ``chain.invoke``
adds the chunks up, so the plain answer is the last item of the same stream. The CLI, the web
layer and the regression runner all go through this one chain.

One ``Assistant`` serves many threads (the web server's workers): answers share the read side of
a readers-writer lock (the embedder, Chroma and the indexes are safe to read at once), and a
refresh, which reopens the store and swaps the indexes, takes the write side
(``assistant/concurrency.py``). The LLM has its own bounded queue (``Gate``), and an answer gives
the read side back while it waits for the model and while the model writes. Call the chain
through ``answer``/``answer_stream`` when threads share the ``Assistant``: the chain itself takes
no lock.
"""

from __future__ import annotations

import ctypes
import datetime as dt
import logging
import re
import threading
import time
from collections.abc import Iterator
from contextlib import closing, nullcontext
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from langchain_core.runnables import Runnable, RunnableGenerator, RunnableLambda

from assistant import short_answer
from assistant.citations import (
    annotate_dates,
    closest_matches,
    dated_text,
    shown_path,
    with_context,
)
from assistant.composers.base import Composer, Draft
from assistant.composers.extractive import ExtractiveComposer
from assistant.composers.generated import LlmComposer
from assistant.concurrency import Gate, ReadWriteLock
from assistant.conversation import Turn
from assistant.errors import EmptyStoreError
from assistant.llm import LlmError, chat_model
from assistant.models import Answer, Retrieved, ShortAnswer
from assistant.prompts import ABSTAIN_NOTHING_TEXT, ABSTAIN_TEXT
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
from assistant.scorer import SentenceScorer, load_scorer
from assistant.settings import Settings
from assistant.suggestions import Suggestions
from assistant.timeline import DateIndex, Event
from assistant.verification import Verdict, Verifier
from vectorstore import consistency
from vectorstore import keyword as keywords
from vectorstore.chunking import SentenceChunker
from vectorstore.consistency import StoreHealth
from vectorstore.embedder import (
    EmbedderError,
    MiniLmEmbedder,
    common_words,
    shared_embedder,
)
from vectorstore.fetching import Fetcher
from vectorstore.fts5 import Fts5Index
from vectorstore.fts5 import file_name as fts5_file_name
from vectorstore.ingestion import IngestReport, Loaded, ingest, ingest_articles
from vectorstore.keyword import KeywordDrift, KeywordIndex
from vectorstore.lock import StoreBusy, WriterLock, generation, mark_written, writer
from vectorstore.sources import SyncState, gone_sources, harvest, remember, unlisted
from vectorstore.store import ChromaStore, Store
from vectorstore.terms import terms

log = logging.getLogger(__name__)
MARK_EVERY = 30.0  # seconds between "the store changed" marks during a long ingest (readers refresh on them)
# How long a refresh waits for the answers in flight before leaving it to the next question.
REFRESH_WAIT = 30.0


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


def _return_freed_memory() -> None:
    """Hand the heap memory freed so far back to the system (glibc keeps it for reuse otherwise;
    after the start-up's read of every article row that is about 250 MB at 12k articles, held on
    top of the vector indexes that load at the same time). Does nothing on other C libraries."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def open_store(settings: Settings) -> ChromaStore:
    """The store the settings point at: a Chroma server if ``chroma_url`` is set, else the local folder."""
    return ChromaStore(path=settings.chroma_path, url=settings.chroma_url, collection=settings.collection)


def open_keyword_index(settings: Settings, store: Store) -> Fts5Index:
    """The keyword index kept beside ``store``: in its folder for an embedded store; for a Chroma
    server, in the local data folder (``ASSISTANT_DATA_DIR``), under a folder named for the
    server, so that each app process keeps its own and never mixes it with a local store's."""
    name = fts5_file_name(settings.collection)
    local = _local_folder(store)
    budget = settings.keyword_postings
    if local:
        return Fts5Index(local, name=name, max_postings=budget)
    return Fts5Index(settings.data_dir / "keyword" / re.sub(r"[^A-Za-z0-9]+", "-", store.location).strip("-"),
                     name=name, max_postings=budget)


def _local_folder(store: Store) -> str | None:
    """The folder of an embedded Chroma store (where its writer lock lives); ``None`` for other stores."""
    is_local = isinstance(store, ChromaStore) and store.url is None
    return store.location if is_local else None


def check_store(store: Store, repair: bool = False, keyword: KeywordIndex | None = None) -> StoreHealth:
    """Check ``store`` for half-written articles (``vectorstore.consistency``), and ``keyword`` (if
    given) for articles out of step with the store; repair them if asked.

    Repairing an embedded store needs its writer lock, taken without waiting: if another ingest
    holds it, the store is only checked (``StoreHealth.busy`` names the writer; what it is
    writing shows as half-written) and nothing is changed. A store on a Chroma server takes no
    lock: repair it only when no ingest is running.
    """
    local = _local_folder(store)
    if not local:
        return consistency.check(store, repair=repair, keyword=keyword)
    if repair:
        try:
            with WriterLock(local, timeout=0, quiet=True):
                health = consistency.check(store, repair=True, keyword=keyword)
                if any(p.repaired for p in health.problems) or (health.keyword and health.keyword.repaired):
                    mark_written(local)  # readers in other processes refresh
                return health
        except StoreBusy:
            pass
    health = consistency.check(store, keyword=keyword)
    health.busy = writer(local)
    return health


class Assistant:
    """Answers questions over the ingested articles.

    Args:
        settings: the configuration.
        store, embedder: reuse already-open parts (tests share one model per session).
    """

    def __init__(self, settings: Settings, store: Store | None = None,
                 embedder: MiniLmEmbedder | None = None, scorer: SentenceScorer | None = None) -> None:
        self.settings = settings
        self.scorer = scorer or load_scorer(settings.scorer)
        self.store: Store = store or open_store(settings)
        self.embedder = embedder or shared_embedder(settings.embedding_model, settings.device, settings.embedding_backend, settings.embedding_cache)
        self.chunker = SentenceChunker(settings.chunk_target_chars, settings.chunk_max_chars)
        self.llm_notice = ""
        self.composer: Composer
        self.sharing = ReadWriteLock()  # answers read together; a refresh writes alone
        self._refreshing = threading.Lock()
        self.llm_gate = Gate(settings.llm_queue, settings.llm_queue_wait)  # outlives a refresh, like the model
        self.keyword = open_keyword_index(settings, self.store)  # persistent: opened, never rebuilt
        self.keyword_drift: KeywordDrift | None = None
        # the model and the vector indexes load while the rest of the start-up reads the article rows
        # (not a daemon: a short command's exit waits for it rather than stopping it inside native code)
        threading.Thread(target=self._warm_up, name="warm-up").start()
        self.common_words = self._common_words()
        self._rebuild()

    def _warm_up(self) -> None:
        """Load the embedding model and the store's vector indexes (Chroma reads them from disk at
        the first query) so that the first question does not wait for them. Best effort: a
        failure here is the first question's to report."""
        try:
            vector = self.embedder.embed_query("warm-up")
            self.store.query(vector, 1)
            self.store.query_sentences(vector, 1)
        except Exception as exc:  # noqa: BLE001 - anything the first question will meet again
            log.debug("warm-up: %s", exc)

    # -- wiring ------------------------------------------------------------------------------
    def _common_words(self) -> frozenset[str]:
        """The ordinary words misspelt names are told apart from (empty: no spelling correction,
        which without them would read ordinary words as names)."""
        if not self.settings.correct_spelling:
            return frozenset()
        try:
            words = common_words(self.settings.embedding_model)
        except EmbedderError as exc:
            words, why = frozenset(), str(exc)
        else:
            why = "the embedding model has no vocab.txt"
        if not words:
            log.warning("misspelt names are not corrected: %s", why)
        return words

    def refresh(self) -> None:
        """Bring the keyword index in step with the store, rebuild the date index and the chain
        from what the store holds now (after the answers in flight)."""
        with self.sharing.writing():
            self._rebuild()

    def _rebuild(self) -> None:
        s = self.settings
        local = self._local_folder()
        self._generation = generation(local) if local else ""  # read first: a write meanwhile shows next time
        # nothing here reads every chunk: the article rows, then the keyword index's chunk directory
        article_index, dates = self.store.article_table()
        _return_freed_memory()  # the read's transient buffers, before the vector indexes finish loading
        self.keyword_drift = self._sync_keyword(article_index, local)
        self.counts = {"articles": len(article_index),
                       "chunks": sum(int(m.get("chunks") or 0) for m in article_index.values())}
        self.index = self.keyword
        chunk_map = ChunkMap(self.keyword)
        self.dates = DateIndex(self.keyword.places(), dates, fetch=chunk_map.get)
        self.extractive = ExtractiveComposer(self.store, self.index.known, self.scorer, s.abstain_threshold,
                                             s.max_answer_sentences)
        self.composer = self.extractive
        self.llm_notice = ""
        rewrite_with_model = None
        if s.llm != "extractive":
            try:
                # the chat model outlives a refresh: a new ingest must not reload a local model
                self._chat = getattr(self, "_chat", None) or chat_model(s)
                llm = LlmComposer(self._chat, self.extractive, s, label=dated_text, gate=self.llm_gate,
                                  outside_store=self.sharing.paused)
                self.composer = llm
                rewrite_with_model = llm.rewrite if s.llm_rewrite else None
            except LlmError as exc:
                self.llm_notice = f"{exc}. Answers are extractive until that is fixed."
                log.warning(self.llm_notice)
        def spell(text: str) -> str:
            return correct_spelling(text, self.index.known, self.index.similar, self.common_words)[0]

        self.understanding = Understanding(self.embedder.embed_query, self.index.idf, self.dates.newest,
                                           s.max_question_chars, s.max_history_turns, rewrite_with_model,
                                           spell if self.common_words else None)
        self.retriever = HybridRetriever(
            dense=DenseRetriever(store=self.store, embedder=self.embedder, chunks=chunk_map, k=s.candidates),
            keyword=KeywordRetriever(index=self.index, chunks=chunk_map, k=s.candidates),
            dates=DateRetriever(dates=self.dates, k=s.candidates),
            understand=self.understanding.plain, chunks=chunk_map, rrf_k=s.rrf_k, top_k=s.top_k,
        )
        self.verifier = Verifier(self._similarity, dated_text, s.llm_min_support, s.llm_min_kept)
        self.chain = self._build_chain()
        # Suggested questions are checked with the extractive composer: whatever an LLM writes, an
        # answer the extractive composer gives is shown when the generated one does not hold.
        self.checking_chain = self.chain if self.composer is self.extractive else self._build_chain(self.extractive)

    def _build_chain(self, composer: Composer | None = None) -> Runnable:
        def respond(inputs: Iterator[Retrieved]) -> Iterator[AnswerChunk]:
            yield from self._respond(inputs, composer)

        return (
            RunnableLambda(self._understand, name="understand")
            | RunnableLambda(self._retrieve, name="retrieve")
            | RunnableGenerator(respond, name="compose, verify, present")
        ).with_config(run_name="answer")

    def _sync_keyword(self, article_index: dict[str, dict], local: str | None) -> KeywordDrift:
        """Compare the keyword index with the store's article rows (article ids, content hashes,
        numbers of chunks: no chunk is read) and repair the difference: index what is missing or
        changed (reading only those articles' chunks), drop orphans. Nothing is rebuilt when they
        agree. (``check`` compares chunk ids too.) An embedded store's index is repaired only
        under its writer lock (an ingest in another process writes both; it is left to that
        ingest, and checked again at the next refresh)."""
        self.keyword.forget()  # another process may have written since
        expected = keywords.expected_counts(article_index)
        def sync(repair: bool = True) -> KeywordDrift:
            return keywords.sync(self.keyword, expected, self._chunks_with_progress, repair=repair, by_count=True)

        if not local:
            drift = sync()
        else:
            try:
                with WriterLock(local, timeout=0, quiet=True):
                    drift = sync()
            except StoreBusy:
                drift = sync(repair=False)
        if drift.drifted:
            log.warning(drift.summary())
        return drift

    def _chunks_with_progress(self, article_ids: list[str]) -> dict[str, list]:
        """The store's chunks of articles the keyword index lacks (logged: a first start after an
        upgrade re-indexes every article, a minute or more for thousands)."""
        log.info("keyword index: indexing %d article(s) from the store", len(article_ids))
        return self.store.chunks_of(article_ids)

    # -- the interfaces' calls -----------------------------------------------------------------
    def answer(self, question: str, history: list[Turn] | None = None, as_of: dt.date | None = None) -> Answer:
        """Answer one question, as a follow-up to ``history`` (earlier turns, oldest first) if given.

        ``Answer.searched`` is what was actually searched: the question itself, or for a
        follow-up ("And who ordered their deployment?") the question with the previous turn's
        names added.

        Raises:
            QuestionError: the question is not text, empty, too long or unreadable.
            EmptyStoreError: nothing has been ingested.
        """
        with self.sharing.reading():
            return self.chain.invoke(Request(question, tuple(history or ()), as_of)).answer

    def answer_stream(self, question: str, history: list[Turn] | None = None,
                      as_of: dt.date | None = None) -> Iterator[str | Answer]:
        """Like ``answer``, from the same chain: the generated text as it comes (LLM composers),
        then the verified ``Answer`` (last), which replaces what was streamed.

        Closing the generator (a reader who went away) stops the chain, and an LLM writing, at
        the next piece.
        """
        with self.sharing.reading(), closing(self.chain.stream(Request(question, tuple(history or ()), as_of))) as chunks:
            for chunk in chunks:
                if chunk.text:
                    yield chunk.text
                if chunk.answer is not None:
                    yield chunk.answer

    def retrieve(self, question: str, as_of: dt.date | None = None) -> Retrieved:
        """The passages (and their articles) an answer to ``question`` would be composed from, by
        the chain's own first two steps; nothing is composed (the archive benchmark times this).

        Raises:
            QuestionError, EmptyStoreError: as ``answer``.
        """
        with self.sharing.reading():
            return self._retrieve(self._understand(Request(question, (), as_of)))

    def check_answer(self, question: str) -> Answer:
        """``answer`` through the extractive composer (the one a generated answer falls back to): how
        suggested questions are checked, quickly even when an LLM writes the shown answers."""
        with self.sharing.reading():
            return self.checking_chain.invoke(Request(question)).answer

    def suggest(self) -> Suggestions:
        """Make the suggested questions again (``assistant/suggestions.py``), each checked through the
        chain, and save them beside the store; ``ASSISTANT_SUGGEST_ARTICLES=0`` turns this off."""
        from assistant.suggestions import build

        newest = self.settings.suggest_articles
        if not newest:
            return Suggestions()
        with self.sharing.reading():
            index = self.store.article_index()
            ids = sorted(index, key=lambda a: (index[a].get("published") or "", a), reverse=True)[:newest]
            articles = list(self.store.articles(ids).values())
        made = build(articles, self.check_answer, newest=newest)
        if self.settings.suggestions_path is None:
            self._made = made  # a Chroma server: nothing is written locally
        else:
            made.save(self.settings.suggestions_path)
        return made

    def suggestions(self) -> Suggestions:
        """The suggested questions saved by the last ingest (none before one); read again only when
        the file changed (an ingest by another process too)."""
        path = self.settings.suggestions_path
        if path is None:
            return getattr(self, "_made", None) or Suggestions()
        try:
            stamp = path.stat().st_mtime_ns
        except OSError:
            stamp = None
        cached = getattr(self, "_suggestions", None)
        if cached is None or cached[0] != stamp:
            cached = (stamp, Suggestions.load(path) if stamp is not None else Suggestions())
            self._suggestions = cached
        return cached[1]

    def ingest(self, paths: list[Path], prune: bool = False, progress: bool | None = None) -> IngestReport:
        """Ingest files or folders, then refresh the indexes.

        An embedded store is written by one process at a time (``vectorstore.lock``); holding
        the lock, the ingest first repairs what an interrupted one left half-written, and tells
        readers in other processes about its writes every ``MARK_EVERY`` seconds and at the end.

        Raises:
            StoreBusy: another ingest kept the store for longer than ``ASSISTANT_LOCK_TIMEOUT``.
        """
        local = self._local_folder()
        marked = time.monotonic()

        def written() -> None:
            nonlocal marked
            if local and time.monotonic() - marked >= MARK_EVERY:
                mark_written(local)
                marked = time.monotonic()

        with WriterLock(local, self.settings.lock_timeout) if local else nullcontext():
            report = ingest(paths, self.store, self.embedder, self.chunker, prune=prune, progress=progress,
                            repair=local is not None, log_every=self.settings.ingest_log_every, on_written=written,
                            keyword=self.keyword, chunk_vectors=self.settings.chunk_vectors,
                            batch_texts=self.settings.ingest_batch)
            changed = bool(report.ingested or report.pruned or report.repaired or report.new_copies()
                           or report.promoted)
            if local and changed:
                mark_written(local)
        if changed:
            self.refresh()
            self.suggest()
        return report

    def ingest_urls(self, urls: list[str], progress: bool | None = None) -> IngestReport:
        """Ingest web sources: article pages, RSS/Atom feeds, sitemaps (indexes, news sitemaps).

        Each article's ``source`` is its URL. What was fetched before is asked for conditionally
        and unchanged pages are left alone (see ``sync``); the URLs that could be read are
        remembered, so a later ``sync`` without a sources.yaml reads them again. A URL that fails
        is in ``skipped`` with its reason; the rest is ingested.
        """
        state = SyncState.load(self.settings.sources_state)
        report = self._web(list(dict.fromkeys(urls)), state, prune=False, progress=progress)
        # Only sources that could be read are remembered: a mistyped URL is not retried by every sync.
        state.remembered = list(dict.fromkeys([*state.remembered, *(u for u in urls if u in state.sources)]))
        self._save_state(state)
        return report

    def sync(self, sources: Path | None = None, prune: bool = False, progress: bool | None = None) -> IngestReport:
        """Read the web sources again and store only what is new or changed.

        The sources are ``sources`` (a sources.yaml), else the data folder's ``sources.yaml``, else
        the URLs given to ``ingest`` before. A feed or sitemap unchanged since the last run (304)
        keeps its listing; a listed page whose marker (feed entry id and date, sitemap lastmod) is
        unchanged is not fetched; other known pages are asked for conditionally (ETag,
        Last-Modified); changed articles are replaced. ``prune`` removes the articles of pages no
        source lists any more (never those of a source that could not be read this time).

        Raises:
            SourcesError: a sources file that is missing or malformed.
            NothingToSync: no sources at all.
        """
        from assistant.web_sources import sync_sources

        state = SyncState.load(self.settings.sources_state)
        urls = sync_sources(self.settings, sources, state)
        report = self._web(urls, state, prune=prune, progress=progress)
        self._save_state(state)
        return report

    def _web(self, urls: list[str], state: SyncState, prune: bool, progress: bool | None) -> IngestReport:
        from assistant.web_sources import fetch_policy

        s = self.settings
        stored = self.store.article_index()
        with Fetcher(fetch_policy(s)) as fetcher:  # the network part holds no lock
            found = harvest(urls, fetcher, state, stored, workers=s.fetch_workers, max_pages=s.fetch_max_pages)
        remove: list[str] = []
        gone: dict[str, str] = {}
        forget: set[str] = set()
        if prune:
            gone = unlisted(state, found)
            forget = gone_sources(state, found)
            listed_ids = {state.pages[u].article_id for u in found.listed if u in state.pages}
            listed_ids |= {h.article.id for h in found.articles}
            remove = sorted({aid for aid in gone.values() if aid not in listed_ids and aid in stored})
        local = self._local_folder()
        with WriterLock(local, s.lock_timeout) if local else nullcontext():
            report = ingest_articles([Loaded(h.url, h.article) for h in found.articles], self.store, self.embedder,
                                     self.chunker, remove=remove, forget=forget, progress=progress,
                                     repair=local is not None, log_every=s.ingest_log_every, keyword=self.keyword,
                                     chunk_vectors=s.chunk_vectors, batch_texts=s.ingest_batch)
            index = self.store.article_index() if report.copies else {}
            copies = {c.label: (c.primary_id, index[c.primary_id]["content_hash"])
                      for c in report.copies if c.primary_id in index}
            remember(state, found, set(report.ingested), set(report.unchanged), copies)
            for url in gone:
                del state.pages[url]
            if prune:
                state.sources = {u: src for u, src in state.sources.items() if u in found.sources}
            changed = bool(report.ingested or report.pruned or report.repaired or report.new_copies()
                           or report.promoted)
            if local and changed:
                mark_written(local)
        report.skipped[:0] = found.failed
        report.unchanged.extend(state.pages[u].article_id for u in found.unchanged if u in state.pages)
        report.requests, report.deferred = found.requests, found.deferred
        if changed:
            self.refresh()
            self.suggest()
        return report

    def _save_state(self, state: SyncState) -> None:
        state.save(self.settings.sources_state)

    def check_store(self, repair: bool = False) -> StoreHealth:
        """``check_store`` on this assistant's store and keyword index; after a repair the indexes are rebuilt."""
        health = check_store(self.store, repair, self.keyword)
        if any(p.repaired for p in health.problems) or (health.keyword and health.keyword.repaired):
            self.refresh()
        return health

    def refresh_if_changed(self) -> bool:
        """Refresh if another process (or this one) ingested since the indexes were built.

        Cheap enough to call before every answer: one small file read for an embedded store. A
        store on a Chroma server is not watched (restart, or call ``refresh``). Call it outside
        an answer: it waits for the answers in flight (at most ``REFRESH_WAIT`` seconds, then
        leaves the refresh to the next call), while another thread's refresh is not waited for.

        Returns:
            Whether the store was reopened and the indexes rebuilt.
        """
        local = self._local_folder()
        if not self.stale():
            return False
        if not self._refreshing.acquire(blocking=False):
            return False  # another thread is refreshing: answer from what is there meanwhile
        try:
            with self.sharing.writing(REFRESH_WAIT) as got:
                if not got:
                    log.warning("store changed, but answers in flight kept it for %.0f s: refreshing later",
                                REFRESH_WAIT)
                    return False
                if generation(local) == self._generation:
                    return False
                self.store.reopen()
                self._rebuild()
                return True
        finally:
            self._refreshing.release()

    def stale(self) -> bool:
        """Whether another process has ingested since the indexes were built (one small file read)."""
        local = self._local_folder()
        return bool(local) and generation(local) != self._generation

    def _local_folder(self) -> str | None:
        return _local_folder(self.store)

    def timeline(self) -> list[Event]:
        """The dated events across the articles, in date order."""
        return self.dates.events()

    def articles(self) -> list[dict]:
        """The ingested articles: ``id``, ``source``, ``title``, ``outlet``, ``published``, ``chunks``,
        ``also_at`` (the other sources of the same story, stored once here)."""
        with self.sharing.reading():
            index = self.store.article_index()
        return [{"id": aid, "source": m.get("source"), "title": m.get("title"), "outlet": m.get("outlet"),
                 "published": m.get("published"), "chunks": m.get("chunks"),
                 "also_at": [c.source for c in m.get("also_at") or ()]} for aid, m in sorted(index.items())]

    def is_empty(self) -> bool:
        """Whether nothing is stored yet."""
        with self.sharing.reading():
            return self.store.count() == 0

    def health(self) -> dict:
        """Store and model status (``GET /api/health``): what answers are given from now.

        Takes no lock and asks the store nothing (the counts are from the last refresh; ``stale``
        says another process has ingested since), so it answers at once however busy the answers
        are. The store's location is shown relative to the working folder, or by its last part
        (never an absolute path).
        """
        counts = self.counts
        local = self._local_folder()
        location = shown_path(local) if local else "Chroma server (ASSISTANT_CHROMA_URL)"
        return {"status": "ok" if counts["chunks"] else "empty",
                "store": {"location": location, **counts, "stale": self.stale()},
                "embedding_model": {"name": self.embedder.name, "loaded": self.embedder.loaded},
                "composer": self.settings.llm, "composer_notice": self.llm_notice or None,
                "llm_waiting": self.llm_gate.queued if self.settings.llm != "extractive" else None}

    def warm_up(self) -> None:
        """Load the embedding model now rather than at the first question."""
        self.embedder.embed_query("warm up")

    def clear_caches(self) -> None:
        """Forget cached question vectors (the benchmark measures real embedding time)."""
        self.embedder.clear_cache()

    # -- the chain's steps ----------------------------------------------------------------------
    def _understand(self, request: Request | str) -> Query:
        if not isinstance(request, Request):  # a plain question, from other LangChain code
            request = Request(request)
        validate_question(request.question, self.settings.max_question_chars)  # a bad question first
        if self.counts["chunks"] == 0:
            raise EmptyStoreError("Nothing is ingested yet: run 'python -m assistant ingest' "
                                  "(or 'make run', which ingests the seeds).")
        # the question's term statistics in one lookup (``idf``/``known`` then answer from memory)
        self.index.prefetch(terms(request.question))
        return self.understanding(request)

    def _retrieve(self, query: Query) -> Retrieved:
        return self.retriever.retrieve(query, limit=self.settings.answer_passages)

    def _respond(self, inputs: Iterator[Retrieved], composer: Composer | None = None) -> Iterator[AnswerChunk]:
        composer = composer or self.composer
        for found in inputs:
            draft: Draft | None = None
            for item in composer.stream(found):
                if isinstance(item, Draft):
                    draft = item
                elif item:
                    yield AnswerChunk(text=item)
            verdict = self.verifier.check(draft, found.query, found.articles, composer.name)
            yield AnswerChunk(answer=self._present(found, draft, verdict))

    def _present(self, found: Retrieved, draft: Draft, verdict: Verdict) -> Answer:
        query = found.query
        retrieved = found.passages[: self.settings.top_k]
        notice = " ".join(x for x in (self.llm_notice, draft.notice) if x)
        verified = verdict.verified
        common = dict(question=query.question, retrieved=retrieved, searched=query.searched, support=draft.support,
                      composer=verdict.composer, fallback_from=verdict.fallback_from, rejected=verdict.rejected,
                      dropped=verified.dropped if verified else [], notice=notice)
        if verified is None or not verified.sentences:
            closest = with_context(closest_matches(draft.closest, found.articles), found.articles)
            if found.older is not None:  # only set when the question has a recency window
                common["notice"] = " ".join(x for x in (notice, _too_old(query, found.older)) if x)
            return Answer(answer=ABSTAIN_TEXT if closest else ABSTAIN_NOTHING_TEXT, abstained=True, citations=[],
                          closest=closest, **common)
        citations = with_context(verified.citations, found.articles)
        short = short_answer.find(query.text, citations, [p.chunk.text for p in retrieved])
        if short is not None and not _exact(short, found.articles):
            short = None
        if short is not None and short.of_kind and not short_answer.asked(query.text).several:
            # A question that asks for one name, number or day, answered by a span of exactly that
            # kind, is answered by the sentence that gives it: sentences after it (added for the
            # question's other words) only dilute it. A looser fit ("Japan" for "which island")
            # keeps them: one of them may hold the better answer.
            # The sentence the answer leads with stays, when the answer is named in the sentence
            # before it ("“Squid Game” is officially coming back." before "...the show is green lit").
            lead = draft.fallback.lead if verdict.fallback_from and draft.fallback else draft.lead
            lead_n = next((c.n for c in citations if lead is not None and (c.location.article_id, c.location.start)
                           == (lead.article_id, lead.start)), short.n)
            verified = verified.through(short.n, lead_n)
            kept = {c.n for c in verified.citations}
            citations = [c for c in citations if c.n in kept]
        by_n = {c.n: c for c in citations}
        # Dates are added after verification: the claim checked is the article's own sentence.
        text = " ".join(f"{annotate_dates(sentence, [by_n[n] for n in ns])} {''.join(f'[{n}]' for n in ns)}"
                        for sentence, ns in verified.sentences)
        answer = Answer(answer=text, abstained=False, citations=citations, closest=[], short_answer=short, **common)
        answer.follow_ups = self.suggestions().follow_ups(answer)
        return answer

    def _similarity(self, a: str, b: str) -> float:
        return float(np.dot(self.embedder.embed_query(a), self.embedder.embed_query(b)))


def _too_old(query: Query, older: str) -> str:
    """Why a question about a time ("this week") asked on a day found nothing: what it found is older."""
    phrase = next((e.phrase for e in query.dates if e.relative), "recent news")
    return (f"Asked on {query.as_of.isoformat()} about \u201c{phrase}\u201d, only articles published from "
            f"{query.recency.since.isoformat()} on can report it; the passages found about it are older "
            f"(the newest from {older}).")


def _exact(short: ShortAnswer, articles: dict) -> bool:
    """Whether a short answer is the article's own text at its offsets (it always should be)."""
    article = articles.get(short.location.article_id)
    return article is not None and article.text[short.location.start:short.location.end] == short.text
