"""Regression question sets: read a set, answer every question through ``Assistant.answer`` (the
path ``ask`` takes) and check each answer against what the set expects. The one place for the
checking: ``python -m assistant eval`` and the pytest plugin (``assistant/pytest_plugin.py``) both
call ``run_case``. Writing the results down (JSON or a page) is ``assistant.report``'s.

A set file is either a YAML list of questions, or a mapping ``{corpus: FOLDER, questions: [...]}``
whose ``corpus`` (a path relative to the set file's folder) holds the articles the questions are
about. A question has an ``id``, the ``question``, and optionally ``as_of`` (the day it is asked,
YYYY-MM-DD; default today), ``known_failure`` (why it fails today: the plugin makes it a strict
xfail) and ``expect``, which may hold:

- ``mentions``: a list of groups; every group must be in the answer, by any one of its phrases
  (case aside). A plain string is a group of one.
- ``not_mentions``: phrases none of which may be in the answer (case aside).
- ``articles``: article ids that must be cited.
- ``abstain``: true (it must say the articles do not say) or false (it must answer).
- ``short_answer``: a phrase, or a list of accepted phrases; the short answer must be one of them
  (case and spacing aside).
- ``dates``: ``[{phrase: late Tuesday, day: 2025-10-07}]``: a citation holds that time phrase,
  resolved to that day (``start`` and ``end`` instead of ``day`` for a range, e.g. "last week").
- ``max_citations``: the answer cites at most this many sentences.

A question whose ``expect`` is empty or missing (``python -m assistant feedback export`` writes them
so) is skipped by ``eval`` and the pytest plugin, which say how many.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from assistant.errors import EvalSetError
from assistant.models import Answer, Citation
from vectorstore.dates import format_range

if TYPE_CHECKING:
    from assistant.answer import Assistant

EXPECT_KEYS = ("mentions", "not_mentions", "articles", "abstain", "short_answer", "dates", "max_citations")
QUESTION_KEYS = ("id", "question", "expect", "as_of", "known_failure")
SET_KEYS = ("corpus", "questions")


@dataclass(frozen=True)
class DateExpectation:
    """A cited time phrase and the days it must be resolved to (``first == last`` for one day)."""

    phrase: str
    first: dt.date
    last: dt.date

    @property
    def label(self) -> str:
        return format_range(self.first, self.last)


@dataclass
class Case:
    """One question of a set and what its answer must satisfy."""

    id: str
    question: str
    mentions: list[list[str]] = field(default_factory=list)
    articles: list[str] = field(default_factory=list)
    abstain: bool | None = None
    known_failure: str | None = None  # why this case is expected to fail today (tests mark it xfail)
    as_of: dt.date | None = None  # the day the question is asked (None: today)
    short_answer: list[str] = field(default_factory=list)  # accepted short answers (empty: not checked)
    not_mentions: list[str] = field(default_factory=list)
    dates: list[DateExpectation] = field(default_factory=list)
    max_citations: int | None = None
    line: int = 0  # where the case starts in its file (0-based), for test reports

    @property
    def expects(self) -> bool:
        """Whether the case expects anything at all (an exported question's ``expect`` starts empty:
        ``eval`` and the pytest plugin skip it until an editor fills it in)."""
        return bool(self.mentions or self.articles or self.abstain is not None or self.short_answer
                    or self.not_mentions or self.dates or self.max_citations is not None)


@dataclass
class QuestionSet:
    """A set file: its questions and, if it names one, the folder of its articles (resolved)."""

    path: Path
    cases: list[Case]
    corpus: Path | None = None


@dataclass(frozen=True)
class Failure:
    """One expectation an answer does not meet: which one (``mentions``, ``dates``, ...) and how."""

    expectation: str
    message: str

    def __str__(self) -> str:
        return f"{self.expectation}: {self.message}"


@dataclass
class Run:
    """One answer to a case and the expectations it failed."""

    answer: Answer
    failures: list[Failure]
    recall_at_5: float | None

    @property
    def passed(self) -> bool:
        return not self.failures


@dataclass
class Result:
    """A case's outcome over one or more runs: it passes when at least ``min_pass`` of its runs pass
    (generated answers vary from run to run; the extractive answer does not)."""

    case: Case
    runs: list[Run]
    min_pass: float = 1.0

    @property
    def passes(self) -> int:
        return sum(r.passed for r in self.runs)

    @property
    def passed(self) -> bool:
        return self.passes >= self.min_pass * len(self.runs) - 1e-9

    @property
    def shown(self) -> Run:
        """The run to show: the first failed one if the case failed, else the first that passed."""
        return next((r for r in self.runs if r.passed == self.passed), self.runs[0])

    @property
    def answer(self) -> Answer:
        return self.shown.answer

    @property
    def failures(self) -> list[Failure]:
        return self.shown.failures

    @property
    def recall_at_5(self) -> float | None:
        return self.shown.recall_at_5

    @property
    def status(self) -> str:
        """``pass``, ``fail``, ``known failure`` (failed, as marked) or ``unexpected pass`` (marked, but passed)."""
        if self.case.known_failure:
            return "unexpected pass" if self.passed else "known failure"
        return "pass" if self.passed else "fail"

    @property
    def spread(self) -> str:
        """How the runs went, when there were several ("3 of 5 runs passed (needs 60%); failed: mentions
        in 2, abstain in 1"); else ""."""
        if len(self.runs) < 2:
            return ""
        counts = Counter(f.expectation for r in self.runs for f in set(r.failures))
        failed = ", ".join(f"{what} in {n}" for what, n in counts.most_common())
        return (f"{self.passes} of {len(self.runs)} runs passed (needs {self.min_pass:.0%})"
                + (f"; failed: {failed}" if failed else ""))

    def to_dict(self) -> dict:
        out = {"id": self.case.id, **self.answer.to_dict(), "passed": self.passed,
               "failures": [str(f) for f in self.failures]}
        if len(self.runs) > 1:
            out["runs"] = {"passed": self.passes, "total": len(self.runs), "min_pass": self.min_pass,
                           "failures": [[str(f) for f in r.failures] for r in self.runs]}
        return out


# -- reading a set -----------------------------------------------------------------------------

def read_set(path: Path, renumber: bool = False) -> QuestionSet:
    """Read and check a set file (a list of questions, or ``{corpus, questions}``).

    ``renumber``: a repeated id is made unique (``ID~2``, ``ID~3``) instead of refused, for a set
    written by someone else's tool (RealTime QA 2023's ``subset.py`` repeats a few).

    Raises:
        EvalSetError: missing file, bad YAML, an entry without ``id``/``question``, a duplicate id,
            an unknown key or a malformed expectation; the message names the file and the entry.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
        data, lines = yaml.safe_load(text), _case_lines(text)
    except FileNotFoundError as exc:
        raise EvalSetError(f"no question set at '{path}'") from exc
    except yaml.YAMLError as exc:
        raise EvalSetError(f"'{path}' is not valid YAML: {exc}") from exc
    corpus = None
    if isinstance(data, dict):
        unknown = set(data) - set(SET_KEYS)
        if unknown:
            raise EvalSetError(f"'{path}': unknown key(s) {sorted(unknown)} at the top; allowed: {list(SET_KEYS)}")
        if data.get("corpus"):
            corpus = (path.parent / str(data["corpus"])).resolve()
        data = data.get("questions")
    if not isinstance(data, list) or not data:
        raise EvalSetError(f"'{path}' must be a non-empty YAML list of {{id, question, expect}}, "
                           "or a mapping {corpus: FOLDER, questions: [...]}")
    cases, seen = [], set()
    for i, item in enumerate(data, start=1):
        if not isinstance(item, dict) or not item.get("id") or not item.get("question"):
            raise EvalSetError(f"'{path}' entry {i}: needs 'id' and 'question'")
        if item["id"] in seen and renumber:
            n = 2
            while f"{item['id']}~{n}" in seen:
                n += 1
            item = {**item, "id": f"{item['id']}~{n}"}
        if item["id"] in seen:
            raise EvalSetError(f"'{path}' entry {i}: duplicate id '{item['id']}'")
        seen.add(item["id"])
        case = _case(item, f"'{path}' entry '{item['id']}'")
        case.line = lines[i - 1] if i - 1 < len(lines) else 0
        cases.append(case)
    return QuestionSet(path, cases, corpus)


def load_set(path: Path) -> list[Case]:
    """The questions of a set file (see ``read_set``, which also gives the set's corpus)."""
    return read_set(path).cases


def _case_lines(text: str) -> list[int]:
    """The line where each question starts, in file order."""
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    if isinstance(root, yaml.MappingNode):
        root = next((v for k, v in root.value if k.value == "questions"), None)
    return [n.start_mark.line for n in root.value] if isinstance(root, yaml.SequenceNode) else []


def _case(item: dict, where: str) -> Case:
    unknown = set(item) - set(QUESTION_KEYS)
    if unknown:
        raise EvalSetError(f"{where}: unknown key(s) {sorted(unknown)}; allowed: {list(QUESTION_KEYS)}")
    expect = item.get("expect") or {}
    if not isinstance(expect, dict):
        raise EvalSetError(f"{where}: 'expect' must be a mapping of {list(EXPECT_KEYS)}")
    unknown = set(expect) - set(EXPECT_KEYS)
    if unknown:
        raise EvalSetError(f"{where}: unknown expect key(s) {sorted(unknown)}; allowed: {sorted(EXPECT_KEYS)}")
    try:
        as_of = _day(item["as_of"]) if item.get("as_of") else None
    except ValueError as exc:
        raise EvalSetError(f"{where}: as_of must be a date, YYYY-MM-DD") from exc
    abstain = expect.get("abstain")
    if abstain is not None and not isinstance(abstain, bool):
        raise EvalSetError(f"{where}: abstain must be true or false")
    most = expect.get("max_citations")
    if most is not None and (not isinstance(most, int) or isinstance(most, bool) or most < 0):
        raise EvalSetError(f"{where}: max_citations must be a whole number, 0 or more")
    return Case(
        str(item["id"]), str(item["question"]),
        mentions=[[str(p) for p in g] if isinstance(g, list) else [str(g)] for g in _list(expect, "mentions", where)],
        articles=[str(a) for a in _list(expect, "articles", where)],
        abstain=abstain,
        known_failure=str(item["known_failure"]) if item.get("known_failure") else None,
        as_of=as_of,
        short_answer=[str(x) for x in _list(expect, "short_answer", where)],
        not_mentions=[str(x) for x in _list(expect, "not_mentions", where)],
        dates=[_date_expectation(d, where) for d in _list(expect, "dates", where)],
        max_citations=most,
    )


def _list(expect: dict, key: str, where: str) -> list:
    value = expect.get(key)
    if value is None:
        return []
    if isinstance(value, str | int | float):
        return [value]
    if not isinstance(value, list):
        raise EvalSetError(f"{where}: {key} must be a list")
    return value


def _day(value) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value).strip())


