"""Shared data types. The storage types (``Article``, ``Chunk``, ``Span``) come from
``vectorstore.models``; the answer types are defined here. Serialise only at the edges
(``Answer.to_dict`` is the ``ask --json`` contract)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from vectorstore.dates import TimeExpression
from vectorstore.models import Article, Chunk, ScoredChunk, Span

if TYPE_CHECKING:
    from assistant.question import Query

__all__ = ["Article", "Chunk", "ScoredChunk", "Span", "TimeExpression", "Location", "Passage", "Retrieved",
           "Citation", "Dropped", "ShortAnswer", "Answer"]
# How a generated answer that was replaced by the extractive one is listed among the dropped.
WHOLE_ANSWER = "(the generated answer)"


@dataclass(frozen=True)
class Location:
    """Where a piece of text stands: ``article(article_id).text[start:end]``."""

    article_id: str
    source: str
    start: int
    end: int
    title: str | None = None
    outlet: str | None = None
    published: str | None = None

    @classmethod
    def of(cls, chunk: Chunk, span: Span | None = None) -> Location:
        """Where ``chunk`` (or the sentence ``span`` inside it) stands, with the article's metadata."""
        start, end = (span.start, span.end) if span else (chunk.start, chunk.end)
        return cls(chunk.article_id, chunk.source, start, end, chunk.title, chunk.outlet, chunk.published)

    def to_dict(self) -> dict:
        return {"article_id": self.article_id, "source": self.source, "title": self.title,
                "outlet": self.outlet, "published": self.published, "start": self.start, "end": self.end}


@dataclass
class Passage:
    """A retrieved chunk; near-duplicates found in other articles are kept in ``also_in``.

    After retrieval a passage is widened to its window (``HybridRetriever.retrieve``): ``chunk``
    is then the matched chunk with the chunks before and after it in the article (exact offsets,
    ``article.text[start:end] == text``), and ``members`` the stored chunks it spans.
    """

    chunk: Chunk
    score: float
    also_in: list[Location] = field(default_factory=list)
    members: tuple[Chunk, ...] = ()
    match: tuple[int, int] | None = None  # the matched chunk's start and end inside a widened passage

    @property
    def stored(self) -> list[Chunk]:
        """The stored chunks this passage spans (their sentence vectors are its sentences')."""
        return list(self.members or (self.chunk,))

    @property
    def chunk_ids(self) -> list[str]:
        return [c.id for c in self.stored]

    @property
    def location(self) -> Location:
        return Location.of(self.chunk)

    def to_dict(self) -> dict:
        c = self.chunk
        out = {"article_id": c.article_id, "source": c.source, "start": c.start, "end": c.end,
               "text": c.text, "score": round(self.score, 6)}
        if self.also_in:
            out["also_in"] = [loc.to_dict() for loc in self.also_in]
        return out


@dataclass
class Retrieved:
    """What retrieval found for a query: the passages, best first, and their articles (fetched
    once, in one batch, for every later stage: exact-text checks, dates, paragraph context)."""

    query: Query
    passages: list[Passage]
    articles: dict[str, Article]
    older: str | None = None  # the newest publication day of passages left out as too old for the question


@dataclass(frozen=True)
class Dropped:
    """A generated sentence that is not shown, and why."""

    sentence: str
    reason: str

    def to_dict(self) -> dict:
        return {"sentence": self.sentence, "reason": self.reason}


@dataclass
class Citation:
    """A cited sentence: ``text`` is exactly the article's text at ``start:end``.

    ``before`` and ``after`` are the rest of its paragraph (for display; may be shortened
    with an ellipsis), so ``before + text + after`` reads as the paragraph around it.
    ``dates`` are the resolved time expressions inside ``text`` (offsets in the article), so a
    reader sees "late Tuesday" as Tue 7 Oct 2025; ``text`` itself is never changed.
    ``also_at`` are the other sources of the same story (copies stored once, in this article).
    """

    n: int
    location: Location
    text: str
    also_in: list[Location] = field(default_factory=list)
    before: str = ""
    after: str = ""
    dates: list[TimeExpression] = field(default_factory=list)
    also_at: list[str] = field(default_factory=list)

    def segments(self) -> list[tuple[str, TimeExpression | None]]:
        """``text`` cut after each of its dates: ``[(piece, the date it ends with, or None)]``, for display."""
        out, pos = [], self.location.start
        for e in sorted(self.dates, key=lambda e: e.start):
            if e.start < pos or e.end > self.location.end:
                continue
            out.append((self.text[pos - self.location.start:e.end - self.location.start], e))
            pos = e.end
        out.append((self.text[pos - self.location.start:], None))
        return [seg for seg in out if seg[0]]

    def to_dict(self) -> dict:
        out = {"n": self.n, **self.location.to_dict(), "text": self.text,
               "context": {"before": self.before, "after": self.after},
               "dates": [e.to_dict() for e in self.dates]}
        if self.also_in:
            out["also_in"] = [a.to_dict() for a in self.also_in]
        if self.also_at:
            out["also_at"] = list(self.also_at)
        return out


