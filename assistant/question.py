"""A question understood once: the typed ``Query`` that every later stage reads.

``understand`` validates the text, makes a follow-up stand-alone (``conversation``), embeds it,
profiles it (content terms and their weights, the kinds of answer wanted, the names it uses),
finds the calendar days it names and splits a multi-part question into its parts. Retrieval,
the composers and verification read the ``Query``; none of them parses the question again.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from rapidfuzz.distance import OSA

from assistant.answer_types import wanted
from assistant.attribution import asked_bearer, asked_speaker
from assistant.conversation import Rewrite, Turn, parts_stand_alone, rewrite
from assistant.errors import QuestionError
from assistant.places import is_place, names_a_place
from vectorstore.copies import near_duplicate
from vectorstore.dates import (
    MONTH_PATTERN,
    WEEKDAY_PATTERN,
    TimeExpression,
    days_before,
    find_time_expressions,
    years_named,
)
from vectorstore.terms import STOPWORDS, stem, terms

QUESTION_WORDS = frozenset({"who", "whom", "whose", "what", "when", "where", "which", "why", "how",
                            "did", "does", "do", "is", "are", "was", "were", "happen", "happened",
                            # words about the articles themselves, not about the news
                            "article", "articles", "according", "report", "reports", "mention", "mentioned"})
_QUESTION_STEMS = frozenset(stem(w) for w in QUESTION_WORDS)
# "What has been going on in Logan Square?" asks what happened there: "going on" is no word of the news
_GOING_ON = re.compile(r"\b(?:going|goes)\s+on\b", re.I)
_SPLIT = re.compile(r"(?:,\s*|\s+)(?:and|but)\s+(?=(?:what|who|whom|when|where|which|why|how)\b)", re.I)


@dataclass(frozen=True)
class Request:
    """What the chain is asked: a question, the conversation before it (oldest first), and the
    day it is asked on (``None``: today)."""

    question: object
    history: tuple[Turn, ...] = ()
    as_of: dt.date | None = None


@dataclass
class QuestionProfile:
    """What a question asks for: its content terms (with weights) and the kinds of answer wanted."""

    text: str
    terms: list[str]
    weights: dict[str, float]
    wants: set[str] = field(default_factory=set)  # subset of {"time", "number", "person", "place", "quote"}
    names: list[str] = field(default_factory=list)  # capitalised terms in the question (stems)
    # the names of what the question is about, for ``covers_subjects`` (see ``subjects``)
    subjects: list[str] = field(default_factory=list)
    # the person whose words the question asks for ("What did Bowser say...?"; ``attribution``)
    speaker: str | None = None
    # the person whose age or birth the question asks ("How old is Pritzker?"; ``attribution``)
    bearer: str | None = None

    @property
    def total_weight(self) -> float:
        return sum(self.weights.values()) or 1.0

    def coverage(self, text_terms: set[str]) -> float:
        """Share of the question's term weight found in a text's terms (0..1)."""
        got = sum(w for t, w in self.weights.items() if t in text_terms)
        return got / self.total_weight if self.weights else 0.0

    def unknown_share(self, known: Callable[[str], bool]) -> float:
        """Share of the question's term weight made of terms that ``known(term)`` says the corpus lacks."""
        return sum(w for t, w in self.weights.items() if not known(t)) / self.total_weight


@dataclass
class Query:
    """A question as every stage after understanding sees it.

    Attributes:
        question: the question as asked (stripped).
        text: the stand-alone question the answer is chosen for (a follow-up rewritten).
        searched: what retrieval looks for: ``text`` plus the names carried from earlier turns.
        vector, searched_vector: unit embeddings of ``text`` and ``searched``.
        profile: terms, weights, answer kinds wanted, names.
        dates: the calendar days the question names ("Oct. 4"), resolved.
        parts: the sub-questions of "How did X respond, and what did Y do?" (empty for one part).
        as_of: the day the question is asked.
        recency: how recent an article must be to answer it: a question about "this week",
            "yesterday" or "the latest", asked on a known day, is about news of that time, which an
            article from years before cannot report (None: no limit).
    """

    question: str
    text: str
    searched: str
    vector: np.ndarray
    searched_vector: np.ndarray
    profile: QuestionProfile
    dates: list[TimeExpression] = field(default_factory=list)
    parts: list[Query] = field(default_factory=list)
    as_of: dt.date = field(default_factory=dt.date.today)
    recency: Recency | None = None

    @property
    def days(self) -> list[tuple[dt.date, dt.date]]:
        """The days the question names, as ``(first, last)``."""
        return [(e.first, e.last) for e in self.dates]

    @property
    def day_terms(self) -> set[str]:
        """The question's own date words ("oct", "4"): a sentence that places its event on the day has them."""
        return {t for e in self.dates for t in terms(e.phrase)}

    @property
    def wants_time(self) -> bool:
        return "time" in self.profile.wants


