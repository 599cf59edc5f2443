"""Reading article files into ``Article`` objects, with their metadata.

Supported: ``.txt`` and ``.md`` (the file's text, exactly) and ``.html``/``.htm`` (main text
only). Metadata comes from an ``articles.yaml`` beside the files (keyed by file name), then
from the file itself (Markdown front matter, HTML ``<title>``/``<meta>``). A file that cannot
be used raises ``UnreadableFile`` with the reason; the caller skips it and reports it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import yaml

from vectorstore.models import Article

TEXT_SUFFIXES = frozenset({".txt", ".md", ".markdown"})
HTML_SUFFIXES = frozenset({".html", ".htm"})
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES
METADATA_FILE = "articles.yaml"
MAX_FILE_BYTES = 20 * 1024 * 1024


class UnreadableFile(Exception):
    """A file that cannot be ingested; the message says why."""


def find_files(paths: list[Path]) -> tuple[list[Path], list[tuple[Path, str]]]:
    """Expand files and folders into article files, sorted.

    Returns:
        ``(files, skipped)``: supported files, and ``(path, reason)`` for everything named or
        found that will not be read (unsupported type, missing path). Metadata files and
        hidden files inside folders are passed over silently.
    """
    files: list[Path] = []
    skipped: list[tuple[Path, str]] = []
    for path in paths:
        if path.is_dir():
            for p in sorted(path.rglob("*")):
                if not p.is_file() or any(part.startswith(".") for part in p.relative_to(path).parts):
                    continue
                if p.name == METADATA_FILE:
                    continue
                if p.suffix.lower() in SUPPORTED_SUFFIXES:
                    files.append(p)
                else:
                    skipped.append((p, f"unsupported file type '{p.suffix or p.name}' (use .txt, .md or .html)"))
        elif path.is_file():
            if path.suffix.lower() in SUPPORTED_SUFFIXES:
                files.append(path)
            else:
                skipped.append((path, f"unsupported file type '{path.suffix or path.name}' (use .txt, .md or .html)"))
        else:
            skipped.append((path, "no such file or folder"))
    return sorted(dict.fromkeys(files)), skipped


def load_metadata(folder: Path) -> dict[str, dict]:
    """Read ``folder/articles.yaml`` into ``{file name: {outlet, title, published}}``.

    Raises:
        UnreadableFile: the YAML is malformed or not a mapping of mappings.
    """
    path = folder / METADATA_FILE
    if not path.is_file():
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise UnreadableFile(f"{path}: not valid YAML ({exc})") from exc
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        raise UnreadableFile(f"{path}: expected a mapping of file name to {{outlet, headline, published}}")
    return {str(k): {"title": v.get("headline"), "outlet": v.get("outlet"),
                     "published": _iso_date(v.get("published"))} for k, v in data.items()}


def load_article(path: Path, metadata: dict | None = None, root: Path | None = None) -> Article:
    """Read one file into an ``Article``.

    Args:
        path: the file.
        metadata: this file's entry from ``articles.yaml`` (wins over the file's own).
        root: ``source`` is recorded relative to this folder when the file is inside it.

    Raises:
        UnreadableFile: empty, binary, not UTF-8, too large, or no text once extracted.
    """
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise UnreadableFile(f"cannot read ({exc.strerror})") from exc
    if len(raw) > MAX_FILE_BYTES:
        raise UnreadableFile(f"larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB")
    if not raw.strip():
        raise UnreadableFile("empty file")
    if b"\x00" in raw[:8192]:
        raise UnreadableFile("binary file (contains NUL bytes)")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UnreadableFile(f"not valid UTF-8 (bad byte at offset {exc.start}); save it as UTF-8") from exc
    text = text.removeprefix("\ufeff")

    own: dict = {}
    suffix = path.suffix.lower()
    if suffix in HTML_SUFFIXES:
        text, own = extract_html(text)
    elif suffix in {".md", ".markdown"}:
        text, own = _split_front_matter(text)
    if not text.strip():
        raise UnreadableFile("no text once markup is removed")

    merged = {k: v for k, v in own.items() if v}
    merged.update({k: v for k, v in (metadata or {}).items() if v})
    article = Article(
        id=article_id(path),
        source=_relative(path, root),
        text=text,
        title=merged.get("title"),
        outlet=merged.get("outlet"),
        published=_iso_date(merged.get("published")),
    )
    return replace(article, content_hash=content_hash(article))


def article_id(path: Path) -> str:
    """The id of the article in ``path``: its file name without extension, made id-safe."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", path.stem).strip("-.") or "article"


