"""The pipeline judge's comparison (pure logic over candidate rows made here): folds by weeks, the
threshold that keeps false declines at 10%, and figures that follow the labels."""

from __future__ import annotations

import numpy as np

from assistant.judge import COMPOSER_FEATURES, TreeJudge, trees_to_dict
from assistant.training import Question
from tools import pipeline_judge


def questions(n=80, seed=0):
    """Half the questions have one answering candidate with a higher 'dense' and 'lexical'; a
    quarter must be declined (every candidate weak)."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        x = rng.random((8, len(COMPOSER_FEATURES))) * 0.3
        answerable = i % 4 != 0
        y = np.zeros(8, dtype=int)
        if answerable:
            j = int(rng.integers(8))
            y[j] = 1
            x[j, COMPOSER_FEATURES.index("dense")] += 0.6
            x[j, COMPOSER_FEATURES.index("lexical")] += 0.6
        out.append(Question("test", f"2023{(i % 10) + 10:02d}01_{i}", answerable, x, y))
    return out


def test_folds_never_split_a_week():
    qs = questions()
    folds = pipeline_judge.folds(qs)
    assert sorted(i for f in folds for i in f) == list(range(len(qs)))
    weeks = [{pipeline_judge.week(qs[i].id) for i in f} for f in folds]
    assert all(not (a & b) for k, a in enumerate(weeks) for b in weeks[k + 1:])


def test_the_threshold_declines_at_most_a_tenth_of_the_answerable():
    best = [0.1 * k for k in range(20)]
    t = pipeline_judge.threshold_for(best, [True] * 20)
    assert sum(b < t for b in best) <= 2 and sum(b < t + 0.11 for b in best) > 2


def test_the_trees_learn_the_signal_and_write_a_judge_that_gives_their_probabilities():
    qs = questions()
    table, model, threshold = pipeline_judge.compare(qs)
    trees = table["b. boosted trees, 5-fold CV by weeks"]
    assert trees["top1"] > 0.9 and trees["false_declines"] <= 0.1 and trees["declines"] > 0.8
    judge = TreeJudge(trees_to_dict(model, threshold, features=COMPOSER_FEATURES, abstains=True))
    assert judge.abstains and judge.features == COMPOSER_FEATURES
    rows = [dict(zip(COMPOSER_FEATURES, r)) for r in qs[1].features]
    assert np.allclose(judge.probabilities(rows), model.predict_proba(qs[1].features)[:, 1])
