"""The report of a question-set run: JSON for a program (``eval --report out.json``, the pytest
plugin's ``--qa-json``), or a page for a person to read (``eval --report out.html``, the plugin's
``--qa-html out.html``): one self-contained page, no script, no outside resource.

Per question: pass / fail / known failure / unexpected pass, the failed expectations, the answer
with its ``[n]`` linked to the citations, and each cited sentence highlighted in its paragraph
(the short answer in bold inside it, relative dates followed by the day they mean). Every text
taken from a set, an article or an answer goes through ``html.escape``: an article holding
``<script>`` shows that text and runs nothing.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter
from html import escape
from pathlib import Path

from assistant.evaluation import Result, metrics
from assistant.models import Citation, ShortAnswer

# in the order a reader wants them: what needs a look first
_BADGES = {"fail": "FAIL", "unexpected pass": "UNEXPECTED PASS", "known failure": "KNOWN FAILURE", "pass": "PASS"}

CSS = """
body { font: 15px/1.5 system-ui, sans-serif; color: #0f172a; max-width: 60em; margin: 2em auto; padding: 0 1em; }
h1 { font-size: 1.5em; } h2 { font-size: 1.25em; margin-top: 2em; } h3 { font-size: 1.05em; margin: 0; }
table { border-collapse: collapse; margin: .5em 0 1em; } td, th { padding: .2em .7em; text-align: left; border-bottom: 1px solid #e2e8f0; }
.badge { display: inline-block; font-size: .8em; font-weight: 700; padding: .05em .5em; border-radius: 3px; color: #fff; }
.pass { background: #15803d; } .fail { background: #b91c1c; } .known-failure { background: #a16207; } .unexpected-pass { background: #7e22ce; }
.case { border: 1px solid #cbd5e1; border-radius: 6px; padding: .7em 1em; margin: 1em 0; }
.case.is-fail, .case.is-unexpected-pass { border-color: #b91c1c; border-width: 2px; }
.question { font-size: 1.05em; font-weight: 600; margin: .3em 0; }
.meta, .src { color: #475569; font-size: .9em; }
.failures { color: #b91c1c; margin: .3em 0; } .failures code { font-weight: 700; }
.answer { background: #f8fafc; border-left: 3px solid #1d4ed8; padding: .4em .8em; margin: .5em 0; }
.ref { color: #1d4ed8; font-weight: 600; text-decoration: none; }
ol.citations { padding-left: 1.2em; } ol.citations li { margin: .5em 0; }
.para { margin: .2em 0; } mark { background: #fef08a; padding: 0 .1em; }
strong.short { background: #bbf7d0; } .date { background: #dbeafe; color: #1e3a8a; border-radius: 3px; padding: 0 .25em; font-size: .9em; }
.closest { color: #9a3412; font-weight: 600; }
"""


def write_report(path: Path, results: list[Result], title: str = "") -> None:
    """Write the results: a self-contained HTML page if ``path`` ends in ``.html``, else JSON (every
    result in the ``ask --json`` shape plus id, passed, failures; and the metrics).

    Args:
        path: the file to write (its folder is made if missing).
        results: the checked answers, in the set's order.
        title: the page's heading for the set (default: the file's name without its suffix).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() in (".html", ".htm"):
        path.write_text(html_report([(title or path.stem, results)]), encoding="utf-8")
        return
    path.write_text(json.dumps({"metrics": metrics(results), "results": [r.to_dict() for r in results]},
                               indent=2, ensure_ascii=False), encoding="utf-8")


def html_report(groups: list[tuple[str, list[Result]]]) -> str:
    """The page for one or more sets: ``[(set name, its results)]``."""
    all_results = [r for _, results in groups for r in results]
    counts = Counter(r.status for r in all_results)
    summary = ", ".join(f"{counts[s]} {s}" for s in _BADGES if counts[s])
    parts = ["<!doctype html>", '<html lang="en"><head><meta charset="utf-8">',
             '<meta name="viewport" content="width=device-width, initial-scale=1">',
             f"<title>Question sets: {escape(', '.join(name for name, _ in groups))}</title>",
             f"<style>{CSS}</style></head><body>",
             "<h1>Question sets</h1>",
             f'<p class="meta">{len(all_results)} questions: {escape(summary)}. Written '
             f'{dt.datetime.now().strftime("%Y-%m-%d %H:%M")}.</p>']
    index = 0
    for name, results in groups:
        parts.append(f"<h2>{escape(name)}</h2>")
        m = {k: v for k, v in metrics(results).items() if v is not None}
        if not m.get("generated_answers") and not m.get("generated_sentences_dropped"):  # extractive: nothing to say
            m = {k: v for k, v in m.items() if not k.startswith("generated")}
        parts.append("<table><tr>" + "".join(f"<th>{escape(k.replace('_', ' '))}</th>" for k in m) + "</tr><tr>"
                     + "".join(f"<td>{escape(str(v))}</td>" for v in m.values()) + "</tr></table>")
        anchors = {id(r): f"q{i}" for i, r in enumerate(results, start=index)}
        index += len(results)
        parts.append("<table><tr><th>id</th><th>result</th><th>failed expectation</th></tr>")
        for r in results:
            parts.append(f'<tr><td><a href="#{anchors[id(r)]}">{escape(r.case.id)}</a></td><td>{_badge(r.status)}</td>'
                         f"<td>{escape('; '.join(str(f) for f in r.failures))}</td></tr>")
        parts.append("</table>")
        # failures first, then unexpected passes, known failures, passes (file order within each)
        for r in sorted(results, key=lambda r: list(_BADGES).index(r.status)):
            parts.append(_case_html(r, anchors[id(r)]))
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _badge(status: str) -> str:
    return f'<span class="badge {status.replace(" ", "-")}">{_BADGES[status]}</span>'


def _case_html(r: Result, anchor: str) -> str:
    case, answer = r.case, r.answer
    meta = [f"as of {case.as_of}"] if case.as_of else []
    meta.append(f"composer: {answer.composer_label}")
    if r.spread:
        meta.append(r.spread)
    out = [f'<section class="case is-{r.status.replace(" ", "-")}" id="{anchor}">',
           f"<h3>{_badge(r.status)} {escape(case.id)}</h3>",
           f'<p class="question">{escape(case.question)}</p>',
           f'<p class="meta">{escape(" · ".join(meta))}</p>']
    if case.known_failure:
        out.append(f'<p class="meta">Marked known failure: {escape(case.known_failure)}</p>')
    if r.failures:
        out.append('<ul class="failures">' + "".join(
            f"<li><code>{escape(f.expectation)}</code> {escape(f.message)}</li>" for f in r.failures) + "</ul>")
    linked = re.sub(r"\[(\d+)\]", lambda m: f'<a class="ref" href="#{anchor}-c{m.group(1)}">[{m.group(1)}]</a>',
                    escape(answer.body))
    if answer.short_answer and not answer.abstained:
        day = f" ({escape(answer.short_answer.day)})" if answer.short_answer.day else ""
        out.append(f'<p>Short answer: <strong class="short">{escape(answer.short_answer.text)}</strong>{day} '
                   f'<a class="ref" href="#{anchor}-c{answer.short_answer.n}">[{answer.short_answer.n}]</a></p>')
    out.append(f'<div class="answer">{linked}</div>')
    items = answer.closest if answer.abstained else answer.citations
    if items:
        if answer.abstained:
            out.append('<p class="closest">Closest matches (not an answer)</p>')
        out.append('<ol class="citations">')
        for c in items:
            loc = c.location
            about = " · ".join(x for x in (loc.title, loc.outlet, loc.published) if x)
            where = f"{loc.source}, characters {loc.start}–{loc.end}"
            out.append(f'<li value="{c.n}" id="{anchor}-c{c.n}"><div class="src">{escape(about + " · " if about else "")}'
                       f"{escape(where)}</div>"
                       f'<p class="para">{escape(c.before)}<mark>{_cited(c, answer.short_answer)}</mark>{escape(c.after)}</p>'
                       "</li>")
        out.append("</ol>")
    out.append("</section>")
    return "\n".join(out)


def _cited(c: Citation, short: ShortAnswer | None) -> str:
    """The cited text, escaped, with the short answer in bold and each relative date's day after it."""
    base, end = c.location.start, c.location.end
    marks: list[tuple[int, int, str]] = []  # (offset in text, order at that offset, markup)
    if short and short.n == c.n and base <= short.location.start < short.location.end <= end:
        marks += [(short.location.start - base, 2, '<strong class="short">'), (short.location.end - base, 0, "</strong>")]
    for e in c.dates:
        if e.relative and e.resolved and base <= e.start and e.end <= end:
            marks.append((e.end - base, 1, f' <span class="date">({escape(e.label)})</span>'))
    parts, pos = [], 0
    for at, _, markup in sorted(marks):
        parts += [escape(c.text[pos:at]), markup]
        pos = at
    parts.append(escape(c.text[pos:]))
    return "".join(parts)
