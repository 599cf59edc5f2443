"""The composer interface: turns retrieved passages into a draft answer of cited claims.

Implementations: ``ExtractiveComposer`` (default, no LLM). A composer only proposes; the
citation verifier (``citations.verify``) decides what is shown.
"""

from __future__ import annotations

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


class Composer(Protocol):
    """Composes a draft answer from the question and its retrieved passages."""

    def compose(self, question: str, question_vector: np.ndarray, passages: list[Passage]) -> Draft: ...
