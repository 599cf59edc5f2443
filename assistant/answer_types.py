"""Kinds of answer a question wants, and whether a sentence holds one.

"When" wants a time, "how many" a number, "who" a name, "where" a place, "what did X say" a
quotation attributed to X. These cues are word patterns (no model); the date words come from
``vectorstore.dates`` so there is one set of weekday and month patterns.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from vectorstore.dates import MONTH_PATTERN, WEEKDAY_PATTERN
from vectorstore.terms import stem, terms

if TYPE_CHECKING:
    from assistant.question import QuestionProfile

TIME_EXPRESSION = re.compile(
    rf"\b(?:{WEEKDAY_PATTERN}|{MONTH_PATTERN}\s+\d{{1,2}}\b|(?:yesterday|today|tonight|tomorrow)\b|"
    rf"(?:last|this|next|earlier this|later this)\s+(?:week(?:end)?|month|year)\b|"
    rf"\b(?:19|20)\d\d\b|\d{{1,2}}:\d\d\s*[ap]\.?m\.?|(?:days?|weeks?|months?)\s+(?:ago|later|earlier))",
    re.I,
)
NUMBER = re.compile(r"\b\d[\d,.]*%?|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
                    r"dozens?|hundreds?|thousands?|millions?|billions?)\b", re.I)
_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-z]+(?:\s+[A-Z][a-zA-Z.]+)*")
_PLACE = re.compile(r"\b(?:in|at|from|to|near|outside)\s+(?:the\s+)?[A-Z][a-z]+|\bmiles?\b", re.U)
_QUOTED = re.compile(r"\u201c[^\u201d]*\u201d|\"[^\"]*\"")
_SPEECH = frozenset(stem(w) for w in ("said", "says", "say", "responded", "replied", "added", "told", "wrote",
                                        "posted", "asked", "argued", "continued", "noted", "answered"))


def wanted(question: str) -> set[str]:
    """The kinds of answer ``question`` asks for: a subset of {time, number, person, place, quote}."""
    lower = question.lower()
    wants: set[str] = set()
    if wants_time(question):
        wants.add("time")
    if re.search(r"\bhow (?:many|much|old)\b|\bwhat (?:number|percentage|share)\b", lower):
        wants.add("number")
    if re.search(r"\bwho(?:m|se)?\b", lower):
        wants.add("person")
    if re.search(r"\bwhere\b", lower):
        wants.add("place")
    # "What did X say / how did X respond": X's own words, a quotation attributed to X
    if re.search(r"^\W*(?:what|how)\b.*\b(?:say|said|respond|react|reply|tell|answer)\b", lower):
        wants.add("quote")
    return wants


def wants_time(question: str) -> bool:
    """Whether the question asks when. "When" counts only as a question word ("When did...",
    "...and when?"), not as a conjunction ("...say when asked...")."""
    return bool(re.search(r"^\W*when\b|(?:\band|,|;)\s+when\b|\b(?:what|which) (?:day|date|time|month|year)\b"
                          r"|\bhow long\b|^\W*how soon\b|(?:\band|,|;)\s+how soon\b", question.lower()))


def answer_type_score(profile: QuestionProfile, text: str) -> tuple[float, set[str]]:
    """How well ``text`` holds the kind of answer wanted (0..1), and which kinds it holds.

    A time expression counts fully when it stands near a word of the question ("arrived late
    Tuesday" for "when did they arrive?"), half when it is elsewhere in the sentence.
    """
    if not profile.wants:
        return 0.0, set()
    found: set[str] = set()
    score = 0.0
    if "time" in profile.wants:
        matches = list(TIME_EXPRESSION.finditer(text))
        if matches:
            found.add("time")
            near = any(_near_question_term(profile, text, m.start(), m.end()) for m in matches)
            score += 1.0 if near else 0.5
    if "number" in profile.wants and NUMBER.search(text):
        found.add("number")
        score += 1.0
    if "person" in profile.wants and _NAME.search(text):
        found.add("person")
        score += 1.0
    if "place" in profile.wants and _PLACE.search(text):
        found.add("place")
        score += 1.0
    if "quote" in profile.wants and quoted_by(profile.names, text):
        found.add("quote")
        score += 1.0
    return score / len(profile.wants), found


def quoted_by(names: list[str], text: str) -> bool:
    """Whether ``text`` quotes someone among ``names`` (stems): a quotation, and outside it one of
    the names within three words of a speech verb ("\u201cShould they be in prison?\u201d Johnson
    responded.")."""
    if not _QUOTED.search(text) or not names:
        return False
    outside = terms(_QUOTED.sub(" . ", text))
    verbs = [i for i, t in enumerate(outside) if t in _SPEECH]
    return any(t in names and any(abs(i - v) <= 3 for v in verbs) for i, t in enumerate(outside))


def _near_question_term(profile: QuestionProfile, text: str, start: int, end: int, window: int = 45) -> bool:
    nearby = set(terms(text[max(0, start - window):min(len(text), end + window)]))
    return bool(nearby & set(profile.weights))
