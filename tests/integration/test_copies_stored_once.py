"""The same story at two sources is stored once, with the other kept as ``also_at``: from two files,
from two URLs on a news site on 127.0.0.1, through sync and prune; the bundled model and a Chroma
store in tmp_path. A different story under the same headline is stored on its own."""

import json
import shutil

import pytest

from assistant.web import public
from tests.conftest import SEEDS, run_cli
from tests.integration.news_site import NewsSite, rss
from vectorstore.loading import url_id

pytestmark = pytest.mark.integration

SEED = "000_260dedd85ce9b948.txt"  # the Texas National Guard in Elwood
QUESTION = "Who cast the only vote against the bridge plan?"


@pytest.fixture
def site():
    s = NewsSite()
    s.page("/news/council.html", "council.html")
    s.page("/wire/riverton-bridge.html", "council-wire.html")  # the same story, syndicated, with a credit line
    s.page("/gazette/bridge.html", "council-other.html")  # another story under the same headline
    s.page("/news/storm.html", "storm.html")
    yield s
    s.close()


def test_the_same_story_in_two_files_is_stored_once_and_cited_with_also_at(tmp_path, make):
    shutil.copytree(SEEDS, tmp_path / "agency")  # the five seeds, read first
    first, second = tmp_path / "agency" / SEED, tmp_path / "partner" / "elwood.txt"
    second.parent.mkdir()
    second.write_text("Published with permission.\n\n" + first.read_text(encoding="utf-8"), encoding="utf-8")
    assistant = make()
    report = assistant.ingest([first.parent, second.parent], progress=False)
    assert len(report.ingested) == 5 and not report.skipped
    [copy] = report.copies
    assert copy.source == str(second) and copy.primary_source == str(first)
    assert "1 stored once" in report.summary()
    assert {c.article_id for c in assistant.store.all_chunks()} == set(report.ingested)  # none for the copy

    answer = assistant.answer("Who arrived in Elwood and when?")
    assert not answer.abstained and "Texas National Guard" in answer.answer
    cited = answer.citations[0]
    assert cited.location.source == str(first) and cited.also_at == [str(second)]
    shown = public(answer.to_dict())["citations"][0]  # what /api/ask sends: no absolute path
    assert shown["source"] == SEED and shown["also_at"] == ["elwood.txt"]

    again = make().ingest([first.parent, second.parent], progress=False)
    assert again.ingested == [] and again.new_copies() == [] and len(again.unchanged) == 6


def test_two_urls_of_one_story_are_stored_once_and_a_same_headline_story_is_not(site, make):
    council, wire, other = (site.url(p) for p in ("/news/council.html", "/wire/riverton-bridge.html",
                                                  "/gazette/bridge.html"))
    assistant = make()
    report = assistant.ingest_urls([council, wire, other], progress=False)
    assert sorted(report.ingested) == sorted([url_id(council), url_id(other)]) and not report.skipped
    assert [(c.source, c.primary_source) for c in report.copies] == [(wire, council)]
    articles = {a["source"]: a for a in assistant.articles()}
    assert set(articles) == {council, other}
    assert articles[council]["also_at"] == [wire] and articles[other]["also_at"] == []
    assert articles[council]["title"] == articles[other]["title"]  # the same headline, two stories

    answer = assistant.answer(QUESTION)
    assert not answer.abstained and answer.short_answer.text == "Rosa Delgado"
    cited = answer.to_dict()["citations"][0]
    assert cited["source"] == council and cited["also_at"] == [wire]

    site.reset()
    again = make().ingest_urls([council, wire, other], progress=False)  # 304s: nothing to do
    assert again.ingested == [] and again.new_copies() == [] and not again.skipped
    assert make().articles() == assistant.articles()


