"""The composer interface: turns retrieved passages into a draft answer of cited claims.

Implementations: ``ExtractiveComposer`` (default, no LLM) and ``LlmComposer`` (generated
answers). A composer only proposes; the citation verifier (``citations.verify``) decides what
is shown.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from assistant.models import Location, Passage


@dataclass
class Evidence:
    """A sentence offered as support: where it stands and its exact text."""

    location: Location
    text: str
    score: float = 0.0
    also_in: list[Location] = field(default_factory=list)


@dataclass
class Claim:
    """One sentence of the answer and the evidence cited for it."""

    text: str
    evidence: list[Evidence]


@dataclass
class Draft:
    """A composer's proposal: claims to show, or an abstention with the closest evidence."""

    claims: list[Claim]
    abstained: bool
    support: float
    closest: list[Evidence] = field(default_factory=list)
    candidates: list[Evidence] = field(default_factory=list)  # best sentences first, for an LLM
    fallback: Draft | None = None  # shown instead if too little of this draft is verified
    generated: str = ""  # the model's raw text, for the record
    notice: str = ""  # what the user should know (e.g. the LLM failed and why)
    dropped: list[dict] = field(default_factory=list)  # sentences the composer itself rejected
    written: int = 0  # generated sentences that count for the share kept (within the length asked for)


class Composer(Protocol):
    """Composes a draft answer from the question and its retrieved passages."""

    name: str

    def compose(self, question: str, question_vector: np.ndarray, passages: list[Passage]) -> Draft: ...

    def stream(self, question: str, question_vector: np.ndarray, passages: list[Passage]) -> Iterator[str | Draft]:
        """Text as it is generated, then the ``Draft`` (last)."""
        ...
