"""Word-level terms shared by the keyword index and the answer's lexical scoring.

One tokenizer for both, so a word that matches in BM25 also counts as covered in an answer.
"""

from __future__ import annotations

import re
from functools import lru_cache

import Stemmer

STOPWORDS = frozenset(
    """
    a about above after again against all also am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers herself him himself his how i if in into is it
    its itself just me more most my myself no nor not now of off on once only or other our ours
    ourselves out over own same she should so some such than that the their theirs them
    themselves then there these they this those through to too under until up very was we were
    what when where which while who whom why will with would you your yours yourself
    yourselves s t don ve ll re d m says said say tell told according many much
    """.split()
)
_WORD = re.compile(r"[A-Za-z0-9]+(?:[’'.-][A-Za-z0-9]+)*")
_stemmer = Stemmer.Stemmer("english")


# News style writes a month short beside a day ("Oct. 4", "Sept. 30") and in full without one ("in
# October"); readers write it in full. Both are one term. ("Mar.", "May" and "Apr." (an APR) are
# words too: left alone.)
_MONTHS = {"jan": "january", "feb": "february", "jun": "june", "jul": "july", "aug": "august",
           "sep": "september", "sept": "september", "oct": "october", "nov": "november", "dec": "december"}


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """The Snowball stem of a lower-case word, without a final "e" (so "sue" and "sued" agree); a
    month's short form stems as its full name ("oct" as "october")."""
    s = _stemmer.stemWord(_MONTHS.get(word, word))
    return s[:-1] if len(s) > 2 and s.endswith("e") else s


_POSSESSIVE = re.compile(r"'s(?= |$)")
_PARTS = re.compile(r"[ -]+")


def words(text: str) -> list[str]:
    """Lower-case words: possessives dropped, dotted abbreviations joined ("U.S." -> "us"),
    hyphenated compounds split ("79-year-old" -> "79", "year", "old")."""
    found = _WORD.findall(text)
    if not found:
        return []
    # the words joined by spaces and cleaned at once (several times faster than word by word;
    # a word holds no space, so "'s" before a space or the end is a word's possessive)
    joined = _POSSESSIVE.sub("", " ".join(found).lower().replace("’", "'")).replace(".", "").replace("'", "")
    return [w for w in _PARTS.split(joined) if w]


def terms(text: str) -> list[str]:
    """Content terms: stemmed words that are not stop words, in order, with repeats."""
    return [stem(w) for w in words(text) if w not in STOPWORDS]
