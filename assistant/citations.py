"""Citation verification: a citation is shown only if its text is the article's text at its
offsets and it supports the sentence it is attached to. Numbers run 1..N in answer order."""

from __future__ import annotations

from dataclasses import dataclass

from assistant.composer import Draft, Evidence
from assistant.models import Citation
from assistant.support import supports
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


def verify(store: ChromaStore, draft: Draft) -> VerifiedAnswer:
    """Check every claim's evidence; keep supported claims and number their citations.

    The same evidence cited twice gets one number.
    """
    numbered: dict[tuple[str, int, int], Citation] = {}
    sentences: list[tuple[str, list[int]]] = []
    dropped: list[dict] = []
    for claim in draft.claims:
        ns: list[int] = []
        for ev in claim.evidence:
            if not exact(store, ev):
                dropped.append({"sentence": claim.text, "reason": "citation text does not match the article"})
                continue
            ok, why = supports(claim.text, ev.text)
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
        elif claim.evidence:
            dropped.append({"sentence": claim.text, "reason": "no supporting citation"})
    return VerifiedAnswer(sentences, list(numbered.values()), dropped)


def closest_matches(store: ChromaStore, evidence: list[Evidence]) -> list[Citation]:
    """The nearest passages of an abstained answer, numbered, exact-checked (never called citations)."""
    out: list[Citation] = []
    for ev in evidence:
        if exact(store, ev):
            out.append(Citation(len(out) + 1, ev.location, ev.text, list(ev.also_in)))
    return out
