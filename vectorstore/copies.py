"""Copies: whether an incoming article is the same story as one already stored (the same text
at two URLs, a syndicated copy), and an index that finds the candidates without reading the store;
and the looser rule for passages (``near_duplicate``: wire copy and repeated quotes within answers).

The rule (``likeness`` / ``Likeness.is_copy``): two texts are copies when they are the same
words after normalisation (case folded, punctuation and whitespace ignored), or when

- at least ``MIN_CONTAINMENT`` (0.8) of the shorter text's word 5-grams occur in the longer one,
- the shorter text has at least ``MIN_LENGTH_RATIO`` (0.7) of the longer one's 5-grams, and
- neither text has more than ``MAX_UNSHARED`` (150) 5-grams the other lacks,

so a long article that quotes a short one, or runs on far beyond it, is not its copy. Texts
shorter than ``MIN_SHINGLES`` 5-grams are copies only when identical after normalisation.

Candidates come from MinHash (``BANDS`` bands of ``ROWS`` rows: texts sharing about half their
5-grams meet in some band with probability above 0.999, unrelated texts rarely). Every article
row keeps its ``Fingerprint`` (normalised-text key and signature; deterministic, so it is stored
once and compared across runs); ``CopyIndex`` holds them in memory for band lookup, and a
candidate is confirmed only by the exact rule on its stored text.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import zlib
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from vectorstore.terms import words as term_words

SHINGLE = 5
MIN_CONTAINMENT = 0.8
MIN_LENGTH_RATIO = 0.7
MAX_UNSHARED = 150
MIN_SHINGLES = 20
BANDS, ROWS = 32, 2
MAX_CANDIDATES = 20  # checked against their text, most shared bands first
_PRIME = 4294967291  # the largest prime below 2**32: (a * x + b) stays below 2**64
_WORD = re.compile(r"\w+")


def _coefficients() -> tuple[np.ndarray, np.ndarray]:
    # From a hash, not a random generator, so signatures never change with a library version.
    def draw(name: str) -> int:
        return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "big") % (_PRIME - 1) + 1

    n = BANDS * ROWS
    return (np.array([draw(f"a{i}") for i in range(n)], dtype=np.uint64),
            np.array([draw(f"b{i}") for i in range(n)], dtype=np.uint64))


_A, _B = _coefficients()


def words(text: str) -> list[str]:
    """The text's words, case folded (NFKC), without punctuation: what copies are compared on."""
    return _WORD.findall(unicodedata.normalize("NFKC", text).casefold())


def normalised(text: str) -> str:
    """The text as compared for identity: its words joined by single spaces."""
    return " ".join(words(text))


@lru_cache(maxsize=256)
def shingles(text: str) -> frozenset[int]:
    """The text's word 5-grams, each as a 32-bit hash (a text under 5 words: its words as one)."""
    w = words(text)
    if len(w) < SHINGLE:
        return frozenset({zlib.crc32(" ".join(w).encode())}) if w else frozenset()
    return frozenset(zlib.crc32(" ".join(w[i:i + SHINGLE]).encode()) for i in range(len(w) - SHINGLE + 1))


@lru_cache(maxsize=8192)
def _passage_shingles(text: str, n: int = 3) -> frozenset[int]:
    """The passage's word ``n``-grams (``terms.words``), each as the hash of its words (a set of ints
    intersects several times faster than a set of tuples, whose hashes are not kept; two 3-grams
    sharing a 64-bit hash by chance would only nudge a containment ratio)."""
    w = term_words(text)
    if len(w) < n:
        return frozenset({hash(" ".join(w))}) if w else frozenset()
    return frozenset(hash(" ".join(w[i:i + n])) for i in range(len(w) - n + 1))


def near_duplicate(a: str, b: str, containment: float = 0.6) -> bool:
    """Whether two passages say the same words: most word 3-grams of the shorter one occur in the other.

    Looser than the copy rule for articles (``likeness``): "...protect Ice Officers! Governor
    Pritzker also!" Trump posted." and the same quote with a different attribution count as
    duplicates; two sentences sharing a name do not.
    """
    sa, sb = _passage_shingles(a), _passage_shingles(b)
    if not sa or not sb:
        return False
    small, large = (sa, sb) if len(sa) <= len(sb) else (sb, sa)
    return len(small & large) / len(small) >= containment


