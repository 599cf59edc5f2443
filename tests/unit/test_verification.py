"""Verification: exact text, support, numbering, and the generated-vs-extractive policy."""

from __future__ import annotations

from assistant.composers.base import Claim, Draft, Evidence
from assistant.models import Article, Dropped, Location
from assistant.question import profile_question
from assistant.verification import Verifier, verify
from vectorstore.terms import terms

TEXT = "Troops arrived late Tuesday. The White House ordered their deployment on Oct. 4. Residents protested."
ARTICLES = {"a": Article("a", "a.txt", TEXT)}


def ev(sentence: str) -> Evidence:
    start = TEXT.index(sentence)
    return Evidence(Location("a", "a.txt", start, start + len(sentence)), sentence)


def test_a_citation_must_be_the_article_text_at_its_offsets():
    moved = Evidence(Location("a", "a.txt", 0, 10), "Residents protested.")
    verified = verify(Draft([Claim("Residents protested.", [moved])], False, 0.9), ARTICLES)
    assert verified.sentences == [] and verified.citations == []
    assert verified.dropped == [Dropped("Residents protested.", "citation text does not match the article")]


def test_numbers_run_in_answer_order_and_the_same_sentence_gets_one_number():
    first, second = ev("The White House ordered their deployment on Oct. 4."), ev("Troops arrived late Tuesday.")
    draft = Draft([Claim(first.text, [first]), Claim(second.text, [second]), Claim(first.text, [first])], False, 0.9)
    verified = verify(draft, ARTICLES)
    assert [ns for _, ns in verified.sentences] == [[1], [2], [1]]
    assert [c.text for c in verified.citations] == [first.text, second.text]


def test_an_answer_through_a_citation_keeps_the_sentences_up_to_it_and_their_citations():
    a, b, c = (ev(t) for t in ("Troops arrived late Tuesday.", "The White House ordered their deployment on Oct. 4.",
                               "Residents protested."))
    verified = verify(Draft([Claim(a.text, [a]), Claim(b.text, [b]), Claim(c.text, [c]), Claim(a.text, [a])],
                            False, 0.9), ARTICLES)
    through = verified.through(2)
    assert [t for t, _ in through.sentences] == [a.text, b.text]
    assert [x.n for x in through.citations] == [1, 2]
    assert verified.through(1).sentences == [(a.text, [1])]
    assert verified.through(9) is verified  # a number the answer does not cite: unchanged
    # through several: up to the later of their first sentences (the lead sentence stays)
    assert [t for t, _ in verified.through(1, 3).sentences] == [a.text, b.text, c.text]
    assert verified.through(2, 1).sentences == through.sentences
    assert verified.through(1, 9) is verified


def test_an_answer_without_some_citations_renumbers_the_rest_in_order():
    a, b, c = (ev(t) for t in ("Troops arrived late Tuesday.", "The White House ordered their deployment on Oct. 4.",
                               "Residents protested."))
    verified = verify(Draft([Claim(a.text, [a]), Claim(b.text, [b]), Claim(c.text, [c])], False, 0.9), ARTICLES)
    left, renumbered = verified.without({2})
    assert left.sentences == [(a.text, [1]), (c.text, [2])]
    assert [(x.n, x.text) for x in left.citations] == [(1, a.text), (2, c.text)]
    assert renumbered == {1: 1, 3: 2}
    # nothing to drop, a number it does not cite, or every sentence: unchanged
    for ns in (set(), {9}, {1, 2, 3}):
        same, renumbered = verified.without(ns)
        assert same is verified and renumbered == {1: 1, 2: 2, 3: 3}


def test_a_claim_with_a_fact_the_passage_lacks_is_dropped():
    e = ev("The White House ordered their deployment on Oct. 4.")
    verified = verify(Draft([Claim("The White House ordered their deployment on Oct. 5.", [e])], False, 0.9), ARTICLES)
    assert not verified.sentences and "oct. 5" in verified.dropped[0].reason


class _Query:
    def __init__(self, text, days=(), day_terms=()):
        self.text = text
        self.profile = profile_question(text, lambda t: 1.0)
        self.days, self.day_terms = list(days), set(day_terms)


def verifier() -> Verifier:
    return Verifier(similarity=lambda a, b: 1.0 if a == b else 0.9, label=lambda e, arts: e.text)


def test_generated_answer_is_shown_when_enough_of_it_holds():
    e = ev("Troops arrived late Tuesday.")
    base = Draft([Claim(e.text, [e])], False, 0.9)
    draft = Draft([Claim("Troops arrived late Tuesday.", [e])], False, 0.9, fallback=base, written=1)
    verdict = verifier().check(draft, _Query("When did troops arrive?"), ARTICLES, "bundled")
    assert verdict.composer == "bundled" and verdict.fallback_from is None and not verdict.rejected


