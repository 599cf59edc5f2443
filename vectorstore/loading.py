"""Reading article files into ``Article`` objects, with their metadata.

Supported: ``.txt`` and ``.md`` (the file's text, exactly) and ``.html``/``.htm``/``.html.gz``
(the article's main text, found by trafilatura: ``vectorstore/extraction.py``). Metadata comes
from an ``articles.yaml`` beside the files (keyed by file name), then from the file itself
(Markdown front matter; for HTML the headline, site, author and date trafilatura finds). A file
that cannot be used raises ``UnreadableFile`` with the reason; the caller skips it and reports it.

Rules (the README repeats them for users):

- Metadata is validated (``ArticleMetadata``): ``headline`` and ``outlet`` are non-empty text of
  at most 500 / 200 characters, whitespace collapsed; ``published`` is a real calendar date from
  1900 to 2100, written ``YYYY-MM-DD`` (a time after it, as in HTML's ``2025-10-08T12:00:00Z``,
  is allowed and dropped). A bad value skips the file with a reason naming the file, the field
  and what is accepted; it is never stored and never dropped silently. ``null`` means unknown.
- A file larger than the limit (``load_article``'s ``max_bytes``: ``ASSISTANT_MAX_FILE_BYTES``,
  20 MiB by default; a compressed page once unpacked) is skipped before it is read, with a reason
  naming the setting.
- An ``articles.yaml`` entry may hold ``headline``, ``outlet``, ``published`` and ``author``
  (``ENTRY_KEYS``). What is wrong in it without costing anything is reported by name and nothing is
  lost (``read_metadata``'s ``problems``): an unknown key is ignored and the entry's other keys are
  used; an entry for a file that is not in the folder describes nothing; of a file name or a key
  given twice, the last is used (PyYAML's rule), and the message says which.
- An article's id is its path relative to the folder given (extension removed, ``/`` between
  sub-folders), or the file name without extension for a file given by itself. Letters and
  digits of any script are kept; other characters become ``-``.
- Inside a folder, a symbolic link is followed only when it leads to a file inside that folder;
  links leading outside, links to folders, dangling links and link loops are reported as skipped.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import json
import logging
import os
import re
import unicodedata
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Annotated

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError

from vectorstore.extraction import (
    GZIP_MAGIC,
    ExtractedPage,
    NoArticle,
    PageTooLarge,
    decode_html,
    extract_page,
    gunzip,
)
from vectorstore.models import Article

log = logging.getLogger(__name__)
TEXT_SUFFIXES = frozenset({".txt", ".md", ".markdown"})
HTML_SUFFIXES = frozenset({".html", ".htm", ".html.gz", ".htm.gz"})
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES
METADATA_FILE = "articles.yaml"
MAX_FILE_BYTES = 20 * 1024 * 1024  # the largest file read unless told otherwise (ASSISTANT_MAX_FILE_BYTES)
MAX_FILE_BYTES_SETTING = "ASSISTANT_MAX_FILE_BYTES"  # named in the message, so the user knows what to raise
MAX_HEADLINE_CHARS = 500
MAX_OUTLET_CHARS = 200
MAX_AUTHOR_CHARS = 300
YEARS = (1900, 2100)
# The one place that says which metadata an article has: each field and its key in articles.yaml
# (and in messages); an articles.yaml entry may hold these keys and no others.
_FIELD_NAMES = {"title": "headline", "outlet": "outlet", "published": "published", "author": "author"}
ENTRY_KEYS = tuple(_FIELD_NAMES.values())
# Keys front matter accepts as well, so a likely slip in articles.yaml.
_KEY_ALIASES = {"title": "headline", "date": "published"}


class UnreadableFile(Exception):
    """A file that cannot be ingested; the message says why."""


@dataclass(frozen=True)
class FoundFile:
    """An article file to ingest, with the folder argument it was found in (``None``: named by itself)."""

    path: Path
    root: Path | None = None

    @property
    def id(self) -> str:
        """The article id this file will get (see ``article_id``)."""
        return article_id(self.path, self.root)


def find_article_files(paths: list[Path]) -> tuple[list[FoundFile], list[tuple[Path, str]]]:
    """Expand files and folders into article files, sorted by path, each with the folder it came from.

    Folders are searched recursively without following symbolic links out of them: a link is
    used only when it leads to a file inside the folder. A file named by itself is read even
    when it is a link (the user chose it).

    Returns:
        ``(found, skipped)``: supported files, and ``(path, reason)`` for everything named or
        found that will not be read (unsupported type, missing path, link leading outside the
        folder, dangling link, link loop, link to a folder, special file). Metadata files and
        hidden files inside folders are passed over silently.
    """
    found: dict[Path, FoundFile] = {}
    skipped: list[tuple[Path, str]] = []
    for path in paths:
        if path.is_dir():
            for p in _walk(path, path.resolve(), skipped):
                found.setdefault(p, FoundFile(p, path))
        elif path.is_file():
            if suffix(path) in SUPPORTED_SUFFIXES:
                found.setdefault(path, FoundFile(path, None))
            else:
                skipped.append((path, _unsupported(path)))
        else:
            skipped.append((path, "no such file or folder"))
    return [found[p] for p in sorted(found)], skipped


def find_files(paths: list[Path]) -> tuple[list[Path], list[tuple[Path, str]]]:
    """Expand files and folders into article files, sorted (``find_article_files`` without the folders).

    Returns:
        ``(files, skipped)``: supported files, and ``(path, reason)`` for everything that will
        not be read.
    """
    found, skipped = find_article_files(paths)
    return [f.path for f in found], skipped


def _walk(folder: Path, real_root: Path, skipped: list[tuple[Path, str]]) -> list[Path]:
    """Supported files under ``folder`` (recursively); what is passed over goes to ``skipped``."""
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError as exc:
        skipped.append((folder, f"cannot list this folder ({exc.strerror})"))
        return []
    files: list[Path] = []
    for entry in entries:
        p = Path(entry.path)
        if entry.name.startswith("."):
            continue
        try:
            if entry.is_symlink():
                why = _link_problem(p, real_root)
                if why:
                    skipped.append((p, why))
                    continue
            elif entry.is_dir(follow_symlinks=False):
                files.extend(_walk(p, real_root, skipped))
                continue
            elif not entry.is_file(follow_symlinks=False):
                skipped.append((p, "not a regular file (device, socket or pipe)"))
                continue
        except OSError as exc:
            skipped.append((p, f"cannot read ({exc.strerror})"))
            continue
        if entry.name == METADATA_FILE:
            continue
        if suffix(p) in SUPPORTED_SUFFIXES:
            files.append(p)
        else:
            skipped.append((p, _unsupported(p)))
    return files


def _link_problem(link: Path, real_root: Path) -> str | None:
    """Why the symbolic link ``link`` is not followed, or ``None`` when it leads to a file inside ``real_root``."""
    try:
        target = link.resolve(strict=True)
    except FileNotFoundError:
        return f"dangling symbolic link (its target {os.readlink(link)} does not exist)"
    except RuntimeError:  # Python < 3.13 reports a loop this way
        return "symbolic link loop; not followed"
    except OSError as exc:
        if exc.errno == 40:  # ELOOP
            return "symbolic link loop; not followed"
        return f"cannot follow symbolic link ({exc.strerror})"
    if not target.is_relative_to(real_root):
        return (f"symbolic link to {target}, outside the folder {real_root}; not followed "
                "(copy the file into the folder, or name it on the command line, to ingest it)")
    if target.is_dir():
        return "symbolic link to a folder; not followed (its files are ingested from where they really are)"
    if not target.is_file():
        return "symbolic link to something that is not a regular file; not followed"
    return None


def suffix(path: Path) -> str:
    """The file type of ``path``, lower-case: ``.txt``, ``.html``, or ``.html.gz`` for a compressed page."""
    name = path.name.lower()
    for double in (".html.gz", ".htm.gz"):
        if name.endswith(double):
            return double
    return path.suffix.lower()


def _unsupported(path: Path) -> str:
    return f"unsupported file type '{path.suffix or path.name}' (use .txt, .md, .html or .html.gz)"


class _YamlAsWritten(yaml.SafeLoader):
    """Safe YAML that keeps dates as the strings written, so a bad date is reported, not raised."""


_YamlAsWritten.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _load_yaml(text: str):
    return yaml.load(text, Loader=_YamlAsWritten)  # noqa: S506 - a SafeLoader subclass


class _MetadataYaml(_YamlAsWritten):
    """``_YamlAsWritten`` that records every key given more than once in a mapping (PyYAML keeps the
    last one silently): ``duplicates`` holds ``(mapping node, key, [(key node, value node), ...])``."""

    def __init__(self, stream) -> None:
        super().__init__(stream)
        self.root: yaml.Node | None = None
        self.duplicates: list[tuple[yaml.MappingNode, object, list[tuple[yaml.Node, yaml.Node]]]] = []

    def construct_document(self, node):
        self.root = node
        return super().construct_document(node)

    def construct_mapping(self, node, deep=False):
        if isinstance(node, yaml.MappingNode):
            # Before the merge keys (<<) are flattened in: a key written once overrides a merged one, as meant.
            given: dict[object, list[tuple[yaml.Node, yaml.Node]]] = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                key = self.construct_object(key_node, deep=deep)
                try:
                    given.setdefault(key, []).append((key_node, value_node))
                except TypeError:  # not hashable: the base constructor reports it
                    continue
            self.duplicates.extend((node, key, pairs) for key, pairs in given.items() if len(pairs) > 1)
        return super().construct_mapping(node, deep=deep)


@dataclass(frozen=True)
class MetadataFile:
    """A folder's ``articles.yaml`` as read (``read_metadata``).

    Attributes:
        entries: ``{file name: {title, outlet, published, author}}``, values as written.
        problems: what is wrong in it without costing anything (an unknown key, an entry for a
            file that is not in the folder, a key given twice), one message each, naming the entry.
    """

    entries: dict[str, dict]
    problems: tuple[str, ...] = ()


def read_metadata(folder: Path) -> MetadataFile:
    """Read ``folder/articles.yaml``: each file's entry, and its problems.

    Values are as written (dates stay strings); ``load_article`` validates the entry of the
    file it reads, so one bad entry skips only its own file. An entry may hold the keys in
    ``ENTRY_KEYS``; an unknown key is ignored, an entry for a file that is not in the folder
    has nothing to describe, and of a key given twice the last is used: each is in ``problems``.

    Raises:
        UnreadableFile: the YAML is malformed or not a mapping of mappings.
    """
    path = folder / METADATA_FILE
    if not path.is_file():
        return MetadataFile({})
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UnreadableFile(f"{path}: cannot read ({exc.strerror})") from exc
    except UnicodeDecodeError as exc:
        raise UnreadableFile(f"{path}: not valid YAML ({exc})") from exc
    try:
        loader = _MetadataYaml(text)  # the reader checks for unprintable characters here
        try:
            data = loader.get_single_data() or {}
        finally:
            loader.dispose()
    except (yaml.YAMLError, ValueError) as exc:
        raise UnreadableFile(f"{path}: not valid YAML ({exc})") from exc
    except RecursionError as exc:  # the parser recurses once per level of nesting
        raise UnreadableFile(f"{path}: nested too deeply to read (lists or mappings inside each other "
                             "hundreds of levels deep)") from exc
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        raise UnreadableFile(f"{path}: expected a mapping of file name to {{{', '.join(ENTRY_KEYS)}}}")
    problems = [_duplicate(loader.root, node, key, pairs) for node, key, pairs in loader.duplicates]
    files = _file_names(folder)
    for name, entry in data.items():
        name = str(name)
        if name not in files:
            problems.append(f"entry '{name}': no file '{name}' in this folder; nothing is stored for this entry"
                            + _missing_hint(name, files - {str(k) for k in data}))
        for key in entry:
            if key not in ENTRY_KEYS:
                problems.append(f"entry '{name}': unknown key '{key}' ignored{_key_hint(str(key))}; "
                                f"an entry may hold {', '.join(ENTRY_KEYS)}")
    entries = {str(k): {field: v.get(key) for field, key in _FIELD_NAMES.items()} for k, v in data.items()}
    return MetadataFile(entries, tuple(problems))


def load_metadata(folder: Path) -> dict[str, dict]:
    """Read ``folder/articles.yaml`` into ``{file name: {title, outlet, published, author}}``
    (``read_metadata``'s entries, without its problems).

    Raises:
        UnreadableFile: the YAML is malformed or not a mapping of mappings.
    """
    return read_metadata(folder).entries


def _file_names(folder: Path) -> set[str]:
    try:
        return {e.name for e in os.scandir(folder) if e.is_file()}
    except OSError:
        return set()


def _missing_hint(name: str, files: set[str]) -> str:
    """A likely meaning of the entry ``name``: the one of the ``files`` no entry names that is close to it."""
    if "/" in name or "\\" in name:
        return f" (an entry names a file beside {METADATA_FILE}; sub-folders have an {METADATA_FILE} of their own)"
    close = difflib.get_close_matches(name, sorted(files - {METADATA_FILE}), n=2, cutoff=0.75)
    return f" (did you mean '{close[0]}'?)" if len(close) == 1 else ""  # of several as close, none


def _key_hint(key: str) -> str:
    close = _KEY_ALIASES.get(key.lower()) or next(iter(difflib.get_close_matches(key.lower(), ENTRY_KEYS, n=1)), None)
    return f" (did you mean '{close}'?)" if close else ""


def _duplicate(root: yaml.Node | None, node: yaml.MappingNode, key, pairs: list[tuple[yaml.Node, yaml.Node]]) -> str:
    """The problem message of ``key`` given more than once in the mapping ``node``."""
    lines = sorted({k.start_mark.line + 1 for k, _ in pairs})
    where = f"line {lines[0]}" if len(lines) == 1 else "lines " + ", ".join(map(str, lines[:-1])) + f" and {lines[-1]}"
    last_key, last_value = pairs[-1]
    if node is root:
        return (f"'{key}' has {len(pairs)} entries ({where}); the last one (line {last_key.start_mark.line + 1}) "
                "is used, the others are ignored")
    entry = next((str(k.value) for k, v in getattr(root, "value", ()) if v is node), None)
    at = f" (line {last_key.start_mark.line + 1})" if len(lines) > 1 else ""
    used = f": {last_value.value!r}{at}" if isinstance(last_value, yaml.ScalarNode) else at
    prefix = f"entry '{entry}': " if entry is not None else ""
    return f"{prefix}'{key}' is given {len(pairs)} times ({where}); the last value is used{used}"


def _text_field(limit: int):
    def check(value):
        if value is None:
            return None
        if isinstance(value, bool):
            raise ValueError(f"must be text, got {str(value).lower()}; put it in quotes if that is really the name")
        if isinstance(value, (int, float)):
            raise ValueError(f"must be text, got the number {value}; put it in quotes if it is meant as text")
        if not isinstance(value, str):
            kind = {dict: "a mapping", list: "a list"}.get(type(value), type(value).__name__)
            raise ValueError(f"must be text, got {kind} ({value!r}); write it as one line of text")
        text = " ".join(value.split())
        if not text:
            raise ValueError("is empty; write null (or leave it out) when it is not known")
        if len(text) > limit:
            raise ValueError(f"is {len(text)} characters long; at most {limit} are accepted")
        return text
    return check


_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})"
                   r"(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*(?:Z|[+-]\d{2}(?::?\d{2})?)?)?")
_DATE_HINT = "write it as YYYY-MM-DD, e.g. 2025-10-08"


def _published(value):
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        if not YEARS[0] <= value.year <= YEARS[1]:
            raise ValueError(f"{value.isoformat()} has the year {value.year}; years {YEARS[0]} to {YEARS[1]} are accepted")
        return value.isoformat()
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not a date; {_DATE_HINT}")
    text = value.strip()
    if not text:
        raise ValueError("is empty; write null (or leave it out) when it is not known")
    m = _DATE.fullmatch(text)
    if not m:
        raise ValueError(f"'{text}' is not a date; {_DATE_HINT}")
    year, month, day = map(int, m.groups())
    if not YEARS[0] <= year <= YEARS[1]:
        raise ValueError(f"'{text}' has the year {year}; years {YEARS[0]} to {YEARS[1]} are accepted")
    try:
        return dt.date(year, month, day).isoformat()
    except ValueError as exc:
        raise ValueError(f"'{text}' is not a real calendar date ({exc}); {_DATE_HINT}") from None


class ArticleMetadata(BaseModel):
    """An article's validated metadata: ``title`` (the headline), ``outlet``, ``published``, ``author``.

    ``title``/``outlet``/``author``: non-empty text, whitespace collapsed, at most 500/200/300 characters.
    ``published``: a calendar date from 1900 to 2100 as ``YYYY-MM-DD`` (an ISO time after the
    date is accepted and dropped), or a ``datetime.date``. ``None`` means unknown.

    Raises:
        pydantic.ValidationError: a value is not accepted; each error's message says what is.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    title: Annotated[str | None, BeforeValidator(_text_field(MAX_HEADLINE_CHARS))] = None
    outlet: Annotated[str | None, BeforeValidator(_text_field(MAX_OUTLET_CHARS))] = None
    published: Annotated[str | None, BeforeValidator(_published)] = None
    author: Annotated[str | None, BeforeValidator(_text_field(MAX_AUTHOR_CHARS))] = None


def validate_metadata(values: dict, origins: dict[str, str] | None = None) -> ArticleMetadata:
    """``values`` (``title``, ``outlet``, ``published``, ``author``) checked by ``ArticleMetadata``.

    Args:
        values: the metadata as read.
        origins: for each field, where its value came from and under which name, e.g.
            ``"articles.yaml entry 'a.txt': published"``; used in the error message.

    Raises:
        UnreadableFile: one message naming every rejected field and what is accepted.
    """
    try:
        return ArticleMetadata.model_validate(values)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            field = str(err["loc"][0]) if err["loc"] else "metadata"
            where = (origins or {}).get(field) or _FIELD_NAMES.get(field, field)
            error = err.get("ctx", {}).get("error")
            problems.append(f"{where} {error if error else err['msg']}")
        raise UnreadableFile("bad metadata: " + "; ".join(problems)) from None


def load_article(path: Path, metadata: dict | None = None, root: Path | None = None,
                 id_root: Path | None = None, max_bytes: int = MAX_FILE_BYTES) -> Article:
    """Read one file into an ``Article``, its metadata validated.

    Args:
        path: the file.
        metadata: this file's entry from ``articles.yaml`` (wins over the file's own).
        root: ``source`` is recorded relative to this folder when the file is inside it.
        id_root: the folder argument the file was found in; the id is the path relative to it
            (see ``article_id``). ``None``: the file name without extension.
        max_bytes: the largest file read (a compressed page: once unpacked); a larger one is
            refused before it is read.

    Raises:
        UnreadableFile: empty, binary, not UTF-8 (text files; a page may declare its charset),
            larger than ``max_bytes``, no article text found, malformed front matter, or a metadata value that is
            not accepted (see ``ArticleMetadata``).
    """
    try:
        size = path.stat().st_size
        if size <= max_bytes:  # a larger file is not read at all
            with path.open("rb") as f:
                raw = f.read(max_bytes + 1)
            size = max(size, len(raw))  # it may have grown since
    except OSError as exc:
        raise UnreadableFile(f"cannot read ({exc.strerror})") from exc
    if size > max_bytes:
        raise UnreadableFile(f"{_size(size)}, larger than the limit of {_size(max_bytes)} ({MAX_FILE_BYTES_SETTING}); "
                             "raise that setting to ingest it")
    if not raw.strip():
        raise UnreadableFile("empty file")

    own: dict = {}
    own_names: dict[str, str] = {}
    kind = suffix(path)
    if kind in HTML_SUFFIXES:
        # A page declares its own charset (<meta charset>), so it need not be UTF-8.
        try:
            if raw[:2] == GZIP_MAGIC:  # unpacked here, to the same limit as a file
                raw = gunzip(raw, max_bytes)
            page = extract_page(decode_html(raw))
        except PageTooLarge:
            raise UnreadableFile(f"larger than the limit of {_size(max_bytes)} once unpacked "
                                 f"({MAX_FILE_BYTES_SETTING}); raise that setting to ingest it") from None
        except NoArticle as exc:
            raise UnreadableFile(str(exc)) from None
        text = page.text
        own = {"title": page.title, "outlet": page.outlet, "published": page.published, "author": page.author}
        own_names = {"title": "the page's headline", "outlet": "the page's site name",
                     "published": "the page's publication date", "author": "the page's author"}
    else:
        text = _utf8(raw)
        if kind in {".md", ".markdown"}:
            text, own, own_names = _split_front_matter(text)
        if not text.strip():
            raise UnreadableFile("no text once markup is removed")

    values: dict = {}
    origins: dict[str, str] = {}
    for field, name in _FIELD_NAMES.items():
        given = (metadata or {}).get(field)
        if given is not None:
            values[field], origins[field] = given, f"{METADATA_FILE} entry '{path.name}': {name}"
        elif own.get(field) is not None:
            values[field], origins[field] = own[field], own_names.get(field, name)
    meta = validate_metadata(values, origins)
    article = Article(
        id=article_id(path, id_root),
        source=_relative(path, root),
        text=text,
        title=meta.title,
        outlet=meta.outlet,
        published=meta.published,
        author=meta.author,
    )
    return replace(article, content_hash=content_hash(article))


def _size(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MiB" if n >= 1024 * 1024 else f"{n:,} bytes"


def _utf8(raw: bytes) -> str:
    if b"\x00" in raw[:8192]:
        raise UnreadableFile("binary file (contains NUL bytes)")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UnreadableFile(f"not valid UTF-8 (bad byte at offset {exc.start}); save it as UTF-8") from exc
    return text.removeprefix("\ufeff")


def page_article(url: str, page: ExtractedPage, article_id: str) -> Article:
    """An article read from the web page at ``url`` (its ``source``), with the page's metadata.

    Unlike a file's, a page's metadata cannot be fixed by its reader: a value that is not accepted
    (see ``ArticleMetadata``) is left out (unknown) rather than costing the article.
    """
    values = {}
    for field in _FIELD_NAMES:
        value = getattr(page, field)
        try:
            values[field] = getattr(validate_metadata({field: value}), field)
        except UnreadableFile as exc:
            log.info("%s: %s; left out", url, exc)
    article = Article(id=article_id, source=url, text=page.text, **values)
    return replace(article, content_hash=content_hash(article))


def article_id(path: Path, root: Path | None = None) -> str:
    """The id of the article in ``path``.

    Inside ``root`` (the folder argument it was found in): its path relative to ``root``, the
    extension removed and ``/`` between sub-folders, so ``world/x.txt`` and ``local/x.txt`` do
    not collide. Otherwise: the file name without extension. Each part keeps letters, marks and
    digits of any script, ``_``, ``.`` and ``-``; every other run of characters becomes ``-``
    (so a flat folder's ASCII names keep the ids they always had).
    """
    if root is not None and path.is_relative_to(root) and path != root:
        parts = list(path.relative_to(root).parts)
    else:
        parts = [path.name]
    last = Path(parts[-1])
    parts[-1] = last.name[: -len(suffix(last))] if suffix(last) in HTML_SUFFIXES else last.stem
    return "/".join(_id_part(p) for p in parts)


def url_id(url: str) -> str:
    """The id of the article at ``url``: its host and path, e.g. ``example.org/news/2025/story``.

    A trailing ``.html``/``.htm`` and ``index`` are dropped; a query string adds a short digest of
    itself (``?id=1`` and ``?id=2`` are different articles); the fragment is ignored.
    """
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    segments = [seg for seg in parts.path.split("/") if seg]
    if segments:
        segments[-1] = re.sub(r"\.html?$", "", segments[-1], flags=re.I)
        if segments[-1].lower() == "index" and len(segments) > 1:
            segments.pop()
    host = (parts.hostname or "").lower() + (f"-{parts.port}" if parts.port else "")
    path = [_id_part(host)] + [_id_part(seg) for seg in segments]
    if parts.query:
        path[-1] += "-" + hashlib.sha1(parts.query.encode("utf-8")).hexdigest()[:8]
    return "/".join(path)


def _id_part(name: str) -> str:
    name = unicodedata.normalize("NFC", name)
    marked = "".join(c if c in "_.-" or unicodedata.category(c)[0] in "LMN" else "\0" for c in name)
    part = re.sub("\0+", "-", marked).strip("-.")
    # A name with nothing id-safe in it still gets an id of its own, not a shared "article".
    return part or f"article-{hashlib.sha1(name.encode('utf-8')).hexdigest()[:8]}"


def content_hash(article: Article) -> str:
    """A hash of everything stored for an article, so any change re-ingests it."""
    fields = [article.text, article.source, article.title, article.outlet, article.published]
    if article.author is not None:  # added later: articles without one keep the hash they had
        fields.append(article.author)
    payload = json.dumps(fields)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]


def _relative(path: Path, root: Path | None) -> str:
    root = (root or Path.cwd()).resolve()
    resolved = path.resolve()
    try:
        return resolved.relative_to(root).as_posix()
    except ValueError:
        return resolved.as_posix()


def _split_front_matter(text: str) -> tuple[str, dict, dict[str, str]]:
    """``(body, metadata, {field: key as written})``; raises ``UnreadableFile`` on bad front matter."""
    m = re.match(r"---\r?\n(.*?)\r?\n---\r?\n", text, re.S)
    if not m:
        heading = re.search(r"^#\s+(.+)$", text, re.M)
        return text, {"title": heading.group(1).strip() if heading else None}, {"title": "'# ' heading"}
    try:
        front = _load_yaml(m.group(1))
    except (yaml.YAMLError, ValueError) as exc:
        raise UnreadableFile(f"front matter (between the '---' lines) is not valid YAML ({exc})") from exc
    except RecursionError as exc:  # the parser recurses once per level of nesting
        raise UnreadableFile("front matter (between the '---' lines) is nested too deeply to read") from exc
    front = {} if front is None else front
    if not isinstance(front, dict):
        raise UnreadableFile("front matter (between the '---' lines) must be a mapping, "
                             "e.g. 'headline: ...', 'outlet: ...', 'published: 2025-10-08'")
    keys = {"title": "headline" if front.get("headline") is not None else "title", "outlet": "outlet",
            "published": "published" if front.get("published") is not None else "date", "author": "author"}
    meta = {field: front.get(key) for field, key in keys.items()}
    return text[m.end():], meta, {f: f"front matter: {k}" for f, k in keys.items()}
