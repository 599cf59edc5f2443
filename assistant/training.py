"""Fitting the sentence scorer (``assistant/scorer.py``) on question sets with known answers.

Every question of each set is retrieved and its candidate sentences get their features, exactly as
when answering. A sentence counts as answering when it holds the expected phrases (the set's
``mentions``: at least half of the groups, by any phrase of a group, compared without case or
punctuation); every sentence of a question that should be abstained on counts as not answering.
A logistic regression is fitted on those sentences, and the abstain threshold is chosen to
balance the two ways to fail: answering what the articles do not say, and abstaining on what
they do.

Figures are cross-validated: the questions are split into ``k`` folds; each fold is scored by a
model and threshold fitted on the other folds only. The saved model is then fitted on all
questions; the file keeps the cross-validated figures beside it.
"""

from __future__ import annotations

import json
import random
import re
import string
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm

from assistant.answer import Assistant
from assistant.evaluation import Case
from assistant.question import Request
from assistant.scorer import FEATURES, SentenceScorer, hand_set

_PUNCT = set(string.punctuation) | {"\u201c", "\u201d", "\u2018", "\u2019"}


def normalise(text: str) -> str:
    """Lower case, no punctuation, single spaces (dashes and slashes count as spaces)."""
    text = re.sub(r"[-\u2013\u2014/]", " ", text.lower())
    return " ".join("".join(ch for ch in text if ch not in _PUNCT).split())


def holds(text: str, phrase: str) -> bool:
    """Whether ``text`` holds ``phrase`` as whole words, compared normalised."""
    p = normalise(phrase)
    return bool(p) and f" {p} " in f" {normalise(text)} "


@dataclass
class Question:
    """One question's candidate sentences: features (rows, in ``FEATURES`` order) and labels."""

    set_name: str
    id: str
    answerable: bool
    features: np.ndarray
    labels: np.ndarray


def answers(case: Case, text: str) -> bool:
    """Whether a sentence holds at least half of the case's expected phrase groups."""
    if not case.mentions:
        return False
    hit = sum(any(holds(text, p) for p in group) for group in case.mentions)
    return hit >= max(1, len(case.mentions) / 2)


def collect(assistant: Assistant, cases: list[Case], set_name: str) -> list[Question]:
    """The candidate sentences of every usable case (answerable with mentions, or to be abstained on)."""
    out = []
    for case in tqdm(cases, desc=f"Features ({set_name})", unit="q", disable=None):
        answerable = case.abstain is False or (case.abstain is None and bool(case.mentions))
        if answerable and not case.mentions:
            continue
        if not answerable and case.abstain is not True:
            continue
        query = assistant.understanding(Request(case.question, (), case.as_of))
        found = assistant.retriever.retrieve(query, limit=assistant.settings.answer_passages)
        cands = assistant.extractive.candidates(found)
        if not cands:
            continue
        x = np.array([[c.features[f] for f in FEATURES] for c in cands], dtype=float)
        y = np.array([answerable and answers(case, c.evidence.text) for c in cands], dtype=int)
        out.append(Question(set_name, case.id, answerable, x, y))
    return out


def _fit(questions: list[Question], c: float) -> SentenceScorer:
    from sklearn.linear_model import LogisticRegression

    x = np.vstack([q.features for q in questions])
    y = np.concatenate([q.labels for q in questions])
    # every set counts the same, however many questions and sentences it has
    per_set = {name: sum(len(q.labels) for q in questions if q.set_name == name) for name in {q.set_name for q in questions}}
    weight = np.concatenate([np.full(len(q.labels), 1.0 / per_set[q.set_name]) for q in questions])
    weight *= len(weight) / weight.sum()
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    model = LogisticRegression(C=c, class_weight="balanced", max_iter=2000)
    model.fit((x - mean) / scale, y, sample_weight=weight)
    scorer = SentenceScorer(model.coef_[0].round(6).tolist(), round(float(model.intercept_[0]), 6),
                            mean.round(6).tolist(), scale.round(6).tolist(), 0.5)
    scorer.threshold = choose_threshold(scorer, questions)
    return scorer


