"""The benchmark runs end to end (its figures are not asserted: speed is measured, not tested)."""

import pytest

from assistant.settings import load_settings
from tools import bench

pytestmark = pytest.mark.integration


def test_bench_runs_and_reports_every_figure(tmp_path):
    qs = tmp_path / "q.yaml"
    qs.write_text('- {id: a, question: "Where is Elwood?"}\n- {id: b, question: "Who is Russell Vought?"}\n')
    result = bench.run(load_settings(data_dir=tmp_path / "data"), qs, [5, 7])
    assert [r["articles"] for r in result["rows"]] == [5, 7]
    assert result["rows"][1]["chunks"] > result["rows"][0]["chunks"]
    assert all(r["ask_p50_ms"] <= r["ask_p95_ms"] for r in result["rows"])
    cold = result["cold"]
    assert 0 < cold["after_interpreter_s"] <= cold["process_s"]  # the answer came from the new process
    table = bench.table(result)
    assert "| 5 |" in table and "Cold start" in table


def test_bench_corpus_measures_an_archive_folder_and_reuses_a_kept_store(tmp_path):
    from tests.conftest import SEEDS

    qs = tmp_path / "q.yaml"
    qs.write_text('- {id: a, question: "Where is Elwood?"}\n- {id: b, question: "Who is Russell Vought?"}\n')
    keep = tmp_path / "kept"
    first = bench.corpus(load_settings(), SEEDS, qs, data_dir=keep)
    assert first["articles"] == first["newly_ingested"] == 5 and first["chunks"] > 5
    assert first["chunks_per_s"] > 0 and first["store_mb"] > 0
    assert 0 < first["cold_start_s"] and first["ask_p50_ms"] <= first["ask_p95_ms"] and first["peak_rss_mb"] > 0
    again = bench.corpus(load_settings(), SEEDS, qs, data_dir=keep)
    assert again["newly_ingested"] == 0 and again["chunks"] == first["chunks"]  # nothing ingested twice
    assert "| 5 |" in bench.corpus_table(again) and "store reused" in bench.corpus_table(again)
    with pytest.raises(FileNotFoundError, match="no folder"):
        bench.corpus(load_settings(), tmp_path / "absent", qs)
