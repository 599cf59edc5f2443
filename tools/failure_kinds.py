"""Why the questions of a RealTime QA report were missed: a count per failure kind.

``score.py`` gives the rates (``answer_hit``, ``recall@5``, ``false_abstain``, ``abstain_correct``);
this says where the misses come from. Every answerable question that is not a hit in ``score.py``'s
sense (the answer holds the gold string and no wrong choice) gets one kind:

- ``not retrieved``: the gold string is in none of the passages the report lists for it;
- ``retrieved but another sentence chosen``: it is in a retrieved passage, the answer was given without it;
- ``declined though retrieved``: it is in a retrieved passage, the assistant declined.

and every question that must be declined but was answered counts as ``answered a must-decline``.
Rarer kinds are shown only when they occur: the gold string is in the answer but a wrong choice is
too (or, with ``--corpus window``, no cited article is of the question's window); a report without an
answer step (the naive set-up's: no answer, not declined); a question missing from the report.

Which questions are answerable and which must be declined is ``score.py``'s rule for each
``--corpus``; with ``window`` a passage or a citation counts only from an article published in the
``--window`` days up to the question's ``as_of``, as there. Unlike ``recall@5`` every listed passage
counts, not only the first five. The text normalisation is ``score.py``'s own, imported from the
benchmark folder at run time (``--score``); when that file is absent a small one of ours stands in
(lower case, dashes and slashes as spaces, no punctuation), and the table says which was used.

Run as ``python -m tools.failure_kinds KEY.json REPORT.json [--corpus gold|full|results|window]
[--articles DIR] [--window 31]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import re
import string
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

SCORE_PY = Path("../shared/benchmarks/realtimeqa-dev/score.py")

NOT_RETRIEVED = "not retrieved"
OTHER_SENTENCE = "retrieved but another sentence chosen"
DECLINED = "declined though retrieved"
ANSWERED_MUST_DECLINE = "answered a must-decline"
# shown only when they occur
GOLD_NOT_COUNTED = "gold in the answer, not counted"
NO_ANSWER_STEP = "no answer step (retrieval only)"
NOT_IN_REPORT = "not in the report"

ANSWERABLE_KINDS = (NOT_RETRIEVED, OTHER_SENTENCE, DECLINED)
RARE_ANSWERABLE_KINDS = (GOLD_NOT_COUNTED, NO_ANSWER_STEP, NOT_IN_REPORT)
MUST_DECLINE_KINDS = (ANSWERED_MUST_DECLINE,)
RARE_MUST_DECLINE_KINDS = (NO_ANSWER_STEP, NOT_IN_REPORT)
CORPORA = ("gold", "full", "results", "window")


@dataclass(frozen=True)
class Matcher:
    """How a text is compared with a gold string: ``has(text, s)`` is true when the normalised ``s``
    occurs in the normalised ``text`` as whole words; ``origin`` says whose normalisation it is."""

    normalize: Callable[[str], str]
    has: Callable[[str, str], bool]
    origin: str


def _own_normalize(s: str) -> str:
    drop = set(string.punctuation) | {"\u201c", "\u201d", "\u2018", "\u2019"}
    spaced = re.sub(r"[-\u2013\u2014/]", " ", s.lower())
    return " ".join("".join(ch for ch in spaced if ch not in drop).split())


def _own_has(text: str, s: str) -> bool:
    s = _own_normalize(s)
    return bool(s) and f" {s} " in f" {_own_normalize(text)} "


OWN_MATCHER = Matcher(_own_normalize, _own_has, "our own (score.py not found)")


def load_matcher(score_py: Path | None = SCORE_PY) -> Matcher:
    """``score.py``'s ``normalize`` and ``has``, imported from ``score_py``; ours when it is absent.

    Raises:
        AttributeError: the file is there but defines no ``normalize`` or ``has`` (another script).
    """
    if score_py is None or not Path(score_py).is_file():
        return OWN_MATCHER
    spec = importlib.util.spec_from_file_location("realtimeqa_score", score_py)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # its main() runs only as a script
    return Matcher(module.normalize, module.has, f"score.py's ({score_py})")


@dataclass
class Window:
    """``--corpus window``: the publication days of a corpus folder, to tell whether an article is
    of a question's window (the ``window`` days up to its ``as_of``) as ``score.py`` does."""

    published: dict[str, str | None]
    texts: dict[str, str]
    days: int = 31

    @classmethod
    def read(cls, articles: Path, matcher: Matcher, days: int = 31) -> Window:
        """Read ``articles/articles.yaml`` and the texts it lists (normalised once)."""
        meta = yaml.safe_load((Path(articles) / "articles.yaml").read_text(encoding="utf-8")) or {}
        published = {name[:14]: (m or {}).get("published") for name, m in meta.items()}
        texts = {name[:14]: f" {matcher.normalize((Path(articles) / name).read_text(encoding='utf-8'))} "
                 for name in meta}
        return cls(published, texts, days)

    def current(self, article_id: str | None, question: dict) -> bool:
        """Whether the article was published in the question's window."""
        day = self.published.get((article_id or "")[:14])
        if not day:
            return False
        day, asof = dt.date.fromisoformat(str(day)[:10]), dt.date.fromisoformat(question["as_of"])
        return asof - dt.timedelta(days=self.days) <= day <= asof

    def answerable(self, question: dict, matcher: Matcher) -> bool:
        """The gold string is in one of the question's own search results of its window."""
        gold = f" {matcher.normalize(question['gold'])} "
        return any(gold in self.texts[f[:14]] and self.current(f, question)
                   for f in question.get("results", []) if f[:14] in self.texts)


