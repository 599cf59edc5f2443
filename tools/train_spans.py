"""The short-answer span scorer (``assistant/spans.json``), fitted on RealTime QA 2023 by weeks.

For each question of the year whose own search results hold the answer, the cited sentences are
those an answer would lead with: the first pool sentence holding the gold answer, then the next
two of the pool (``tools.judge_data``); the other pool sentences are the passages agreement is
counted over. Every candidate span ``assistant.short_answer.span_features`` finds there is an
example: a positive when its words are the gold answer's (the benchmark's exact match). A logistic
model over the span features is fitted on the training weeks; its threshold (no short answer below
it) maximises right minus half the wrong short answers over 5 folds by weeks (``WRONG_COST``). Figures are per question: **em** (the short answer given is the gold one),
**wrong** (a short answer is given and it is not), against the hand-set weights.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace

import numpy as np

from assistant import short_answer
from assistant.short_answer import SPAN_FEATURES, SpanScorer, hand_score, span_features
from tools.judge_data import Pool, normalize, week_folds

# What a wrong short answer costs against a right one when the threshold is chosen. Half: the judge
# has already refused a short answer where it doubts the sentence answers at all.
WRONG_COST = 0.5
THRESHOLDS = tuple(np.round(np.arange(0.05, 0.95, 0.05), 2))


@dataclass(frozen=True)
class _Cited:
    text: str
    # where in its article: unknown here, so any sentence may open one (and hold a dateline)
    location: SimpleNamespace = field(default_factory=lambda: SimpleNamespace(start=0))


@dataclass
class Question:
    week: str
    spans: list[tuple[str, dict[str, float]]]  # (span text, features)
    gold: str


def span_questions(pools: list[Pool]) -> list[Question]:
    """The span examples of every pool that holds its answer and asks for a short one."""
    out = []
    for p in pools:
        want = short_answer.asked(p.question)
        first = next((i for i, c in enumerate(p.candidates) if c.label), None)
        if want is None or first is None:
            continue
        rest = [c for i, c in enumerate(p.candidates) if i != first]
        cited = [_Cited(p.candidates[first].text)] + [_Cited(c.text) for c in rest[:2]]
        others = [c.text for c in rest[2:10]]
        spans = [(c.text[s:e], x) for c, s, e, _, x in span_features(p.question, want, cited, others)]
        out.append(Question(p.week, spans, p.gold))
    return out


def _right(span: str, gold: str) -> bool:
    return normalize(span).split() == normalize(gold).split()


def outcome(questions: list[Question], scores: list[np.ndarray], threshold: float) -> dict[str, float]:
    """em and wrong (shares of the questions) when each gives its best span at or above ``threshold``."""
    right = wrong = 0
    for q, s in zip(questions, scores):
        if len(s) and s.max() >= threshold:
            ok = _right(q.spans[int(np.argmax(s))][0], q.gold)
            right += ok
            wrong += not ok
    n = max(len(questions), 1)
    return {"questions": len(questions), "em": right / n, "wrong": wrong / n, "threshold": float(threshold)}


def _matrix(q: Question) -> np.ndarray:
    return np.array([[x[f] for f in SPAN_FEATURES] for _, x in q.spans], dtype=np.float64).reshape(-1, len(SPAN_FEATURES))


def fit(questions: list[Question], seed: int):
    """A logistic model of whether a span is the right short answer, fitted on every span of the
    questions (label: the span matches the question's gold answer)."""
    from sklearn.linear_model import LogisticRegression

    xs = np.vstack([_matrix(q) for q in questions])
    ys = np.array([_right(span, q.gold) for q in questions for span, _ in q.spans])
    return LogisticRegression(C=1.0, max_iter=2000, random_state=seed).fit(xs, ys)


def _scores(model, questions: list[Question]) -> list[np.ndarray]:
    return [model.predict_proba(_matrix(q))[:, 1] if q.spans else np.zeros(0) for q in questions]


def best_threshold(questions: list[Question], scores: list[np.ndarray]) -> float:
    """The probability below which no short answer is given: the one of ``THRESHOLDS`` with the
    most exact matches, less ``WRONG_COST`` per wrong short answer, over these scores."""

    def worth(t: float) -> float:
        o = outcome(questions, scores, t)
        return o["em"] - WRONG_COST * o["wrong"]

    return max(THRESHOLDS, key=worth)


def out_of_fold(questions: list[Question], seed: int) -> list[np.ndarray]:
    """Each question's span scores by a model fitted on the other folds (5 folds by weeks)."""
    oof: list[np.ndarray] = [np.zeros(0)] * len(questions)
    for fold in week_folds([q.week for q in questions], range(len(questions))):
        held = set(fold)
        model = fit([q for i, q in enumerate(questions) if i not in held], seed)
        for i, s in zip(fold, _scores(model, [questions[i] for i in fold])):
            oof[i] = s
    return oof


def fit_spans(pools: list[Pool], valid_from: str, seed: int = 13) -> tuple[SpanScorer, dict[str, dict]]:
    """The span scorer fitted on the weeks before ``valid_from``, and the figures table."""
    questions = span_questions(pools)
    train = [q for q in questions if q.week < valid_from]
    valid = [q for q in questions if q.week >= valid_from]
    table: dict[str, dict] = {}
    hand_train = [np.array([hand_score(x) for _, x in q.spans]) for q in train]
    hand_valid = [np.array([hand_score(x) for _, x in q.spans]) for q in valid]
    table["hand-set weights, training weeks"] = outcome(train, hand_train, short_answer.MIN_SCORE)
    table["hand-set weights"] = outcome(valid, hand_valid, short_answer.MIN_SCORE)
    oof = out_of_fold(train, seed)  # out-of-fold scores choose the threshold
    threshold = best_threshold(train, oof)
    table["span scorer, 5-fold CV (training weeks)"] = outcome(train, oof, threshold)
    model = fit(train, seed)
    table["span scorer"] = outcome(valid, _scores(model, valid), threshold)
    scorer = SpanScorer(tuple(float(c) for c in model.coef_[0]), float(model.intercept_[0]), float(threshold),
                        {k: {m: round(v, 4) if isinstance(v, float) else v for m, v in f.items()} for k, f in table.items()})
    return scorer, table


def print_table(table: dict[str, dict]) -> None:
    print(f"{'short answers':48} {'questions':>9} {'em':>6} {'wrong':>6} {'threshold':>9}")
    for name, f in table.items():
        print(f"{name:48} {f['questions']:9d} {f['em']:6.3f} {f['wrong']:6.3f} {f['threshold']:9.2f}")
