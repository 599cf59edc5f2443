"""Two ingests into one data folder at once: the second waits for the first, and the store stays whole."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT, run_cli
from vectorstore.lock import WriterLock

pytestmark = pytest.mark.integration


def test_concurrent_ingests_take_turns_and_the_store_answers(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env["ASSISTANT_DATA_DIR"] = str(tmp_path / "data")
    cmd = [sys.executable, "-m", "assistant", "ingest", "--json"]
    procs = [subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    outs = [p.communicate(timeout=600) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [err for _, err in outs]
    reports = sorted((json.loads(out) for out, _ in outs), key=lambda r: len(r["ingested"]))
    assert len(reports[0]["unchanged"]) == 5 and len(reports[1]["ingested"]) == 5  # one wrote, the other found it
    answer = run_cli("ask", "Who arrived in Elwood and when?", "--json", env={"ASSISTANT_DATA_DIR": env["ASSISTANT_DATA_DIR"]})
    assert answer.returncode == 0, answer.stderr
    assert "Texas National Guard" in json.loads(answer.stdout)["answer"]


def test_an_ingest_that_cannot_get_the_store_says_so_and_exits_2(tmp_path):
    data = tmp_path / "data"
    with WriterLock(data / "chroma"):
        busy = run_cli("ingest", env={"ASSISTANT_DATA_DIR": str(data), "ASSISTANT_LOCK_TIMEOUT": "1"})
    assert busy.returncode == 2
    assert "error: another ingest" in busy.stderr and "is writing to" in busy.stderr and "Traceback" not in busy.stderr


def test_a_running_assistant_sees_an_ingest_by_another_process(tmp_path, embedder):
    from assistant.answer import Assistant
    from assistant.settings import load_settings

    data = tmp_path / "data"
    first = run_cli("ingest", str(ROOT / "seeds" / "000_260dedd85ce9b948.txt"), env={"ASSISTANT_DATA_DIR": str(data)})
    assert first.returncode == 0, first.stderr
    serving = Assistant(load_settings(data_dir=data), embedder=embedder)
    question = "How old is Trump?"  # answered by 004 only ("the 79-year-old")
    assert "79" not in serving.answer(question).answer
    assert not serving.refresh_if_changed()  # nothing new yet
    second = run_cli("ingest", str(ROOT / "seeds"), env={"ASSISTANT_DATA_DIR": str(data)})
    assert second.returncode == 0, second.stderr
    health = serving.health()["store"]  # health asks the store nothing: it says a refresh is due
    assert health["stale"] and health["articles"] == 1
    assert serving.refresh_if_changed()
    refreshed = serving.health()["store"]
    assert not refreshed["stale"] and refreshed["articles"] == 5 and refreshed["chunks"] > health["chunks"]
    after = serving.answer(question)
    assert "79" in after.answer and any(c.location.article_id == "004_e28152c5ebfe76fb" for c in after.citations)
    assert len(serving.timeline()) > 20


def test_answers_while_another_process_ingests_never_fail(tmp_path, embedder):
    """An embedded Chroma store shows another process's records at once but its vectors only after a
    reopen; the keyword index follows at once too. Answers during such an ingest used to fail
    ("Error finding id") for the chunks the keyword index found but the vector index lacked."""
    from assistant.answer import Assistant
    from assistant.settings import load_settings

    data, incoming = tmp_path / "data", tmp_path / "incoming"
    incoming.mkdir()
    seeds = sorted((ROOT / "seeds").glob("*.txt"))
    # Pairs of paragraphs of four seed articles as articles of their own: a few hundred chunks, more
    # than Chroma keeps in its log before it writes them to its vector index.
    paragraphs = [p for seed in seeds[1:] for p in seed.read_text(encoding="utf-8").split("\n\n") if len(p) > 150]
    for step in (1, 3, 7):
        for n, text in enumerate(paragraphs):
            (incoming / f"{step}-{n}.txt").write_text(text + "\n\n" + paragraphs[(n + step) % len(paragraphs)],
                                                      encoding="utf-8")
    serving = Assistant(load_settings(data_dir=data, suggest_articles=0), embedder=embedder)
    assert len(serving.ingest([ROOT / "seeds"], progress=False).ingested) == 5  # the serving process wrote too
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env.update(ASSISTANT_DATA_DIR=str(data), ASSISTANT_SUGGEST_ARTICLES="0")
    writer = subprocess.Popen([sys.executable, "-m", "assistant", "ingest", str(incoming)], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    questions = ["Who arrived in Elwood and when?", "What did the judge rule about the deployment?",
                 "How many National Guard troops were sent from Texas?", "What happened in Broadview?"]
    asked = 0
    while writer.poll() is None and asked < 2000:
        serving.refresh_if_changed()
        for question in questions:
            serving.answer(question)  # raised before: InternalError "Error finding id"
            asked += 1
    assert writer.wait(timeout=600) == 0, writer.stderr.read()
    assert asked >= len(questions)
    assert serving.refresh_if_changed() or not serving.snapshots.stale()
    assert serving.pipeline.counts["articles"] > 1
