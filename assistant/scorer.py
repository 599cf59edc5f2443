"""The sentence scorer: how well a candidate sentence answers the question.

Two models over features of the sentence and the question (below), read from one JSON file at
start (``assistant/scorer.json``; nothing is trained at run time):

- the **support** score, which decides whether to answer at all: the hand-set linear score the
  assistant has used since its first version, ``0.45 * dense + 0.40 * lexical + 0.15 * answer_type``;
  the assistant abstains when the best candidate's support is below 0.45 (unless the second look,
  below, answers), when a name in the question never occurs in the articles, or when half of the
  question's term weight never does;
- the **ranker**, which decides which sentence answers: a linear model fitted by
  ``python -m assistant train-scorer`` (``assistant/training.py``) on pairs of candidate sentences of
  the same question (one that holds the expected answer, one that does not), on question sets with
  known answers; the file keeps its k-fold cross-validated figures beside the hand-set order's on
  the same questions.

- the **second look** (optional), which may overrule a decline: a logistic model over the
  question as a whole (the best support, how well the first sentence's article covers the
  question, how strongly the first five sentences agree on an answer), fitted by
  ``make train-second-look`` (``train-scorer --second-look-only``) on questions written by
  others. It is asked only when the support is below the threshold and every word of the question
  occurs in the articles; it can turn a decline into an answer, never an answer into a decline.

A fitted support score (a logistic model and threshold) was tried and lost to the hand-set one on
the cross-validated figures; a scorer file may still hold one (``link: logistic``).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

# The features, in order. Each is computed by ``ExtractiveComposer`` for every candidate sentence.
FEATURES = (
    "dense",          # cosine(question, sentence)
    "lexical",        # IDF-weighted share of the question's content words in the sentence
    "answer_type",    # the kind of answer wanted is there (a time for "when", a number for "how many", a name for "which airline"...)
    "dense_gap",      # dense minus the best dense among the candidates (<= 0)
    "lexical_gap",    # lexical minus the best lexical among the candidates (<= 0)
    "passage_rank",   # 1 / (1 + rank of its passage)
    "in_match",       # 1 if the sentence is in the matched chunk, 0 if in its neighbours
    "missing_names",  # 1 if a name in the question never occurs in the articles
    "unknown_share",  # share of the question's term weight that never occurs in the articles
    "question_terms", # number of content terms in the question / 10
    "position",       # where the sentence starts in its article (0 = top, 1 = end)
    "length",         # sentence length / 300 characters
    "new_words",      # share of the sentence's content words that are not in the question
    "on_day",         # how well its resolved dates place it on a day the question names (0 if none named)
    "wants_kind",     # 1 if the question asks for a kind of answer (when, how many, who, where, a quote)
    "unknown_majority",  # 1 if half or more of the question's term weight never occurs in the articles
    "answer_votes",   # how strongly the candidates agree on an answer span this sentence holds (0..1)
    "context_lexical",  # lexical, over the sentence with the sentences just before and after it
    "article_lexical",  # lexical, over all retrieved sentences of its article
    "article_dense",  # the best dense among its article's candidates
)


# The second look's features, from a question's candidates (``SecondLook.values``).
SECOND_LOOK_FEATURES = (
    "support",          # the best support among the candidates (below the threshold, or it is not asked)
    "article_lexical",  # the first candidate's article_lexical: its article's retrieved sentences cover the question
    "answer_votes",     # the highest answer_votes among the first five candidates
)
SECOND_LOOK_TOP = 5


@dataclass
class SecondLook:
    """A logistic model over ``SECOND_LOOK_FEATURES`` of a whole question: whether to answer one
    the support would decline. ``answers`` is true when its log-odds reach ``threshold`` (chosen
    by cross-validation when it was fitted). ``report``: its cross-validated figures."""

    coefficients: list[float]
    intercept: float
    threshold: float
    report: dict = field(default_factory=dict)

    @staticmethod
    def values(ordered: list[dict[str, float]], supports: list[float]) -> list[float] | None:
        """The features of a question from its candidates' features in the ranker's order (best
        first) and their supports; ``None`` when it gets no second look: it has no candidate, or
        some of its words never occur in the articles (what it asks about may not be there at all)."""
        if not ordered or ordered[0]["unknown_share"] > 0:
            return None
        return [max(supports), ordered[0]["article_lexical"],
                max(f["answer_votes"] for f in ordered[:SECOND_LOOK_TOP])]

    def log_odds(self, values: list[float]) -> float:
        return self.intercept + sum(c * v for c, v in zip(self.coefficients, values))

    def answers(self, ordered: list[dict[str, float]], supports: list[float]) -> bool:
        """Whether the question is answered after all (see ``values``)."""
        values = self.values(ordered, supports)
        return values is not None and self.log_odds(values) >= self.threshold

    def to_dict(self) -> dict:
        return {"features": list(SECOND_LOOK_FEATURES), "coefficients": self.coefficients, "intercept": self.intercept,
                "threshold": self.threshold, "report": self.report}

    @classmethod
    def from_dict(cls, d: dict) -> SecondLook:
        if tuple(d.get("features", ())) != SECOND_LOOK_FEATURES or len(d.get("coefficients", ())) != len(SECOND_LOOK_FEATURES):
            raise ValueError(f"the scorer's second look was fitted on features {d.get('features')}, the code computes "
                             f"{list(SECOND_LOOK_FEATURES)}: refit it with 'make train-second-look'")
        return cls([float(c) for c in d["coefficients"]], float(d["intercept"]), float(d["threshold"]), d.get("report", {}))


@dataclass
class SentenceScorer:
    """``probability(features)``: a linear score over standardised ``FEATURES``, through the
    logistic function when ``link`` is ``logistic`` (a probability), as it is when ``linear``.

    ``threshold``: below it for the best candidate's support, the assistant abstains. ``ranker``:
    ``{coefficients, mean, scale}`` of a linear model over the same features, whose ``rank`` orders
    the candidates (None: they are ordered by ``probability``). ``report``: the cross-validated
    figures the ranker was accepted on (kept with it, for the record). ``second_look``: may answer
    a question the support would decline (``SecondLook``; None: the threshold alone decides).
    """

    coefficients: list[float]
    intercept: float
    mean: list[float]
    scale: list[float]
    threshold: float
    features: tuple[str, ...] = FEATURES
    report: dict = field(default_factory=dict)
    link: str = "logistic"
    ranker: dict | None = None
    second_look: SecondLook | None = None

    def rank(self, values: dict[str, float]) -> float:
        """The order of candidates, best first: the fitted ranker's score (``ranker``: a linear model
        over standardised ``FEATURES``, fitted on pairs of sentences of the same question), or the
        score itself when there is none. Comparable only between candidates of one question."""
        if not self.ranker:
            return self.probability(values)
        r = self.ranker
        return sum(c * (values[f] - m) / s for c, f, m, s in zip(r["coefficients"], self.features, r["mean"], r["scale"]))

    def probability(self, values: dict[str, float]) -> float:
        z = self.intercept + sum(c * (values[f] - m) / s for c, f, m, s
                                 in zip(self.coefficients, self.features, self.mean, self.scale))
        if self.link == "linear":
            return z
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))

    @classmethod
    def neutral(cls) -> SentenceScorer:
        """A scorer that weighs nothing (every sentence 0.5): for computing features before a fit."""
        n = len(FEATURES)
        return cls([0.0] * n, 0.0, [0.0] * n, [1.0] * n, 0.5)

    def to_dict(self) -> dict:
        return {"link": self.link, "features": list(self.features), "coefficients": self.coefficients,
                "intercept": self.intercept, "mean": self.mean, "scale": self.scale, "threshold": self.threshold,
                "ranker": self.ranker, "report": self.report,
                "second_look": self.second_look.to_dict() if self.second_look else None}

    @classmethod
    def from_dict(cls, d: dict) -> SentenceScorer:
        if tuple(d["features"]) != FEATURES:
            raise ValueError(f"the scorer was fitted on features {d['features']}, the code computes {list(FEATURES)}: "
                             "refit it with 'python -m assistant train-scorer'")
        if d.get("link", "logistic") not in ("logistic", "linear"):
            raise ValueError(f"unknown scorer link {d.get('link')!r}: use logistic or linear")
        ranker = d.get("ranker")
        if ranker and not (all(k in ranker for k in ("coefficients", "mean", "scale"))
                           and len(ranker["coefficients"]) == len(ranker["mean"]) == len(ranker["scale"]) == len(FEATURES)
                           and all(x != 0 for x in ranker["scale"])):
            raise ValueError("the scorer's ranker does not have one weight per feature: refit it with "
                             "'python -m assistant train-scorer'")
        second_look = SecondLook.from_dict(d["second_look"]) if d.get("second_look") else None
        return cls(list(d["coefficients"]), float(d["intercept"]), list(d["mean"]), list(d["scale"]),
                   float(d["threshold"]), tuple(d["features"]), d.get("report", {}), d.get("link", "logistic"), ranker,
                   second_look)


def hand_set() -> SentenceScorer:
    """The hand-set score (``scorer.json`` holds the same), for comparison in training reports."""
    weights = {"dense": 0.45, "lexical": 0.40, "answer_type": 0.15, "missing_names": -10.0, "unknown_majority": -10.0}
    n = len(FEATURES)
    return SentenceScorer([weights.get(f, 0.0) for f in FEATURES], 0.0, [0.0] * n, [1.0] * n, 0.45, link="linear")


def load_scorer(path: Path | None = None) -> SentenceScorer:
    """The scorer in ``path``, or the default shipped in the package (``assistant/scorer.json``)."""
    text = Path(path).read_text(encoding="utf-8") if path else \
        resources.files("assistant").joinpath("scorer.json").read_text(encoding="utf-8")
    return SentenceScorer.from_dict(json.loads(text))
