"""The HTTP API, over real HTTP to the app served on 127.0.0.1 (no test client shortcut)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import re
import signal
import socket
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
    cli_body = json.loads(cli.stdout)
    assert body.pop("id") != cli_body.pop("id")  # each answer its own id (feedback names it)
    assert body.pop("conversation_id")
    assert body == cli_body
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
    cli_body = json.loads(cli.stdout)
    assert body.pop("id") != cli_body.pop("id") and body.pop("conversation_id")
    assert cli_body == body
    bad = ask(web, {"question": "Who arrived?", "as_of": "last week"})
    assert bad.status_code == 422 and "as_of" in bad.json()["error"]
    assert run_cli("ask", "Who arrived?", "--as-of", "last week").returncode == 2


def test_ask_gives_a_short_answer_span_when_the_question_wants_one(web, assistant):
    body = ask(web, {"question": "Which state's National Guard troops were sent to Illinois?"}).json()
    short = body["short_answer"]
    assert short["text"] == "Texas"
    assert assistant.store.article(short["article_id"]).text[short["start"]:short["end"]] == "Texas"
    assert ask(web, {"question": "Why did Pritzker object to the troops?"}).json()["short_answer"] is None
# -- sharing the server fairly, and its limits (the hardening issue) ---------------------------

def test_health_and_the_widget_never_wait_behind_answers(web):
    """60 questions at once (more than a thread pool's 40 workers): health and the widget script
    come back while the questions are being answered, not after them. Measured as order, not time:
    how many answers finish between sending a probe and its reply."""
    finished: list[float] = []

    async def scenario():
        limits = httpx.Limits(max_connections=80, max_keepalive_connections=80)
        async with httpx.AsyncClient(base_url=web.url, timeout=300, limits=limits) as client:
            async def one(i):
                r = await client.post("/api/ask", json={"question": f"Who arrived in Elwood, question {i}?"})
                finished.append(time.monotonic())
                return r.status_code

            asks = [asyncio.create_task(one(i)) for i in range(60)]
            while not finished:  # the server is answering; every question has been sent
                await asyncio.sleep(0.01)
            probes = {}
            for path in ("/api/health", "/widget.js"):
                sent = len(finished)
                r = await client.get(path)
                assert r.status_code == 200
                probes[path] = len(finished) - sent
            codes = await asyncio.gather(*asks)
            return probes, codes

    # on a thread of its own: after the browser tests, Playwright's loop is still set on this one
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        probes, codes = pool.submit(asyncio.run, scenario()).result()
    assert codes == [200] * 60
    # Behind the answers, each probe would wait for 20 or more of them to finish first.
    assert probes["/api/health"] <= 6 and probes["/widget.js"] <= 6, probes


@pytest.mark.parametrize("method, path, kwargs, status, says", [
    ("GET", "/api/ask", {}, 405, "use POST"),
    ("PUT", "/api/ask", {"json": {"question": "Who?"}}, 405, "use POST"),
    ("POST", "/api/health", {}, 405, "use GET"),
    ("DELETE", "/api/articles", {}, 405, "use GET"),
    ("GET", "/api/nothing-here", {}, 404, "No such route"),
    ("POST", "/api/ask", {"content": b'\xff\xfe{"question": "Who?"}', "headers": {"Content-Type": "application/json"}},
     400, "not valid JSON"),
    ("POST", "/api/ask", {"content": b'{"question": "Who?"}', "headers": {"Content-Type": "text/plain"}}, 415,
     "Content-Type: application/json (this request said: text/plain)"),
    ("POST", "/api/ask", {"content": b'{"question": "Who?"}'}, 415, "no Content-Type"),
    ("POST", "/api/ask", {"content": b"[1, 2]", "headers": {"Content-Type": "application/json"}}, 422, "Invalid request"),
    ("POST", "/api/ask", {"content": b"null", "headers": {"Content-Type": "application/json"}}, 422, "Invalid request"),
    ("POST", "/api/ask", {"content": b"x" * 600_000}, 413, "too large"),
    ("GET", "/api/health", {"headers": {"X-Padding": "a" * 40_000}}, 431, "headers are too large"),
    ("POST", "/gradio_api/upload", {"files": {"files": ("big.txt", b"x" * 1000)}}, 403, "no file uploads"),
    ("POST", "/gradio_api/component_server", {"files": {"file": ("a.txt", b"x")}}, 403, "no file uploads"),
    ("GET", "/docs", {}, 404, "/openapi.json"),
], ids=["get-ask", "put-ask", "post-health", "delete-articles", "unknown", "not-utf8", "json-as-text", "no-type",
        "json-list", "json-null", "body-too-large", "head-too-large", "gradio-upload", "gradio-form", "docs-off"])
def test_every_refusal_is_json_with_an_error(web, method, path, kwargs, status, says):
    r = httpx.request(method, f"{web.url}{path}", timeout=30, **kwargs)
    assert r.status_code == status
    assert r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert set(body) == {"error"} and says in body["error"]
    if status == 405:
        assert r.headers["allow"] == ("POST" if path == "/api/ask" else "GET")


def test_the_spec_is_served_but_no_page_loads_from_a_cdn(web):
    assert httpx.get(f"{web.url}/openapi.json", timeout=30).status_code == 200
    page = httpx.get(f"{web.url}/", timeout=30).text
    assert "cdn.jsdelivr.net" not in page and "unpkg.com" not in page


def test_a_client_over_the_rate_limit_gets_429_with_retry_after(strict_web, sites):
    origin = sites["allowed"].origin
    codes = []
    for _ in range(3):  # 2 per hour are allowed (another test may have used them already)
        r = ask(strict_web, {"question": "Who arrived in Elwood and when?"}, headers={"Origin": origin})
        codes.append(r.status_code)
        if r.status_code == 429:
            break
    assert codes[-1] == 429 and set(codes[:-1]) <= {200}
    wait = int(r.headers["retry-after"])
    assert 1 <= wait <= 1800
    assert r.json() == {"error": f"Too many questions; try again in {wait} s.", "retry_after": wait}
    # the widget on an allowed page may read Retry-After
    assert "retry-after" in r.headers["access-control-expose-headers"].lower()
    # another address has its own allowance
    with httpx.Client(timeout=60, transport=httpx.HTTPTransport(local_address="127.0.0.3")) as other:
        assert other.post(f"{strict_web.url}/api/ask", json={"question": "Who arrived in Elwood?"}).status_code == 200


def test_no_absolute_path_leaves_the_server(strict_web):
    http = httpx.Client(base_url=strict_web.url, timeout=60, transport=httpx.HTTPTransport(local_address="127.0.0.2"))
    answer = http.post("/api/ask", json={"question": "Who arrived in Elwood and when?"})
    assert answer.status_code == 200
    replies = [answer.text, http.get("/api/articles").text, http.get("/api/timeline").text, http.get("/api/health").text]
    body = answer.json()
    shown = body["retrieved"] + body["citations"] + body.get("closest_matches", [])
    assert shown and {x["source"] for x in shown} == {"000_260dedd85ce9b948.txt"}  # the file's name only
    for text in replies:
        assert "private-articles" not in text and "/tmp" not in text and '"/' not in text


def test_a_body_that_never_arrives_gets_408_and_the_connection_is_closed(strict_web):
    with socket.create_connection(("127.0.0.1", strict_web.port), timeout=30) as c:
        c.sendall(b"POST /api/ask HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                  b"Content-Length: 100\r\n\r\n{\"question\": ")  # 100 bytes promised, 13 sent
        reply = _read_until_closed(c)
    assert reply.startswith(b"HTTP/1.1 408") and b"ASSISTANT_REQUEST_TIMEOUT" in reply


def test_a_request_head_that_never_ends_is_closed(strict_web):
    with socket.create_connection(("127.0.0.1", strict_web.port), timeout=30) as c:
        c.sendall(b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # no blank line: the head goes on
        assert _read_until_closed(c) == b""


def _read_until_closed(c: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection (a 30 s socket timeout fails the test)."""
    out = b""
    while chunk := c.recv(65536):
        out += chunk
    return out
