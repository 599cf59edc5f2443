"""Fitting the sentence scorer (``assistant/scorer.py``) on question sets with known answers.

Every question of each set is retrieved and its candidate sentences get their features, exactly as
when answering. A sentence counts as answering when it holds the expected phrases (the set's
``mentions``: at least half of the groups, by any phrase of a group, compared without case or
punctuation); every sentence of a question that should be abstained on counts as not answering.
A ranker is fitted on pairs of an answering and a non-answering sentence of the same question
(a logistic regression on their feature differences): it learns which sentence to answer with.
Whether to answer at all stays with the hand-set support score and its threshold: a fitted
support score and threshold were tried and did worse on the cross-validated figures.

Figures are cross-validated: the questions are split into ``k`` folds; each fold is ordered by a
ranker fitted on the other folds only. Questions of a news week stay in one fold (an id
``YYYYMMDD_N`` names its week, as RealTime QA's do: a week's questions share stories); other
questions are spread one by one. The saved ranker is then fitted on all questions; the file keeps
the cross-validated figures beside it.

The second look (``scorer.SecondLook``, ``--second-look-only``) is fitted on whole questions: a
logistic model of whether a question is answerable, from its best support, its first sentence's
article coverage and its answer votes, on the questions every word of which occurs in the articles
(answerable ones only when a candidate holds the answer). Its threshold is the one whose
cross-validated decisions (the support's, overruled where the model is confident) get the most
questions right: answered with an answering first sentence, or declined when nothing answers.
"""

from __future__ import annotations

import dataclasses
import json
import random
import re
import string
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm

from assistant.answer import Assistant
from assistant.composers.extractive import lead
from assistant.evaluation import Case
from assistant.question import Request
from assistant.scorer import FEATURES, SecondLook, SentenceScorer, hand_set

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


def collect(assistant: Assistant, cases: list[Case], set_name: str,
            features: tuple[str, ...] = FEATURES) -> list[Question]:
    """The candidate sentences of every usable case (answerable with mentions, or to be abstained on;
    questions of several parts are left out), with the candidates' ``features`` (by their names in
    ``ExtractiveComposer``; default the scorer's)."""
    out = []
    for case in tqdm(cases, desc=f"Features ({set_name})", unit="q", disable=None):
        answerable = case.abstain is False or (case.abstain is None and bool(case.mentions))
        if answerable and not case.mentions:
            continue
        if not answerable and case.abstain is not True:
            continue
        query = assistant.pipeline.understanding(Request(case.question, (), case.as_of))
        if query.parts:
            # "How did X respond, and what did Y do?" is answered part by part, each part's sentences
            # with their own features; the expected phrases do not say which part they answer
            continue
        found = assistant.pipeline.retrieve(query)
        cands = assistant.pipeline.extractive.candidates(found)
        if not cands:
            continue
        x = np.array([[c.features[f] for f in features] for c in cands], dtype=float)
        y = np.array([answerable and answers(case, c.evidence.text) for c in cands], dtype=int)
        out.append(Question(set_name, case.id, answerable, x, y))
    return out


def fit_ranker(questions: list[Question], c: float = 0.1) -> dict:
    """A linear ranker fitted on pairs of candidates of the same answerable question: for each
    sentence that answers and each that does not, the difference of their (standardised) features
    should score above zero. Every question counts the same, and every set the same, however many
    questions and sentences it has. Deterministic (no randomness in the solver)."""
    from sklearn.linear_model import LogisticRegression

    usable = [q for q in questions if q.answerable and 0 < q.labels.sum() < len(q.labels)]
    if not usable:
        raise ValueError("no question has both an answering and a non-answering candidate to learn an order from")
    allx = np.vstack([q.features for q in questions])
    mean, scale = allx.mean(axis=0), allx.std(axis=0)
    scale[scale == 0] = 1.0
    per_set: dict[str, int] = {}
    for q in usable:
        per_set[q.set_name] = per_set.get(q.set_name, 0) + 1
    diffs, weights = [], []
    for q in usable:
        x = (q.features - mean) / scale
        pos, neg = x[q.labels == 1], x[q.labels == 0]
        d = (pos[:, None, :] - neg[None, :, :]).reshape(-1, x.shape[1])
        diffs.append(d)
        weights.append(np.full(len(d), 1.0 / (len(d) * per_set[q.set_name])))
    d, w = np.vstack(diffs), np.concatenate(weights)
    x = np.vstack([d, -d])
    y = np.concatenate([np.ones(len(d)), np.zeros(len(d))])
    w = np.concatenate([w, w])
    model = LogisticRegression(C=c, fit_intercept=False, max_iter=5000)
    model.fit(x, y, sample_weight=w * len(w) / w.sum())
    return {"coefficients": model.coef_[0].round(6).tolist(), "mean": mean.round(6).tolist(),
            "scale": scale.round(6).tolist()}