@dataclass(frozen=True)
class Likeness:
    """How two texts compare: identical after normalisation, or their 5-gram overlap."""

    identical: bool
    containment: float  # share of the shorter text's 5-grams found in the longer
    length_ratio: float  # shorter / longer, in 5-grams
    unshared: int  # the larger count of 5-grams one text has and the other lacks
    shorter: int  # 5-grams in the shorter text

    @property
    def is_copy(self) -> bool:
        """Whether the two texts count as one story stored once (see the module's rule)."""
        if self.identical:
            return True
        return (self.shorter >= MIN_SHINGLES and self.containment >= MIN_CONTAINMENT
                and self.length_ratio >= MIN_LENGTH_RATIO and self.unshared <= MAX_UNSHARED)


def likeness(a: str, b: str) -> Likeness:
    """Compare two texts (``Likeness.is_copy`` says whether they are copies)."""
    if normalised(a) == normalised(b):
        n = len(shingles(a))
        return Likeness(True, 1.0, 1.0, 0, n)
    sa, sb = shingles(a), shingles(b)
    small, large = (sa, sb) if len(sa) <= len(sb) else (sb, sa)
    if not small:
        return Likeness(False, 0.0, 0.0, len(large), 0)
    shared = len(small & large)
    return Likeness(False, shared / len(small), len(small) / len(large),
                    max(len(small) - shared, len(large) - shared), len(small))


@dataclass(frozen=True)
class Fingerprint:
    """What an article row keeps to find its copies: a key of the normalised text and a MinHash
    signature of its 5-grams. ``str()`` is the stored form; ``parse`` reads it back."""

    key: str
    signature: tuple[int, ...]

    def __str__(self) -> str:
        return self.key + ":" + "".join(f"{v:08x}" for v in self.signature)

    @classmethod
    def parse(cls, text: str | None) -> Fingerprint | None:
        """A stored fingerprint, or ``None`` if there is none or it is not one (then it is made again)."""
        key, _, sig = (text or "").partition(":")
        if not key or len(sig) != 8 * BANDS * ROWS:
            return None
        try:
            return cls(key, tuple(int(sig[i:i + 8], 16) for i in range(0, len(sig), 8)))
        except ValueError:
            return None

    def bands(self) -> list[tuple[int, tuple[int, ...]]]:
        """The signature cut into ``BANDS`` bands of ``ROWS`` values."""
        return [(b, self.signature[b * ROWS:(b + 1) * ROWS]) for b in range(BANDS)]


def fingerprint(text: str) -> Fingerprint:
    """The text's ``Fingerprint`` (deterministic: the same text gives the same one in any process)."""
    key = hashlib.sha256(normalised(text).encode("utf-8")).hexdigest()[:16]
    grams = shingles(text)
    if not grams:
        return Fingerprint(key, (_PRIME,) * (BANDS * ROWS))
    x = np.fromiter(grams, dtype=np.uint64, count=len(grams))
    values = (_A[:, None] * x[None, :] + _B[:, None]) % np.uint64(_PRIME)
    return Fingerprint(key, tuple(int(v) for v in values.min(axis=1)))


class CopyIndex:
    """The fingerprints of stored articles, for finding the candidates an article may copy."""

    def __init__(self) -> None:
        self._keys: dict[str, set[str]] = defaultdict(set)
        self._bands: dict[tuple[int, tuple[int, ...]], set[str]] = defaultdict(set)
        self._prints: dict[str, Fingerprint] = {}

    def __len__(self) -> int:
        return len(self._prints)

    def add(self, article_id: str, print_: Fingerprint) -> None:
        """Index an article (replacing what was indexed under its id)."""
        self.remove(article_id)
        self._prints[article_id] = print_
        self._keys[print_.key].add(article_id)
        for band in print_.bands():
            self._bands[band].add(article_id)

    def remove(self, article_id: str) -> None:
        """Forget an article (no error if absent)."""
        old = self._prints.pop(article_id, None)
        if old is None:
            return
        self._keys[old.key].discard(article_id)
        for band in old.bands():
            self._bands[band].discard(article_id)

    def candidates(self, print_: Fingerprint, limit: int = MAX_CANDIDATES) -> list[str]:
        """Indexed articles that may be copies: the same normalised text first, then by bands shared."""
        same = sorted(self._keys.get(print_.key, ()))
        shared: dict[str, int] = defaultdict(int)
        for band in print_.bands():
            for aid in self._bands.get(band, ()):
                shared[aid] += 1
        ranked = sorted((aid for aid in shared if aid not in same), key=lambda aid: (-shared[aid], aid))
        return (same + ranked)[:limit]
