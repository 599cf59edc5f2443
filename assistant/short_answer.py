"""Short answers: the few words of a cited sentence that answer a "which / who / how many" question.

A question asks for a short answer when it names the kind of thing it wants: "Which state...",
"Who...", "How many...", "When...", "Where...". Explanations ("Why...", "How did...", "What did X
say...") get none. The short answer is always a span of a cited sentence, so its ``text`` is
the article's text at ``start:end``, like a citation's.

Candidates are spans of the cited sentences: names (runs of capitalised words, with "of", "and",
"&" inside), titles in quotation marks, amounts (money, percentages, a number and its unit) and
time expressions. Each is scored on:
- fit: how well it is the kind asked for (a country for "which country", a name of two to four
  words for "who", fully only when the retrieved passages refer to it as a person: "Swift said",
  "Ms. Swift", "Swift, 33,"; a number for "how many", a name that ends with the kind asked for: "Yellowstone
  National Park" for "which national park", not a country for "which airline"); countries and US
  states come from ``pycountry``;
- novelty: words the question does not already say (a span made only of the question's words is
  never the answer: "Which state..." is not answered by "state");
- nearness: it stands close to the question's words in its sentence;
- agreement: the same words recur in the other retrieved passages;
- rank: it sits in the first cited sentence.
Each span's features (these, its length and the kind asked for) are weighed by a logistic model
fitted on RealTime QA 2023 by ``make train-judge`` (``assistant/spans.json``, ``SpanScorer``); the
hand-set weights it replaced stay in ``WEIGHTS`` for comparison. ``make eval-external`` reports
exact match and token F1 on questions the team did not write.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from assistant import places
from assistant.answer_types import TIME_EXPRESSION
from assistant.models import Citation, Location, ShortAnswer
from vectorstore.dates import MONTH_PATTERN, PLANNED, WEEKDAY_PATTERN, TimeExpression, told_ahead
from vectorstore.terms import STOPWORDS, stem, terms, words

# Nouns that say the answer is a place, a person, a number; any other noun after "which/what"
# asks for a named thing ("which show", "which company") and is answered by a name or a title.
PLACE_NOUNS = frozenset("""country countries state states city cities continent nation nations island islands
    region area county town capital province territory neighborhood neighbourhood location site place
    village district borough suburb peninsula""".split())
PERSON_NOUNS = frozenset("""person people actor actress singer rapper player star politician leader
    lawmaker senator governor president minister official author writer director musician artist athlete
    celebrity man woman judge justice member royal prince princess king queen chef host comedian
    billionaire ceo founder candidate general commander officer broadcaster journalist reporter
    spokesperson spokesman spokeswoman scientist researcher astronaut coach quarterback congressman
    congresswoman champion pitcher golfer boxer gymnast swimmer skater sprinter cyclist skier wrestler
    fighter popstar legend icon activist designer entrepreneur executive lawyer attorney doctor nurse
    teacher student soldier suspect victim survivor heir mogul tycoon philanthropist pilot cartoonist
    poet novelist playwright composer conductor dancer model influencer commentator anchor presenter
    pundit economist historian professor mayor ambassador diplomat monarch emperor pope bishop
    cardinal priest rabbi pastor preacher imam nun monk whistleblower defendant plaintiff witness prosecutor
    sheriff detective girl boy teenager veteran""".split())
NUMBER_NOUNS = frozenset("""number amount figure total magnitude price cost rate age temperature score size
    sum count percentage percent share proportion speed height weight distance""".split())
# Nouns whose answer is an amount of money ("what price", "what salary"); a number noun otherwise.
MONEY_NOUNS = frozenset("price cost salary fee fare wage budget bail ransom".split())  # "what fees": a list of things
# Nouns whose answer is a proper name ("which airline" -> "JetBlue Airways"). After any other noun
# ("what was the weather", "which measure") a name is only weak evidence: the answer is a phrase.
NAMED_NOUNS = frozenset("""company companies firm business airline carrier automaker carmaker retailer chain
    restaurant brand store bank network channel streamer platform app website team teams club league party
    organization organisation group gang cartel militia agency department court university college school
    hospital museum park monument landmark law act bill treaty program programme operation mission
    spacecraft rocket telescope satellite ship storm hurricane typhoon virus variant award awards prize
    festival tournament championship competition race magazine newspaper outlet publication breed
    species dinosaur product device drug vaccine service attraction role character planet moon asteroid
    comet galaxy disease resort hotel casino stadium arena airport bridge tower palace institution""".split())
# "figure" is a person after these ("which political figure") or after a name ("which Labour Party
# figure"), and a number otherwise ("which massive figure", "what figure").
_PERSON_FIGURE = frozenset("""public political famous historical historic religious literary cultural sports
    sporting prominent controversial notable well-known iconic leading senior opposition party royal
    polarizing polarising beloved legendary""".split())
# Named things a country's name can answer (national teams).
TEAM_NOUNS = frozenset("team teams side squad club".split())
TITLE_NOUNS = frozenset("""show series film movie song album book novel play musical painting artwork
    game video podcast sitcom drama documentary track single opera poem sculpture franchise sequel
    prequel miniseries docuseries memoir biography anthem""".split())
_UNITS = ("years?|months?|weeks?|days?|hours?|minutes?|seconds?|decades?|centuries|century|miles?|"
          "kilometers?|kilometres?|feet|foot|inches?|meters?|metres?|pounds?|tons?|tonnes?|degrees?|"
          "people|times|points?|percent|acres?")
_NUMBER_WORD = (r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|"
                r"twenty|thirty|forty|fifty|hundred|dozens?|hundreds|thousands|millions|billions")
_NUM = rf"(?:\d[\d,]*(?:\.\d+)?|{_NUMBER_WORD})"
MONEY = re.compile(r"[$£€]\s?\d[\d,]*(?:\.\d+)?(?:\s?(?:million|billion|trillion|bn|m|k)\b)?", re.I)
PERCENT = re.compile(r"\b\d[\d,]*(?:\.\d+)?\s?(?:%|percent\b)", re.I)
QUANTITY = re.compile(rf"\b{_NUM}(?:[\s-]+(?:and a half|more|fewer|additional))?[\s-]+(?:{_UNITS})\b", re.I)
# "10 million" is one number ("10" alone would answer "how many viewers" a millionth of the way).
BARE_NUMBER = re.compile(rf"\b(?:\d[\d,]*(?:\.\d+)?(?:\s+(?:million|billion|trillion)\b|[A-Za-z]?\b)|(?:{_NUMBER_WORD})\b)",
                         re.I)
YEAR = re.compile(r"\b(?:1[5-9]|20)\d\d\b")
QUOTED = re.compile(r"(?:(?<=\W)|^)[\u201c\"]([A-Z0-9][^\u201c\u201d\"]{1,79})[\u201d\"]")
# A name: capitalised words, with lower-case joiners inside ("Bank of America", "Bed Bath & Beyond").
# Lower-case particles of Arabic, Dutch, French... names: "al Qaeda", "Ayman al-Zawahiri", "de Blasio".
_PARTICLE = r"(?:al|el|bin|ibn|abu|da|di|du|le|van|von|der|de)[\s-]"
_CAP = rf"(?:(?<![\w-]){_PARTICLE}|(?<![\w-])[a-z](?=[A-Z]))?[A-Z][\w\u00C0-\u024F’'.\-]*"  # and "iPhone", "eBay"
_JOINER_WORDS = ("of", "and", "&", "de", "del", "la", "von", "van", "the", "for")  # a name may hold them between its words
_JOINER = "|".join(_JOINER_WORDS)
NAME = re.compile(rf"{_CAP}(?:\s+(?:(?:{_JOINER})\s+)?{_CAP})*")
# A dateline opens a story with where it was filed ("WASHINGTON \u2013", "CAMBRIDGE, Mass. \u2212",
# "Washington (CNN) \u2014"): the place of the newsroom, not what the story reports.
_DATELINE = re.compile(r"\s*(?:[A-Z][A-Z.'\u2019-]+(?:\s+[A-Z][A-Z.'\u2019-]+)*"
                       r"|[A-Z][\w.'\u2019-]*(?:\s+[A-Z][\w.'\u2019-]*)*\s+\(?CNN\)?)"
                       r"(?:,\s*[A-Z][\w.'\u2019-]*(?:\s+[A-Z][\w.'\u2019-]*)*)?"
                       r"\s*(?:\((?:AP|Reuters|AFP|CNN)\)\s*)?[\u2014\u2013\u2212-]\s")
# A news agency's credit opening a story, with or without the place before it and a dash after it:
# "(CNN) NASA's Artemis I rocket...", "New York (CNN Business) In recent months...".
_CREDIT = re.compile(r"\s*(?:[A-Z][\w.'\u2019-]*(?:,?\s+[A-Z][\w.'\u2019-]*)*\s+)?"
                     r"\((?:CNN|AP|Reuters|AFP)(?:\s+[A-Z]\w+)?\)\s*(?:[\u2014\u2013\u2212-]\s*)?")
DATELINE_WITHIN = 300  # characters from an article's start: where a dateline can stand
_DC = re.compile(r",?\s*D\.?\s?C\b")
_AND = re.compile(r"\s+and\s+")  # between the two names of "Britney Spears and Elton John"
# Capitalised words that open a sentence and are never inside a name.
_OPENERS = frozenset("There This That These Those It He She They We You His Her Their Its Our But So Yet "
                     "When While If After Before".split())
_PRONOUN_I = re.compile(r"I(?:[’'](?:ll|m|ve|d))?")
_SENTENCE_START = re.compile(r"(?:^|[.!?:;\u201c\"(]\s*)$")
_WH = re.compile(r"\b(which|what|who|whom|whose|where|when|how (?:many|much|long|old|far|soon))\b", re.I)
_EXPLAIN = re.compile(r"^\W*(?:why|how)\b(?! (?:many|much|long|old|far|soon)\b)", re.I)
# The words right after "when" (or "what day") in a question about what is still to come: "When
# will it be available?", "When are payments set to restart?". Not "When did Trump say he will...":
# that asks when he said it; nor "When were the teams supposed to begin?": the day planned may be past.
_AHEAD = re.compile(rf"^\W*(?:(?:day|date|month|time)\s+)?(?:will|shall|(?:is|are)\s+(?:\S+\s+){{0,6}}?"
                    rf"(?:supposed|{PLANNED})\s+to)\b", re.I)
# Words that end the noun phrase after "which/what": "which wildly popular show [was]"; so does a
# past-tense verb ("which airline announced", "what NFL star retired").
_PHRASE_END = frozenset("""is are was were did does do has have had will would can could should may might
    be been being recently just in on at of for to this that these those by from with as after before
    during about over into its their his her the a an and or won made saw took became led hit sold left
    died got gave began came went ran said told brought sent set put kept held paid struck lost found caught
    fell rose broke chose drew drove flew grew knew spoke stole threw wore wrote bought fought sought taught
    thought built spent met fled read sold cut quit shut beat sang sat shot stood
    who whom whose which when where while because unless until says""".split())
# Time words that end a noun phrase once it has begun ("which product early next month", "which
# show this week"); first in the phrase they may describe the noun ("which late singer").
_PHRASE_END_AFTER = frozenset("early earlier late later next last yesterday today tonight tomorrow now again soon".split())
_WHICH_NOUN = re.compile(r"\b(?:which|what)(?:\s+(?:one\s+)?of\s+the\s+following)?\s+(?=[A-Za-z])", re.I)
_ORGANISATION = re.compile(r"\b(?:Center|Centre|Department|University|College|Court|Company|Corp|Inc|House|"
                           r"Guard|Army|Police|Agency|Office|Council|Committee|Party|Administration|Airlines?|"
                           r"Bank|Group|Association|Institute|Service|Ministry|Senate|Congress|Reserve)\b")
# A name ending so is an event, a thing or a place, not a person ("Martin Luther King Day", "Eras Tour")
_NOT_A_PERSON = re.compile(r"\b(?:Day|Week|Month|Festival|Awards?|Tour|Cup|Games|Olympics|Championships?|Series|Open|"
                           r"Prize|Act|Bill|Bridge|Park|Street|Avenue|Square|Theat(?:er|re)|Stadium|Arena|Museum|"
                           r"Hotel|Church|Hospital|School|Station|Airport|Island|River|Lake|Valley|Show|Bowl|"
                           r"Marathon|Derby|Summit|Parade|League|Conference)$")
_TITLE = re.compile(r"(?:(?:U\.S\.|US|Federal|Chief|Senior|Former|Acting|Deputy|Vice|District|Circuit|Supreme|"
                    r"Court|Attorney|General|Secretary|Minister|Prime|President|Judge|Justice|Senator|Sen\.|"
                    r"Governor|Gov\.|Mayor|Representative|Rep\.|Speaker|House|State|Dr\.|Mr\.|Mrs\.|Ms\.|"
                    r"Prince|Princess|King|Queen|Pope|Sir|Dame|Lord|Lady|Officer|Sgt\.|Gen\.|Col\.|Capt\.)\s+)+")
# An office held somewhere, inside a run of names, before the holder's name ("California Gov. Gavin Newsom").
_HELD_TITLE = re.compile(r"\s(?:Gov\.|Governor|Sen\.|Senator|Rep\.|Representative|Mayor|President|Judge|Premier|Chief|"
                         r"Chancellor)\s+(?=[A-Z])")
_ADJECTIVE = re.compile(r"(?:ly|ing|ed|ary|ous|ive|al|ful|less|able|ible|ic)$")
_CALENDAR = re.compile(rf"^(?:{WEEKDAY_PATTERN}|{MONTH_PATTERN}|today|tonight|yesterday|tomorrow)$", re.I)
# "Sunday's", "today's" (not "June's": a month is also a first name)
_DAY_POSSESSIVE = re.compile(rf"^(?:{WEEKDAY_PATTERN}|today|tonight|yesterday|tomorrow)[\u2019']s$", re.I)


# Words of money: "how much" with one of them asks for an amount of money, not any number.
_MONEY_WORDS = re.compile(r"\b(?:cost(?:s|ing|ly)?|pa(?:y|ys|ying|id)|price|worth|spend(?:s|ing)?|spent|"
                          r"rais(?:e|es|ed|ing)|fine[sd]?|fining|sell(?:s|ing)?|sold|earn(?:s|ed|ing|ings)?|"
                          r"dollars?|pounds?|money|cash|funding|funds?|aid|relief|forgiveness|debt|loans?|budget|"
                          r"revenue|profits?|salary|wages?|bail|ransom|prize|reward|damages|compensation|"
                          r"settlement|bonus|jackpot|tax(?:es)?)\b", re.I)
_ONE_VALUE = frozenset({"number", "money", "percent", "quantity", "year", "time"})


@dataclass(frozen=True)
class Asked:
    """The kind of short answer a question wants: ``kind`` is one of place, person, number,
    money, percent, quantity, year, time, named (a proper name: "which airline"), thing (any
    other noun: "which measure"); ``head`` the noun after "which/what" (if any, lower case),
    ``phrase`` the words of its noun phrase as written ("which US national park": US, national, park)."""

    kind: str
    head: str = ""
    phrase: tuple[str, ...] = ()
    ahead: bool = False  # a time asked about what is still to come ("when will", "how soon"): ``asks_ahead``

    @property
    def several(self) -> bool:
        """Whether the noun asked about is plural ("which other cities"): the answer is a list. A
        number is one answer whatever it counts ("how many minutes", "what percentage of voters")."""
        return (self.kind not in _ONE_VALUE and len(self.head) > 3 and self.head.endswith("s")
                and not self.head.endswith(("ss", "us", "is")))


@dataclass(frozen=True)
class Candidate:
    """A span of a cited sentence (offsets inside ``citation.text``) and its score."""

    citation: Citation
    start: int
    end: int
    score: float
    fit: float = 0.0  # how well it is the kind asked for (1.0: exactly)

    @property
    def text(self) -> str:
        return self.citation.text[self.start:self.end]


@lru_cache(maxsize=1024)
def asked(question: str) -> Asked | None:
    """What kind of short answer ``question`` wants, or None when it wants an explanation.

    Quiz questions often open with a sentence of context; the last sentence holding a
    question word is the question.
    """
    parts = [p for p in re.split(r"(?<=[.?!])\s+", question.strip()) if p]
    ask = next((p for p in reversed(parts) if _WH.search(p)), parts[-1] if parts else "")
    if _EXPLAIN.search(ask) or len(_WH.findall(ask)) > 1 and re.search(r"\band\s+(?:who|when|where|how|what)\b",
                                                                         ask, re.I):
        return None  # an explanation, or two questions in one ("Who arrived and when?")
    if ask.rstrip().endswith(":"):
        return _completed(ask)  # a sentence to complete: its "who" is a relative ("a coach who:")
    asking = _asking(ask)
    which = next((w for w in _WHICH_NOUN.finditer(ask) if w.start() in asking and _head(ask[w.end() - 1:])), None)
    m = which or next((w for w in _WH.finditer(ask) if w.start() in asking), None)
    if not m:
        return None
    wh = m.group(0).split()[0].lower() if which else m.group(1).lower()
    rest = ask[m.end() - (1 if which else 0):]
    if wh.startswith("how"):
        if wh == "how long":
            return Asked("quantity", "long")
        if wh == "how old":
            return Asked("number", "old")
        if wh == "how much":
            if _MONEY_WORDS.search(rest) or _MONEY_WORDS.search(ask[:m.start()]):  # "selling for how much?"
                return Asked("money")
            if re.search(r"\b(?:increase|rise|rose|risen|fall|fell|fallen|drop|grow|grew|grown|jump|climb|"
                         r"decline|shrink|shrank)\w*\b", rest, re.I):
                return Asked("percent")
            return Asked("number")
        if wh == "how far":
            return Asked("quantity", "far")
        if wh == "how soon":  # "How soon could shots begin?"; not "How soon did rescuers arrive?"
            return Asked("time", ahead=not re.match(r"\s*(?:did|was|were|had)\b", rest, re.I))
        return Asked("number", _head(rest))
    if wh == "where":
        return Asked("place")
    if wh == "when":
        return Asked("time", ahead=asks_ahead(rest))
    if wh in ("who", "whom", "whose"):
        if re.fullmatch(r"\s*(?:is|was|are|were)\s+(?:[A-Z][\w.’'-]*\s*)+\W*", rest):
            return None  # "Who is Russell Vought?" asks for a description
        return Asked("person")
    if wh == "what" and re.match(r"\s*\w+ed\b", rest):
        return None  # "What happened...", "What changed...": an explanation
    head, phrase = _head(rest), _noun_phrase(rest)  # which / what
    if wh == "what" and head in ("", "name"):
        # "What is the name of the X", "What was the magnitude of the quake"
        named = re.match(r"\s*(?:is|was|are|were)\s+(?:the\s+)?(?:name\s+of\s+(?:the\s+)?)?(.*)", rest, re.I)
        head = _head(named.group(1)) if named else ""
        phrase = _noun_phrase(named.group(1)) if named else ()
        if not head:
            return None  # "What did X say", "What happened": an explanation
        if re.match(r"\s*(?:is|was|are|were)\s+(?:the\s+)?name\s+of\b", rest, re.I) and head not in PERSON_NOUNS:
            return Asked("named", head, phrase)  # "What is the name of X's crackdown": a name, whatever X is
    if head in ("year",):
        return Asked("year", head)
    if head in ("day", "date", "month", "time"):
        return Asked("time", head, ahead=asks_ahead(rest))
    if head in ("percentage", "percent", "share", "proportion"):
        return Asked("percent", head)
    if head == "figure" and len(phrase) > 1 and (phrase[-2].lower() in _PERSON_FIGURE or phrase[-2][:1].isupper()):
        return Asked("person", head, phrase)  # "Which political figure...", "Which Labour Party figure..."
    if head in MONEY_NOUNS:
        return Asked("money", head)  # "fell below what price?": "$4", not "one" of "one in five stations"
    if head in NUMBER_NOUNS:
        return Asked("number", head)
    if head in PLACE_NOUNS:
        return Asked("place", head, phrase)
    if head in PERSON_NOUNS:
        return Asked("person", head, phrase)
    return Asked("named" if head in NAMED_NOUNS | TITLE_NOUNS else "thing", head, phrase)


_PERSON_NOUN = "|".join(sorted(PERSON_NOUNS, key=len, reverse=True))
_NAME_ASKED = re.compile(rf"\bname\s+of\s+(?:the|a|an|this|that)\s+(?:[\w-]+\s+){{0,2}}?({_PERSON_NOUN})\b"
                         rf"|\b({_PERSON_NOUN})[’']s\s+name\b"
                         r"|\bwhat(?:[’']s|\s+is|\s+was)\s+(?:his|her|their)\s+(?:full\s+)?name\b", re.I)
_WHO_IS = re.compile(rf"\bwho\s+(?:is|was)\s+(?:the|a|an|this|that)\s+(?:[\w-]+\s+){{0,2}}?({_PERSON_NOUN})\b", re.I)


def persons_name_asked(question: str) -> str | None:
    """The person noun of a question that asks for that person's name in so many words: "woman"
    in "What is the name of the woman shot...?", "pastor" in "What is the pastor's name?" and in
    "Who is the pastor..., what's his name?" (None: it asks no one's name, or "her name" stands
    for no noun of "who is the ...")."""
    m = _NAME_ASKED.search(question)
    if not m:
        return None
    noun = m.group(1) or m.group(2)
    if not noun:
        found = _WHO_IS.search(question)  # "Who is the pastor..., what's his name?"
        noun = found.group(1) if found else None
    return noun.lower() if noun else None


def names_the_person(text: str, noun: str, question: str, pool: list[str]) -> bool:
    """Whether ``text`` names the person ``noun`` the question asks the name of: it calls someone
    ``noun`` ("the woman", "Pastor") and holds a name the question does not say that ``pool`` (the
    passages) refers to as a person (``referred_to_as_person``). "the Chicago Sun-Times reported"
    names no one; "Fire chief Maria Santos" is not the woman asked about."""
    if stem(noun) not in set(terms(text)):
        return False
    want = Asked("person")
    q_terms = set(terms(question))
    return any(fit >= MIN_FIT and set(answer_terms(text[a:b], want)) - q_terms
               and referred_to_as_person(text[a:b], pool) for a, b, fit in candidates(text, want))


_CLAUSE_START = frozenset("""is are was were has have had may might will would can could did does do he she it they
    we you i a an the his her its their this that these those there""".split())
_PREPOSITION = frozenset("by to with from for of in on at about against".split())


def asks_ahead(clause: str) -> bool:
    """Whether ``clause``, the words after "when" or "what", asks about what is still to come: "will
    it be available", "are payments set to restart" (not "were they supposed to begin": the day
    planned may be past). A day its report had already reached does not answer it (``passed``)."""
    return bool(_AHEAD.search(clause))


def passed(e: TimeExpression, before: str) -> bool:
    """Whether the resolved time expression ``e`` names a time its report had already reached, so
    that it cannot answer when something still to come will happen; ``before`` is the text of its
    sentence up to it. A day before the report's own (its anchor) has passed: "on Tuesday" in
    Wednesday's article, "Oct. 8" in one of Oct. 9. The report's own day has passed when its clause
    tells what happened ("voted Wednesday" in Wednesday's article), not when it tells what is to come
    ("will vote Wednesday", ``dates.told_ahead``) nor for "today" or "tonight". This week, next month
    or Oct. 10 have not passed."""
    if e.first is None or e.last is None or e.anchor is None or e.last > e.anchor:
        return False
    if e.last < e.anchor:
        return True
    return e.rule != "today" and not told_ahead(before)


def without_passed(text: str, offset: int, expressions: Iterable[TimeExpression]) -> str:
    """``text`` (the article's from ``offset``: a sentence) with every time expression in it that
    ``passed`` blanked out, for reading what it holds for a question about what is still to come."""
    out = text
    for e in expressions:
        if offset <= e.start and e.end <= offset + len(text) and passed(e, text[:e.start - offset]):
            out = out[:e.start - offset] + " " * (e.end - e.start) + out[e.end - offset:]
    return out


def _passed_within(citation: Citation, start: int, end: int) -> bool:
    """Whether a time expression of ``citation`` lying over its ``text[start:end]`` ``passed``."""
    base = citation.location.start
    return any(e.start < base + end and base + start < e.end and passed(e, citation.text[:max(0, e.start - base)])
               for e in citation.dates)


def _asking(ask: str) -> set[int]:
    """Where the words of ``ask`` that ask the question start, leaving out those that only join a
    clause to the sentence: "the WHO" (an acronym), ", who helped...", "a doctor who has...",
    "when he created...", "in what may be...". When every one looks like that, all are kept."""
    found = list(_WH.finditer(ask))
    asking = set()
    for m in found:
        before = ask[:m.start()].rstrip()
        after = re.match(r"\s*([A-Za-z’']+)", ask[m.end():])
        word = m.group(1).lower()
        prev = re.search(r"([A-Za-z’']+)\W*$", before)
        joins = (m.group(0) == "WHO" and not ask.isupper()  # the World Health Organization
                 or bool(before) and (before.rstrip("\"”’'").endswith(",") and after is not None
                                      and not word.startswith("how")
                                      or after is not None and after.group(1).lower() in _CLAUSE_START
                                      or word in ("who", "whom", "whose", "when", "where") and after is not None
                                      and prev is not None and prev.group(1).lower() not in _PREPOSITION))
        if not joins:
            asking.add(m.start())
    return asking or {m.start() for m in found}


def _completed(ask: str) -> Asked | None:
    """The kind asked for by a sentence to complete ("the top prize amount ballooned to:"): an
    amount of money when the sentence speaks of money; None otherwise (most complete a phrase: "a
    man who was trying to:"; "the highest hike since:" read as asking for a year gained no short
    answer on the dev questions and cut one answer to its wrong first sentence)."""
    if _MONEY_WORDS.search(ask):
        return Asked("money")
    return None


def _head(rest: str) -> str:
    """The last word of the noun phrase that opens ``rest`` ("wildly popular show was..." -> "show")."""
    phrase = _noun_phrase(rest)
    return phrase[-1].lower() if phrase else ""


def _noun_phrase(rest: str) -> tuple[str, ...]:
    """The words of the noun phrase that opens ``rest``, as written ("wildly popular show was...")."""
    phrase: list[str] = []
    raw = re.findall(r"[A-Za-z’'-]+|\d+", rest)[:6]
    found = [w.lower() for w in raw]
    for i, w in enumerate(found):
        # "which state's troops" asks for the state; "Trump's crackdown" is not about Trump
        if re.search(r"[’']s?$", w) and raw[i][:1].islower():
            phrase.append(re.sub(r"[’']s?$", "", raw[i]))
            break
        # "-ed"/"-ing" after a noun is the verb ("which airline announced", "the general commanding");
        # first in the phrase or after an adverb it describes the noun ("highly anticipated show").
        if w in _PHRASE_END or (phrase and w in _PHRASE_END_AFTER) or (phrase and len(w) > 4 and w.endswith(("ed", "ing"))
                                and not phrase[-1].endswith("ly")):
            break
        phrase.append(raw[i])
    return tuple(phrase)


# What a place noun asks for; other place nouns ("region", "city") take any place.
_PLACE_KINDS = {"country": "country", "countries": "country", "nation": "country", "nations": "country",
                "state": "state", "states": "state", "continent": "continent"}
# Kinds of place that no country, US state or continent is: one of those answers "which city" or
# "which Japanese island" only loosely (the city or island is usually named beside it).
_SMALLER_PLACES = frozenset("""city cities town towns village villages capital capitals county counties district
    districts neighborhood neighbourhood island islands province provinces""".split())




def _place_fit(span: str, head: str) -> float:
    """How well the place ``span`` answers "which ``head``": 1 when it is that kind of place (a
    country for "which country", a US state for "which state") or the noun says no kind ("which
    place", "which area"); 0.6 for another kind of place ("US" for "which state", "Japan" for
    "which island"); a city (``is_city``) 1 for "which city" or "where" and 0 for "which country";
    0 when it is no place we know of."""
    if places.is_city(span):
        return 1.0 if head in _SMALLER_PLACES or head not in _PLACE_KINDS else 0.0
    if not places.is_place(span):
        return 0.0
    if head in _SMALLER_PLACES:
        return 0.6
    wanted = _PLACE_KINDS.get(head)
    if wanted is None:
        return 1.0
    parts = places.parts(span)
    return 1.0 if all(wanted in places.kinds()[p] for p in parts) else 0.6




def _listed_kind(want: Asked) -> bool:
    """Whether the place lists hold every place of the kind ``want`` asks for: any country or
    continent, and a US state ("which state", "which US state"; not "which Indian state")."""
    kind = _PLACE_KINDS.get(want.head)
    if kind != "state":
        return kind is not None
    named = {code for w in want.phrase if w[:1].isupper() for code in places.countries_of(w)}
    return named <= {"US"}


def candidates(text: str, want: Asked, common: frozenset[str] = frozenset()) -> list[tuple[int, int, float]]:
    """Spans of ``text`` that could be the answer, with how well each fits ``want`` (0..1).

    ``common`` holds lower-case words seen written in lower case nearby: a sentence's first word
    that is one of them ("Legendary broadcaster...") is an ordinary word, not a name.
    """
    return [(start, end, fit * 0.5 if opening == _ORDINARY or (opening == _ORDINARY_IF_COMMON
                                                               and text[start:end].lower() in common) else fit)
            for start, end, fit, opening in _spans(text, want)]


# What a span's place says about it being a name (``_spans``' fourth field):
_NAME = 0  # a name wherever it stands
_ORDINARY_IF_COMMON = 1  # a sentence's first word: an ordinary word when ``common`` holds it in lower case
_ORDINARY = 2  # a sentence's first word that reads as an adjective ("Legendary broadcaster..."): ordinary anyway


@lru_cache(maxsize=4096)
def _spans(text: str, want: Asked) -> tuple[tuple[int, int, float, int], ...]:
    """``candidates`` before ``common`` is known: each span's fit and what its place says (``_NAME``,
    ``_ORDINARY_IF_COMMON``, ``_ORDINARY``), applied per call by ``candidates``. Cached: a
    question's candidate sentences are read for the sentence features, the answer votes and the
    short answer, each with the same ``want``."""
    return tuple(_analyse(text, want))


def _number_spans(text: str, want: Asked) -> list[tuple[int, int, float, int]]:
    """Numbers, amounts of money, percentages and quantities, for a question that asks for one."""
    out: list[tuple[int, int, float, int]] = []
    kind = want.kind
    # A bare number inside "$19 million" or "Oct. 4" is not a candidate.
    amounts = [(m.start(), m.end()) for m in TIME_EXPRESSION.finditer(text)]
    # "How many years" is answered by the number of "12 years"; "how long" by "12 years".
    for pattern, kinds in ((MONEY, {"money": 1.0, "number": 1.0}),
                           (PERCENT, {"percent": 1.0, "number": 1.0}),
                           (QUANTITY, {"quantity": 1.0}),
                           (BARE_NUMBER, {"number": 1.0, "quantity": 0.3, "percent": 0.2, "money": 0.2})):
        for m in pattern.finditer(text):
            inside = any(a <= m.start() and m.end() <= b for a, b in amounts)
            if pattern in (MONEY, PERCENT):
                amounts.append((m.start(), m.end()))
            if kind in kinds and not inside and not YEAR.fullmatch(m.group(0)):
                fit = kinds[kind]
                unit = re.match(rf"[\s-]+({_UNITS})\b", text[m.end():], re.I)
                if (pattern is BARE_NUMBER and want.head and unit and stem(unit.group(1).lower()) != stem(want.head)
                        and not (want.head == "old" and stem(unit.group(1).lower()) == "year")):  # "a 17-year-old"
                    fit *= 0.3  # "45 miles" does not answer "how many troops"
                if pattern is BARE_NUMBER and want.head == "old" and not _is_age(text, m.start(), m.end()):
                    fit *= 0.3  # "one of Trump's critics" does not answer "how old"
                out.append((m.start(), m.end(), fit, _NAME))
    return out


_AGE_AFTER = re.compile(r"[\s-]+(?:years?[\s-]+old|years?[\s-]+of[\s-]+age|year-old)\b", re.I)
_AGE_BEFORE = re.compile(r"\b(?:aged|age(?:\s+of)?|at|turn(?:s|ed|ing)?)\s+$", re.I)


def _is_age(text: str, start: int, end: int) -> bool:
    """Whether the number at ``text[start:end]`` is someone's age: "a 79-year-old", "17 years old",
    "aged 64", "died at 115", "turned 50", "Klein, 41,"."""
    return bool(_AGE_AFTER.match(text, end) or _AGE_BEFORE.search(text[max(0, start - 16):start])
                or (text[max(0, start - 2):start] == ", " and text[end:end + 1] == ","))


def _time_spans(text: str, want: Asked) -> list[tuple[int, int, float, int]]:
    """Years and time expressions, for a question that asks when."""
    out: list[tuple[int, int, float, int]] = []
    kind = want.kind
    for m in YEAR.finditer(text):
        out.append((m.start(), m.end(), 1.0 if kind == "year" else 0.7, _NAME))
    if kind == "time":
        for m in TIME_EXPRESSION.finditer(text):
            out.append((m.start(), m.end(), 1.0, _NAME))
    return out


def _analyse(text: str, want: Asked) -> list[tuple[int, int, float, int]]:
    """``_spans`` computed (see ``candidates``)."""
    out: list[tuple[int, int, float, int]] = []
    kind = want.kind
    if want.kind in ("number", "money", "percent", "quantity"):
        return _number_spans(text, want)
    if want.kind in ("time", "year"):
        return _time_spans(text, want)
    for m in QUOTED.finditer(text):
        fit = 1.0 if want.head in TITLE_NOUNS else 0.6 if kind == "named" else 0.3 if kind == "thing" else 0.0
        if fit and len(m.group(1).split()) <= 8:
            # the punctuation American style puts inside the quotes ("\u201cThe Legend of Zelda,\u201d")
            # is the sentence's, not the title's
            title = m.group(1).rstrip(",;: ")
            if re.search(r"[a-z]{3}\.$", title):  # "Barbie." ("U.S." keeps its point)
                title = title[:-1]
            end = m.start(1) + len(title)
            out.append((m.start(1), end, fit, _NAME))
    for start, end in _names(text):
        span = text[start:end]
        n_words = len(span.split())
        at_start = n_words == 1 and bool(_SENTENCE_START.search(text[:start]))  # "Legendary broadcaster..."
        opening = (_NAME if not at_start or places.is_place(span) else _ORDINARY if _ADJECTIVE.search(span)
                   else _ORDINARY_IF_COMMON)
        # the name says its kind ("New York City", "Tony Awards"), or the noun asked for introduces
        # it ("the comic strip Dilbert", "NASCAR driver Chase Elliott")
        typed = _typed(span, want) or _introduced(text[:start], want)
        if _PLACE_KINDS.get(want.head) == "country" and not places.is_place(span):
            country = places.country_of_demonym(span)  # "Saudi Arabian officials" for "which country"
            if country:
                out.append((start, start + country, 0.9, _NAME))
        if kind == "place":
            # a name no place list knows (or a city, for "which state") may still answer "where"
            # ("Calumet Park"); when every place of the kind asked is listed, it is no short answer
            # ("Congress" for "which state?"), though it still counts among the candidates' votes
            fit = _place_fit(span, want.head) or (UNLISTED_FIT if _listed_kind(want) else 0.5)
            if span == "Washington" and _DC.match(text[end:]):
                fit = 0.5  # "Washington, D.C." is the city, not the state
        elif kind == "person":
            joins = list(_AND.finditer(span))
            fit = (0.0 if places.is_place(span) or n_words > 1 and places.is_city(span)  # "Los Angeles" is no person
                   else 0.3 if _ORGANISATION.search(span) or _NOT_A_PERSON.search(span)
                   else 1.0 if 2 <= n_words <= 4 and not joins else 0.3)
            if joins and not _ORGANISATION.search(span):  # "Britney Spears and Elton John": two people
                # (first and last names only: "New England Patriots and Tampa Bay Buccaneers" are teams)
                bounds = [0, *(i for j in joins for i in j.span()), len(span)]
                for a, b in zip(bounds[::2], bounds[1::2]):
                    if len(span[a:b].split()) == 2 and not places.is_place(span[a:b]):
                        out.append((start + a, start + b, 1.0, _NAME))
            titled = _TITLE.match(span)  # "U.S. District Judge April Perry": the person is "April Perry"
            if titled and titled.end() < len(span) and not _ORGANISATION.search(span[titled.end():]):
                fit_named = 1.0 if len(span[titled.end():].split()) >= 2 else 0.6
                out.append((start + titled.end(), end, fit_named, _NAME))
                fit = min(fit, 0.3)  # ("US Food and Drug Administration" is no person: the whole stays 0.3)
        elif kind == "thing":
            fit = 0.3  # "what was the weather": a name is weak evidence, and not a short answer
        else:
            fit = 0.7
            if (want.head and n_words == 1 and _ADJECTIVE.search(span)
                    and re.match(rf"\s+{re.escape(want.head)}\b", text[end:])):
                fit = 0.3  # "Constitutional law" for "which law": it describes the noun ("Tren de Aragua gang" names it)
            elif (want.head and n_words <= 3 and places.country_of_demonym(span)
                  and re.match(rf"(?:\s+[a-z][\w-]*){{0,2}}\s+{re.escape(want.head)}\b", text[end:])):
                fit = 0.3  # "South Korean (drama) show" for "which show": so does a country's adjective
            elif want.head in ("country", "state", "continent", "nation"):
                fit = _place_fit(span, want.head) or 0.2
            elif want.head in TITLE_NOUNS:
                fit = 0.6
            # ("U.S" is "U.S." whose full stop ended the sentence or the name run)
            if not typed and want.head not in TEAM_NOUNS | PLACE_NOUNS and (places.is_place(span) or places.is_place(span + ".")):
                fit = min(fit, 0.2)  # "America('s largest airline)" for "which airline": a country is no airline
            elif kind == "named" and _TITLE.match(span) and not _ORGANISATION.search(span):
                fit = min(fit, 0.2)  # "President Claudine Gay" for "which school": a person is no school
        if typed:  # only ever for things, named things and places ("Tony Awards" for "which awards show")
            fit = 1.0
        out.append((start, end, fit, opening))
    return out


@lru_cache(maxsize=256)
def _kind_terms(want: Asked) -> frozenset[str]:
    """The terms of the question's noun phrase that say a thing's kind: its words written in lower
    case ("national", "park"; not "US" nor "Trump-backed")."""
    return frozenset(t for t in terms(" ".join(w for w in want.phrase if w[:1].islower())) if len(t) > 2)


def _typed(span: str, want: Asked) -> bool:
    """Whether the name ``span`` ends with a word of the kind of thing or place asked for
    ("Yellowstone National Park" for "which national park", "the Tony Awards" for "which awards
    show"). A person's name never says its kind ("Society of Authors" is no author), nor does a
    known place's of another kind: the "United States" is a country, not "which state" (``places``);
    "New York City" is a city."""
    if want.kind not in ("named", "thing", "place"):
        return False
    if want.kind == "place" and (places.is_place(span) or places.is_city(span)) and _place_fit(span, want.head) < 1.0:
        return False
    found = span_terms(span)
    return len(found) >= 2 and found[-1] in _kind_terms(want)


def _introduced(before: str, want: Asked) -> bool:
    """Whether the noun asked for stands right before a name (``before``: the text up to it): "the
    comic strip Dilbert" for "which comic strip", "driver Chase Elliott" for "which driver"."""
    if want.kind not in ("named", "thing") or not want.head:
        return False
    return re.search(rf"\b{re.escape(want.head)}(?:s|es)?[\s“\"‘'(]+$", before[-60:], re.I) is not None


def answer_terms(span: str, want: Asked) -> list[str]:
    """The terms of ``span`` that answer: without the words at its end that only say its kind
    ("National Park" in "Yellowstone National Park" for "which national park"), which the question
    says too but do not make the span a restatement of it), and without a title before a name
    ("Rep." in "Rep. Liz Cheney": the office is not who holds it)."""
    titled = _TITLE.match(span)
    if titled and titled.end() < len(span):
        span = span[titled.end():]
    found = span_terms(span) or span_words(span)
    if not _typed(span, want):
        return list(found)
    kinds, rest = _kind_terms(want), list(found)
    while len(rest) > 1 and rest[-1] in kinds:
        rest.pop()
    return rest


@lru_cache(maxsize=16384)
def span_terms(span: str) -> tuple[str, ...]:
    """``terms`` of a short span (a name, an amount), cached: the same spans are read for every
    stage that weighs a question's candidate sentences."""
    return tuple(terms(span))


@lru_cache(maxsize=16384)
def span_words(span: str) -> tuple[str, ...]:
    """``words`` of a short span, cached like ``span_terms``."""
    return tuple(words(span))


def _names(text: str) -> list[tuple[int, int]]:
    """Runs of capitalised words, without a sentence-initial ordinary word ("The", "But")."""
    out = []
    for m in NAME.finditer(text):
        start = m.start()
        # A run ends before a weekday or a month ("Denver Broncos Tuesday") and a possessive.
        kept: list[str] = []
        kept_from = 0  # where the first word kept starts, in the run
        skipped = -2  # the last word skipped at the start of the run
        kept_end = 0  # where the last word kept ends, in the run (its words are apart by any spaces)
        pieces = list(re.finditer(r"\S+", m.group(0)))
        for i, piece in enumerate(pieces):
            w = piece.group(0)
            if not kept and (_DAY_POSSESSIVE.match(w) or (i == skipped + 1 and w.lower() in _JOINER_WORDS)):
                skipped = i  # "Sunday's Chicago Marathon": the day's possessive is not part of the name
                kept_from = pieces[i + 1].start() if i + 1 < len(pieces) else piece.end()
                continue  # (nor a joining word after it: "Saturday's and Sunday's races")
            # A weekday ends a name; a month only when a day follows ("Judge April Perry" is a name).
            if _CALENDAR.match(w.rstrip(".,")) and not (re.match(MONTH_PATTERN, w, re.I) and i + 1 < len(pieces)
                                                        and not text[start + piece.end():]
                                                        .lstrip().startswith(tuple("0123456789"))):
                break
            if _PRONOUN_I.fullmatch(w.rstrip(".,")) and (w[1:2] in ("’", "'") or not kept or kept[-1] == "and"):
                break  # "I’ll tell you", "Biden and I": the pronoun ("World War I" is a name)
            if kept and w in _OPENERS:
                break  # "Beth Mead There have been...": a heading run into its text; a sentence starts
            kept.append(w)
            kept_end = piece.end()
            if w.endswith(".") and len(w) > 3 and not w.isupper() and not _TITLE.fullmatch(w + " "):
                break  # "Realtor.com. That": a sentence ends ("Gov. Gavin Newsom" goes on)
        if not kept:
            continue
        start += kept_from
        span = re.sub(r"(?:[’']s?)$", "", m.group(0)[kept_from:kept_end]).rstrip(".’'- ")
        span = re.sub(rf"\s+(?:{_JOINER})$", "", span)
        if not span:
            continue
        end = start + len(span)
        first = span.split()[0]
        if _SENTENCE_START.search(text[:start]) and first.lower() in STOPWORDS | {"but", "and", "so", "yet"}:
            rest = span[len(first):].lstrip()
            if not rest:
                continue
            start, span = end - len(rest), rest
        if span.lower() in STOPWORDS:
            continue
        if len(span) == 1 and re.match(r"\.\s+[a-z]", text[end:]):
            continue  # an initial before a lower-case word ("E. coli") names nothing ("X" does)
        if re.fullmatch(r"\S+[’'](?:ve|re|ll|d|m|t)", span):
            continue  # a contraction opening a sentence ("We’ve", "Don't") names nothing
        if len(span) > 3 and span.isupper() and text[end:end + 1] == ":":
            continue  # a label in capitals ("FOLLOW THE MONEY: MLB player salaries", "WINNER: ...") names nothing
        held = _HELD_TITLE.search(span)
        if held and not _TITLE.fullmatch(span[:held.start()] + " ") and not _ADJECTIVE.search(span[:held.start()]):
            # "California Gov. Gavin Newsom", "Harvard President Claudine Gay": where the office is
            # held, then the person ("Vice President Kamala Harris" stays one: "Vice" is a title, and
            # so does "Embattled Rep. George Santos": "Embattled" describes him)
            out += [(start, start + held.start()), (start + held.start() + 1, end)]
            continue
        out.append((start, end))
    return out


def lower_case_words(texts: list[str]) -> frozenset[str]:
    """The words written in lower case in ``texts``: ``candidates``' ``common`` (a sentence's first
    word that is one of them is an ordinary word, not a name)."""
    return frozenset(w for t in texts for w in re.findall(r"\b[a-z][a-z'-]+\b", t))


def holds_answer(want: Asked | None, text: str, question_terms: set[str] | frozenset[str],
                 least: float | None = None, tellers: bool = True) -> float:
    """How well ``text`` holds a span of the kind ``want`` asks for that the question does not
    already say (0..1): the sentence scorer's answer-type evidence for "which X" questions. Spans
    that fit less than ``least`` do not count (by default: only what could be given as the short answer);
    without ``tellers``, nor do the names of who told the news (``told_by``)."""
    if want is None or want.kind == "thing":
        return 0.0
    least = MIN_FIT if least is None else least
    best = 0.0
    for start, end, fit in candidates(text, want):
        span_terms = answer_terms(text[start:end], want)
        if span_terms and fit > best and fit >= least and (tellers or not told_by(text, start, end)):
            best = max(best, fit * sum(t not in question_terms for t in span_terms) / len(span_terms))
    return best


def find(question: str, citations: list[Citation], others: list[str] = ()) -> ShortAnswer | None:
    """The short answer to ``question`` inside ``citations`` (best first), or None.

    Args:
        question: the question as understood (a follow-up already made stand-alone).
        citations: the answer's cited sentences, in the answer's order.
        others: texts of the other retrieved passages, for agreement.
    Returns:
        a ``ShortAnswer`` whose ``text`` is exactly the article's text at its offsets, or None
        when the question wants an explanation or no span fits well enough.
    """
    want = asked(question)
    if want is None or not citations:
        return None
    best = best_candidate(question, want, citations, others)
    if best is None:
        return None
    loc = best.citation.location
    start = loc.start + best.start
    return ShortAnswer(text=best.text, location=Location(loc.article_id, loc.source, start,
                                                         loc.start + best.end, loc.title, loc.outlet,
                                                         loc.published), n=best.citation.n,
                       of_kind=best.fit >= 1.0)


# The hand-set weights the span scorer replaced; kept for comparison in ``make train-judge``'s table.
WEIGHTS = {"fit": 1.5, "novelty": 1.0, "near": 0.6, "agree": 0.4, "rank": 0.3, "head": 0.3}
MIN_SCORE = 1.6
MIN_FIT = 0.5
# The least fit of a span that counts as a candidate sentence's vote for an answer
# (``composers.extractive``'s ``answer_votes``): weaker than a short answer may be.
MIN_VOTE_FIT = 0.3
# The fit of a name no place list knows, for a kind of place the lists hold whole ("which state"):
# no short answer, still a vote (an article may write a country in a way the lists lack, "DRC").
UNLISTED_FIT = MIN_VOTE_FIT
# The fit of a person's name (two to four words) the retrieved passages never refer to as a person.
PERSON_UNSEEN_FIT = 0.6
KINDS = ("place", "person", "number", "money", "percent", "quantity", "year", "time", "named", "thing")
# A span's features, in order: the hand-set ones, its length, and the kind asked for (one-hot).
SPAN_FEATURES = ("fit", "novelty", "near", "agree", "rank", "head", "length", *(f"kind_{k}" for k in KINDS))


@dataclass(frozen=True)
class SpanScorer:
    """A logistic model over ``SPAN_FEATURES``: the probability that a span is the answer. A span
    below ``threshold`` is no short answer. Fitted by ``make train-judge`` (``assistant/spans.json``,
    with its cross-validated figures in ``report``)."""

    coefficients: tuple[float, ...]
    intercept: float
    threshold: float
    report: dict | None = None

    def probability(self, x: dict[str, float]) -> float:
        z = self.intercept + sum(c * x[f] for c, f in zip(self.coefficients, SPAN_FEATURES))
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))

    @classmethod
    def from_dict(cls, d: dict) -> SpanScorer:
        if tuple(d.get("features", ())) != SPAN_FEATURES:
            raise ValueError("assistant/spans.json was fitted on other span features: refit it with 'make train-judge'")
        return cls(tuple(float(c) for c in d["coefficients"]), float(d["intercept"]), float(d["threshold"]),
                   d.get("report"))

    def to_dict(self) -> dict:
        return {"features": list(SPAN_FEATURES), "coefficients": list(self.coefficients), "intercept": self.intercept,
                "threshold": self.threshold, "report": self.report}