def test_generated_answer_falls_back_when_too_little_holds():
    e = ev("Troops arrived late Tuesday.")
    base = Draft([Claim(e.text, [e])], False, 0.9)
    draft = Draft([Claim("Troops arrived late Tuesday.", [e]), Claim("Governor Abbott sent them.", [e]),
                   Claim("They left on Friday.", [e])], False, 0.9, fallback=base, written=3)
    verdict = verifier().check(draft, _Query("When did troops arrive?"), ARTICLES, "bundled")
    assert verdict.composer == "extractive" and verdict.fallback_from == "bundled"
    assert "1 of 3 generated sentences were supported" in verdict.rejected
    assert [s for s, _ in verdict.verified.sentences] == [e.text]  # the extractive answer
    assert {d.sentence for d in verdict.verified.dropped} == {"Governor Abbott sent them.", "They left on Friday."}


def test_supported_but_beside_the_point_falls_back():
    asked = ev("The White House ordered their deployment on Oct. 4.")
    beside = ev("Residents protested.")
    base = Draft([Claim(asked.text, [asked])], False, 0.9)
    draft = Draft([Claim("Residents protested.", [beside])], False, 0.9, fallback=base, written=1)
    verdict = verifier().check(draft, _Query("Who ordered the deployment?"), ARTICLES, "bundled")
    assert verdict.fallback_from == "bundled" and "of the question's words" in verdict.rejected


def test_a_generated_answer_that_leaves_out_the_answer_itself_falls_back():
    e = ev("The White House ordered their deployment on Oct. 4.")
    base = Draft([Claim(e.text, [e])], False, 0.9)
    question = _Query("When did the White House order the deployment?")
    # supported, on topic, but the day asked for is gone from the rewording
    vague = Draft([Claim("The White House ordered their deployment.", [e])], False, 0.9, fallback=base, written=1)
    verdict = verifier().check(vague, question, ARTICLES, "bundled")
    assert verdict.composer == "extractive" and verdict.fallback_from == "bundled"
    assert "leave out the answer the sources give (\u201cOct. 4\u201d)" in verdict.rejected
    assert [s for s, _ in verdict.verified.sentences] == [e.text]
    said = Draft([Claim("The deployment was ordered by the White House on Oct. 4.", [e])], False, 0.9,
                 fallback=base, written=1)
    assert verifier().check(said, question, ARTICLES, "bundled").composer == "bundled"
    # a question that wants no short answer is not held to one
    why = Draft([Claim("The White House ordered their deployment.", [e])], False, 0.9, fallback=base, written=1)
    assert verifier().check(why, _Query("Why did the White House order the deployment?"), ARTICLES,
                            "bundled").composer == "bundled"


def test_an_llm_that_failed_is_reported_as_the_fallback():
    e = ev("Troops arrived late Tuesday.")
    failed = Draft([Claim(e.text, [e])], False, 0.9, failed=True, notice="The LLM failed")
    verdict = verifier().check(failed, _Query("When did troops arrive?"), ARTICLES, "bundled")
    assert verdict.composer == "extractive" and verdict.fallback_from == "bundled"
    assert verdict.verified.dropped == []


def test_a_generated_sentence_for_a_day_question_must_cite_a_sentence_placed_on_that_day():
    import datetime as dt

    from vectorstore.dates import find_time_expressions

    text = "On Monday, Illinois sued to stop the deployment. This week, groups filed a lawsuit over brutality."
    article = Article("d", "d.txt", text, published="2025-10-08", dates=tuple(find_time_expressions(text, "2025-10-08")))
    monday, week = (Evidence(Location("d", "d.txt", text.index(s), text.index(s) + len(s)), s) for s in
                    ("On Monday, Illinois sued to stop the deployment.",
                     "This week, groups filed a lawsuit over brutality."))
    base = Draft([Claim(monday.text, [monday])], False, 0.9)
    draft = Draft([Claim(monday.text, [monday]), Claim(week.text, [week])], False, 0.9, fallback=base, written=2)
    oct6 = dt.date(2025, 10, 6)
    query = _Query("What happened on Oct. 6?", days=[(oct6, oct6)], day_terms=set(terms("Oct. 6")))
    verdict = verifier().check(draft, query, {"d": article}, "bundled")
    assert [s for s, _ in verdict.verified.sentences] == [monday.text]
    assert verdict.verified.dropped == [Dropped(week.text, "its source does not place the event on the day asked about")]

