"""The keyword index's own logic, on a real SQLite FTS5 database in tmp_path (no model): BM25
ranking over the shared terms, per-article replace and delete, term statistics from one batched
lookup, drift found and repaired, and a database of another format emptied."""

from __future__ import annotations

import math
import sqlite3
from dataclasses import replace

from vectorstore import keyword as keywords
from vectorstore.fts5 import FILE_NAME, Fts5Index
from vectorstore.models import Chunk
from vectorstore.terms import terms


def chunk(article: str, n: int, text: str, title: str | None = None) -> Chunk:
    return Chunk(id=f"{article}-{n}-x", article_id=article, index=n, start=0, end=len(text), text=text, title=title)


STORM = [chunk("storm", 0, "The hurricane struck Florida on Monday, flooding Miami.", "Storm hits coast"),
         chunk("storm", 1, "Officials said schools will close until Thursday.", "Storm hits coast")]
VISIT = [chunk("visit", 0, "Pelosi's visit to Taiwan angered Beijing, which held drills.", "Speaker visits")]


def filled(tmp_path) -> Fts5Index:
    index = Fts5Index(tmp_path)
    index.replace_article("storm", "h1", STORM)
    index.replace_article("visit", "h2", VISIT)
    return index


def test_search_ranks_by_bm25_over_stemmed_terms(tmp_path):
    index = filled(tmp_path)
    # "struck"/"strikes", "Taiwanese"... the shared Snowball terms match as they do in answer scoring
    [(best, score), *_] = index.search("Which state did the hurricane strike? Florida", 5)
    assert best == "storm-0-x" and score > 0
    assert [cid for cid, _ in index.search("Who visited Taiwan?", 5)] == ["visit-0-x"]
    assert index.search("the of and", 5) == []  # stop words only: nothing to search
    assert index.search("zebra", 5) == []
    assert index.search('"near" OR * ( ) :', 5) == []  # FTS5 syntax in a question is only text
    assert len(index) == 3


def test_a_month_written_short_beside_a_day_is_the_month_a_reader_names(tmp_path):
    index = Fts5Index(tmp_path)
    index.replace_article("post", "h", [chunk("post", 0, "Trump wrote on Wednesday, Oct. 8, that the mayor should be jailed.")])
    assert [cid for cid, _ in index.search("What did Trump write in October?", 5)] == ["post-0-x"]
    assert index.known(terms("October")[0]) and index.known(terms("Sept.")[0]) is False
    assert terms("Sept. 30 and Sep 30") == terms("September 30 and september 30")
    assert terms("Mar. 3, May") == ["mar", "3", "may"]  # words too ("mar", "may"): left as they are


def test_the_headline_counts_only_with_a_weight(tmp_path):
    filled(tmp_path)
    assert Fts5Index(tmp_path).search("coast", 5) == []
    assert {cid for cid, _ in Fts5Index(tmp_path, title_weight=0.5).search("coast", 5)} == {"storm-0-x", "storm-1-x"}


def test_a_postings_budget_searches_the_rarest_terms_and_leaves_out_the_commonest(tmp_path):
    index = Fts5Index(tmp_path)
    common = [chunk(f"city{n}", 0, f"The city council met on day {n}.") for n in range(6)]
    for c in common:
        index.replace_article(c.article_id, "h", [c])
    index.replace_article("storm", "h1", STORM)  # "city" in 6 chunks, "hurricane" in 1
    question = "Which city did the hurricane hit?"
    everything = {cid for cid, _ in index.search(question, 10)}
    assert everything == {c.id for c in common} | {"storm-0-x"}
    budgeted = Fts5Index(tmp_path, max_postings=3)  # 1 + 6 chunks is over 3: "city" is left out
    assert [cid for cid, _ in budgeted.search(question, 10)] == ["storm-0-x"]
    assert budgeted.search("city council", 10)  # the rarest term is searched even over the budget
    assert {cid for cid, _ in Fts5Index(tmp_path, max_postings=7).search(question, 10)} == everything


