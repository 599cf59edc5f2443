"""Suggested questions: a few about the newest articles, and follow-ups per article.

Questions are built from the articles' own sentences by rules (no LLM):

- a count: "... where 200 national guard soldiers sent from Texas arrived late Tuesday" ->
  "How many national guard soldiers sent from Texas arrived late Tuesday?"
- a quotation attributed to a named person: "What did Brandon Johnson say?"
- a place named after "in"/"at": "What happened in Elwood?"
- a person named with two or more words: "Who is Kristi Noem?"

Every candidate is then CHECKED by the real answer pipeline (``answer``, the same chain as ``ask``):
it is kept only when the assistant answers it (no abstention) and cites the article it was made
from. So a suggestion never leads to "the articles do not say". They are made after a write
(``Assistant.suggest`` calls ``build`` once an ingest or sync changed the store) and kept in
``suggestions.json`` beside the store, never per page view.

``Suggestions.suggested`` (3-4 questions, one per newest article first) is what the chat's
examples and the widget's empty state show; ``follow_ups(answer)`` picks 2-3 of the cited
articles' questions after an answer.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from assistant.models import Answer
from assistant.question import same_question
from vectorstore.models import Article
from vectorstore.sentences import split_sentences
from vectorstore.terms import STOPWORDS

log = logging.getLogger(__name__)
SUGGESTED = 4  # questions shown before the first question
SUGGESTIONS_NOTE = "suggestions"  # the note that holds them in a store on a Chroma server
NOTE_EVERY = 1.0  # seconds the note is taken as read
FOLLOW_UPS = 3  # most questions shown after an answer
PER_ARTICLE = 3  # checked questions kept per article
TRIES_PER_ARTICLE = 10  # candidates checked per article at most (each is a whole answer)
LEAD_SENTENCES = 15  # the top of a news article holds its news

_COUNT = re.compile(r"\b(\d[\d,]*)\s+((?:[a-z][a-z-]+\s+){0,3}[a-z][a-z-]*s)\b([^,;:.!?\"\u201c\u201d()\u2013\u2014]*)")
# Measures, not things counted: "45 miles southwest of Chicago" makes no "how many" question.
_UNITS = frozenset("miles kilometers km feet meters metres yards inches pounds kilograms tons years months weeks days "
                   "hours minutes seconds percent cents dollars times points degrees acres".split())
_PROPER = r"(?:[A-Z][a-z]+|[A-Z]{2})(?:\s+(?:[A-Z][a-z]+|[A-Z]\.)){0,2}\s+[A-Z][a-z]+"  # "Kristi Noem", "JB Pritzker"
_TITLE = (r"(?:President|Gov\.|Governor|Mayor|Secretary|Sen\.|Senator|Rep\.|Representative|Judge|Chief|Director|"
          r"Commissioner|spokesperson|spokeswoman|spokesman|Superintendent|Attorney General|Speaker|Minister)")
_SPEAKER = re.compile(rf"\b({_PROPER})\s+(?:said|says|told|posted|wrote|added)\b|"
                      rf"\b(?:said|says|told|posted|wrote|added)\s+(?:{_TITLE}\s+)?({_PROPER})\b")
_TITLED = re.compile(rf"\b{_TITLE}\s+({_PROPER})\b")
_PLACE = re.compile(r"\b(?:in|at)\s+([A-Z][a-z]+(?:\s+[A-Z][a-z]+)?)(?=[,.;:!?]|\s+(?:on|and|to|where|when|as|after|"
                    r"before|last|this|since|for|with|by|that|which|\u2014|-))")
_NOT_PLACES = frozenset({"The", "A", "An", "This", "That", "His", "Her", "Their", "Its", "Our", "Monday", "Tuesday",
                         "Wednesday", "Thursday", "Friday", "Saturday", "Sunday", "January", "February", "March",
                         "April", "May", "June", "July", "August", "September", "October", "November",
                         "December", "Oct", "Sept", "Aug", "Democratic", "Republican", "English", "Spanish"})
_TITLE_WORDS = frozenset({"President", "Governor", "Mayor", "Secretary", "Senator", "Representative", "Judge", "Chief",
                          "Director", "Commissioner", "Superintendent", "Speaker", "Minister", "Gov", "Sen", "Rep"})


def _person(name: str) -> str:
    """``name`` without a leading title ("President Donald Trump" -> "Donald Trump")."""
    words = name.split()
    titles = [i for i, w in enumerate(words[:-2]) if w.rstrip(".") in _TITLE_WORDS]
    return " ".join(words[titles[-1] + 1:] if titles else words)


def candidates(article: Article) -> list[str]:
    """Questions about ``article`` built from its leading sentences, most likely to be useful first
    (not yet checked)."""
    text = article.text
    counts, quotes, places, people = [], [], [], []
    for span in split_sentences(text)[:LEAD_SENTENCES]:
        sentence = text[span.start:span.end]
        for m in _COUNT.finditer(sentence):
            rest = " ".join((m.group(2) + m.group(3)).split())
            first = rest.split()[0]
            if 3 <= len(rest.split()) <= 12 and first not in _UNITS and first not in STOPWORDS:
                counts.append(f"How many {rest}?")
        speakers = [_person(a or b) for a, b in _SPEAKER.findall(sentence)]
        if "\u201c" in sentence or '"' in sentence:
            quotes += [f"What did {n} say?" for n in speakers]
        places += [f"What happened in {m.group(1)}?" for m in _PLACE.finditer(sentence)
                   if m.group(1).split()[0] not in _NOT_PLACES]
        people += [f"Who is {n}?" for n in [*speakers, *(_person(x) for x in _TITLED.findall(sentence))]]
    return list(dict.fromkeys([*counts, *quotes, *places, *people]))


def _cites(answer: Answer, article_id: str) -> bool:
    return any(c.location.article_id == article_id or any(a.article_id == article_id for a in c.also_in)
               for c in answer.citations)


def checked(article: Article, answer: Callable[[str], Answer], keep: int = PER_ARTICLE,
            tries: int = TRIES_PER_ARTICLE) -> list[str]:
    """Up to ``keep`` of ``article``'s candidate questions that the pipeline answers (no abstention)
    from this very article; at most ``tries`` are asked."""
    kept: list[str] = []
    for question in candidates(article)[:tries]:
        result = answer(question)
        if not result.abstained and _cites(result, article.id):
            kept.append(question)
            if len(kept) == keep:
                break
    return kept


@dataclass
class Suggestions:
    """The checked questions: ``suggested`` (newest articles first) and ``by_article`` (follow-ups)."""

    suggested: list[str] = field(default_factory=list)
    by_article: dict[str, list[str]] = field(default_factory=dict)
    made: str = ""

    def follow_ups(self, answer: Answer, most: int = FOLLOW_UPS, least: int = 2) -> list[str]:
        """2-3 questions about the articles ``answer`` cites (topped up with the suggested questions when
        those articles have fewer than ``least``), none the question just asked."""
        if answer.abstained:
            return []
        cited = list(dict.fromkeys(c.location.article_id for c in answer.citations))
        pools = [list(self.by_article.get(aid, [])) for aid in cited]
        out: list[str] = []
        while len(out) < most and any(pools):  # one from each cited article in turn
            for pool in pools:
                if pool and len(out) < most:
                    q = pool.pop(0)
                    if not same_question(q, answer.question) and q not in out:
                        out.append(q)
        for q in self.suggested:
            if len(out) >= least:
                break
            if not same_question(q, answer.question) and q not in out:
                out.append(q)
        return out

    def to_dict(self) -> dict:
        return {"made": self.made, "suggested": self.suggested, "by_article": self.by_article}

    def save(self, path: Path) -> None:
        """Write atomically (a server reading it meanwhile sees the old or the new file)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps(self.to_dict(), indent=2, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)

    @classmethod
    def load(cls, path: Path) -> Suggestions:
        """The saved suggestions; none if the file is missing or unreadable."""
        try:
            return cls.parse(Path(path).read_text(encoding="utf-8"))
        except OSError:
            return cls()

    @classmethod
    def parse(cls, text: str) -> Suggestions:
        """Suggestions from their JSON (``to_dict``); none if it cannot be read."""
        try:
            data = json.loads(text)
            return cls([str(q) for q in data.get("suggested", [])],
                       {str(k): [str(q) for q in v] for k, v in data.get("by_article", {}).items()},
                       str(data.get("made", "")))
        except (ValueError, AttributeError, TypeError):
            return cls()


