"""Regression question sets: run every question through ``Assistant.answer`` and score it.

A set is a YAML list of ``{id, question, expect}`` (optionally ``as_of``: the day the question
is asked, YYYY-MM-DD; default today); ``expect`` may hold ``mentions`` (a list of groups: every
group must match the answer, by any one of its phrases, case-insensitively), ``articles``
(article ids that must be cited), ``abstain`` (true/false) and ``short_answer`` (a phrase, or a
list of accepted phrases: the short answer must be one of them, case and spacing aside).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from tqdm import tqdm

from assistant.answer import Assistant
from assistant.errors import EvalSetError
from assistant.models import Answer

_EXPECT_KEYS = {"mentions", "articles", "abstain", "short_answer"}


@dataclass
class Case:
    """One question of a set."""

    id: str
    question: str
    mentions: list[list[str]] = field(default_factory=list)
    articles: list[str] = field(default_factory=list)
    abstain: bool | None = None
    known_failure: str | None = None  # why this case is expected to fail today (tests mark it xfail)
    as_of: dt.date | None = None  # the day the question is asked (None: today)
    short_answer: list[str] = field(default_factory=list)  # accepted short answers (empty: not checked)


@dataclass
class Result:
    """One question's outcome."""

    case: Case
    answer: Answer
    failures: list[str]
    recall_at_5: float | None

    @property
    def passed(self) -> bool:
        return not self.failures

    def to_dict(self) -> dict:
        return {"id": self.case.id, **self.answer.to_dict(), "passed": self.passed, "failures": self.failures}


def load_set(path: Path) -> list[Case]:
    """Read and check a question set.

    Raises:
        EvalSetError: missing file, bad YAML, or an entry without ``id``/``question`` or with unknown keys.
    """
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise EvalSetError(f"no question set at '{path}'") from exc
    except yaml.YAMLError as exc:
        raise EvalSetError(f"'{path}' is not valid YAML: {exc}") from exc
    if not isinstance(data, list) or not data:
        raise EvalSetError(f"'{path}' must be a non-empty YAML list of {{id, question, expect}}")
    cases, seen = [], set()
    for i, item in enumerate(data, start=1):
        if not isinstance(item, dict) or not item.get("id") or not item.get("question"):
            raise EvalSetError(f"'{path}' entry {i}: needs 'id' and 'question'")
        if item["id"] in seen:
            raise EvalSetError(f"'{path}' entry {i}: duplicate id '{item['id']}'")
        seen.add(item["id"])
        expect = item.get("expect") or {}
        unknown = set(expect) - _EXPECT_KEYS
        if unknown:
            raise EvalSetError(f"'{path}' entry '{item['id']}': unknown expect key(s) {sorted(unknown)}; "
                               f"allowed: {sorted(_EXPECT_KEYS)}")
        mentions = [[g] if isinstance(g, str) else list(g) for g in expect.get("mentions", [])]
        try:
            as_of = dt.date.fromisoformat(str(item["as_of"])) if item.get("as_of") else None
        except ValueError as exc:
            raise EvalSetError(f"'{path}' entry '{item['id']}': as_of must be a date, YYYY-MM-DD") from exc
        short = expect.get("short_answer") or []
        cases.append(Case(str(item["id"]), str(item["question"]), mentions,
                          [str(a) for a in expect.get("articles", [])], expect.get("abstain"),
                          item.get("known_failure"), as_of,
                          [str(x) for x in ([short] if isinstance(short, str) else short)]))
    return cases


def missing_mentions(case: Case, answer: Answer) -> list[list[str]]:
    """The ``mentions`` groups none of whose phrases the answer contains."""
    text = answer.answer.lower()
    return [g for g in case.mentions if not any(phrase.lower() in text for phrase in g)]


def missing_articles(case: Case, answer: Answer) -> list[str]:
    """The expected article ids that no citation (nor its ``also_in``) points at."""
    cited = {c.location.article_id for c in answer.citations} | {a.article_id for c in answer.citations for a in c.also_in}
    return [a for a in case.articles if a not in cited]


