"""The ingest's hardening rules for real: the bundled model, a Chroma store in tmp_path, the CLI.

Bad metadata skips only its own file; a failed write keeps the old version whole; ids follow
the path and are never taken over silently; symlinks do not lead out of a folder; an endless
sentence does not become an endless chunk.
"""

import json
import shutil

import pytest

from tests.conftest import SEEDS, run_cli
from vectorstore import store as store_module
from vectorstore.chunking import SentenceChunker
from vectorstore.ingestion import ingest
from vectorstore.store import ChromaStore

pytestmark = pytest.mark.integration


@pytest.fixture
def store(tmp_path):
    return ChromaStore(tmp_path / "data" / "chroma")


@pytest.fixture
def run(store, embedder, tmp_path):
    """``run(paths, prune=False)``: ingest into the test's store, sources relative to tmp_path."""
    def _run(paths, prune=False):
        return ingest([*paths], store, embedder, SentenceChunker(350, 700), prune=prune, root=tmp_path, progress=False)
    return _run


@pytest.fixture
def workdir(tmp_path):
    folder = tmp_path / "articles"
    shutil.copytree(SEEDS, folder)
    return folder


def _skipped(report):
    return {p.rsplit("/", 1)[-1]: r for p, r in report.skipped}


def _snapshot(store, article_id):
    """What a user could read of one article: its text, its chunks and its sentence vectors."""
    stored = [c for c in store.all_chunks() if c.article_id == article_id]
    sentences = store.sentence_vectors(stored)
    return store.article(article_id).text, sorted((c.id, c.text, c.title) for c in stored), sorted(sentences)


# -- 1 and 2: one bad metadata value skips one file, never the run -----------------------------

def test_bad_dates_and_types_skip_only_their_files(run, store, workdir):
    meta = workdir / "articles.yaml"
    meta.write_text(meta.read_text(encoding="utf-8") + "\nbad-date.txt:\n  published: 2025-13-45\n"
                    "bad-type.txt:\n  headline: [1, 2]\n  outlet: true\n", encoding="utf-8")
    for name in ["bad-date.txt", "bad-type.txt"]:
        (workdir / name).write_text("The council met on Friday.", encoding="utf-8")
    (workdir / "front.md").write_text("---\npublished: 2025-13-45\n---\nThe mayor spoke.\n", encoding="utf-8")
    (workdir / "digits.md").write_text("---\npublished: 20251008\n---\nThe mayor spoke again.\n", encoding="utf-8")

    report = run([workdir])
    assert sorted(report.ingested) == sorted(p.stem for p in SEEDS.glob("*.txt"))
    skipped = _skipped(report)
    assert set(skipped) == {"bad-date.txt", "bad-type.txt", "front.md", "digits.md"}
    assert "articles.yaml entry 'bad-date.txt': published '2025-13-45' is not a real calendar date" in skipped["bad-date.txt"]
    assert "headline must be text" in skipped["bad-type.txt"] and "outlet must be text, got true" in skipped["bad-type.txt"]
    assert "front matter: published '2025-13-45'" in skipped["front.md"]
    assert "front matter: published 20251008 is not a date; write it as YYYY-MM-DD" in skipped["digits.md"]
    assert store.article("000_260dedd85ce9b948").published == "2025-10-08"
    assert all(store.article(name) is None for name in ["bad-date", "bad-type", "front", "digits"])


def test_cli_reports_a_bad_date_as_a_warning_not_a_traceback(tmp_path, workdir):
    (workdir / "front.md").write_text("---\npublished: 2025-13-45\n---\nThe mayor spoke.\n", encoding="utf-8")
    result = run_cli("ingest", str(workdir), env={"ASSISTANT_DATA_DIR": str(tmp_path / "cli-data")})
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "warning: skipped" in result.stderr and "front.md: bad metadata: front matter: published" in result.stderr
    assert "5 ingested, 0 unchanged, 1 skipped" in result.stdout


# -- 3: a failed write leaves the old version whole --------------------------------------------

class FailingWrites:
    """A Chroma collection whose writes fail after ``ok`` successful ones, as if Chroma rejected them."""

    def __init__(self, collection, ok: int = 0) -> None:
        self.collection, self.ok = collection, ok

    def _write(self, method, **kwargs):
        if self.ok <= 0:
            raise ValueError("Expected metadata value to be a str, int, float or bool")
        self.ok -= 1
        return getattr(self.collection, method)(**kwargs)

    def add(self, **kwargs):
        return self._write("add", **kwargs)

    def upsert(self, **kwargs):
        return self._write("upsert", **kwargs)

    def __getattr__(self, name):
        return getattr(self.collection, name)