@lru_cache(maxsize=1)
def span_scorer() -> SpanScorer | None:
    """The fitted span scorer shipped in the package, or None (then the hand-set ``WEIGHTS``)."""
    try:
        text = resources.files("assistant").joinpath("spans.json").read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    return SpanScorer.from_dict(json.loads(text))


def hand_score(x: dict[str, float]) -> float:
    """The hand-set score of a span (``WEIGHTS``); a short answer needs ``MIN_SCORE``."""
    return sum(WEIGHTS[k] * x[k] for k in WEIGHTS)


def dateline_end(text: str) -> int:
    """Where the dateline (or the agency's credit) that opens ``text`` ends (0: none)."""
    return max((m.end() for m in (_DATELINE.match(text), _CREDIT.match(text)) if m), default=0)


# What a person's name is seen doing in news text: speaking, being called Mr. or Ms., having an age
# or a "who" after it, "his" or "her" after it. A run of capitalised words nobody refers to that way
# ("Eras Tour", "Martin Luther King Day", "Prima Facie") is less likely to be the person asked for.
_SAYS = r"(?:said|says|told|added|wrote|explained|noted|posted|tweeted|announced|argued|recalled|insisted|testified)"


_SUFFIX = re.compile(r"(?:Jr|Sr)\.?|II|III|IV")
# The clause that closes a sentence by saying who told it: ", Academy President Janet Yang announced
# in a press release Wednesday.", ", said Aamer Moussa, spokesperson for the campaign."
# After the teller's verb, only where or when it was told may follow ("in a press release Wednesday"),
# not what ("said she would donate": then the clause is the sentence's own, "In a statement, Swift said...").
_TELLER_AFTER = re.compile(rf"(?:’s|'s)?\s+(?:[^,;]{{0,60}}?\s)?{_SAYS}"
                           rf"(?:\s+(?:in|on|at|during|to|via|from|with|through|after|before|late|early|earlier|last|"
                           rf"this|today|yesterday|tonight|{WEEKDAY_PATTERN})\b(?:(?!\bthat\b)[^,;]){{0,50}})?"
                           r"\s*[.!?]?[”\"’']?\s*$", re.I)