def _date_expectation(d, where: str) -> DateExpectation:
    try:
        if not isinstance(d, dict) or not d.get("phrase") or set(d) - {"phrase", "day", "start", "end"}:
            raise ValueError
        if "day" in d:
            first = last = _day(d["day"])
        else:
            first, last = _day(d["start"]), _day(d["end"])
    except (ValueError, KeyError, TypeError) as exc:
        raise EvalSetError(f"{where}: each of dates must be {{phrase: TEXT, day: YYYY-MM-DD}} "
                           "or {phrase: TEXT, start: YYYY-MM-DD, end: YYYY-MM-DD}") from exc
    return DateExpectation(str(d["phrase"]), first, last)


# -- checking an answer ------------------------------------------------------------------------

def _squash(text: str) -> str:
    return " ".join(text.lower().split())


def missing_mentions(case: Case, answer: Answer) -> list[list[str]]:
    """The ``mentions`` groups none of whose phrases the answer contains."""
    text = _squash(answer.answer)
    return [g for g in case.mentions if not any(_squash(phrase) in text for phrase in g)]


def missing_articles(case: Case, answer: Answer) -> list[str]:
    """The expected article ids that no citation (nor its ``also_in``) points at."""
    cited = {c.location.article_id for c in answer.citations} | {a.article_id for c in answer.citations for a in c.also_in}
    return [a for a in case.articles if a not in cited]


