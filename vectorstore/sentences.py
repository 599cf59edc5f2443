"""Sentence splitting with exact character offsets, tuned for news prose.

A line break always ends a sentence (news paragraphs, datelines and sub-headings are lines).
Inside a line, a sentence ends at ``.``, ``!`` or ``?`` (with any closing quotes) followed by
space and a capital, unless the period belongs to an abbreviation ("Gov.", "Oct. 4", "U.S.")
or the break would fall inside an open quotation or between a quote and its attribution
("...also!" Trump posted).

A sentence longer than a chunk may hold is cut into pieces by ``split_long`` (at whitespace
near the limit), so one endless "sentence" never becomes one endless chunk.
"""

from __future__ import annotations

import re
import unicodedata

from vectorstore.models import Span

ABBREVIATIONS = frozenset(
    """
    mr mrs ms dr prof gov sen rep reps lt gen col sgt capt cmdr adm maj pres supt atty
    jr sr st mt ft rev hon messrs
    jan feb mar apr jun jul aug sep sept oct nov dec mon tue tues wed thu thur thurs fri sat sun
    no nos vs etc inc corp co ltd dept univ ave blvd rd hwy est approx fig
    ala ariz ark calif colo conn del fla ga ill ind kan ky la md mass mich minn miss mo mont
    neb nev okla ore pa tenn tex va vt wash wis wyo
    """.split()
)
SPEECH_VERBS = re.compile(
    r"^(?:\S+\s+){0,3}?(?:said|says|wrote|writes|posted|posts|added|adds|told|asked|"
    r"tweeted|responded|joked|replied|stated|declared|continued|insisted)\b"
)
STARTERS = frozenset("The A An He She It They We I But And In On This That His Her Its".split())
_TERMINATOR = re.compile(r"[.!?]+[\"”’')\]]*(?=\s)")
_OPEN_QUOTES = "“"
_CLOSE_QUOTES = "”"


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[Span]:
    """Split ``text[start:end]`` into sentence spans (absolute offsets, whitespace trimmed).

    Args:
        text: the whole article text.
        start, end: the region to split (default: all of it).

    Returns:
        Spans in order; ``text[s.start:s.end]`` never begins or ends with whitespace.
    """
    end = len(text) if end is None else end
    spans: list[Span] = []
    line_start = start
    while line_start < end:
        nl = text.find("\n", line_start, end)
        line_end = end if nl == -1 else nl
        spans.extend(_split_line(text, line_start, line_end))
        line_start = line_end + 1
    return spans


def split_long(text: str, span: Span, max_chars: int) -> list[Span]:
    """``span`` cut into pieces of at most ``max_chars`` characters (just ``[span]`` when it fits).

    A piece ends at the last whitespace in the second half of its window; failing that, after
    the last punctuation mark there (text written without spaces); failing that, at the limit
    itself, moved back so that a combining mark stays with its letter.

    Returns:
        Trimmed spans in order with exact offsets: ``text[p.start:p.end]`` is the piece.

    Raises:
        ValueError: ``max_chars`` is not positive.
    """
    if max_chars < 1:
        raise ValueError("max_chars must be positive")
    pieces: list[Span] = []
    start = span.start
    while span.end - start > max_chars:
        cut = _cut_point(text, start, start + max_chars)
        pieces.append(_trim(text, start, cut))
        start = cut
        while start < span.end and text[start].isspace():
            start += 1
    if start < span.end:
        pieces.append(_trim(text, start, span.end))
    return [p for p in pieces if p.end > p.start]


_SOFT_BREAKS = ",;:)]}»”’、，。；：！？…—–-/"


def _cut_point(text: str, start: int, limit: int) -> int:
    """Where a piece starting at ``start`` should end, at most at ``limit`` (exclusive)."""
    low = start + max(1, (limit - start) // 2)
    for i in range(limit, low - 1, -1):
        if text[i].isspace():
            return i
    for i in range(limit, low - 1, -1):
        if text[i - 1] in _SOFT_BREAKS:
            return i
    cut = limit
    while cut > start + 1 and unicodedata.category(text[cut])[0] == "M":
        cut -= 1
    return cut


def _split_line(text: str, start: int, end: int) -> list[Span]:
    spans: list[Span] = []
    sent_start = start
    for m in _TERMINATOR.finditer(text, start, end):
        cut = m.end()
        nxt = _next_visible(text, cut, end)
        if nxt is None:
            break
        if _is_boundary(text, sent_start, m.start(), cut, nxt):
            spans.append(_trim(text, sent_start, cut))
            sent_start = nxt
    if sent_start < end:
        spans.append(_trim(text, sent_start, end))
    return [s for s in spans if s.end > s.start]


def _next_visible(text: str, pos: int, end: int) -> int | None:
    while pos < end and text[pos].isspace():
        pos += 1
    return pos if pos < end else None


def _is_boundary(text: str, sent_start: int, term_start: int, cut: int, nxt: int) -> bool:
    c = text[nxt]
    if not (c.isupper() or c.isdigit() or c in "\"“‘'(—–-"):
        return False
    closes_quote = any(q in text[term_start:cut] for q in "\"”")
    if text[term_start] == "." and not closes_quote and _is_abbreviation(text, sent_start, term_start, nxt):
        return False
    segment = text[sent_start:term_start]
    if segment.count("“") > segment.count("”"):
        return False  # still inside an open curly quotation
    if segment.count('"') % 2 == 1 and not closes_quote:
        return False  # still inside an open straight quotation
    if closes_quote and SPEECH_VERBS.match(text[nxt : nxt + 60]):
        return False  # "...!" Trump posted: the attribution belongs to the quote
    return True


def _is_abbreviation(text: str, sent_start: int, dot: int, nxt: int) -> bool:
    i = dot
    while i > sent_start and (text[i - 1].isalpha() or text[i - 1] == "."):
        i -= 1
    word = text[i:dot]
    if not word:
        return False
    next_word = re.match(r"[\w’']+", text[nxt:nxt + 20])
    next_word = next_word.group(0) if next_word else ""
    if "." in word or len(word) == 1:
        # U.S., D.C., a.m., initials: a break only when a clear sentence starter follows.
        return next_word not in STARTERS
    return word.lower() in ABBREVIATIONS


def _trim(text: str, start: int, end: int) -> Span:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return Span(start, end)
