"""How well a text answers a question, and whether a passage supports a claim.

Pure functions over words: no model. The embedding half of the score is computed by the
caller (it owns the vectors); this module supplies the lexical half and the answer-type cues.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from vectorstore.terms import STOPWORDS, stem, terms

QUESTION_WORDS = frozenset({"who", "whom", "whose", "what", "when", "where", "which", "why", "how",
                            "did", "does", "do", "is", "are", "was", "were", "happen", "happened",
                            # words about the articles themselves, not about the news
                            "article", "articles", "according", "report", "reports", "mention", "mentioned"})
# A question that hinges on words the articles never use is most likely not answered by them:
# abstain when this share of the question's term weight is absent from the whole corpus.
MAX_UNKNOWN_SHARE = 0.5
_WEEKDAY = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_MONTH = (r"(?:Jan(?:uary|\.)?|Feb(?:ruary|\.)?|Mar(?:ch|\.)?|Apr(?:il|\.)?|May|June?|July?|"
          r"Aug(?:ust|\.)?|Sept?(?:ember|\.)?|Oct(?:ober|\.)?|Nov(?:ember|\.)?|Dec(?:ember|\.)?)")
TIME_EXPRESSION = re.compile(
    rf"\b(?:{_WEEKDAY}|{_MONTH}\s+\d{{1,2}}\b|(?:yesterday|today|tonight|tomorrow)\b|"
    rf"(?:last|this|next|earlier this|later this)\s+(?:week(?:end)?|month|year)\b|"
    rf"\b(?:19|20)\d\d\b|\d{{1,2}}:\d\d\s*[ap]\.?m\.?|(?:days?|weeks?|months?)\s+(?:ago|later|earlier))",
    re.I,
)
NUMBER = re.compile(r"\b\d[\d,.]*%?|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
                    r"dozens?|hundreds?|thousands?|millions?|billions?)\b", re.I)
_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-z]+(?:\s+[A-Z][a-zA-Z.]+)*")
_PLACE = re.compile(r"\b(?:in|at|from|to|near|outside)\s+(?:the\s+)?[A-Z][a-z]+|\bmiles?\b", re.U)


@dataclass
class QuestionProfile:
    """What a question asks for: its content terms (with weights) and the kinds of answer wanted."""

    text: str
    terms: list[str]
    weights: dict[str, float]
    wants: set[str] = field(default_factory=set)  # subset of {"time", "number", "person", "place"}
    names: list[str] = field(default_factory=list)  # capitalised terms in the question (stems)

    @property
    def total_weight(self) -> float:
        return sum(self.weights.values()) or 1.0


def profile_question(question: str, idf) -> QuestionProfile:
    """Analyse a question.

    Args:
        question: the question text.
        idf: ``term -> weight`` (rarer terms matter more; unknown terms get the highest weight).
    """
    q_terms = [t for t in dict.fromkeys(terms(question)) if t not in {stem(w) for w in QUESTION_WORDS}]
    weights = {t: idf(t) for t in q_terms}
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
    first = True
    names = []
    for w in re.findall(r"[A-Za-z][\w'’.-]*", question):
        if not first and w[0].isupper() and w.lower() not in STOPWORDS:
            names.extend(terms(w))
        first = False
    return QuestionProfile(question, q_terms, weights, wants, names)


def wants_time(question: str) -> bool:
    """Whether the question asks when. "When" counts only as a question word ("When did...",
    "...and when?"), not as a conjunction ("...say when asked...")."""
    return bool(re.search(r"^\W*when\b|(?:\band|,|;)\s+when\b|\b(?:what|which) (?:day|date|time|month|year)\b"
                          r"|\bhow long\b", question.lower()))


def unknown_share(profile: QuestionProfile, known) -> float:
    """Share of the question's term weight made of terms that ``known(term)`` says the corpus lacks."""
    return sum(w for t, w in profile.weights.items() if not known(t)) / profile.total_weight


