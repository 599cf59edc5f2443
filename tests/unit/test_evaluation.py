import datetime as dt
import re

import pytest

from assistant.errors import EvalSetError
from assistant.evaluation import (
    Case,
    DateExpectation,
    Failure,
    Result,
    Run,
    check,
    explain,
    load_set,
    read_set,
)
from assistant.models import Answer, Citation, Location, ShortAnswer, TimeExpression
from tests.conftest import ROOT, SEEDS


def test_the_seed_set_is_well_formed():
    cases = load_set(ROOT / "tests/regression/seeds.qa.yaml")
    assert len(cases) >= 40
    assert sum(1 for c in cases if c.abstain) >= 5
    assert {a for c in cases for a in c.articles} >= {p.stem for p in (ROOT / "seeds").glob("*.txt")}


@pytest.mark.parametrize("text, message", [
    ("just text", "non-empty YAML list"),
    ("corpus: articles", "non-empty YAML list"),
    ("not: a list", "unknown key(s) ['not'] at the top; allowed: ['corpus', 'questions']"),
    ("- {question: q}", "needs 'id'"),
    ("- {id: a, question: q, expect: {mention: [x]}}", "unknown expect"),
    ("- {id: a, question: q}\n- {id: a, question: r}", "duplicate id"),
])
def test_malformed_sets_are_rejected(tmp_path, text, message):
    p = tmp_path / "s.yaml"
    p.write_text(text)
    with pytest.raises(EvalSetError, match=re.escape(message)):
        load_set(p)


def test_check_reports_each_failed_expectation():
    loc = Location("000", "s.txt", 0, 5)
    answer = Answer("q", "Troops arrived late Tuesday. [1]", False, [Citation(1, loc, "Troop")])
    case = Case("x", "q", mentions=[["late Tuesday"], ["Elwood", "village"]], articles=["000", "001"], abstain=False)
    failures, recall = check(case, answer)
    assert failures == [Failure("mentions", "answer lacks 'Elwood' / 'village'"), Failure("articles", "article 001 not cited")]
    assert [str(f) for f in failures] == ["mentions: answer lacks 'Elwood' / 'village'", "articles: article 001 not cited"]
    assert recall == 0.0


TUESDAY = TimeExpression("late Tuesday", 60, 72, dt.date(2025, 10, 7), dt.date(2025, 10, 7), dt.date(2025, 10, 8),
                         0.8, "weekday")
SENTENCE = "There has been pushback in Chicago, where 200 soldiers sent from Texas arrived late Tuesday."


def _answer(abstained: bool = False) -> Answer:
    start = 10
    loc = Location("001", "seeds/001.txt", start, start + len(SENTENCE))
    tuesday = TimeExpression(TUESDAY.phrase, start + SENTENCE.index("late"), start + SENTENCE.index("late") + 12,
                             TUESDAY.first, TUESDAY.last, TUESDAY.anchor, TUESDAY.confidence, TUESDAY.rule)
    cited = [Citation(1, loc, SENTENCE, dates=[tuesday]), Citation(2, Location("000", "seeds/000.txt", 0, 6), "Elwood")]
    short = ShortAnswer("200", Location("001", "seeds/001.txt", start + SENTENCE.index("200"),
                                        start + SENTENCE.index("200") + 3), 1)
    return Answer("How many soldiers arrived?", f"{SENTENCE} [1] Elwood [2]", abstained, cited, short_answer=short)


@pytest.mark.parametrize("expect, failure", [
    ({"mentions": [["Mars", "Venus"]]}, "mentions: answer lacks 'Mars' / 'Venus'"),
    ({"not_mentions": ["TEXAS"]}, "not_mentions: answer contains 'TEXAS'"),
    ({"articles": ["002"]}, "articles: article 002 not cited"),
    ({"abstain": True}, "abstain: answered where it should abstain"),
    ({"short_answer": ["300", "three hundred"]}, "short_answer: short answer '200' is not '300' / 'three hundred'"),
    ({"dates": [DateExpectation("late Tuesday", dt.date(2025, 10, 8), dt.date(2025, 10, 8))]},
     "dates: 'late Tuesday' should be Wed 8 Oct 2025; cited: 'late Tuesday' = Tue 7 Oct 2025"),
    ({"dates": [DateExpectation("Oct. 4", dt.date(2025, 10, 4), dt.date(2025, 10, 4))]},
     "dates: no citation holds the time phrase 'Oct. 4' (cited: 'late Tuesday')"),
    ({"max_citations": 1}, "max_citations: 2 citations, at most 1 expected"),
])
def test_every_expectation_fails_with_a_message_naming_it(expect, failure):
    case = Case("x", "How many soldiers arrived?", **expect)
    assert [str(f) for f in check(case, _answer())[0]] == [failure]


def test_every_expectation_passes_when_met():
    case = Case("x", "q", mentions=[["200 SOLDIERS"], ["mars", "elwood"]], not_mentions=["Mars"], articles=["000", "001"],
                abstain=False, short_answer=[" 200 "], max_citations=2,
                dates=[DateExpectation("Tuesday", dt.date(2025, 10, 7), dt.date(2025, 10, 7))])
    assert check(case, _answer())[0] == []
    assert [str(f) for f in check(Case("y", "q", abstain=False), _answer(abstained=True))[0]] == [
        "abstain: abstained where it should answer"]
    no_short = _answer()
    no_short.short_answer = None
    assert [str(f) for f in check(Case("z", "q", short_answer=["200"]), no_short)[0]] == [
        "short_answer: no short answer; expected '200'"]


