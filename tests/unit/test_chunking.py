import pytest

from tests.conftest import SEEDS
from vectorstore.chunking import SentenceChunker
from vectorstore.loading import load_article
from vectorstore.sentences import split_sentences


@pytest.mark.parametrize("path", sorted(SEEDS.glob("*.txt")), ids=lambda p: p.stem)
def test_chunks_are_exact_and_never_cut_a_sentence(path):
    article = load_article(path)
    chunker = SentenceChunker(target_chars=350, max_chars=700)
    chunks = chunker.chunk(article)
    starts = {s.start for s in split_sentences(article.text)}
    ends = {s.end for s in split_sentences(article.text)}
    for i, c in enumerate(chunks):
        assert article.text[c.start:c.end] == c.text
        assert c.start in starts and c.end in ends
        assert c.index == i and c.article_id == article.id
        assert len(c.text) <= 700 or len(c.sentences) == 1
        for s in c.sentences:
            assert c.start <= s.start < s.end <= c.end
    assert [s for c in chunks for s in c.sentences] == split_sentences(article.text)


def test_chunk_ids_depend_on_content():
    path = sorted(SEEDS.glob("*.txt"))[0]
    a = load_article(path)
    first = SentenceChunker().chunk(a)
    assert [c.id for c in first] == [c.id for c in SentenceChunker().chunk(a)]
    changed = a.__class__(**{**a.__dict__, "text": a.text.replace("Trump", "Tramp", 1)})
    assert first[0].id != SentenceChunker().chunk(changed)[0].id


def test_bad_sizes_are_rejected():
    with pytest.raises(ValueError):
        SentenceChunker(target_chars=800, max_chars=700)