def label(question: dict, corpus: str, matcher: Matcher, window: Window | None = None) -> str | None:
    """``"answerable"``, ``"must decline"`` or ``None`` (not counted), by ``score.py``'s rule for ``corpus``."""
    if corpus == "gold":
        answerable = question["source"] == "CNN" and question["in_corpus"]
        must_decline = question["source"] != "CNN" and not question["in_corpus"]
    elif corpus == "window":
        answerable, must_decline = window.answerable(question, matcher), not question["in_corpus"]
    elif corpus == "results":
        answerable, must_decline = question.get("in_results", False), not question["in_corpus"]
    else:
        answerable, must_decline = question["in_corpus"], not question["in_corpus"]
    return "answerable" if answerable else "must decline" if must_decline else None


def failure_kind(question: dict, result: dict | None, answerable: bool, matcher: Matcher,
                 window: Window | None = None) -> str | None:
    """The kind of failure of one question's result, or ``None`` when it did what it should."""
    if result is None:
        return NOT_IN_REPORT
    declined = bool(result.get("abstained"))
    answer = "" if declined else (result.get("answer") or "")
    no_answer_step = not declined and not answer.strip()
    if not answerable:
        return None if declined else NO_ANSWER_STEP if no_answer_step else ANSWERED_MUST_DECLINE

    def counts(article_id: str | None) -> bool:
        return window is None or window.current(article_id, question)

    gold = question["gold"]
    if matcher.has(answer, gold):
        hit = not any(matcher.has(answer, d) for d in question["distractors"])
        if hit and window is not None:
            hit = any(counts(c.get("article_id")) for c in result.get("citations") or [])
        if hit:
            return None
        return GOLD_NOT_COUNTED
    retrieved = any(matcher.has(p.get("text", ""), gold) and counts(p.get("article_id"))
                    for p in result.get("retrieved") or [])
    if not retrieved:
        return NOT_RETRIEVED
    return DECLINED if declined else NO_ANSWER_STEP if no_answer_step else OTHER_SENTENCE


@dataclass
class FailureCounts:
    """The counts of one report: how many questions of each label, and the kinds of their failures."""

    corpus: str
    origin: str
    answerable: int = 0
    must_decline: int = 0
    missed: Counter = field(default_factory=Counter)  # answerable questions, by kind
    wrongly_answered: Counter = field(default_factory=Counter)  # must-decline questions, by kind
    ids: dict[str, list[str]] = field(default_factory=dict)  # kind -> question ids, in key order

    def table(self) -> str:
        """The counts as a small text table (rare kinds only when they occur)."""
        width = max(len(k) for k in (*ANSWERABLE_KINDS, *RARE_ANSWERABLE_KINDS, *MUST_DECLINE_KINDS)) + 2
        lines = [f"failure kinds (--corpus {self.corpus}; normalisation: {self.origin}):",
                 f"  {'answerable, missed':<{width + 2}}{sum(self.missed.values()):>5} of {self.answerable}"]
        lines += [f"    {k:<{width}}{self.missed[k]:>5}" for k in ANSWERABLE_KINDS]
        lines += [f"    {k:<{width}}{self.missed[k]:>5}" for k in RARE_ANSWERABLE_KINDS if self.missed[k]]
        lines.append(f"  {'must decline, not declined':<{width + 2}}{sum(self.wrongly_answered.values()):>5} "
                     f"of {self.must_decline}")
        lines += [f"    {k:<{width}}{self.wrongly_answered[k]:>5}" for k in MUST_DECLINE_KINDS]
        lines += [f"    {k:<{width}}{self.wrongly_answered[k]:>5}" for k in RARE_MUST_DECLINE_KINDS
                  if self.wrongly_answered[k]]
        return "\n".join(lines)


