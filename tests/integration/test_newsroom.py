"""The newsroom loop over real HTTP and in chromium: answer ids, feedback, the editors' gaps (CLI and
/admin/gaps), the regression export, and suggested questions that are always answered."""

from __future__ import annotations

import json

import httpx
import pytest
import yaml

from assistant.evaluation import read_set
from assistant.settings import load_settings
from assistant.web import create_app
from tests.conftest import run_cli
from tests.integration.conftest import Server
from tests.integration.test_browser import ask_in_chat, ask_in_widget, widget_on

pytestmark = pytest.mark.integration
TOKEN = "editors-only-0123456789"
UNANSWERABLE = "What is the population of Elwood?"


@pytest.fixture(scope="session")
def newsroom(assistant, sites, tmp_path_factory):
    """The web app over the seeded store with its own feedback log and an admin token."""
    log = tmp_path_factory.mktemp("newsroom") / "feedback.sqlite3"
    settings = load_settings(data_dir=assistant.settings.data_dir, allowed_origins=[sites["allowed"].origin],
                             rate_limit="0", feedback_db=log, admin_token=TOKEN)
    with Server(create_app(settings, assistant), settings) as server:
        server.feedback_db = log
        yield server


def post(server, path, payload, raw=None):
    return httpx.post(f"{server.url}{path}", content=raw if raw is not None else json.dumps(payload), timeout=60,
                      headers={"Content-Type": "application/json"})


def cli_env(server) -> dict:
    return {"ASSISTANT_FEEDBACK_DB": str(server.feedback_db), "ASSISTANT_DATA_DIR": str(server.feedback_db.parent)}


def gaps(server) -> list[dict]:
    done = run_cli("gaps", "--json", env=cli_env(server))
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)["gaps"]


def test_answers_have_ids_and_conversations(newsroom):
    first = post(newsroom, "/api/ask", {"question": "Who arrived in Elwood and when?"}).json()
    assert len(first["id"]) >= 16 and first["conversation_id"]
    second = post(newsroom, "/api/ask", {"question": "And who ordered their deployment?",
                                         "conversation_id": first["conversation_id"], "history": [
                                             {"role": "user", "content": first["question"]},
                                             {"role": "assistant", "content": first["answer"]}]}).json()
    assert second["conversation_id"] == first["conversation_id"] and second["id"] != first["id"]
    r = post(newsroom, "/api/feedback", {"answer_id": second["id"], "helpful": True})
    assert r.status_code == 200 and r.json() == {"answer_id": second["id"], "helpful": True, "comment": None}


@pytest.mark.parametrize("payload, status, says", [
    ({"answer_id": "0123456789abcdef", "helpful": False}, 404, "no answer has the id '0123456789abcdef'"),
    ({"answer_id": "ANSWER", "helpful": False, "comment": "x" * 10_000}, 422, "at most 1000 characters"),
    ({"answer_id": "ANSWER", "helpful": False, "comment": "x" * 1001}, 422, "at most 1000 characters"),
    ({"answer_id": "ANSWER", "helpful": "no"}, 422, "helpful: Input should be a valid boolean"),
    ({"answer_id": "ANSWER", "helpful": 0}, 422, "helpful: Input should be a valid boolean"),
    ({"answer_id": 12345, "helpful": True}, 422, "answer_id: Input should be a valid string"),
    ({"answer_id": "ANSWER", "helpful": True, "comment": ["a"]}, 422, "comment: Input should be a valid string"),
    ({"answer_id": "ANSWER"}, 422, "helpful: Field required"),
    ({"answer_id": "ANSWER", "helpful": True, "rating": 5}, 422, "rating: Extra inputs are not permitted"),
    ({"answer_id": "", "helpful": True}, 422, "answer_id: String should have at least 1 character"),
])
def test_bad_feedback_is_refused_with_a_reason(newsroom, payload, status, says):
    answer = post(newsroom, "/api/ask", {"question": "Where is Elwood?"}).json()
    if payload.get("answer_id") == "ANSWER":
        payload = {**payload, "answer_id": answer["id"]}
    r = post(newsroom, "/api/feedback", payload)
    assert r.status_code == status, r.text
    assert says in r.json()["error"]
    stored = httpx.get(f"{newsroom.url}/admin/gaps", headers={"Authorization": f"Bearer {TOKEN}"}).text
    assert "Where is Elwood?" not in stored  # nothing was kept


def test_malformed_feedback_json_is_400(newsroom):
    r = post(newsroom, "/api/feedback", None, raw="{answer_id: nope")
    assert r.status_code == 400 and "not valid JSON" in r.json()["error"]


def test_feedback_is_rate_limited(strict_web):
    codes = [post(strict_web, "/api/feedback", {"answer_id": "feedfeedfeedfeed", "helpful": True}).status_code
             for _ in range(3)]
    assert codes == [404, 404, 429]


