"""Ingestion for real: the bundled model, a Chroma store in tmp_path, the CLI in a subprocess."""

import json
import shutil

import pytest

from assistant.answer import Assistant
from assistant.settings import load_settings
from tests.conftest import SEEDS, run_cli
from vectorstore.store import ChromaStore

pytestmark = pytest.mark.integration


@pytest.fixture
def workdir(tmp_path):
    """A copy of the seeds (with their metadata) that a test may change."""
    folder = tmp_path / "articles"
    shutil.copytree(SEEDS, folder)
    return folder


@pytest.fixture
def fresh(tmp_path, embedder):
    settings = load_settings(data_dir=tmp_path / "data")
    return Assistant(settings, store=ChromaStore(settings.chroma_path), embedder=embedder)


def test_reingest_is_idempotent_and_a_changed_file_replaces_its_chunks(fresh, workdir):
    first = fresh.ingest([workdir], progress=False)
    assert len(first.ingested) == 5 and not first.skipped
    count = fresh.store.count()
    again = fresh.ingest([workdir], progress=False)
    assert again.ingested == [] and len(again.unchanged) == 5 and fresh.store.count() == count

    target = workdir / "001_35557c4c5dbf5703.txt"
    old_ids = {c.id for c in fresh.store.all_chunks() if c.article_id == target.stem}
    target.write_text(target.read_text(encoding="utf-8").replace("200 national guard soldiers",
                                                                  "300 national guard soldiers"), encoding="utf-8")
    changed = fresh.ingest([workdir], progress=False)
    assert changed.ingested == [target.stem] and len(changed.unchanged) == 4
    chunks = [c for c in fresh.store.all_chunks() if c.article_id == target.stem]
    assert "300 national guard soldiers" in " ".join(c.text for c in chunks)
    assert "200 national guard soldiers" not in " ".join(c.text for c in chunks)
    assert old_ids - {c.id for c in chunks}, "old chunks were replaced"
    text = fresh.store.article(target.stem).text
    assert all(text[c.start:c.end] == c.text for c in chunks)
    assert fresh.store.count() == count  # same number of chunks: nothing left behind

    target.unlink()
    pruned = fresh.ingest([workdir], prune=True, progress=False)
    assert pruned.pruned == [target.stem]
    assert fresh.store.article(target.stem) is None
    assert all(c.article_id != target.stem for c in fresh.store.all_chunks())


def test_an_article_dated_by_older_rules_is_dated_again_in_place_at_the_next_ingest(fresh, workdir):
    first = fresh.ingest([workdir], progress=False)
    assert not first.redated
    aid = "000_260dedd85ce9b948"
    # as stored by a version whose rules did not read "in August" (its row written before the rules changed)
    row = fresh.store.article_rows.get(ids=[aid], include=["metadatas"])["metadatas"][0]
    kept = [d for d in json.loads(row["dates"]) if d["phrase"] != "in August"]
    assert len(kept) < len(json.loads(row["dates"]))
    fresh.store.article_rows.update(ids=[aid], metadatas=[{**row, "dates": json.dumps(kept), "dates_rules": 1}])
    fresh.refresh()
    assert "in August" not in [e.phrase for e in fresh.timeline()]
    count = fresh.store.count()
    again = fresh.ingest([workdir], progress=False)
    assert again.redated == [aid] and len(again.unchanged) == 5 and again.ingested == [] and again.chunks_written == 0
    assert "1 unchanged article(s) dated again by newer rules" in again.summary()
    assert fresh.store.count() == count
    [article] = fresh.store.articles([aid]).values()
    assert "in August" in [e.phrase for e in article.dates]
    assert "Aug 2025" in [e.label for e in fresh.timeline() if e.phrase == "in August"]  # the answers see it
    assert not fresh.ingest([workdir], progress=False).redated  # marked with today's rules: once only
    # what 'run' does before serving: every stored article, whether its file is ingested or not
    other = "003_0ddfd030a1922397"
    other_row = fresh.store.article_rows.get(ids=[other], include=["metadatas"])["metadatas"][0]
    fresh.store.article_rows.update(ids=[aid, other], metadatas=[
        {**row, "dates": json.dumps(kept), "dates_rules": 1}, {**other_row, "dates": "[]", "dates_rules": 1}])
    assert sorted(fresh.redate().redated) == sorted([aid, other]) and not fresh.redate().redated  # in one batch
    assert "Aug 2025" in [e.label for e in fresh.timeline() if e.phrase == "in August"]
    now = fresh.store.article_rows.get(ids=[other], include=["metadatas"])["metadatas"][0]
    assert now == other_row  # the same dates again, and every other field of the row kept
    fresh.store.update_dates({"no-such-article": ()})  # an absent article is left alone
    assert fresh.store.article("no-such-article") is None
    # an article whose text changed is dated once, when it is written anew, not also in place
    fresh.store.article_rows.update(ids=[aid], metadatas=[{**row, "dates": json.dumps(kept), "dates_rules": 1}])
    target = workdir / f"{aid}.txt"
    target.write_text(target.read_text(encoding="utf-8") + "\nOne more line.\n", encoding="utf-8")
    changed = fresh.ingest([workdir], progress=False)
    assert changed.ingested == [aid] and changed.redated == [] and "dated again" not in changed.summary()
    assert "Aug 2025" in [e.label for e in fresh.timeline() if e.phrase == "in August"]