def non_text(text: str) -> str | None:
    """The first character of ``text`` that is not text, or None: a control character (NUL, ESC...)
    other than a tab or a line break, or half of a surrogate pair (what a broken client sends)."""
    return next((ch for ch in text if unicodedata.category(ch) in ("Cs", "Cc") and ch not in "\t\n\r"), None)


def validate_question(question: object, max_chars: int) -> str:
    """The question, stripped.

    Raises:
        QuestionError: not text, empty or whitespace only, or longer than ``max_chars``.
    """
    if not isinstance(question, str):
        raise QuestionError("The question must be text.")
    q = question.strip()
    if not q:
        raise QuestionError("The question is empty: type a question about the articles.")
    if len(q) > max_chars:
        raise QuestionError(f"The question is {len(q)} characters long; the limit is {max_chars} "
                            "(ASSISTANT_MAX_QUESTION_CHARS). Ask something shorter.")
    bad = non_text(q)
    if bad is not None:
        raise QuestionError(f"The question contains a character that is not text (U+{ord(bad):04X}); "
                            "remove it and ask again.")
    if not any(unicodedata.category(ch)[0] in "LN" for ch in q):
        raise QuestionError("The question has no letters or digits: type a question about the articles.")
    return q


def profile_question(question: str, idf: Callable[[str], float]) -> QuestionProfile:
    """Analyse a question.

    Args:
        question: the question text.
        idf: ``term -> weight`` (rarer terms matter more; unknown terms get the highest weight).
    """
    q_terms = [t for t in dict.fromkeys(terms(_GOING_ON.sub(" ", question))) if t not in _QUESTION_STEMS]
    names = []
    for i, w in enumerate(re.findall(r"[A-Za-z][\w'’.-]*", question)):
        if i and w[0].isupper() and w.lower() not in STOPWORDS:
            names.extend(terms(w))
    return QuestionProfile(question, q_terms, {t: idf(t) for t in q_terms}, wanted(question), names,
                           subjects(question), asked_speaker(question), asked_bearer(question))


# A run of capitalised words, "of", "and", "the" or "de" inside ("Bank of England", "Taylor Swift"),
# not starting inside a word ("deSantis", "40.3C").
_NAME_RUN = re.compile(r"(?<![\w.’'&-])[A-Z][\w'’.&-]*(?:\s+(?:(?:of|and|the|de)\s+)*[A-Z][\w'’.&-]*)*")
_WEEKDAY = re.compile(rf"{WEEKDAY_PATTERN}(?:[’']s)?")  # "Tuesday", "Tuesday's"
_MONTH = re.compile(rf"{MONTH_PATTERN}\.?")  # a month alone, or before a day: "June", "June 30"


def subject_names(question: str) -> list[str]:
    """The names of what ``question`` is about, as it writes them: its runs of capitalised words,
    without a sentence's first word (it is capitalised anyway), weekdays, a month standing alone
    ("in June", "June 30"; "Theresa May" stays), and places and their peoples ("US", "Britain's",
    "Japanese": where a story happens is often said in other words, "the country", "American"). "Which 23-time champion will retire after the US Open?" is
    about "US Open"; "The Bank of England raised its rate..." about "Bank of England"."""
    out: list[str] = []
    for m in _NAME_RUN.finditer(question):
        found = m.group(0).split()
        before = question[:m.start()].rstrip()
        if not before or before[-1] in ".?!:":
            found = found[1:]  # the sentence's first word ("Bank of Ostland" stays)
            while found and found[0] in ("of", "and", "the", "de"):
                found = found[1:]
        if len(found) == 1 and _MONTH.fullmatch(found[0]):
            continue  # "in June", "June 30" ("Theresa May", "March Madness" are names)
        run = " ".join(w for w in found if not _WEEKDAY.fullmatch(w))
        bare = re.sub(r"[’']s?$", "", run.rstrip("."))  # "Britain's"
        if not run or run.lower() in STOPWORDS or is_place(bare) or (" " not in bare and names_a_place(bare)):
            continue
        if run not in out:
            out.append(run)
    return out


