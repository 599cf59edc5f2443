"""Web sources: article pages, feeds and sitemaps, read into articles, and what a sync remembers.

``harvest`` reads a list of source URLs through a ``Fetcher``: a source that is an HTML page is an
article; a feed or a sitemap lists articles (a sitemap index lists sitemaps). It fetches only what
is new or changed since the last run, by the ``SyncState`` kept in the data folder:

- a source (feed, sitemap) is asked for conditionally (``If-None-Match`` / ``If-Modified-Since``);
  on 304 its remembered listing stands, and a child sitemap whose ``<lastmod>`` in the index is
  the one remembered is not asked for at all;
- a listed page whose change marker (feed entry id and ``updated``, sitemap ``<lastmod>``) is the
  one remembered, and whose article is stored as it was, is not fetched at all;
- any other known page is asked for conditionally; a 304 leaves its article alone.

Every failure is reported against its URL (``Harvest.failed``) and the rest goes on. A page that
failed keeps its stored article, and a source that could not be read keeps its remembered
listing, so a bad run never loses what is stored; ``Harvest.listed`` is the set a prune may use.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import yaml

from vectorstore.extraction import NoArticle, decode_html, extract_page
from vectorstore.feeds import NotAListing, listing_kind, read_listing
from vectorstore.fetching import Fetched, Fetcher, FetchError
from vectorstore.loading import page_article, url_id
from vectorstore.models import Article

log = logging.getLogger(__name__)
STATE_FILE = "sources-state.json"
SOURCES_FILE = "sources.yaml"
MAX_SITEMAP_DEPTH = 3


class SourcesError(Exception):
    """A sources file that cannot be used; the message says what to fix."""


def is_url(text: str) -> bool:
    """Whether a command-line argument names a URL rather than a file (it has a scheme)."""
    return "://" in text


def load_sources(path: Path) -> list[str]:
    """The source URLs of a ``sources.yaml``: ``sources:`` followed by a list of URLs.

    Raises:
        SourcesError: unreadable YAML, another shape, or an entry that is not an http(s) URL.
    """
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise SourcesError(f"{path}: cannot be read ({exc})") from None
    if not isinstance(data, dict) or set(data) != {"sources"} or not isinstance(data["sources"], list):
        raise SourcesError(f"{path}: expected 'sources:' followed by a list of URLs, e.g.\n"
                           "sources:\n  - https://news.example.org/rss.xml\n  - https://news.example.org/sitemap.xml")
    urls = []
    for i, item in enumerate(data["sources"], 1):
        if not isinstance(item, str) or not item.strip().lower().startswith(("http://", "https://")):
            raise SourcesError(f"{path}: entry {i} ({item!r}) is not an http(s) URL")
        urls.append(item.strip())
    return list(dict.fromkeys(urls))


# -- what a sync remembers -------------------------------------------------------------------------

@dataclass
class PageState:
    """A fetched article page: its article, the validators it came with, the listing's marker.

    For a page found to be a copy of a stored article, ``article_id`` and ``content_hash`` are that
    article's (the page is in its ``also_at``); ``source`` is the page's own address as stored.
    """

    article_id: str
    content_hash: str
    etag: str | None = None
    last_modified: str | None = None
    version: str | None = None
    source: str | None = None  # None: remembered before sources were kept (then the listed URL)


@dataclass
class SourceState:
    """A source read before: its kind, validators, and what it listed (``{url: version}``)."""

    kind: str  # "page", "feed", "sitemap" or "sitemap index"
    etag: str | None = None
    last_modified: str | None = None
    version: str | None = None  # a child sitemap's <lastmod> in its index
    pages: dict[str, str | None] = field(default_factory=dict)
    sitemaps: dict[str, str | None] = field(default_factory=dict)


@dataclass
class SyncState:
    """Everything a sync remembers, kept as JSON in the data folder (``sources-state.json``).

    ``remembered``: the source URLs given to ``ingest`` (what ``sync`` reads without a sources.yaml).
    """

    remembered: list[str] = field(default_factory=list)
    sources: dict[str, SourceState] = field(default_factory=dict)
    pages: dict[str, PageState] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> SyncState:
        """The state saved at ``path`` (an empty one if there is none or it is unreadable)."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return cls(remembered=list(data.get("remembered", [])),
                       sources={u: SourceState(**s) for u, s in data.get("sources", {}).items()},
                       pages={u: PageState(**p) for u, p in data.get("pages", {}).items()})
        except FileNotFoundError:
            return cls()
        except (OSError, ValueError, TypeError) as exc:
            log.warning("%s cannot be read (%s); every source is read again in full", path, exc)
            return cls()

    def save(self, path: Path) -> None:
        """Write the state atomically (a crash leaves the old file or the new one, never half of one)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        data = {"remembered": self.remembered, "sources": {u: asdict(s) for u, s in sorted(self.sources.items())},
                "pages": {u: asdict(p) for u, p in sorted(self.pages.items())}}
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".sources-state-", suffix=".json")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f, indent=1, ensure_ascii=False)
        os.replace(tmp, path)


# -- reading the sources ---------------------------------------------------------------------------

@dataclass
class Harvested:
    """An article read from a page, and what to remember about the page once it is stored."""

    url: str
    article: Article
    page: PageState


@dataclass
class Harvest:
    """What ``harvest`` found: articles to write, pages unchanged, failures, and what is listed."""

    articles: list[Harvested] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)  # page URLs
    failed: list[tuple[str, str]] = field(default_factory=list)  # (url, reason)
    listed: set[str] = field(default_factory=set)  # every page URL the sources list now (or last listed)
    sources: dict[str, SourceState] = field(default_factory=dict)  # sources read (or kept) this run
    deferred: int = 0  # pages left for the next run (beyond max_pages)
    requests: int = 0


def harvest(sources: list[str], fetcher: Fetcher, state: SyncState, stored: dict[str, dict],
            workers: int = 4, max_pages: int = 1000) -> Harvest:
    """Read ``sources`` (pages, feeds, sitemaps) into new or changed articles.

    Args:
        sources: the source URLs.
        fetcher: does every request (politeness, limits, address checks, robots.txt).
        state: what earlier runs remembered (not changed here; see ``remember``).
        stored: the store's ``article_index()``: a remembered page whose article is not stored as
            it was is fetched again in full.
        workers: pages fetched at once (the fetcher still limits each host).
        max_pages: at most this many pages fetched in one run; the rest wait for the next.

    Returns:
        A ``Harvest``; nothing raises for a bad URL.
    """
    out = Harvest()
    first = fetcher.requests
    pages: dict[str, str | None] = {}  # page URL -> its version in the listing
    bodies: dict[str, Fetched] = {}  # page sources whose body came with the source read
    for url in dict.fromkeys(sources):
        _read_source(url, fetcher, state, out, pages, bodies, depth=0, version=None)
    out.listed = set(pages)

    def is_kept(url: str, version: str | None) -> bool:
        known = state.pages.get(url)
        row = stored.get(known.article_id) if known else None
        return bool(row and row.get("content_hash") == known.content_hash and version and version == known.version)

    todo = []
    for url, version in pages.items():
        if url in bodies:
            continue
        if is_kept(url, version):
            out.unchanged.append(url)
        else:
            todo.append((url, version))
    if len(todo) > max_pages:
        out.deferred = len(todo) - max_pages
        log.warning("%d pages left for the next run (at most %d are fetched in one run)", out.deferred, max_pages)
        todo = todo[:max_pages]

    def fetch(item: tuple[str, str | None]):
        url, version = item
        known = state.pages.get(url)
        row = stored.get(known.article_id) if known else None
        valid = bool(row and row.get("content_hash") == known.content_hash)
        try:
            got = fetcher.get(url, known.etag if valid else None, known.last_modified if valid else None)
        except FetchError as exc:
            return url, version, None, str(exc)
        except Exception as exc:  # a bug must not cost the rest of the run
            log.exception("unexpected error fetching %s", url)
            return url, version, None, f"unexpected error while fetching ({type(exc).__name__}: {exc}); please report it"
        return url, version, got, None

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        results = list(pool.map(fetch, todo))
    for url, got in bodies.items():
        results.append((url, pages[url], got, None))
    seen_ids: dict[str, str] = {}
    for url, version, got, problem in results:
        if problem:
            out.failed.append((url, problem))
        elif got.not_modified:
            out.unchanged.append(url)
        else:
            item = _article(url, version, got, state, out)
            if item is None:
                continue
            if item.article.id in seen_ids:
                out.failed.append((url, f"the same page as {seen_ids[item.article.id]} (both lead to {got.final_url})"))
                continue
            seen_ids[item.article.id] = url
            out.articles.append(item)
    out.requests = fetcher.requests - first
    return out


def _read_source(url: str, fetcher: Fetcher, state: SyncState, out: Harvest, pages: dict, bodies: dict,
                 depth: int, version: str | None) -> None:
    """Read one source into ``pages`` (listed URLs) or ``bodies`` (a source that is itself a page)."""
    known = state.sources.get(url)
    if known and known.kind == "page":
        out.sources[url] = known
        pages[url] = None
        return  # a page source is fetched with the pages, conditionally
    if known and depth and version and version == known.version and known.pages:
        out.sources[url] = known  # a child sitemap the index says is unchanged: not asked for
        pages.update({u: v for u, v in known.pages.items() if u not in pages})
        return
    try:
        got = fetcher.get(url, known.etag if known else None, known.last_modified if known else None)
    except FetchError as exc:
        out.failed.append((url, str(exc)))
        if known:  # its articles stay (and are not pruned): the listing remembered stands
            out.sources[url] = known
            pages.update({u: v for u, v in known.pages.items() if u not in pages})
            for child in known.sitemaps:
                kept = state.sources.get(child)
                if kept:
                    pages.update({u: v for u, v in kept.pages.items() if u not in pages})
        return
    if got.not_modified and known:
        source = known
    else:
        kind = listing_kind(got.body, got.content_type)
        if kind is None:
            if depth:
                out.failed.append((url, "listed as a sitemap, but it is a web page"))
                return
            out.sources[url] = SourceState("page")
            pages[url] = None
            bodies[url] = got
            return
        try:
            listing = read_listing(got.body, got.final_url, got.content_type)
        except NotAListing as exc:
            out.failed.append((url, str(exc)))
            return
        source = SourceState(listing.kind, got.etag, got.last_modified, version,
                             {p.url: p.version for p in listing.pages}, {s.url: s.version for s in listing.sitemaps})
    source.etag, source.last_modified = got.etag or source.etag, got.last_modified or source.last_modified
    source.version = version
    out.sources[url] = source
    pages.update({u: v for u, v in source.pages.items() if u not in pages})
    for child, child_version in source.sitemaps.items():
        if depth + 1 >= MAX_SITEMAP_DEPTH:
            out.failed.append((child, f"sitemap indexes nested more than {MAX_SITEMAP_DEPTH} deep; not read"))
        elif child not in out.sources:
            _read_source(child, fetcher, state, out, pages, bodies, depth + 1, child_version)


def _article(url: str, version: str | None, got: Fetched, state: SyncState, out: Harvest) -> Harvested | None:
    if listing_kind(got.body, got.content_type) is not None:
        out.failed.append((url, "listed as an article, but it is a feed or sitemap (give it as a source instead)"))
        return None
    try:
        page = extract_page(decode_html(got.body, got.charset), url=got.final_url)
    except NoArticle as exc:
        out.failed.append((url, str(exc)))
        return None
    except Exception as exc:  # an extractor bug must not cost the rest of the run
        log.exception("unexpected error extracting %s", url)
        out.failed.append((url, f"unexpected error while extracting ({type(exc).__name__}: {exc}); please report it"))
        return None
    article = page_article(got.final_url, page, url_id(got.final_url))
    return Harvested(url, article, PageState(article.id, article.content_hash, got.etag, got.last_modified, version,
                                             article.source))


def remember(state: SyncState, found: Harvest, written: set[str], unchanged_ids: set[str],
             copies: dict[str, tuple[str, str]] | None = None) -> None:
    """Record in ``state`` what was stored this run.

    A page's validators and marker are remembered only once its article is stored (``written``)
    or found unchanged, so a page whose write failed is fetched in full next time. A page that is
    a copy (``copies``: ``{page URL: (stored article id, its content hash)}``) is remembered as
    that article's: it is fetched again when the marker or that article changes.
    """
    copies = copies or {}
    state.sources.update(found.sources)
    for item in found.articles:
        if item.url in copies:
            aid, digest = copies[item.url]
            state.pages[item.url] = replace(item.page, article_id=aid, content_hash=digest)
        elif item.article.id in written or item.article.id in unchanged_ids:
            state.pages[item.url] = item.page
    for url in found.unchanged:
        known = state.pages.get(url)
        listed_version = next((s.pages[url] for s in found.sources.values() if url in s.pages), None)
        if known and listed_version:
            known.version = listed_version


def unlisted(state: SyncState, found: Harvest) -> dict[str, str]:
    """``{page URL: article id}`` of remembered pages that no source lists any more (what a prune removes)."""
    return {url: page.article_id for url, page in state.pages.items() if url not in found.listed}


def gone_sources(state: SyncState, found: Harvest) -> set[str]:
    """The stored sources (page addresses) of the pages no source lists any more, less those a listed
    page still has: what a prune takes out of ``also_at`` (see ``ingestion.forget_sources``)."""
    def source(url: str) -> str:
        return state.pages[url].source or url

    listed = {source(u) for u in found.listed if u in state.pages} | {h.article.source for h in found.articles}
    return {source(u) for u in state.pages if u not in found.listed} - listed