def test_replace_and_delete_touch_one_article(tmp_path):
    index = filled(tmp_path)
    index.replace_article("storm", "h3", [chunk("storm", 0, "A quiet week in Miami.")])
    assert index.indexed() == {"storm": ("h3", frozenset({"storm-0-x"})), "visit": ("h2", frozenset({"visit-0-x"}))}
    assert index.search("hurricane", 5) == [] and not index.known("hurrican")
    index.delete_article("visit")
    index.delete_article("never-there")
    assert set(index.indexed()) == {"storm"} and len(index) == 1


def test_the_index_is_on_disk_and_reopens_as_it_was(tmp_path):
    first = filled(tmp_path)
    hits = first.search("Florida schools", 5)
    first.close()
    again = Fts5Index(tmp_path)
    assert (tmp_path / FILE_NAME).exists()
    assert again.search("Florida schools", 5) == hits and len(again) == 3


def test_idf_and_known_come_from_one_batched_lookup(tmp_path):
    index = filled(tmp_path)
    statements: list[str] = []
    # the statements the index sends (FTS5's own inner statements are traced too: left out)
    index._reader().set_trace_callback(lambda sql: statements.append(sql) if "'main'." not in sql
                                       and not sql.startswith("--") else None)
    index.forget()
    index.prefetch(["hurrican", "florida", "taiwan", "zebra"])
    assert len([s for s in statements if "chunk_vocab" in s]) == 1 and len(statements) == 2  # and the chunk count
    statements.clear()
    # BM25's idf over chunks, as the in-memory index computed it: log(1 + (N - n + 0.5) / (n + 0.5))
    assert math.isclose(index.idf("florida"), math.log(1 + (3 - 1 + 0.5) / 1.5))
    assert index.idf("zebra") > index.idf("florida")
    assert index.known("taiwan") and not index.known("zebra")
    assert statements == []  # answered from memory
    index.replace_article("other", "h4", [chunk("other", 0, "Zebra sightings in Florida.")])
    assert index.known("zebra")  # a write drops the cached statistics


def test_a_database_of_another_format_is_emptied_for_a_rebuild(tmp_path):
    filled(tmp_path).close()
    with sqlite3.connect(tmp_path / FILE_NAME) as conn:
        conn.execute("UPDATE meta SET value = 'older' WHERE key = 'format'")
    assert Fts5Index(tmp_path).indexed() == {}


def test_drift_is_found_by_article_hash_and_chunk_ids():
    expected = {"a": ("h1", frozenset({"a-0", "a-1"})), "b": ("h2", frozenset({"b-0"})), "c": ("h3", frozenset())}
    indexed = {"a": ("h1", frozenset({"a-0", "a-1"})), "b": ("h2", frozenset({"b-0", "b-9"})), "z": ("h", frozenset())}
    drift = keywords.find_drift(expected, indexed)
    assert (drift.missing, drift.changed, drift.orphans) == (["c"], ["b"], ["z"])
    assert drift.drifted and not drift.healthy
    assert not keywords.find_drift(expected, dict(expected)).drifted


def test_sync_repairs_missing_changed_and_orphaned_articles(tmp_path):
    index = filled(tmp_path)
    index.replace_article("orphan", "h9", [chunk("orphan", 0, "Nobody stores this.")])
    new_storm = [chunk("storm", 0, "The hurricane weakened over Georgia.")]
    store_chunks = {"storm": new_storm, "visit": VISIT, "fresh": [chunk("fresh", 0, "Markets rallied in Tokyo.")]}
    hashes = {"storm": "h5", "visit": "h2", "fresh": "h6"}
    expected = {aid: (h, frozenset(c.id for c in store_chunks[aid])) for aid, h in hashes.items()}
    reported = keywords.sync(index, expected, store_chunks, repair=False)
    assert (reported.missing, reported.changed, reported.orphans) == (["fresh"], ["storm"], ["orphan"])
    assert not reported.repaired and "orphan" in index.indexed()

    repaired = keywords.sync(index, expected, store_chunks)
    assert repaired.repaired and repaired.healthy
    assert index.indexed() == expected
    assert [cid for cid, _ in index.search("Georgia Tokyo", 5)] and index.search("Florida", 5) == []
    assert not keywords.sync(index, expected, store_chunks).drifted


