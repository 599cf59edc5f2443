"""The extractive composer: answers with the articles' own sentences. No LLM, exact by construction."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from assistant import places, short_answer
from assistant.answer_types import answer_type_score
from assistant.attribution import mentions, speaks
from assistant.composers.base import Claim, Draft, Evidence
from assistant.judge import Judge, TreeJudge, pair_text
from assistant.models import Article, Location, Retrieved
from assistant.question import Query, QuestionProfile, covers_subjects, subject_names
from assistant.scorer import SentenceScorer
from assistant.timeline import MIN_DAY_MATCH, day_match
from vectorstore.copies import near_duplicate
from vectorstore.dates import years_named
from vectorstore.models import Chunk, Span
from vectorstore.sentences import split_sentences
from vectorstore.store import SentenceKey, Store
from vectorstore.terms import terms

CANDIDATES_KEPT = 10
KEEP_RATIO = 0.75  # a further sentence must have at least this share of the best candidate's support
# The first sentence must have at least this share: chosen by the ranker's cross-validated figures
# over 0, 0.5, 0.6 and 0.75 (dev questions 0.49 / 0.49 / 0.49 / 0.47-0.48 first-sentence hits; seeds
# 0.918 / 0.918 / 0.939 / 0.939): the ranker never leads with a sentence the support finds far weaker.
LEAD_RATIO = 0.6
# Taken off the ranker's order of a sentence reporting older news than asked about: more than any
# two sentences' orders differ, so it comes after all the others (and still leads when alone).
EARLIER_ORDER = 1000.0
# A lead holding a span of the kind asked for at this fit or more keeps the sentence after it out
# (``_successor``). Measured: with only spans fit to be a short answer counting (1.0), a loose
# "Staffordshire" for "which county" let a "Birmingham" in after it (2023 training weeks short EM
# 0.285 -> 0.282); at 0.2 one answer gains, none loses.
LOOSE_FIT = 0.2
# What closes a sentence after its last word: quotation marks, brackets, spaces.
_CLOSERS = " \t\n\"'”’»)]"


def asks(text: str) -> bool:
    """Whether a sentence is a question ("Which country ...?", a quoted "Why now?"): it asks and
    says nothing, so it is never the answer. A quiz page's question is the question asked itself."""
    return text.rstrip(_CLOSERS).endswith("?")


def _before(since: dt.date, days: list[dt.date | None], years: list[int]) -> bool:
    """Whether a sentence naming these ``days`` (the last of each time it names) and ``years``
    places all it says before ``since``: it names at least one time, and none from ``since`` on."""
    lasts = [*days, *(dt.date(y, 12, 31) for y in years)]
    return bool(lasts) and all(d is not None and d < since for d in lasts)


# An entry of a list of years ("1985 — The Kansas City Royals beat..."): a paragraph opened by a year and a dash.
_LISTED_YEAR = re.compile(r"[ \t]*((?:1[5-9]|20)\d\d)\s*[\u2014\u2013-]\s")


def listed_year(text: str, start: int) -> list[int]:
    """The year of the list entry that holds ``text[start:]``, if its paragraph is one: every
    sentence of "1985 — The Royals beat the Cardinals 11-0. The Royals became the sixth team to
    rally..." tells of 1985, though only the first names it."""
    opening = text.rfind("\n", 0, start) + 1
    m = _LISTED_YEAR.match(text, opening)
    return [int(m.group(1))] if m else []


def lead(order: list[float], support: list[float], ratio: float = LEAD_RATIO,
         eligible: list[bool] | None = None) -> int | None:
    """The index of the sentence an answer leads with: the ranker's first among the candidates
    whose support is at least ``ratio`` of the best support (and ``eligible``, if given), or None.
    The ranker chooses which sentence; it never shows one the support score finds far weaker."""
    floor = ratio * max(support, default=0.0)
    ok = [i for i, s in enumerate(support) if s >= floor and (eligible is None or eligible[i])]
    return max(ok, key=lambda i: (order[i], support[i]), default=None)


@dataclass
class Candidate:
    """A sentence of the retrieved passages, its features, its support ``score`` (whether it could
    answer: the scorer's ``probability``) and its ``order`` (the ranker's: which sentence answers best)."""

    evidence: Evidence
    terms: set[str]
    kinds: set[str]
    rank: int
    on_day: float = 0.0
    features: dict[str, float] = field(default_factory=dict)
    score: float = 0.0
    order: float = 0.0
    earlier: bool = False  # every time it names is before the question's window: it reports older news


