"""Data types produced by the storage layer and passed upward unchanged.

``assistant.models`` re-exports these beside the answer types, so callers have one place to
import every shared type from.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from vectorstore.dates import TimeExpression


@dataclass(frozen=True)
class Copy:
    """Another place an article's story was found (the same text at another URL, a syndicated
    copy): that source, and the content hash the copy had there (to notice when it changes)."""

    source: str
    content_hash: str = ""
    primary_hash: str = ""  # the article's content hash when the copy was confirmed against it


@dataclass(frozen=True)
class Article:
    """One source article: its exact text and what is known about it.

    ``text`` is the text every offset refers to: the file's characters for ``.txt``/``.md``,
    the extracted main text for an HTML page (a file or a URL; ``source`` is then the URL).
    """

    id: str
    source: str
    text: str
    title: str | None = None
    outlet: str | None = None
    published: str | None = None  # ISO date, e.g. "2025-10-08"
    content_hash: str = ""
    dates: tuple[TimeExpression, ...] = ()  # time expressions, resolved against ``published``
    author: str | None = None
    also_at: tuple[Copy, ...] = ()  # copies of this story at other sources, stored once (here)

    def dates_in(self, start: int, end: int) -> list[TimeExpression]:
        """The resolved time expressions inside ``text[start:end]``."""
        return [e for e in self.dates if e.resolved and start <= e.start and e.end <= end]


@dataclass(frozen=True)
class Span:
    """A sentence's place in its article: ``article.text[start:end]``."""

    start: int
    end: int


@dataclass(frozen=True)
class Chunk:
    """A run of whole sentences from one article, with its exact offsets.

    Invariant: ``article.text[start:end] == text``; ``sentences`` are absolute spans inside it.
    """

    id: str
    article_id: str
    index: int
    start: int
    end: int
    text: str
    sentences: tuple[Span, ...] = ()
    source: str = ""
    title: str | None = None
    outlet: str | None = None
    published: str | None = None


@dataclass(frozen=True)
class ArticleWrite:
    """One article version to store: its chunks, one vector per chunk and one per sentence (in
    chunk order, then sentence order: numpy arrays)."""

    article: Article
    chunks: list[Chunk]
    chunk_vectors: object
    sentence_vectors: object


@dataclass
class ScoredChunk:
    """A chunk with the score a retriever gave it (higher is better)."""

    chunk: Chunk
    score: float
    ranks: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class ArticleRecord:
    """What the store's article row says about an article's stored version (no text)."""

    content_hash: str
    chunks: int
    sentences: int | None = None  # None: stored before the count was kept
    source: str = ""


@dataclass(frozen=True)
class ChunkRecord:
    """A stored chunk's metadata: its article, the article version it was written for, its sentence count."""

    article_id: str
    version: str | None  # the article's content hash; None: stored before versions were kept
    sentences: int


@dataclass(frozen=True)
class SentenceRecord:
    """A stored sentence vector's metadata: its article and chunk."""

    article_id: str
    chunk_id: str


@dataclass
class Inventory:
    """Every record in a store, metadata only: what the consistency check compares."""

    articles: dict[str, ArticleRecord] = field(default_factory=dict)
    chunks: dict[str, ChunkRecord] = field(default_factory=dict)
    sentences: dict[str, SentenceRecord] = field(default_factory=dict)
