"""Dates across the articles: which sentence says which day, for date questions, citations and
the timeline.

``DateIndex`` places every stored time expression (found and resolved at ingest, see
``vectorstore.dates``) in the sentence that holds it. Retrieval uses it to find passages about a
day a question names ("What happened on Oct. 4?" also finds "on Saturday" in a story published
the Wednesday after) and passages that hold a date (for "when" questions); the timeline lists
the dated sentences of all articles in date order. (A citation's own dates come from its
article, ``Article.dates_in``.)
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from assistant.models import Chunk, Location
from vectorstore.copies import near_duplicate
from vectorstore.dates import TimeExpression, format_range

# A timeline entry must be placed to within a month ("last year" says too little to order by).
TIMELINE_MAX_DAYS = 31


@dataclass
class DatedSentence:
    """A sentence and the resolved time expressions inside it (offsets absolute in the article)."""

    location: Location
    text: str
    dates: list[TimeExpression]


@dataclass
class Event:
    """One timeline entry: what a sentence says happened in ``first``..``last``."""

    first: dt.date
    last: dt.date
    phrase: str
    sentence: DatedSentence
    also_in: list[Location] = field(default_factory=list)

    @property
    def label(self) -> str:
        return format_range(self.first, self.last)

    def to_dict(self) -> dict:
        loc = self.sentence.location
        out = {"date": {"start": self.first.isoformat(), "end": self.last.isoformat(), "label": self.label},
               "phrase": self.phrase,
               "citation": {**loc.to_dict(), "text": self.sentence.text,
                            "dates": [e.to_dict() for e in self.sentence.dates]}}
        if self.also_in:
            out["also_in"] = [a.to_dict() for a in self.also_in]
        return out


# For a question only about a day, a sentence must place its event on it at least this well
# (``day_match``): a weekday or a date, or a weekend, not "this week" or "last month".
MIN_DAY_MATCH = 0.4
MONTH_ASKED = 27  # days after the first of a time asked that make it a month or more ("in February")


def day_match(e: TimeExpression, first: dt.date, last: dt.date) -> float:
    """How well ``e`` says "it happened on ``first``..``last``": its confidence, less for a wide range
    (but not when a month or more is asked and ``e`` lies inside it: "in August" for "in August");
    a month named alone places nothing on a narrower time asked."""
    if not e.overlaps(first, last):
        return 0.0
    asked_month = (last - first).days >= MONTH_ASKED
    if e.rule.startswith("date-month") and not asked_month:
        return 0.0  # "in October" does not place anything on Oct. 4 or in its week
    width = (e.last - e.first).days + 1
    if width == 1 or (asked_month and first <= e.first and e.last <= last):
        return e.confidence
    return e.confidence * (0.5 if width <= 7 else 0.2)


# An expression spanning at most this many days is filed under each month it overlaps; a wider
# one under each year (at most ``_MAX_YEARS``); wider still under one key every question reads.
_MONTH_SPAN_DAYS = 62
_MAX_YEARS = 3
_WIDE = ("wide",)


def _months(first: dt.date, last: dt.date) -> list[tuple]:
    out, y, m = [], first.year, first.month
    while (y, m) <= (last.year, last.month):
        out.append(("m", y, m))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _keys(first: dt.date, last: dt.date) -> list[tuple]:
    """The buckets an expression covering ``first``..``last`` is filed under."""
    if (last - first).days <= _MONTH_SPAN_DAYS:
        return _months(first, last)
    if last.year - first.year < _MAX_YEARS:
        return [("y", y) for y in range(first.year, last.year + 1)]
    return [_WIDE]


def _lookup_keys(first: dt.date, last: dt.date) -> list[tuple]:
    """The buckets that can hold an expression overlapping ``first``..``last``."""
    return _months(first, last) + [("y", y) for y in range(first.year, last.year + 1)] + [_WIDE]


class DateIndex:
    """The stored time expressions, placed in their sentences.

    Args:
        chunks: every stored chunk's place: id, article, offsets, sentence spans (the text may be
            empty: the keyword index's ``places``).
        dates: ``{article id: time expressions}`` as stored at ingest.
        fetch: ``{chunk id: chunk}`` with text and metadata for some ids (the keyword index's
            ``chunks``); by default ``chunks`` themselves are the whole chunks.

    Built from ids and offsets only: the text of a dated chunk is read when a question about a
    day returns it, and its sentences when the timeline is drawn.
    """

    def __init__(self, chunks: Iterable[Chunk], dates: dict[str, list[TimeExpression]],
                 fetch: Callable[[list[str]], dict[str, Chunk]] | None = None) -> None:
        self._by_article = {aid: sorted(es, key=lambda e: e.start) for aid, es in dates.items() if es}
        starts = {aid: [e.start for e in es] for aid, es in self._by_article.items()}
        self._chunk_dates: dict[str, list[TimeExpression]] = {}
        self._places: dict[str, Chunk] = {}  # the dated chunks' places (their sentences are read for the timeline)
        given: dict[str, Chunk] = {}
        for c in chunks:
            exprs = self._by_article.get(c.article_id)
            if not exprs:
                continue
            if fetch is None:
                given[c.id] = c
            first = bisect_left(starts[c.article_id], c.start)
            inside = [e for e in exprs[first:bisect_right(starts[c.article_id], c.end)] if e.end <= c.end and e.resolved]
            if inside:
                self._chunk_dates[c.id] = inside
                self._places[c.id] = c
        self._fetch = fetch or (lambda ids: {cid: given[cid] for cid in ids if cid in given})
        # by month (or year, for wider ranges): a question about a day reads only the expressions
        # that can overlap it, never every dated chunk
        self._buckets: dict[tuple, list[tuple[str, TimeExpression]]] = {}
        for cid, exprs in self._chunk_dates.items():
            for e in exprs:
                for key in _keys(e.first, e.last):
                    self._buckets.setdefault(key, []).append((cid, e))
        anchors = [e.anchor for es in dates.values() for e in es if e.anchor]
        self.newest: dt.date | None = max(anchors) if anchors else None

    @property
    def sentences(self) -> list[DatedSentence]:
        """Every dated sentence with its text, in article then text order (reads the dated chunks'
        sentence spans and text: the timeline's work, not a question's)."""
        ordered = sorted(self._places.values(), key=lambda c: (c.article_id, c.index))
        chunks = self._fetch([c.id for c in ordered])
        out = []
        for place in ordered:
            c = chunks.get(place.id)
            if c is None:
                continue
            inside = self._chunk_dates[c.id]
            for span in c.sentences:
                found = [e for e in inside if span.start <= e.start and e.end <= span.end]
                if found:
                    out.append(DatedSentence(Location.of(c, span), c.text[span.start - c.start: span.end - c.start],
                                             found))
        return out

    def __len__(self) -> int:
        """The number of chunks that hold a resolved date."""
        return len(self._chunk_dates)

    def has_time(self, chunk_id: str) -> bool:
        """Whether a chunk holds at least one resolved time expression."""
        return bool(self._chunk_dates.get(chunk_id))

    def chunks_on(self, days: list[tuple[dt.date, dt.date]], k: int) -> list[tuple[Chunk, float]]:
        """Chunks that say something happened on ``days``, best match first (at most ``k``).

        Reads only the expressions filed under the months (or years) ``days`` overlap.
        """
        best: dict[str, float] = {}
        seen: set[tuple[str, int]] = set()
        for key in dict.fromkeys(k for a, b in days for k in _lookup_keys(a, b)):
            for cid, e in self._buckets.get(key, ()):
                if (cid, id(e)) in seen:
                    continue
                seen.add((cid, id(e)))
                m = max(day_match(e, a, b) for a, b in days)
                if m > best.get(cid, 0.0):
                    best[cid] = m
        place = self._places
        ranked = sorted(best.items(), key=lambda x: (-x[1], place[x[0]].article_id, place[x[0]].index))[:k]
        chunks = self._fetch([cid for cid, _ in ranked])  # only the k returned are read
        return [(chunks[cid], m) for cid, m in ranked if cid in chunks]

    def events(self) -> list[Event]:
        """The timeline: each dated sentence under each day or short range it names, in date order.

        The same sentence in several articles (a quoted post) is one event with ``also_in``.
        """
        events: list[Event] = []
        for s in self.sentences:
            seen: set[tuple[dt.date, dt.date]] = set()
            for e in s.dates:
                if (e.last - e.first).days + 1 > TIMELINE_MAX_DAYS or (e.first, e.last) in seen:
                    continue
                seen.add((e.first, e.last))
                twin = next((ev for ev in events if (ev.first, ev.last) == (e.first, e.last)
                             and ev.sentence.location.article_id != s.location.article_id
                             and near_duplicate(ev.sentence.text, s.text)), None)
                if twin:
                    twin.also_in.append(s.location)
                else:
                    events.append(Event(e.first, e.last, e.phrase, s))
        events.sort(key=lambda ev: (ev.first, ev.last, ev.sentence.location.published or "",
                                    ev.sentence.location.article_id, ev.sentence.location.start))
        return events
