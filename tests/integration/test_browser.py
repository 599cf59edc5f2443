"""The web chat and the widget in a real browser (Debian's chromium, headless, via Playwright)."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.integration

ELWOOD = "Who arrived in Elwood and when?"


def ask_in_chat(page, question: str, answers_before: int) -> None:
    box = page.locator("#na-question textarea")
    box.fill(question)
    box.press("Enter")
    page.wait_for_function(f"document.querySelectorAll('.na-sources').length > {answers_before}")
    page.wait_for_function("!document.querySelector('#na-question textarea').disabled")


def widget_on(pg, url: str, question: str | None = None):
    """Open ``url``, open its widget, and ask ``question`` (if given); the widget's locator."""
    pg.goto(url)
    widget = pg.locator("news-assistant")
    widget.locator(".launcher").click()
    if question:
        ask_in_widget(widget, question)
    return widget


def ask_in_widget(widget, question: str) -> None:
    widget.locator("input[name=question]").fill(question)
    widget.locator("input[name=question]").press("Enter")


def exact_in_store(store, title: str, text: str) -> bool:
    """Whether ``text`` is a sentence of the stored article titled ``title``."""
    for aid, meta in store.article_index().items():
        if (meta.get("title") or meta["source"]) in title and text in store.article(aid).text:
            return True
    return False


def test_chat_answers_with_sources_and_follows_up(web, assistant, page, screenshot):
    pg, rec = page
    pg.goto(web.url + "/")
    ask_in_chat(pg, ELWOOD, 0)
    bot = pg.locator("#na-chatbot")
    assert "Texas National Guard" in bot.inner_text()
    source = bot.locator(".na-source").first
    assert re.match(r"\[1\]", source.locator(".na-head").inner_text())
    title = source.locator(".na-title").inner_text()
    cited = source.locator("mark").inner_text()
    assert exact_in_store(assistant.store, title, cited)
    assert "/gradio_api/queue/join" in " ".join(rec.requests)  # answered through the server
    assert "USA TODAY" in bot.locator(".na-meta").first.inner_text()
    # "late Tuesday" shown with the day it means, beside the phrase (the cited text unchanged)
    tuesday = bot.locator(".na-source", has_text="late Tuesday")
    assert "arrived late Tuesday (Tue 7 Oct 2025)" in tuesday.locator("mark").inner_text()
    assert tuesday.locator(".na-date").inner_text() == "(Tue 7 Oct 2025)"
    screenshot(pg, "chat.png")

    ask_in_chat(pg, "And who ordered their deployment?", 1)
    last = bot.locator(".na-sources").last
    assert "White House ordered their deployment" in last.inner_text()
    searched = bot.get_by_text("Searched for").last
    searched.click()
    assert "(about: Elwood" in bot.inner_text()
    ask_in_chat(pg, "Which state's National Guard troops were sent to Illinois?", 2)
    assert bot.locator(".na-short strong").last.inner_text() == "Texas"  # the short answer, first and bold
    # the answer's text starts with "Texas [n]" too: the chat shows that line once, as the bold one
    shown = bot.locator(".na-short").last.locator("xpath=..").inner_text()
    assert len(re.findall(r"Texas \[\d+\]", shown)) == 1, shown

    pg.get_by_role("button", name=re.compile("clear", re.I)).first.click()
    pg.wait_for_function("document.querySelectorAll('.na-sources').length == 0")
    assert rec.outside() == [] and rec.dialogs == []


def test_timeline_view(web, page):
    pg, rec = page
    pg.goto(web.url + "/")
    pg.get_by_role("button", name=re.compile("^Timeline")).click()
    items = pg.locator(".na-timeline li")
    items.first.wait_for()
    whens = [w for w in pg.locator(".na-timeline .na-when").all_inner_texts()]
    # "in August" (troops in Washington, D.C.) first, then the weekend of Trump's Aug. 30 post
    assert len(whens) > 20 and whens[:2] == ["Aug 2025", "23–24 Aug 2025"]
    oct4 = pg.locator(".na-timeline li", has_text="Sat 4 Oct 2025").all_inner_texts()
    assert any("Border Patrol" in t for t in oct4) and any("ordered their deployment" in t for t in oct4)


