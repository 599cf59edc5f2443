"""The date index: which chunk says something happened on a day, and the timeline's order."""

from __future__ import annotations

import datetime as dt

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