@pytest.mark.parametrize("failing, ok, batch", [
    ("chunks", 1, 2),      # the second batch of chunks fails
    ("sentences", 0, 1000),
    ("article_rows", 0, 1000),  # everything but the article record was written
])
def test_a_failed_write_keeps_the_old_version_whole(run, store, workdir, monkeypatch, failing, ok, batch):
    assert len(run([workdir]).ingested) == 5
    target = workdir / "001_35557c4c5dbf5703.txt"
    before = _snapshot(store, target.stem)
    total = store.count()
    target.write_text(target.read_text(encoding="utf-8").replace("200 national guard soldiers", "300 soldiers"),
                      encoding="utf-8")

    with monkeypatch.context() as m:
        m.setattr(store_module, "_BATCH", batch)
        m.setattr(store, failing, FailingWrites(getattr(store, failing), ok))
        report = run([workdir])
    assert report.ingested == [] and "could not be stored" in _skipped(report)[target.name]
    assert "kept" in _skipped(report)[target.name]

    store._article_cache.clear()
    assert _snapshot(store, target.stem) == before
    assert store.count() == total
    assert not [c for c in store.all_chunks() if "300 soldiers" in c.text]
    assert run([workdir]).ingested == [target.stem]  # the next run writes it
    assert "300 soldiers" in store.article(target.stem).text


def test_a_failed_metadata_only_change_keeps_the_old_metadata_on_the_chunks(run, store, workdir, monkeypatch):
    assert len(run([workdir]).ingested) == 5
    before = _snapshot(store, "003_0ddfd030a1922397")
    meta = workdir / "articles.yaml"
    meta.write_text(meta.read_text(encoding="utf-8").replace("outlet: CNN", "outlet: CNN Wire"), encoding="utf-8")
    with monkeypatch.context() as m:
        m.setattr(store, "article_rows", FailingWrites(store.article_rows))
        assert run([workdir]).ingested == []
    store._article_cache.clear()
    assert _snapshot(store, "003_0ddfd030a1922397") == before
    assert {c.outlet for c in store.all_chunks() if c.article_id == "003_0ddfd030a1922397"} == {"CNN"}


# -- 4: ids follow the path and are never taken over silently ----------------------------------

def test_same_name_in_two_folders_is_refused_across_runs_not_overwritten(run, store, embedder, tmp_path):
    for folder, text in [("a", "Alpha article text."), ("b", "Beta article text.")]:
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "x.txt").write_text(text, encoding="utf-8")
    assert run([tmp_path / "a" / "x.txt"]).ingested == ["x"]
    second = run([tmp_path / "b" / "x.txt"])
    assert second.ingested == []
    reason = _skipped(second)["x.txt"]
    assert "article id 'x' already belongs to a/x.txt" in reason and "rename" in reason and "--prune" in reason
    assert store.article("x").text == "Alpha article text."

    # The same file reached from another working folder is still the same article.
    elsewhere = ingest([tmp_path / "a" / "x.txt"], store, embedder, SentenceChunker(), root=tmp_path / "b",
                       progress=False)
    assert elsewhere.ingested == ["x"] and not elsewhere.skipped
    assert store.article("x").source == (tmp_path / "a" / "x.txt").as_posix()

    (tmp_path / "a" / "x.txt").unlink()  # the owner is gone: with prune, the new file takes the id
    third = run([tmp_path / "b" / "x.txt"], prune=True)
    assert third.ingested == ["x"] and third.pruned == []
    assert store.article("x").text == "Beta article text." and store.article("x").source == "b/x.txt"


def test_folder_ids_keep_sub_folders_and_unicode_and_refuse_collisions_in_one_run(run, store, tmp_path):
    news = tmp_path / "news"
    for name, text in [("world/x.txt", "World news."), ("local/x.txt", "Local news."), ("新闻.txt", "Chinese news."),
                       ("статья.txt", "Russian news."), ("a b.txt", "Spaced name."), ("a-b.txt", "Dashed name.")]:
        (news / name).parent.mkdir(parents=True, exist_ok=True)
        (news / name).write_text(text, encoding="utf-8")
    report = run([news])
    assert sorted(report.ingested) == sorted(["local/x", "world/x", "新闻", "статья", "a-b"])
    assert store.article("world/x").text == "World news." and store.article("local/x").text == "Local news."
    assert store.article("新闻").text == "Chinese news." and store.article("статья").text == "Russian news."
    assert store.article("a-b").text == "Spaced name."  # 'a b.txt' sorts first and keeps the id
    reason = _skipped(report)["a-b.txt"]
    assert "article id 'a-b' is already used by" in reason and "a-b.txt" in reason and "a b.txt" in reason