def _date_failure(expected: DateExpectation, citations: list[Citation]) -> Failure | None:
    want = _squash(expected.phrase)
    found = [e for c in citations for e in c.dates if want in _squash(e.phrase)]
    if any(e.first == expected.first and e.last == expected.last for e in found):
        return None
    if not found:
        cited = sorted({e.phrase for c in citations for e in c.dates})
        return Failure("dates", f"no citation holds the time phrase {expected.phrase!r}"
                                + (f" (cited: {', '.join(map(repr, cited))})" if cited else ""))
    got = ", ".join(f"{e.phrase!r} = {e.label or 'unresolved'}" for e in found)
    return Failure("dates", f"{expected.phrase!r} should be {expected.label}; cited: {got}")


def check(case: Case, answer: Answer) -> tuple[list[Failure], float | None]:
    """The expectations ``answer`` fails (in the order of ``EXPECT_KEYS``), and its retrieval recall@5
    (the share of the expected articles among the top five passages; None if no articles expected)."""
    failures = [Failure("mentions", f"answer lacks {' / '.join(repr(p) for p in g)}")
                for g in missing_mentions(case, answer)]
    text = _squash(answer.answer)
    failures += [Failure("not_mentions", f"answer contains {p!r}") for p in case.not_mentions if _squash(p) in text]
    failures += [Failure("articles", f"article {a} not cited") for a in missing_articles(case, answer)]
    if case.abstain is not None and answer.abstained != case.abstain:
        failures.append(Failure("abstain", "abstained where it should answer" if answer.abstained
                                else "answered where it should abstain"))
    if case.short_answer:
        got = _squash(answer.short_answer.text) if answer.short_answer else None
        if got not in {_squash(x) for x in case.short_answer}:
            wanted = " / ".join(repr(x) for x in case.short_answer)
            failures.append(Failure("short_answer", f"short answer {answer.short_answer.text!r} is not {wanted}"
                                    if answer.short_answer else f"no short answer; expected {wanted}"))
    failures += [f for d in case.dates if (f := _date_failure(d, answer.citations))]
    if case.max_citations is not None and len(answer.citations) > case.max_citations:
        failures.append(Failure("max_citations", f"{len(answer.citations)} citation{'s' * (len(answer.citations) != 1)}, "
                                                 f"at most {case.max_citations} expected"))
    recall = None
    if case.articles:
        top = answer.retrieved[:5]
        found = {p.chunk.article_id for p in top} | {a.article_id for p in top for a in p.also_in}
        recall = sum(a in found for a in case.articles) / len(case.articles)
    return failures, recall


