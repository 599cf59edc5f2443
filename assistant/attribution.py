"""Who says what, and whose age it is: the person a question asks the words (or the age) of, and
whether a sentence gives that person's words (or is about that person).

"What did Muriel Bowser say about the deployment?" asks for Bowser's words. A sentence in which
someone else speaks about her ("Trump said Bowser's statements were positive") or that only
mentions her ("over Gov. Gavin Newsom's objections") does not answer it, however close its
words are. ``asked_speaker`` reads the name from the question; ``speaks`` tells whether a
sentence has that person speaking: "Bowser said", "Bowser, a Democrat, told reporters",
"... ," said Bowser", "according to Bowser".

"How old is Pritzker?" asks for one person's age; "the 79-year-old" in a passage about Trump is
not it. ``asked_bearer`` reads the name; ``mentions`` tells whether a passage (a sentence with the
sentences around it) names that person.
"""

from __future__ import annotations

import re
from functools import lru_cache

from rapidfuzz.distance import OSA

# Verbs that ask what someone said, wrote or thought
# ("How did X respond?" is left out: a response is often a deed, "Pritzker sued")
_ASK_VERBS = r"say|said|tell|told|call|describe|argue|claim|warn|write|post|tweet|think|believe|predict|suggest|urge|accuse"
# "What did X say", "What has X said", "What does X think", "How did X describe it"
_ASKED = re.compile(rf"\b(?:what|how)\s+(?:did|does|do|has|have|had|would|will)\s+(.{{1,60}}?)\s+(?:{_ASK_VERBS})\b",
                    re.I)
# A speaker is a name, not "the governor" or "his office"
_NOT_A_NAME = frozenset("""the a an his her their its our my your this that these those they he she it we you
people officials police authorities critics experts residents lawmakers democrats republicans""".split())
# Verbs that report someone speaking, writing or thinking
_SPEECH = (r"said|says|say|told|tells|wrote|writes|posted|posts|added|adds|argued|argues|warned|warns|claimed|"
           r"claims|stated|states|declared|declares|insisted|insists|responded|replied|tweeted|described|"
           r"noted|explained|announced|announces|called|calls|accused|urged|vowed|predicted|suggested|"
           r"acknowledged|admitted|praised|criticized|criticised|blasted|slammed|contended|countered|asked|"
           r"testified|recalled|believes|thinks|promised|defended|dismissed|saying|telling|writing")
# After the name: an aside between commas ("Pritzker, a Democrat, said"), up to three words
# ("Trump on Saturday said", "Johnson has also said"), then the verb
_AFTER = re.compile(rf"^(?:\s*,[^,]{{1,120}},|\s*,\s+who)?(?:\s+[\w.’'-]+){{0,3}}?\s+(?:{_SPEECH})\b", re.I)
# A longer clause of the name's that ends in a quote: "Vance echoed that message during a visit to
# La Crosse, Wisconsin: “...", "Noem pointed to homicide statistics ..., saying Pritzker “..."
_CLAUSE = re.compile(r"^(?:\s+(?:[^\s.!?:\u201c\u201d\"]|\.(?=\S))+){1,20}?(?:\s*:\s*[\u201c\"]|,\s+(?:saying|writing|"
                     r"telling|adding|arguing|calling|noting|declaring|insisting|warning)\b)")
# Before the name: "... ," said Gov. JB Pritzker" or "according to Mayor Brandon Johnson"
_BEFORE = re.compile(rf"(?:(?:[,\u201d\"’]|\u2014|--)\s*(?:{_SPEECH})|\baccording\s+to)"
                     r"(?:\s+(?:the\s+)?[A-Z][\w.’'-]*){0,4}\s*$")
_TITLES = frozenset("mr mrs ms dr gov governor mayor president sen senator rep vice speaker secretary".split())


