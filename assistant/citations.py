"""Citations for display: the closest matches of an abstained answer, each citation's paragraph
around it, and the day each relative date means ("late Tuesday (Tue 7 Oct 2025)").

Everything here reads the articles fetched once per answer (``Retrieved.articles``); what is
shown was already checked by ``assistant.verification``.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path, PurePath

from assistant.composers.base import Evidence
from assistant.models import Article, Citation
from assistant.verification import exact


def closest_matches(evidence: list[Evidence], articles: dict[str, Article]) -> list[Citation]:
    """The nearest passages of an abstained answer, numbered, exact-checked (never called citations)."""
    out: list[Citation] = []
    for ev in evidence:
        if exact(articles, ev):
            out.append(Citation(len(out) + 1, ev.location, ev.text, list(ev.also_in)))
    return out


def paragraph_context(text: str, start: int, end: int, max_chars: int = 400) -> tuple[str, str]:
    """The rest of the paragraph around ``text[start:end]``: ``(before, after)``.

    A paragraph ends at a line break. Each side is cut to about ``max_chars`` at a word
    boundary, with an ellipsis where it was cut.
    """
    p_start = text.rfind("\n", 0, start) + 1
    p_end = text.find("\n", end)
    p_end = len(text) if p_end < 0 else p_end
    before, after = text[p_start:start], text[end:p_end]
    if len(before) > max_chars:
        cut = before.find(" ", len(before) - max_chars)
        before = "\u2026" + before[cut if cut >= 0 else len(before) - max_chars:]
    if len(after) > max_chars:
        cut = after.rfind(" ", 0, max_chars)
        after = after[: cut if cut > 0 else max_chars] + "\u2026"
    return before, after


def with_context(citations: list[Citation], articles: dict[str, Article]) -> list[Citation]:
    """``citations`` with their paragraph (``before``/``after``), resolved ``dates`` and the other
    sources of their article (``also_at``) filled in."""
    out = []
    for c in citations:
        article = articles.get(c.location.article_id)
        if article is None:
            out.append(c)
            continue
        loc = c.location
        before, after = paragraph_context(article.text, loc.start, loc.end)
        out.append(replace(c, before=before, after=after, dates=article.dates_in(loc.start, loc.end),
                           also_at=[copy.source for copy in article.also_at]))
    return out


def annotate_dates(sentence: str, citations: list[Citation]) -> str:
    """``sentence`` with each relative date phrase of its citations followed by the day it means:
    "arrived late Tuesday" -> "arrived late Tuesday (Tue 7 Oct 2025)". Full dates are left alone."""
    done = set()
    for c in citations:
        for e in _unstated_relative(c):
            if e.phrase in done:
                continue
            at = sentence.find(e.phrase)
            if at >= 0:
                end = at + len(e.phrase)
                if not sentence[end:].lstrip().startswith(f"({e.label})"):  # a generated one may have it
                    sentence = f"{sentence[:end]} ({e.label}){sentence[end:]}"
                done.add(e.phrase)
    return sentence


def _unstated_relative(c: Citation):
    """The relative date phrases of ``c`` ("late Tuesday") whose day the sentence does not also
    state ("on Saturday (August 30)" needs no day added)."""
    stated = {(e.first, e.last) for e in c.dates if not e.relative}
    return (e for e in c.dates if e.relative and (e.first, e.last) not in stated)


def day_of(start: int, end: int, citation: Citation) -> str:
    """The day a relative date phrase of ``citation`` overlapping its article's ``start:end`` means
    ("Tue 7 Oct 2025" for "Tuesday" in "late Tuesday"), as ``annotate_dates`` shows it; "" when
    there is none."""
    return next((e.label for e in _unstated_relative(citation) if e.label and e.start < end and start < e.end), "")


def dated_text(ev: Evidence, articles: dict[str, Article]) -> str:
    """A sentence as an LLM sees it: with the day each relative date means ("late Tuesday (Tue 7 Oct 2025)")."""
    article = articles.get(ev.location.article_id)
    dates = article.dates_in(ev.location.start, ev.location.end) if article else []
    return annotate_dates(ev.text, [Citation(0, ev.location, ev.text, dates=dates)])


def shown_path(path: str) -> str:
    """``path`` as a reader may see it: relative to the working folder when inside it, else its
    last part only. An absolute path never leaves the server (it tells how the machine is laid out).
    """
    if "://" in path:  # a web address is shown as it is
        return path
    p = PurePath(path)
    if not p.is_absolute():
        return p.as_posix()
    try:
        return Path(path).resolve().relative_to(Path.cwd().resolve()).as_posix()
    except (ValueError, OSError):
        return p.name
