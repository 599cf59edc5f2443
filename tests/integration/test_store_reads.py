"""Reads from a real Chroma store (a copy of the session's seeded one) that are bounded for an
archive: article rows read a few at a time give every row, and the cache of fetched articles
keeps at most its bound, dropping the least recently used first."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from vectorstore import store as store_module
from vectorstore.store import ChromaStore

pytestmark = pytest.mark.integration


@pytest.fixture
def store(tmp_path, seeded_dir):
    shutil.copytree(seeded_dir, tmp_path / "data")
    return ChromaStore(tmp_path / "data" / "chroma")


def test_article_rows_read_in_small_batches_are_all_there(store, monkeypatch):
    whole = store.article_index()
    index, dates = store.article_table()
    assert len(whole) == 5 and index == whole and set(dates) == set(whole)
    monkeypatch.setattr(store_module, "_ARTICLE_BATCH", 2)  # three reads of 2, 2 and 1 rows
    assert store.article_index() == whole
    assert store.article_table() == (index, dates)
    assert set(store.inventory().articles) == set(whole)


def test_the_fetched_articles_cache_keeps_the_most_recently_used_up_to_its_bound(store, monkeypatch):
    monkeypatch.setattr(store._article_cache, "size", 2)  # the bound (_ARTICLE_CACHE) is read when the store opens
    a, b, c = sorted(store.article_index())[:3]
    texts = {aid: art.text for aid, art in store.articles([a, b, c]).items()}
    assert set(texts) == {a, b, c} and len(store._article_cache) == 2
    store.articles([a, b])  # a fetched again (it was dropped), b from the cache
    assert store.article(a).text == texts[a]  # a used last
    assert store.article(c).text == texts[c]  # c fetched again: b, the least recently used, goes
    assert list(store._article_cache) == [a, c]


def test_searches_that_read_no_documents_find_the_same_chunks(store, embedder):
    vector = embedder.embed_query("Who arrived in Elwood and when?")
    assert store.nearest(vector, 8) == [(s.chunk.id, s.score) for s in store.query(vector, 8)]
    # the chunk of a sentence is read off the sentence's id: the same as its stored metadata says
    got = store.sentences.query(query_embeddings=[vector], n_results=30, include=["metadatas", "distances"])
    by_metadata: dict[str, float] = {}
    for m, dist in zip(got["metadatas"][0], got["distances"][0]):
        by_metadata.setdefault(m["chunk_id"], 1.0 - float(dist))
    assert store.query_sentences(vector, 30) == list(by_metadata.items()) and len(by_metadata) > 3


def test_reopen_sees_what_another_process_wrote(store, tmp_path):
    """``reopen`` relies on Chroma's per-process registry of systems keyed by the folder
    (``forget_chroma_system``): this fails loudly when a chromadb upgrade changes it."""
    import subprocess
    import sys

    from chromadb.api.shared_system_client import SharedSystemClient

    assert store.location in SharedSystemClient._identifier_to_system  # what forget_chroma_system pops
    before = store.count()
    victim = sorted(store.article_index())[0]
    code = ("import sys; from vectorstore.store import ChromaStore; "
            "ChromaStore(sys.argv[1]).delete_article(sys.argv[2])")
    subprocess.run([sys.executable, "-c", code, store.location, victim], check=True, cwd=Path.cwd())
    old_system = SharedSystemClient._identifier_to_system[store.location]
    store.reopen()
    assert SharedSystemClient._identifier_to_system[store.location] is not old_system
    assert victim not in store.article_index() and store.count() < before