# A sentence whose subject is a pronoun ("She suggested that...", "On Monday, they said...").
_SUBJECT_PRONOUN = re.compile(r"\W*(?:[A-Z][^,.;]{0,40},\s+)?(?:[Hh]e|[Ss]he|[Tt]hey)\b")
_CAPITALISED = re.compile(r"\b[A-Z][\w’'-]+")


def _names_before(chunk: Chunk, span: Span, article: Article | None) -> set[str]:
    """The terms of the capitalised words of the sentence before ``span`` in its article (from the
    chunk, or from the article's text when ``span`` opens the chunk): whom a "he", "she" or "they"
    opening ``span`` most likely means."""
    k = chunk.sentences.index(span)
    if k > 0:
        prev = chunk.sentences[k - 1]
        text = chunk.text[prev.start - chunk.start: prev.end - chunk.start]
    elif article is not None and span.start > 0:
        spans = split_sentences(article.text, max(0, span.start - 400), span.start)
        text = article.text[spans[-1].start:spans[-1].end] if spans else ""
    else:
        return set()
    return set(terms(" ".join(_CAPITALISED.findall(text))))


@lru_cache(maxsize=512)
def _article_terms(text: str) -> frozenset[str]:
    """The terms of an article's text (cached: the same articles answer many questions)."""
    return frozenset(terms(text))


def _around(cand: Candidate, found: Retrieved) -> str:
    """A candidate's sentence with the sentences just before and after it in its article (the
    person a sentence speaks of as "the 79-year-old" is named next to it), split as the store splits."""
    loc = cand.evidence.location
    article = found.articles.get(loc.article_id)
    if article is None:
        return cand.evidence.text
    text = article.text
    before = split_sentences(text, max(0, loc.start - 400), loc.start)[-1:]
    after = split_sentences(text, loc.end, min(len(text), loc.end + 400))[:1]
    return " ".join(text[sp.start:sp.end] for sp in [*before, *after]) + " " + cand.evidence.text


def _not_named(profile: QuestionProfile, chosen: list[Candidate], found: Retrieved) -> str:
    """What the question is about that the articles of ``chosen`` (with the copies of their
    sentences) do not name, as the question writes it ("Bank of Ostland"), when they name less
    than half of its words (``question.covers_subjects``) or less than half of its names word for
    word ("the 2023 Gay Games" is not named by an article on the World Cup's "games"); "" when
    they name enough; and else the places it names when those articles name none of their
    countries (``_elsewhere``)."""
    ids = {c.evidence.location.article_id for c in chosen} | {a.article_id for c in chosen for a in c.evidence.also_in}
    if not profile.subjects:
        return _elsewhere(profile, chosen, found, ids)
    held: set[str] = set().union(*(c.terms for c in chosen))  # the sentences, also when an article is missing
    for i in ids:
        article = found.articles.get(i)
        if article is not None:
            held |= _article_terms(article.text)
    subject = subject_names(profile.text)
    # each name word for word ("King Charles and Queen Camilla" are two)
    names = [t for n in subject for part in re.split(r"\s+(?:and|&)\s+", n) if (t := terms(part))]
    whole = sum(all(covers_subjects([x], held) for x in t) for t in names)
    if not (covers_subjects(profile.subjects, held) and 2 * whole >= len(names)):
        absent = {t for t in profile.subjects if not covers_subjects([t], held)}
        return ", ".join(n for n in subject if absent & set(terms(n)))
    return _elsewhere(profile, chosen, found, ids)


def _elsewhere(profile: QuestionProfile, chosen: list[Candidate], found: Retrieved, ids: set[str]) -> str:
    """The places the question names (as it writes them) when the articles of ``chosen`` set their
    story in other countries and name none of the question's, nor a state, city or people of them:
    "the hottest UK temperature on record" is not answered by an article on Montana's heat. "" when
    they name one, when the question names no place, and when the articles name no place at all (a
    newsroom seldom names its own country: "Biden's student loan plan" need not say "US")."""
    asked_in = places.named_countries(profile.text)
    if not asked_in:
        return ""
    texts = [c.evidence.text for c in chosen] + [a.text for i in ids if (a := found.articles.get(i)) is not None]
    seen = frozenset().union(*(places.countries_in(t) for t in texts))
    if not seen or frozenset().union(*asked_in.values()) & seen:
        return ""
    return ", ".join(asked_in)


