"""Web sources for real: a news site on 127.0.0.1 serving self-made pages, RSS and Atom feeds, a
sitemap index with a news sitemap and robots.txt; the bundled model and a Chroma store in tmp_path.

A page ingested by URL keeps its URL as its source and its metadata, and citations point exactly
into its stored text; feeds and sitemaps bring their articles; sync fetches only what is new or
changed (the site counts the requests); a bad URL is reported and the rest is ingested.
"""

import json

import pytest

from tests.conftest import free_port, run_cli
from tests.integration.news_site import NewsSite, atom, rss, sitemap, sitemap_index
from vectorstore.loading import url_id

pytestmark = pytest.mark.integration


@pytest.fixture
def site():
    s = NewsSite()
    s.set("/robots.txt", "User-agent: *\nDisallow: /private/\n", "text/plain")
    yield s
    s.close()


def newsroom(site: NewsSite) -> dict[str, str]:
    """The site's articles, an RSS feed (council, storm), an Atom feed (school) and a sitemap index
    whose news sitemap lists the café page (served in windows-1252)."""
    site.page("/news/council.html", "council.html")
    site.page("/news/storm.html", "storm.html")
    site.page("/news/school.html", "school.html")
    site.page("/news/cafe.html", "cafe.html", content_type="text/html; charset=windows-1252")
    site.set("/rss.xml", rss(site, [("/news/council.html", "ledger-1", "Mon, 06 Oct 2025 14:30:00 GMT"),
                                    ("/news/storm.html", "ledger-2", "Tue, 07 Oct 2025 11:15:00 GMT")]),
             "application/rss+xml")
    site.set("/atom.xml", atom(site, [("/news/school.html", "urn:ledger:3", "2025-10-08T12:00:00Z")]),
             "application/atom+xml")
    site.set("/sitemap-news.xml", sitemap(site, [("/news/cafe.html", "2025-09-29T08:00:00Z")], news=True),
             "application/xml")
    site.set("/sitemap.xml", sitemap_index(site, [("/sitemap-news.xml", "2025-09-29")]), "application/xml")
    return {name: site.url(path) for name, path in
            [("rss", "/rss.xml"), ("atom", "/atom.xml"), ("sitemap", "/sitemap.xml")]}


def test_a_page_by_url_keeps_its_url_metadata_and_exact_citations(site, make):
    site.page("/news/council.html", "council.html")
    site.page("/news/storm.html", "storm.html")
    url = site.url("/news/council.html")
    assistant = make()
    report = assistant.ingest_urls([url, site.url("/news/storm.html")], progress=False)
    assert report.ingested[0] == url_id(url) == f"127.0.0.1-{site.origin.rsplit(':', 1)[1]}/news/council"
    assert len(report.ingested) == 2 and not report.skipped
    article = assistant.store.article(report.ingested[0])
    assert (article.source, article.title, article.outlet, article.published, article.author) == (
        url, "Riverton council votes to rebuild Mill Street bridge", "Riverton Ledger", "2025-10-06", "Dana Whitfield")
    assert "Most read" not in article.text and "First!" not in article.text and "Privacy" not in article.text

    answer = assistant.answer("Who cast the only vote against the bridge plan?")
    assert not answer.abstained and answer.short_answer.text == "Rosa Delgado"
    cited = answer.citations[0]
    assert cited.location.source == url and cited.text == "Council member Rosa Delgado cast the only vote against the plan."
    assert article.text[cited.location.start:cited.location.end] == cited.text
    assert answer.to_dict()["citations"][0]["source"] == url
    monday = next(e for e in article.dates if e.phrase == "Monday")
    assert monday.label == "Mon 6 Oct 2025"  # resolved from the page's own date


def test_feeds_and_a_sitemap_index_with_a_news_sitemap(site, make):
    sources = newsroom(site)
    assistant = make()
    report = assistant.ingest_urls(list(sources.values()), progress=False)
    assert not report.skipped, report.skipped
    by_source = {a["source"]: a for a in assistant.articles()}
    assert set(by_source) == {site.url(f"/news/{n}.html") for n in ("council", "storm", "school", "cafe")}
    cafe = assistant.store.article(by_source[site.url("/news/cafe.html")]["id"])
    assert cafe.title == "Café on Front Street reopens after flood" and "crème brûlée" in cafe.text
    assert cafe.published == "2025-09-29" and cafe.author == "Anaïs Dubois"