def subjects(question: str) -> list[str]:
    """The terms of ``subject_names`` (stems, each once): what ``covers_subjects`` looks for."""
    return list(dict.fromkeys(t for name in subject_names(question) for t in terms(name)))


def covers_subjects(subject_terms: list[str], text_terms: set[str]) -> bool:
    """Whether ``text_terms`` (an answer's articles) hold at least half of a question's
    ``subjects``: an answer from articles that never name what the question is about answers
    another story ("The Bank of England raised its rate to the highest in how many years?" is
    not answered by "US prices rose to their highest level in 40 years"). A subject counts as
    held also as the start of a longer term or the other way round ("japan" in "japanes")."""
    if not subject_terms:
        return True

    def held(t: str) -> bool:
        return t in text_terms or (len(t) >= 4 and any(len(x) >= 4 and (x.startswith(t) or t.startswith(x))
                                                        for x in text_terms))
    return 2 * sum(held(t) for t in subject_terms) >= len(subject_terms)


_WORD_RE = re.compile(r"[A-Za-z]+")


def correct_spelling(text: str, known: Callable[[str], bool], similar: Callable[[str, int], list[tuple[str, int]]],
                     common: frozenset[str] = frozenset(),
                     follows: Callable[[str, str], bool] | None = None) -> tuple[str, dict[str, str]]:
    """``text`` with each misspelt name replaced by the articles' closest word, and what was
    replaced (``{"pritzkar": "pritzker"}``).

    Readers type names in lower case and misspell them ("pritzkar", "jonson", "kristy nome"); a word
    no article holds would otherwise make the assistant decline. A word is corrected only when all
    of these hold, so that a name the articles do not cover stays as asked ("Musk" is not "must"):
    - it is written in lower case (a name written with a capital is taken as written), has four
      letters or more, and no article holds it;
    - it is not an ordinary word (``common``: the embedding model's own vocabulary, about 20,000
      words; "weather" is never read as "whether"), nor the inflection of one (the stemmer leaves
      it as it is: "gluing" and "barristers" are words, not names);
    - an article word starting with the same letter lies within one edit of it (two for words of
      seven letters or more), and that word is not an ordinary word either: a misspelt name
      becomes a name. The closest wins, then the most used;
    - or, with ``follows`` (the keyword index's: whether one term comes right after another in an
      article), the articles write such a word, within two edits (one for a word under five
      letters; an ordinary word only within one), right after the question's word before it or
      right before its word after it: "brandon jonson" is "brandon johnson" (an ordinary word: a
      common name), "muriel bauser" is "muriel bowser" (two edits), as the articles write them.
    The replacement is the articles' indexed form (a stem, lower case: the embedding model is
    uncased, and the keyword index and the lexical score read stems).
    """
    fixes: dict[str, str] = {}
    ordinary = _stems(common)

    tokens = list(_WORD_RE.finditer(text))

    def neighbour(i: int) -> str | None:
        """The term of the ``i``-th word when the articles hold it."""
        if not 0 <= i < len(tokens):
            return None
        found = terms(tokens[i].group(0))
        return found[0] if len(found) == 1 and known(found[0]) else None

    def fix(i: int, word: str) -> str:
        found = terms(word)
        if (len(word) < 4 or not word.islower() or len(found) != 1 or word in common
                or found[0] not in (word, word[:-1]) or found[0] in _QUESTION_STEMS or known(found[0])):
            return word
        term = found[0]
        for candidate, _ in similar(term, 1 if len(term) < 7 else 2):
            if len(candidate) >= 4 and candidate not in ordinary and terms(candidate) == [candidate]:
                fixes[word] = candidate
                return candidate
        before, after = neighbour(i - 1), neighbour(i + 1)
        if follows is None or not (before or after):
            return word
        for candidate, _ in similar(term, 1 if len(term) < 5 else 2):
            if len(candidate) < 4 or terms(candidate) != [candidate]:
                continue
            if candidate in ordinary and OSA.distance(term, candidate) > 1:
                continue
            if (before and follows(before, candidate)) or (after and follows(candidate, after)):
                fixes[word] = candidate
                return candidate
        return word

    out, last = [], 0
    for i, m in enumerate(tokens):
        out.append(text[last:m.start()])
        out.append(fix(i, m.group(0)))
        last = m.end()
    out.append(text[last:])
    return "".join(out), fixes