def test_a_stored_article_whose_new_version_is_not_written_is_still_dated_again(fresh, tmp_path):
    """An article left out of the in-place re-dating because its file changed is dated again all the
    same when that file is not written after all (here: a second file claims the same id)."""
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    (first / "story.txt").write_text("Harbor Post \u2014\n\nThe council met in August to vote on the budget.\n",
                                     encoding="utf-8")
    assert fresh.ingest([first], progress=False).ingested == ["story"]
    row = fresh.store.article_rows.get(ids=["story"], include=["metadatas"])["metadatas"][0]
    fresh.store.article_rows.update(ids=["story"], metadatas=[{**row, "dates": "[]", "dates_rules": 1}])
    (second / "story.txt").write_text("Other Post \u2014\n\nA ferry sank in the harbor in March.\n", encoding="utf-8")
    again = fresh.ingest([first, second], progress=False)
    assert any("already used" in why for _, why in again.skipped), again.skipped
    assert again.redated == ["story"] and again.ingested == []
    [article] = fresh.store.articles(["story"]).values()
    assert "in August" in [e.phrase for e in article.dates]


def test_cli_ingest_skips_bad_files_reports_counts_and_answers(tmp_path, workdir):
    (workdir / "empty.txt").write_bytes(b"")
    (workdir / "latin1.txt").write_bytes("caf\xe9".encode("latin-1"))
    (workdir / "image.md").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    (workdir / "notes.pdf").write_bytes(b"%PDF-1.4")
    (workdir / "page.html").write_text("<html><body><script>evil()</script><article><p>The Elwood council met "
                                       "on Friday to discuss parking.</p></article></body></html>", encoding="utf-8")
    env = {"ASSISTANT_DATA_DIR": str(tmp_path / "cli-data")}
    result = run_cli("ingest", str(workdir), "--json", env=env)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert len(report["ingested"]) == 6  # five seeds and the HTML page
    skipped = {s["path"].rsplit("/", 1)[-1]: s["reason"] for s in report["skipped"]}
    assert set(skipped) == {"empty.txt", "latin1.txt", "image.md", "notes.pdf"}
    assert "UTF-8" in skipped["latin1.txt"] and "binary" in skipped["image.md"]
    assert "warning: skipped" in result.stderr and "Traceback" not in result.stderr

    summary = run_cli("ingest", str(workdir), env=env)
    assert summary.returncode == 0
    assert "0 ingested, 6 unchanged, 4 skipped" in summary.stdout

    asked = run_cli("ask", "What did the Elwood council discuss?", "--json", env=env)
    answer = json.loads(asked.stdout)
    assert not answer["abstained"] and "parking" in answer["answer"]
    assert "evil" not in json.dumps(answer)


def test_ask_json_contract_and_bad_questions(seeded_dir):
    env = {"ASSISTANT_DATA_DIR": str(seeded_dir)}
    result = run_cli("ask", "Who arrived in Elwood and when?", "--json", env=env)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert {"question", "answer", "abstained", "citations", "retrieved"} <= set(out)
    assert out["citations"] and len(out["retrieved"]) >= 5
    for c in out["citations"]:
        assert {"n", "article_id", "source", "title", "outlet", "published", "start", "end", "text"} <= set(c)
        assert (SEEDS.parent / c["source"]).read_text(encoding="utf-8")[c["start"]:c["end"]] == c["text"]
    for r in out["retrieved"]:
        assert {"article_id", "source", "start", "end", "text", "score"} <= set(r)

    for bad in ["", "   ", "x" * 2000]:
        r = run_cli("ask", bad, env=env)
        assert r.returncode == 2
        assert r.stderr.startswith("error: ") and "Traceback" not in r.stderr
    typo = run_cli("ask", "hi", env={**env, "ASSISTANT_TOPK": "3"})
    assert typo.returncode == 2 and "ASSISTANT_TOP_K" in typo.stderr