class ExtractiveComposer:
    """Picks the sentences that answer the question, from one or several articles.

    Each candidate sentence (from the retrieved passages) gets features: its meaning similarity,
    the weighted share of the question's words it holds, whether it holds the kind of answer
    wanted (a time for "when", a number for "how many", a name for "which airline"), how strongly
    the candidates agree on an answer span it holds, how well its article and its neighbours cover
    the question, its passage's rank, whether the question names things the articles never
    mention ("What is the capital of France?"), ... The ``SentenceScorer`` (``assistant/scorer.py``)
    gives each a support score (hand-set) and an order (a fitted ranker). The best support must
    reach the threshold or the composer abstains, unless the scorer's second look at the whole
    question (a fitted model, ``scorer.SecondLook``) answers it; the answer leads with the ranker's first
    sentence among those with at least ``LEAD_RATIO`` (0.6) of the best support. Further sentences,
    in the ranker's order, are added while they have ``keep_ratio`` of it and add something the answer
    lacks: a question term not yet covered, or a kind of answer not yet given. Near-duplicates
    are merged, not repeated.
    A question with several parts ("How did X respond, and what did Y do?") is answered part by
    part; it abstains only if every part does. An answer whose articles name less than half of
    what the question is about (its names, places aside: ``question.subjects``) answers another
    story and is declined, with a notice saying what they do not name. A question asking a person's
    words, name or age is answered only from sentences that give that person's (``_about_whom``).

    A question that names a day ("What happened on Oct. 4?") is matched against the sentences'
    resolved dates: a sentence that says "on Saturday" in a story of Wed 8 Oct 2025 counts as
    containing "Oct. 4", scores its date match as its answer type, and every such sentence is
    a separate event the answer may list (up to ``max_sentences``).

    Args:
        store: for the stored sentence vectors (fetched once per answer).
        known: whether a term occurs anywhere in the corpus (the keyword index's vocabulary).
        scorer: the sentence scorer (support score, threshold and ranker).
        abstain_threshold: minimum support of the best candidate (``None``: the scorer's own).
        max_sentences: most sentences in an answer.
        keep_ratio: a further sentence must have at least this share of the best candidate's support.
        judge: the answer judge (``assistant/judge.py``). With one, the judge's probability
            becomes the candidates' support and order (a cross-encoder reads the ranker's first
            ``judge_candidates``; the others fall behind them with no support), and the threshold
            is the judge's own (``judge_threshold`` if given). A question naming something the
            articles never mention still gets no support.
        second_look: let the scorer's second look (``scorer.SecondLook``, if it has one) answer a
            question whose best support is below the threshold (never with a judge).
    """

    name = "extractive"

    def __init__(self, store: Store, known: Callable[[str], bool], scorer: SentenceScorer,
                 abstain_threshold: float | None = None, max_sentences: int = 3, keep_ratio: float = KEEP_RATIO,
                 judge: Judge | TreeJudge | None = None, judge_candidates: int = 16, judge_threshold: float | None = None,
                 second_look: bool = True) -> None:
        self.store = store
        self.known = known
        self.scorer = scorer
        self.judge = judge
        self.judge_candidates = judge_candidates
        if judge is not None and judge.abstains:
            self.abstain_threshold = judge.threshold if judge_threshold is None else judge_threshold
        else:
            self.abstain_threshold = scorer.threshold if abstain_threshold is None else abstain_threshold
        self.max_sentences = max_sentences
        self.keep_ratio = keep_ratio
        # the scorer's second look at a question the support declines (not with a judge: it has its own threshold)
        self.second_look = scorer.second_look if second_look and judge is None else None

    def stream(self, found: Retrieved) -> Iterator[Draft]:
        """No generation to stream: just the draft."""
        yield self.compose(found)

    def candidates(self, found: Retrieved, query: Query | None = None) -> list[Candidate]:
        """Every sentence of ``found.passages``, scored for ``query`` (default ``found.query``), in the ranker's order."""
        return self._candidates(query or found.query, found, self._vectors(found))

    def _vectors(self, found: Retrieved) -> dict[SentenceKey, np.ndarray]:
        """The stored vectors of every sentence of the passages, in one fetch."""
        return self.store.sentence_vectors([c for p in found.passages for c in p.stored])

    def compose(self, found: Retrieved) -> Draft:
        """The draft answer for ``found.query`` from ``found.passages``."""
        draft = self._compose(found)
        if self.judge is not None:
            draft.passage_order = self._passage_order(found, draft)
        return draft

    def _passage_order(self, found: Retrieved, draft: Draft) -> list[int]:
        """The passages by the judge's best sentence in each (those the judge read first), the
        others after them in retrieval order: the passages an answer reports are the ones that answer."""
        best: dict[int, float] = {}
        for ev in draft.candidates:
            loc = ev.location
            for i, p in enumerate(found.passages):
                if p.chunk.article_id == loc.article_id and p.chunk.start <= loc.start < p.chunk.end:
                    best[i] = max(best.get(i, -1.0), ev.score)
        return sorted(range(len(found.passages)), key=lambda i: (-best.get(i, -1.0), i))

    def _compose(self, found: Retrieved) -> Draft:
        vectors = self._vectors(found)
        query = found.query
        if not query.parts:
            return self._compose_one(query, found, vectors)
        drafts = [self._compose_one(part, found, vectors) for part in query.parts]
        answered = [d for d in drafts if not d.abstained]
        notice = " ".join(dict.fromkeys(d.notice for d in drafts if d.abstained and d.notice))
        if not answered:
            return Draft([], True, max(d.support for d in drafts), drafts[0].closest,
                         candidates=drafts[0].candidates, notice=notice)
        claims, seen = [], set()
        for d in answered:
            for claim in d.claims:
                key = tuple((e.location.article_id, e.location.start) for e in claim.evidence)
                if key not in seen:
                    seen.add(key)
                    claims.append(claim)
        candidates = [c for d in answered for c in d.candidates]
        return Draft(claims, False, min(d.support for d in answered), drafts[0].closest, candidates=candidates,
                     notice=notice)

    def _compose_one(self, query: Query, found: Retrieved, vectors: dict[SentenceKey, np.ndarray]) -> Draft:
        profile, days, day_terms = query.profile, query.days, query.day_terms
        candidates = self._candidates(query, found, vectors)
        if not candidates:
            return Draft([], True, 0.0, [])
        support = max(c.score for c in candidates)  # whether to answer at all is the best support's call
        closest = [c.evidence for c in candidates[:3]]
        kept, why = self._about_whom(query, found, candidates)
        if not kept:  # the passages are about the right people but give another's words, name or age
            return Draft([], True, support, closest, candidates=[c.evidence for c in candidates[:CANDIDATES_KEPT]],
                         notice=why if support >= self.abstain_threshold else "")
        candidates, support = kept, max(c.score for c in kept)
        # "What happened on Oct. 4?" asks only about a day (no other content words): its answer lists
        # what happened that day, and there is none if no sentence places an event on it.
        day_question = bool(days) and not (set(profile.weights) - day_terms)
        first = lead([c.order for c in candidates], [c.score for c in candidates], LEAD_RATIO,
                     [c.on_day >= MIN_DAY_MATCH for c in candidates] if day_question else None)
        ranked = [c.evidence for c in candidates[:CANDIDATES_KEPT]]
        if first is None or (support < self.abstain_threshold and not self._second_look(candidates)):
            return Draft([], True, support, closest, candidates=ranked)
        best = candidates[first]

        chosen = [best]
        before = _antecedent(best, candidates, query)
        if before is not None:
            chosen.append(before)
        after = _successor(best, candidates, query) if before is None else None
        if after is not None:  # the lead restates the news; the sentence after it gives what is asked
            chosen.append(after)
        covered = set(best.terms) & set(profile.weights)
        kinds = set(best.kinds)
        for cand in candidates:
            if cand is best:
                continue
            if len(chosen) >= self.max_sentences:
                break
            if cand.score < self.keep_ratio * support:
                continue  # the ranker's order is not the support's: a later one may still be close
            dup = next((c for c in chosen if near_duplicate(c.evidence.text, cand.evidence.text)), None)
            if dup is not None:
                if cand.evidence.location.article_id != dup.evidence.location.article_id:
                    dup.evidence.also_in.append(cand.evidence.location)
                continue
            if day_question and cand.on_day < MIN_DAY_MATCH:
                continue
            new_terms = (cand.terms & set(profile.weights)) - covered
            new_kinds = cand.kinds - kinds
            if not new_terms and not new_kinds and not day_question:  # another event that day is news
                continue
            chosen.append(cand)
            covered |= new_terms
            kinds |= cand.kinds

        missing = _not_named(profile, chosen, found)
        if missing:  # the sentences answer another story: "40 years" of prices for the Bank of England's rate
            return Draft([], True, support, closest, candidates=ranked,
                         notice=f"The articles these passages come from do not name {missing}.")
        # The same quote often stands in other articles, below the cut: cite it once, everywhere.
        for cand in candidates:
            if cand in chosen:
                continue
            for c in chosen:
                loc = cand.evidence.location
                known = {c.evidence.location.article_id} | {a.article_id for a in c.evidence.also_in}
                if loc.article_id not in known and near_duplicate(c.evidence.text, cand.evidence.text):
                    c.evidence.also_in.append(loc)
                    break
        chosen = self._readable_order(chosen)
        claims = [Claim(c.evidence.text, [c.evidence]) for c in chosen]
        # what an LLM composer is given: the chosen sentences first, then the next best
        ranked = [c.evidence for c in chosen] + [e for e in ranked if all(e is not c.evidence for c in chosen)]
        return Draft(claims, False, support, closest, candidates=ranked[:CANDIDATES_KEPT], lead=best.evidence.location)

    @staticmethod
    def _about_whom(query: Query, found: Retrieved, candidates: list[Candidate]) -> tuple[list[Candidate], str]:
        """The candidates that could give what the question asks of a person (all of them when it
        asks nobody's words, name or age), and, when none can, why (the notice):
        - "What did Bowser say?": a sentence that has Bowser speaking (``attribution.speaks``);
        - "What is the name of the woman shot...?": one that calls someone a woman and names a
          person (``short_answer.names_the_person``);
        - "How old is Pritzker?": one that gives an age, with Pritzker named in it or next to it
          (``attribution.mentions``); "Where was Pritzker born?": one naming him."""
        profile = query.profile
        if profile.speaker:
            candidates = [c for c in candidates if speaks(c.evidence.text, profile.speaker)]
            if not candidates:
                return [], f"None of the passages found reports {profile.speaker} saying this."
        noun = short_answer.persons_name_asked(query.text)
        if noun:
            pool = [c.evidence.text for c in candidates]
            candidates = [c for c in candidates if short_answer.names_the_person(c.evidence.text, noun, query.text, pool)]
            if not candidates:
                return [], "None of the passages found gives the name asked for."
        if profile.bearer:
            want = short_answer.asked(query.text)
            ages = want is not None and want.head == "old"
            candidates = [c for c in candidates if mentions(_around(c, found), profile.bearer) and not (
                ages and short_answer.holds_answer(want, c.evidence.text, set(profile.weights)) < 1.0)]
            if not candidates:
                return [], f"None of the passages found that could answer this names {profile.bearer}."
        return candidates, ""

    def _candidates(self, query: Query, found: Retrieved, vectors: dict[SentenceKey, np.ndarray]) -> list[Candidate]:
        profile, days, day_terms = query.profile, query.days, query.day_terms
        out: list[Candidate] = []
        raw: list[tuple[float, float, float, int, bool, float]] = []
        seen: set[tuple[str, int]] = set()  # neighbouring passages' windows overlap
        holds: list[float] = []  # per candidate: a span of the kind asked for that the question does not say
        readable: list[str] = []  # per candidate: its text as read for the kind asked for (``without_passed``)
        want, q_terms = short_answer.asked(query.text), set(profile.weights)
        since = query.recency.since if query.recency is not None else None
        for rank, p in enumerate(found.passages):
            c = p.chunk
            article: Article | None = found.articles.get(c.article_id)
            for span in c.sentences:
                if (c.article_id, span.start) in seen:
                    continue
                seen.add((c.article_id, span.start))
                text = c.text[span.start - c.start: span.end - c.start]
                if asks(text):
                    continue
                vec = vectors.get((c.article_id, span.start, span.end))
                dense = float(np.dot(query.vector, vec)) if vec is not None else 0.0
                s_terms = set(terms(text))
                named = article.dates_in(span.start, span.end) if article else []
                on_day = max((day_match(e, a, b) for e in named for a, b in days), default=0.0) if days else 0.0
                if on_day:
                    s_terms |= day_terms
                lexical = profile.coverage(s_terms)
                if _SUBJECT_PRONOUN.match(text):  # "She suggested...": the names she stands for count
                    carried = _names_before(c, span, article) & set(profile.weights)
                    if carried - s_terms:
                        lexical = profile.coverage(s_terms | carried)
                # "When will it be available?" is not answered by the Tuesday before the report
                typed = short_answer.without_passed(text, span.start, named) if want and want.ahead else text
                type_score, kinds = answer_type_score(profile, typed)
                # "Which airline...": a name the question does not already say counts as the answer's kind
                holds.append(short_answer.holds_answer(want, typed, q_terms))
                readable.append(typed)
                type_score = max(type_score, holds[-1])
                if days:
                    type_score = max(type_score, on_day)
                loc = Location.of(c, span)
                in_match = p.match is None or p.match[0] <= span.start < p.match[1]
                ev = Evidence(loc, text, 0.0, list(p.also_in) if in_match and len(p.chunk_ids) == 1
                              and len(c.sentences) == 1 else [])
                out.append(Candidate(ev, s_terms, kinds, rank, on_day, earlier=since is not None and _before(
                    since, [e.last for e in named],
                    years_named(text, since_too=False) + (listed_year(article.text, span.start) if article else []))))
                position = span.start / max(len(article.text), 1) if article else 0.5
                raw.append((dense, lexical, type_score, rank, in_match, position))
        if not out:
            return out
        dated = any(c.on_day for c in out)
        known = (lambda t: self.known(t) or (dated and t in day_terms))  # noqa: E731
        missing_names = float(any(not known(n) for n in profile.names))
        unknown = profile.unknown_share(known)
        q_terms = set(profile.weights)
        top_dense, top_lexical = max(r[0] for r in raw), max(r[1] for r in raw)
        context = _context_features(out, raw, profile)
        votes = _answer_votes(readable, raw, want, q_terms)
        for i, (cand, (dense, lexical, type_score, rank, in_match, position)) in enumerate(zip(out, raw)):
            content = cand.terms - set(day_terms)
            cand.features = {
                "dense": dense, "lexical": lexical, "answer_type": type_score, "dense_gap": dense - top_dense,
                "lexical_gap": lexical - top_lexical, "passage_rank": 1.0 / (1 + rank), "in_match": float(in_match),
                "missing_names": missing_names, "unknown_share": unknown, "question_terms": len(q_terms) / 10,
                "position": position, "length": len(cand.evidence.text) / 300,
                "new_words": len(content - q_terms) / max(len(content), 1), "on_day": cand.on_day,
                "wants_kind": float(bool(profile.wants)), "unknown_majority": float(unknown >= 0.5),
                "answer_votes": votes[i], "holds": holds[i], **context[i]}
            cand.score = cand.evidence.score = self.scorer.probability(cand.features)
            # Asked about the news of a time ("this week", or the day asked), a sentence that places
            # what it says before then ("in March", "1986 —") reports older news: ranked after
            # every sentence that does not.
            cand.order = self.scorer.rank(cand.features) - (EARLIER_ORDER if cand.earlier else 0.0)
        out.sort(key=lambda c: (-c.order, -c.score, c.rank, c.evidence.location.start))
        if self.judge is not None:
            self._judge(query, out)
        return out

    def _judge(self, query: Query, out: list[Candidate]) -> None:
        """The judge's probability as the support and order of the ranker's first candidates (all of
        them for the tree judge, whose cost is small)."""
        if isinstance(self.judge, TreeJudge):
            probs = self.judge.probabilities([c.features for c in out])
            if not self.judge.abstains:  # it orders; the support still decides whether to answer
                for cand, p in zip(out, probs):
                    cand.features["judge"] = cand.order = float(p)
                out.sort(key=lambda c: (-c.order, -c.score, c.rank, c.evidence.location.start))
                return
            read = out
        else:
            read = out[:self.judge_candidates]
            probs = self.judge.scores(query.text, [pair_text(c.evidence.text, c.evidence.location.title) for c in read])
        first = out[0].features
        unknown = bool(first.get("missing_names") or first.get("unknown_majority"))
        for cand, p in zip(read, probs):
            cand.features["judge"] = float(p)
            cand.order = float(p)
            cand.score = cand.evidence.score = 0.0 if unknown else float(p)
        for cand in out[len(read):]:
            cand.order, cand.score, cand.evidence.score = -1.0, 0.0, 0.0
        out.sort(key=lambda c: (-c.order, c.rank, c.evidence.location.start))

    def _second_look(self, candidates: list[Candidate]) -> bool:
        """Whether the scorer's second look answers a question its support declines (``SecondLook``)."""
        return self.second_look is not None and self.second_look.answers(
            [c.features for c in candidates], [c.score for c in candidates])

    @staticmethod
    def _readable_order(chosen: list[Candidate]) -> list[Candidate]:
        """Articles in the order their best sentence was chosen; sentences in article order."""
        article_rank: dict[str, int] = {}
        for c in chosen:
            article_rank.setdefault(c.evidence.location.article_id, len(article_rank))
        return sorted(chosen, key=lambda c: (article_rank[c.evidence.location.article_id], c.evidence.location.start))


