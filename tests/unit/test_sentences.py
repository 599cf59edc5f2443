import pytest

from tests.conftest import SEEDS
from vectorstore.sentences import split_sentences


def texts(text):
    return [text[s.start:s.end] for s in split_sentences(text)]


def test_abbreviations_and_dates_do_not_end_sentences():
    text = "Illinois Gov. JB Pritzker spoke on Oct. 4 in Washington. U.S. District Judge April M. Perry ruled."
    assert texts(text) == ["Illinois Gov. JB Pritzker spoke on Oct. 4 in Washington.",
                           "U.S. District Judge April M. Perry ruled."]


def test_quote_and_its_attribution_stay_together():
    text = "“Chicago Mayor should be in jail! Governor Pritzker also!” Trump posted on his platform. Next one."
    assert texts(text) == ["“Chicago Mayor should be in jail! Governor Pritzker also!” Trump posted on his platform.",
                           "Next one."]


def test_line_break_always_ends_a_sentence():
    assert texts("A heading without a period\nThe body. More.") == ["A heading without a period", "The body.", "More."]


@pytest.mark.parametrize("path", sorted(SEEDS.glob("*.txt")), ids=lambda p: p.stem)
def test_spans_are_exact_trimmed_and_ordered(path):
    text = path.read_text(encoding="utf-8")
    spans = split_sentences(text)
    assert spans
    for a, b in zip(spans, spans[1:]):
        assert a.end <= b.start
    for s in spans:
        piece = text[s.start:s.end]
        assert piece == piece.strip() and piece
    # nothing but whitespace is left between sentences
    covered = "".join(text[s.start:s.end] for s in spans)
    assert "".join(covered.split()) == "".join(text.split())