def test_admin_page_needs_the_token(newsroom, web):
    url = f"{newsroom.url}/admin/gaps"
    assert httpx.get(f"{web.url}/admin/gaps", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 404
    assert httpx.get(url).status_code == 401
    assert httpx.get(url, headers={"Authorization": "Bearer editors-only-0123456788"}).status_code == 403
    assert httpx.get(url, params={"token": "wrong"}).status_code == 403
    assert httpx.get(url, headers={"Authorization": f"Basic {TOKEN}"}).status_code == 403
    for ok in (httpx.get(url, headers={"Authorization": f"Bearer {TOKEN}"}), httpx.get(url, params={"token": TOKEN})):
        assert ok.status_code == 200 and "Unanswered and flagged questions" in ok.text
        assert ok.headers["cache-control"] == "no-store"


def test_gaps_and_export_from_api_feedback(newsroom, tmp_path):
    hostile = "<script>alert(1)</script> What is the population of Elwood?"
    for question in (UNANSWERABLE, "What's the population of Elwood?", hostile):
        assert post(newsroom, "/api/ask", {"question": question}).json()["abstained"]
    flagged = post(newsroom, "/api/ask", {"question": "Who is JB Pritzker?"}).json()
    r = post(newsroom, "/api/feedback", {"answer_id": flagged["id"], "helpful": False, "comment": "Says nothing of him"})
    assert r.status_code == 200
    found = {g["question"]: g for g in gaps(newsroom)}
    merged = next(g for g in found.values() if UNANSWERABLE in [w["question"] for w in g["wordings"]])
    assert merged["count"] >= 3 and merged["abstained"] >= 3  # the three wordings are one gap
    assert found["Who is JB Pritzker?"]["comments"] == ["Says nothing of him"]
    page = httpx.get(f"{newsroom.url}/admin/gaps", params={"token": TOKEN}).text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>" not in page
    assert "Says nothing of him" in page

    out = tmp_path / "from-readers.qa.yaml"
    done = run_cli("feedback", "export", "--regression", str(out), env=cli_env(newsroom))
    assert done.returncode == 0, done.stderr
    cases = {c.question: c for c in read_set(out).cases}
    assert "Who is JB Pritzker?" in cases and not cases["Who is JB Pritzker?"].expects
    assert "# reader: Says nothing of him" in out.read_text(encoding="utf-8")
    done = run_cli("eval", str(out), env=cli_env(newsroom))
    assert done.returncode == 0, done.stderr
    assert f"skipped {len(cases)} questions whose expect is empty" in done.stdout


def test_eval_checks_filled_questions_and_skips_empty_ones(seeded_dir, tmp_path):
    qa = tmp_path / "mixed.qa.yaml"
    qa.write_text(yaml.safe_dump({"questions": [
        {"id": "filled", "question": "Where is Elwood?", "expect": {"mentions": ["45 miles southwest of Chicago"]}},
        {"id": "empty", "question": UNANSWERABLE, "expect": {}}]}), encoding="utf-8")
    done = run_cli("eval", str(qa), env={"ASSISTANT_DATA_DIR": str(seeded_dir)})
    assert done.returncode == 0, done.stdout + done.stderr
    assert "skipped 1 question whose expect is empty" in done.stdout and "filled" in done.stdout
    assert "passed: 1" in done.stdout and "questions: 1" in done.stdout


def test_suggestions_are_answered_never_abstained(newsroom):
    suggested = httpx.get(f"{newsroom.url}/api/suggestions").json()["suggested"]
    assert 3 <= len(suggested) <= 4
    follow_ups = []
    for question in suggested:
        body = post(newsroom, "/api/ask", {"question": question}).json()
        assert not body["abstained"], question
        assert 2 <= len(body["follow_ups"]) <= 3 and question not in body["follow_ups"]
        cited = {c["article_id"] for c in body["citations"]}
        follow_ups += body["follow_ups"]
        assert cited
    for question in dict.fromkeys(follow_ups):
        assert not post(newsroom, "/api/ask", {"question": question}).json()["abstained"], question


# -- in the browser ------------------------------------------------------------------------------

def bot_text(pg) -> str:
    return pg.locator("#na-chatbot").inner_text()


def test_feedback_in_the_chat_reaches_gaps_and_the_export(newsroom, page, tmp_path):
    pg, rec = page
    pg.goto(newsroom.url + "/")
    suggested = httpx.get(f"{newsroom.url}/api/suggestions").json()["suggested"]
    for question in suggested:  # the chat's examples are the checked suggestions
        pg.get_by_text(question, exact=True).first.wait_for()
    pg.get_by_text(suggested[0], exact=True).first.click()  # a suggestion is answered, with follow-ups to click
    pg.wait_for_function("document.querySelectorAll('.na-sources').length > 0")
    pg.get_by_text("You could also ask:").wait_for()
    assert "The articles do not say" not in bot_text(pg)
    follow_up = httpx.post(f"{newsroom.url}/api/ask", json={"question": suggested[0]}, timeout=60).json()["follow_ups"][0]
    pg.get_by_role("button", name=follow_up).first.click()
    pg.wait_for_function("document.querySelectorAll('.na-sources').length > 1")
    pg.wait_for_function("!document.querySelector('#na-question textarea').disabled")
    assert "The articles do not say" not in bot_text(pg)
    ask_in_chat(pg, "Who is Kristi Noem's spokesperson?", 2)
    bot = pg.locator("#na-chatbot")
    bot.get_by_label("Dislike").last.click()
    question = "Who is Kristi Noem's spokesperson?"
    pg.wait_for_timeout(300)
    for _ in range(50):
        found = [g for g in gaps(newsroom) if g["question"] == question]
        if found:
            break
        pg.wait_for_timeout(200)
    assert found and found[0]["flagged"] == 1
    # The reader's own words on the rating, from the box the rating opened.
    pg.locator("#na-comment textarea, #na-comment input").first.fill("Names no spokesperson")
    pg.locator("#na-comment-send").click()
    for _ in range(50):
        found = [g for g in gaps(newsroom) if g["question"] == question]
        if found and found[0]["comments"]:
            break
        pg.wait_for_timeout(200)
    assert found[0]["flagged"] == 1 and found[0]["comments"] == ["Names no spokesperson"]
    pg.wait_for_function("!document.querySelector('#na-comment-row') || document.querySelector('#na-comment-row').offsetParent === null")
    out = tmp_path / "chat.qa.yaml"
    assert run_cli("feedback", "export", "--regression", str(out), env=cli_env(newsroom)).returncode == 0
    assert question in [c.question for c in read_set(out).cases]
    assert rec.outside() == []


def test_feedback_in_the_widget_on_another_origin(newsroom, sites, page, tmp_path):
    pg, rec = page
    question = "Which airport did the troops fly into?"
    widget = widget_on(pg, sites["allowed"].page_with_widget("rate.html", newsroom.url), question)
    rating = widget.locator(".rating").last
    rating.wait_for()
    rating.get_by_role("button", name="Not helpful").click()
    rating.locator(".rate-status").filter(has_text="Thanks!").wait_for()
    rating.locator("input").fill("Wanted the airport's name")
    rating.get_by_role("button", name="Send").click()
    rating.locator(".rate-status").filter(has_text="comment sent").wait_for()
    found = [g for g in gaps(newsroom) if g["question"] == question]
    assert found and found[0]["flagged"] == 1 and found[0]["comments"] == ["Wanted the airport's name"]
    out = tmp_path / "widget.qa.yaml"
    assert run_cli("feedback", "export", "--regression", str(out), env=cli_env(newsroom)).returncode == 0
    assert "# reader: Wanted the airport's name" in out.read_text(encoding="utf-8")
    assert rec.outside() == [] and rec.dialogs == []


def test_a_suggested_question_clicked_in_the_widget_is_answered(newsroom, sites, page):
    pg, rec = page
    widget = widget_on(pg, sites["allowed"].page_with_widget("suggest.html", newsroom.url))
    chips = widget.locator(".suggested .chip")
    chips.first.wait_for()
    suggested = chips.all_inner_texts()
    assert 3 <= len(suggested) <= 4
    chips.first.click()
    answer = widget.locator(".a").last
    answer.locator(".rating").wait_for()
    assert "The articles do not say" not in answer.inner_text()
    assert widget.locator(".sources-label").last.inner_text() == "Sources"
    assert widget.locator(".suggested").count() == 0  # the empty state is gone
    follow = answer.locator(".follow-ups .chip")
    assert 2 <= follow.count() <= 3
    follow.first.click()
    widget.locator(".a").nth(1).locator(".rating").wait_for()
    assert "The articles do not say" not in widget.locator(".a").nth(1).inner_text()
    assert rec.outside() == []


def test_widget_question_typed_then_rated_helpful(newsroom, sites, page):
    pg, rec = page
    widget = widget_on(pg, sites["allowed"].page_with_widget("rate2.html", newsroom.url))
    ask_in_widget(widget, "Where is Elwood?")
    rating = widget.locator(".rating").last
    rating.get_by_role("button", name="Helpful", exact=True).click()
    rating.locator(".rate-status").filter(has_text="Thanks!").wait_for()
    assert not [g for g in gaps(newsroom) if g["question"] == "Where is Elwood?" and g["flagged"]]
