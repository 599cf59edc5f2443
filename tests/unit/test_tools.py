"""The measurement tools (``tools/``): each runs as ``python -m tools.<module>`` with its own options,
the Makefile's targets call them there, and nothing in the product imports them."""

from __future__ import annotations

import ast
import importlib
import re

import pytest

from tests.conftest import ROOT

# the tools with a command line, and the make targets that run them
COMMANDS = {"bench": ["bench", "bench-archive", "bench-load"], "extraction_bench": ["bench-extraction"],
            "soak": ["soak"], "copies_bench": ["bench-copies"], "baseline": ["eval-external"]}


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