_TELLER_BEFORE = re.compile(rf",[”\"’']?\s+{_SAYS}\s+(?:[^,;]{{0,40}}?\s)?$")
_ASKS_WHO_TOLD = re.compile(rf"\b(?:{_SAYS}|say|tell|announce|confirm|report|reveal|claim|warn|write|post|tweet)\w*\b",
                            re.I)


def told_by(text: str, start: int, end: int) -> bool:
    """Whether the name at ``text[start:end]`` only says who told what the sentence reports, in the
    clause that closes it after a comma ("..., Academy President Janet Yang announced in a press release
    Wednesday.", "..., said Senate leader John Doe."): the teller, not whom the sentence is about.
    Not when only where or when it was told does not follow the verb ("In a statement, Taylor Swift
    said she would donate...") nor in a sentence that opens with the words told ("“We will win,”
    Johnson said.")."""
    if text.lstrip()[:1] in "“\"‘'":
        return False  # "“We will win,” Johnson said.": whose words the sentence gives is what it is about
    clause = text.rfind(",", 0, start)
    if clause < 0 or re.search(r"[;]", text[clause:start]):
        return False
    return bool(_TELLER_BEFORE.search(text[:start]) or (
        not re.search(r"[,;]", text[clause + 1:start]) and _TELLER_AFTER.match(text, end)))