def with_ranker(scorer: SentenceScorer, ranker: dict | None) -> SentenceScorer:
    """``scorer`` (its support score and threshold) with ``ranker`` choosing the sentence."""
    return dataclasses.replace(scorer, ranker=ranker)


@dataclass
class Judged:
    """A question as a scorer sees it: its best support (whether to answer), whether the sentence
    the answer would lead with answers (``first``), and its second-look features (None: it gets no
    second look)."""

    question: Question
    support: float
    first: bool
    values: list[float] | None


def judged(scorer: SentenceScorer, q: Question) -> Judged:
    """``q`` ordered as the composer orders it (the ranker's order; ``lead``), with its features.
    The composer also ranks a sentence about news older than the time asked after the others; the
    features do not record that, so here such a sentence keeps its place."""
    rows = [dict(zip(FEATURES, row)) for row in q.features]
    support = [scorer.probability(r) for r in rows]
    order = [scorer.rank(r) for r in rows]
    ranked = sorted(range(len(rows)), key=lambda i: (-order[i], -support[i]))
    first = lead(order, support)
    return Judged(q, max(support), first is not None and bool(q.labels[first]),
                  SecondLook.values([rows[i] for i in ranked], [support[i] for i in ranked]))


def outcomes(scorer: SentenceScorer, questions: list[Question]) -> dict:
    """Per question set: hit (answered with an answering sentence first), false_abstain, abstain_correct."""
    return _tally([(q, j.support >= scorer.threshold, j.first) for q in questions for j in [judged(scorer, q)]])


def _right(q: Question, answered: bool, first: bool) -> bool:
    """Answered with an answering first sentence, or declined when the question is to be declined."""
    return answered and first if q.answerable else not answered


def _tally(scored: list[tuple[Question, bool, bool]]) -> dict:
    """The figures per set, from ``(question, answered, first answers)``; ``first``: the ranker's
    first sentence answers, whether or not the question is answered; ``accuracy``: the share of
    questions right (``_right``)."""
    by_set: dict[str, dict[str, list]] = {}
    for q, answered, first in scored:
        s = by_set.setdefault(q.set_name, {"hit": [], "false_abstain": [], "abstain_correct": [], "first": [],
                                           "accuracy": []})
        if q.answerable:
            s["hit"].append(answered and first)
            s["false_abstain"].append(not answered)
            s["first"].append(first)
        else:
            s["abstain_correct"].append(not answered)
        s["accuracy"].append(_right(q, answered, first))
    return {name: {k: round(float(np.mean(v)), 3) if v else None for k, v in s.items()} | {
        "answerable": len(s["hit"]), "unanswerable": len(s["abstain_correct"])} for name, s in by_set.items()}


_WEEK_ID = re.compile(r"^(\d{8})_")


def week(question_id: str) -> str:
    """The news week an id names (``20231006_10`` -> ``20231006``), else the id itself."""
    m = _WEEK_ID.match(question_id)
    return m.group(1) if m else question_id


def folds(questions: list[Question], k: int, seed: int) -> list[list[int]]:
    """The questions' indices in ``k`` folds, a news week's questions (of one set) in one fold,
    the weeks shuffled with ``seed``."""
    groups: dict[str, list[int]] = {}
    for i, q in enumerate(questions):
        groups.setdefault(f"{q.set_name}/{week(q.id)}", []).append(i)
    order = sorted(groups)
    random.Random(seed).shuffle(order)
    return [[i for g in order[f::k] for i in groups[g]] for f in range(k)]


def cross_validate(questions: list[Question], k: int = 5, c: float = 0.1, seed: int = 7) -> dict:
    """Each fold's questions ordered by a ranker fitted on the other folds only (the support score
    and its threshold are the hand-set ones, fitted on nothing); a week's questions in one fold."""
    scored: list[tuple[Question, bool, bool]] = []
    for held in folds(questions, k, seed):
        held_set = set(held)
        try:
            ranker = fit_ranker([q for i, q in enumerate(questions) if i not in held_set], c)
        except ValueError:  # nothing to learn an order from in this fold (a tiny set): the support's order
            ranker = None
        scorer = with_ranker(hand_set(), ranker)
        for i in held:
            j = judged(scorer, questions[i])
            scored.append((questions[i], j.support >= scorer.threshold, j.first))
    return _tally(scored)