def test_chat_page_can_be_embedded_with_an_iframe(web, sites, page):
    pg, rec = page
    site = sites["other"]  # an iframe needs no CORS setting
    (site.root / "framed.html").write_text(
        f'<!doctype html><title>framed</title><iframe src="{web.url}/" width="1000" height="800"></iframe>')
    pg.goto(f"{site.origin}/framed.html")
    frame = pg.frame_locator("iframe")
    box = frame.locator("#na-question textarea")
    box.fill(ELWOOD)
    box.press("Enter")
    frame.locator(".na-sources").wait_for()
    assert "Texas National Guard" in frame.locator("#na-chatbot").inner_text()
    assert rec.outside() == []


def test_chat_says_when_the_articles_do_not_say(web, page):
    pg, rec = page
    pg.goto(web.url + "/")
    ask_in_chat(pg, "What did the mayor of Paris say about the Olympics?", 0)
    text = pg.locator("#na-chatbot").inner_text()
    assert "The articles do not say" in text and "Closest matches (not an answer)" in text


def test_widget_on_another_origin_answers_and_opens_a_citation(web, sites, assistant, page, screenshot):
    pg, rec = page
    widget = widget_on(pg, sites["allowed"].page_with_widget("news.html", web.url), ELWOOD)
    widget.locator(".source").first.wait_for()
    answer = widget.locator(".a").last
    assert "Texas National Guard" in answer.locator(".text").inner_text()

    widget.locator(".cite").last.click()
    tuesday = widget.locator(".source.active")
    assert "arrived late Tuesday (Tue 7 Oct 2025)" in tuesday.locator("mark").inner_text()
    widget.locator(".cite").first.click()
    active = widget.locator(".source.active")
    assert active.count() == 1 and active.locator("details").evaluate("d => d.open")
    cited = active.locator("mark").inner_text()
    assert exact_in_store(assistant.store, active.locator(".title").inner_text(), cited)
    # the host page's CSS (lime buttons, dashed red borders, hidden divs) does not reach inside
    assert widget.locator(".launcher").evaluate("b => getComputedStyle(b).backgroundColor") == "rgb(29, 78, 216)"
    assert answer.evaluate("a => getComputedStyle(a).display") != "none"
    screenshot(pg, "widget.png")

    ask_in_widget(widget, "And who ordered their deployment?")
    pg.wait_for_function("document.querySelector('news-assistant').shadowRoot.querySelectorAll('.a .text').length >= 2")
    second = widget.locator(".a").last
    assert "White House" in second.inner_text() and "Searched for:" in second.inner_text()
    ask_in_widget(widget, "Which state's National Guard troops were sent to Illinois?")
    pg.wait_for_function("document.querySelector('news-assistant').shadowRoot.querySelectorAll('.a .text').length >= 3")
    assert widget.locator(".a").last.locator(".short strong").inner_text() == "Texas"
    assert not widget.locator(".a").last.locator(".text").inner_text().startswith("Texas [")  # shown once, in bold
    assert rec.outside() == [] and rec.dialogs == []


def test_widget_on_an_origin_not_allowed_cannot_call_the_api(web, sites, page):
    pg, rec = page
    widget = widget_on(pg, sites["other"].page_with_widget("news.html", web.url), ELWOOD)
    widget.locator(".a.error").wait_for()
    assert "ASSISTANT_ALLOWED_ORIGINS" in widget.locator(".a.error").inner_text()
    assert any("CORS" in e for e in rec.errors)


HOSTILE_QUESTIONS = ["How did the zoning board vote on the Elm Street rail yard?",
                     "What did Dana Whitfield say about the vote?",
                     "Where can residents read the full plan?",
                     "How big is the rail yard?"]


