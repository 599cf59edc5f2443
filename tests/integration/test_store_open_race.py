"""Several processes opening a store that does not exist yet, at the same moment (two ingests, or
an ingest and the web chat, started together): each gets the store, none fails in Chroma's set-up
of its database."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.integration

OPEN = """
import sys, time
from vectorstore.store import ChromaStore
from vectorstore.store import StoreError
start = float(sys.argv[2])
while time.time() < start:
    time.sleep(0.001)
try:
    ChromaStore(sys.argv[1]).count()
except StoreError as exc:
    print(exc, file=sys.stderr)
    sys.exit(2)
"""


@pytest.mark.parametrize("round_", range(2))
def test_processes_creating_one_store_at_once_all_get_it(tmp_path, round_):
    folder = tmp_path / "chroma"
    start = time.time() + 4.0  # every process imported chromadb and waits for the same moment
    procs = [subprocess.Popen([sys.executable, "-c", OPEN, str(folder), str(start)], cwd=ROOT,
                              stderr=subprocess.PIPE, text=True) for _ in range(6)]
    errors = [p.communicate(timeout=120)[1] for p in procs]
    assert [p.returncode for p in procs] == [0] * 6, errors