def train(questions: list[Question], k: int = 5, c: float = 0.1) -> SentenceScorer:
    """The hand-set support score with a ranker fitted on all ``questions``, with the ranker's
    ``k``-fold cross-validated figures (and the hand-set order's on the same questions) in ``report``."""
    report = {"cross_validated": cross_validate(questions, k, c),
              "hand_set_on_the_same_questions": outcomes(hand_set(), questions), "folds": k, "C": c,
              "sentences": int(sum(len(q.labels) for q in questions)), "questions": len(questions),
              "note": "hit: answered and the first sentence holds the expected answer; first: the ranker's first "
                      "sentence holds it (abstention aside). The support score and its 0.45 threshold are hand-set."}
    scorer = with_ranker(hand_set(), fit_ranker(questions, c))
    report["fitted_on_all (not a quality figure)"] = outcomes(scorer, questions)
    scorer.report = report
    return scorer


def save(scorer: SentenceScorer, path: Path) -> None:
    """Write the scorer as JSON (stable key order, so a refit shows as a readable diff)."""
    Path(path).write_text(json.dumps(scorer.to_dict(), indent=1) + "\n", encoding="utf-8")


# -- the second look -------------------------------------------------------------------------------

def fit_second_look(items: list[Judged], c: float = 1.0) -> tuple[list[float], float] | None:
    """Coefficients and intercept of the logistic model (answerable or not) over the questions that
    get a second look; answerable ones only when a candidate answers (else what is answerable is
    not among what was found). None when there is not one of each."""
    from sklearn.linear_model import LogisticRegression

    usable = [j for j in items if j.values is not None and (not j.question.answerable or j.question.labels.any())]
    y = np.array([j.question.answerable for j in usable], dtype=int)
    if len(set(y.tolist())) < 2:
        return None
    model = LogisticRegression(C=c, max_iter=1000).fit(np.array([j.values for j in usable]), y)
    return model.coef_[0].round(6).tolist(), round(float(model.intercept_[0]), 6)


def _decide(j: Judged, threshold: float, log_odds: float | None, t: float) -> bool:
    """Whether the question is answered: the support reaches the threshold, or the second look's log-odds reach ``t``."""
    return j.support >= threshold or (log_odds is not None and log_odds >= t)


THRESHOLDS = np.round(np.arange(-1.0, 3.0001, 0.05), 2)


def train_second_look(scorer: SentenceScorer, questions: list[Question], k: int = 5, c: float = 1.0,
                      seed: int = 7) -> SecondLook:
    """The second look for ``scorer`` (its support, threshold and ranker as they are), fitted on
    ``questions``; its threshold the one with the most questions right out of fold (the highest of
    equals: the fewest declines overruled), with the figures before and after in ``report``."""
    items = [judged(scorer, q) for q in questions]
    log_odds: list[float | None] = [None] * len(items)
    for held in folds(questions, k, seed):
        held_set = set(held)
        fitted = fit_second_look([j for i, j in enumerate(items) if i not in held_set], c)
        if fitted is None:
            continue
        look = SecondLook(*fitted, threshold=0.0)
        for i in held:
            if items[i].values is not None:
                log_odds[i] = look.log_odds(items[i].values)

    def right(t: float) -> int:
        return sum(_right(j.question, _decide(j, scorer.threshold, lo, t), j.first) for j, lo in zip(items, log_odds))

    best = max(THRESHOLDS, key=lambda t: (right(t), t))
    fitted = fit_second_look(items, c)
    if fitted is None:
        raise ValueError("the second look needs questions to answer and questions to decline that every word of occurs in the articles")
    report = {
        "cross_validated": _tally([(j.question, _decide(j, scorer.threshold, lo, best), j.first)
                                   for j, lo in zip(items, log_odds)]),
        "support_alone_on_the_same_questions": _tally([(j.question, j.support >= scorer.threshold, j.first) for j in items]),
        "folds": k, "C": c, "questions": len(items), "asked": sum(j.values is not None for j in items),
        "note": "accuracy: answered with an answering first sentence, or declined when the question is to be declined. "
                "The second look is asked only below the support's threshold, when every word of the question occurs "
                "in the articles; the threshold is the log-odds with the most questions right out of fold."}
    return SecondLook(*fitted, threshold=float(best), report=report)
