"""An article out of an HTML page: its main text, headline, author, site, date and canonical URL.

``extract_page`` runs trafilatura (with htmldate for the date) in the mode measured best on the
article-extraction benchmark (README, "Web sources"): ``favor_precision`` on, comments off,
tables kept, no deduplication. The text it returns is what is stored, so every citation offset
points into it: paragraphs are its lines, whitespace inside a line collapsed, joined by a blank line.

The date comes only from the page's markup (``<meta>``, ``<time>``, JSON-LD, the URL), never from
a guess over its free text (htmldate's "extensive search" is off): a wrong publication date would
place every "on Tuesday" of the article on the wrong day.

Nothing here reaches the network: trafilatura and htmldate are given the page, never a URL to fetch.

``extract_by_tags`` is the hand-written extractor used before (``<article>``, else ``<main>``, else
``<body>``, minus scripts and navigation); it is kept only as the benchmark's comparison.
"""

from __future__ import annotations

import codecs
import logging
import re
from dataclasses import asdict, dataclass
from html.parser import HTMLParser

log = logging.getLogger(__name__)
GZIP_MAGIC = b"\x1f\x8b"
MAX_HTML_BYTES = 20 * 1024 * 1024  # decompressed; a bigger "page" is not an article


class NoArticle(Exception):
    """No article text could be found in a page; the message says why."""


class PageTooLarge(NoArticle):
    """A compressed page unpacks to more than the limit (``limit``, in bytes)."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"larger than {limit // (1024 * 1024)} MiB once unpacked")
        self.limit = limit


@dataclass(frozen=True)
class ExtractedPage:
    """What ``extract_page`` found. ``text`` is the exact text that would be stored."""

    text: str
    title: str | None = None
    author: str | None = None
    outlet: str | None = None  # the site name
    published: str | None = None  # YYYY-MM-DD
    canonical: str | None = None  # the page's canonical URL, when it names one

    def to_dict(self) -> dict:
        return asdict(self)


def extract_page(html: str | bytes, url: str | None = None) -> ExtractedPage:
    """The article in an HTML page.

    Args:
        html: the page (text, or bytes decoded with ``decode_html``).
        url: where the page came from, if known (helps metadata; never fetched).

    Returns:
        An ``ExtractedPage`` whose ``text`` is non-empty.

    Raises:
        NoArticle: the page holds no main text trafilatura can find (a listing, an empty page,
            a page that is only scripts).
    """
    import trafilatura  # imported here: a ~1 s import the question path never needs

    if isinstance(html, bytes):
        html = decode_html(html)
    if not html.strip():
        raise NoArticle("empty page")
    doc = trafilatura.bare_extraction(
        html, url=url, favor_precision=True, include_comments=False, include_tables=True,
        with_metadata=True, date_extraction_params={"original_date": True, "extensive_search": False})
    text = _paragraphs(doc.text if doc is not None else "")
    if not text:
        raise NoArticle("no article text found in the page (trafilatura found no main text: a listing, "
                        "an empty page or one built by scripts)")
    return ExtractedPage(text=text, title=_clean(doc.title), author=_clean(doc.author), outlet=_clean(doc.sitename),
                         published=_clean(doc.date), canonical=_clean(doc.url))


def _paragraphs(text: str | None) -> str:
    lines = (" ".join(line.split()) for line in (text or "").splitlines())
    return "\n\n".join(line for line in lines if line)


def _clean(value) -> str | None:
    if not isinstance(value, str):
        return None
    value = " ".join(value.split())
    return value or None


_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)


def decode_html(raw: bytes, declared: str | None = None) -> str:
    """Bytes of a page (gzip-compressed or not) as text.

    The charset is the first that works of: ``declared`` (an HTTP ``Content-Type`` charset), a
    byte-order mark, the page's own ``<meta charset>``, UTF-8, then charset-normalizer's guess.

    Raises:
        NoArticle: the bytes are not a page (a binary file, a gzip that does not unpack, too big).
    """
    if raw[:2] == GZIP_MAGIC:
        raw = gunzip(raw, MAX_HTML_BYTES)
    if b"\x00" in raw[:4096] and not raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise NoArticle("binary file, not an HTML page (contains NUL bytes)")
    for bom, name in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if raw.startswith(bom):
            return raw.decode(name, errors="replace").removeprefix("\ufeff")
    m = _META_CHARSET.search(raw[:4096])
    for name in (declared, m.group(1).decode("ascii") if m else None, "utf-8"):
        if not name:
            continue
        try:
            return raw.decode(_codec(name))
        except (LookupError, UnicodeDecodeError):
            continue
    from charset_normalizer import from_bytes

    best = from_bytes(raw).best()
    return str(best) if best is not None else raw.decode("utf-8", errors="replace")


def _codec(name: str) -> str:
    # Browsers read a page labelled ISO-8859-1 / ASCII as windows-1252 (the WHATWG encoding standard).
    name = codecs.lookup(name.strip()).name
    return "cp1252" if name in ("latin-1", "iso8859-1", "ascii") else name


def gunzip(raw: bytes, limit: int) -> bytes:
    """``raw`` decompressed, refusing more than ``limit`` bytes (a small file can unpack to gigabytes).

    Raises:
        NoArticle: not valid gzip; ``PageTooLarge`` (a ``NoArticle``): larger than ``limit`` once unpacked.
    """
    import zlib

    d = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = d.decompress(raw, limit + 1)
    except zlib.error as exc:
        raise NoArticle(f"not a valid gzip file ({exc})") from None
    if len(out) > limit or d.unconsumed_tail:
        raise PageTooLarge(limit)
    return out


# -- the hand-written extractor used before trafilatura (kept for `make bench-extraction`) ---------

_SKIP_TAGS = frozenset({"script", "style", "noscript", "template", "svg", "nav", "header", "footer",
                        "aside", "form", "button", "iframe", "head", "title"})
_BLOCK_TAGS = frozenset({"p", "div", "section", "article", "main", "br", "li", "ul", "ol", "h1", "h2",
                         "h3", "h4", "h5", "h6", "blockquote", "pre", "tr", "table", "figcaption", "hr"})


class _MainText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.skip = 0
        self.parts: dict[str, list[str]] = {"all": [], "article": [], "main": []}
        self.inside = {"article": 0, "main": 0}

    def handle_starttag(self, tag, attrs):
        if tag in self.inside:
            self.inside[tag] += 1
        if tag in _SKIP_TAGS and tag != "head":
            self.skip += 1
        if tag in _BLOCK_TAGS:
            self._emit("\n")

    def handle_endtag(self, tag):
        if tag in _SKIP_TAGS and tag != "head" and self.skip:
            self.skip -= 1
        if tag in _BLOCK_TAGS:
            self._emit("\n")
        if tag in self.inside and self.inside[tag]:
            self.inside[tag] -= 1

    def handle_data(self, data):
        if not self.skip:
            self._emit(data)

    def _emit(self, s: str) -> None:
        self.parts["all"].append(s)
        for key, depth in self.inside.items():
            if depth:
                self.parts[key].append(s)


def extract_by_tags(html: str) -> str:
    """The hand-written extractor used before trafilatura: ``<article>``, else ``<main>``, else
    ``<body>``, without scripts, styles, navigation, headers, footers and forms; one line per block."""
    parser = _MainText()
    parser.feed(html)
    parser.close()
    raw = next(("".join(parser.parts[k]) for k in ("article", "main", "all") if "".join(parser.parts[k]).strip()), "")
    return _paragraphs(raw)
