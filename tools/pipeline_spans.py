"""The short-answer span scorer fitted on the spans the answer itself offers (``make train-spans-pipeline``).

``tools/train_spans.py`` fits the span scorer on pools made from each question's search results,
with the answer's sentence always first among three cited; measured end to end it lost to the
hand-set weights, and the pools were one reason (docs/judge.md). Here the questions of a set are
answered by the real pipeline over a store of their articles, and every candidate span that
``short_answer.find`` weighs at answer time (the answer's own cited sentences, the passages it
reports for agreement) is an example: a positive when its words are the expected answer's (the
set's first ``mentions`` phrase; a question to decline has none). Only answers that may carry a
short answer count: given, with their support at the threshold.

Compared on the same spans, with 5-fold cross-validation by weeks (a week's questions share
stories): the hand-set ``WEIGHTS`` (today's short answers) against a logistic model over the same
``SPAN_FEATURES``. Figures per question: **em** (the short answer given is the expected one) and
**wrong** (one is given and it is not), at the threshold (hand-set: ``MIN_SCORE``; fitted: chosen
out of fold, ``train_spans.WRONG_COST``) and with every question given its best span (how well each
orders the spans, whatever the threshold).

Run as ``python -m tools.pipeline_spans QUESTIONS.yaml --data STORE_FOLDER [--out FILE]``; the
store is ingested from the set's corpus first if it is not already (resumable). The fitted scorer
is written out of git; try it by copying it to ``assistant/spans.json``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from unittest import mock

import numpy as np
from tqdm import tqdm

from assistant import short_answer
from assistant.short_answer import MIN_SCORE, SpanScorer, hand_score, span_features
from assistant.training import week
from tools.pipeline_judge import open_set, set_arguments
from tools.train_spans import Question, best_threshold, fit, out_of_fold, outcome

OUT = Path(".data/judge/pipeline-spans.json")
SEED = 13
ALWAYS = -1e9  # a threshold every span passes: the best span always given


def collect(assistant, cases, threshold: float) -> list[Question]:
    """The span examples of every case answered with a support of at least ``threshold``: what
    ``short_answer.find`` weighed for it, as it was called."""
    seen: list[tuple] = []
    find = short_answer.find

    def recorded(question, citations, others=()):
        want = short_answer.asked(question)
        if want is not None and citations:
            seen.append([(c.text[s:e], x) for c, s, e, _, x in span_features(question, want, citations, others)])
        return find(question, citations, others)

    out = []
    with mock.patch.object(short_answer, "find", recorded):
        for case in tqdm(cases, desc="Spans", unit="q", disable=None):
            if not case.mentions and case.abstain is not True:
                continue
            seen.clear()
            answer = assistant.answer(case.question, as_of=case.as_of)
            if answer.abstained or (answer.support or 0.0) < threshold or not seen or not seen[-1]:
                continue
            gold = case.mentions[0][0] if case.mentions and case.abstain is not True else ""
            out.append(Question(week(case.id), seen[-1], gold))
    return out


def compare(questions: list[Question], seed: int = SEED) -> tuple[dict[str, dict], SpanScorer]:
    """The table (out-of-fold figures for the fitted scorer) and the scorer fitted on every question."""
    hand = [np.array([hand_score(x) for _, x in q.spans]) for q in questions]
    always = ALWAYS
    table = {"hand-set weights": outcome(questions, hand, MIN_SCORE),
             "hand-set weights, best span always given": outcome(questions, hand, always)}
    oof = out_of_fold(questions, seed)
    threshold = best_threshold(questions, oof)
    table["fitted, 5-fold CV by weeks"] = outcome(questions, oof, threshold)
    table["fitted, 5-fold CV, best span always given"] = outcome(questions, oof, always)
    model = fit(questions, seed)
    report = {k: {m: round(v, 4) if isinstance(v, float) else v for m, v in f.items()} for k, f in table.items()}
    scorer = SpanScorer(tuple(float(c) for c in model.coef_[0]), float(model.intercept_[0]), float(threshold), report)
    return table, scorer


def print_table(table: dict[str, dict]) -> None:
    print(f"{'short answers (the answer’s own spans)':44} {'questions':>9} {'em':>6} {'wrong':>6} {'threshold':>9}")
    for name, f in table.items():
        threshold = "any" if f["threshold"] <= ALWAYS else f"{f['threshold']:.2f}"
        print(f"{name:44} {f['questions']:9d} {f['em']:6.3f} {f['wrong']:6.3f} {threshold:>9}")


def main(argv: list[str] | None = None) -> int:
    args = set_arguments(__doc__.split("\n\n")[0], OUT, "where the fitted scorer is written").parse_args(argv)
    opened = open_set(args)
    if opened is None:
        return 0
    cases, assistant = opened
    questions = collect(assistant, cases, assistant.pipeline.extractive.abstain_threshold)
    print(f"{len(questions)} questions answered with a short answer possible, "
          f"{sum(len(q.spans) for q in questions):,} candidate spans")
    if len(questions) < 10:
        print("too few questions to cross-validate", file=sys.stderr)
        return 2
    table, scorer = compare(questions)
    print_table(table)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(scorer.to_dict() | {"fitted_on": str(args.questions)}) + "\n", encoding="utf-8")
    print(f"wrote {args.out} (threshold {scorer.threshold:.2f}; try it by copying it to assistant/spans.json)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
