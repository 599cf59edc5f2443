"""The consistency check on a real Chroma store: half-written articles planted the way an
interrupted ingest leaves them are found by ``check``, repaired by ``check --repair`` (or by the
next ingest), and not touched while another ingest holds the writer lock."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from assistant.answer import Assistant
from assistant.settings import load_settings
from tests.conftest import SEEDS, run_cli
from tests.integration.test_ingest_resume import expected_store, stored
from vectorstore.lock import WriterLock
from vectorstore.store import ChromaStore

pytestmark = pytest.mark.integration
SHORT = "002_85c227fcc5e5a241"  # loses a chunk
CHANGED = "001_35557c4c5dbf5703"  # gets a leftover chunk of another version


@pytest.fixture
def data(tmp_path, seeded_dir):
    """A copy of the session's seeded store (the five seeds ingested from seeds/)."""
    shutil.copytree(seeded_dir, tmp_path / "data")
    return tmp_path / "data"


def plant_half_written(store: ChromaStore) -> None:
    """What killed ingests leave: a chunk gone, a new article without its row, an old version's
    chunk beside the new one, a sentence vector whose chunk is gone."""
    chunk = store.chunks.get(where={"article_id": SHORT}, include=[], limit=1)["ids"][0]
    store.delete_records([chunk], store.sentences.get(where={"chunk_id": chunk}, include=[])["ids"])
    vec = np.full((1, 384), 1 / np.sqrt(384), dtype=np.float32)
    meta = {"article_id": "ghost", "version": "0000", "index": 0, "start": 0, "end": 5, "source": "ghost.txt",
            "title": "", "outlet": "", "published": "", "sentences": "[[0, 5]]"}
    store.chunks.add(ids=["ghost-0-abc"], embeddings=vec, documents=["Ghost"], metadatas=[meta])
    store.sentences.add(ids=["ghost-0-abc-s0"], embeddings=vec, documents=["Ghost"],
                        metadatas=[{"article_id": "ghost", "chunk_id": "ghost-0-abc", "start": 0, "end": 5}])
    store.chunks.add(ids=[f"{CHANGED}-0-oldversion"], embeddings=vec, documents=["Old text"],
                     metadatas=[{**meta, "article_id": CHANGED, "version": "an-older-hash"}])
    store.sentences.add(ids=["gone-s0"], embeddings=vec, documents=["Gone"],
                        metadatas=[{"article_id": CHANGED, "chunk_id": "gone", "start": 0, "end": 4}])


def test_check_finds_half_written_articles_and_repair_makes_the_store_whole(data):
    env = {"ASSISTANT_DATA_DIR": str(data)}
    assert run_cli("check", env=env).returncode == 0
    plant_half_written(ChromaStore(data / "chroma"))

    found = run_cli("check", "--json", env=env)
    assert found.returncode == 1, found.stderr
    report = json.loads(found.stdout)
    assert not report["healthy"] and report["repaired"] == 0
    assert {(p["kind"], p["article_id"]) for p in report["problems"]} == {
        ("orphan", "ghost"), ("stale", CHANGED), ("loose", CHANGED), ("incomplete", SHORT)}

    repaired = run_cli("check", "--repair", env=env)
    assert repaired.returncode == 0, repaired.stdout + repaired.stderr
    assert "Healthy after repair." in repaired.stdout and f"ingest their files again: {SHORT}" in repaired.stdout
    after = json.loads(run_cli("check", "--json", env=env).stdout)
    assert after["healthy"] and not after["problems"] and after["articles"] == 4  # the short one removed

    again = run_cli("ingest", str(SEEDS), "--json", env=env)  # the removed article is written again
    assert json.loads(again.stdout)["ingested"] == [SHORT]
    assert stored(data) == expected_store(SEEDS)


def test_repair_waits_for_no_one_and_changes_nothing_while_another_ingest_writes(data):
    plant_half_written(ChromaStore(data / "chroma"))
    with WriterLock(data / "chroma"):
        busy = run_cli("check", "--repair", "--json", env={"ASSISTANT_DATA_DIR": str(data)})
    assert busy.returncode == 1
    report = json.loads(busy.stdout)
    assert report["busy"].startswith("pid ") and report["repaired"] == 0 and len(report["problems"]) == 4


class Killed(BaseException):
    """Stands for SIGKILL: nothing in the ingest catches it."""


class DyingDeletes:
    """A collection whose deletes 'kill the process': the new version is written, the old one not yet removed."""

    def __init__(self, collection) -> None:
        self.collection = collection

    def delete(self, **kwargs):
        raise Killed

    def __getattr__(self, name):
        return getattr(self.collection, name)


def test_the_next_ingest_repairs_an_old_version_left_beside_the_new_one(tmp_path, embedder):
    articles = tmp_path / "articles"
    shutil.copytree(SEEDS, articles)
    settings = load_settings(data_dir=tmp_path / "data")
    assistant = Assistant(settings, store=ChromaStore(settings.chroma_path), embedder=embedder)
    assert len(assistant.ingest([articles], progress=False).ingested) == 5
    target = articles / f"{CHANGED}.txt"
    target.write_text(target.read_text(encoding="utf-8").replace("200 national guard soldiers", "300 soldiers"), encoding="utf-8")

    chunks = assistant.store.chunks
    assistant.store.chunks = DyingDeletes(chunks)
    with pytest.raises(Killed):
        assistant.ingest([articles], progress=False)
    assistant.store.chunks = chunks
    health = assistant.check_store()
    assert [(p.kind, p.article_id) for p in health.problems] == [("stale", CHANGED)]

    # Before the check, this article counted as unchanged and kept both versions' chunks for good.
    resumed = assistant.ingest([articles], progress=False)
    assert resumed.ingested == [] and CHANGED in resumed.unchanged
    # the store's stale chunks, and the keyword index, which the killed write never reached for the new version
    assert len(resumed.repaired) == 2 and f"changed article(s) out of step with the store (e.g. {CHANGED})" \
        in resumed.repaired[1]
    assert assistant.check_store().healthy
    assert stored(settings.data_dir) == expected_store(articles)


def test_the_inventory_reads_sentence_records_from_their_ids_and_agrees_with_their_metadata(data):
    store = ChromaStore(data / "chroma")

    def from_metadata():
        got = store.sentences.get(include=["metadatas"])
        return {sid: (m["article_id"], m["chunk_id"]) for sid, m in zip(got["ids"], got["metadatas"])}

    def inventoried():
        return {sid: (r.article_id, r.chunk_id) for sid, r in store.inventory().sentences.items()}

    assert len(from_metadata()) > 100 and inventoried() == from_metadata()  # ids of the usual form
    plant_half_written(store)  # ids of another form ("gone-s0"): read from the metadata instead
    assert inventoried() == from_metadata() and inventoried()["gone-s0"] == (CHANGED, "gone")
