"""The persistent keyword index (SQLite FTS5) on a real Chroma store with the real model: it
survives a restart without being rebuilt, follows ingest article by article, and drift between
it and the store (rows deleted from its database, an orphan) is reported by ``check`` and
repaired at the next start."""

from __future__ import annotations

import json
import shutil
import sqlite3

import pytest

from assistant.answer import Assistant
from assistant.settings import load_settings
from tests.conftest import SEEDS, run_cli
from vectorstore.fts5 import FILE_NAME, Fts5Index
from vectorstore.models import Chunk

pytestmark = pytest.mark.integration
QUESTION = "Who ordered the deployment of National Guard troops to Illinois?"
SEARCH = "National Guard troops Illinois governor Pritzker"


@pytest.fixture
def data(tmp_path, seeded_dir):
    """A copy of the session's seeded store (its keyword index included)."""
    shutil.copytree(seeded_dir, tmp_path / "data")
    return tmp_path / "data"


@pytest.fixture
def writes(monkeypatch):
    """Every article the keyword index (re)writes, in order, from any ``Fts5Index``."""
    seen: list[str] = []
    real = Fts5Index.replace_article

    def spy(self, article_id, content_hash, chunks):
        seen.append(article_id)
        return real(self, article_id, content_hash, chunks)

    monkeypatch.setattr(Fts5Index, "replace_article", spy)
    return seen


def open_assistant(data, embedder) -> Assistant:
    return Assistant(load_settings(data_dir=data), embedder=embedder)


def db(data) -> sqlite3.Connection:
    return sqlite3.connect(data / "chroma" / FILE_NAME)


def test_the_index_survives_a_restart_without_a_rebuild(data, embedder, writes):
    first = open_assistant(data, embedder)
    assert not first.keyword_drift.drifted and writes == []  # the seeded store's index was written at ingest
    rows = db(data).execute("SELECT count(*) FROM chunks").fetchone()[0]
    assert rows == first.pipeline.counts["chunks"] > 0
    hits, answer = first.keyword.search(SEARCH, 20), first.answer(QUESTION)
    assert hits and answer.citations

    again = open_assistant(data, embedder)  # a restart: a new process would open the same file
    assert writes == [] and not again.keyword_drift.drifted
    assert db(data).execute("SELECT count(*) FROM chunks").fetchone()[0] == rows
    assert again.keyword.search(SEARCH, 20) == hits
    assert again.answer(QUESTION).to_dict()["citations"] == answer.to_dict()["citations"]


def test_ingest_updates_the_index_per_article(data, tmp_path, embedder, writes):
    a = open_assistant(data, embedder)
    before = a.keyword.indexed()
    folder = tmp_path / "more"
    folder.mkdir()
    (folder / "harbour.txt").write_text(
        "Harbour Ferry Strike\n\nFerry workers in Wellington walked out on Tuesday over unpaid overtime. "
        "The harbour authority said the zeppelin terminal would stay closed until talks resume.\n", encoding="utf-8")
    report = a.ingest([folder], progress=False)
    [new_id] = report.ingested
    assert writes == [new_id]  # only the new article is indexed, nothing else is rewritten
    after = a.keyword.indexed()
    assert {k: v for k, v in after.items() if k != new_id} == before
    assert [cid for cid, _ in a.keyword.search("zeppelin terminal", 5)][0].startswith(new_id)
    assert a.keyword.known("zeppelin")

    # a changed article replaces its rows: the old chunks are gone, the other articles untouched
    (folder / "harbour.txt").write_text(
        "Harbour Ferry Strike\n\nFerry workers in Wellington returned on Friday after an airship deal.\n",
        encoding="utf-8")
    changed = a.ingest([folder], progress=False)
    assert changed.ingested == [new_id] and writes == [new_id, new_id]
    final = a.keyword.indexed()
    assert final[new_id][0] != after[new_id][0] and not (final[new_id][1] & after[new_id][1])
    assert {k: v for k, v in final.items() if k != new_id} == before
    assert a.keyword.search("zeppelin terminal", 5) == [] and not a.keyword.known("zeppelin")
    stored = {c.id for c in a.store.all_chunks() if c.article_id == new_id}
    assert final[new_id][1] == stored

    # pruned with its file: its rows go too
    (folder / "harbour.txt").unlink()
    assert a.ingest([SEEDS, folder], prune=True, progress=False).pruned == [new_id]
    assert new_id not in a.keyword.indexed()


