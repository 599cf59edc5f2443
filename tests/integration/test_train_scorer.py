"""``train-scorer --second-look-only`` for real: the seeds set ingested into its own store, its
questions' candidates collected, the second look fitted and written beside the kept support and ranker."""

from __future__ import annotations

import json

from assistant.scorer import load_scorer
from tests.conftest import run_cli


def test_fitting_only_the_second_look_keeps_the_support_and_the_ranker(tmp_path):
    shipped = load_scorer()
    without = shipped.to_dict() | {"second_look": None}
    out = tmp_path / "scorer.json"
    out.write_text(json.dumps(without), encoding="utf-8")
    run = run_cli("train-scorer", "--second-look-only", "--folds", "2", "--out", str(out),
                  "--set", "tests/regression/seeds.qa.yaml", env={"ASSISTANT_DATA_DIR": str(tmp_path / "data")})
    assert run.returncode == 0, run.stderr
    assert "second look fitted" in run.stdout
    fitted = load_scorer(out)
    assert fitted.second_look is not None
    assert fitted.to_dict() | {"second_look": None} == without  # the support, threshold and ranker untouched
    figures = fitted.second_look.report["cross_validated"]["regression-seeds"]
    assert figures["answerable"] + figures["unanswerable"] == fitted.second_look.report["questions"]


def test_fitting_only_the_second_look_needs_a_scorer_to_add_it_to(tmp_path):
    run = run_cli("train-scorer", "--second-look-only", "--out", str(tmp_path / "none.json"),
                  "--set", "tests/regression/seeds.qa.yaml", env={"ASSISTANT_DATA_DIR": str(tmp_path / "data")})
    assert run.returncode == 2
    assert "no scorer at" in run.stderr