@lru_cache(maxsize=4)
def _stems(words: frozenset[str]) -> frozenset[str]:
    return frozenset(stem(w) for w in words)


def sub_questions(question: str) -> list[str]:
    """Split "How did X respond, and what did Y do?" into its parts.

    A tail with no content words of its own ("... and when?") stays attached: it only adds a
    kind of answer wanted to the part before it.
    """
    parts = [p.strip() for p in _SPLIT.split(question) if p.strip()]
    merged: list[str] = []
    for part in parts:
        if merged and not [t for t in terms(part) if t not in _QUESTION_STEMS]:
            merged[-1] = f"{merged[-1]} and {part}"
        else:
            merged.append(part)
    return merged or [question]


# News of a time is reported from a little before it (previews, the run-up) to after it.
REPORT_LEAD_DAYS = 7
# "recently", "the latest": the last few weeks before the day asked
_RECENT = re.compile(r"\b(?:recent(?:ly)?|latest|lately)\b", re.I)
RECENT_DAYS = 30
# Asked on a known day and naming no time of its own, a question is about the news of that day:
# what was published in the days before it ("Who was elected House speaker?" asked in October 2023
# is not answered by a report of 2022). The same span counts as current news in retrieval.
CURRENT_DAYS = 60


@dataclass(frozen=True)
class Recency:
    """How recent an article must be to answer a question: published on or after ``since``.
    ``strict``: nothing older can answer ("this week"); otherwise older articles answer only when
    no recent one is found ("the latest" on a topic may be older than a few weeks)."""

    since: dt.date
    strict: bool = True
    named: bool = True  # False: the question names no time; it is asked about the news of its day
    phrase: str = field(default="", compare=False)  # the relative time that set ``since`` ("this week", "last year")


def recency(question: str, dates: list[TimeExpression], as_of: dt.date | None) -> Recency | None:
    """How recent an article must be to report what ``question`` asks about, when it is asked on a
    known day (``as_of``) and places itself in time relative to it: published from a week before
    the earliest day its relative phrases name ("this week", "yesterday", "on Monday": the run-up
    counts; a time still ahead, "next month", sets no limit), strictly; or, for "recently" and "the
    latest", preferably from the ``RECENT_DAYS`` before ``as_of``. A question that names no time is
    about the news of its day: strictly from the ``CURRENT_DAYS`` before ``as_of``, unless it names
    an earlier time ("in 2019", "on Oct. 4, 2022": a day before that span or an earlier year), which
    older articles report. None when ``as_of`` is not given (asked of the whole archive) or the
    question names an earlier time."""
    if as_of is None:
        return None
    # a time still ahead ("next month", "later this year") is announced any time before it
    relative = [e for e in dates if e.relative and e.first is not None and e.first <= as_of]
    if relative:
        earliest = min(relative, key=lambda e: e.first)
        return Recency(days_before(earliest.first, REPORT_LEAD_DAYS), phrase=earliest.phrase)
    if _RECENT.search(question):
        return Recency(days_before(as_of, RECENT_DAYS), strict=False)
    current = days_before(as_of, CURRENT_DAYS)
    if any(not e.relative and e.last is not None and e.last < current for e in dates) or any(
            year < as_of.year for year in years_named(question, since_too=False)):
        return None
    return Recency(current, named=False)