def check(case: Case, answer: Answer) -> tuple[list[str], float | None]:
    """The failed expectations of one answer, and its retrieval recall@5 (None if no articles expected)."""
    failures = [f"answer lacks {' / '.join(repr(p) for p in g)}" for g in missing_mentions(case, answer)]
    failures += [f"article {a} not cited" for a in missing_articles(case, answer)]
    if case.short_answer:
        got = " ".join(answer.short_answer.text.lower().split()) if answer.short_answer else None
        if got not in {" ".join(x.lower().split()) for x in case.short_answer}:
            failures.append(f"short answer {got!r} is not {' / '.join(repr(x) for x in case.short_answer)}")
    if case.abstain is not None and answer.abstained != case.abstain:
        failures.append("abstained" if answer.abstained else "answered where it should abstain")
    recall = None
    if case.articles:
        top = answer.retrieved[:5]
        found = {p.chunk.article_id for p in top} | {a.article_id for p in top for a in p.also_in}
        recall = sum(a in found for a in case.articles) / len(case.articles)
    return failures, recall


def run_set(assistant: Assistant, cases: list[Case]) -> list[Result]:
    """Answer every case (same code path as ``ask``) and check it."""
    results = []
    for case in tqdm(cases, desc="Questions", unit="q", disable=None if len(cases) > 60 else True):
        answer = assistant.answer(case.question, as_of=case.as_of)
        failures, recall = check(case, answer)
        results.append(Result(case, answer, failures, recall))
    return results


def metrics(results: list[Result]) -> dict:
    """Answer hit rate, cited-article hit rate, retrieval recall@5, abstention accuracy, pass rate."""
    def rate(values):
        values = list(values)
        return round(sum(values) / len(values), 4) if values else None

    def hit_mentions(r: Result) -> bool:
        return not missing_mentions(r.case, r.answer)

    def hit_articles(r: Result) -> bool:
        return not missing_articles(r.case, r.answer)

    answered = [r for r in results if not r.answer.abstained]
    generated = [r for r in answered if r.answer.generated]
    return {
        "questions": len(results),
        "passed": sum(r.passed for r in results),
        # with an LLM: answers shown as generated (not the extractive fallback), and sentences dropped
        "generated_answer_share": rate(r.answer.generated for r in answered),
        "generated_sentences_dropped": sum(len(r.answer.dropped) for r in results),
        "generated_answers": len(generated),
        "answer_hit_rate": rate(hit_mentions(r) for r in results if r.case.mentions),
        "cited_article_hit_rate": rate(hit_articles(r) for r in results if r.case.articles),
        "retrieval_recall_at_5": rate(r.recall_at_5 for r in results if r.recall_at_5 is not None),
        "abstention_accuracy": rate(r.answer.abstained == r.case.abstain for r in results if r.case.abstain is not None),
    }


def table(results: list[Result]) -> str:
    """A readable table: id, PASS/FAIL, why."""
    width = max(len(r.case.id) for r in results)
    lines = [f"{'id'.ljust(width)}  result  why", f"{'-' * width}  ------  ---"]
    for r in results:
        why = "; ".join(r.failures)
        if r.case.known_failure and not r.passed:
            why += f" (known: {r.case.known_failure})"
        via = "" if r.answer.composer_label == "extractive" else f" [{r.answer.composer_label}]"
        lines.append(f"{r.case.id.ljust(width)}  {'PASS' if r.passed else 'FAIL'}    {why}{via}")
    return "\n".join(lines)


def write_report(path: Path, results: list[Result]) -> None:
    """Write every result (``ask --json`` shape plus id, passed, failures) and the metrics."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(json.dumps({"metrics": metrics(results), "results": [r.to_dict() for r in results]},
                                     indent=2, ensure_ascii=False), encoding="utf-8")
