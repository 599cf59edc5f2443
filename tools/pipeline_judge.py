"""A tree judge fitted on the composer's own candidates (``make train-judge-pipeline``).

The judges of ``tools/train_judge.py`` are fitted on pools made from each question's search results;
measured end to end they lost, because the features mean something else on the candidates the
composer sees (docs/judge.md). Here the questions of a benchmark folder written by ``subset.py``
(RealTime QA 2023's training weeks: ``QUESTIONS.yaml`` with ``as_of``) are answered by the real
pipeline over a store of its articles, and every candidate sentence of every question, with the
composer's features, is an example (``assistant.training.collect``: a positive when it holds the
gold answer; a question the articles do not answer gives negatives only).

Compared on the same candidates, with 5-fold cross-validation by weeks (a week's questions share
stories): (a) today's hand-set support and fitted ranker (``assistant/scorer.json``) against (b)
gradient-boosted trees over the composer's features, monotone where a feature can only speak for a
sentence (similarity, word coverage, answer kind) or against it (names the articles never mention).
Figures from the out-of-fold scores: **top1** (the first sentence holds the answer, over the
questions with an answering candidate), and at the threshold that declines at most 10% of those,
**declines** (questions to be declined that are declined).

Run as ``python -m tools.pipeline_judge QUESTIONS.yaml --data STORE_FOLDER [--out FILE]``; the
store is ingested from the set's corpus first if it is not already (resumable).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from assistant.judge import COMPOSER_FEATURES, trees_to_dict
from assistant.training import Question, week
from tools import judge_data
from tools.judge_data import week_folds
from tools.train_judge import boosted_model

OUT = Path(".data/judge/pipeline-judge.json")
SEED = 13
def folds(questions: list[Question], k: int = 5) -> list[list[int]]:
    return week_folds([week(q.id) for q in questions], range(len(questions)), k)


def threshold_for(best: list[float], answerable: list[bool], false_declines: float = 0.10) -> float:
    """The threshold that declines at most ``false_declines`` of the ``answerable`` questions' ``best``."""
    return judge_data.threshold_for([b for b, a in zip(best, answerable) if a], false_declines)


def figures(questions: list[Question], scores: list[np.ndarray], order: list[np.ndarray],
            threshold: float | None = None) -> dict:
    """top1 by ``order``; declines and false declines by the best of ``scores`` at ``threshold``
    (chosen here when None)."""
    has = [q.answerable and q.labels.sum() > 0 for q in questions]
    best = [float(s.max()) if len(s) else 0.0 for s in scores]
    t = threshold_for(best, has) if threshold is None else threshold
    top1 = [q.labels[int(np.argmax(o))] for q, o, h in zip(questions, order, has) if h]
    declined_ok = [b < t for q, b in zip(questions, best) if not q.answerable]
    declined_bad = [b < t for b, h in zip(best, has) if h]
    return {"answerable": int(sum(has)), "to_decline": len(declined_ok), "top1": float(np.mean(top1)),
            "false_declines": float(np.mean(declined_bad)), "declines": float(np.mean(declined_ok)),
            "threshold": float(t)}


