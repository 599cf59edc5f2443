"""Sentence-aware chunking: chunks are runs of whole sentences with exact offsets."""

from __future__ import annotations

import hashlib

from vectorstore.models import Article, Chunk, Span
from vectorstore.sentences import split_long, split_sentences


class SentenceChunker:
    """Packs whole sentences into chunks of about ``target_chars``.

    A chunk never cuts a sentence and never exceeds ``max_chars``: a sentence longer than that
    is first cut into pieces at whitespace (``split_long``), and each piece counts as a
    sentence. A paragraph break closes a chunk once it holds ``target_chars`` or more, so chunks
    follow the article's own paragraphs where they can.
    """

    def __init__(self, target_chars: int = 350, max_chars: int = 700) -> None:
        if not 0 < target_chars <= max_chars:
            raise ValueError("need 0 < target_chars <= max_chars")
        self.target_chars = target_chars
        self.max_chars = max_chars

    def chunk(self, article: Article) -> list[Chunk]:
        """Split ``article`` into chunks; ``article.text[c.start:c.end] == c.text`` for each."""
        text = article.text
        groups: list[list[Span]] = []
        current: list[Span] = []
        spans = [piece for s in split_sentences(text) for piece in split_long(text, s, self.max_chars)]
        for span in spans:
            if current:
                size = span.end - current[0].start
                para_break = "\n" in text[current[-1].end : span.start]
                full = current[-1].end - current[0].start >= self.target_chars
                if size > self.max_chars or (para_break and full):
                    groups.append(current)
                    current = []
            current.append(span)
        if current:
            groups.append(current)
        chunks = []
        for index, spans in enumerate(groups):
            start, end = spans[0].start, spans[-1].end
            body = text[start:end]
            digest = hashlib.sha1(body.encode("utf-8")).hexdigest()[:10]
            chunks.append(
                Chunk(
                    id=f"{article.id}-{index}-{digest}",
                    article_id=article.id,
                    index=index,
                    start=start,
                    end=end,
                    text=body,
                    sentences=tuple(spans),
                    source=article.source,
                    title=article.title,
                    outlet=article.outlet,
                    published=article.published,
                )
            )
        return chunks
