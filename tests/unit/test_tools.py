"""The measurement tools (``tools/``): each runs as ``python -m tools.<module>`` with its own options,
the Makefile's targets call them there, and nothing in the product imports them."""

from __future__ import annotations

import ast
import importlib
import json
import re

import pytest
import yaml

from tests.conftest import ROOT

# the tools with a command line, and the make targets that run them (the baseline and the failure
# kinds are run by tools.external)
COMMANDS = {"bench": ["bench", "bench-archive", "bench-load"], "extraction_bench": ["bench-extraction"],
            "soak": ["soak"], "copies_bench": ["bench-copies"], "external": ["eval-external"], "baseline": [],
            "failure_kinds": []}


def _imports(path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def test_nothing_in_the_product_imports_the_tools():
    for package in ("assistant", "vectorstore"):
        for path in sorted((ROOT / package).rglob("*.py")):
            wrong = {n for n in _imports(path) if n == "tools" or n.startswith("tools.")}
            assert not wrong, f"{path.relative_to(ROOT)} imports {wrong}"


@pytest.mark.parametrize("module", sorted(COMMANDS))
def test_each_tool_has_its_own_command_line(module, capsys):
    tool = importlib.import_module(f"tools.{module}")
    with pytest.raises(SystemExit) as done:
        tool.main(["--help"])
    assert done.value.code == 0
    assert f"usage: python -m tools.{module}" in capsys.readouterr().out


@pytest.mark.parametrize("module, target", [(m, t) for m, targets in COMMANDS.items() for t in targets])
def test_each_make_target_runs_its_tool_from_tools(module, target):
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    recipe = re.search(rf"^{re.escape(target)}:.*\n((?:\t.*\n)+)", makefile, re.M).group(1)
    assert f"$(PY) -m tools.{module} " in recipe
    assert not re.search(r"-m assistant[ .](bench|soak|baseline|copies_bench)", recipe)


def test_bench_extraction_skips_clearly_without_the_benchmark(tmp_path, capsys):
    from tools.extraction_bench import main

    assert main(["--benchmark", str(tmp_path / "absent")]) == 0
    assert "skipped" in capsys.readouterr().out and not (tmp_path / "reports").exists()


def test_the_baseline_reads_each_folders_articles_yaml_once(tmp_path, monkeypatch):
    from tools import baseline

    for folder in ("one", "two"):
        (tmp_path / folder).mkdir()
        meta = {}
        for i in range(3):
            name = f"{folder}-{i}.txt"
            (tmp_path / folder / name).write_text(f"The council of {folder} met on day {i}.\n", encoding="utf-8")
            meta[name] = {"headline": f"Council {folder} {i}", "outlet": "Crier"}
        (tmp_path / folder / "articles.yaml").write_text(yaml.safe_dump(meta), encoding="utf-8")
    read = []
    real = baseline.load_metadata
    monkeypatch.setattr(baseline, "load_metadata", lambda folder: read.append(folder) or real(folder))
    articles = list(baseline.read_articles(tmp_path))
    assert sorted(read) == [tmp_path / "one", tmp_path / "two"]
    assert [a.title for a in articles] == [f"Council {f} {i}" for f in ("one", "two") for i in range(3)]


def test_the_baseline_leaves_out_a_folder_whose_articles_yaml_is_unreadable(tmp_path):
    from tools import baseline

    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "a.txt").write_text("The council met on Monday.\n", encoding="utf-8")
    (tmp_path / "bad" / "articles.yaml").write_text("a.txt: [unclosed", encoding="utf-8")
    (tmp_path / "good.txt").write_text("The mayor spoke on Tuesday.\n", encoding="utf-8")
    assert [a.text for a in baseline.read_articles(tmp_path)] == ["The mayor spoke on Tuesday.\n"]


def _naive_inputs(tmp_path):
    (tmp_path / "articles").mkdir()
    (tmp_path / "articles" / "a.txt").write_text("The mayor spoke on Tuesday.\n", encoding="utf-8")
    (tmp_path / "set.yaml").write_text("questions:\n  - id: q1\n    question: When did the mayor speak?\n",
                                       encoding="utf-8")
    return tmp_path / "articles", tmp_path / "set.yaml"


def test_the_baselines_fingerprint_follows_its_articles_questions_and_model(tmp_path):
    from tools.baseline import fingerprint

    articles, questions = _naive_inputs(tmp_path)
    first = fingerprint(articles, questions, "minilm")
    assert fingerprint(articles, questions, "minilm") == first
    assert fingerprint(articles, questions, "another model") != first
    assert fingerprint(articles, questions, "minilm", chunk_size=500) != first
    questions.write_text(questions.read_text(encoding="utf-8") + "  - id: q2\n    question: Who spoke?\n",
                         encoding="utf-8")
    second = fingerprint(articles, questions, "minilm")
    assert second != first
    (articles / "b.txt").write_text("The council met.\n", encoding="utf-8")
    assert fingerprint(articles, questions, "minilm") != second


def test_the_baseline_keeps_a_report_written_for_the_same_inputs(tmp_path, monkeypatch, capsys):
    from tools import baseline

    articles, questions = _naive_inputs(tmp_path)
    report = tmp_path / "naive.json"
    embedded = []
    monkeypatch.setattr(baseline, "make_embedder", lambda *a: embedded.append(a) or pytest.fail("embedded again"))
    stamp = baseline.fingerprint(articles, questions, "bundled all-MiniLM-L6-v2 (onnx)")
    report.write_text(json.dumps({"fingerprint": stamp, "results": []}), encoding="utf-8")
    monkeypatch.setenv("ASSISTANT_EMBEDDING_BACKEND", "onnx")
    monkeypatch.delenv("ASSISTANT_EMBEDDING_MODEL", raising=False)

    assert baseline.main([str(articles), str(questions), "--report", str(report), "--reuse"]) == 0
    assert "kept" in capsys.readouterr().out and not embedded

    report.write_text(json.dumps({"fingerprint": "another", "results": []}), encoding="utf-8")
    assert not baseline.written_for(report, stamp)
    with pytest.raises(pytest.fail.Exception, match="embedded again"):
        baseline.main([str(articles), str(questions), "--report", str(report), "--reuse"])
