"""Articles from the web in a real browser: the chat and the widget link each source to its page
(http and https only, escaped), and the page makes no request outside 127.0.0.1."""

from __future__ import annotations

import pytest

from assistant.answer import Assistant
from assistant.settings import load_settings
from assistant.web import create_app
from tests.integration.conftest import Server
from tests.integration.news_site import NewsSite
from vectorstore.store import ChromaStore

pytestmark = pytest.mark.integration
QUESTION = "Who cast the only vote against the bridge plan?"


@pytest.fixture(scope="module")
def web_sourced(tmp_path_factory, embedder, sites):
    """The web app over a store whose two articles were ingested from a news site on 127.0.0.1; the
    council story is also at a wire address (a copy, stored once)."""
    site = NewsSite()
    site.page("/news/council.html", "council.html")
    site.page("/news/storm.html", "storm.html")
    site.page("/wire/bridge.html", "council-wire.html")
    settings = load_settings(data_dir=tmp_path_factory.mktemp("web-sourced"), fetch_allow_private=["127.0.0.0/8"],
                             fetch_delay=0, allowed_origins=[sites["allowed"].origin])
    assistant = Assistant(settings, store=ChromaStore(settings.chroma_path), embedder=embedder)
    report = assistant.ingest_urls([site.url("/news/council.html"), site.url("/news/storm.html"),
                                    site.url("/wire/bridge.html")], progress=False)
    assert len(report.ingested) == 2 and len(report.copies) == 1, (report.skipped, report.copies)
    with Server(create_app(settings, assistant)) as server:
        yield server, site.url("/news/council.html"), site.url("/wire/bridge.html")
    site.close()


def test_chat_links_a_web_source_to_its_page(web_sourced, page):
    server, url, wire = web_sourced
    pg, rec = page
    pg.goto(server.url + "/")
    box = pg.locator("#na-question textarea")
    box.fill(QUESTION)
    box.press("Enter")
    pg.wait_for_selector(".na-sources")
    link = pg.locator("#na-chatbot .na-source a").first
    assert link.get_attribute("href") == url and link.inner_text() == url
    assert "noopener" in (link.get_attribute("rel") or "")
    also = pg.locator("#na-chatbot .na-source .na-head", has_text="also at").first
    assert also.locator("a").get_attribute("href") == wire and "noopener" in also.locator("a").get_attribute("rel")
    assert "Rosa Delgado" in pg.locator("#na-chatbot .na-source mark").first.inner_text()
    assert rec.outside() == [] and rec.dialogs == []


def test_widget_links_a_web_source_to_its_page(web_sourced, sites, page):
    server, url, wire = web_sourced
    pg, rec = page
    pg.goto(sites["allowed"].page_with_widget("links.html", server.url))
    widget = pg.locator("news-assistant")
    widget.locator(".launcher").click()
    widget.locator("input").fill(QUESTION)
    widget.locator("input").press("Enter")
    widget.locator(".answer-n, button[aria-label='Show source 1']").first.click()
    link = widget.locator(".source a.link").first
    assert link.get_attribute("href") == url and link.inner_text() == "Read at 127.0.0.1"
    assert link.get_attribute("target") == "_blank" and "noopener" in link.get_attribute("rel")
    also = widget.locator(".source a.link").nth(1)  # the same story at its other address
    assert also.get_attribute("href") == wire and also.inner_text() == "Also at 127.0.0.1"
    assert also.get_attribute("target") == "_blank" and "noopener" in also.get_attribute("rel")
    assert rec.outside() == [] and rec.dialogs == []