@lru_cache(maxsize=4096)
def _as_person(last: str) -> re.Pattern:
    """The ways text refers to someone whose name ends with ``last`` (see ``_SAYS``)."""
    w = re.escape(last)
    return re.compile(rf"\b{w}(?:’s|'s)?,?\s+(?:\w+ly\s+)?{_SAYS}\b|\b{_SAYS}\s+{w}\b|\b(?:Mr|Ms|Mrs|Dr)\.?\s+{w}\b"
                      rf"|\b{w},\s+(?:\d{{1,3}}|who)\b|\b{w}\s+(?:and\s+)?(?:his|her)\b")


def referred_to_as_person(span: str, texts: list[str]) -> bool:
    """Whether ``texts`` refer to the bearer of the name ``span`` as a person, by its last name (a
    "Jr." aside): speaking (``_SAYS``), "Mr." or "Ms." before it, an age or "who" after it, "his"
    or "her" after it."""
    names = [w for w in span.split() if not _SUFFIX.fullmatch(w)]  # "Robert F. Kennedy Jr."
    pattern = _as_person(names[-1] if names else span.split()[-1])
    return any(pattern.search(t) for t in texts)


@lru_cache(maxsize=4096)
def _as_source(name: str) -> re.Pattern:
    """The ways text cites ``name`` as the source of what it reports."""
    w = re.escape(name)
    # the name must end there: "told the Los Angeles Times" cites the Times, not Los Angeles
    w = rf"{w}\b(?![ \t]+[A-Z])"
    return re.compile(rf"\b(?i:according\s+to\s+(?:the\s+)?){w}|\b(?:tells?|told)\s+(?:the\s+)?{w}"
                      rf"|\b{w}\s+(?:reported|reports|first\s+reported)\b")