def test_an_article_stored_under_its_old_id_is_replaced_by_its_new_id(run, store, tmp_path):
    (tmp_path / "news" / "world").mkdir(parents=True)
    (tmp_path / "news" / "world" / "x.txt").write_text("World news.", encoding="utf-8")
    assert run([tmp_path / "news" / "world" / "x.txt"]).ingested == ["x"]  # named by itself: id 'x'
    report = run([tmp_path / "news"])
    assert report.ingested == ["world/x"] and report.pruned == ["x"]
    assert store.article("x") is None and store.article("world/x").source == "news/world/x.txt"


# -- 5: symlinks do not lead out of the folder -------------------------------------------------

def test_a_link_to_etc_passwd_in_a_folder_is_skipped(run, store, tmp_path):
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "real.txt").write_text("The council met on Friday.", encoding="utf-8")
    (folder / "passwd.txt").symlink_to("/etc/passwd")
    (folder / "gone.txt").symlink_to(folder / "missing.txt")
    report = run([folder])
    assert report.ingested == ["real"]
    skipped = _skipped(report)
    assert "outside the folder" in skipped["passwd.txt"] and "dangling" in skipped["gone.txt"]
    assert store.article("passwd") is None
    assert all("root:" not in c.text for c in store.all_chunks())


# -- 6: an endless sentence becomes bounded chunks with exact offsets --------------------------

def test_a_huge_single_sentence_file_is_stored_as_bounded_exact_chunks(run, store, tmp_path):
    words = ["guard", "troops", "arrived", "near", "Chicago", "on", "Tuesday", "and"]
    text = " ".join(words[i % len(words)] for i in range(5000)) + "."
    (tmp_path / "long.txt").write_text(text, encoding="utf-8")
    assert run([tmp_path / "long.txt"]).ingested == ["long"]
    stored = store.article("long").text
    chunks = [c for c in store.all_chunks() if c.article_id == "long"]
    assert len(chunks) > 40 and all(len(c.text) <= 700 for c in chunks)
    assert all(stored[c.start:c.end] == c.text for c in chunks)
    vectors = store.sentence_vectors(chunks)
    assert len(vectors) == sum(len(c.sentences) for c in chunks)
    assert all(end - start <= 700 for _, start, end in vectors)


# -- articles.yaml typos and the size limit, as the CLI shows them ------------------------------

def test_cli_shows_articles_yaml_typos_and_a_file_over_the_size_limit_and_stores_the_rest(tmp_path, workdir):
    meta = workdir / "articles.yaml"
    meta.write_text(meta.read_text(encoding="utf-8").replace("  outlet: USA TODAY\n", "  outlet: USA TODAY\n"
                                                             "  publisehd: 2025-10-09\n", 1)
                    + "\nmissing.txt:\n  headline: Nobody\n", encoding="utf-8")
    (workdir / "huge.txt").write_text("The council met again on Monday. " * 4000, encoding="utf-8")  # 132,000 bytes
    data = tmp_path / "cli-data"
    result = run_cli("ingest", str(workdir), "--json",
                     env={"ASSISTANT_DATA_DIR": str(data), "ASSISTANT_MAX_FILE_BYTES": "65536"})
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert (f"warning: {meta}: entry '000_260dedd85ce9b948.txt': unknown key 'publisehd' ignored "
            "(did you mean 'published'?)") in result.stderr
    assert f"warning: {meta}: entry 'missing.txt': no file 'missing.txt' in this folder" in result.stderr
    assert (f"warning: skipped {workdir / 'huge.txt'}: 132,000 bytes, larger than the limit of 65,536 bytes "
            "(ASSISTANT_MAX_FILE_BYTES); raise that setting to ingest it") in result.stderr
    report = json.loads(result.stdout)
    assert sorted(report["ingested"]) == sorted(p.stem for p in SEEDS.glob("*.txt"))
    assert len(report["warnings"]) == 2 and [s["path"] for s in report["skipped"]] == [str(workdir / "huge.txt")]
    stored = ChromaStore(data / "chroma").article("000_260dedd85ce9b948")
    assert (stored.outlet, stored.published) == ("USA TODAY", "2025-10-08")  # the typo cost nothing