def count_failures(key: list[dict], report: dict | list, corpus: str = "gold", matcher: Matcher = OWN_MATCHER,
                   articles: Path | None = None, window_days: int = 31) -> FailureCounts:
    """Count the failure kinds of ``report`` (what the question-set plugin or ``eval --report`` wrote)
    against ``key`` (the benchmark's ``key.json``).

    Args:
        key: the questions, each with ``id``, ``question``, ``gold``, ``distractors``, ``source``,
            ``in_corpus`` (and ``results``, ``as_of`` for ``window``; ``in_results`` for ``results``).
        report: ``{"results": [...]}`` or the list itself; a result is found by ``id``, else by question.
        corpus: which questions count, as ``score.py --corpus``.
        matcher: the text normalisation (``load_matcher``).
        articles: the corpus folder, required with ``corpus="window"``.
        window_days: the window's length in days.

    Returns:
        The counts, with the ids of each kind's questions.

    Raises:
        ValueError: an unknown ``corpus``, or ``window`` without ``articles``.
    """
    if corpus not in CORPORA:
        raise ValueError(f"unknown corpus {corpus!r}; one of {', '.join(CORPORA)}")
    if corpus == "window" and articles is None:
        raise ValueError("--corpus window needs --articles DIR (the corpus folder with its articles.yaml)")
    window = Window.read(articles, matcher, window_days) if corpus == "window" else None
    results = (report.get("results") or []) if isinstance(report, dict) else report
    by_id = {r.get("id"): r for r in results}
    by_question = {r.get("question"): r for r in results}
    counts = FailureCounts(corpus, matcher.origin)
    for q in key:
        which = label(q, corpus, matcher, window)
        if which is None:
            continue
        answerable = which == "answerable"
        result = by_id.get(q["id"]) or by_question.get(q["question"])
        kind = failure_kind(q, result, answerable, matcher, window)
        if answerable:
            counts.answerable += 1
        else:
            counts.must_decline += 1
        if kind is not None:
            (counts.missed if answerable else counts.wrongly_answered)[kind] += 1
            counts.ids.setdefault(kind, []).append(q["id"])
    return counts


def build_parser() -> argparse.ArgumentParser:
    """The options of ``python -m tools.failure_kinds``."""
    p = argparse.ArgumentParser(prog="python -m tools.failure_kinds",
                                description="count why the questions of a RealTime QA report were missed")
    p.add_argument("key", type=Path, help="the benchmark's key.json")
    p.add_argument("report", type=Path, help="the report JSON (question-set plugin --qa-json, or eval --report)")
    p.add_argument("--corpus", choices=CORPORA, default="gold", help="which questions count, as score.py --corpus")
    p.add_argument("--articles", type=Path, help="--corpus window: the corpus folder (its articles.yaml)")
    p.add_argument("--window", type=int, default=31, help="--corpus window: days up to as_of that count as current")
    p.add_argument("--score", type=Path, default=SCORE_PY,
                   help=f"the benchmark's score.py, whose normalisation is used (default {SCORE_PY})")
    p.add_argument("--ids", action="store_true", help="also list the question ids of each kind")
    return p


def main(argv: list[str] | None = None) -> int:
    """``python -m tools.failure_kinds``: print the table; returns 0, or 2 when a file cannot be read."""
    args = build_parser().parse_args(argv)
    try:
        key = json.loads(args.key.read_text(encoding="utf-8"))
        report = json.loads(args.report.read_text(encoding="utf-8"))
        counts = count_failures(key, report, args.corpus, load_matcher(args.score), args.articles, args.window)
    except (OSError, ValueError) as exc:  # json.JSONDecodeError is a ValueError
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(counts.table())
    if args.ids:
        for kind, ids in counts.ids.items():
            print(f"  {kind}: {' '.join(ids)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