def test_similar_terms_are_within_the_edit_distance_and_share_the_first_letter(tmp_path):
    index = filled(tmp_path)
    index.replace_article("noem", "h3", [chunk("noem", 0, "Noem and Pritzker spoke; Pritzker left. Pelosi too.")])
    assert index.similar("pritzkar", 1) == [("pritzker", 1)]
    assert index.similar("pelosy", 1) == [("pelosi", 2)]  # in two chunks
    assert index.similar("nom", 1)[0] == ("noem", 1)
    assert index.similar("qritzker", 2) == []  # another first letter
    assert index.similar("pritzker", 1) == []  # the word itself is not a correction


def test_a_term_follows_another_when_a_chunk_has_them_side_by_side(tmp_path):
    index = filled(tmp_path)
    index.replace_article("bowser", "h4", [chunk("bowser", 0, "DC Mayor Muriel Bowser spoke to the press.")])
    assert index.follows("muriel", "bowser")
    assert index.follows("mayor", "muriel")
    assert not index.follows("bowser", "muriel")  # in that order only
    assert not index.follows("muriel", "press")
    assert not index.follows('muriel" OR "x', "bowser")  # not a term: never read as a query


def test_the_chunk_directory_gives_back_whole_chunks_by_id_and_by_place(tmp_path):
    from vectorstore.models import Span

    stored = Chunk("storm-1-x", "storm", 1, 60, 110, "Officials said schools will close until Thursday.",
                   (Span(60, 110),), "storm.txt", "Storm hits coast", "AP", "2025-10-08")
    index = filled(tmp_path)
    index.replace_article("storm", "h7", [STORM[0], stored])
    assert index.chunks(["storm-1-x", "nope"]) == {"storm-1-x": stored}
    assert index.chunks([]) == {}
    assert index.at([("storm", 1), ("storm", 2), ("visit", 0)]) == {("storm", 1): stored, ("visit", 0): VISIT[0]}
    [place] = [p for p in index.places() if p.id == "storm-1-x"]
    assert (place.article_id, place.index, place.start, place.end, place.sentences) == ("storm", 1, 60, 110, (Span(60, 110),))
    index.delete_article("storm")
    assert index.chunks(["storm-1-x"]) == {} and index.at([("storm", 1)]) == {}


def test_sync_by_counts_reads_only_the_drifted_articles(tmp_path):
    index = filled(tmp_path)
    index.replace_article("orphan", "h9", [chunk("orphan", 0, "Nobody stores this.")])
    with sqlite3.connect(tmp_path / FILE_NAME) as conn:  # a chunk's terms lost: its article no longer counts as whole
        conn.execute("DELETE FROM chunk_terms WHERE rowid = (SELECT rowid FROM chunks WHERE chunk_id = 'storm-1-x')")
    assert index.counted() == {"storm": ("h1", 1, ""), "visit": ("h2", 1, ""), "orphan": ("h9", 1, "")}
    rows = {"storm": {"content_hash": "h1", "chunks": 2, "source": ""},
            "visit": {"content_hash": "h2", "chunks": 1, "source": "visit.html"},  # its source moved
            "fresh": {"content_hash": "h6", "chunks": 1, "source": ""}}
    expected = keywords.expected_counts(rows)
    read: list[list[str]] = []
    moved = [replace(VISIT[0], source="visit.html")]

    def chunks_of(ids):
        read.append(sorted(ids))
        return {"storm": STORM, "visit": moved, "fresh": [chunk("fresh", 0, "Markets rallied in Tokyo.")]}

    drift = keywords.sync(index, expected, chunks_of, by_count=True)
    assert (drift.missing, drift.changed, drift.orphans, drift.repaired) == (["fresh"], ["storm", "visit"], ["orphan"], True)
    assert read == [["fresh", "storm", "visit"]]
    assert index.counted() == {"storm": ("h1", 2, ""), "visit": ("h2", 1, "visit.html"), "fresh": ("h6", 1, "")}
    assert index.chunks(["visit-0-x"])["visit-0-x"].source == "visit.html"  # what citations read
    assert not keywords.sync(index, expected, chunks_of, by_count=True).drifted and len(read) == 1