def asked_speaker(question: str) -> str | None:
    """The name of the person whose words ``question`` asks for, as written ("Muriel Bowser" in
    "What did Muriel Bowser say about...?"), or None: the question asks nobody's words, or asks
    them of a role rather than a name ("What did the governor say?")."""
    m = _ASKED.search(question)
    if not m:
        return None
    words = m.group(1).split()
    if not words or words[0].lower() in _NOT_A_NAME or len(words) > 6:
        return None
    last = words[-1]
    lower_case = question[1:] == question[1:].lower()  # "what did trump say about bowser"
    if not (last[0].isupper() or lower_case) or not re.fullmatch(r"[A-Za-z][\w.’'-]*", last) or "’s" in last \
            or "'s" in last:
        return None
    return " ".join(words)


def _key(name: str) -> str:
    """The word a sentence calls a person by: the last word of the name, a title or suffix aside."""
    words = [w.strip(".,") for w in name.split() if w.lower().strip(".") not in _TITLES
             and not re.fullmatch(r"(?:Jr|Sr)\.?|II|III|IV", w)]
    return (words[-1] if words else name.split()[-1]).lower()


def _close(a: str, b: str) -> bool:
    """Whether two lower-case words are the same name, one letter typed wrong or two neighbours
    swapped aside (a name the spelling correction did not reach); for words of five letters or
    more, four for a swap ("nome" for "noem")."""
    if a == b:
        return True
    if min(len(a), len(b)) < 4 or OSA.distance(a, b) > 1:
        return False
    swapped = len(a) == len(b) and sorted(a) == sorted(b)
    return swapped or min(len(a), len(b)) >= 5


@lru_cache(maxsize=8192)
def speaks(sentence: str, name: str) -> bool:
    """Whether ``sentence`` reports the person ``name`` speaking (or writing, posting, thinking):
    the name's last word just before a verb of saying, or just after one that follows a quote
    ("," said Bowser") or "according to". "Bowser's statements" and "told Bowser" are about her,
    not her words."""
    key = _key(name)
    for m in re.finditer(r"[A-Za-z][\w’'-]*", sentence):
        word = m.group(0)
        possessive = re.search(r"[’']s$", word)
        bare = re.sub(r"[’']s?$", "", word).lower()
        if not _close(bare, key):
            continue
        after = sentence[m.end():]
        if possessive:
            # "Pritzker's office said" is his side speaking; "Bowser's statements" is not her speaking
            if re.match(rf"^\s+(?:office|spokes(?:person|man|woman)|campaign|team|press secretary)\b"
                        rf"(?:\s+[\w.’'-]+){{0,2}}?\s+(?:{_SPEECH})\b", after, re.I):
                return True
            continue
        if _AFTER.match(after) or _CLAUSE.match(after):
            return True
        if _BEFORE.search(sentence[:m.start()]) and not re.match(r"^[’']", after):
            return True
    return False


# "How old is Pritzker", "how old was Bessie Hendricks when", "What age is X", "Where was X born"
_BEARER = re.compile(r"\b(?:how\s+old|what\s+age)\s+(?:is|was|will|would)\s+(?:be\s+)?(.{1,60}?)"
                     r"(?=\s+(?:be|when|now|today|according|in|at|on|after|before)\b|\s*[?.,]|$)"
                     r"|\b(?:where|when|in\s+which\s+\w+|what\s+year)\s+(?:was|were)\s+(.{1,60}?)\s+born\b", re.I)


def asked_bearer(question: str) -> str | None:
    """The name of the person whose age (or birth) ``question`` asks ("Pritzker" in "How old is
    Pritzker?"), or None: it asks no one's, or asks it of "he" or "the teenager"."""
    m = _BEARER.search(question)
    if not m:
        return None
    words = (m.group(1) or m.group(2)).split()
    if not words or words[0].lower() in _NOT_A_NAME or len(words) > 5:
        return None
    lower_case = question[1:] == question[1:].lower()
    if not all(w[0].isupper() or lower_case for w in words if w.lower() not in ("of", "de", "van", "von")):
        return None
    return " ".join(words)


def mentions(text: str, name: str) -> bool:
    """Whether ``text`` names the person ``name`` (by the last word of the name, one letter typed
    wrong or two swapped aside)."""
    key = _key(name)
    return any(_close(re.sub(r"[’']s?$", "", m.group(0)).lower(), key) for m in re.finditer(r"[A-Za-z][\w’'-]*", text))
