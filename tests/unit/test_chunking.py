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


def _article(text):
    from vectorstore.models import Article

    return Article(id="long", source="long.txt", text=text)


def _assert_exact_and_bounded(article, chunks, max_chars):
    assert chunks
    for c in chunks:
        assert article.text[c.start:c.end] == c.text
        assert len(c.text) <= max_chars
        for s in c.sentences:
            piece = article.text[s.start:s.end]
            assert piece and piece == piece.strip() and len(piece) <= max_chars
    covered = "".join(article.text[s.start:s.end] for c in chunks for s in c.sentences)
    assert "".join(covered.split()) == "".join(article.text.split())  # nothing lost


def test_a_240_kb_single_sentence_is_cut_at_whitespace_into_bounded_chunks():
    words = ["lorem", "ipsum", "dolor", "sit", "amet", "consectetur", "adipiscing", "elit"]
    text = "Start " + " ".join(words[i % len(words)] for i in range(40_000)) + " end.\n"
    assert len(text) > 240_000
    article = _article(text)
    chunks = SentenceChunker(target_chars=350, max_chars=700).chunk(article)
    _assert_exact_and_bounded(article, chunks, 700)
    assert len(chunks) > 300
    pieces = [s for c in chunks for s in c.sentences]
    for s in pieces:  # cut between words, never inside one
        assert s.start == 0 or text[s.start - 1].isspace()
        assert text[s.end].isspace()
    assert all(s.end - s.start > 600 for s in pieces[:-1])  # near the limit, not at the first space


def test_text_without_spaces_is_cut_at_punctuation_or_at_the_limit():
    cjk = ("国民警卫队的士兵抵达了芝加哥附近的一个军事基地，" * 3000)
    article = _article(cjk)
    chunks = SentenceChunker(max_chars=700).chunk(article)
    _assert_exact_and_bounded(article, chunks, 700)
    assert all(c.text.endswith("，") for c in chunks[:-1])
    blob = _article("x" * 5000)
    chunks = SentenceChunker(max_chars=700).chunk(blob)
    _assert_exact_and_bounded(blob, chunks, 700)
    assert [len(c.text) for c in chunks] == [700] * 7 + [100]


def test_split_long_leaves_normal_sentences_alone():
    from vectorstore.sentences import split_long

    text = "A short sentence. Another one."
    for s in split_sentences(text):
        assert split_long(text, s, 700) == [s]
    combining = "e\u0301" * 400  # a cut at the limit never parts a letter from its accent
    pieces = split_long(combining, split_sentences(combining)[0], 101)
    assert all(combining[p.start] == "e" for p in pieces)
    assert "".join(combining[p.start:p.end] for p in pieces) == combining