def content_hash(article: Article) -> str:
    """A hash of everything stored for an article, so any change re-ingests it."""
    payload = json.dumps([article.text, article.source, article.title, article.outlet, article.published])
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]


def _relative(path: Path, root: Path | None) -> str:
    root = (root or Path.cwd()).resolve()
    resolved = path.resolve()
    try:
        return resolved.relative_to(root).as_posix()
    except ValueError:
        return resolved.as_posix()


def _iso_date(value) -> str | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value).strip()
    m = re.match(r"(\d{4}-\d{2}-\d{2})", text)
    return m.group(1) if m else None


def _split_front_matter(text: str) -> tuple[str, dict]:
    m = re.match(r"---\r?\n(.*?)\r?\n---\r?\n", text, re.S)
    if not m:
        heading = re.search(r"^#\s+(.+)$", text, re.M)
        return text, {"title": heading.group(1).strip() if heading else None}
    try:
        front = yaml.safe_load(m.group(1)) or {}
    except yaml.YAMLError:
        front = {}
    if not isinstance(front, dict):
        front = {}
    meta = {"title": front.get("headline") or front.get("title"), "outlet": front.get("outlet"),
            "published": front.get("published") or front.get("date")}
    return text[m.end():], meta


_SKIP_TAGS = frozenset({"script", "style", "noscript", "template", "svg", "nav", "header", "footer",
                        "aside", "form", "button", "iframe", "head"})
_BLOCK_TAGS = frozenset({"p", "div", "section", "article", "main", "br", "li", "ul", "ol", "h1", "h2",
                         "h3", "h4", "h5", "h6", "blockquote", "pre", "tr", "table", "figcaption", "hr"})


class _MainText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.skip = 0
        self.parts: dict[str, list[str]] = {"all": [], "article": [], "main": []}
        self.inside = {"article": 0, "main": 0}
        self.meta: dict[str, str] = {}
        self._title: list[str] | None = None
        self.title = ""

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "meta":
            key = (attrs.get("property") or attrs.get("name") or "").lower()
            if key and attrs.get("content"):
                self.meta[key] = attrs["content"]
        if tag == "title":
            self._title = []
        if tag in self.inside:
            self.inside[tag] += 1
        if tag in _SKIP_TAGS and tag != "head":
            self.skip += 1
        if tag in _BLOCK_TAGS:
            self._emit("\n")

    def handle_endtag(self, tag):
        if tag == "title" and self._title is not None:
            self.title = " ".join("".join(self._title).split())
            self._title = None
        if tag in _SKIP_TAGS and tag != "head" and self.skip:
            self.skip -= 1
        if tag in _BLOCK_TAGS:
            self._emit("\n")
        if tag in self.inside and self.inside[tag]:
            self.inside[tag] -= 1

    def handle_data(self, data):
        if self._title is not None:
            self._title.append(data)
            return
        if not self.skip:
            self._emit(data)

    def _emit(self, s: str) -> None:
        self.parts["all"].append(s)
        for key, depth in self.inside.items():
            if depth:
                self.parts[key].append(s)


def extract_html(html: str) -> tuple[str, dict]:
    """The main text of an HTML page (``<article>``, else ``<main>``, else ``<body>``) and its metadata.

    Scripts, styles, navigation, headers, footers and forms are dropped; each block element
    becomes its own line, so paragraphs survive as lines.
    """
    parser = _MainText()
    parser.feed(html)
    parser.close()
    for key in ("article", "main", "all"):
        if "".join(parser.parts[key]).strip():
            raw = "".join(parser.parts[key])
            break
    else:
        raw = ""
    lines = [" ".join(line.split()) for line in raw.split("\n")]
    text = "\n\n".join(line for line in lines if line)
    m = parser.meta
    meta = {
        "title": m.get("og:title") or parser.title or None,
        "outlet": m.get("og:site_name") or m.get("publisher"),
        "published": m.get("article:published_time") or m.get("date") or m.get("pubdate"),
    }
    return text, meta
