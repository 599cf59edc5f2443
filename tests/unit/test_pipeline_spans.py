"""The comparison of ``tools/pipeline_spans`` (pure logic over span rows made here): the hand-set
figures are the hand-set weights' own, the fitted scorer's are out of fold and follow the labels,
and the scorer it returns loads as the assistant would load it."""

from __future__ import annotations

import numpy as np

from assistant.short_answer import KINDS, MIN_SCORE, SPAN_FEATURES, SpanScorer, hand_score
from tools import pipeline_spans
from tools.train_spans import Question, outcome


def questions(n=60, seed=0):
    """Each question has four candidate spans; in three of four, the one named ``answer`` agrees
    with the other passages and fits the kind asked, the others do neither; the rest have no right
    span (a question the spans cannot answer)."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        spans = []
        for j in range(4):
            x = {f: float(rng.random() * 0.3) for f in SPAN_FEATURES}
            x |= {f"kind_{k}": float(k == "person") for k in KINDS}
            if j == 0 and i % 4:
                x["agree"], x["fit"] = 1.0, 1.0
            spans.append((f"answer {i}" if j == 0 else f"other {i} {j}", x))
        out.append(Question(f"2023{(i % 12) + 1:02d}01", spans, f"answer {i}" if i % 4 else "nothing here"))
    return out


def test_the_hand_set_rows_are_the_hand_set_weights_figures():
    qs = questions()
    table, _ = pipeline_spans.compare(qs)
    hand = [np.array([hand_score(x) for _, x in q.spans]) for q in qs]
    assert table["hand-set weights"] == outcome(qs, hand, MIN_SCORE)
    assert table["hand-set weights, best span always given"]["em"] + \
        table["hand-set weights, best span always given"]["wrong"] == 1.0  # every question given one


def test_the_fitted_scorer_learns_the_signal_out_of_fold_and_loads_as_the_assistant_would():
    qs = questions()
    table, scorer = pipeline_spans.compare(qs)
    fitted = table["fitted, 5-fold CV by weeks"]
    assert fitted["em"] >= 0.7 and fitted["wrong"] <= 0.1  # the unanswerable quarter mostly gets none
    assert table["fitted, 5-fold CV, best span always given"]["em"] == 0.75
    loaded = SpanScorer.from_dict(scorer.to_dict())
    right = dict(qs[1].spans[0][1])
    wrong = dict(qs[1].spans[1][1])
    assert loaded.probability(right) >= loaded.threshold > loaded.probability(wrong)
    assert pipeline_spans.compare(qs)[1] == scorer  # seeded: the same fit twice