def _context_features(out: list[Candidate], raw: list[tuple], profile: QuestionProfile) -> list[dict[str, float]]:
    """Per candidate: how well its article (the union of its retrieved sentences) and its sentence
    with the sentences just before and after it cover the question, and the article's best
    meaning similarity. An answer often sits in a sentence that says only part of the question
    ("the singer announced...") in an article that says all of it."""
    by_article: dict[str, list[int]] = {}
    for i, c in enumerate(out):
        by_article.setdefault(c.evidence.location.article_id, []).append(i)
    feats: list[dict[str, float]] = [{} for _ in out]
    for idx in by_article.values():
        article_terms = set().union(*(out[i].terms for i in idx))
        article_lexical = profile.coverage(article_terms)
        article_dense = max(raw[i][0] for i in idx)
        ordered = sorted(idx, key=lambda i: out[i].evidence.location.start)
        for j, i in enumerate(ordered):
            near = set(out[i].terms)
            loc = out[i].evidence.location
            if j > 0 and loc.start - out[ordered[j - 1]].evidence.location.end <= 3:
                near |= out[ordered[j - 1]].terms
            if j + 1 < len(ordered) and out[ordered[j + 1]].evidence.location.start - loc.end <= 3:
                near |= out[ordered[j + 1]].terms
            feats[i] = {"context_lexical": profile.coverage(near), "article_lexical": article_lexical,
                        "article_dense": article_dense}
    return feats