def test_sync_keeps_a_copy_unfetched_and_prune_moves_the_article_to_its_copy(site, make):
    council, wire = site.url("/news/council.html"), site.url("/wire/riverton-bridge.html")
    entries = [("/news/council.html", "ledger-1", "Mon, 06 Oct 2025 14:30:00 GMT"),
               ("/wire/riverton-bridge.html", "wire-1", "Mon, 06 Oct 2025 16:00:00 GMT"),
               ("/news/storm.html", "ledger-2", "Tue, 07 Oct 2025 11:15:00 GMT")]
    site.set("/rss.xml", rss(site, entries), "application/rss+xml")
    first = make().ingest_urls([site.url("/rss.xml")], progress=False)
    assert len(first.ingested) == 2 and [c.source for c in first.copies] == [wire]

    site.reset()
    quiet = make().sync(progress=False)  # nothing changed: no page is asked for, the copy included
    assert quiet.ingested == [] and not quiet.new_copies()
    assert not [p for p, _ in site.log if p.startswith(("/news/", "/wire/"))]

    # The copy's page changes into another story: it leaves also_at and is stored on its own.
    site.page("/wire/riverton-bridge.html", "library.html")
    site.set("/rss.xml", rss(site, [*entries[:1], ("/wire/riverton-bridge.html", "wire-1",
                                                   "Thu, 09 Oct 2025 10:00:00 GMT"), entries[2]]),
             "application/rss+xml")
    changed = make().sync(progress=False)
    assert changed.ingested == [url_id(wire)]
    assert {a["source"]: a["also_at"] for a in make().articles()}[council] == []

    # Back to the copy; then the feed drops the council page: with --prune the article moves to its copy.
    site.page("/wire/riverton-bridge.html", "council-wire.html")
    site.set("/rss.xml", rss(site, [*entries[:1], ("/wire/riverton-bridge.html", "wire-1",
                                                   "Fri, 10 Oct 2025 10:00:00 GMT"), entries[2]]),
             "application/rss+xml")
    back = make().sync(progress=False)
    assert [c.source for c in back.new_copies()] == [wire]
    assert url_id(wire) not in {a["id"] for a in make().articles()}  # its own article is gone again
    site.set("/rss.xml", rss(site, entries[1:]), "application/rss+xml")
    pruned = make().sync(prune=True, progress=False)
    assert pruned.pruned == [] and pruned.promoted == [(url_id(council), council, wire)]
    assistant = make()
    moved = {a["source"]: a for a in assistant.articles()}[wire]
    assert moved["id"] == url_id(council) and moved["also_at"] == []
    cited = assistant.answer(QUESTION).to_dict()["citations"][0]
    assert cited["source"] == wire and "also_at" not in cited
    # the keyword index's chunk directory follows the move too (its chunks carry the source into citations)
    assert [c.source for c in assistant.keyword.at([(url_id(council), 0)]).values()] == [wire]

    # The copy goes too: now the story is gone.
    site.set("/rss.xml", rss(site, entries[2:]), "application/rss+xml")
    gone = make().sync(prune=True, progress=False)
    assert gone.pruned == [url_id(council)]
    assert [a["source"] for a in make().articles()] == [site.url("/news/storm.html")]


def test_cli_reports_a_copy_and_ask_json_shows_also_at(site, tmp_path):
    council, wire = site.url("/news/council.html"), site.url("/wire/riverton-bridge.html")
    env = {"ASSISTANT_DATA_DIR": str(tmp_path / "cli-data"), "ASSISTANT_FETCH_ALLOW_PRIVATE": "127.0.0.0/8",
           "ASSISTANT_FETCH_DELAY": "0", "ASSISTANT_FETCH_BACKOFF": "0", "ASSISTANT_FETCH_RETRIES": "0"}
    ingested = run_cli("ingest", council, wire, env=env)
    assert ingested.returncode == 0, ingested.stderr
    assert f"stored once: {wire} is a copy of {council}" in ingested.stderr
    assert "1 ingested" in ingested.stdout and "1 stored once" in ingested.stdout
    asked = run_cli("ask", QUESTION, "--json", env=env)
    assert json.loads(asked.stdout)["citations"][0]["also_at"] == [wire]
    shown = run_cli("ask", QUESTION, env=env)
    assert f"also at {wire}" in shown.stdout
