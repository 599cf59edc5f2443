import pytest

from assistant.errors import EvalSetError
from assistant.evaluation import Case, check, load_set
from assistant.models import Answer, Citation, Location
from tests.conftest import ROOT


def test_the_seed_set_is_well_formed():
    cases = load_set(ROOT / "tests/regression/seeds.yaml")
    assert len(cases) >= 40
    assert sum(1 for c in cases if c.abstain) >= 5
    assert {a for c in cases for a in c.articles} >= {p.stem for p in (ROOT / "seeds").glob("*.txt")}


@pytest.mark.parametrize("text, message", [
    ("not: a list", "non-empty YAML list"),
    ("- {question: q}", "needs 'id'"),
    ("- {id: a, question: q, expect: {mention: [x]}}", "unknown expect"),
    ("- {id: a, question: q}\n- {id: a, question: r}", "duplicate id"),
])
def test_malformed_sets_are_rejected(tmp_path, text, message):
    p = tmp_path / "s.yaml"
    p.write_text(text)
    with pytest.raises(EvalSetError, match=message):
        load_set(p)


def test_check_reports_each_failed_expectation():
    loc = Location("000", "s.txt", 0, 5)
    answer = Answer("q", "Troops arrived late Tuesday. [1]", False, [Citation(1, loc, "Troop")])
    case = Case("x", "q", mentions=[["late Tuesday"], ["Elwood", "village"]], articles=["000", "001"], abstain=False)
    failures, recall = check(case, answer)
    assert failures == ["answer lacks 'Elwood' / 'village'", "article 001 not cited"]
    assert recall == 0.0


def test_as_of_is_read_as_a_date_and_a_bad_one_is_refused(tmp_path):
    import datetime as dt

    p = tmp_path / "s.yaml"
    p.write_text("- {id: a, question: q, as_of: '2022-06-16'}\n- {id: b, question: r}\n")
    assert [c.as_of for c in load_set(p)] == [dt.date(2022, 6, 16), None]
    p.write_text("- {id: a, question: q, as_of: 'last week'}\n")
    with pytest.raises(EvalSetError, match="as_of must be a date"):
        load_set(p)