def _answer_votes(texts: list[str], raw: list[tuple], want: short_answer.Asked | None,
                  q_terms: set[str]) -> list[float]:
    """Per candidate: how strongly the retrieved sentences agree on an answer span it holds (0..1).

    Every span of the kind the question asks for ("which country": a name; "how many": a number)
    that the question does not already say gets a vote from each candidate sentence holding it,
    or a shorter or longer form of it ("Gronkowski" for "Rob Gronkowski"), weighted by that
    sentence's relevance (meaning and word similarity); a sentence's value is its best span's total
    over the best span's total. The answer to a news question tends to recur in the passages about
    it; a sentence that only restates the question holds no such span."""
    if want is None:
        return [0.0] * len(texts)
    common = short_answer.lower_case_words(texts)
    keys: list[set[frozenset[str]]] = []
    for text in texts:
        found = set()
        for start, end, fit in short_answer.candidates(text, want, common):
            if fit < short_answer.MIN_VOTE_FIT:
                continue
            span_words = short_answer.span_words(text[start:end])
            span_terms = short_answer.span_terms(text[start:end]) or span_words
            if span_words and any(t not in q_terms for t in span_terms):
                found.add(frozenset(span_words))
        keys.append(found)
    holders: dict[str, set[int]] = {}  # word -> the sentences holding a span with it
    for i, found in enumerate(keys):
        for key in found:
            for w in key:
                holders.setdefault(w, set()).add(i)
    relevance = [max(0.0, 0.5 * r[0] + 0.5 * r[1]) for r in raw]
    support: dict[frozenset[str], float] = {}
    for key in {k for found in keys for k in found}:
        near = set().union(*(holders[w] for w in key))
        support[key] = sum(relevance[i] for i in near if any(k <= key or key <= k for k in keys[i]))
    top = max(support.values(), default=0.0)
    if top <= 0:
        return [0.0] * len(texts)
    return [max((support[k] for k in found), default=0.0) / top for found in keys]