def test_check_reports_drift_and_the_next_start_repairs_it(data, embedder):
    env = {"ASSISTANT_DATA_DIR": str(data)}
    assert run_cli("check", env=env).returncode == 0
    a = open_assistant(data, embedder)
    victim = sorted(a.keyword.indexed())[0]
    hits = a.keyword.search(SEARCH, 20)
    del a
    with db(data) as conn:  # rows lost from the database, and an article the store does not hold
        conn.execute("DELETE FROM chunk_terms WHERE rowid IN (SELECT rowid FROM chunks WHERE article_id = ?)",
                     (victim,))
        conn.execute("DELETE FROM chunks WHERE article_id = ?", (victim,))
    Fts5Index(data / "chroma").replace_article("ghost", "0000", [Chunk("ghost-0-x", "ghost", 0, 0, 5, "Ghost town")])

    found = run_cli("check", "--json", env=env)
    assert found.returncode == 1, found.stdout + found.stderr
    report = json.loads(found.stdout)["keyword_index"]
    assert report["changed"] == [victim] and report["orphans"] == ["ghost"] and not report["repaired"]
    assert not report["healthy"]
    assert "out of step" in run_cli("check", env=env).stdout

    b = open_assistant(data, embedder)  # the start repairs it
    assert b.keyword_drift.repaired and b.keyword_drift.changed == [victim] and b.keyword_drift.orphans == ["ghost"]
    assert victim in b.keyword.indexed() and "ghost" not in b.keyword.indexed()
    assert b.keyword.search(SEARCH, 20) == hits
    assert run_cli("check", env=env).returncode == 0


def test_check_repair_fixes_drift_without_an_app_start(data):
    env = {"ASSISTANT_DATA_DIR": str(data)}
    with db(data) as conn:
        conn.execute("DELETE FROM articles")
        conn.execute("DELETE FROM chunks")
        conn.execute("DELETE FROM chunk_terms")
    repaired = run_cli("check", "--repair", "--json", env=env)
    assert repaired.returncode == 0, repaired.stdout + repaired.stderr
    report = json.loads(repaired.stdout)["keyword_index"]
    assert len(report["missing"]) == 5 and report["repaired"]
    assert db(data).execute("SELECT count(DISTINCT article_id) FROM chunks").fetchone()[0] == 5


def test_a_start_reads_no_chunk_from_the_store_and_answers_with_exact_citations(data, embedder, monkeypatch):
    from vectorstore.store import ChromaStore

    def refuse(self, *args, **kwargs):
        raise AssertionError("a start in step with the keyword index must not read the store's chunks")

    monkeypatch.setattr(ChromaStore, "all_chunks", refuse)
    monkeypatch.setattr(ChromaStore, "chunks_of", refuse)
    a = open_assistant(data, embedder)
    assert not a.keyword_drift.drifted and a.pipeline.counts["articles"] == 5 and a.pipeline.counts["chunks"] > 5
    answer = a.answer(QUESTION)
    assert answer.citations
    for c in answer.citations:  # widened windows and sentences from the directory: the article's own text
        assert a.store.article(c.location.article_id).text[c.location.start:c.location.end] == c.text
    assert a.timeline()  # the timeline reads its sentences' text only now


def test_an_index_of_an_older_format_is_rebuilt_from_the_store_at_start(data, embedder, writes):
    first = open_assistant(data, embedder)
    hits, cited = first.keyword.search(SEARCH, 20), first.answer(QUESTION).to_dict()["citations"]
    del first
    with db(data) as conn:
        conn.execute("UPDATE meta SET value = 'terms-snowball-1' WHERE key = 'format'")
    again = open_assistant(data, embedder)
    assert again.keyword_drift.repaired and len(again.keyword_drift.missing) == 5 and len(writes) == 5
    assert again.keyword.search(SEARCH, 20) == hits
    assert again.answer(QUESTION).to_dict()["citations"] == cited
