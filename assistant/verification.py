"""Verification: what of a draft is shown.

A citation is shown only if its text is the article's text at its offsets (``exact``) and the
passage supports the sentence it is attached to (``supports`` for the articles' own
sentences, ``generated_support`` for an LLM's). Numbers run 1..N in answer order. For a
generated draft, ``Verifier.check`` also applies the policy that decides between the generated
and the extractive answer: too few supported sentences, or supported sentences that answer
less of the question than the extractive answer does, and the extractive answer is shown.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace

from assistant import short_answer
from assistant.answer_types import NUMBER, TIME_EXPRESSION
from assistant.composers.base import Draft, Evidence
from assistant.models import Article, Citation, Dropped
from assistant.question import Query
from assistant.timeline import MIN_DAY_MATCH, day_match
from vectorstore.terms import STOPWORDS, stem, terms, words

# A generated answer must hold at least this share of the question's (weighted) words that the
# extractive answer holds, or it is not shown: supported sentences can still miss the point.
RELEVANCE_RATIO = 0.8

Check = Callable[[str, Evidence], tuple[bool, str]]


@dataclass
class VerifiedAnswer:
    """Answer sentences with their citation numbers, the citations, and what was dropped."""

    sentences: list[tuple[str, list[int]]]
    citations: list[Citation]
    dropped: list[Dropped]

    def through(self, *ns: int) -> VerifiedAnswer:
        """The answer up to and including its first sentences citing each of ``ns`` (the later of
        them), with only the citations those sentences use (still numbered 1..M: numbers follow
        the answer's order)."""
        firsts = [next((i for i, (_, cited) in enumerate(self.sentences) if n in cited), None) for n in ns]
        if not firsts or None in firsts:
            return self
        kept = self.sentences[: max(firsts) + 1]
        cited = {m for _, ms in kept for m in ms}
        return VerifiedAnswer(kept, [c for c in self.citations if c.n in cited], self.dropped)

    def without(self, ns: set[int]) -> tuple[VerifiedAnswer, dict[int, int]]:
        """The answer without its sentences citing any of ``ns``, and how the citations left are
        renumbered (old number -> new: they still run 1..M in the answer's order)."""
        kept = [(text, cited) for text, cited in self.sentences if not set(cited) & ns]
        if not ns or len(kept) == len(self.sentences) or not kept:
            return self, {c.n: c.n for c in self.citations}
        new = {old: i for i, old in enumerate(sorted({m for _, ms in kept for m in ms}), start=1)}
        return VerifiedAnswer([(text, [new[m] for m in cited]) for text, cited in kept],
                              [replace(c, n=new[c.n]) for c in self.citations if c.n in new], self.dropped), new


@dataclass
class Verdict:
    """What is shown for a draft: the verified answer, which composer wrote it, and for a
    generated draft that was replaced, the LLM it came from and why."""

    verified: VerifiedAnswer | None  # None: the draft abstained
    composer: str
    fallback_from: str | None = None
    rejected: str = ""


def exact(articles: dict[str, Article], ev: Evidence) -> bool:
    """Whether ``ev.text`` is exactly the stored article's text at its offsets."""
    article = articles.get(ev.location.article_id)
    return article is not None and article.text[ev.location.start:ev.location.end] == ev.text


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


def generated_support(claim: str, passage: str, similarity: Callable[[str, str], float],
                      min_support: float) -> tuple[bool, str]:
    """Whether a generated sentence is supported by the passage it cites.

    Its numbers, dates and names must all appear in the passage, and its support score, the
    mean of word overlap (share of its content words in the passage) and embedding similarity
    (cosine of the two sentence vectors), must reach ``min_support``.
    """
    missing = missing_facts(claim, passage)
    if missing:
        return False, f"not in the cited passage: {', '.join(missing)}"
    overlap, cos = word_overlap(claim, passage), similarity(claim, passage)
    score = (overlap + cos) / 2
    if score < min_support:
        return False, (f"support {score:.2f} is below {min_support:.2f} "
                       f"({overlap:.0%} of its words, meaning similarity {cos:.2f})")
    return True, ""


def _left_out(query: Query, generated: VerifiedAnswer, extractive: VerifiedAnswer) -> str | None:
    """The short answer the extractive answer's sentences give ("Taiwan" for "Which area..."), when
    the question asks for one and the generated sentences do not say it; else None. A rewording
    that drops the answer itself is no better an answer, however well supported its sentences."""
    if not extractive.citations:
        return None
    short = short_answer.find(query.text, extractive.citations)
    if short is None:
        return None
    said = f" {' '.join(words(' '.join(text for text, _ in generated.sentences)))} "
    return None if f" {' '.join(words(short.text))} " in said else short.text


def _best_cited(draft: Draft, verified: VerifiedAnswer) -> float:
    """The judge's best probability among the sentences the kept generated sentences cite."""
    kept = {text for text, _ in verified.sentences}
    return max((ev.score for claim in draft.claims if claim.text in kept for ev in claim.evidence), default=0.0)


def verify(draft: Draft, articles: dict[str, Article], check: Check | None = None) -> VerifiedAnswer:
    """Check every claim's evidence; keep supported claims and number their citations 1..N.

    Args:
        draft: the composer's claims.
        articles: the retrieved articles by id (the exact-text check reads them).
        check: ``(claim, evidence) -> (ok, reason)``; default: the evidence's exact text must
            support the claim (``supports``). Generated answers pass ``generated_support``.

    The same evidence cited twice gets one number. Claims the composer already rejected
    (``draft.dropped``) are reported with the rest.
    """
    numbered: dict[tuple[str, int, int], Citation] = {}
    sentences: list[tuple[str, list[int]]] = []
    dropped: list[Dropped] = list(draft.dropped)
    check = check or (lambda claim, ev: supports(claim, ev.text))
    for claim in draft.claims:
        ns: list[int] = []
        for ev in claim.evidence:
            if not exact(articles, ev):
                dropped.append(Dropped(claim.text, "citation text does not match the article"))
                continue
            ok, why = check(claim.text, ev)
            if not ok:
                dropped.append(Dropped(claim.text, why))
                continue
            key = (ev.location.article_id, ev.location.start, ev.location.end)
            if key not in numbered:
                also = [a for a in ev.also_in if a.article_id != ev.location.article_id]
                numbered[key] = Citation(len(numbered) + 1, ev.location, ev.text, also)
            ns.append(numbered[key].n)
        if ns:
            sentences.append((claim.text, ns))
        elif not claim.evidence:
            dropped.append(Dropped(claim.text, "cites no passage"))
    return VerifiedAnswer(sentences, list(numbered.values()), dropped)


def on_day(ev: Evidence, articles: dict[str, Article], query: Query) -> bool:
    """Whether the cited sentence places its event on one of the days the question names."""
    article = articles.get(ev.location.article_id)
    if article is None:
        return False
    return max((day_match(e, a, b) for e in article.dates_in(ev.location.start, ev.location.end)
                for a, b in query.days), default=0.0) >= MIN_DAY_MATCH


class Verifier:
    """Verifies drafts and decides between a generated and the extractive answer.

    Args:
        similarity: cosine similarity of two texts (the embedder's).
        label: a sentence as the LLM saw it (with its resolved dates), for checking generated claims.
        min_support: support score a generated sentence needs (``ASSISTANT_LLM_MIN_SUPPORT``).
        min_kept: share of generated sentences that must hold (``ASSISTANT_LLM_MIN_KEPT``).
        threshold: the answer judge's threshold (``assistant/judge.py``), or None (no judge). With
            one, a generated answer that cites no sentence the judge found to answer the question
            (its probability, the evidence's ``score``, at least ``threshold``) is not shown: a
            rewording of passages that only come close to what is asked is the extractive answer's
            to replace.
    """

    def __init__(self, similarity: Callable[[str, str], float],
                 label: Callable[[Evidence, dict[str, Article]], str],
                 min_support: float = 0.6, min_kept: float = 0.5, threshold: float | None = None) -> None:
        self.similarity = similarity
        self.label = label
        self.min_support = min_support
        self.min_kept = min_kept
        self.threshold = threshold

    def check(self, draft: Draft, query: Query, articles: dict[str, Article], composer: str) -> Verdict:
        """The ``Verdict`` for ``draft``, written by ``composer`` (``extractive`` or the LLM setting)."""
        if not draft.generated:
            verified = None if draft.abstained else verify(draft, articles)
            if verified is not None:
                verified.dropped = []  # "dropped" lists generated sentences only
            return Verdict(verified, "extractive", fallback_from=composer if draft.failed else None)
        # A question only about a day ("What happened on Oct. 6?") holds a generated sentence to the
        # extractive rule: its cited sentence must place its event on that day, not "this week".
        day_only = bool(query.days) and not (set(query.profile.weights) - query.day_terms)

        def check(claim: str, ev: Evidence) -> tuple[bool, str]:
            if day_only and not on_day(ev, articles, query):
                return False, "its source does not place the event on the day asked about"
            return generated_support(claim, self.label(ev, articles), self.similarity, self.min_support)

        verified = verify(draft, articles, check=check)
        fallback = verify(draft.fallback, articles)
        written = draft.written or len(draft.claims)
        covers = query.profile.coverage(set(terms(" ".join(text for text, _ in verified.sentences))))
        extractive_covers = query.profile.coverage(set(terms(" ".join(c.text for c in draft.fallback.claims))))
        if not verified.sentences or len(verified.sentences) < self.min_kept * written:
            why = (f"{len(verified.sentences)} of {written} generated sentences were supported (at least "
                   f"{self.min_kept:.0%} needed)")
        elif covers < RELEVANCE_RATIO * extractive_covers:
            why = (f"the supported sentences hold {covers:.0%} of the question's words, the extractive answer "
                   f"{extractive_covers:.0%}")
        elif (left_out := _left_out(query, verified, fallback)) is not None:
            why = f"the generated sentences leave out the answer the sources give (\u201c{left_out}\u201d)"
        elif self.threshold is not None and (best := _best_cited(draft, verified)) < self.threshold:
            why = (f"the judge finds none of the cited sentences to answer the question (best {best:.2f}, "
                   f"{self.threshold:.2f} needed)")
        else:
            return Verdict(verified, composer)
        fallback.dropped = verified.dropped
        return Verdict(fallback, "extractive", fallback_from=composer, rejected=why)
