"""Presentation: the concise cut of an answer that gives one value of the kind asked."""

from __future__ import annotations

from dataclasses import replace

from assistant.composers.base import Claim, Draft, Evidence
from assistant.models import Article, Location, ShortAnswer
from assistant.present import _concise
from assistant.verification import verify


def test_the_concise_answer_leaves_out_a_sentence_giving_another_of_the_kind_asked():
    """"Which state" answered "California" from the third sentence: the second, chosen for the
    question's other words, names other states (not California) and is left out; the lead stays,
    and the citations and the short answer are numbered again."""
    text = ("Nearly one in five gas stations charges under $4 for a gallon of regular gas. "
            "In Alaska and Hawaii, gas costs less than $4 a gallon at only 1% of stations. "
            "In California, which has the highest average, no station sells gas for less than $5 a gallon.")
    articles = {"g": Article("g", "g.txt", text)}
    lead, rival, gives = (text.split(". ")[i].rstrip(".") + "." for i in range(3))
    evs = [Evidence(Location("g", "g.txt", text.index(s), text.index(s) + len(s)), s) for s in (lead, rival, gives)]
    verified = verify(Draft([Claim(e.text, [e]) for e in evs], False, 0.9), articles)
    start = text.index("California")
    short = ShortAnswer("California", Location("g", "g.txt", start, start + len("California")), 3, of_kind=True)
    question = "Which state has the highest average price for a gallon of regular gas?"
    kept, citations, short = _concise(verified, verified.citations, short, evs[0].location, question)
    assert [t for t, _ in kept.sentences] == [lead, gives]
    assert [(c.n, c.text) for c in citations] == [(1, lead), (2, gives)] and short.n == 2
    # the lead stays even when it names another state
    kept, citations, short = _concise(verified, verified.citations, replace(short, n=3), evs[1].location, question)
    assert [t for t, _ in kept.sentences] == [lead, rival, gives] and short.n == 3


def test_the_passages_an_answer_reports_include_every_one_it_cites():
    from assistant.models import Citation, Passage
    from assistant.present import _with_cited
    from vectorstore.models import Chunk

    ranked = [Passage(Chunk(f"a{i}-0", f"a{i}", 0, 0, 100, "x" * 100), 1.0 - i / 10) for i in range(8)]
    shown = ranked[:5]

    def cite(i: int, at: int = 10) -> Citation:
        return Citation(1, Location(f"a{i}", f"a{i}.txt", at, at + 20), "x" * 20)

    assert _with_cited(shown, ranked, [cite(0), cite(3)]) == shown  # all cited passages are listed already
    # a sentence from the seventh passage is cited: it takes the place of the last uncited one, in rank order
    assert _with_cited(shown, ranked, [cite(6), cite(4)]) == [ranked[i] for i in (0, 1, 2, 4, 6)]
    assert _with_cited(shown, ranked, [cite(7), cite(6)]) == [ranked[i] for i in (0, 1, 2, 6, 7)]
    assert _with_cited(shown, ranked, [cite(0, at=150)]) == shown  # outside that passage's text: not from it
