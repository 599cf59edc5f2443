"""Ingestion: files -> articles -> chunks -> vectors -> store. Idempotent and incremental.

One bad file never stops a run: whatever cannot be read, validated or stored is reported in
``IngestReport.skipped`` with the reason, and everything else is ingested. A problem that costs
nothing (a typo in an ``articles.yaml``: an unknown key, an entry for a file that is not there, a
key given twice) is in ``IngestReport.warnings``.

A new article that is a copy of a stored one (``vectorstore.copies``: the same story at another
URL or file, a syndicated copy) is stored once: its chunks are not written again, its source is
added to the stored article's ``also_at`` and the report lists it in ``copies``. Reading the same
copy again is a no-op; a copy whose text (or whose article's text) changed is checked again:
still a copy, its entry is updated; no longer one, it leaves ``also_at`` and is stored as an
article of its own. When an article's own source is gone (a prune) while a copy is still
there, the copy is promoted: it becomes the article's source (see ``forget_sources``).
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import NamedTuple

import numpy as np
from tqdm import tqdm

from vectorstore import consistency
from vectorstore.chunking import SentenceChunker
from vectorstore.copies import CopyIndex, Fingerprint, fingerprint, likeness
from vectorstore.dates import RULES_VERSION, find_time_expressions
from vectorstore.embedder import Embedder, pool
from vectorstore.keyword import KeywordIndex
from vectorstore.loading import (
    MAX_FILE_BYTES,
    METADATA_FILE,
    UnreadableFile,
    find_article_files,
    load_article,
    read_metadata,
)
from vectorstore.models import Article, ArticleWrite, Chunk, Copy
from vectorstore.store import Store

log = logging.getLogger(__name__)
Todo = tuple[str, Article, list[Chunk]]
# How a chunk gets its vector: "embed" its text, or pool its "sentences"' vectors (embedded anyway).
CHUNK_VECTORS = ("embed", "sentences")
LONG_TEXT = 1_000_000  # characters: an article this long is announced (about 2 s of analysis per million)


class Loaded(NamedTuple):
    """An article read for ingest: the label its report lines use (path or URL), the article, and
    its file (``None`` for a web page)."""

    label: str
    article: Article
    path: Path | None = None


@dataclass(frozen=True)
class CopyFound:
    """An incoming article found to be a copy of a stored one (stored once, as that one's ``also_at``)."""

    label: str  # the copy's path or URL, as the report names it
    source: str  # kept in the stored article's ``also_at``
    article_id: str  # the id the copy would have had
    primary_id: str  # the stored article it copies
    primary_source: str
    unchanged: bool = False  # known from an earlier run, and neither text changed since

    def to_dict(self) -> dict:
        return {"source": self.source, "copy_of": self.primary_id, "copy_of_source": self.primary_source,
                "unchanged": self.unchanged}


@dataclass
class IngestReport:
    """What an ingest run did; ``summary()`` is the one line shown to the user.

    ``skipped`` holds ``(path or URL, reason)`` for what was not stored; ``warnings`` holds
    ``(path, message)`` for problems that cost nothing (e.g. an unknown key in an articles.yaml).
    """

    ingested: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    redated: list[str] = field(default_factory=list)  # unchanged, their time expressions found again by newer rules
    skipped: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[tuple[str, str]] = field(default_factory=list)
    pruned: list[str] = field(default_factory=list)
    repaired: list[str] = field(default_factory=list)
    chunks_written: int = 0
    dates_found: int = 0
    dates_resolved: int = 0
    seconds: float = 0.0
    requests: int = 0  # web requests sent (ingest of URLs, sync)
    deferred: int = 0  # web pages left for the next sync
    copies: list[CopyFound] = field(default_factory=list)
    promoted: list[tuple[str, str, str]] = field(default_factory=list)  # (article id, old source, new source)

    @property
    def changed(self) -> bool:
        """Whether the run changed what the store holds (readers should refresh)."""
        return bool(self.ingested or self.pruned or self.repaired or self.new_copies() or self.promoted
                    or self.redated)

    def new_copies(self) -> list[CopyFound]:
        """The copies found this run (not those known from before)."""
        return [c for c in self.copies if not c.unchanged]

    def summary(self) -> str:
        parts = [f"{len(self.ingested)} ingested", f"{len(self.unchanged)} unchanged", f"{len(self.skipped)} skipped"]
        if self.warnings:
            parts.append(f"{len(self.warnings)} warning(s)")
        if self.redated:
            parts.append(f"{len(self.redated)} unchanged article(s) dated again by newer rules")
        if self.new_copies():
            parts.append(f"{len(self.new_copies())} stored once (copies of stored articles)")
        if self.pruned:
            parts.append(f"{len(self.pruned)} pruned")
        if self.promoted:
            parts.append(f"{len(self.promoted)} moved to a copy's source")
        if self.requests:
            parts.append(f"{self.requests} web request(s)")
        if self.deferred:
            parts.append(f"{self.deferred} page(s) left for the next sync")
        if self.repaired:
            parts.append(f"{len(self.repaired)} problem(s) left by an interrupted run repaired")
        dates = (f", {self.dates_found} time expressions ({self.dates_resolved} resolved to dates)"
                 if self.dates_found else "")
        return (f"Ingest finished: {', '.join(parts)}; {self.chunks_written} chunks written{dates} "
                f"in {self.seconds:.1f}s.")

    def to_dict(self) -> dict:
        return {"ingested": self.ingested, "unchanged": self.unchanged, "redated": self.redated,
                "skipped": [{"path": p, "reason": r} for p, r in self.skipped],
                "warnings": [{"path": p, "warning": w} for p, w in self.warnings],
                "copies": [c.to_dict() for c in self.copies],
                "promoted": [{"article_id": a, "from": old, "to": new} for a, old, new in self.promoted],
                "pruned": self.pruned, "repaired": self.repaired, "chunks_written": self.chunks_written,
                "dates_found": self.dates_found, "dates_resolved": self.dates_resolved,
                "requests": self.requests, "deferred": self.deferred, "seconds": round(self.seconds, 3)}

    def add(self, other: IngestReport) -> IngestReport:
        """This report and ``other`` (a files ingest and a web ingest in one command) as one."""
        for name in ("ingested", "unchanged", "redated", "skipped", "warnings", "pruned", "repaired", "copies",
                     "promoted"):
            getattr(self, name).extend(getattr(other, name))
        for name in ("chunks_written", "dates_found", "dates_resolved", "seconds", "requests", "deferred"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        return self


def redate(store: Store, stored: dict[str, dict], report: IngestReport, batch: int = 200,
           changing: frozenset[str] | set[str] = frozenset()) -> None:
    """Find again, in place, the time expressions of the stored articles whose dates were found by older
    rules (their row's ``dates_rules`` below ``dates.RULES_VERSION``), from their stored text and
    date: nothing is embedded again, whether the article's file is in this run or not (a web
    article a sync does not fetch, a file elsewhere). ``changing``: articles this run writes anew
    (their text changed), dated then. ``stored`` (``article_index``) is updated to match; the ids
    are added to ``report.redated``."""
    old = [aid for aid, meta in stored.items()
           if int(meta.get("dates_rules") or 0) < RULES_VERSION and aid not in changing]
    if not old:
        return
    log.info("dating %d stored article(s) again by newer rules (no text is embedded again)", len(old))
    for i in range(0, len(old), batch):
        found = {aid: tuple(find_time_expressions(article.text, article.published))
                 for aid, article in store.articles(old[i:i + batch]).items()}
        store.update_dates(found)
        for aid in found:
            stored[aid].update(dates_rules=RULES_VERSION, dated=True)
            report.redated.append(aid)


@dataclass(frozen=True)
class IngestOptions:
    """How an ingest runs.

    Attributes:
        prune: also drop stored articles whose source file no longer exists (articles from the
            web are left to ``sync --prune``).
        root: folder that ``source`` paths are relative to (default: the working folder).
        progress: show progress bars (default: only on a terminal); without a bar, progress
            goes to the log at INFO.
        repair: first repair half-written articles (only under the writer lock: see ``vectorstore.lock``).
        batch_texts: about how many texts (sentences, and chunks in ``"embed"`` mode) are
            embedded before writing: a group.
        log_every: seconds between progress lines in the log.
        on_written: called after each written group (e.g. to tell readers the store changed).
        max_file_bytes: the largest article file read (a compressed page: once unpacked); a larger
            one is skipped with its reason, before it is read.
        chunk_vectors: ``"embed"`` embeds each chunk's text; ``"sentences"`` makes a chunk's
            vector from its sentences' vectors (``pooled_chunk_vectors``: their length-weighted
            mean at unit length), so only the sentences are embedded (about half the work).
            Recorded in each article row as ``chunk_vectors``.
    """

    prune: bool = False
    root: Path | None = None
    progress: bool | None = None
    repair: bool = False
    batch_texts: int = 512
    log_every: float = 10.0
    on_written: Callable[[], None] | None = None
    chunk_vectors: str = "sentences"
    max_file_bytes: int = MAX_FILE_BYTES

    def __post_init__(self) -> None:
        if self.chunk_vectors not in CHUNK_VECTORS:
            raise ValueError(f"chunk_vectors is '{self.chunk_vectors}': use one of {', '.join(CHUNK_VECTORS)}")


class Ingestion:
    """Writes articles into ``store`` (and ``keyword``, the keyword index beside it).

    Unchanged articles (same content hash) are left alone; changed ones are replaced (the new
    version is written before the old one is removed, so a failed write keeps the old one);
    unreadable files are skipped and reported, never fatal.

    Articles are embedded a group at a time (about ``batch_texts`` texts, shortest first; the
    next group in a worker thread while this one is written) and each group is written as soon
    as its vectors are made, one write per collection (``Store.replace_articles``), so an
    interrupted run keeps what it finished: the next run finds those articles unchanged
    and goes on with the rest. An article counts as stored only once its row is written, after
    its chunks and sentence vectors; ``repair`` first removes what an interrupted run left
    half-written (``consistency.check``), so that nothing half-written passes for unchanged.

    An article's id comes from its path (see ``loading.article_id``). An id is never taken
    over silently: a second file with the same id in one run is skipped, and so is a file whose
    id is already stored for another source (unless ``prune`` is set and that source is gone).

    Args:
        store: where to write.
        embedder: makes the vectors.
        chunker: splits articles into chunks.
        keyword: the keyword index, written per article right after the store (and repaired
            with it); without one, the index catches up when it is next synced.
        options: how the run goes (``IngestOptions``).
    """

    def __init__(self, store: Store, embedder: Embedder, chunker: SentenceChunker,
                 keyword: KeywordIndex | None = None, options: IngestOptions = IngestOptions()) -> None:
        self.store = store
        self.embedder = embedder
        self.chunker = chunker
        self.keyword = keyword
        self.options = options

    def files(self, paths: list[Path]) -> IngestReport:
        """Ingest article files and folders (searched recursively).

        Returns:
            An ``IngestReport``.
        """
        started = time.perf_counter()
        root = (self.options.root or Path.cwd()).resolve()
        report = self._start()
        found, skipped = find_article_files(paths)
        report.skipped.extend((str(p), why) for p, why in skipped)
        stored = self.store.article_index()
        loaded = _read(found, root, report, self.options.progress, self.options.max_file_bytes)
        seen = self._write(loaded, stored, report, root)
        if self.options.prune:
            self._prune_files(seen, root, report)
        report.seconds = time.perf_counter() - started
        return report

    def articles(self, articles: list[Loaded], remove: list[str] = (),
                 forget: set[str] = frozenset()) -> IngestReport:
        """Ingest articles read elsewhere (web pages), by the same rules as ``files``.

        Args:
            articles: each with the label its report lines use (its URL) and no path.
            remove: ids of stored articles to remove afterwards (a sync's prune); reported as pruned.
            forget: sources that are gone (a sync's prune): taken out of ``also_at``, and an article
                whose own source is gone moves to a copy's (``forget_sources``) before ``remove``.

        Returns:
            An ``IngestReport``.
        """
        started = time.perf_counter()
        report = self._start()
        self._write(articles, self.store.article_index(), report, Path.cwd().resolve(), prune=False)
        if forget:
            forget_sources(self.store, self.store.article_index(), set(forget), report)
        kept = {c.primary_id for c in report.copies}  # a page read this run is its copy: promoted, not removed
        for aid in remove:
            if aid in kept:
                continue
            _delete(self.store, self.keyword, aid)
            report.pruned.append(aid)
        report.seconds = time.perf_counter() - started
        return report

    def _start(self) -> IngestReport:
        report = IngestReport()
        if self.options.repair:
            _repair(self.store, report, self.keyword)
        return report

    def _prune_files(self, seen: dict[str, str], root: Path, report: IngestReport) -> None:
        """Drop the stored articles whose source file is gone (and gone files from ``also_at``)."""
        index = self.store.article_index()
        gone = {src for meta in index.values() for src in (meta.get("source"), *(c.source for c in meta["also_at"]))
                if src and not is_web_source(src) and not _source_path(src, root).exists()}
        forget_sources(self.store, index, gone, report)
        for aid, meta in index.items():
            if aid in seen or aid in report.pruned or is_web_source(meta.get("source")):
                continue  # web articles are pruned by 'sync --prune', from what their sources list
            if not _source_path(meta.get("source"), root).exists():
                _delete(self.store, self.keyword, aid)
                report.pruned.append(aid)

    def _write(self, loaded: list[Loaded], stored: dict[str, dict], report: IngestReport, root: Path,
               prune: bool | None = None) -> dict[str, str]:
        """Write what changed of ``loaded`` (unchanged and colliding articles reported); the ids seen.
        First, every stored article dated by older rules is dated again (``redate``), but those
        whose text changed: they are dated when written (or, if they are not written after all, after
        it is known: a file refused or skipped keeps its stored version, dated again)."""
        changing = {item.article.id for item in loaded
                    if item.article.id in stored and stored[item.article.id].get("content_hash") != item.article.content_hash}
        redate(self.store, stored, report, changing=changing)
        prune = self.options.prune if prune is None else prune
        stored_by_source = {meta.get("source"): aid for aid, meta in stored.items()}
        copies = _Copies(self.store, stored)
        seen: dict[str, str] = {}
        todo: list[Todo] = []
        for item in loaded:
            try:
                t = self._todo(item, stored, stored_by_source, copies, seen, report, root, prune)
            except Exception as exc:  # one article's analysis (dates, sentences, copies) never stops the run
                log.exception("could not analyse %s", item.label)
                report.skipped.append((item.label, f"could not be analysed ({type(exc).__name__}: {exc}); the "
                                                   "version stored before, if any, is kept; please report it"))
                continue
            if t:
                todo.append(t)
        redate(self.store, stored, report, changing={t[1].id for t in todo})  # the changed ones not written
        self._embed_and_write(todo, report, stored_by_source, seen)
        _write_copies(copies, self.store, stored, report, self.keyword)
        return seen

    def _todo(self, item: Loaded, stored: dict[str, dict], stored_by_source: dict, copies: _Copies,
              seen: dict[str, str], report: IngestReport, root: Path, prune: bool) -> Todo | None:
        """What to write for one loaded article (``None``: it is unchanged, a copy, or refused)."""
        label, article, path = item
        if article.id in seen:
            report.skipped.append((label, f"article id '{article.id}' is already used by {seen[article.id]} in "
                                          f"this run; rename {_name(label)} or {_name(seen[article.id])}"))
            return None
        old = stored.get(article.id)
        if old and not _may_take_over(self.store, old, article, path, root, prune):
            owner = old.get("source")
            fix = ("rename this file, or if {owner} is gone, remove its article first with prune (ingest --prune)"
                   if path is not None else "remove the other article first")
            report.skipped.append((label, f"article id '{article.id}' already belongs to {owner} in the store; "
                                          + fix.format(owner=owner)))
            return None
        seen[article.id] = label
        if old and old.get("content_hash") == article.content_hash and old.get("dated", True):
            report.unchanged.append(article.id)
            return None
        if len(article.text) >= LONG_TEXT:  # its analysis takes a while before any progress line
            log.info("%s is long (%s characters): finding its copies, dates and sentences before embedding",
                     label, f"{len(article.text):,}")
        keeper = old or stored.get(stored_by_source.get(article.source, ""))
        if _stored_as_copy(label, article, old, keeper, copies, report):
            return None
        article = replace(article, dates=tuple(find_time_expressions(article.text, article.published)),
                          also_at=tuple(keeper.get("also_at") or ()) if keeper else ())
        copies.will_write(article)
        return label, article, self.chunker.chunk(article)

    def _embed_and_write(self, todo: list[Todo], report: IngestReport, stored_by_source: dict,
                         seen: dict[str, str]) -> None:
        """Embed ``todo`` a group at a time and write each group as soon as its vectors are made."""
        o = self.options
        if todo:
            self.embedder.embed_documents([])  # loads the model now, so the rates below are the ingest's own
        progress_log = _Progress(todo, o.log_every, bar=sys.stderr.isatty() if o.progress is None else o.progress,
                                 chunk_vectors=o.chunk_vectors)
        # The next group is embedded in a worker thread while this one is written (the model's work
        # runs outside the GIL, and Chroma's writes leave the cores part idle); writes stay on this thread.
        def embedded(group: list[Todo]) -> np.ndarray:
            texts = [t for _, article, chunks in group for t in _texts(article, chunks, o.chunk_vectors)]
            return _embed(self.embedder, texts, progress_log.embedded)

        groups = list(_groups(todo, o.batch_texts, o.chunk_vectors))
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="embed") as worker:
            ahead = worker.submit(embedded, groups[0]) if groups else None
            for n, group in enumerate(groups):
                vectors = ahead.result()
                ahead = worker.submit(embedded, groups[n + 1]) if n + 1 < len(groups) else None
                _write_group(group, vectors, self.store, self.keyword, report, stored_by_source, seen, progress_log,
                             o.chunk_vectors)
                if o.on_written is not None:
                    o.on_written()
        progress_log.close()


def ingest(paths: list[Path], store: Store, embedder: Embedder, chunker: SentenceChunker,
           keyword: KeywordIndex | None = None, **options) -> IngestReport:
    """Ingest article files and folders into ``store``: ``Ingestion(...).files(paths)`` with
    ``IngestOptions(**options)``."""
    return Ingestion(store, embedder, chunker, keyword, IngestOptions(**options)).files(paths)


def _read(found: list, root: Path, report: IngestReport, progress: bool | None,
          max_bytes: int = MAX_FILE_BYTES) -> list[Loaded]:
    """The articles of ``found`` (article files), each read with its folder's ``articles.yaml``
    (read once per folder, its problems in ``warnings``); a file that cannot be read is skipped
    with its reason."""
    metadata_by_dir: dict[Path, dict] = {}
    loaded: list[Loaded] = []
    for item in tqdm(found, desc="Reading", unit="file", disable=_no_bar(progress, len(found))):
        path = item.path
        try:
            folder = path.parent
            if folder not in metadata_by_dir:
                metadata = read_metadata(folder)
                metadata_by_dir[folder] = metadata.entries
                label = str(folder / METADATA_FILE)
                report.warnings.extend((label, problem) for problem in metadata.problems)
            article = load_article(path, metadata_by_dir[folder].get(path.name), root, id_root=item.root,
                                   max_bytes=max_bytes)
        except UnreadableFile as exc:
            report.skipped.append((str(path), str(exc)))
            continue
        except Exception as exc:  # a bug must not cost the user the rest of the run
            log.exception("unexpected error reading %s", path)
            report.skipped.append((str(path), f"unexpected error while reading ({type(exc).__name__}: {exc}); "
                                              "please report it"))
            continue
        loaded.append(Loaded(str(path), article, path))
    return loaded


def _stored_as_copy(label: str, article: Article, old: dict | None, keeper: dict | None, copies: _Copies,
                    report: IngestReport) -> bool:
    """Whether ``article`` is a copy of a stored article (or of one written in this run), recorded
    as such: stored once, as that article's ``also_at``."""
    if keeper is None:  # a source not stored: maybe a copy of a stored article
        known = copies.known(article)
        primary = copies.owner.get(article.source)
        if (known and known.content_hash == article.content_hash
                and known.primary_hash == copies.content_hash(primary)):
            report.unchanged.append(article.id)
            report.copies.append(CopyFound(label, article.source, article.id, primary,
                                           copies.source_of(primary), unchanged=True))
            return True
        primary = copies.find(article)
        if primary is not None:
            copies.attach(primary, article)
            report.copies.append(CopyFound(label, article.source, article.id, primary, copies.source_of(primary)))
            return True
        copies.detach(article.source)  # a copy once, its own story now
    elif old and not old.get("also_at"):  # changed: into a copy of another stored article?
        primary = copies.find(article)
        if primary is not None:
            copies.attach(primary, article)
            copies.retire(article.id, primary)
            report.copies[:] = [replace(c, primary_id=primary, primary_source=copies.source_of(primary))
                                if c.primary_id == article.id else c for c in report.copies]
            report.copies.append(CopyFound(label, article.source, article.id, primary, copies.source_of(primary)))
            return True
    return False


def is_web_source(source: str | None) -> bool:
    """Whether an article's ``source`` is a web address (it came from a URL, not a file)."""
    return bool(source) and source.lower().startswith(("http://", "https://"))


def forget_sources(store: Store, index: dict[str, dict], gone: set[str], report: IngestReport) -> None:
    """Sources that are gone leave the stored articles: each is taken out of ``also_at``, and an
    article whose own source is gone while a copy remains is promoted: the first remaining copy
    becomes its source (its id, text and vectors stay; the next write of that source gives it
    the id the source implies). ``index`` (``article_index()``) is updated to match.
    An article left with no source at all is not removed here: its prune does that.
    """
    for aid, meta in index.items():
        copies = tuple(meta.get("also_at") or ())
        kept = tuple(c for c in copies if c.source not in gone)
        source = meta.get("source")
        if source in gone and kept:
            new, kept = kept[0].source, kept[1:]
            store.update_article_meta(aid, also_at=kept, source=new)
            meta["source"] = new
            report.promoted.append((aid, source, new))
            log.info("%s: its source %s is gone; its copy %s is its source now", aid, source, new)
        elif kept != copies:
            store.update_article_meta(aid, also_at=kept)
        meta["also_at"] = kept


class _Copies:
    """The copies part of one run: finds the article (stored, or written in this run) an incoming
    one copies, and keeps the ``also_at`` changes to write once the articles are stored.

    The ``CopyIndex`` is built on first need from the fingerprints in the article rows; a row
    stored before fingerprints were kept gets one made from its text, and written back, once.
    """

    def __init__(self, store: Store, stored: dict[str, dict]) -> None:
        self.store = store
        self.stored = stored
        self.also_at = {aid: list(meta.get("also_at") or ()) for aid, meta in stored.items()}
        self.owner = {c.source: aid for aid, copies in self.also_at.items() for c in copies}
        self.changed: set[str] = set()
        self.pending: dict[str, Article] = {}  # to be written in this run
        self.retired: set[str] = set()  # stored articles that became copies of others: removed
        self._index: CopyIndex | None = None
        self._prints: dict[str, Fingerprint] = {}

    def _print(self, article: Article) -> Fingerprint:
        if article.id not in self._prints:
            self._prints[article.id] = fingerprint(article.text)
        return self._prints[article.id]

    def index(self) -> CopyIndex:
        if self._index is None:
            index = CopyIndex()
            missing = []
            for aid, meta in self.stored.items():
                found = Fingerprint.parse(meta.get("fingerprint"))
                if found is None:
                    missing.append(aid)
                else:
                    index.add(aid, found)
            for i in range(0, len(missing), 200):
                for aid, article in self.store.articles(missing[i:i + 200]).items():
                    made = fingerprint(article.text)
                    self.store.update_article_meta(aid, fingerprint=str(made))
                    index.add(aid, made)
            for article in self.pending.values():
                index.add(article.id, self._print(article))
            self._index = index
        return self._index

    def will_write(self, article: Article) -> None:
        """``article`` is to be written in this run: later articles may be its copies."""
        self.pending[article.id] = article
        if self._index is not None:
            self._index.add(article.id, self._print(article))

    def content_hash(self, aid: str) -> str:
        """The article's content hash as it will be at the end of this run."""
        if aid in self.pending:
            return self.pending[aid].content_hash
        return (self.stored.get(aid) or {}).get("content_hash") or ""

    def known(self, article: Article) -> Copy | None:
        """The ``also_at`` entry that records ``article``'s source, if any."""
        aid = self.owner.get(article.source)
        return next((c for c in self.also_at.get(aid, ()) if c.source == article.source), None)

    def find(self, article: Article) -> str | None:
        """The id of the article (stored or pending) that ``article`` is a copy of, or ``None``."""
        candidates = [aid for aid in self.index().candidates(self._print(article)) if aid != article.id]
        texts = {aid: self.pending[aid].text for aid in candidates if aid in self.pending}
        rest = [aid for aid in candidates if aid not in texts]
        if rest:
            texts.update((aid, a.text) for aid, a in self.store.articles(rest).items())
        return next((aid for aid in candidates if aid in texts and likeness(article.text, texts[aid]).is_copy), None)

    def attach(self, aid: str, article: Article) -> None:
        self.detach(article.source)
        self.also_at.setdefault(aid, []).append(Copy(article.source, article.content_hash, self.content_hash(aid)))
        self.owner[article.source] = aid
        self.changed.add(aid)

    def detach(self, source: str) -> None:
        aid = self.owner.pop(source, None)
        if aid is not None:
            self.also_at[aid] = [c for c in self.also_at[aid] if c.source != source]
            self.changed.add(aid)

    def retire(self, aid: str, primary: str) -> None:
        """The stored article ``aid`` became a copy of ``primary``: it is removed once the run's
        articles are written, and the copies attached to it in this run move to ``primary``."""
        self.retired.add(aid)
        self.index().remove(aid)
        for c in self.also_at.pop(aid, []):
            self.also_at.setdefault(primary, []).append(c)
            self.owner[c.source] = primary
            self.changed.add(primary)

    def source_of(self, aid: str) -> str:
        if aid in self.pending:
            return self.pending[aid].source
        return (self.stored.get(aid) or {}).get("source") or aid


def _repair(store: Store, report: IngestReport, keyword: KeywordIndex | None) -> None:
    health = consistency.check(store, repair=True, probe=False, keyword=keyword)
    report.repaired = [p.detail for p in health.problems if p.repaired]
    if health.keyword is not None and health.keyword.drifted:
        report.repaired.append(health.keyword.summary())
    for line in report.repaired:
        log.warning("repaired: %s", line)


def _delete(store: Store, keyword: KeywordIndex | None, article_id: str) -> None:
    """Remove an article from the store, then from the keyword index."""
    store.delete_article(article_id)
    if keyword is not None:
        keyword.delete_article(article_id)


def _write_group(group: list[Todo], vectors: np.ndarray, store: Store, keyword: KeywordIndex | None,
                 report: IngestReport, stored_by_source: dict, seen: dict[str, str], progress_log: _Progress,
                 chunk_vectors: str) -> None:
    """Store one group of embedded articles (one write per collection) and index their chunks."""
    row = 0
    writes: list[ArticleWrite] = []
    for _label, article, chunks in group:
        n_chunks = len(chunks)
        n_sents = sum(len(c.sentences) for c in chunks)
        if chunk_vectors == "sentences":
            sent_vecs = vectors[row:row + n_sents]
            chunk_vecs = pooled_chunk_vectors(chunks, sent_vecs)
            row += n_sents
        else:
            chunk_vecs = vectors[row:row + n_chunks]
            sent_vecs = vectors[row + n_chunks:row + n_chunks + n_sents]
            row += n_chunks + n_sents
        writes.append(ArticleWrite(article, chunks, chunk_vecs, sent_vecs))
    # The group in one write per collection; if that fails, article by article, so that one
    # article's failure skips only that article.
    failed: dict[str, Exception] = {}
    try:
        store.replace_articles(writes, chunk_vectors_mode=chunk_vectors)
    except Exception:  # chromadb raises many types; retried one by one below
        for w in writes:
            try:
                store.replace_articles([w], chunk_vectors_mode=chunk_vectors)
            except Exception as exc:
                failed[w.article.id] = exc
    for label, article, chunks in group:
        n_chunks = len(chunks)
        if article.id in failed:
            exc = failed[article.id]
            log.warning("could not store %s: %s", label, exc)
            report.skipped.append((label, f"could not be stored ({type(exc).__name__}: {exc}); "
                                          "the version stored before, if any, is kept"))
            progress_log.written(0)
            continue
        if keyword is not None:
            # After the store: a crash or a failure here leaves the index behind, which the next sync repairs.
            try:
                keyword.replace_article(article.id, article.content_hash, chunks)
            except Exception as exc:  # the article is stored: the run goes on
                log.warning("could not update the keyword index for %s: %s (repaired at the next start "
                            "or 'check --repair')", label, exc)
        report.ingested.append(article.id)
        report.chunks_written += n_chunks
        report.dates_found += len(article.dates)
        report.dates_resolved += sum(e.resolved for e in article.dates)
        # Stored under an id from before ids followed sub-folders: one source, one article.
        stale = stored_by_source.get(article.source)
        if stale and stale != article.id and stale not in seen:
            _delete(store, keyword, stale)
            report.pruned.append(stale)
        progress_log.written(n_chunks)


def _write_copies(copies: _Copies, store: Store, stored: dict[str, dict], report: IngestReport,
                  keyword: KeywordIndex | None) -> None:
    """Write the ``also_at`` lists this run changed; a copy of an article that could not be stored is skipped."""
    written = set(report.ingested)
    for aid in sorted(copies.retired):
        _delete(store, keyword, aid)
    for aid in sorted(copies.changed - copies.retired):
        if aid in stored or aid in written:
            store.update_article_meta(aid, also_at=tuple(copies.also_at.get(aid, ())))
    lost = [c for c in report.copies if c.primary_id not in stored and c.primary_id not in written]
    for c in lost:
        report.copies.remove(c)
        report.skipped.append((c.label, f"not stored: it is a copy of {c.primary_source}, which could not be "
                                        "stored in this run; ingest again"))


def _name(label: str) -> str:
    return label.rstrip("/").rsplit("/", 1)[-1]


def _source_path(source: str | None, root: Path) -> Path:
    path = Path(source or "")
    return path if path.is_absolute() else root / path


def _may_take_over(store: Store, old: dict, article: Article, path: Path | None, root: Path, prune: bool) -> bool:
    """Whether ``article`` (read from ``path``, or from the web when ``None``) may replace the
    stored article with its id.

    Yes when the stored one came from the same file or URL (same ``source``, or the same file once
    resolved), when its text is the same (the same file reached another way, e.g. from another
    working folder), or when ``prune`` is set and its file is gone. Otherwise another source owns the id.
    """
    owner = old.get("source")
    if owner == article.source:
        return True
    if path is not None and not is_web_source(owner):
        try:
            if _source_path(owner, root).resolve() == path.resolve():
                return True
        except OSError:
            pass
        if prune and not _source_path(owner, root).exists():
            return True
    stored = store.article(article.id)
    return stored is not None and stored.text == article.text


def _texts(article: Article, chunks: list[Chunk], chunk_vectors: str = "embed") -> list[str]:
    """What is embedded for one article: its chunks (unless their vectors are pooled from their
    sentences'), then every chunk's sentences in order.

    Chunks never overlap (each is a run of whole sentences, one after the other), so no
    sentence is embedded twice for one article; a text that occurs twice anyway (a chunk of
    one sentence, a repeated line) is embedded once (``_embed``).
    """
    sentences = [article.text[s.start:s.end] for c in chunks for s in c.sentences]
    return sentences if chunk_vectors == "sentences" else [c.text for c in chunks] + sentences


def pooled_chunk_vectors(chunks: list[Chunk], sentence_vectors: np.ndarray) -> np.ndarray:
    """Each chunk's vector pooled from its sentences' (``sentence_vectors``: one row per sentence,
    in chunk order then sentence order): their mean weighted by each sentence's length in
    characters, at unit length. The model itself averages a text's tokens, so a long sentence
    weighs more in the chunk's embedded vector too; on the dev set's 1,186 chunks the weighted mean
    is closer to the embedded chunk vector than the plain mean (cosine 0.92 against 0.91 on
    average, closer for 746 chunks)."""
    out, row = [], 0
    for c in chunks:
        n = len(c.sentences)
        out.append(pool(sentence_vectors[row:row + n], weights=[s.end - s.start for s in c.sentences]))
        row += n
    return np.stack(out) if out else np.zeros((0, sentence_vectors.shape[1]), dtype=np.float32)


def _groups(todo: list[Todo], batch_texts: int, chunk_vectors: str = "embed") -> Iterator[list[Todo]]:
    """Consecutive articles with about ``batch_texts`` texts between them (a long article alone)."""
    group: list[Todo] = []
    size = 0
    for item in todo:
        group.append(item)
        size += (len(item[2]) if chunk_vectors == "embed" else 0) + sum(len(c.sentences) for c in item[2])
        if size >= batch_texts:
            yield group
            group, size = [], 0
    if group:
        yield group


def _embed(embedder: Embedder, texts: list[str], done: Callable[[int], None], batch: int = 64) -> np.ndarray:
    """One vector per text, in order; a text given twice is embedded once.

    Texts are embedded shortest first, ``batch`` at a time, so each batch pads its texts to about
    the same length (a batch is as slow as its longest text).
    """
    unique = sorted(dict.fromkeys(texts), key=len)
    parts = []
    for i in range(0, len(unique), batch):
        parts.append(embedder.embed_documents(unique[i:i + batch]))
        done(len(parts[-1]))
    if not parts:
        return embedder.embed_documents([])
    if len(unique) < len(texts):
        done(len(texts) - len(unique))
    vectors = np.concatenate(parts)
    row = {t: i for i, t in enumerate(unique)}
    return vectors[[row[t] for t in texts]]


class _Progress:
    """Progress of the writing phase: a tqdm bar on a terminal, log lines at INFO otherwise.

    Counted per text embedded (64 at a time), so one long article shows its progress too. A line
    at most every ``every`` seconds (and a last one), e.g. ``ingested 120/2022 articles, 2.9
    articles/s, 3,400 chunks, 41 chunks/s, embedded 17,000/350,000 sentences, 205.3 sentences/s,
    ETA 28m42s``; the ETA comes from the texts left to embed. The texts are the sentences (and
    the chunks too, when their vectors are embedded rather than pooled: then they are "texts").
    """

    def __init__(self, todo: list[Todo], every: float, bar: bool, chunk_vectors: str = "embed") -> None:
        self.articles = len(todo)
        self.texts = sum(len(_texts(a, c, chunk_vectors)) for _, a, c in todo)
        self.noun = "sentences" if chunk_vectors == "sentences" else "texts"
        self.every = every
        self.done_articles = self.done_chunks = self.done_texts = 0
        self.started = self.last = time.perf_counter()
        # On a terminal the bar shows the same figures; the log lines then go to DEBUG.
        self.level = logging.DEBUG if bar else logging.INFO
        self.bar = tqdm(total=self.texts, desc="Ingesting", unit=self.noun[:-1], disable=not bar or not todo)
        if todo:
            log.log(self.level, "ingest: %d articles to write (%s %s to embed)", self.articles, f"{self.texts:,}",
                    self.noun)

    def embedded(self, n: int) -> None:
        self.done_texts += n
        self.bar.update(n)
        self._maybe_log()

    def written(self, chunks: int) -> None:
        self.done_articles += 1
        self.done_chunks += chunks
        rate = self.done_articles / max(time.perf_counter() - self.started, 1e-9)
        self.bar.set_postfix_str(f"{self.done_articles}/{self.articles} articles, {rate:.1f} articles/s", refresh=False)
        self._maybe_log()

    def close(self) -> None:
        self.bar.close()
        if self.articles:
            self._log(final=True)

    def _maybe_log(self) -> None:
        if time.perf_counter() - self.last >= self.every and self.done_articles < self.articles:
            self._log()

    def _log(self, final: bool = False) -> None:
        self.last = now = time.perf_counter()
        elapsed = max(now - self.started, 1e-9)
        rate = self.done_texts / elapsed
        if final:
            tail = f"done in {_duration(elapsed)}"
        elif rate > 0:
            tail = f"ETA {_duration((self.texts - self.done_texts) / rate)}"
        else:
            tail = "ETA unknown"
        log.log(self.level, "ingested %d/%d articles, %.1f articles/s, %s chunks, %.1f chunks/s, "
                "embedded %s/%s %s, %.1f %s/s, %s",
                self.done_articles, self.articles, self.done_articles / elapsed, f"{self.done_chunks:,}",
                self.done_chunks / elapsed, f"{self.done_texts:,}", f"{self.texts:,}", self.noun, rate, self.noun,
                tail)


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds // 60 % 60:02d}m"


def _no_bar(progress: bool | None, size: int) -> bool | None:
    if progress is None:
        return None if size > 1 else True  # tqdm: None = off when not a terminal
    return not progress
