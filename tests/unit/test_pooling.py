"""A chunk's vector pooled from its sentences' vectors (ASSISTANT_CHUNK_VECTORS=sentences)."""

from __future__ import annotations

import numpy as np

from tests.unit.fakes import HashingEmbedder, MemoryStore
from vectorstore.chunking import SentenceChunker
from vectorstore.embedder import pool
from vectorstore.ingestion import _embed, ingest


def unit_rows(n: int, dim: int = 8, seed: int = 0) -> np.ndarray:
    rows = np.random.default_rng(seed).normal(size=(n, dim)).astype(np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def test_pool_is_the_normalised_mean_at_unit_length():
    rows = unit_rows(4)
    pooled = pool(rows)
    mean = rows.mean(axis=0)
    assert pooled.dtype == np.float32 and pooled.shape == (8,)
    assert abs(np.linalg.norm(pooled) - 1.0) < 1e-6
    assert np.allclose(pooled, mean / np.linalg.norm(mean), atol=1e-6)


def test_pool_of_one_vector_is_that_vector_and_weights_tilt_the_mean():
    rows = unit_rows(2, seed=1)
    assert np.allclose(pool(rows[:1]), rows[0], atol=1e-6)
    tilted = pool(rows, weights=np.array([3.0, 1.0]))
    mean = 3 * rows[0] + rows[1]
    assert np.allclose(tilted, mean / np.linalg.norm(mean), atol=1e-6)
    assert pool(np.zeros((0, 8), dtype=np.float32)).shape == (8,)


class CountingEmbedder(HashingEmbedder):
    def __init__(self) -> None:
        self.texts: list[str] = []

    def embed_documents(self, texts, progress=False):
        self.texts.extend(texts)
        return super().embed_documents(texts)


def test_a_text_given_twice_is_embedded_once_and_both_get_its_vector():
    embedder = CountingEmbedder()
    out = _embed(embedder, ["a storm", "a flood", "a storm"], done=lambda n: None, batch=2)
    assert embedder.texts == ["a storm", "a flood"]
    assert np.array_equal(out[0], out[2]) and out.shape[0] == 3


def test_texts_are_embedded_shortest_first_and_come_back_in_their_order():
    """A batch is as slow as its longest text: sorting by length keeps padding low."""
    embedder = CountingEmbedder()
    texts = ["a much longer sentence about the storm", "rain", "a flood came", "rain"]
    out = _embed(embedder, texts, done=lambda n: None, batch=2)
    assert embedder.texts == ["rain", "a flood came", "a much longer sentence about the storm"]
    assert np.allclose(out, HashingEmbedder().embed_documents(texts))


def test_sentences_mode_embeds_only_sentences_and_stores_length_weighted_pooled_chunk_vectors(tmp_path):
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "story.txt").write_text(
        "The council met on Monday. It voted to build a library. The mayor was pleased.\n\n"
        "Residents asked for longer opening hours. The clerk said the budget allows it.\n", encoding="utf-8")
    store, embedder = MemoryStore(), CountingEmbedder()
    report = ingest([folder], store, embedder, SentenceChunker(40, 200), root=tmp_path, progress=False,
                    chunk_vectors="sentences")
    assert report.chunks_written == 2
    chunks = sorted(store._chunks.values(), key=lambda cv: cv[0].index)
    assert all(c.text not in embedder.texts or len(c.sentences) == 1 for c, _ in chunks)
    for chunk, vector in chunks:
        sentences = store._sentences[chunk.id]
        rows = np.stack([sentences[("story", s.start, s.end)] for s in chunk.sentences])
        lengths = np.array([s.end - s.start for s in chunk.sentences], dtype=np.float64)
        mean = (rows * lengths[:, None]).sum(axis=0) / lengths.sum()  # the length-weighted mean, by hand
        expected = mean / np.linalg.norm(mean)
        assert np.allclose(vector, expected, atol=1e-6)