@dataclass(frozen=True)
class ShortAnswer:
    """The few words that answer a "which / who / how many" question ("Taiwan"): a span of the
    cited sentence ``n``, so ``text`` is exactly the article's text at ``location.start:end``."""

    text: str
    location: Location
    n: int
    # the span is exactly the kind asked for (a number for "how many", a US state for "which
    # state", a full name for "who"), not a looser fit (another kind of place, any name)
    of_kind: bool = False
    day: str = ""  # the day a relative time phrase in it means ("Tue 7 Oct 2025" for "late Tuesday")

    @property
    def lead(self) -> str:
        """How the text of an answer with this short answer starts: the span (with the day it
        means, if it is a relative time) and its citation, on a line of their own ("Taiwan [1]",
        "late Tuesday (Tue 7 Oct 2025) [1]"), so that the answer's text says the answer before the
        sentences that give it."""
        day = f" ({self.day})" if self.day else ""
        return f"{self.text}{day} [{self.n}]\n\n"

    def to_dict(self) -> dict:
        loc = self.location
        return {"text": self.text, "start": loc.start, "end": loc.end, "article_id": loc.article_id,
                "citation": self.n, "day": self.day or None}


@dataclass
class Answer:
    """The result of answering one question."""

    question: str
    answer: str
    abstained: bool
    citations: list[Citation] = field(default_factory=list)
    retrieved: list[Passage] = field(default_factory=list)
    closest: list[Citation] = field(default_factory=list)
    searched: str | None = None
    support: float = 0.0
    composer: str = "extractive"  # what wrote the shown answer: "extractive" or the LLM setting, e.g. "bundled"
    fallback_from: str | None = None  # the LLM whose answer this replaces (it failed, or too little held)
    rejected: str = ""  # why a generated answer was replaced by the extractive one
    dropped: list[Dropped] = field(default_factory=list)  # generated sentences not shown
    notice: str = ""  # something the reader should know, e.g. the LLM failed and why
    short_answer: ShortAnswer | None = None  # "Taiwan" for "Which area...?"; None for explanations
    id: str | None = None  # given when the answer is kept in the feedback log (feedback names it)
    follow_ups: list[str] = field(default_factory=list)  # checked questions about the cited articles

    @property
    def body(self) -> str:
        """The answer's text after its short answer's line: what a page shows under the short answer
        in bold (the whole text when there is no short answer)."""
        lead = self.short_answer.lead if self.short_answer and not self.abstained else ""
        return self.answer[len(lead):] if lead and self.answer.startswith(lead) else self.answer

    @property
    def generated(self) -> bool:
        """Whether the shown answer was written by an LLM (not extractive, not a fallback)."""
        return self.composer != "extractive" and self.fallback_from is None

    @property
    def composer_label(self) -> str:
        """``bundled``, ``extractive`` or ``extractive (fallback from bundled)``."""
        return f"{self.composer} (fallback from {self.fallback_from})" if self.fallback_from else self.composer

    def to_dict(self) -> dict:
        """The ``ask --json`` shape."""
        dropped = [d.to_dict() for d in self.dropped]
        if self.rejected:
            dropped.append({"sentence": WHOLE_ANSWER, "reason": f"{self.rejected}: the extractive answer is shown instead"})
        out = {"id": self.id} if self.id else {}
        out |= {"question": self.question, "answer": self.answer, "abstained": self.abstained,
               "short_answer": self.short_answer.to_dict() if self.short_answer else None,
               "citations": [c.to_dict() for c in self.citations],
               "retrieved": [p.to_dict() for p in self.retrieved],
               "support": round(self.support, 4), "composer": self.composer_label, "dropped": dropped}
        out["follow_ups"] = list(self.follow_ups)
        if self.notice:
            out["notice"] = self.notice
        if self.abstained:
            out["closest_matches"] = [c.to_dict() for c in self.closest]
        if self.searched and self.searched != self.question:
            out["searched"] = self.searched
        return out