# The rules that read a calendar date or month from the words alone ("Oct. 4", "in October 2024", "in
# October"): they count in a question that does not say when it is asked.
CALENDAR_RULES = ("date", "date-with-year", "date-month", "date-month-with-year")


def question_dates(question: str, anchor, as_of: dt.date | None = None) -> list[TimeExpression]:
    """The days a question names ("What happened on Oct. 4?"), resolved.

    Full dates (a month and day, with or without year) and months ("in October", "late August")
    count always, the year inferred from ``as_of`` if given, else from ``anchor`` (e.g. the newest
    article's date). Relative ones
    ("this week", "yesterday", "on Monday") count only when the question says when it is asked
    (``as_of``): they are resolved against that day.
    """
    found = find_time_expressions(question, as_of or anchor)
    return [e for e in found if e.resolved and (as_of is not None or e.rule in CALENDAR_RULES)]


class Understanding:
    """Turns a ``Request`` into a ``Query``.

    Args:
        embed: text -> unit vector (the embedder's ``embed_query``).
        idf: term -> weight, from the keyword index.
        newest: the newest article date (the year of "Oct. 4" is the one nearest it).
        max_chars: longest question accepted.
        max_turns: most earlier turns a follow-up is read against.
        rewrite_with_model: optional ``(question, turns) -> stand-alone question or None`` (an LLM).
        spell: optional ``text -> text`` with misspelt words corrected (``correct_spelling``).
    """

    def __init__(self, embed: Callable[[str], np.ndarray], idf: Callable[[str], float], newest: dt.date | None,
                 max_chars: int, max_turns: int,
                 rewrite_with_model: Callable[[str, list[Turn]], str | None] | None = None,
                 spell: Callable[[str], str] | None = None) -> None:
        self.embed = embed
        self.spell = spell
        self.idf = idf
        self.newest = newest
        self.max_chars = max_chars
        self.max_turns = max_turns
        self.rewrite_with_model = rewrite_with_model

    def __call__(self, request: Request) -> Query:
        """The ``Query`` for ``request``.

        Raises:
            QuestionError: the question is not text, empty, too long or not readable.
        """
        q = validate_question(request.question, self.max_chars)
        turns = list(request.history)[-self.max_turns:] if self.max_turns else []
        standalone = rewrite(q, turns)
        if self.rewrite_with_model and turns and standalone.searched != q:
            by_model = self.rewrite_with_model(q, turns)
            if by_model:
                standalone = Rewrite(by_model)
        query = self.plain(standalone.question, searched=standalone.searched, as_of=request.as_of)
        query.question = q
        return query

    def plain(self, text: str, searched: str | None = None, as_of: dt.date | None = None) -> Query:
        """The ``Query`` for a stand-alone ``text`` (no validation, no conversation)."""
        if self.spell:
            text, searched = self.spell(text), self.spell(searched) if searched else None
        searched = searched or text
        parts = sub_questions(text)
        query = self._one(text, searched, as_of)
        if len(parts) > 1:
            query.parts = [self._one(p, p, as_of) for p in parts_stand_alone(parts)]
        return query

    def _one(self, text: str, searched: str, as_of: dt.date | None) -> Query:
        vector = self.embed(text)
        dates = question_dates(text, self.newest, as_of)
        return Query(question=text, text=text, searched=searched, vector=vector,
                     searched_vector=vector if searched == text else self.embed(searched),
                     profile=profile_question(text, self.idf), dates=dates,
                     as_of=as_of or dt.date.today(), recency=recency(text, dates, as_of))


SAME_QUESTION = 0.6  # Jaccard similarity of content terms at which two questions are one


def same_question(a: str, b: str) -> bool:
    """Whether two questions ask the same thing: their content terms (stemmed, stop words left
    out) mostly agree (Jaccard similarity at least ``SAME_QUESTION``), or one's word 3-grams are
    mostly in the other (``near_duplicate``, the rule that merges wire copy). "What is the
    population of Elwood?" and "Elwood's population?" are one question."""
    ta, tb = set(terms(a)), set(terms(b))
    if ta and tb and len(ta & tb) / len(ta | tb) >= SAME_QUESTION:
        return True
    return near_duplicate(a, b)