def test_sync_fetches_only_what_is_new_or_changed(site, make):
    sources = newsroom(site)
    site.page("/news/standalone.html", "library.html")  # a page given by itself: no listing marker
    standalone = site.url("/news/standalone.html")
    first = make().ingest_urls([*sources.values(), standalone], progress=False)
    assert len(first.ingested) == 5 and not first.skipped

    # Nothing changed: feeds and the index answer 304, no page is asked for but the stand-alone one (304).
    site.reset()
    again = make().sync(progress=False)
    assert again.ingested == [] and len(again.unchanged) == 5 and not again.skipped
    assert sorted(site.log) == sorted([("/robots.txt", 200), ("/rss.xml", 304), ("/atom.xml", 304),
                                       ("/sitemap.xml", 304), ("/news/standalone.html", 304)])

    # Two pages and a feed entry change, a new entry appears.
    storm = site.routes["/news/storm.html"]
    site.set("/news/storm.html", storm.body.replace(b"1,800 customers", b"900 customers"))
    site.page("/news/extra.html", "fair.html")
    site.set("/rss.xml", rss(site, [("/news/council.html", "ledger-1", "Mon, 06 Oct 2025 14:30:00 GMT"),
                                    ("/news/storm.html", "ledger-2", "Wed, 08 Oct 2025 09:00:00 GMT"),
                                    ("/news/extra.html", "ledger-4", "Wed, 08 Oct 2025 10:00:00 GMT")]),
             "application/rss+xml")
    site.set("/news/standalone.html", site.routes["/news/standalone.html"].body.replace(b"$40,000", b"$45,000"))
    site.reset()
    assistant = make()
    synced = assistant.sync(progress=False)
    pages = {p for p, _ in site.log if p.startswith("/news/")}
    assert pages == {"/news/storm.html", "/news/extra.html", "/news/standalone.html"}  # not council, school, cafe
    assert ("/sitemap.xml", 304) in site.log and ("/atom.xml", 304) in site.log and ("/rss.xml", 200) in site.log
    assert len(synced.ingested) == 3 and len(synced.unchanged) == 3
    storm_article = next(a for a in assistant.articles() if a["source"] == site.url("/news/storm.html"))
    assert "900 customers" in assistant.store.article(storm_article["id"]).text

    # The feed drops an entry: kept without --prune, removed with it.
    site.set("/rss.xml", rss(site, [("/news/council.html", "ledger-1", "Mon, 06 Oct 2025 14:30:00 GMT")]),
             "application/rss+xml")
    kept = make().sync(progress=False)
    assert kept.pruned == [] and len(make().articles()) == 6
    pruned = make().sync(prune=True, progress=False)
    assert sorted(pruned.pruned) == sorted(url_id(site.url(f"/news/{n}.html")) for n in ("storm", "extra"))
    assert {a["source"] for a in make().articles()} == {site.url(f"/news/{n}.html")
                                                       for n in ("council", "school", "cafe", "standalone")}


def test_a_source_that_fails_keeps_its_articles_even_with_prune(site, make):
    sources = newsroom(site)
    make().ingest_urls([sources["rss"]], progress=False)
    site.set("/rss.xml", "down for maintenance", "text/plain", status=500)
    report = make().sync(prune=True, progress=False)
    assert report.pruned == [] and any(url == sources["rss"] and "HTTP 500" in why for url, why in report.skipped)
    assert len(make().articles()) == 2


def test_sources_yaml_in_the_data_folder_is_what_sync_reads(site, make, tmp_path):
    sources = newsroom(site)
    (tmp_path / "data").mkdir(parents=True, exist_ok=True)
    (tmp_path / "data" / "sources.yaml").write_text(f"sources:\n  - {sources['atom']}\n", encoding="utf-8")
    report = make().sync(progress=False)
    assert [a["source"] for a in make().articles()] == [site.url("/news/school.html")] and report.requests >= 2


