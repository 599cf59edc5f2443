"""The installed package carries what it needs and nothing else: the prompts ship in the wheel and
load from it, pytest finds the question-set plugin through the wheel's entry point, and the
measurement tools (``tools/``) stay out of it."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """The package built as a wheel and installed into a folder of its own (not the checkout)."""
    tmp = tmp_path_factory.mktemp("wheel")
    wheels, target = tmp / "wheels", tmp / "site"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(wheels),
                    str(ROOT)], check=True, capture_output=True, timeout=300, cwd=tmp)
    [wheel] = wheels.glob("news_assistant-*.whl")
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
                   check=True, capture_output=True, timeout=300)
    return target


def test_prompts_load_from_an_installed_wheel(installed, tmp_path):
    code = ("import sys; sys.path.insert(0, sys.argv[1]); from assistant import prompts; "
            "print(prompts.PROMPTS_DIR); print(prompts.load_prompt('system').render(abstain=prompts.ABSTAIN_PHRASE))")
    out = subprocess.run([sys.executable, "-c", code, str(installed)], cwd=tmp_path, capture_output=True, text=True,
                         timeout=120, check=True).stdout
    where, system = out.split("\n", 1)
    assert where.startswith(str(installed))  # read from the installed package, not the checkout
    assert "The articles do not say." in system


def test_the_wheel_ships_no_measurement_tool(installed):
    shipped = {p.relative_to(installed).as_posix() for p in installed.rglob("*.py")}
    assert "assistant/cli.py" in shipped and "assistant/pytest_plugin.py" in shipped and "assistant/report.py" in shipped
    assert not [p for p in shipped if p.startswith("tools/")]
    tooling = {"bench", "archive_bench", "soak", "copies_bench", "extraction_bench", "baseline", "serving",
               "train_judge", "judge_data"}
    assert not {f"assistant/{name}.py" for name in tooling} & shipped


def test_pytest_finds_the_plugin_through_the_entry_point_and_loads_it_once(installed, tmp_path):
    (tmp_path / "articles").mkdir()
    (tmp_path / "articles" / "a.txt").write_text("The council met on Monday.\n", encoding="utf-8")
    (tmp_path / "team.qa.yaml").write_text("corpus: articles\nquestions:\n"
                                           "- {id: when, question: 'When did the council meet?'}\n"
                                           "- {id: who, question: 'Who met?'}\n", encoding="utf-8")
    env = {"PYTHONPATH": str(installed), "PATH": "/usr/bin:/bin"}

    def pytest_(*args):
        return subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", *args],
                              cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)

    found = pytest_()  # nothing but the installed package: the entry point loads the plugin
    assert found.returncode == 0, found.stdout + found.stderr
    assert "team.qa.yaml::when" in found.stdout and "team.qa.yaml::who" in found.stdout
    # ... and loading it by name as well (a checkout's -p or conftest) does not register it twice
    (tmp_path / "conftest.py").write_text('pytest_plugins = ["assistant.pytest_plugin"]\n', encoding="utf-8")
    both = pytest_("-p", "assistant.pytest_plugin")
    assert both.returncode == 0, both.stdout + both.stderr
    assert "team.qa.yaml::when" in both.stdout and "already registered" not in both.stderr
    trace = pytest_("--trace-config")
    assert f"{installed}/assistant/pytest_plugin.py" in trace.stdout  # the installed copy, not the checkout
