"""``make eval-external``'s loop (``tools/external.py``): it skips clearly when a benchmark folder is
absent, makes the 2023 quarter once, and scores it with ``--corpus window``. The subprocesses (ingest,
pytest, score.py, the naive set-up) are recorded here, not run: running them is the benchmark."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tools import external


def _main(tmp_path, *more):
    return external.main(["--dev", str(tmp_path / "dev"), "--rtqa2023", str(tmp_path / "rtqa2023"),
                          "--data", str(tmp_path / "data"), "--reports", str(tmp_path / "reports"), *more])


def test_every_corpus_is_skipped_clearly_when_the_folders_are_absent(tmp_path, capsys):
    assert _main(tmp_path) == 0

    out = capsys.readouterr().out
    assert f"eval-external: skipped realtimeqa-dev gold, {tmp_path / 'dev' / 'gold'} is absent" in out
    assert f"eval-external: skipped realtimeqa-dev full, {tmp_path / 'dev' / 'full'} is absent" in out
    assert f"eval-external: skipped the 2023 weeks, {tmp_path / 'rtqa2023'} is absent" in out
    assert not (tmp_path / "data").exists() and not (tmp_path / "reports").exists()


def test_the_2023_weeks_are_skipped_without_the_dev_folders_score_py(tmp_path, capsys):
    (tmp_path / "rtqa2023").mkdir()
    (tmp_path / "rtqa2023" / "subset.py").write_text("raise SystemExit('not to be run')\n", encoding="utf-8")

    assert _main(tmp_path, "--corpora", "2023") == 0

    assert "skipped the 2023 weeks, no score.py to score them" in capsys.readouterr().out
    assert not (tmp_path / "data").exists()


@pytest.fixture
def recorded(monkeypatch):
    """Record the steps instead of running them; subset.py 'writes' the files of its OUT folder."""
    steps = []

    def run(what, cmd, check=True, **kwargs):
        cmd = [str(c) for c in cmd]
        steps.append((what, cmd, kwargs.get("env", {}).get("ASSISTANT_DATA_DIR")))
        if what == "subset.py":
            out = Path(cmd[2])
            (out / "articles").mkdir(parents=True)
            for name in ("questions.yaml", "key.json"):
                (out / name).write_text("[]", encoding="utf-8")
        if what == "pytest":
            assert not check  # failing questions are expected
            kwargs["stdout"].write("3 failed, 2 passed in 1.00s\n")

    monkeypatch.setattr(external, "_run", run)
    monkeypatch.setattr(external.failure_kinds, "main", lambda argv: steps.append(("failure kinds", argv, None)))
    return steps


def test_the_2023_quarter_is_made_once_and_scored_with_the_window_label(tmp_path, recorded, capsys):
    (tmp_path / "dev").mkdir()
    (tmp_path / "dev" / "score.py").write_text("", encoding="utf-8")
    (tmp_path / "rtqa2023").mkdir()
    (tmp_path / "rtqa2023" / "subset.py").write_text("", encoding="utf-8")
    out = tmp_path / "data" / "rtqa2023-2023-07-01_2023-09-30"
    window = ["--corpus", "window", "--articles", str(out / "articles")]

    assert _main(tmp_path, "--corpora", "2023", "--from", "2023-07-01", "--to", "2023-09-30") == 0

    whats = [w for w, _, _ in recorded]
    assert whats == ["subset.py", "ingest", "pytest", "score.py", "failure kinds", "the naive set-up", "score.py",
                     "failure kinds"]
    subset, ingest, pytest_cmd, ours, ours_kinds, naive, naive_score, _ = recorded
    assert subset[1][1:] == [str(tmp_path / "rtqa2023" / "subset.py"), str(out), "--from", "2023-07-01",
                             "--to", "2023-09-30"]
    store = external.store_for(out / "articles", tmp_path / "data")
    assert ingest[1][-1] == str(out / "articles") and ingest[2] == str(store)
    assert pytest_cmd[1][pytest_cmd[1].index("--qa-data-dir") + 1] == str(store)
    assert str(out / "questions.yaml") in pytest_cmd[1]
    report = str(tmp_path / "reports" / "rtqa-2023-07-01_2023-09-30.json")
    assert ours[1][1:] == [str(tmp_path / "dev" / "score.py"), str(out / "key.json"), report, *window]
    assert ours_kinds[1][:2] == [str(out / "key.json"), report] and ours_kinds[1][2:6] == window
    assert naive_score[1][3] == report.replace(".json", "-naive.json") and naive_score[1][4:] == window
    assert naive[1][-3:] == ["--report", report.replace(".json", "-naive.json"), "--reuse"]
    assert "3 failed, 2 passed" in capsys.readouterr().out

    recorded.clear()
    assert _main(tmp_path, "--corpora", "2023", "--from", "2023-07-01", "--to", "2023-09-30") == 0
    assert "subset.py" not in [w for w, _, _ in recorded]  # made once, reused
    assert "made before" in capsys.readouterr().out


def test_a_dev_corpus_keeps_its_store_and_report_names(tmp_path, recorded):
    (tmp_path / "dev" / "gold").mkdir(parents=True)
    (tmp_path / "dev" / "gold" / "key.json").write_text("[]", encoding="utf-8")
    (tmp_path / "dev" / "score.py").write_text("", encoding="utf-8")

    assert _main(tmp_path, "--corpora", "gold") == 0

    ingest = next(step for step in recorded if step[0] == "ingest")
    assert ingest[2] == str(external.store_for(tmp_path / "dev" / "gold" / "articles", tmp_path / "data"))
    score = next(step for step in recorded if step[0] == "score.py")
    assert score[1][3:] == [str(tmp_path / "reports" / "rtqa-gold.json"), "--corpus", "gold"]


def test_a_failed_step_is_one_line_and_exit_status_1(tmp_path, monkeypatch, capsys):
    (tmp_path / "dev" / "gold").mkdir(parents=True)
    (tmp_path / "dev" / "gold" / "key.json").write_text("[]", encoding="utf-8")
    (tmp_path / "dev" / "score.py").write_text("", encoding="utf-8")
    monkeypatch.setattr(external.subprocess, "run", lambda cmd, **kwargs: subprocess.CompletedProcess(cmd, 3))

    assert _main(tmp_path, "--corpora", "gold") == 1

    assert re.search(r"eval-external: ingest failed \(exit status 3\)", capsys.readouterr().err)


@pytest.mark.skipif(not shutil.which("cksum"), reason="no cksum command")
def test_the_store_is_the_makefiles_corpus_store(tmp_path):
    """The same folder as ``realpath -sm FOLDER | cksum`` (the Makefile's corpus_store, make bench's store)."""
    for folder in ("../shared/benchmarks/realtimeqa-dev/gold/articles", str(tmp_path / "a b/ü"), "x/../y"):
        shell = subprocess.run(f'realpath -sm "{folder}" | cksum', shell=True, capture_output=True, text=True,
                               cwd=ROOT, check=True).stdout.split()[0]
        assert external.store_for(Path(folder), Path(".data")) == Path(".data") / f"corpus-{shell}"


def test_make_passes_the_quarter_and_the_folders_to_the_script():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    recipe = re.search(r"^eval-external:.*\n((?:\t.*\n)+)", makefile, re.MULTILINE).group(1)
    for option, variable in (("--corpora", "CORPORA"), ("--dev", "EXTERNAL"), ("--rtqa2023", "RTQA2023"),
                             ("--from", "RTQA2023_FROM"), ("--to", "RTQA2023_TO")):
        assert f"{option} $({variable})" in recipe
    assert re.search(r"^RTQA2023_FROM \?= 2023-10-01$", makefile, re.MULTILINE)
    assert re.search(r"^RTQA2023_TO +\?= 2023-12-31$", makefile, re.MULTILINE)