def run_case(assistant: Assistant, case: Case, repeat: int = 1, min_pass: float = 1.0) -> Result:
    """Answer ``case`` ``repeat`` times (same code path as ``ask``) and check every answer."""
    runs = []
    for _ in range(repeat):
        answer = assistant.answer(case.question, as_of=case.as_of)
        runs.append(Run(answer, *check(case, answer)))
    return Result(case, runs, min_pass)


def run_set(assistant: Assistant, cases: list[Case], repeat: int = 1, min_pass: float = 1.0) -> list[Result]:
    """Answer and check every case."""
    from tqdm import tqdm

    return [run_case(assistant, case, repeat, min_pass)
            for case in tqdm(cases, desc="Questions", unit="q", disable=None if len(cases) > 60 else True)]


# -- reading the results -----------------------------------------------------------------------

def explain(result: Result) -> str:
    """A failed (or unexpectedly passed) case for a person: the question, which expectations failed,
    the answer and its citations (number, source, offsets, text, resolved dates)."""
    case, answer = result.case, result.answer
    failures = result.failures
    if not failures:
        lines = ["passed"]
    elif len(failures) == 1:  # the first line is what pytest's short summary shows
        lines = [f"failed {failures[0]}"]
    else:
        lines = [f"failed {len(failures)} expectations: {', '.join(dict.fromkeys(f.expectation for f in failures))}"]
        lines += [f"  - {f}" for f in failures]
    lines.append(f"question: {case.question}" + (f"  (as of {case.as_of})" if case.as_of else ""))
    if result.spread:
        lines.append(f"runs: {result.spread}")
    lines.append(f"answer ({answer.composer_label}): {answer.body}")
    if answer.short_answer and not answer.abstained:
        lines.append(f"short answer: {answer.short_answer.text} [{answer.short_answer.n}]")
    items = answer.closest if answer.abstained else answer.citations
    lines.append(("closest matches (not an answer):" if answer.abstained else "citations:") if items
                 else "citations: none")
    for c in items:
        loc = c.location
        lines.append(f"  [{c.n}] {loc.source} {loc.start}-{loc.end}: \u201c{c.text}\u201d")
        lines += [f"      {e.phrase!r} = {e.label}" for e in c.dates if e.resolved]
    return "\n".join(lines)


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
        why = "; ".join(str(f) for f in r.failures)
        if r.case.known_failure and not r.passed:
            why += f" (known: {r.case.known_failure})"
        if r.spread:
            why += f" [{r.spread}]"
        via = "" if r.answer.composer_label == "extractive" else f" [{r.answer.composer_label}]"
        lines.append(f"{r.case.id.ljust(width)}  {'PASS' if r.passed else 'FAIL'}    {why}{via}")
    return "\n".join(lines)

