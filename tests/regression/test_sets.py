"""The golden question sets (every ``tests/regression/*.yaml``), through the same ``Assistant.answer``
as the CLI ``ask``/``eval``. ``seeds.yaml`` is the team's own set; ``readers.yaml`` was written
from the articles in the way readers type (lowercase, misspelt names, paraphrase, yes/no)."""

import pytest

from assistant.evaluation import check, load_set
from tests.conftest import ROOT

SETS = sorted((ROOT / "tests/regression").glob("*.yaml"))

pytestmark = pytest.mark.integration


def _params():
    for path in SETS:
        for c in load_set(path):
            marks = [pytest.mark.xfail(reason=c.known_failure, strict=True)] if c.known_failure else []
            yield pytest.param(c, id=f"{path.stem}:{c.id}", marks=marks)


@pytest.mark.parametrize("case", list(_params()))
def test_question(assistant, case):
    answer = assistant.answer(case.question, as_of=case.as_of)
    failures, _ = check(case, answer)
    assert not failures, f"{case.question!r} -> {answer.answer!r}"
