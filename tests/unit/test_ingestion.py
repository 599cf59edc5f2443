"""Ingest in batches: each article is written once embedded, an interrupted run keeps what it
finished, and progress goes to the log without a terminal."""

from __future__ import annotations

import logging
import re

import pytest

from tests.unit.fakes import HashingEmbedder, MemoryStore
from vectorstore.chunking import SentenceChunker
from vectorstore.ingestion import ingest


class Interrupted(BaseException):
    """Stands for a kill: not an ``Exception``, so nothing in the ingest catches it."""


class DyingEmbedder(HashingEmbedder):
    """Embeds ``calls`` batches, then the process 'dies'."""

    def __init__(self, calls: int) -> None:
        self.calls = calls

    def embed_documents(self, texts, progress=False):
        if texts:
            if self.calls == 0:
                raise Interrupted
            self.calls -= 1
        return super().embed_documents(texts)


@pytest.fixture
def folder(tmp_path):
    out = tmp_path / "articles"
    out.mkdir()
    for i in range(6):
        (out / f"story{i}.txt").write_text(
            f"Story {i} opens in Springfield on Monday.\n\nThe council met {i} times this year, the clerk said.\n"
            f"\nResidents of ward {i} asked for a new library.\n", encoding="utf-8")
    return out


def test_an_interrupted_ingest_keeps_the_articles_it_finished_and_the_next_run_goes_on(folder, tmp_path):
    store = MemoryStore()
    chunker = SentenceChunker(60, 200)
    with pytest.raises(Interrupted):  # each article is its own batch here; the third batch never finishes
        ingest([folder], store, DyingEmbedder(calls=2), chunker, root=tmp_path, progress=False, batch_texts=1)
    assert sorted(store.article_index()) == ["story0", "story1"]

    again = ingest([folder], store, HashingEmbedder(), chunker, root=tmp_path, progress=False)
    assert sorted(again.unchanged) == ["story0", "story1"]
    assert sorted(again.ingested) == ["story2", "story3", "story4", "story5"]


def test_progress_goes_to_the_log_without_a_terminal(folder, tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="vectorstore.ingestion")
    ingest([folder], MemoryStore(), HashingEmbedder(), SentenceChunker(), root=tmp_path, progress=False,
           batch_texts=1, log_every=0)
    lines = [r.getMessage() for r in caplog.records if r.name == "vectorstore.ingestion"]
    assert lines[0].startswith("ingest: 6 articles to write")
    progress = re.compile(r"ingested (\d)/6 articles, [\d.]+ articles/s, \1 chunks, [\d.]+ chunks/s, "
                          r"embedded \d+/\d+ sentences, [\d.]+ sentences/s, (ETA|done in) \S+$")
    assert any(progress.match(line) and line.startswith("ingested 3/6") and "ETA" in line for line in lines)
    assert progress.match(lines[-1]) and lines[-1].startswith("ingested 6/6 articles") and "done in" in lines[-1]


def test_an_absurd_time_phrase_never_stops_the_run(folder, tmp_path):
    (folder / "absurd.txt").write_text("Published long after it happened 1000000 days ago, and 99999999999999999999 "
                                       "weeks ago, the clerk said.\n", encoding="utf-8")
    (folder / "articles.yaml").write_text("absurd.txt:\n  published: 2025-10-08\n", encoding="utf-8")
    store = MemoryStore()
    report = ingest([folder], store, HashingEmbedder(), SentenceChunker(), root=tmp_path, progress=False)
    assert sorted(report.ingested) == ["absurd", *(f"story{i}" for i in range(6))] and not report.skipped
    absurd = store.article("absurd")
    assert [e.phrase for e in absurd.dates if not e.resolved] == ["1000000 days ago", "99999999999999999999 weeks ago"]


class BrokenChunker(SentenceChunker):
    """A chunker with a bug that only one article meets (stands for any failure of an article's analysis)."""

    def chunk(self, article):
        if article.id == "story3":
            raise RuntimeError("a sentence the splitter cannot handle")
        return super().chunk(article)


def test_an_article_whose_analysis_fails_is_skipped_with_its_reason_and_the_rest_stored(folder, tmp_path):
    store = MemoryStore()
    report = ingest([folder], store, HashingEmbedder(), BrokenChunker(), root=tmp_path, progress=False)
    assert sorted(report.ingested) == ["story0", "story1", "story2", "story4", "story5"]
    [(label, reason)] = report.skipped
    assert label.endswith("story3.txt") and "RuntimeError: a sentence the splitter cannot handle" in reason
    assert "story3" not in store.article_index()


# -- articles.yaml typos: reported by name in the report, nothing lost -----------------------------

def test_articles_yaml_typos_are_warnings_in_the_report_and_cost_no_article(folder, tmp_path):
    (folder / "articles.yaml").write_text(
        "story0.txt:\n  headline: Springfield opens\n  publisehd: 2025-10-08\n"
        "story1.txt:\n  outlet: Times\n  outlet: Herald\n"
        "story2.txt: {headline: First}\n"
        "story9.txt: {headline: Nobody}\n"  # story3, 4 and 5 are as close: no guess
        "story2.txt: {headline: Second}\n", encoding="utf-8")
    store = MemoryStore()
    report = ingest([folder], store, HashingEmbedder(), SentenceChunker(), root=tmp_path, progress=False)
    assert sorted(report.ingested) == [f"story{i}" for i in range(6)] and not report.skipped
    label = str(folder / "articles.yaml")
    assert report.warnings == [
        (label, "'story2.txt' has 2 entries (lines 7 and 9); the last one (line 9) is used, the others are ignored"),
        (label, "entry 'story1.txt': 'outlet' is given 2 times (lines 5 and 6); the last value is used: 'Herald' "
                "(line 6)"),
        (label, "entry 'story0.txt': unknown key 'publisehd' ignored (did you mean 'published'?); "
                "an entry may hold headline, outlet, published, author"),
        (label, "entry 'story9.txt': no file 'story9.txt' in this folder; nothing is stored for this entry"),
    ]
    assert (store.article("story0").title, store.article("story0").published) == ("Springfield opens", None)
    assert store.article("story1").outlet == "Herald" and store.article("story2").title == "Second"
    assert "4 warning(s)" in report.summary()
    assert report.to_dict()["warnings"][0] == {"path": label, "warning": report.warnings[0][1]}


