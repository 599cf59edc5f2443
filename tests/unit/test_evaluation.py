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
