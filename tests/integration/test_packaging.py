"""The installed package carries what it needs: the prompts ship in the wheel and load from it."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.integration


def test_prompts_load_from_an_installed_wheel(tmp_path):
    wheels, target = tmp_path / "wheels", tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(wheels),
                    str(ROOT)], check=True, capture_output=True, timeout=300, cwd=tmp_path)
    [wheel] = wheels.glob("news_assistant-*.whl")
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
                   check=True, capture_output=True, timeout=300)
    code = ("import sys; sys.path.insert(0, sys.argv[1]); from assistant import prompts; "
            "print(prompts.PROMPTS_DIR); print(prompts.load_prompt('system').render(abstain=prompts.ABSTAIN_PHRASE))")
    out = subprocess.run([sys.executable, "-c", code, str(target)], cwd=tmp_path, capture_output=True, text=True,
                         timeout=120, check=True).stdout
    where, system = out.split("\n", 1)
    assert where.startswith(str(target))  # read from the installed package, not the checkout
    assert "The articles do not say." in system