def build(articles: list[Article], answer: Callable[[str], Answer], newest: int = 20,
          suggested: int = SUGGESTED) -> Suggestions:
    """Check questions for the ``newest`` articles (by publication date) and pick the suggested ones.

    Every article's questions are checked again each time: a new article can change an answer.

    Args:
        articles: the stored articles.
        answer: the answer pipeline (``Assistant.check_answer``).
        newest: how many of the newest articles get questions (each costs a few answers).
        suggested: how many questions to suggest before the first question.
    """
    ordered = sorted(articles, key=lambda a: (a.published or "", a.id), reverse=True)[:newest]
    by_article = {article.id: checked(article, answer) for article in ordered}
    # The suggested questions: one per article, newest first, then a second round.
    top: list[str] = []
    for round_ in range(PER_ARTICLE):
        for article in ordered:
            pool = by_article.get(article.id, [])
            if round_ < len(pool) and len(top) < suggested and not any(same_question(pool[round_], q) for q in top):
                top.append(pool[round_])
    made = dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()
    return Suggestions(top, by_article, made)


class SuggestionFile:
    """The suggested questions kept for every process of the store: ``suggestions.json`` beside an
    embedded store (read again only when the file changed: an ingest by another process too), or a
    note in a store on a Chroma server (``path`` ``None``; read again at most every ``NOTE_EVERY``
    seconds), so that every app process shows what the last write made."""

    def __init__(self, path: Path | None, store=None) -> None:
        self.path = path
        self.store = store
        self._kept: tuple[object, Suggestions] | None = None

    def current(self) -> Suggestions:
        """The suggestions saved last (none before a write made some)."""
        stamp = self._stamp()
        if self._kept is None or self._kept[0] != stamp:
            self._kept = (stamp, self._read())
        return self._kept[1]

    def save(self, made: Suggestions) -> None:
        """Keep ``made`` as the current suggestions."""
        if self.path is not None:
            made.save(self.path)
        elif self.store is not None:
            self.store.put_note(SUGGESTIONS_NOTE, json.dumps(made.to_dict(), ensure_ascii=False))
        self._kept = (self._stamp(), made)

    def _stamp(self) -> object:
        if self.path is None:
            return int(time.monotonic() // NOTE_EVERY)  # a note: read again once a while
        try:
            return self.path.stat().st_mtime_ns
        except OSError:
            return None

    def _read(self) -> Suggestions:
        if self.path is not None:
            return Suggestions.load(self.path) if self.path.exists() else Suggestions()
        text = self.store.note(SUGGESTIONS_NOTE) if self.store is not None else None
        return Suggestions.parse(text) if text else Suggestions()
