"""Citation verification: a citation is shown only if its text is the article's text at its
offsets and it supports the sentence it is attached to. Numbers run 1..N in answer order."""

from __future__ import annotations

from dataclasses import dataclass, replace

from assistant.composer import Draft, Evidence
from assistant.models import Citation
from assistant.support import missing_facts, supports, word_overlap
from vectorstore.store import ChromaStore


@dataclass
class VerifiedAnswer:
    """Answer sentences with their citation numbers, the citations, and what was dropped."""

    sentences: list[tuple[str, list[int]]]
    citations: list[Citation]
    dropped: list[dict]


def exact(store: ChromaStore, ev: Evidence) -> bool:
    """Whether ``ev.text`` is exactly the stored article's text at its offsets."""
    article = store.article(ev.location.article_id)
    return article is not None and article.text[ev.location.start:ev.location.end] == ev.text


def generated_support(claim: str, passage: str, similarity, min_support: float) -> tuple[bool, str]:
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


def verify(store: ChromaStore, draft: Draft, check=None) -> VerifiedAnswer:
    """Check every claim's evidence; keep supported claims and number their citations 1..N.

    Args:
        check: ``(claim, evidence) -> (ok, reason)``; default: the evidence's exact text must
            support the claim (``support.supports``). Generated answers pass ``generated_support``.

    The same evidence cited twice gets one number. Claims the composer already rejected
    (``draft.dropped``) are reported with the rest.
    """
    numbered: dict[tuple[str, int, int], Citation] = {}
    sentences: list[tuple[str, list[int]]] = []
    dropped: list[dict] = list(draft.dropped)
    check = check or (lambda claim, ev: supports(claim, ev.text))
    for claim in draft.claims:
        ns: list[int] = []
        for ev in claim.evidence:
            if not exact(store, ev):
                dropped.append({"sentence": claim.text, "reason": "citation text does not match the article"})
                continue
            ok, why = check(claim.text, ev)
            if not ok:
                dropped.append({"sentence": claim.text, "reason": why})
                continue
            key = (ev.location.article_id, ev.location.start, ev.location.end)
            if key not in numbered:
                also = [a for a in ev.also_in if a.article_id != ev.location.article_id]
                numbered[key] = Citation(len(numbered) + 1, ev.location, ev.text, also)
            ns.append(numbered[key].n)
        if ns:
            sentences.append((claim.text, ns))
        elif not claim.evidence:
            dropped.append({"sentence": claim.text, "reason": "cites no passage"})
    return VerifiedAnswer(sentences, list(numbered.values()), dropped)


def closest_matches(store: ChromaStore, evidence: list[Evidence]) -> list[Citation]:
    """The nearest passages of an abstained answer, numbered, exact-checked (never called citations)."""
    out: list[Citation] = []
    for ev in evidence:
        if exact(store, ev):
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


def with_context(store: ChromaStore, citations: list[Citation]) -> list[Citation]:
    """``citations`` with their paragraph (``before``/``after``) and resolved ``dates`` filled in."""
    out = []
    for c in citations:
        article = store.article(c.location.article_id)
        if article is None:
            out.append(c)
            continue
        loc = c.location
        before, after = paragraph_context(article.text, loc.start, loc.end)
        out.append(replace(c, before=before, after=after, dates=article.dates_in(loc.start, loc.end)))
    return out


def annotate_dates(sentence: str, citations: list[Citation]) -> str:
    """``sentence`` with each relative date phrase of its citations followed by the day it means:
    "arrived late Tuesday" -> "arrived late Tuesday (Tue 7 Oct 2025)". Full dates are left alone."""
    done = set()
    for c in citations:
        stated = {(e.first, e.last) for e in c.dates if not e.relative}  # "on Saturday (August 30)"
        for e in c.dates:
            if not e.relative or e.phrase in done or (e.first, e.last) in stated:
                continue
            at = sentence.find(e.phrase)
            if at >= 0:
                end = at + len(e.phrase)
                if not sentence[end:].lstrip().startswith(f"({e.label})"):  # a generated one may have it
                    sentence = f"{sentence[:end]} ({e.label}){sentence[end:]}"
                done.add(e.phrase)
    return sentence
