"""requirements.txt's parts, as the Makefile reads them: `make run` gets no compiler step and no
test or LLM package; together the parts hold every pinned line once."""

from __future__ import annotations

import re
import subprocess

from tests.conftest import ROOT


def part(name: str) -> list[str]:
    """The lines the Makefile's ``part`` function gives for ``name`` (its awk program, run as make runs it)."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    program = re.search(r"^part = awk '(.*)' requirements.txt$", makefile, re.M).group(1)
    program = program.replace("$$", "$").replace("\\#", "#").replace("$(1)", name)
    out = subprocess.run(["awk", program, "requirements.txt"], cwd=ROOT, capture_output=True, text=True, check=True)
    return [line.split("==")[0].split("[")[0].lower() for line in out.stdout.split("\n") if line.strip()]


def test_the_parts_cover_every_requirement_once():
    pinned = [line.split("==")[0].split("[")[0].lower() for line in
              (ROOT / "requirements.txt").read_text(encoding="utf-8").split("\n") if line.strip() and not line.startswith("#")]
    run, test, llm = part("run"), part("test"), part("llm")
    assert sorted(run + test + llm) == sorted(pinned)
    assert len(set(run) | set(test) | set(llm)) == len(pinned)


def test_make_run_installs_no_compiled_or_optional_package():
    run = part("run")
    assert {"torch", "sentence-transformers", "chromadb", "onnx", "gradio"} <= set(run)
    assert not {"llama-cpp-python", "playwright", "langchain-openai", "langchain-ollama"} & set(run)
    assert "llama-cpp-python" in part("llm") and "playwright" in part("test")
