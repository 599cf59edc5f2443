"""Server mode: a real `chroma run` on 127.0.0.1 with a temporary path, used through HttpClient."""

import json
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from assistant.answer import Assistant
from assistant.errors import USER_ERRORS
from assistant.settings import load_settings
from tests.conftest import SEEDS, free_port, run_cli

pytestmark = pytest.mark.integration


@pytest.fixture
def chroma_server(tmp_path):
    exe = shutil.which("chroma") or str(Path(sys.executable).parent / "chroma")
    port = free_port()
    proc = subprocess.Popen([exe, "run", "--path", str(tmp_path / "server"), "--host", "127.0.0.1",
                             "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            if proc.poll() is not None:
                pytest.fail("chroma run exited")
            time.sleep(0.2)
    else:
        proc.kill()
        pytest.fail("chroma server did not start")
    yield f"http://127.0.0.1:{port}"
    proc.terminate()
    proc.wait(timeout=20)


def test_ingest_and_answer_through_a_chroma_server(chroma_server, embedder, tmp_path):
    settings = load_settings(chroma_url=chroma_server, data_dir=tmp_path / "unused")
    a = Assistant(settings, embedder=embedder)
    report = a.ingest([SEEDS], progress=False)
    assert len(report.ingested) == 5
    assert not (tmp_path / "unused").exists(), "server mode writes nothing locally"
    answer = a.answer("Who arrived in Elwood and when?")
    assert "late Tuesday" in answer.answer
    again = Assistant(settings, embedder=embedder).ingest([SEEDS], progress=False)
    assert len(again.unchanged) == 5

    # the CLI flag reaches the same server
    # (its feedback log is a local file: kept out of the working folder)
    r = run_cli("ask", "Where is Elwood?", "--json", "--chroma-url", chroma_server,
                env={"ASSISTANT_DATA_DIR": str(tmp_path / "cli")})
    assert r.returncode == 0, r.stderr
    assert "45 miles" in json.loads(r.stdout)["answer"]


def test_unreachable_server_is_a_clear_error(tmp_path):
    settings = load_settings(chroma_url=f"http://127.0.0.1:{free_port()}")
    with pytest.raises(USER_ERRORS) as err:
        Assistant(settings)
    assert "ASSISTANT_CHROMA_URL" in str(err.value)
