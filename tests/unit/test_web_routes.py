"""Each router of the web API on its own, over the small corpus (in-memory store, hashing embedder),
with the app's error handlers; and the answer's reply model against the ``ask --json`` shape."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from assistant.models import Location
from assistant.routes import (
    WebState,
    admin_router,
    answers_router,
    fallback_router,
    feedback_router,
    static_router,
)
from assistant.schemas import AnswerReply, public
from assistant.settings import load_settings
from assistant.web import add_error_handlers

TOKEN = "editors-only-0123456789"
QUESTION = "What did the Springfield council approve?"


def served(web: WebState, *routers) -> TestClient:
    """A client of an app with only ``routers`` (and the app's error handlers) over ``web``."""
    app = FastAPI(docs_url=None, redoc_url=None)
    app.state.web = web
    add_error_handlers(app)
    for router in routers:
        app.include_router(router)
    return TestClient(app)


@pytest.fixture
def web(small, tmp_path) -> WebState:
    settings = load_settings(data_dir=tmp_path / "data", rate_limit="2/hour", admin_token=TOKEN)
    return WebState.build(settings, small)


def test_the_answer_router_sends_the_ask_json_with_sources_shown_relative(web, small):
    r = served(web, answers_router()).post("/api/ask", json={"question": QUESTION, "conversation_id": "c1"})
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    body = r.json()
    expected = small.answer(QUESTION).to_dict()
    assert list(body) == ["id", *expected, "conversation_id"]  # the keys, in the CLI's order
    assert body.pop("id") and body.pop("conversation_id") == "c1"
    assert body == public(expected)
    assert {c["source"] for c in body["citations"]} == {"council.txt"}  # not the corpus's absolute path
    assert web.feedback.entry(r.json()["id"]).conversation_id == "c1"


def test_the_answer_router_refuses_a_bad_question_and_the_client_past_its_limit(web):
    client = served(web, answers_router())
    r = client.post("/api/ask", json={"question": " "})
    assert r.status_code == 422 and "empty" in r.json()["error"]
    codes = [client.post("/api/ask", json={"question": QUESTION}).status_code for _ in range(2)]
    assert codes == [200, 429]  # the refused question counted too: 2 per hour
    r = client.post("/api/ask", json={"question": QUESTION})
    assert r.json() == {"error": f"Too many questions; try again in {r.headers['retry-after']} s.",
                        "retry_after": int(r.headers["retry-after"])}


def test_the_reply_model_keeps_the_answers_keys_values_and_order(small, tmp_path):
    answer = small.answer("What is the population of Springfield?")  # abstains: closest_matches
    assert answer.abstained and answer.closest
    elsewhere = Location("protest", str(tmp_path / "private" / "protest.txt"), 0, 10, None, "Post", None)
    answer.closest[0] = replace(answer.closest[0], also_in=[elsewhere], also_at=[str(tmp_path / "copy.txt")])
    answer.retrieved[0] = replace(answer.retrieved[0], also_in=[elsewhere])
    answer.notice, answer.searched, answer.id = "The LLM failed.", "Population of Springfield?", "0123456789abcdef"
    sent = {**public(answer.to_dict()), "conversation_id": "c1"}
    reply = AnswerReply.of(answer, "c1").model_dump(mode="json", exclude_unset=True)
    assert json.dumps(reply) == json.dumps(sent)
    assert reply["closest_matches"][0]["also_at"] == ["copy.txt"]
    assert reply["retrieved"][0]["also_in"][0]["source"] == "protest.txt"
    plain = small.answer(QUESTION)  # no id, notice, closest_matches or searched: none sent
    assert json.dumps(AnswerReply.of(plain, "c2").model_dump(mode="json", exclude_unset=True)) == json.dumps(
        {**public(plain.to_dict()), "conversation_id": "c2"})


def test_the_feedback_router_keeps_a_rating_and_refuses_an_unknown_answer(web, small):
    answer_id = web.feedback.record(small.answer(QUESTION), "c1")
    client = served(web, feedback_router())
    r = client.post("/api/feedback", json={"answer_id": answer_id, "helpful": False, "comment": "Too short"})
    assert r.status_code == 200 and r.json() == {"answer_id": answer_id, "helpful": False, "comment": "Too short"}
    r = client.post("/api/feedback", json={"answer_id": "0123456789abcdef", "helpful": True})
    assert r.status_code == 404 and "no answer has the id '0123456789abcdef'" in r.json()["error"]
    assert client.post("/api/feedback", json={"answer_id": answer_id, "helpful": True}).status_code == 429


def test_the_admin_router_reads_the_assistant_and_guards_the_gaps_page(web):
    client = served(web, admin_router())
    assert [a["source"] for a in client.get("/api/articles").json()] == ["council.txt", "protest.txt"]
    assert client.get("/api/health").json()["store"]["articles"] == 2
    assert all(e["citation"]["source"] in ("council.txt", "protest.txt")
               for e in client.get("/api/timeline").json()["events"])
    assert set(client.get("/api/suggestions").json()) == {"suggested", "made"}
    r = client.get("/admin/gaps")
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer" and "admin token" in r.json()["error"]
    assert client.get("/admin/gaps", params={"token": "wrong"}).json() == {"error": "Wrong admin token."}
    ok = client.get("/admin/gaps", headers={"Authorization": f"Bearer {TOKEN}"})
    assert ok.status_code == 200 and ok.headers["cache-control"] == "no-store"
    off = WebState.build(load_settings(data_dir=web.settings.data_dir), web.assistant)
    r = served(off, admin_router()).get("/admin/gaps", headers={"Authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 404 and r.json() == {"error": "Not found."}


def test_the_static_router_serves_the_widget_with_its_etag_and_says_why_docs_are_off(web):
    client = served(web, static_router(api_docs=False))
    r = client.get("/widget.js")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/javascript")
    again = client.get("/widget.js", headers={"If-None-Match": r.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    assert "/openapi.json" in client.get("/docs").json()["error"]
    assert [r.path for r in static_router(api_docs=True).routes] == ["/widget.js"]  # /docs is FastAPI's own then


def test_the_fallback_router_names_the_allowed_methods_of_the_other_routers(web):
    client = served(web, admin_router(), fallback_router())
    r = client.post("/api/health")
    assert r.status_code == 405 and r.headers["allow"] == "GET"
    assert r.json() == {"error": "POST is not allowed on /api/health: use GET."}
    r = client.get("/api/nothing-here")
    assert r.status_code == 404 and r.json()["error"].startswith("No such route: /api/nothing-here.")


@pytest.mark.parametrize("path, body, field, code", [
    ("/api/ask", {"question": "Who\x00 arrived?"}, "question", "U+0000"),
    ("/api/ask", {"question": "Who?", "history": [{"role": "user", "content": "Who\x00 arrived?"}]},
     "history.0.content", "U+0000"),
    ("/api/ask", {"question": "Who?", "history": [{"role": "user", "content": "Who arrived?"},
                                                  {"role": "assistant", "content": "Troops \x1b[31m"}]},
     "history.1.content", "U+001B"),
    ("/api/ask", {"question": "Who?", "conversation_id": "c1\x00"}, "conversation_id", "U+0000"),
    ("/api/feedback", {"answer_id": "0123456789abcdef\x00", "helpful": True}, "answer_id", "U+0000"),
    ("/api/feedback", {"answer_id": "0123456789abcdef", "helpful": False, "comment": "Wrong\x00"}, "comment",
     "U+0000"),
    ("/api/feedback", {"answer_id": "0123456789abcdef", "helpful": False, "comment": "Wrong \ud800"}, "comment",
     "U+D800"),
], ids=["question", "history-content", "history-escape", "conversation-id", "answer-id", "comment-nul",
        "comment-lone-surrogate"])
def test_every_text_field_refuses_characters_that_are_not_text_and_names_the_field(web, path, body, field, code):
    client = served(web, answers_router(), feedback_router())
    r = client.post(path, content=json.dumps(body), headers={"Content-Type": "application/json"})
    assert r.status_code == 422
    assert r.json() == {"error": f"Invalid request: {field}: contains a character that is not text ({code}); "
                                 "remove it and send it again."}


def test_tabs_and_line_breaks_stay_allowed_in_messages_and_comments(web, small):
    answer_id = web.feedback.record(small.answer(QUESTION), "c1")
    client = served(web, answers_router(), feedback_router())
    history = [{"role": "user", "content": "Who approved\tthe budget?"},
               {"role": "assistant", "content": "The council.\r\nOn Monday. [1]"}]
    assert client.post("/api/ask", json={"question": "And when?\n", "history": history}).status_code == 200
    r = client.post("/api/feedback", json={"answer_id": answer_id, "helpful": False, "comment": "Two lines:\n\tthis"})
    assert r.status_code == 200 and r.json()["comment"] == "Two lines:\n\tthis"