# "the wildly popular South Korean show", "the virus", "she": a sentence that refers back to what
# the sentence before it names.
_REFERS_BACK = r"\b(?:the|this|its|their)\s+(?:[\w’'-]+\s+){{0,4}}{head}s?\b"
_PRONOUN_START = re.compile(r"\W*(?:[A-Z][^,.;]{0,40},\s+)?(?:[Hh]e|[Ss]he)\b")  # "He said", "On Monday, she..."
# A subject that describes someone instead of naming them, as news refers back to the person the
# sentence before names: "The late-night TV host and comedian has been tapped...", "The 34-year-old
# was arrested...", "The former president said...": lower-case words (an acronym or a figure among
# them) up to the verb, the last a word for a person (``describes_someone``).
_DESCRIBED_START = re.compile(r"\W*The\s+((?:(?:[a-z][\w’'-]*|[A-Z]{2,}|\d[\w-]*),?\s+){0,6}?(?:[a-z][\w’'-]*|\d+-year-old))\s+"
                              r"(?:has|have|had|is|was|were|will|would|could|can|said|says|told|[a-z]+ed)\b")


def describes_someone(text: str) -> bool:
    """Whether ``text`` opens with a description of a person as its subject (``_DESCRIBED_START``)."""
    m = _DESCRIBED_START.match(text)
    if not m:
        return False
    head = m.group(1).split()[-1].lower()
    return head.endswith("year-old") or head in short_answer.PERSON_NOUNS  # one person: "the officers" are several