def cited_as_source(span: str, texts: list[str]) -> bool:
    """Whether ``texts`` cite the name ``span`` as a source ("according to the History Channel",
    "a source close to Lopez tells CNN", "CNN reported"): a teller, not where things happen."""
    pattern = _as_source(span)
    return any(pattern.search(t) for t in texts)


@lru_cache(maxsize=1024)
def _said(question: str) -> frozenset[str]:
    """The question's terms and words: a span made only of them says nothing new."""
    return frozenset(terms(question)) | frozenset(words(question))


def span_features(question: str, want: Asked, citations: list[Citation],
                  others: list[str] = ()) -> list[tuple[Citation, int, int, float, dict[str, float]]]:
    """Every candidate span of ``citations`` that could be given as the short answer:
    ``(citation, start, end, fit, features)`` (see the module docstring for the features)."""
    q_terms, said = set(terms(question)), _said(question)
    asks_who_told = bool(_ASKS_WHO_TOLD.search(question))
    pool = [c.text for c in citations] + list(others)
    common = lower_case_words(pool)
    pool_words = [" ".join(words(t)) for t in pool]  # once, not once per span
    kind = {f"kind_{k}": float(want.kind == k) for k in KINDS}
    # the countries the question names, however written: "United States" does not answer "which
    # state ... in the US?"
    asked_in = {code for m in NAME.finditer(question) if (code := places.country_code(m.group(0).rstrip(".’'")))}
    out = []
    for rank, citation in enumerate(citations):
        text = citation.text
        anchors = [m.start() for m in re.finditer(r"[A-Za-z0-9]+", text) if stem(m.group(0).lower()) in q_terms]
        filed = dateline_end(text) if citation.location.start <= DATELINE_WITHIN else 0
        for start, end, fit in candidates(text, want, common):
            if start < filed:  # "WASHINGTON \u2013" says where the story was filed, not what it reports
                continue
            if fit < MIN_FIT:  # "45 miles" for "how many troops": better no short answer than a wrong one
                continue
            span = text[start:end]
            if asked_in and places.country_code(span) in asked_in:
                continue
            if want.ahead and _passed_within(citation, start, end):
                continue  # "When will it be available?": not the Tuesday before the report
            if want.kind == "person" and fit >= 1.0 and (
                    not referred_to_as_person(span, pool) or not asks_who_told and told_by(text, start, end)):
                # a name nobody is said to be, or only who told the news ("..., Janet Yang announced"):
                # the person only if no one else is
                fit = PERSON_UNSEEN_FIT
            if want.kind == "person" and fit < 1.0 and cited_as_source(span, pool):
                continue  # "Who is now CEO?": not "New York Times" of "the New York Times reported"
            if want.kind == "place" and fit < 1.0 and not places.is_place(span) and cited_as_source(span, pool):
                continue  # "Where did the Pilgrims celebrate?": not "History Channel" of "according to the History Channel"
            if want.kind == "place" and fit < 1.0 and not places.is_place(span) and not places.is_city(span) \
                    and referred_to_as_person(span, pool):
                continue  # "Which state does she represent?": not "Feinstein" of "Feinstein, who died Thursday"
            span_terms = answer_terms(span, want)
            if not span_terms:
                continue
            new = [t for t in span_terms if t not in said]
            novelty = len(new) / len(span_terms)
            if novelty == 0:
                continue
            near = 0.0
            if anchors:
                gap = min(min(abs(a - start), abs(a - end)) for a in anchors)
                near = 1.0 / (1.0 + gap / 40.0)
            key = " ".join(words(span))
            agree = min(1.0, sum(1 for t in pool_words if key and key in t) / 3.0)
            head = float(_typed(span, want) or bool(want.head and re.search(
                rf"\b{re.escape(want.head)}\w*\b(?:\W+\w+){{0,2}}\W+{re.escape(span)}|"
                rf"{re.escape(span)}(?:\W+\w+){{0,2}}\W+{re.escape(want.head)}", text, re.I)))
            x = {"fit": fit, "novelty": novelty, "near": near, "agree": agree, "rank": 1.0 / (1 + rank), "head": head,
                 "length": min(len(key.split()), 8) / 4, **kind}
            out.append((citation, start, end, fit, x))
    return out


