"""Misspelt names in questions: only lower-case, unknown, uncommon words, to uncommon article words nearby."""

from __future__ import annotations

from assistant.question import correct_spelling
from vectorstore.terms import stem

ARTICLE_WORDS = {"pritzker": 5, "johnson": 9, "noem": 3, "must": 40, "whether": 12, "chicago": 30, "macao": 1,
                 "brandon": 4, "muriel": 2, "bowser": 2, "new": 50, "poll": 6}
COMMON = frozenset({"weather", "must", "whether", "johnson", "say", "about", "the", "chicago", "new", "poll"})
PAIRS = {("brandon", "johnson"), ("muriel", "bowser"), ("new", "poll")}  # side by side in the articles


def follows(first: str, second: str) -> bool:
    return (first, second) in PAIRS


def known(term: str) -> bool:
    return term in ARTICLE_WORDS


def similar(term: str, max_distance: int) -> list[tuple[str, int]]:
    """Plain Levenshtein over the few article words (the real index uses rapidfuzz over its vocabulary)."""
    def distance(a: str, b: str) -> int:
        row = list(range(len(b) + 1))
        for i, ca in enumerate(a, 1):
            prev, row[0] = row[0], i
            for j, cb in enumerate(b, 1):
                prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (ca != cb))
        return row[-1]
    found = [(distance(term, w), -n, w) for w, n in ARTICLE_WORDS.items() if w[0] == term[0] and w != term]
    return [(w, -n) for d, n, w in sorted(found) if d <= max_distance]


def test_a_misspelt_name_in_lower_case_becomes_the_articles_word():
    text, fixes = correct_spelling("what did pritzkar say about chicago", known, similar, COMMON)
    assert text == "what did pritzker say about chicago" and fixes == {"pritzkar": "pritzker"}
    assert correct_spelling("kristy nome on the raids", known, similar, COMMON)[1] == {"nome": "noem"}


def test_ordinary_words_capitalised_names_and_inflections_stay_as_asked():
    # "weather" is an ordinary word: never read as "whether", though one edit away and in the articles
    assert correct_spelling("what was the weather like", known, similar, COMMON)[1] == {}
    # a name written with a capital is taken as written ("Musk" is not "must")
    assert correct_spelling("what did Musk say", known, similar, COMMON)[1] == {}
    # "must" is an ordinary word: a misspelt name is never corrected into one
    assert correct_spelling("what did musk say", known, similar, COMMON)[1] == {}
    # an inflected word the stemmer shortens is a word, not a name
    assert stem("jonsoning") != "jonsoning"
    assert correct_spelling("who is jonsoning", known, similar, COMMON)[1] == {}


def test_a_name_with_no_close_article_word_stays_so_the_assistant_can_decline():
    assert correct_spelling("what did newsom say about chicago", known, similar, COMMON)[1] == {}
    # two edits are allowed only from seven letters on
    assert correct_spelling("what did macron say", known, similar, COMMON)[1] == {}


def test_a_misspelling_the_articles_write_beside_the_next_word_is_corrected():
    # "johnson" is an ordinary word (a common name), but the articles write "brandon johnson"
    assert correct_spelling("brandon jonson order", known, similar, COMMON)[1] == {}
    assert correct_spelling("brandon jonson order", known, similar, COMMON, follows)[1] == {"jonson": "johnson"}
    # two edits under seven letters, confirmed by the word before it
    text, fixes = correct_spelling("what did trump say about muriel bauser", known, similar, COMMON, follows)
    assert text == "what did trump say about muriel bowser" and fixes == {"bauser": "bowser"}


def test_a_correction_the_neighbours_do_not_confirm_is_not_made():
    assert correct_spelling("what did bauser say", known, similar, COMMON, follows)[1] == {}
    # an ordinary word two edits away is not taken, even written beside the word before it
    assert correct_spelling("the new pollex", known, similar, COMMON, follows)[1] == {}
