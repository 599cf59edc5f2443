"""The store and the keyword index beside it: opening them from the settings, checking and repairing
them, and bringing the keyword index in step with the store.

An embedded store (a folder) is written by one process at a time under its writer lock
(``vectorstore.lock``); a store on a Chroma server takes no lock. Every function here that
changes something takes the lock without waiting when it needs it, and only checks when another
process holds it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable

from assistant.settings import Settings
from vectorstore import consistency
from vectorstore import keyword as keywords
from vectorstore.consistency import StoreHealth
from vectorstore.fts5 import Fts5Index
from vectorstore.fts5 import file_name as fts5_file_name
from vectorstore.keyword import KeywordDrift, KeywordIndex
from vectorstore.lock import StoreBusy, WriterLock, writer
from vectorstore.models import Article
from vectorstore.store import ChromaStore, Store

log = logging.getLogger(__name__)


def open_store(settings: Settings) -> ChromaStore:
    """The store the settings point at: a Chroma server if ``chroma_url`` is set, else the local folder."""
    return ChromaStore(path=settings.chroma_path, url=settings.chroma_url, collection=settings.collection)


def local_folder(store: Store) -> str | None:
    """The folder of an embedded Chroma store (where its writer lock lives); ``None`` for other stores."""
    is_local = isinstance(store, ChromaStore) and store.url is None
    return store.location if is_local else None


def open_keyword_index(settings: Settings, store: Store) -> Fts5Index:
    """The keyword index kept beside ``store``: in its folder for an embedded store; for a Chroma
    server, in the local data folder (``ASSISTANT_DATA_DIR``), under a folder named for the
    server, so that each app process keeps its own and never mixes it with a local store's."""
    name = fts5_file_name(settings.collection)
    local = local_folder(store)
    budget = settings.keyword_postings
    if local:
        return Fts5Index(local, name=name, max_postings=budget)
    return Fts5Index(settings.data_dir / "keyword" / re.sub(r"[^A-Za-z0-9]+", "-", store.location).strip("-"),
                     name=name, max_postings=budget)


def check_store(store: Store, repair: bool = False, keyword: KeywordIndex | None = None) -> StoreHealth:
    """Check ``store`` for half-written articles (``vectorstore.consistency``), and ``keyword`` (if
    given) for articles out of step with the store; repair them if asked.

    Repairing an embedded store needs its writer lock, taken without waiting: if another ingest
    holds it, the store is only checked (``StoreHealth.busy`` names the writer; what it is
    writing shows as half-written) and nothing is changed. A store on a Chroma server takes no
    lock: repair it only when no ingest is running.
    """
    local = local_folder(store)
    if not local:
        health = consistency.check(store, repair=repair, keyword=keyword)
        if repaired(health):
            store.mark_written()  # the other app processes refresh
        return health
    if repair:
        try:
            with WriterLock(local, timeout=0, quiet=True):
                health = consistency.check(store, repair=True, keyword=keyword)
                if repaired(health):
                    store.mark_written()  # readers in other processes refresh
                return health
        except StoreBusy:
            pass
    health = consistency.check(store, keyword=keyword)
    health.busy = writer(local)
    return health


def repaired(health: StoreHealth) -> bool:
    """Whether a check changed the store or the keyword index."""
    return any(p.repaired for p in health.problems) or bool(health.keyword and health.keyword.repaired)


def sync_keyword(store: Store, keyword: KeywordIndex, article_index: dict[str, dict]) -> KeywordDrift:
    """Compare the keyword index with the store's article rows (article ids, content hashes,
    numbers of chunks: no chunk is read) and repair the difference: index what is missing or
    changed (reading only those articles' chunks), drop orphans. Nothing is rebuilt when they
    agree. (``check`` compares chunk ids too.) An embedded store's index is repaired only
    under its writer lock (an ingest in another process writes both; it is left to that
    ingest, and checked again at the next refresh)."""
    keyword.forget()  # another process may have written since
    expected = keywords.expected_counts(article_index)
    chunks = _chunks_with_progress(store)

    def sync(repair: bool = True) -> KeywordDrift:
        return keywords.sync(keyword, expected, chunks, repair=repair, by_count=True)

    local = local_folder(store)
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


def _chunks_with_progress(store: Store) -> Callable[[list[str]], dict[str, list]]:
    """The store's chunks of articles the keyword index lacks (logged: a first start after an
    upgrade re-indexes every article, a minute or more for thousands)."""
    def chunks(article_ids: list[str]) -> dict[str, list]:
        log.info("keyword index: indexing %d article(s) from the store", len(article_ids))
        return store.chunks_of(article_ids)
    return chunks


def article_list(index: dict[str, dict]) -> list[dict]:
    """The stored articles from ``Store.article_index()``, by id: ``id``, ``source``, ``title``,
    ``outlet``, ``published``, ``chunks``, ``also_at`` (the other sources of the same story, stored once)."""
    return [{"id": aid, "source": m.get("source"), "title": m.get("title"), "outlet": m.get("outlet"),
             "published": m.get("published"), "chunks": m.get("chunks"),
             "also_at": [c.source for c in m.get("also_at") or ()]} for aid, m in sorted(index.items())]


def newest_articles(store: Store, n: int) -> list[Article]:
    """The ``n`` most recently published stored articles, newest first."""
    index = store.article_index()
    ids = sorted(index, key=lambda a: (index[a].get("published") or "", a), reverse=True)[:n]
    return list(store.articles(ids).values())