def _best(scorer: SentenceScorer, q: Question) -> tuple[float, bool]:
    probs = [scorer.probability(dict(zip(FEATURES, row))) for row in q.features]
    i = int(np.argmax(probs))
    return probs[i], bool(q.labels[i])


def outcomes(scorer: SentenceScorer, questions: list[Question], threshold: float | None = None) -> dict:
    """Per question set: hit (answered with an answering sentence first), false_abstain, abstain_correct."""
    t = scorer.threshold if threshold is None else threshold
    return _tally([(q, *_best(scorer, q), t) for q in questions])


def _tally(scored: list[tuple[Question, float, bool, float]]) -> dict:
    """The figures per set, from ``(question, best probability, best answers, threshold)``."""
    by_set: dict[str, dict[str, list]] = {}
    for q, p, right, t in scored:
        s = by_set.setdefault(q.set_name, {"hit": [], "false_abstain": [], "abstain_correct": []})
        if q.answerable:
            s["hit"].append(p >= t and right)
            s["false_abstain"].append(p < t)
        else:
            s["abstain_correct"].append(p < t)
    return {name: {k: round(float(np.mean(v)), 3) if v else None for k, v in s.items()} | {
        "answerable": len(s["hit"]), "unanswerable": len(s["abstain_correct"])} for name, s in by_set.items()}


def choose_threshold(scorer: SentenceScorer, questions: list[Question]) -> float:
    """The threshold that maximises the mean of the hit rate (answerable questions) and the abstain
    rate (the others), averaged over the sets (each set counts the same)."""
    best = [(_best(scorer, q), q) for q in questions]
    sets = sorted({q.set_name for q in questions})
    grid = sorted({round(p, 4) for (p, _), _ in best} | {0.0, 1.0})

    def value(t):
        out = []
        for name in sets:
            answerable = [b for b, q in best if q.set_name == name and q.answerable]
            others = [b for b, q in best if q.set_name == name and not q.answerable]
            parts = []
            if answerable:
                parts.append(np.mean([p >= t and r for p, r in answerable]))
            if others:
                parts.append(np.mean([p < t for p, _ in others]))
            out.append(np.mean(parts))
        return float(np.mean(out))

    return float(max(grid, key=lambda t: (value(t), -abs(t - 0.5))))


def cross_validate(questions: list[Question], k: int = 5, c: float = 1.0, seed: int = 7) -> dict:
    """Each fold's questions scored by a model and threshold fitted on the other folds only."""
    order = list(range(len(questions)))
    random.Random(seed).shuffle(order)
    folds = [order[i::k] for i in range(k)]
    scored: list[tuple[Question, float, bool, float]] = []
    for held in folds:
        held_set = set(held)
        scorer = _fit([q for i, q in enumerate(questions) if i not in held_set], c)
        for i in held:
            p, right = _best(scorer, questions[i])
            scored.append((questions[i], p, right, scorer.threshold))
    return _tally(scored)


def train(questions: list[Question], k: int = 5, c: float = 1.0) -> SentenceScorer:
    """The scorer fitted on all ``questions``, with its ``k``-fold cross-validated figures in ``report``."""
    report = {"cross_validated": cross_validate(questions, k, c),
              "hand_set_on_the_same_questions": outcomes(hand_set(), questions), "folds": k, "C": c,
              "sentences": int(sum(len(q.labels) for q in questions)), "questions": len(questions)}
    scorer = _fit(questions, c)
    report["fitted_on_all (not a quality figure)"] = outcomes(scorer, questions)
    scorer.report = report
    return scorer


def save(scorer: SentenceScorer, path: Path) -> None:
    """Write the scorer as JSON (stable key order, so a refit shows as a readable diff)."""
    Path(path).write_text(json.dumps(scorer.to_dict(), indent=1) + "\n", encoding="utf-8")
