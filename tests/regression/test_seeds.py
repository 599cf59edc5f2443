"""The golden question set, through the same ``Assistant.answer`` as the CLI ``ask``/``eval``."""

import pytest

from assistant.evaluation import check, load_set
from tests.conftest import ROOT

CASES = load_set(ROOT / "tests/regression/seeds.yaml")

pytestmark = pytest.mark.integration


@pytest.mark.parametrize(
    "case",
    [pytest.param(c, id=c.id, marks=pytest.mark.xfail(reason=c.known_failure, strict=True))
     if c.known_failure else pytest.param(c, id=c.id) for c in CASES],
)
def test_question(assistant, case):
    answer = assistant.answer(case.question)
    failures, _ = check(case, answer)
    assert not failures, f"{case.question!r} -> {answer.answer!r}"
