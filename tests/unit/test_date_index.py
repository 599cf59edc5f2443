"""The date index: which chunk says something happened on a day, and the timeline's order."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from assistant.timeline import DateIndex
from vectorstore.chunking import SentenceChunker
from vectorstore.dates import find_time_expressions
from vectorstore.models import Article

TEXT = ("The council voted on Monday. Protesters gathered on Saturday.\n\n"
        "The mayor will speak next week. The budget passed in recent weeks.\n")


def index() -> DateIndex:
    article = Article("a", "a.txt", TEXT, published="2025-10-08")
    chunks = SentenceChunker(40, 80).chunk(article)
    return DateIndex(chunks, {"a": find_time_expressions(TEXT, article.published)})


def test_a_day_finds_the_chunk_that_places_an_event_on_it():
    idx = index()
    [(chunk, score)] = idx.chunks_on([(dt.date(2025, 10, 4), dt.date(2025, 10, 4))], k=5)
    assert "Saturday" in chunk.text and score > 0.5
    assert idx.chunks_on([(dt.date(2025, 10, 1), dt.date(2025, 10, 1))], k=5) == []
    assert idx.newest == dt.date(2025, 10, 8)


def test_timeline_is_in_date_order_and_leaves_out_what_cannot_be_placed():
    events = index().events()
    assert [(e.label, e.phrase) for e in events] == [
        ("Sat 4 Oct 2025", "Saturday"), ("Mon 6 Oct 2025", "Monday"), ("13–19 Oct 2025", "next week")]


def test_day_lookup_reads_buckets_yet_finds_what_a_scan_of_every_chunk_finds():
    import random

    from assistant.timeline import day_match
    from vectorstore.dates import TimeExpression
    from vectorstore.models import Chunk, Span

    rng = random.Random(3)
    chunks, dates = [], {}
    for i in range(300):
        text = "x" * 100
        chunks.append(Chunk(f"a{i}-0", f"a{i}", 0, 0, 100, text, (Span(0, 100),)))
        exprs = []
        for j in range(rng.randint(0, 3)):
            first = dt.date(2020, 1, 1) + dt.timedelta(days=rng.randint(0, 2000))
            width = rng.choice([0, 0, 1, 6, 30, 90, 400, 2000])
            exprs.append(TimeExpression("p", j * 10, j * 10 + 5, first, first + dt.timedelta(days=width),
                                        first, rng.choice([0.5, 0.9]), "date"))
        dates[f"a{i}"] = exprs
    idx = DateIndex(chunks, dates)
    for _ in range(60):
        a = dt.date(2020, 1, 1) + dt.timedelta(days=rng.randint(0, 2100))
        days = [(a, a + dt.timedelta(days=rng.choice([0, 2, 40])))]
        brute = sorted(((c, max((day_match(e, x, y) for e in dates[c.article_id] for x, y in days), default=0.0))
                        for c in chunks), key=lambda p: (-p[1], p[0].article_id, p[0].index))
        brute = [p for p in brute if p[1] > 0][:20]
        assert idx.chunks_on(days, 20) == brute


def test_built_from_places_the_text_is_fetched_only_for_what_is_returned():
    article = Article("a", "a.txt", TEXT, published="2025-10-08")
    chunks = {c.id: c for c in SentenceChunker(40, 80).chunk(article)}
    fetched: list[list[str]] = []

    def fetch(ids):
        fetched.append(list(ids))
        return {cid: chunks[cid] for cid in ids}

    places = [replace(c, text="") for c in chunks.values()]  # what the keyword index's directory gives
    idx = DateIndex(places, {"a": find_time_expressions(TEXT, article.published)}, fetch=fetch)
    assert fetched == []  # nothing read at build
    [(chunk, _)] = idx.chunks_on([(dt.date(2025, 10, 4), dt.date(2025, 10, 4))], k=5)
    assert "Saturday" in chunk.text and len(fetched) == 1 and len(fetched[0]) == 1
    assert [(e.label, e.phrase) for e in idx.events()] == [(e.label, e.phrase) for e in index().events()]


def test_a_month_asked_takes_what_is_placed_anywhere_in_it_at_its_confidence():
    import datetime as dt

    from assistant.timeline import day_match
    from vectorstore.dates import find_time_expressions

    [month] = find_time_expressions("troops were deployed in August.", "2025-10-08")
    [week] = find_time_expressions("touted a decrease last week.", "2025-09-01")
    august = (dt.date(2025, 8, 1), dt.date(2025, 8, 31))
    assert day_match(month, *august) == month.confidence  # "in August" for "in August"
    assert day_match(week, *august) == week.confidence    # 25-31 Aug, inside it
    day = (dt.date(2025, 8, 30), dt.date(2025, 8, 30))
    assert day_match(month, *day) == 0.0  # a day asked: "in August" places nothing on it
    assert day_match(month, dt.date(2025, 8, 25), dt.date(2025, 8, 31)) == 0.0  # nor in a week
    assert day_match(week, *day) == pytest.approx(0.5 * week.confidence)