_SPLIT = re.compile(r"(?:,\s*|\s+)(?:and|but)\s+(?=(?:what|who|whom|when|where|which|why|how)\b)", re.I)


def sub_questions(question: str) -> list[str]:
    """Split "How did X respond, and what did Y do?" into its parts.

    A tail with no content words of its own ("... and when?") stays attached: it only adds a
    kind of answer wanted to the part before it.
    """
    parts = [p.strip() for p in _SPLIT.split(question) if p.strip()]
    merged: list[str] = []
    for part in parts:
        if merged and not [t for t in terms(part) if t not in {stem(w) for w in QUESTION_WORDS}]:
            merged[-1] = f"{merged[-1]} and {part}"
        else:
            merged.append(part)
    return merged or [question]


def coverage(profile: QuestionProfile, text_terms: set[str]) -> float:
    """Share of the question's term weight found in a text (0..1)."""
    got = sum(w for t, w in profile.weights.items() if t in text_terms)
    return got / profile.total_weight if profile.weights else 0.0


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
    if "quote" in profile.wants and _quoted_by(profile, text):
        found.add("quote")
        score += 1.0
    return score / len(profile.wants), found


_QUOTED = re.compile(r"\u201c[^\u201d]*\u201d|\"[^\"]*\"")


_SPEECH = frozenset(stem(w) for w in ("said", "says", "say", "responded", "replied", "added", "told", "wrote",
                                        "posted", "asked", "argued", "continued", "noted", "answered"))


def _quoted_by(profile: QuestionProfile, text: str) -> bool:
    """Whether ``text`` quotes someone the question names: a quotation, and outside it one of the
    question's names within three words of a speech verb ("\u201cShould they be in prison?\u201d
    Johnson responded.")."""
    if not _QUOTED.search(text) or not profile.names:
        return False
    outside = terms(_QUOTED.sub(" . ", text))
    verbs = [i for i, t in enumerate(outside) if t in _SPEECH]
    return any(t in profile.names and any(abs(i - v) <= 3 for v in verbs) for i, t in enumerate(outside))


def _near_question_term(profile: QuestionProfile, text: str, start: int, end: int, window: int = 45) -> bool:
    nearby = set(terms(text[max(0, start - window):min(len(text), end + window)]))
    return bool(nearby & set(profile.weights))


def facts(text: str) -> set[str]:
    """The checkable facts of a text: its numbers, time expressions and capitalised names."""
    out = {m.group(0).lower().rstrip(".,") for m in NUMBER.finditer(text) if any(ch.isdigit() for ch in m.group(0))}
    out |= {m.group(0).lower() for m in TIME_EXPRESSION.finditer(text)}
    out |= {stem(w.lower()) for w in re.findall(r"(?<!^)\b[A-Z][a-z]{2,}", text) if w.lower() not in STOPWORDS}
    return out


def word_overlap(claim: str, passage: str) -> float:
    """Share of the claim's content words (stemmed) that the passage contains."""
    c_terms = set(terms(claim))
    return len(c_terms & set(terms(passage))) / len(c_terms) if c_terms else 1.0


def missing_facts(claim: str, passage: str) -> list[str]:
    """The claim's numbers, dates and names that the passage lacks."""
    p_facts = facts(passage)
    p_text = passage.lower()
    return sorted(f for f in facts(claim) if f not in p_facts and f not in p_text)


def supports(claim: str, passage: str, min_overlap: float = 0.6) -> tuple[bool, str]:
    """Whether ``passage`` supports ``claim``: all its facts appear and enough of its words do.

    Returns:
        ``(ok, reason)``; ``reason`` names what is missing when ``ok`` is false.
    """
    missing = missing_facts(claim, passage)
    if missing:
        return False, f"not in the cited passage: {', '.join(missing)}"
    overlap = word_overlap(claim, passage)
    if overlap < min_overlap:
        return False, f"only {overlap:.0%} of its words are in the cited passage"
    return True, ""