def _antecedent(lead: Candidate, candidates: list[Candidate], query: Query) -> Candidate | None:
    """The sentence just before ``lead`` in its article when ``lead``'s subject is a pronoun ("He
    pleaded not guilty.") and that sentence names something of the question ``lead`` does not; or
    when it names what the question asks for and ``lead`` only refers back to it: "“Squid Game” is
    officially coming back." before "Netflix announced Sunday that the wildly popular South Korean
    show is green lit for a second season." for "Which wildly popular show was green lit...?". None
    otherwise."""
    q_terms = set(query.profile.weights)
    if _SUBJECT_PRONOUN.match(lead.evidence.text):  # "He pleaded not guilty.": say who first
        prev = _next_to(lead, candidates, before=True)
        if prev is not None and (prev.terms - lead.terms) & q_terms:
            return prev
    want = short_answer.asked(query.text)
    if want is None or want.kind not in ("named", "person", "place"):
        return None
    text = lead.evidence.text
    if want.kind == "person" and describes_someone(text) and not short_answer.holds_answer(
            want, text, q_terms, tellers=False):
        # "The late-night TV host and comedian has been tapped to host..., Academy President Janet Yang
        # announced": the lead names only who told it; the sentence before names the person
        prev = _next_to(lead, candidates, before=True)
        if prev is not None and short_answer.holds_answer(want, prev.evidence.text, q_terms) >= 1.0:
            return prev
    if short_answer.holds_answer(want, text, q_terms) >= 1.0:
        return None  # the lead names it itself
    refers = (re.search(_REFERS_BACK.format(head=re.escape(want.head)), text, re.I) if want.head
              else _PRONOUN_START.match(text) if want.kind == "person" else None)
    if not refers:
        return None
    prev = _next_to(lead, candidates, before=True)
    return prev if prev is not None and short_answer.holds_answer(want, prev.evidence.text, q_terms) >= 1.0 else None


