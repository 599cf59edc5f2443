"""Near-duplicate detection: wire copy and repeated quotes appear in several articles."""

from __future__ import annotations

from functools import lru_cache

from vectorstore.terms import words


@lru_cache(maxsize=8192)
def _shingles(text: str, n: int = 3) -> frozenset[int]:
    """The text's word ``n``-grams, each as the hash of its words (a set of ints intersects several
    times faster than a set of tuples, whose hashes are not kept; two 3-grams sharing a 64-bit
    hash by chance would only nudge a containment ratio)."""
    w = words(text)
    if len(w) < n:
        return frozenset({hash(" ".join(w))}) if w else frozenset()
    return frozenset(hash(" ".join(w[i:i + n])) for i in range(len(w) - n + 1))


def near_duplicate(a: str, b: str, containment: float = 0.6) -> bool:
    """Whether two passages say the same words: most word 3-grams of the shorter one occur in the other.

    "...protect Ice Officers! Governor Pritzker also!" Trump posted." and the same quote with a
    different attribution count as duplicates; two sentences sharing a name do not.
    """
    sa, sb = _shingles(a), _shingles(b)
    if not sa or not sb:
        return False
    small, large = (sa, sb) if len(sa) <= len(sb) else (sb, sa)
    return len(small & large) / len(small) >= containment
