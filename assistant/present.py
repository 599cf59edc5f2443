"""Presentation: a verified draft becomes the ``Answer`` a reader sees.

The last step of the answer chain. It reads what the earlier steps made (the passages found, the
composer's draft, the verifier's verdict) and adds what is shown: the citations with their context,
the short answer, the concise cut (a question that asks for one name, number or day is answered by
the sentence that gives it), dates in the text, the abstention text with the closest passages,
and the follow-up questions (passed in: presentation does not read the suggestions file).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from assistant import short_answer
from assistant.citations import annotate_dates, closest_matches, day_of, with_context
from assistant.composers.base import Draft
from assistant.models import Answer, Citation, Passage, Retrieved, ShortAnswer
from assistant.prompts import ABSTAIN_NOTHING_TEXT, ABSTAIN_TEXT
from assistant.question import Query
from assistant.verification import Verdict

FollowUps = Callable[[Answer], list[str]]

# The kinds of short answer that are one name, place or number: a question asking for one is
# declined when its sentences hold none ("time" and "year" are not among them: a day is written in
# too many ways, "last week", for its absence to say much; "thing" is any noun).
# Each with what the notice calls it.
_KIND_NAMES = {"person": "name of the person asked about", "place": "place asked about",
               "named": "name asked for", "number": "number asked for", "money": "amount asked for",
               "percent": "percentage asked for", "quantity": "quantity asked for"}
VALUE_KINDS = frozenset(_KIND_NAMES)


def present(found: Retrieved, draft: Draft, verdict: Verdict, top_k: int, notice: str = "",
            follow_ups: FollowUps | None = None, short_floor: float = 0.0) -> Answer:
    """The answer shown for ``found`` (retrieval's output), composed as ``draft`` and checked as ``verdict``.

    Args:
        top_k: how many of the retrieved passages the answer reports.
        notice: a note about the composer (e.g. the LLM is not available), shown with the answer.
        follow_ups: the follow-up questions for an answer (none when not given).
        short_floor: the least support (the judge's probability that the lead answers, or the
            support's threshold: an answer the second look gave has no short answer) for a short
            answer: a bold name is worse than none when the sentence may not answer.
    """
    query = found.query
    order = draft.passage_order or (draft.fallback.passage_order if draft.fallback else None)
    ranked = [found.passages[i] for i in order] if order else found.passages
    retrieved = ranked[:top_k]
    notice = " ".join(x for x in (notice, draft.notice) if x)
    verified = verdict.verified
    common = dict(question=query.question, retrieved=retrieved, searched=query.searched, support=draft.support,
                  composer=verdict.composer, fallback_from=verdict.fallback_from, rejected=verdict.rejected,
                  dropped=verified.dropped if verified else [], notice=notice)
    if verified is None or not verified.sentences:
        why = (_too_old(query, found.older, bool(found.passages)) if found.older is not None  # only with a recency window
               else "")
        return _declined(draft, found, common, why)
    citations = with_context(verified.citations, found.articles)
    short = short_answer.find(query.text, citations, [p.chunk.text for p in retrieved])  # the first top_k, as ranked
    common["retrieved"] = _with_cited(retrieved, ranked, citations)  # what the answer reports
    want = short_answer.asked(query.text)
    if short is None and want is not None and want.kind in VALUE_KINDS and not short_answer.gives_any(
            query.text, citations):
        # "Who was the game's MVP?" answered with sentences that name no one (not even a name too
        # weak to be given, or an institution): they come close to the question without answering it
        return _declined(draft, found, common, f"The sentences found give no {_KIND_NAMES[want.kind]}.")
    if short is not None and (not _exact(short, found.articles) or draft.support < short_floor):
        short = None
    if short is not None and short.of_kind and not want.several:
        verified, citations, short = _concise(verified, citations, short, _lead(draft, verdict), query.text)
    by_n = {c.n: c for c in citations}
    # Dates are added after verification: the claim checked is the article's own sentence.
    text = " ".join(f"{annotate_dates(sentence, [by_n[n] for n in ns])} {''.join(f'[{n}]' for n in ns)}"
                    for sentence, ns in verified.sentences)
    if short is not None:  # the answer first ("Taiwan [1]"), then the sentences that give it
        short = replace(short, day=day_of(short.location.start, short.location.end, by_n[short.n]))
        text = short.lead + text
    answer = Answer(answer=text, abstained=False, citations=citations, closest=[], short_answer=short, **common)
    answer.follow_ups = follow_ups(answer) if follow_ups else []
    return answer


def _declined(draft: Draft, found: Retrieved, common: dict, why: str) -> Answer:
    """The answer that says the articles do not say, with the closest passages and ``why`` added
    to the notice."""
    closest = with_context(closest_matches(draft.closest, found.articles), found.articles)
    if why:
        common = common | {"notice": " ".join(x for x in (common["notice"], why) if x)}
    return Answer(answer=ABSTAIN_TEXT if closest else ABSTAIN_NOTHING_TEXT, abstained=True, citations=[],
                  closest=closest, **common)


def _lead(draft: Draft, verdict: Verdict):
    """The location of the sentence the answer leads with (the fallback's, when it was shown)."""
    return draft.fallback.lead if verdict.fallback_from and draft.fallback else draft.lead


def _concise(verified, citations: list, short: ShortAnswer, lead, question: str) -> tuple:
    """The answer cut at the sentence giving ``short``, the citations it keeps, and ``short``
    (renumbered with them).

    A question that asks for one name, number or day, answered by a span of exactly that kind,
    is answered by the sentence that gives it: sentences after it (added for the question's other
    words) only dilute it, and so do sentences before it that give another of that kind ("Alaska"
    beside "California" for "which state"; ``short_answer.rivals``). A looser fit ("Japan" for
    "which island") keeps them: one of them may hold the better answer. The sentence the answer
    leads with stays, when the answer is named in the sentence before it ("“Squid Game” is
    officially coming back." before "...the show is green lit").
    """
    lead_n = next((c.n for c in citations if lead is not None and (c.location.article_id, c.location.start)
                   == (lead.article_id, lead.start)), short.n)
    verified = verified.through(short.n, lead_n)
    kept = {c.n for c in verified.citations}
    citations = [c for c in citations if c.n in kept]
    verified, renumbered = verified.without(short_answer.rivals(question, citations, short) - {lead_n})
    citations = [replace(c, n=renumbered[c.n]) for c in citations if c.n in renumbered]
    return verified, citations, replace(short, n=renumbered[short.n])


def _with_cited(shown: list[Passage], ranked: list[Passage], citations: list[Citation]) -> list[Passage]:
    """The passages an answer reports: ``shown`` (the first of ``ranked``), with the passage of a
    citation that is not among them in place of the last one no citation is from, in ``ranked``'s
    order: every passage the answer cites is listed with it."""
    def cited(p: Passage) -> bool:
        return any(p.chunk.article_id == c.location.article_id and p.chunk.start <= c.location.start < p.chunk.end
                   for c in citations)

    missing = [p for p in ranked[len(shown):] if cited(p)]
    if not missing:
        return shown
    kept = list(shown)
    for p in missing:
        free = [i for i, q in enumerate(kept) if not cited(q)]
        if not free:
            break
        kept[free[-1]] = p
    place = {id(p): i for i, p in enumerate(ranked)}
    return sorted(kept, key=lambda p: place[id(p)])


def _too_old(query: Query, older: str, current_found: bool) -> str:
    """Why a question asked on a day found nothing: what it found is older than the news it asks
    about (of "this week", or, naming no time, of the day it is asked). ``current_found``: passages
    of that time were found too, and none answers (the older ones were only left out)."""
    since = query.recency.since.isoformat()
    found = (f"none of the passages found from then answers it, and older ones (the newest from {older}) were left out"
             if current_found else f"the passages found about it are older (the newest from {older})")
    if not query.recency.named:
        return (f"Asked on {query.as_of.isoformat()}, it is about the news of that day: only articles published from "
                f"{since} on can report it; {found}.")
    phrase = query.recency.phrase or "recent news"  # the time that set the window ("last year", not "this week")
    return (f"Asked on {query.as_of.isoformat()} about \u201c{phrase}\u201d, only articles published from "
            f"{since} on can report it; {found}.")


def _exact(short: ShortAnswer, articles: dict) -> bool:
    """Whether a short answer is the article's own text at its offsets (it always should be)."""
    article = articles.get(short.location.article_id)
    return article is not None and article.text[short.location.start:short.location.end] == short.text