def assert_inert(pg, rec, root_js: str) -> None:
    assert pg.evaluate("window.__pwned") is None, "article script ran"
    assert rec.dialogs == [], f"article script ran: {rec.dialogs}"
    assert not [u for u in rec.requests if "tracker.example.com" in u], "an outside request was attempted"
    assert rec.outside() == []
    assert pg.evaluate(f"{root_js}.querySelectorAll('script:not([src]), img[src*=tracker], img[onerror], "
                       "a[href^=javascript]').length") == 0


def test_hostile_article_renders_inert_in_the_chat(hostile_web, page, screenshot):
    pg, rec = page
    pg.goto(hostile_web.url + "/")
    for i, q in enumerate(HOSTILE_QUESTIONS):
        ask_in_chat(pg, q, i)
    text = pg.locator("#na-chatbot").inner_text()
    assert "<script>alert('script');window.__pwned='script'</script>" in text
    assert '<img src="http://tracker.example.com/onerror.png"' in text
    assert "[here](javascript:alert('link');window.__pwned='link')" in text
    assert "![map](http://tracker.example.com/map.png)" in text
    assert "Zoning board <img src=x onerror=alert('headline')> meets" in text
    pg.get_by_role("button", name=re.compile("^Articles")).click()
    assert "<script>alert('outlet')</script>Springfield Gazette" in pg.locator(".na-articles").inner_text()
    assert_inert(pg, rec, "document.querySelector('#na-chatbot')")
    screenshot(pg, "hostile-chat.png")


def test_hostile_article_renders_inert_in_the_widget(hostile_web, sites, page):
    pg, rec = page
    widget = widget_on(pg, sites["allowed"].page_with_widget("hostile.html", hostile_web.url))
    for i, q in enumerate(HOSTILE_QUESTIONS):
        ask_in_widget(widget, q)
        pg.wait_for_function("n => document.querySelector('news-assistant').shadowRoot"
                             ".querySelectorAll('.a .sources').length > n", arg=i)
    for cite in widget.locator(".cite").all():
        cite.click()
    text = widget.locator(".log").text_content()  # closed <details> included
    assert "<script>alert('script');window.__pwned='script'</script>" in text
    assert "![map](http://tracker.example.com/map.png)" in text
    assert_inert(pg, rec, "document.querySelector('news-assistant').shadowRoot")


TOO_MANY = re.compile(r"Too many questions; try again in \d+ s\.")


def test_widget_says_when_to_ask_again_past_the_rate_limit(strict_web, sites, page):
    pg, rec = page
    widget = widget_on(pg, sites["allowed"].page_with_widget("limited.html", strict_web.url))
    for n in range(1, 4):  # 2 questions per hour per address; earlier tests may have used them
        ask_in_widget(widget, ELWOOD)
        pg.wait_for_function("n => [...document.querySelector('news-assistant').shadowRoot.querySelectorAll('.a')]"
                             ".filter(a => a.textContent !== '\u2026').length >= n", arg=n)
        if widget.locator(".a.error").count():
            break
    assert TOO_MANY.fullmatch(widget.locator(".a.error").inner_text())
    assert rec.outside() == []


def test_chat_says_when_to_ask_again_past_the_rate_limit(strict_web, page):
    pg, _ = page
    pg.goto(strict_web.url + "/")
    bot = pg.locator("#na-chatbot")
    for _ in range(3):  # 2 questions per hour per address; earlier tests may have used them
        answered = bot.inner_text().count("Searched for")
        box = pg.locator("#na-question textarea")
        box.fill(ELWOOD)
        box.press("Enter")
        pg.wait_for_function("n => { const t = document.querySelector('#na-chatbot').innerText;"
                             " return /Too many questions/.test(t) || t.split('Searched for').length - 1 > n; }",
                             arg=answered)
        if TOO_MANY.search(bot.inner_text()):
            break
    assert TOO_MANY.search(bot.inner_text())