def test_a_folders_articles_yaml_is_reported_once_however_many_files_it_describes(folder, tmp_path):
    (folder / "articles.yaml").write_text("story0.txt: {headlin: A}\n", encoding="utf-8")
    report = ingest([folder], MemoryStore(), HashingEmbedder(), SentenceChunker(), root=tmp_path, progress=False)
    assert len(report.warnings) == 1 and "unknown key 'headlin'" in report.warnings[0][1]


def test_warnings_add_up_across_reports():
    from vectorstore.ingestion import IngestReport

    one, two = IngestReport(warnings=[("a/articles.yaml", "w1")]), IngestReport(warnings=[("b/articles.yaml", "w2")])
    assert one.add(two).warnings == [("a/articles.yaml", "w1"), ("b/articles.yaml", "w2")]
    assert "warning" not in IngestReport().summary()


# -- one very large file: its progress is visible per sentence embedded, and files have a size limit -

@pytest.fixture
def long_article(tmp_path):
    """One article of 300 different sentences: one group, embedded 64 sentences at a time."""
    path = tmp_path / "long.txt"
    path.write_text("\n\n".join(f"Sentence {i} says the council of ward {i} met again." for i in range(300)),
                    encoding="utf-8")
    return path


def test_a_single_long_article_logs_its_sentences_as_they_are_embedded(long_article, tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="vectorstore.ingestion")
    report = ingest([long_article], MemoryStore(), HashingEmbedder(), SentenceChunker(), root=tmp_path,
                    progress=False, log_every=0)
    assert report.ingested == ["long"]
    lines = [r.getMessage() for r in caplog.records if r.name == "vectorstore.ingestion"]
    assert lines[0] == "ingest: 1 articles to write (300 sentences to embed)"
    embedded = [m.group(1) for line in lines if (m := re.search(r"embedded (\d+)/300 sentences, [\d.]+ sentences/s", line))]
    assert embedded == ["64", "128", "192", "256", "300", "300"]  # each batch of the one article, then the last line
    assert lines[1].startswith("ingested 0/1 articles") and "ETA" in lines[1]


def test_on_a_terminal_the_bar_counts_sentences(long_article, tmp_path, capsys):
    ingest([long_article], MemoryStore(), HashingEmbedder(), SentenceChunker(), root=tmp_path, progress=True)
    err = capsys.readouterr().err
    assert "300/300" in err and "sentence" in err


def test_a_long_article_is_announced_before_its_analysis(long_article, tmp_path, caplog, monkeypatch):
    from vectorstore import ingestion

    monkeypatch.setattr(ingestion, "LONG_TEXT", 10_000)
    caplog.set_level(logging.INFO, logger="vectorstore.ingestion")
    ingest([long_article], MemoryStore(), HashingEmbedder(), SentenceChunker(), root=tmp_path, progress=False)
    lines = [r.getMessage() for r in caplog.records if r.name == "vectorstore.ingestion"]
    assert lines[0].startswith(f"{long_article} is long (15,") and "before embedding" in lines[0]
    assert lines[1].startswith("ingest: 1 articles to write")


def test_a_file_over_the_size_limit_is_skipped_with_the_setting_to_raise_and_the_rest_stored(folder, tmp_path):
    (folder / "huge.txt").write_text("The council met again. " * 200, encoding="utf-8")  # 4,600 bytes
    report = ingest([folder], MemoryStore(), HashingEmbedder(), SentenceChunker(), root=tmp_path, progress=False,
                    max_file_bytes=4096)
    assert sorted(report.ingested) == [f"story{i}" for i in range(6)]
    assert report.skipped == [(str(folder / "huge.txt"), "4,600 bytes, larger than the limit of 4,096 bytes "
                                                         "(ASSISTANT_MAX_FILE_BYTES); raise that setting to ingest it")]


def test_the_size_limit_comes_from_the_setting(folder, tmp_path, monkeypatch):
    from assistant.answer import Assistant
    from assistant.settings import load_settings

    (folder / "huge.txt").write_text("The council met again. " * 200, encoding="utf-8")
    assert load_settings().max_file_bytes == 20 * 1024 * 1024
    monkeypatch.setenv("ASSISTANT_MAX_FILE_BYTES", "4096")
    assistant = Assistant(load_settings(), store=MemoryStore(), embedder=HashingEmbedder())
    report = assistant.ingest([folder], progress=False)
    assert [p for p, _ in report.skipped] == [str(folder / "huge.txt")] and len(report.ingested) == 6
    monkeypatch.setenv("ASSISTANT_MAX_FILE_BYTES", "5000")
    assistant = Assistant(load_settings(), store=MemoryStore(), embedder=HashingEmbedder())
    assert "huge" in assistant.ingest([folder], progress=False).ingested
