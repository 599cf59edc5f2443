"""Gaps: the questions readers could not get answers to, for editors.

A gap is a question the assistant abstained on ("the articles do not say"), or one whose answer a
reader flagged as not helpful. Questions that ask the same thing are merged into one gap with
counts: two questions are the same when their content terms (stemmed, stop words left out) mostly
agree, or when one's word 3-grams are mostly in the
other (``question.same_question``). "What is the population of
Elwood?" and "Elwood's population?" are one gap; "Who is the mayor of Chicago?" and "Who is the
governor of Illinois?" are two.

``regression_yaml`` writes gaps as a regression set in the ``eval`` format, each with the
assistant's answer as a comment and an empty ``expect`` for an editor to fill in.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from dataclasses import dataclass, field

from assistant.feedback import Entry
from assistant.question import same_question


@dataclass
class Gap:
    """Readers' questions that ask one thing, none of them answered to their satisfaction.

    ``entries`` are newest first; ``question`` is the newest wording.
    """

    entries: list[Entry] = field(default_factory=list)

    @property
    def question(self) -> str:
        return self.entries[0].question

    @property
    def count(self) -> int:
        return len(self.entries)

    @property
    def abstained(self) -> int:
        return sum(e.abstained for e in self.entries)

    @property
    def flagged(self) -> int:
        return sum(e.flagged for e in self.entries)

    @property
    def last_asked(self) -> dt.datetime:
        return self.entries[0].asked_at

    @property
    def wordings(self) -> list[tuple[str, int]]:
        """Each distinct wording and how often it was asked, most asked first."""
        counts: dict[str, int] = {}
        for e in self.entries:
            counts[e.question] = counts.get(e.question, 0) + 1
        return sorted(counts.items(), key=lambda kv: -kv[1])

    @property
    def comments(self) -> list[str]:
        return [e.comment for e in self.entries if e.comment]

    @property
    def answer(self) -> str:
        """What the assistant answered the newest time."""
        return str(self.entries[0].answer.get("answer", ""))

    def to_dict(self) -> dict:
        return {"question": self.question, "count": self.count, "abstained": self.abstained, "flagged": self.flagged,
                "last_asked": self.last_asked.isoformat(), "first_asked": self.entries[-1].asked_at.isoformat(),
                "wordings": [{"question": q, "count": n} for q, n in self.wordings], "comments": self.comments,
                "answer": self.answer, "answer_ids": [e.id for e in self.entries]}


def find_gaps(entries: list[Entry]) -> list[Gap]:
    """The gaps among ``entries`` (answered questions with their feedback): abstained or flagged ones,
    near-duplicates merged, the most recently asked gap first."""
    gaps: list[Gap] = []
    for entry in sorted((e for e in entries if e.abstained or e.flagged), key=lambda e: e.asked_at, reverse=True):
        home = next((g for g in gaps if any(same_question(entry.question, q) for q, _ in g.wordings)), None)
        if home is None:
            gaps.append(Gap([entry]))
        else:
            home.entries.append(entry)
    return gaps


def why(gap: Gap) -> str:
    """"asked 3 times, 2 unanswered, 1 flagged"."""
    parts = [f"asked {gap.count} time{'s' * (gap.count != 1)}"]
    if gap.abstained:
        parts.append(f"{gap.abstained} unanswered")
    if gap.flagged:
        parts.append(f"{gap.flagged} flagged not helpful")
    return ", ".join(parts)


def summary(gaps: list[Gap]) -> str:
    """The gaps as text for a terminal, newest first."""
    if not gaps:
        return "No gaps: every question asked was answered, and no answer was flagged."
    lines = []
    for i, gap in enumerate(gaps, 1):
        lines.append(f"{i}. {gap.question}")
        lines.append(f"   {why(gap)}; last {gap.last_asked:%Y-%m-%d %H:%M} UTC")
        for q, n in gap.wordings:
            if q != gap.question:
                lines.append(f"   also asked as: {q}" + (f" ({n}x)" if n > 1 else ""))
        for c in gap.comments:
            lines.append(f"   reader: \u201c{c}\u201d")
        lines.append(f"   answer given: {_short(gap.answer, 160)}")
    total = sum(g.count for g in gaps)
    lines.append(f"\n{len(gaps)} gap{'s' * (len(gaps) != 1)} from {total} question{'s' * (total != 1)}.")
    return "\n".join(lines)


def _short(text: str, most: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= most else text[: most - 1].rstrip() + "\u2026"


def _slug(text: str) -> str:
    words = re.findall(r"[a-z0-9]+", text.lower())
    return "-".join(words[:8]) or "question"


def _comment(text: str) -> str:
    return " ".join(text.split())  # one line: a newline would end the YAML comment


def regression_yaml(gaps: list[Gap], made: dt.datetime, corpus: str | None = None) -> str:
    """``gaps`` as a regression set in the ``eval`` format (``evaluation.read_set`` reads it back):
    one question per gap, the assistant's answer and the readers' comments as YAML comments, and an
    empty ``expect`` for an editor to fill in (``eval`` skips a question until it has one)."""
    lines = [f"# Questions readers could not get answers to, exported {made:%Y-%m-%d %H:%M} UTC by",
             "# 'python -m assistant feedback export --regression'. Fill in each 'expect' (README,",
             "# \"Regression sets in pytest\"); 'eval' skips the questions whose expect is still empty."]
    if corpus:
        lines.append(f"corpus: {json.dumps(corpus, ensure_ascii=False)}")
    lines.append("questions:" if gaps else "questions: []")
    seen: dict[str, int] = {}
    for gap in gaps:
        slug = _slug(gap.question)
        seen[slug] = seen.get(slug, 0) + 1
        ident = slug if seen[slug] == 1 else f"{slug}-{seen[slug]}"
        lines.append(f"- id: {ident}")
        lines.append(f"  question: {json.dumps(gap.question, ensure_ascii=False)}")
        lines.append(f"  # {why(gap)}; last {gap.last_asked:%Y-%m-%d %H:%M} UTC")
        for q, _ in gap.wordings:
            if q != gap.question:
                lines.append(f"  # also asked as: {_comment(q)}")
        for c in gap.comments:
            lines.append(f"  # reader: {_comment(c)}")
        lines.append(f"  # the assistant answered: {_comment(gap.answer)}")
        lines.append("  expect: {}")
    return "\n".join(lines) + "\n"


def gaps_html(gaps: list[Gap]) -> str:
    """The editors' page (``/admin/gaps``): the gaps as a table, every reader's text escaped."""
    def e(text: str) -> str:
        return html.escape(text, quote=True)

    rows = []
    for gap in gaps:
        also = "".join(f"<div class=also>also asked as: {e(q)}</div>" for q, _ in gap.wordings if q != gap.question)
        comments = "".join(f"<div class=comment>\u201c{e(c)}\u201d</div>" for c in gap.comments)
        rows.append(f"<tr><td class=q>{e(gap.question)}{also}{comments}</td><td>{gap.count}</td>"
                    f"<td>{gap.abstained}</td><td>{gap.flagged}</td><td>{gap.last_asked:%Y-%m-%d %H:%M}</td>"
                    f"<td class=a>{e(_short(gap.answer, 240))}</td></tr>")
    body = (f"<table><tr><th>Question</th><th>Asked</th><th>Unanswered</th><th>Flagged</th><th>Last (UTC)</th>"
            f"<th>Answer given</th></tr>{''.join(rows)}</table>" if gaps
            else "<p>No gaps: every question asked was answered, and no answer was flagged.</p>")
    return ("<!doctype html><html lang=en><head><meta charset=utf-8><meta name=robots content=noindex>"
            "<title>Unanswered and flagged questions</title><style>body{font:15px/1.45 system-ui,sans-serif;"
            "margin:2em;color:#0f172a}table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid "
            "#e2e8f0;padding:.45em .6em;text-align:left;vertical-align:top}.also,.comment,.a{color:#475569;"
            "font-size:.9em}.comment{font-style:italic}.q{font-weight:600}</style></head><body>"
            "<h1>Unanswered and flagged questions</h1><p>Questions the assistant could not answer from the "
            "articles, and answers readers flagged as not helpful, newest first; the same question asked "
            "differently is counted once. The same list: <code>python -m assistant gaps</code>.</p>"
            f"{body}</body></html>")
