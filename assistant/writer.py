"""The write side: files, web sources, sync, and the store's check and repair.

A ``Writer`` changes the store and its keyword index and returns a report; it never answers,
refreshes or suggests: the caller (``Assistant``) does that once a report says the store changed.

An embedded store is written by one process at a time (``vectorstore.lock``); holding the lock,
a write first repairs what an interrupted one left half-written, and tells readers in other
processes about its writes (``mark_written``) at the end, and during a file ingest every
``MARK_EVERY`` seconds.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

from assistant.settings import Settings
from assistant.storage import check_store, local_folder
from vectorstore.chunking import SentenceChunker
from vectorstore.consistency import StoreHealth
from vectorstore.embedder import Embedder
from vectorstore.fetching import Fetcher
from vectorstore.ingestion import Ingestion, IngestOptions, IngestReport, Loaded, redate
from vectorstore.keyword import KeywordIndex
from vectorstore.lock import WriterLock, unmarked_writes
from vectorstore.sources import SyncState, gone_sources, harvest, remember, unlisted
from vectorstore.store import Store

MARK_EVERY = 30.0  # seconds between "the store changed" marks during a long ingest (readers refresh on them)


class Writer:
    """Writes articles from files and the web into ``store`` and ``keyword``.

    Args:
        settings: the configuration (ingest batch, file size limit, chunking, lock timeout, fetch rules).
        store, embedder, keyword: the parts written (the keyword index beside the store).
    """

    def __init__(self, settings: Settings, store: Store, embedder: Embedder, keyword: KeywordIndex) -> None:
        self.settings = settings
        self.store = store
        self.embedder = embedder
        self.keyword = keyword
        self.chunker = SentenceChunker(settings.chunk_target_chars, settings.chunk_max_chars)

    def ingest(self, paths: list[Path], prune: bool = False, progress: bool | None = None) -> IngestReport:
        """Ingest files or folders (see ``vectorstore.ingestion``).

        Raises:
            StoreBusy: another ingest kept the store for longer than ``ASSISTANT_LOCK_TIMEOUT``.
        """
        with self._locked() as local:
            report = self._ingestion(local, prune=prune, progress=progress,
                                     on_written=self._marker()).files(paths)
            self._mark(report)
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
        state.save(self.settings.sources_state)
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
        state.save(self.settings.sources_state)
        return report

    def redate(self) -> IngestReport:
        """Date again, in place, the stored articles whose dates older rules found
        (``ingestion.redate``; nothing is embedded again): what ``run`` does before serving.

        Raises:
            StoreBusy: another ingest kept the store for longer than ``ASSISTANT_LOCK_TIMEOUT``.
        """
        report = IngestReport()
        with self._locked():
            redate(self.store, self.store.article_index(), report)
            self._mark(report)
        return report

    def check(self, repair: bool = False) -> StoreHealth:
        """``storage.check_store`` on this store and its keyword index."""
        return check_store(self.store, repair, self.keyword)

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
        with self._locked() as local:
            report = self._ingestion(local, progress=progress).articles(
                [Loaded(h.url, h.article) for h in found.articles], remove=remove, forget=forget)
            index = self.store.article_index() if report.copies else {}
            copies = {c.label: (c.primary_id, index[c.primary_id]["content_hash"])
                      for c in report.copies if c.primary_id in index}
            remember(state, found, set(report.ingested), set(report.unchanged), copies)
            for url in gone:
                del state.pages[url]
            if prune:
                state.sources = {u: src for u, src in state.sources.items() if u in found.sources}
            self._mark(report)
        report.skipped[:0] = found.failed
        report.unchanged.extend(state.pages[u].article_id for u in found.unchanged if u in state.pages)
        report.requests, report.deferred = found.requests, found.deferred
        return report

    def _ingestion(self, local: str | None, **options) -> Ingestion:
        s = self.settings
        return Ingestion(self.store, self.embedder, self.chunker, self.keyword,
                         IngestOptions(repair=local is not None, log_every=s.ingest_log_every,
                                       chunk_vectors=s.chunk_vectors, batch_texts=s.ingest_batch,
                                       max_file_bytes=s.max_file_bytes, **options))

    @contextmanager
    def _locked(self) -> Iterator[str | None]:
        """Holds the writer lock of an embedded store and gives its folder; a server's store: ``None``."""
        local = local_folder(self.store)
        with WriterLock(local, self.settings.lock_timeout) if local else nullcontext():
            yield local

    def _marker(self) -> Callable[[], None]:
        """Marks the store written at most every ``MARK_EVERY`` seconds (called after each written group)."""
        marked = time.monotonic()

        def written() -> None:
            nonlocal marked
            if time.monotonic() - marked >= MARK_EVERY:
                self.store.mark_written()
                marked = time.monotonic()
        return written

    def _mark(self, report: IngestReport) -> None:
        local = local_folder(self.store)
        # also when nothing changed now but an ingest killed before marking had written
        if report.changed or (local is not None and unmarked_writes(local)):
            self.store.mark_written()  # readers in other processes refresh

