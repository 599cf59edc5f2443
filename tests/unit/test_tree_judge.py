"""The tree judge evaluates scikit-learn's boosted trees exactly as scikit-learn does, from the JSON
``make train-judge`` writes; a file for other features is refused with what to do."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.judge import TREE_FEATURES, JudgeError, TreeJudge, trees_to_dict


def test_the_json_trees_give_scikit_learns_probabilities():
    from sklearn.ensemble import HistGradientBoostingClassifier

    rng = np.random.default_rng(3)
    x = rng.random((600, len(TREE_FEATURES)))
    x[rng.random(x.shape) < 0.02] = np.nan  # a missing value takes the side the fit learned
    y = ((np.nan_to_num(x[:, 0]) + 0.5 * np.nan_to_num(x[:, 2]) + 0.2 * rng.random(600)) > 0.9).astype(int)
    model = HistGradientBoostingClassifier(max_iter=30, max_leaf_nodes=7, random_state=0).fit(x, y)
    judge = TreeJudge(trees_to_dict(model, 0.3))
    rows = [dict(zip(TREE_FEATURES, r)) for r in x[:200]]
    assert np.allclose(judge.probabilities(rows), model.predict_proba(x[:200])[:, 1], atol=1e-9)
    assert judge.threshold == 0.3
    assert judge.probabilities([]).shape == (0,)


def test_a_judge_fitted_on_other_features_is_refused():
    with pytest.raises(JudgeError, match="refit it with 'make train-judge'"):
        TreeJudge({"features": ["dense", "wordiness"], "baseline": 0.0, "threshold": 0.5, "trees": []})


def test_a_missing_or_broken_judge_file_says_what_to_do(tmp_path):
    with pytest.raises(JudgeError, match="ASSISTANT_JUDGE=off"):
        TreeJudge.load(tmp_path / "judge.json")
    (tmp_path / "bad.json").write_text("{", encoding="utf-8")
    with pytest.raises(JudgeError, match="cannot be read"):
        TreeJudge.load(tmp_path / "bad.json")
