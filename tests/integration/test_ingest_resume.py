"""An ingest killed part-way (SIGKILL, in a subprocess) keeps the articles it finished; the next
run repairs what it left half-written, does not embed the finished ones again, and the store
ends up the same as a clean ingest. Progress shows in the log when stderr is not a terminal."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time

import pytest

from tests.conftest import ROOT, SEEDS, run_cli
from vectorstore.chunking import SentenceChunker
from vectorstore.copies import likeness
from vectorstore.loading import find_article_files, load_article, load_metadata
from vectorstore.sentences import split_sentences
from vectorstore.store import ChromaStore

pytestmark = pytest.mark.integration
PROGRESS = re.compile(r"INFO vectorstore\.ingestion: ingested (\d+)/(\d+) articles, [\d.]+ articles/s, [\d,]+ chunks, "
                      r"[\d.]+ chunks/s, embedded [\d,]+/[\d,]+ (?:sentences|texts), [\d.]+ (?:sentences|texts)/s, "
                      r"(ETA \S+|done in \S+)")


def expected_store(folder) -> dict[str, tuple[str, list[str], int]]:
    """What a clean ingest of ``folder`` stores: ``{id: (content hash, chunk ids, sentence count)}``,
    computed from the files and the chunker alone (nothing embedded)."""
    found, _ = find_article_files([folder])
    chunker = SentenceChunker(350, 700)  # the settings' defaults
    out = {}
    for item in found:
        article = load_article(item.path, load_metadata(item.path.parent).get(item.path.name), ROOT, item.root)
        chunks = chunker.chunk(article)
        out[article.id] = (article.content_hash, sorted(c.id for c in chunks), sum(len(c.sentences) for c in chunks))
    return out


def stored(data) -> dict[str, tuple[str, list[str], int]]:
    """The same, read from the store in ``data``: the article rows and the chunks actually there."""
    inv = ChromaStore(data / "chroma").inventory()
    return {aid: (row.content_hash, sorted(cid for cid, c in inv.chunks.items() if c.article_id == aid),
                  sum(1 for s in inv.sentences.values() if s.article_id == aid))
            for aid, row in inv.articles.items()}


@pytest.fixture
def corpus(tmp_path):
    """15 articles with their own ids, in sub-folders: the five seeds (``a``), and each seed's
    even sentences (``b``) and odd sentences (``c``), different enough not to be copies."""
    folder = tmp_path / "corpus"
    shutil.copytree(SEEDS, folder / "a")
    for name, part in (("b", 0), ("c", 1)):
        shutil.copytree(SEEDS, folder / name)
        for path in (folder / name).glob("*.txt"):
            text = path.read_text(encoding="utf-8")
            sentences = [text[s.start:s.end] for s in split_sentences(text)]
            path.write_text(" ".join(sentences[part::2]) + "\n", encoding="utf-8")
    texts = [p.read_text(encoding="utf-8") for p in sorted(folder.rglob("*.txt"))]
    assert not [1 for i, t in enumerate(texts) for u in texts[i + 1:] if likeness(t, u).is_copy]
    return folder


def test_a_killed_ingest_resumes_without_redoing_finished_articles(tmp_path, corpus):
    data = tmp_path / "data"
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    # groups of about 64 sentences: several per run, as in a real archive's ingest (512 would be one here)
    env.update(ASSISTANT_DATA_DIR=str(data), ASSISTANT_INGEST_LOG_EVERY="0", ASSISTANT_INGEST_BATCH="64")
    proc = subprocess.Popen([sys.executable, "-m", "assistant", "ingest", str(corpus)], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    finished, lines = 0, []
    deadline = time.monotonic() + 300
    try:
        while time.monotonic() < deadline:  # stderr is a pipe, not a terminal: progress comes as log lines
            line = proc.stderr.readline()
            if not line:
                break
            lines.append(line)
            if m := PROGRESS.search(line):
                finished = int(m.group(1))
                if finished >= 3:
                    proc.send_signal(signal.SIGKILL)  # mid-run: the next articles are being embedded or written
                    break
    finally:
        proc.kill()
        proc.wait()
    assert proc.returncode == -signal.SIGKILL, "".join(lines)
    assert 3 <= finished < 15, "".join(lines)
    assert "\r" not in "".join(lines) and "Ingesting:" not in "".join(lines)  # no progress bar in a log

    resumed = run_cli("ingest", str(corpus), "--json", env={"ASSISTANT_DATA_DIR": str(data)})
    assert resumed.returncode == 0, resumed.stderr
    report = json.loads(resumed.stdout)
    expected = expected_store(corpus)
    assert len(report["unchanged"]) >= finished  # what was finished is not embedded again
    assert sorted(report["unchanged"] + report["ingested"]) == sorted(expected)
    assert PROGRESS.search(resumed.stderr).group(2) == str(len(report["ingested"]))

    assert stored(data) == expected  # the same articles, versions, chunks and sentences as a clean ingest
    health = run_cli("check", "--json", env={"ASSISTANT_DATA_DIR": str(data)})
    assert health.returncode == 0, health.stdout + health.stderr
    assert json.loads(health.stdout)["healthy"] is True
    answer = run_cli("ask", "Who arrived in Elwood and when?", "--json", env={"ASSISTANT_DATA_DIR": str(data)})
    assert "Texas National Guard" in json.loads(answer.stdout)["answer"]
