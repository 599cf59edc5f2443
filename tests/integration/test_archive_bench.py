"""The archive benchmark grows a copy of an ingested store with synthetic articles made of its
sentences and serves each size from a fresh process (figures are measured, not asserted)."""

import numpy as np
import pytest
import yaml

from assistant.settings import load_settings
from tools import archive_bench
from vectorstore.store import ChromaStore

pytestmark = pytest.mark.integration


def test_archive_grows_a_copy_of_the_store_and_reports_every_size(tmp_path, seeded_dir, embedder):
    qs = tmp_path / "q.yaml"
    qs.write_text('- {id: a, question: "Where is Elwood?"}\n- {id: b, question: "Who is Russell Vought?"}\n')
    before = ChromaStore(seeded_dir / "chroma").count()
    target = before + 30
    result = archive_bench.run(load_settings(), seeded_dir, [target], qs, out=tmp_path / "grown")
    seeds, start, grown = result["rows"]
    assert seeds["label"] == "seeds" and seeds["articles"] == 5
    assert start["chunks"] == before and grown["chunks"] >= target
    assert grown["articles"] > start["articles"] and grown["sentences"] > start["sentences"]
    assert ChromaStore(seeded_dir / "chroma").count() == before  # the starting store is copied, never written
    # the synthetic sentences reuse stored vectors; only a sentence split differently is embedded again
    assert grown["replayed"] > 0 and grown["embedded_afresh"] < grown["replayed"]
    for row in result["rows"]:
        assert 0 < row["cold_start_s"] and row["ask_p50_ms"] <= row["ask_p95_ms"]
        assert 0 < row["retrieve_p50_ms"] <= row["retrieve_p95_ms"] and row["peak_rss_mb"] > 0
    table = archive_bench.table(result)
    assert f"| {target:,} passages |" in table
    png = archive_bench.chart(result, tmp_path / "cost.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    # the grown store answers from its real articles still, with exact citations
    from assistant.answer import Assistant

    answer = Assistant(load_settings(data_dir=tmp_path / "grown"), embedder=embedder).answer("Where is Elwood?")
    assert answer.citations
    store = ChromaStore(tmp_path / "grown" / "chroma")
    for c in answer.citations:
        loc = c.location
        assert store.article(loc.article_id).text[loc.start:loc.end] == c.text


def test_replay_gives_stored_vectors_with_a_little_noise_and_embeds_unknown_text(embedder):
    known = "The National Guard arrived in Elwood on Tuesday."
    stored = embedder.embed_documents([known])[0]
    replay = archive_bench.ReplayEmbedder({known: stored}, embedder)
    out = replay.embed_documents([known, "Something no store holds."])
    assert np.allclose(np.linalg.norm(out, axis=1), 1.0, atol=1e-5)
    assert 0.97 < float(out[0] @ stored) < 1.0  # near, not identical
    assert float(out[1] @ embedder.embed_documents(["Something no store holds."])[0]) > 0.999
    assert (replay.replayed, replay.embedded_afresh) == (1, 1)


def test_synthetic_articles_are_made_of_the_given_sentences(tmp_path):
    import random

    sentences = [f"Sentence number {i} says something about the city council." for i in range(50)]
    archive_bench.write_articles(sentences, tmp_path, 4, 10, random.Random(1))
    meta = yaml.safe_load((tmp_path / "articles.yaml").read_text())
    assert sorted(meta) == [f"synthetic_{n:06d}.txt" for n in range(10, 14)]
    for name, m in meta.items():
        assert "2012-01-01" <= m["published"] <= "2022-12-31"
        text = (tmp_path / name).read_text()
        assert all(s in sentences for p in text.split("\n\n") for s in _split(p.strip()))


def _split(paragraph: str) -> list[str]:
    parts = paragraph.split(". ")
    return [p if p.endswith(".") else p + "." for p in parts]