def _successor(lead: Candidate, candidates: list[Candidate], query: Query) -> Candidate | None:
    """The sentence just after ``lead`` in its article when ``lead`` holds nothing of the kind the
    question asks for (not even loosely) and that sentence does. A lead that only restates the
    question's news is often followed by the figure asked about: "Sen. Dianne Feinstein ... has
    announced she won't seek reelection in 2024" then "The former San Francisco mayor ... has served
    since 1992." for "What year was she first elected?". None otherwise (and for questions wanting
    no particular kind of answer: "why", "what happened")."""
    want = short_answer.asked(query.text)
    if want is None or want.kind == "thing":
        return None
    q_terms = set(query.profile.weights)
    if short_answer.holds_answer(want, lead.evidence.text, q_terms, least=LOOSE_FIT) > 0.0:
        return None  # the lead gives something of the kind, however loosely: it may be the answer
    after = _next_to(lead, candidates, before=False)
    return after if after is not None and short_answer.holds_answer(want, after.evidence.text, q_terms) >= 1.0 else None


def _next_to(cand: Candidate, candidates: list[Candidate], before: bool) -> Candidate | None:
    """The candidate right before (or after) ``cand`` in its article: no more than a line break
    between them. None when that sentence is not among the candidates."""
    loc = cand.evidence.location

    def gap(c: Candidate) -> int:  # characters between the two, on the side asked
        return loc.start - c.evidence.location.end if before else c.evidence.location.start - loc.end

    same = [c for c in candidates if c is not cand and c.evidence.location.article_id == loc.article_id and gap(c) >= 0]
    near = min(same, key=gap, default=None)
    return near if near is not None and gap(near) <= 3 else None
