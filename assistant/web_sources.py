"""Web sources as the interfaces use them: the fetcher's rules from the settings, ``extract``
(what would be stored from a page or a file), and which sources a ``sync`` reads.

The work itself is in ``vectorstore``: ``fetching`` (the polite, safe fetcher), ``extraction``
(trafilatura), ``feeds`` (feeds and sitemaps) and ``sources`` (harvest and what a sync remembers).
"""

from __future__ import annotations

from pathlib import Path

from assistant.errors import AssistantError
from assistant.settings import Settings
from vectorstore.extraction import NoArticle, decode_html, extract_page
from vectorstore.feeds import listing_kind
from vectorstore.fetching import Fetcher, FetchError, FetchPolicy, parse_networks
from vectorstore.loading import (
    UnreadableFile,
    load_article,
    load_metadata,
    page_article,
    url_id,
)
from vectorstore.sources import SourcesError, SyncState, is_url, load_sources


class NothingToSync(AssistantError):
    """``sync`` found no sources to read."""


def fetch_policy(settings: Settings) -> FetchPolicy:
    """The fetcher's rules, from the ``ASSISTANT_FETCH_*`` settings."""
    return FetchPolicy(user_agent=settings.fetch_user_agent, timeout=settings.fetch_timeout,
                       retries=settings.fetch_retries, backoff=settings.fetch_backoff,
                       per_host=settings.fetch_per_host, delay=settings.fetch_delay,
                       max_bytes=settings.fetch_max_bytes,
                       allow_networks=parse_networks(settings.fetch_allow_private))


def extract(inputs: list[str], settings: Settings) -> list[dict]:
    """What ingesting each input would store: ``source``, ``id``, ``title``, ``outlet``, ``published``,
    ``author``, ``text`` (and ``canonical`` for a page that names one), or ``source`` and ``error``.

    An input is a URL (fetched by the fetcher's rules) or a file (``.html``, ``.html.gz``, ``.txt``,
    ``.md``, read as ``ingest`` reads it, ``articles.yaml`` beside it included). Nothing is stored.
    """
    out = []
    with Fetcher(fetch_policy(settings)) as fetcher:
        for item in inputs:
            try:
                out.append(_extract_url(item, fetcher) if is_url(item)
                           else _extract_file(Path(item), settings.max_file_bytes))
            except (FetchError, NoArticle, UnreadableFile) as exc:
                out.append({"source": item, "error": str(exc)})
    return out


def _extract_url(url: str, fetcher: Fetcher) -> dict:
    got = fetcher.get(url)
    kind = listing_kind(got.body, got.content_type)
    if kind:
        raise NoArticle(f"a {kind}, not an article page: ingest it as a source ('python -m assistant ingest {url}')")
    page = extract_page(decode_html(got.body, got.charset), url=got.final_url)
    article = page_article(got.final_url, page, url_id(got.final_url))
    return _as_dict(article) | {"canonical": page.canonical}


def _extract_file(path: Path, max_bytes: int) -> dict:
    if not path.is_file():
        raise UnreadableFile("no such file")
    article = load_article(path, load_metadata(path.parent).get(path.name), max_bytes=max_bytes)
    return _as_dict(article)


def _as_dict(article) -> dict:
    return {"source": article.source, "id": article.id, "title": article.title, "outlet": article.outlet,
            "published": article.published, "author": article.author, "text": article.text}


def sync_sources(settings: Settings, sources: Path | None, state: SyncState) -> list[str]:
    """The source URLs a sync reads: ``sources`` (a sources.yaml), else the data folder's
    ``sources.yaml``, else the sources given to ``ingest`` before.

    Raises:
        SourcesError: the sources file is missing (when named) or malformed.
        NothingToSync: no sources file and nothing ingested from the web yet.
    """
    if sources is not None:
        if not sources.is_file():
            raise SourcesError(f"{sources}: no such file (a sources.yaml lists URLs under 'sources:')")
        return load_sources(sources)
    if settings.sources_file.is_file():
        return load_sources(settings.sources_file)
    if state.remembered:
        return list(state.remembered)
    raise NothingToSync(f"nothing to sync: no {settings.sources_file} and no web source ingested before; "
                        "ingest a URL ('python -m assistant ingest https://...') or write a sources.yaml")