def test_a_set_with_its_corpus_reads_every_expectation(tmp_path):
    (tmp_path / "sets").mkdir()
    p = tmp_path / "sets" / "team.qa.yaml"
    p.write_text("""\
corpus: ../articles
questions:
- id: soldiers
  question: How many soldiers arrived?
  as_of: 2025-10-09
  expect:
    mentions: [Chicago, [200, two hundred]]
    not_mentions: Mars
    articles: [001_abc]
    abstain: false
    short_answer: "200"
    dates: [{phrase: late Tuesday, day: 2025-10-07}, {phrase: this week, start: '2025-10-06', end: '2025-10-12'}]
    max_citations: 2
- id: moon
  question: How far is the Moon?
  known_failure: answers about Chicago
  expect: {abstain: true}
""")
    qset = read_set(p)
    assert qset.corpus == (tmp_path / "articles").resolve()
    soldiers, moon = qset.cases
    assert soldiers.mentions == [["Chicago"], ["200", "two hundred"]] and soldiers.not_mentions == ["Mars"]
    assert soldiers.articles == ["001_abc"]
    assert soldiers.dates == [DateExpectation("late Tuesday", dt.date(2025, 10, 7), dt.date(2025, 10, 7)),
                              DateExpectation("this week", dt.date(2025, 10, 6), dt.date(2025, 10, 12))]
    assert (soldiers.max_citations, soldiers.short_answer, soldiers.as_of) == (2, ["200"], dt.date(2025, 10, 9))
    assert (moon.known_failure, moon.abstain) == ("answers about Chicago", True)
    assert (soldiers.line, moon.line) == (2, 13)  # where each starts in the file (0-based), for test reports
    assert read_set(ROOT / "tests/regression/readers.qa.yaml").corpus == SEEDS


@pytest.mark.parametrize("text, message", [
    ("corpus: x\nquestion: []", "unknown key(s) ['question'] at the top"),
    ("- {id: a, question: q, expected: {}}", "unknown key(s) ['expected']"),
    ("- {id: a, question: q, expect: {dates: [{phrase: x}]}}", "each of dates must be"),
    ("- {id: a, question: q, expect: {dates: [{phrase: x, day: 'next week'}]}}", "each of dates must be"),
    ("- {id: a, question: q, expect: {max_citations: two}}", "max_citations must be a whole number"),
    ("- {id: a, question: q, expect: {abstain: maybe}}", "abstain must be true or false"),
    ("- {id: a, question: q, expect: [mentions]}", "'expect' must be a mapping"),
])
def test_malformed_expectations_are_rejected_naming_the_entry(tmp_path, text, message):
    p = tmp_path / "s.qa.yaml"
    p.write_text(text)
    with pytest.raises(EvalSetError, match=re.escape(message)):
        load_set(p)


def test_repeated_runs_pass_on_a_share_and_the_report_shows_the_spread():
    case = Case("x", "How many soldiers arrived?", mentions=[["200"]])
    good, bad = Run(_answer(), [], None), Run(_answer(), [Failure("mentions", "answer lacks '200'")], None)
    result = Result(case, [bad, good, good], min_pass=0.6)
    assert result.passed and result.shown is good and result.failures == []
    assert result.spread == "2 of 3 runs passed (needs 60%); failed: mentions in 1"
    strict = Result(case, [good, bad, good])
    assert not strict.passed and strict.shown is bad and strict.status == "fail"
    assert strict.to_dict()["runs"] == {"passed": 2, "total": 3, "min_pass": 1.0,
                                        "failures": [[], ["mentions: answer lacks '200'"], []]}
    assert Result(Case("k", "q", known_failure="why"), [good]).status == "unexpected pass"


def test_explain_shows_the_question_what_failed_the_answer_and_its_citations():
    case = Case("x", "How many soldiers arrived?", as_of=dt.date(2025, 10, 9), mentions=[["300"]], max_citations=1)
    answer = _answer()
    text = explain(Result(case, [Run(answer, check(case, answer)[0], None)]))
    assert text.splitlines() == [
        "failed 2 expectations: mentions, max_citations",
        "  - mentions: answer lacks '300'",
        "  - max_citations: 2 citations, at most 1 expected",
        "question: How many soldiers arrived?  (as of 2025-10-09)",
        f"answer (extractive): {SENTENCE} [1] Elwood [2]",
        "short answer: 200 [1]",
        "citations:",
        f"  [1] seeds/001.txt 10-{10 + len(SENTENCE)}: \u201c{SENTENCE}\u201d",
        "      'late Tuesday' = Tue 7 Oct 2025",
        "  [2] seeds/000.txt 0-6: \u201cElwood\u201d",
    ]


def test_as_of_is_read_as_a_date_and_a_bad_one_is_refused(tmp_path):
    p = tmp_path / "s.yaml"
    p.write_text("- {id: a, question: q, as_of: '2022-06-16'}\n- {id: b, question: r}\n")
    assert [c.as_of for c in load_set(p)] == [dt.date(2022, 6, 16), None]
    p.write_text("- {id: a, question: q, as_of: 'last week'}\n")
    with pytest.raises(EvalSetError, match="as_of must be a date"):
        load_set(p)


def test_a_set_with_repeated_ids_can_be_read_renumbered(tmp_path):
    from assistant.evaluation import read_set

    p = tmp_path / "s.yaml"
    p.write_text("- {id: a, question: q}\n- {id: a, question: r}\n- {id: b, question: s}\n- {id: a, question: t}\n")
    with pytest.raises(EvalSetError, match="duplicate id 'a'"):
        load_set(p)
    assert [c.id for c in read_set(p, renumber=True).cases] == ["a", "a~2", "b", "a~3"]