def best_candidate(question: str, want: Asked, citations: list[Citation], others: list[str] = (),
                   scorer: SpanScorer | None = None) -> Candidate | None:
    """The best-scoring candidate span over ``citations`` that is good enough to give, or None:
    by the fitted span scorer's probability (``scorer``, default the shipped one) and its threshold,
    or, with no fitted scorer, by the hand-set ``WEIGHTS`` and ``MIN_SCORE``."""
    scorer = scorer if scorer is not None else span_scorer()
    best: Candidate | None = None
    for citation, start, end, fit, x in span_features(question, want, citations, others):
        score = scorer.probability(x) if scorer else hand_score(x)
        if best is None or score > best.score:
            best = Candidate(citation, start, end, score, fit)
    if best is None or best.score < (scorer.threshold if scorer else MIN_SCORE):
        return None
    return best


def rivals(question: str, citations: list[Citation], answer: ShortAnswer) -> set[int]:
    """The numbers of the cited sentences that give another value of the kind asked than
    ``answer`` and not ``answer`` itself: "Which state has the highest gas price?" answered
    "California" is not also shown "...in Alaska, Hawaii and Washington DC, gas at below $4...".
    Only spans that are exactly of that kind count (a state for "which state"); none for a
    question whose answer is a list ("which states")."""
    want = asked(question)
    if want is None or want.several:
        return set()
    key = " ".join(words(answer.text))
    out = set()
    for citation, start, end, fit, _ in span_features(question, want, citations):
        if citation.n == answer.n or fit < 1.0 or key in " ".join(words(citation.text)):
            continue
        other = " ".join(words(citation.text[start:end]))
        if other and other not in key and key not in other:
            out.add(citation.n)
    return out


def gives_any(question: str, citations: list[Citation]) -> bool:
    """Whether a cited sentence holds any span that could be of the kind ``question`` asks for,
    however loosely ("the White House" for "who": an institution, not a person), that the question
    does not already say (``holds_answer`` with any fit). True when the question asks for no kind."""
    want = asked(question)
    return want is None or any(holds_answer(want, c.text, _said(question), least=1e-9) > 0 for c in citations)
