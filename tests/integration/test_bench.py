"""The benchmark runs end to end (its figures are not asserted: speed is measured, not tested)."""

import pytest

from assistant import bench
from assistant.settings import load_settings

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