def test_bad_urls_are_reported_and_the_rest_is_ingested(site, make):
    site.page("/news/council.html", "council.html")
    site.page("/news/slow.html", "storm.html", delay=3)
    site.page("/private/secret.html", "storm.html")
    site.set("/big.html", b"<html><body><p>" + b"word " * 60_000 + b"</p></body></html>")
    site.set("/empty.html", "<html><body><script>app()</script></body></html>")
    site.set("/redirect-out", "", status=302, headers={"Location": "http://169.254.169.254/latest/meta-data/"})
    urls = {"good": site.url("/news/council.html"), "slow": site.url("/news/slow.html"),
            "robots": site.url("/private/secret.html"), "big": site.url("/big.html"), "empty": site.url("/empty.html"),
            "missing": site.url("/gone.html"), "closed": f"http://127.0.0.1:{free_port()}/x.html",
            "out": site.url("/redirect-out"), "scheme": "ftp://127.0.0.1/x.html"}
    report = make(fetch_timeout=1.0, fetch_max_bytes=64 * 1024).ingest_urls(list(urls.values()), progress=False)
    assert len(report.ingested) == 1
    why = dict(report.skipped)
    assert "timed out" in why[urls["slow"]]
    assert "disallowed by" in why[urls["robots"]] and site.hits["/private/secret.html"] == 0
    assert "too large" in why[urls["big"]]
    assert "no article text found" in why[urls["empty"]]
    assert "HTTP 404" in why[urls["missing"]]
    assert "unreachable" in why[urls["closed"]]
    assert "169.254.169.254, a link-local address" in why[urls["out"]]
    assert "only http and https" in why[urls["scheme"]]


def test_without_the_setting_loopback_is_refused_and_nothing_is_asked(site, make):
    site.page("/news/council.html", "council.html")
    report = make(fetch_allow_private=[]).ingest_urls([site.url("/news/council.html")], progress=False)
    assert report.ingested == [] and "a loopback address" in report.skipped[0][1] and not site.log


def test_cli_ingest_url_extract_and_sync(site, tmp_path):
    sources = newsroom(site)
    env = {"ASSISTANT_DATA_DIR": str(tmp_path / "cli-data"), "ASSISTANT_FETCH_ALLOW_PRIVATE": "127.0.0.0/8",
           "ASSISTANT_FETCH_DELAY": "0", "ASSISTANT_FETCH_BACKOFF": "0", "ASSISTANT_FETCH_RETRIES": "0"}
    gone = f"http://127.0.0.1:{free_port()}/nothing.html"
    extracted = run_cli("extract", site.url("/news/cafe.html"), gone, "--json", env=env)
    assert extracted.returncode == 1, extracted.stderr  # one input failed
    page, failed = [json.loads(line) for line in extracted.stdout.splitlines()]
    assert page["source"] == site.url("/news/cafe.html") and page["published"] == "2025-09-29"
    assert page["text"].startswith("Café on Front Street reopens after flood\n\nThe Blue Heron Café")
    assert failed["source"] == gone and "unreachable" in failed["error"]

    ingested = run_cli("ingest", sources["rss"], gone, "--json", env=env)
    assert ingested.returncode == 0 and "Traceback" not in ingested.stderr
    report = json.loads(ingested.stdout)
    assert len(report["ingested"]) == 2 and report["skipped"][0]["path"] == gone
    assert f"warning: skipped {gone}: unreachable" in ingested.stderr

    synced = run_cli("sync", env=env)  # the sources given to ingest that could be read are remembered
    assert synced.returncode == 0, synced.stderr
    assert "0 ingested, 2 unchanged, 0 skipped" in synced.stdout  # not the unreachable one

    missing = run_cli("sync", "--sources", str(tmp_path / "nope.yaml"), env=env)
    assert missing.returncode == 2 and "nope.yaml: no such file" in missing.stderr