def compare(questions: list[Question], seed: int = SEED) -> tuple[dict[str, dict], object, float]:
    """The table (out-of-fold figures), the trees fitted on every question, and their threshold."""
    from assistant.scorer import FEATURES, load_scorer

    scorer = load_scorer()
    idx = [COMPOSER_FEATURES.index(f) for f in FEATURES]
    support, ranked = [], []
    for q in questions:
        rows = [dict(zip(FEATURES, r[idx])) for r in q.features]
        support.append(np.array([scorer.probability(r) for r in rows]))
        ranked.append(np.array([scorer.rank(r) for r in rows]))
    table = {"a. hand-set support, fitted ranker": figures(questions, support, ranked, scorer.threshold),
             "a. the same, threshold chosen here": figures(questions, support, ranked)}
    oof: list[np.ndarray | None] = [None] * len(questions)
    for fold in folds(questions):
        held = set(fold)
        fit_on = [q for i, q in enumerate(questions) if i not in held]
        model = boosted_model(seed, COMPOSER_FEATURES).fit(np.vstack([q.features for q in fit_on]),
                                        np.concatenate([q.labels for q in fit_on]))
        for i in fold:
            oof[i] = model.predict_proba(questions[i].features)[:, 1]
    table["b. boosted trees, 5-fold CV by weeks"] = figures(questions, oof, oof)
    model = boosted_model(seed, COMPOSER_FEATURES).fit(np.vstack([q.features for q in questions]),
                                    np.concatenate([q.labels for q in questions]))
    return table, model, table["b. boosted trees, 5-fold CV by weeks"]["threshold"]


def print_table(table: dict[str, dict]) -> None:
    print(f"{'judge (composer candidates)':44} {'answerable':>10} {'to decline':>10} {'top1':>6} "
          f"{'false declines':>14} {'declines':>8} {'threshold':>9}")
    for name, f in table.items():
        print(f"{name:44} {f['answerable']:10d} {f['to_decline']:10d} {f['top1']:6.3f} {f['false_declines']:14.3f} "
              f"{f['declines']:8.3f} {f['threshold']:9.3f}")


def set_arguments(description: str, out: Path, out_help: str) -> argparse.ArgumentParser:
    """The command line of a tool that answers a question set over its own store (this one and
    ``tools.pipeline_spans``): the set, its articles, the store folder, the output file."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("questions", type=Path, help="a question set (subset.py's questions.yaml)")
    ap.add_argument("--articles", type=Path, help="its articles (default: the articles/ folder beside it)")
    ap.add_argument("--data", type=Path, required=True, help="the store folder for the set's articles")
    ap.add_argument("--out", type=Path, default=out, help=f"{out_help} (default %(default)s)")
    return ap


def open_set(args: argparse.Namespace, **parts):
    """``(cases, assistant)`` for ``set_arguments``' arguments: the set read, its store opened (with
    ``parts``, e.g. a scorer) and its articles ingested first when the folder is there (resumable;
    unchanged files are skipped); None, with a message, when there is no set at that path."""
    from assistant.answer import Assistant
    from assistant.evaluation import read_set
    from assistant.settings import load_settings

    if not args.questions.is_file():
        print(f"skipped: no question set at {args.questions}")
        return None
    articles = args.articles or args.questions.parent / "articles"
    qset = read_set(args.questions, renumber=True)  # subset.py's file repeats a few ids
    assistant = Assistant(load_settings(data_dir=args.data), **parts)
    if articles.is_dir():
        print(assistant.ingest([articles]).summary())
    return qset.cases, assistant


def main(argv: list[str] | None = None) -> int:
    from assistant.scorer import SentenceScorer
    from assistant.training import collect

    ap = set_arguments(__doc__.split("\n\n")[0], OUT, "where the judge is written")
    ap.add_argument("--abstains", action="store_true", help="the judge also decides whether to answer")
    args = ap.parse_args(argv)
    opened = open_set(args, scorer=SentenceScorer.neutral())
    if opened is None:
        return 0
    cases, assistant = opened
    questions = collect(assistant, cases, args.questions.stem, COMPOSER_FEATURES)
    print(f"{len(questions)} questions, {sum(len(q.labels) for q in questions):,} candidates, "
          f"{sum(int(q.labels.sum()) for q in questions):,} answering")
    table, model, threshold = compare(questions)
    print_table(table)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(trees_to_dict(model, threshold, {"fitted_on": str(args.questions), "figures": table},
                                                 COMPOSER_FEATURES, args.abstains)) + "\n", encoding="utf-8")
    print(f"wrote {args.out} (threshold {threshold:.3f}; try it with ASSISTANT_JUDGE={args.out})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
