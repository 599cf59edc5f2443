"""What a feed or a sitemap lists: RSS/Atom feeds (feedparser), XML sitemaps, sitemap indexes and
news sitemaps, read into ``Listing``s of article URLs with the marker that tells a changed entry.

A listed URL's ``version`` is what says, without fetching the page, whether it changed since the
last read: a feed entry's id with its ``updated`` (or ``published``) date, a sitemap's ``<lastmod>``
(or a news sitemap's ``<news:publication_date>``). ``None`` when the listing says nothing: the page
is then asked for conditionally (ETag / Last-Modified).

Parsing never reaches the network: feedparser gets the bytes (wrapped in a stream, so it cannot
take them for a URL or a path), and sitemaps are read by lxml with entities, DTDs and network
access off.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from vectorstore.extraction import GZIP_MAGIC, NoArticle, gunzip

MAX_LISTING_BYTES = 50 * 1024 * 1024  # the sitemap protocol's own limit, once unpacked
_ROOT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(rss|feed|RDF|urlset|sitemapindex|html)\b", re.I)


class NotAListing(Exception):
    """A feed or sitemap that cannot be read; the message says why."""


@dataclass(frozen=True)
class Listed:
    """A URL a listing names, with its change marker (``None``: the listing does not say)."""

    url: str
    version: str | None = None


@dataclass
class Listing:
    """A feed or sitemap read: ``pages`` (article URLs) and, for a sitemap index, ``sitemaps``."""

    kind: str  # "feed", "sitemap" or "sitemap index"
    pages: list[Listed] = field(default_factory=list)
    sitemaps: list[Listed] = field(default_factory=list)


def listing_kind(body: bytes, content_type: str = "") -> str | None:
    """``"feed"``, ``"sitemap"`` or ``None`` (a web page) for a fetched body, from its first element."""
    if body[:2] == GZIP_MAGIC:
        return "sitemap"  # pages come decompressed by the HTTP layer; a .gz body is a sitemap file
    if content_type in ("text/html", "application/xhtml+xml"):
        return None
    m = _ROOT.search(body[:4096])
    if not m:
        return None
    root = m.group(1).lower().decode("ascii")
    return {"rss": "feed", "feed": "feed", "rdf": "feed", "urlset": "sitemap", "sitemapindex": "sitemap"}.get(root)


def read_listing(body: bytes, url: str, content_type: str = "") -> Listing:
    """The article URLs (and child sitemaps) in a feed or sitemap fetched from ``url``.

    Relative links are resolved against ``url``; only http(s) links are kept, each once.

    Raises:
        NotAListing: not a feed or sitemap, or one that cannot be parsed.
    """
    kind = listing_kind(body, content_type)
    if kind == "feed":
        return read_feed(body, url, content_type)
    if kind == "sitemap":
        return read_sitemap(body, url)
    raise NotAListing("not a feed or sitemap")


def read_feed(body: bytes, url: str, content_type: str = "") -> Listing:
    """An RSS or Atom feed's entries: their links, each with ``entry id|updated`` as its version."""
    import feedparser

    headers = {"content-location": url}
    if content_type:
        headers["content-type"] = content_type
    parsed = feedparser.parse(io.BytesIO(body), response_headers=headers, sanitize_html=False,
                              resolve_relative_uris=False)
    if not parsed.entries and parsed.get("bozo"):
        raise NotAListing(f"not a readable feed ({parsed.get('bozo_exception')})")
    listing = Listing("feed")
    seen: set[str] = set()
    for entry in parsed.entries:
        link = _absolute(entry.get("link") or _alternate(entry), url)
        if not link or link in seen:
            continue
        seen.add(link)
        when = entry.get("updated") or entry.get("published") or ""
        ident = entry.get("id") or link
        listing.pages.append(Listed(link, f"{ident}|{when}" if when else None))
    return listing


def _alternate(entry) -> str | None:
    for link in entry.get("links", []):
        if link.get("rel", "alternate") == "alternate" and link.get("href"):
            return link["href"]
    return None


def read_sitemap(body: bytes, url: str) -> Listing:
    """A sitemap's ``<url>``s (with ``<lastmod>``, or a news sitemap's publication date, as version),
    or a sitemap index's ``<sitemap>``s. A gzip-compressed sitemap is unpacked first."""
    from lxml import etree

    if body[:2] == GZIP_MAGIC:
        try:
            body = gunzip(body, MAX_LISTING_BYTES)
        except NoArticle as exc:
            raise NotAListing(str(exc)) from None
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                             remove_comments=True, remove_pis=True)
    try:
        root = etree.fromstring(body, parser)
    except etree.XMLSyntaxError as exc:
        raise NotAListing(f"not a readable sitemap ({exc})") from None
    name = etree.QName(root).localname
    if name not in ("urlset", "sitemapindex"):
        raise NotAListing(f"not a sitemap (its root element is <{name}>)")
    listing = Listing("sitemap index" if name == "sitemapindex" else "sitemap")
    target = listing.sitemaps if name == "sitemapindex" else listing.pages
    seen: set[str] = set()
    for item in root:
        if not isinstance(item.tag, str) or etree.QName(item).localname not in ("url", "sitemap"):
            continue
        fields = {etree.QName(el).localname: (el.text or "").strip() for el in item.iter() if isinstance(el.tag, str)}
        link = _absolute(fields.get("loc"), url)
        if not link or link in seen:
            continue
        seen.add(link)
        target.append(Listed(link, fields.get("lastmod") or fields.get("publication_date") or None))
    return listing


def _absolute(link: str | None, base: str) -> str | None:
    if not link:
        return None
    link = urljoin(base, link.strip())
    parts = urlsplit(link)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return parts._replace(fragment="").geturl()
