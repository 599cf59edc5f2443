"""The composer protocol and the draft it returns."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Protocol

from assistant.models import Dropped, Location, Retrieved


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
    """A composer's proposal: claims to show, or an abstention with the closest evidence.

    A generated draft carries the extractive draft as ``fallback``: verification shows that one
    instead when too little of the generated draft holds.
    """

    claims: list[Claim]
    abstained: bool
    support: float
    closest: list[Evidence] = field(default_factory=list)
    candidates: list[Evidence] = field(default_factory=list)  # best sentences first, for an LLM
    fallback: Draft | None = None
    notice: str = ""  # what the user should know (e.g. the LLM failed and why)
    failed: bool = False  # the LLM was asked and failed (or declined): this is the extractive answer instead
    dropped: list[Dropped] = field(default_factory=list)  # sentences the composer itself rejected
    written: int = 0  # generated sentences that count for the share kept (within the length asked for)
    lead: Location | None = None  # the sentence an extractive answer leads with (the ranker's choice)
    # the retrieved passages' indices, the one holding the judge's best sentence first (None: as retrieved)
    passage_order: list[int] | None = None

    @property
    def generated(self) -> bool:
        """Whether an LLM wrote this draft (it then has the extractive draft as ``fallback``)."""
        return self.fallback is not None


class Composer(Protocol):
    """Composes a draft answer from the retrieved passages of a query."""

    name: str

    def stream(self, found: Retrieved) -> Iterator[str | Draft]:
        """Text as it is generated (nothing for an extractive composer), then the ``Draft`` (last)."""
        ...
