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
    # server mode writes only this process's keyword index locally, in a folder named for the server
    local = {p.relative_to(tmp_path / "unused").parts[:2] for p in (tmp_path / "unused").rglob("*") if p.is_file()}
    assert local == {("keyword", chroma_server.replace("://", "-").replace(".", "-").replace(":", "-"))}
    assert not (tmp_path / "unused" / "chroma").exists()
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


def test_each_app_process_keeps_its_own_keyword_index_in_step_with_the_shared_store(chroma_server, embedder,
                                                                                      tmp_path):
    first = Assistant(load_settings(chroma_url=chroma_server, data_dir=tmp_path / "first"), embedder=embedder)
    first.ingest([SEEDS], progress=False)
    # another app process (its own data folder) starts on the shared store: its index is filled at start
    second = Assistant(load_settings(chroma_url=chroma_server, data_dir=tmp_path / "second"), embedder=embedder)
    assert len(second.keyword_drift.missing) == 5 and second.keyword_drift.repaired
    assert second.keyword.indexed() == first.keyword.indexed()
    assert second.keyword.search("Elwood National Guard", 10) == first.keyword.search("Elwood National Guard", 10)

    # the first ingests one more article; the second catches up on refresh, with only that article
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "ferry.txt").write_text("Ferry Strike\n\nFerry workers in Wellington walked out over a zeppelin "
                                     "terminal on Tuesday.\n", encoding="utf-8")
    [new_id] = first.ingest([extra], progress=False).ingested
    assert second.keyword.search("zeppelin", 5) == []
    second.refresh()
    assert second.keyword_drift.missing == [new_id] and not second.keyword_drift.changed
    assert [cid for cid, _ in second.keyword.search("zeppelin", 5)][0].startswith(new_id)
    assert not Assistant(load_settings(chroma_url=chroma_server, data_dir=tmp_path / "second"),
                         embedder=embedder).keyword_drift.drifted  # a restart finds it in step


def test_a_write_by_another_app_process_is_seen_without_a_restart(chroma_server, embedder, tmp_path):
    """Several app processes over one Chroma server: a write by any of them (here an ingest in
    another process) moves the store's change mark; the others refresh on it at their next
    question, bring their own keyword index in step and show the suggestions that write made."""
    serving = Assistant(load_settings(chroma_url=chroma_server, data_dir=tmp_path / "serving"), embedder=embedder)
    assert not serving.refresh_if_changed() and serving.suggestions().suggested == []
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "ferry.txt").write_text("Ferry Strike\n\nFerry workers in Wellington walked out over a zeppelin "
                                     "terminal on Tuesday, the union's leader Mere Tane said.\n", encoding="utf-8")
    other = run_cli("ingest", str(SEEDS), str(extra), "--chroma-url", chroma_server,
                    env={"ASSISTANT_DATA_DIR": str(tmp_path / "other")})
    assert other.returncode == 0, other.stderr
    time.sleep(1.1)  # a server's change mark is read at most once a second
    assert serving.health()["store"]["stale"]
    assert serving.refresh_if_changed()
    assert serving.pipeline.counts["articles"] == 6 and len(serving.keyword_drift.missing) == 6
    assert "zeppelin terminal" in serving.answer("Why did ferry workers in Wellington walk out?").answer
    assert serving.suggestions().suggested  # made by the other process's ingest, kept in the store
    assert not serving.refresh_if_changed()
