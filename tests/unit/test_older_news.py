"""Asked about the news of a time, a sentence that places what it says before then reports older news."""

from __future__ import annotations

import datetime as dt

import pytest

from assistant.answer import Assistant
from assistant.composers.extractive import _before, listed_year
from assistant.question import Request
from assistant.settings import load_settings
from tests.unit.fakes import HashingEmbedder, MemoryStore
from vectorstore.dates import years_named

CUP = ("The Shelbyville Sharks beat Ogden 3-1 on Sunday to take the county cup.\n\n"
       "1998 \u2014 The Ogden Owls won the county cup final with a 2-0 win over the Springfield Sharks. "
       "The Owls won the county cup final again at home.\n\n"
       "The Sharks had last won the county cup final in March 2019, since 2019 none.\n")


def test_years_named_are_years_not_amounts():
    assert years_named("1986 \u2014 The Mets won the World Series") == [1986]
    assert years_named("in 2019 and 2020") == [2019, 2020]
    assert years_named("$2019, 2,019 people, 2019% and 1.2019") == []
    assert years_named("the sixth since the 2019 elections", since_too=False) == []
    assert years_named("the sixth since the 2019 elections") == [2019]


def test_before_needs_every_time_named_to_be_earlier():
    since = dt.date(2025, 10, 1)
    assert _before(since, [dt.date(2025, 3, 31)], [])
    assert _before(since, [], [1998])
    assert not _before(since, [], [])  # names no time: nothing to tell
    assert not _before(since, [dt.date(2025, 3, 31)], [2025])  # this year too
    assert not _before(since, [None], [1998])  # a time it names is not resolved


def test_a_list_entrys_year_holds_for_each_of_its_sentences():
    text = "Oct. 27\n\n1985 \u2014 The Royals beat the Cardinals. The Royals became champions.\n\nThe Rangers won."
    assert listed_year(text, text.index("The Royals became")) == [1985]
    assert listed_year(text, text.index("The Rangers")) == []
    assert listed_year("In 1985 the Royals won. They became champions.", 24) == []  # no list entry


@pytest.fixture
def cup(tmp_path):
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "cup.txt").write_text(CUP, encoding="utf-8")
    (folder / "articles.yaml").write_text("cup.txt: {headline: Sharks take the cup, published: '2025-10-07'}\n",
                                          encoding="utf-8")
    a = Assistant(load_settings(data_dir=tmp_path / "data"), store=MemoryStore(), embedder=HashingEmbedder())
    a.ingest([folder], progress=False)
    return a


def _candidates(a, as_of):
    query = a.pipeline.understanding(Request("Which team won the county cup final this week?", (), as_of))
    return a.pipeline.extractive.candidates(a.pipeline.retrieve(query))


def test_sentences_reporting_older_news_are_ranked_after_the_others(cup, monkeypatch):
    from assistant.composers import extractive

    cands = _candidates(cup, dt.date(2025, 10, 9))
    # the second sentence of the 1998 entry names no year: the entry's year is its time
    assert {c.evidence.text[:16] for c in cands if c.earlier} == {"1998 \u2014 The Ogden", "The Owls won the",
                                                                  "The Sharks had l"}
    assert cands[0].evidence.text.startswith("The Shelbyville Sharks beat")
    # without the rule the ranker would lead with older news (those sentences say "won ... final")
    monkeypatch.setattr(extractive, "EARLIER_ORDER", 0.0)
    assert _candidates(cup, dt.date(2025, 10, 9))[0].earlier


def test_without_a_day_asked_no_sentence_is_older_news(cup):
    assert not any(c.earlier for c in _candidates(cup, None))
