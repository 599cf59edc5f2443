"""The README's command table and make targets match the CLI and the Makefile."""

from __future__ import annotations

import re

from assistant.cli import build_parser
from tests.conftest import ROOT


def _subcommands() -> set[str]:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    return set(sub.choices)


def test_every_command_is_in_the_readme_table_and_nothing_else():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("| command (`python -m assistant ...`) |", 1)[1].split("\n\n", 1)[0]
    named = set(re.findall(r"`([a-z][a-z-]*)[ `]", table))  # each code span's first word, and `chat` in a description
    assert _subcommands() <= named
    assert not {"bench", "bench-extraction", "baseline", "soak"} & named  # tools, not commands of the product


def test_make_soak_exists_and_is_not_part_of_make_test():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^soak: install\n\t\$\(PY\) -m tools.soak", makefile, re.M)
    test_recipe = re.search(r"^test:.*\n((?:\t.*\n)+)", makefile, re.M).group(1)
    assert "soak" not in test_recipe
    assert "make soak" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_sync_with_nothing_to_sync_says_what_to_do_before_loading_anything(tmp_path, capsys):
    from assistant.cli import main

    assert main(["sync", "--data-dir", str(tmp_path)]) == 2
    assert "nothing to sync" in capsys.readouterr().err
    (tmp_path / "sources.yaml").write_text("sources: [file:///etc/passwd]\n")
    assert main(["sync", "--data-dir", str(tmp_path)]) == 2
    assert "is not an http(s) URL" in capsys.readouterr().err


def test_ingest_prints_each_warning_on_stderr_and_counts_them_in_the_summary(capsys):
    from assistant.cli import _print_report
    from vectorstore.ingestion import IngestReport

    report = IngestReport(ingested=["a"], warnings=[("news/articles.yaml", "entry 'a.txt': unknown key 'x' ignored")],
                          skipped=[("news/b.txt", "empty file")])
    assert _print_report(report, as_json=False) == 0
    out, err = capsys.readouterr()
    assert err.splitlines() == ["warning: skipped news/b.txt: empty file",
                                "warning: news/articles.yaml: entry 'a.txt': unknown key 'x' ignored"]
    assert "1 skipped, 1 warning(s)" in out
