"""The consistency check's rules over hand-made inventories: each state an interrupted write can
leave, found as the right kind of problem with the right records to remove."""

from __future__ import annotations

from vectorstore.consistency import INCOMPLETE, LOOSE, ORPHAN, STALE, find_problems
from vectorstore.models import ArticleRecord, ChunkRecord, Inventory, SentenceRecord


def whole(aid: str = "a", version: str = "v1", chunks: int = 2, sentences: int = 2) -> Inventory:
    """An article stored whole: ``chunks`` chunks of ``sentences`` sentences each."""
    inv = Inventory()
    inv.articles[aid] = ArticleRecord(version, chunks, chunks * sentences, f"{aid}.txt")
    add_chunks(inv, aid, version, chunks, sentences)
    return inv


def add_chunks(inv: Inventory, aid: str, version: str | None, chunks: int, sentences: int, tag: str = "") -> None:
    for i in range(chunks):
        cid = f"{aid}-{i}-{version}{tag}"
        inv.chunks[cid] = ChunkRecord(aid, version, sentences)
        for j in range(sentences):
            inv.sentences[f"{cid}-s{j}"] = SentenceRecord(aid, cid)


def kinds(inv: Inventory) -> list[tuple[str, str, int, int, bool]]:
    return [(p.kind, p.article_id, len(p.chunk_ids), len(p.sentence_ids), p.remove_article) for p in find_problems(inv)]


def test_a_whole_store_has_no_problems():
    inv = whole("a")
    inv.articles.update(whole("b").articles)
    add_chunks(inv, "b", "v1", 2, 2)
    assert kinds(inv) == []


def test_chunks_without_an_article_row_are_orphans_to_remove():
    inv = whole("a")
    add_chunks(inv, "new", "v9", 3, 2)  # killed before the new article's row was written
    assert kinds(inv) == [(ORPHAN, "new", 3, 6, False)]


def test_the_old_version_left_beside_the_new_one_is_stale():
    inv = whole("a", "v2")
    add_chunks(inv, "a", "v1", 2, 2, tag="old")  # killed between writing v2's row and removing v1
    assert kinds(inv) == [(STALE, "a", 2, 4, False)]


def test_a_changed_article_killed_mid_write_removes_its_new_chunks_and_then_the_article():
    inv = whole("a", "v1", chunks=3)
    # the new version's chunk 0 has the old text (same id, now tagged v2), chunk 1 is new
    inv.chunks["a-0-v1"] = ChunkRecord("a", "v2", 2)
    add_chunks(inv, "a", "v2", 1, 2, tag="new")
    found = kinds(inv)
    assert found[0] == (STALE, "a", 2, 4, False)
    assert found[1][0] == INCOMPLETE and found[1][4]  # the old version lost chunk 0: the article must be redone


def test_sentence_vectors_whose_chunk_is_gone_are_loose():
    inv = whole("a")
    inv.sentences["a-9-gone-s0"] = SentenceRecord("a", "a-9-gone")
    assert kinds(inv) == [(LOOSE, "a", 0, 1, False)]


def test_missing_chunks_or_sentences_make_an_article_incomplete():
    inv = whole("a", chunks=3)
    del inv.chunks["a-2-v1"]
    for j in range(2):
        del inv.sentences[f"a-2-v1-s{j}"]
    assert kinds(inv) == [(INCOMPLETE, "a", 2, 0, True)]

    inv = whole("b")
    del inv.sentences["b-1-v1-s1"]
    assert [k[0] for k in kinds(inv)] == [INCOMPLETE]


def test_a_store_from_before_versions_is_judged_by_its_counts():
    inv = Inventory()
    inv.articles["a"] = ArticleRecord("v1", 2, None, "a.txt")  # no sentence count, untagged chunks
    add_chunks(inv, "a", None, 2, 3)
    assert kinds(inv) == []
    add_chunks(inv, "a", None, 1, 3, tag="dup")  # an untagged second version: only the count shows it
    assert [k[0] for k in kinds(inv)] == [INCOMPLETE]
