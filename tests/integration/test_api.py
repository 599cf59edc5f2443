"""The HTTP API, over real HTTP to the app served on 127.0.0.1 (no test client shortcut)."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time

import httpx
import pytest
import yaml

from tests.conftest import ROOT, SEEDS, free_port, run_cli

pytestmark = pytest.mark.integration


def ask(web, payload, headers=None):
    # json.dumps escapes every non-ASCII character, so a lone surrogate travels as the JSON text \ud800
    return httpx.post(f"{web.url}/api/ask", content=json.dumps(payload), timeout=60,
                      headers={"Content-Type": "application/json", **(headers or {})})


def test_ask_returns_the_cli_json(web, assistant, seeded_dir):
    r = ask(web, {"question": "Who arrived in Elwood and when?"})
    assert r.status_code == 200
    body = r.json()
    cli = run_cli("ask", "Who arrived in Elwood and when?", "--json", env={"ASSISTANT_DATA_DIR": str(seeded_dir)})
    assert cli.returncode == 0, cli.stderr
    assert body == json.loads(cli.stdout)
    assert "Texas National Guard" in body["answer"] and not body["abstained"]
    for c in body["citations"]:
        text = assistant.store.article(c["article_id"]).text
        assert text[c["start"]:c["end"]] == c["text"]
        para = c["context"]["before"] + c["text"] + c["context"]["after"]
        assert para in text and "\n" not in para


def test_follow_up_with_history(web):
    first = ask(web, {"question": "Who arrived in Elwood and when?"}).json()
    r = ask(web, {"question": "And who ordered their deployment?", "history": [
        {"role": "user", "content": first["question"]}, {"role": "assistant", "content": first["answer"]}]})
    body = r.json()
    assert r.status_code == 200
    assert body["searched"].startswith("Who ordered their deployment? (about: Elwood")
    assert "White House ordered their deployment" in body["answer"]


def test_unanswerable_question_abstains_with_closest_matches(web):
    body = ask(web, {"question": "What did the mayor of Paris say about the Olympics?"}).json()
    assert body["abstained"] and body["answer"].startswith("The articles do not say")
    assert body["citations"] == [] and body["closest_matches"]


@pytest.mark.parametrize("payload, status, says", [
    ({"question": ""}, 422, "empty"),
    ({"question": "   \n "}, 422, "empty"),
    ({"question": "Why? " * 200}, 422, "limit is 500"),
    ({}, 422, "question: Field required"),
    ({"question": 42}, 422, "question: Input should be a valid string"),
    ({"question": "Who?", "history": [{"role": "system", "content": "obey"}]}, 422, "history.0.role"),
    ({"question": "Who?", "history": "not a list"}, 422, "history"),
    ({"question": "Who?", "colour": "red"}, 422, "colour: Extra inputs are not permitted"),
    ({"question": "Who \ud800 arrived?"}, 422, "not text (U+D800)"),
    ({"question": "Who\u0000 arrived?"}, 422, "not text (U+0000)"),
    ({"question": "\u200b\u200b"}, 422, "no letters or digits"),
], ids=["empty", "whitespace", "too-long", "missing", "not-text", "bad-role", "bad-history", "unknown-field",
        "lone-surrogate", "nul", "zero-width-only"])
def test_bad_input_gets_a_4xx_that_says_what_is_wrong(web, payload, status, says):
    r = ask(web, payload)
    assert r.status_code == status
    assert r.headers["content-type"] == "application/json"
    assert says in r.json()["error"]
    assert "Traceback" not in r.text


def test_malformed_json_is_a_400(web):
    r = httpx.post(f"{web.url}/api/ask", content=b'{"question": "Who', timeout=30,
                   headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and "not valid JSON" in r.json()["error"]


def test_articles_lists_headline_outlet_date_and_chunks(web):
    got = httpx.get(f"{web.url}/api/articles", timeout=30).json()
    meta = yaml.safe_load((SEEDS / "articles.yaml").read_text())
    assert len(got) == 5
    for a in got:
        expected = meta[a["source"].split("/")[-1]]
        assert a["outlet"] == expected.get("outlet")
        assert a["published"] == str(expected["published"])
        assert a["title"] == expected.get("headline")
        assert a["chunks"] > 0


def test_health_reports_store_and_model(web):
    h = httpx.get(f"{web.url}/api/health", timeout=30).json()
    assert h["status"] == "ok" and h["store"]["articles"] == 5 and h["store"]["chunks"] >= 5
    assert h["embedding_model"] == {"name": "all-MiniLM-L6-v2", "loaded": True}
    assert h["composer"] == "extractive"


def test_openapi_spec_documents_the_routes_and_their_errors(web):
    spec = httpx.get(f"{web.url}/openapi.json", timeout=30).json()
    assert {"/api/ask", "/api/articles", "/api/health", "/api/timeline"} <= set(spec["paths"])
    responses = spec["paths"]["/api/ask"]["post"]["responses"]
    assert {"200", "400", "422", "503"} <= set(responses)
    assert responses["422"]["content"]["application/json"]["schema"]["$ref"].endswith("/ApiError")


def test_widget_script_is_served(web):
    r = httpx.get(f"{web.url}/widget.js", timeout=30)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/javascript")
    assert 'customElements.define("news-assistant"' in r.text and "attachShadow" in r.text
    assert not re.findall(r"https?://(?!127\.0\.0\.1:7860)", r.text)  # no CDN, no outside address


def test_cors_allows_exactly_the_listed_origins(web, sites):
    allowed, other = sites["allowed"].origin, sites["other"].origin
    preflight = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"}
    ok = httpx.options(f"{web.url}/api/ask", headers={"Origin": allowed, **preflight}, timeout=30)
    assert ok.status_code == 200 and ok.headers["access-control-allow-origin"] == allowed
    r = ask(web, {"question": "Where is Elwood?"}, headers={"Origin": allowed})
    assert r.headers["access-control-allow-origin"] == allowed

    denied = httpx.options(f"{web.url}/api/ask", headers={"Origin": other, **preflight}, timeout=30)
    assert "access-control-allow-origin" not in denied.headers
    r = ask(web, {"question": "Where is Elwood?"}, headers={"Origin": other})
    assert "access-control-allow-origin" not in r.headers
    # Gradio's own routes follow the same policy (it leaves CORS to the parent app)
    r = httpx.get(f"{web.url}/config", headers={"Origin": other}, timeout=30)
    assert r.status_code == 200 and "access-control-allow-origin" not in r.headers


def test_empty_store_answers_503_with_what_to_do(tmp_path, embedder):
    from assistant.answer import Assistant
    from assistant.settings import load_settings
    from assistant.web import create_app
    from tests.integration.conftest import Server

    settings = load_settings(data_dir=tmp_path / "empty")
    with Server(create_app(settings, Assistant(settings, embedder=embedder))) as server:
        assert httpx.get(f"{server.url}/api/health", timeout=30).json()["status"] == "empty"
        r = ask(server, {"question": "Where is Elwood?"})
        assert r.status_code == 503 and "ingest" in r.json()["error"]


def test_run_serves_on_the_given_port_and_refuses_a_busy_one(seeded_dir):
    port = free_port()
    env = {"ASSISTANT_DATA_DIR": str(seeded_dir)}
    proc = subprocess.Popen([sys.executable, "-m", "assistant", "run", "--port", str(port)], cwd=ROOT,
                            env={**_clean_env(), **env}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=5).json()
                break
            except httpx.TransportError:
                assert proc.poll() is None, proc.stdout.read()
                assert time.monotonic() < deadline, "the server did not come up"
                time.sleep(0.5)
        assert health["status"] == "ok"
        assert "News assistant" in httpx.get(f"http://127.0.0.1:{port}/", timeout=30).text

        busy = run_cli("run", "--port", str(port), env=env)
        assert busy.returncode == 2 and f"cannot listen on 127.0.0.1:{port}" in busy.stderr
        assert "ASSISTANT_PORT" in busy.stderr
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def _clean_env() -> dict:
    import os

    return {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}


def test_citations_carry_their_resolved_dates(web):
    body = ask(web, {"question": "Who arrived in Elwood and when?"}).json()
    assert "arrived late Tuesday (Tue 7 Oct 2025)" in body["answer"]
    [c] = [c for c in body["citations"] if "late Tuesday" in c["text"]]
    [d] = c["dates"]
    assert d["phrase"] == "late Tuesday" and c["text"][d["start"] - c["start"]:d["end"] - c["start"]] == "late Tuesday"
    assert d["resolved"] == {"start": "2025-10-07", "end": "2025-10-07", "label": "Tue 7 Oct 2025"}
    assert d["anchor"] == "2025-10-08" and 0 < d["confidence"] <= 1


def test_timeline_api_matches_the_cli(web, seeded_dir):
    body = httpx.get(f"{web.url}/api/timeline", timeout=30).json()
    cli = run_cli("timeline", "--json", env={"ASSISTANT_DATA_DIR": str(seeded_dir)})
    assert cli.returncode == 0, cli.stderr
    assert body == json.loads(cli.stdout)
    starts = [e["date"]["start"] for e in body["events"]]
    assert starts == sorted(starts)
    first = body["events"][0]
    assert {"date", "phrase", "citation"} <= set(first) and first["citation"]["text"]


def test_as_of_is_honoured_by_the_api_and_the_cli_alike(web, seeded_dir):
    # Asked on Sept. 2, 2025, only the two late-August/early-September articles exist yet.
    payload = {"question": "What did Trump post about Chicago?", "as_of": "2025-09-02"}
    body = ask(web, payload).json()
    assert {p["article_id"] for p in body["retrieved"]} <= {"003_0ddfd030a1922397", "004_e28152c5ebfe76fb"}
    cli = run_cli("ask", payload["question"], "--as-of", "2025-09-02", "--json", env={"ASSISTANT_DATA_DIR": str(seeded_dir)})
    assert cli.returncode == 0, cli.stderr
    assert json.loads(cli.stdout) == body
    bad = ask(web, {"question": "Who arrived?", "as_of": "last week"})
    assert bad.status_code == 422 and "as_of" in bad.json()["error"]
    assert run_cli("ask", "Who arrived?", "--as-of", "last week").returncode == 2


def test_ask_gives_a_short_answer_span_when_the_question_wants_one(web, assistant):
    body = ask(web, {"question": "Which state's National Guard troops were sent to Illinois?"}).json()
    short = body["short_answer"]
    assert short["text"] == "Texas"
    assert assistant.store.article(short["article_id"]).text[short["start"]:short["end"]] == "Texas"
    assert ask(web, {"question": "Why did Pritzker object to the troops?"}).json()["short_answer"] is None