def test_eval_cli_writes_report_and_fails_on_a_failed_expectation(seeded_dir, tmp_path):
    qs = tmp_path / "set.yaml"
    qs.write_text('- {id: ok, question: "Where is Elwood?", expect: {mentions: [["45 miles"]], abstain: false}}\n'
                  '- {id: wrong, question: "Where is Elwood?", expect: {mentions: [["Mars"]]}}\n')
    r = run_cli("eval", str(qs), "--report", str(tmp_path / "r.json"), "--report", str(tmp_path / "r.html"),
                env={"ASSISTANT_DATA_DIR": str(seeded_dir)})
    assert r.returncode == 1
    assert "ok     PASS" in r.stdout and "wrong  FAIL    mentions: answer lacks 'Mars'" in r.stdout
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["metrics"]["questions"] == 2 and report["metrics"]["answer_hit_rate"] == 0.5
    assert [x["id"] for x in report["results"]] == ["ok", "wrong"] and report["results"][0]["citations"]
    assert report["results"][1]["failures"] == ["mentions: answer lacks 'Mars'"]
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert page.count('<span class="badge fail">FAIL</span>') == 2  # in the index and on the question
    assert "<mark>The back-and-forth comes as Texas National Guard troops" in page


def test_chat_in_the_terminal_follows_up(seeded_dir):
    r = run_cli("chat", env={"ASSISTANT_DATA_DIR": str(seeded_dir)},
                input="Where is Elwood?\nAnd who ordered their deployment?\n   \n")
    assert r.returncode == 0
    assert "45 miles southwest of Chicago" in r.stdout and "Sources:" in r.stdout
    assert "(searched: Who ordered their deployment? (about: Elwood" in r.stdout
    assert "White House ordered their deployment" in r.stdout


def test_asking_an_empty_store_says_to_ingest(tmp_path):
    r = run_cli("ask", "Where is Elwood?", env={"ASSISTANT_DATA_DIR": str(tmp_path / "empty")})
    assert r.returncode == 2 and "ingest" in r.stderr


def test_sentences_mode_stores_each_chunk_vector_pooled_from_its_stored_sentence_vectors(tmp_path, workdir, embedder):
    import numpy as np

    from vectorstore.embedder import pool

    settings = load_settings(data_dir=tmp_path / "data", chunk_vectors="sentences")
    assistant = Assistant(settings, store=ChromaStore(settings.chroma_path), embedder=embedder)
    report = assistant.ingest([workdir], progress=False)
    assert len(report.ingested) == 5 and not report.skipped

    store = ChromaStore(settings.chroma_path)  # read back from the folder, as another process would
    assert {m["chunk_vectors"] for m in store.article_index().values()} == {"sentences"}
    chunks = store.chunks.get(include=["embeddings", "metadatas"])
    assert len(chunks["ids"]) == store.count() > 5
    multi = 0
    for cid, vector, meta in zip(chunks["ids"], chunks["embeddings"], chunks["metadatas"]):
        sentences = store.sentences.get(where={"chunk_id": cid}, include=["embeddings", "metadatas"])
        by_start = sorted(zip(sentences["metadatas"], sentences["embeddings"]), key=lambda me: me[0]["start"])
        assert len(by_start) == len(json.loads(meta["sentences"]))
        expected = pool(np.stack([np.asarray(e, dtype=np.float32) for _, e in by_start]),
                        weights=[m["end"] - m["start"] for m, _ in by_start])
        assert np.allclose(np.asarray(vector, dtype=np.float32), expected, atol=1e-5), cid
        multi += len(by_start) > 1
    assert multi > 5  # most chunks hold several sentences: their vectors are pooled, not copied
    # Read in the other mode, the store answers as usual.
    answer = Assistant(load_settings(data_dir=tmp_path / "data", chunk_vectors="embed"), embedder=embedder).answer(
        "Who arrived in Elwood and when?")
    assert answer.retrieved


def test_ingest_writes_a_group_of_articles_in_one_call_per_collection(tmp_path, workdir, embedder):
    """Chroma's cost per call is about that of 40 records, so a group of articles is written with
    one upsert per collection (article rows last); sentence records keep no text of their own
    (it is the article's text at their offsets), yet read back as their sentences."""
    settings = load_settings(data_dir=tmp_path / "data")
    store = ChromaStore(settings.chroma_path)
    calls = []
    for name in ("chunks", "sentences", "article_rows"):
        col = getattr(store, name)

        class Spy:
            def __init__(self, col, name):
                self.col, self.name = col, name

            def upsert(self, **kwargs):
                calls.append(self.name)
                return self.col.upsert(**kwargs)

            def __getattr__(self, attr):
                return getattr(self.col, attr)

        setattr(store, name, Spy(col, name))
    report = Assistant(settings, store=store, embedder=embedder).ingest([workdir], progress=False)
    assert len(report.ingested) == 5
    groups = len(calls) // 3
    assert calls == ["chunks", "sentences", "article_rows"] * groups and groups < 5, calls

    store = ChromaStore(settings.chroma_path)
    got = store.sentences.get(include=["documents", "metadatas"])
    assert len(got["ids"]) > 50 and set(got["documents"]) == {None}
    texts = [t for batch, _ in store.sentence_records(batch=100) for t in batch]
    articles = store.articles(list(store.article_index()))
    expected = sorted(articles[m["article_id"]].text[m["start"]:m["end"]] for m in got["metadatas"])
    assert sorted(texts) == expected and all(texts)
