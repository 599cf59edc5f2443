"""The pure parts of web sources: the address rule, URL ids, feeds and sitemaps read from bytes,
sources.yaml, what a sync remembers, charsets, Retry-After, the settings. No network, no model."""

import gzip

import pytest

from assistant.settings import SettingsError, load_settings
from vectorstore.extraction import (
    NoArticle,
    decode_html,
    extract_by_tags,
    extract_page,
    gunzip,
)
from vectorstore.feeds import (
    NotAListing,
    listing_kind,
    read_feed,
    read_listing,
    read_sitemap,
)
from vectorstore.fetching import _retry_after, address_problem, parse_networks
from vectorstore.loading import page_article, url_id
from vectorstore.sources import (
    PageState,
    SourcesError,
    SourceState,
    SyncState,
    is_url,
    load_sources,
)

BASE = "https://news.example.org/feeds/all.xml"


@pytest.mark.parametrize("address, kind", [
    ("127.0.0.1", "loopback"), ("127.8.9.10", "loopback"), ("::1", "loopback"), ("::ffff:127.0.0.1", "loopback"),
    ("10.1.2.3", "private"), ("172.16.0.1", "private"), ("192.168.1.1", "private"), ("fc00::1", "private"),
    ("169.254.169.254", "link-local"), ("fe80::1%eth0", "link-local"), ("0.0.0.0", "private"),
    ("224.0.0.1", "multicast"), ("100.64.0.1", "non-public"),
    ("93.184.216.34", None), ("2606:2800:220:1:248:1893:25c8:1946", None), ("::ffff:93.184.216.34", None),
])
def test_private_loopback_and_link_local_addresses_are_refused(address, kind):
    assert address_problem(address) == kind


def test_allowed_networks_open_only_themselves():
    allowed = parse_networks(["127.0.0.1/32", "10.0.0.0/8"])
    assert address_problem("127.0.0.1", allowed) is None and address_problem("10.9.9.9", allowed) is None
    assert address_problem("127.0.0.2", allowed) == "loopback" and address_problem("::1", allowed) == "loopback"
    with pytest.raises(ValueError, match="'nonsense' is not an address or network"):
        parse_networks(["nonsense"])


def test_fetch_settings_check_their_networks(monkeypatch):
    monkeypatch.setenv("ASSISTANT_FETCH_ALLOW_PRIVATE", "127.0.0.0/8, ::1")
    assert load_settings().fetch_allow_private == ["127.0.0.0/8", "::1"]
    monkeypatch.setenv("ASSISTANT_FETCH_ALLOW_PRIVATE", "localhost")
    with pytest.raises(SettingsError, match="'localhost' is not an address or network"):
        load_settings()


@pytest.mark.parametrize("url, expected", [
    ("https://www.Example.org/news/2025/10/story.html", "www.example.org/news/2025/10/story"),
    ("https://example.org/world/index.html", "example.org/world"),
    ("http://127.0.0.1:8123/a/b/", "127.0.0.1-8123/a/b"),
    ("https://example.org/", "example.org"),
    ("https://example.org/story#comments", "example.org/story"),
])
def test_url_ids_follow_host_and_path(url, expected):
    assert url_id(url) == expected


def test_a_query_string_makes_another_article():
    one, two = url_id("https://example.org/article?id=1"), url_id("https://example.org/article?id=2")
    assert one != two and one.startswith("example.org/article-")


def test_is_url():
    assert is_url("https://example.org/x") and is_url("ftp://x") and not is_url("seeds/a.txt")


RSS = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>
<item><title>A</title><link>https://news.example.org/a.html</link><guid>id-a</guid>
<pubDate>Tue, 07 Oct 2025 10:00:00 GMT</pubDate></item>
<item><title>B</title><link>/b.html</link></item>
<item><title>Mail</title><link>mailto:desk@example.org</link></item>
<item><title>A again</title><link>https://news.example.org/a.html</link></item>
</channel></rss>"""

ATOM = b"""<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">
<title>T</title><id>urn:t</id><updated>2025-10-08T00:00:00Z</updated>
<entry><title>C</title><link rel="alternate" href="https://news.example.org/c"/><id>urn:c</id>
<updated>2025-10-08T09:00:00Z</updated></entry></feed>"""


def test_rss_entries_with_their_markers_relative_links_resolved_others_dropped():
    listing = read_feed(RSS, BASE, "application/rss+xml")
    assert [p.url for p in listing.pages] == ["https://news.example.org/a.html", "https://news.example.org/b.html"]
    a, b = listing.pages
    assert "id-a" in a.version and a.version.endswith("|Tue, 07 Oct 2025 10:00:00 GMT") and b.version is None


def test_atom_entries():
    assert [(p.url, p.version) for p in read_listing(ATOM, BASE).pages] == [
        ("https://news.example.org/c", "urn:c|2025-10-08T09:00:00Z")]


SITEMAP_NS = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'


def test_sitemap_index_and_news_sitemap():
    index = (f'<?xml version="1.0"?><sitemapindex {SITEMAP_NS}><sitemap><loc>https://news.example.org/s1.xml</loc>'
             "<lastmod>2025-10-08</lastmod></sitemap><sitemap><loc>/s2.xml.gz</loc></sitemap></sitemapindex>").encode()
    listing = read_listing(index, "https://news.example.org/sitemap.xml", "application/xml")
    assert listing.kind == "sitemap index" and listing.pages == []
    assert [(s.url, s.version) for s in listing.sitemaps] == [("https://news.example.org/s1.xml", "2025-10-08"),
                                                             ("https://news.example.org/s2.xml.gz", None)]
    news = (f'<urlset {SITEMAP_NS} xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"><url>'
            "<loc>https://news.example.org/x</loc><news:news><news:publication><news:name>N</news:name>"
            "</news:publication><news:publication_date>2025-10-08T10:00:00Z</news:publication_date>"
            "<news:title>X</news:title></news:news></url></urlset>").encode()
    assert [(p.url, p.version) for p in read_sitemap(gzip.compress(news), BASE).pages] == [
        ("https://news.example.org/x", "2025-10-08T10:00:00Z")]


def test_sitemaps_are_read_without_entities_or_the_network():
    evil = (b'<?xml version="1.0"?><!DOCTYPE urlset [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>https://e.org/&x;</loc></url></urlset>')
    listing = read_sitemap(evil, BASE)
    assert all("root:" not in p.url for p in listing.pages)
    with pytest.raises(NotAListing, match="not a readable sitemap"):
        read_sitemap(b"<urlset><url>", BASE)
    with pytest.raises(NotAListing, match="not a feed or sitemap"):
        read_listing(b"<html><body>hi</body></html>", BASE)


def test_listing_kind_sniffs_the_first_element():
    assert listing_kind(RSS) == "feed" and listing_kind(ATOM) == "feed"
    assert listing_kind(b'<?xml version="1.0"?>\n<!-- c --><urlset>') == "sitemap"
    assert listing_kind(b"<!doctype html><html>") is None
    assert listing_kind(RSS, "text/html") is None  # the server says it is a page


def test_gzip_bombs_are_refused():
    with pytest.raises(NoArticle, match="larger than 1 MiB once unpacked"):
        gunzip(gzip.compress(b"0" * (3 * 1024 * 1024)), 1024 * 1024)


def test_sources_yaml(tmp_path):
    p = tmp_path / "sources.yaml"
    p.write_text("sources:\n  - https://a.example/rss.xml\n  - https://a.example/rss.xml\n  - http://b.example/sitemap.xml\n")
    assert load_sources(p) == ["https://a.example/rss.xml", "http://b.example/sitemap.xml"]
    p.write_text("sources:\n  - /etc/passwd\n")
    with pytest.raises(SourcesError, match=r"entry 1 \('/etc/passwd'\) is not an http\(s\) URL"):
        load_sources(p)
    p.write_text("feeds:\n  - https://a.example/rss.xml\n")
    with pytest.raises(SourcesError, match="expected 'sources:' followed by a list of URLs"):
        load_sources(p)


def test_sync_state_round_trip_and_a_broken_file(tmp_path):
    path = tmp_path / "state.json"
    state = SyncState(remembered=["https://a.example/rss.xml"],
                      sources={"https://a.example/rss.xml": SourceState("feed", '"e1"', None, None, {"https://a.example/x": "1|d"})},
                      pages={"https://a.example/x": PageState("a.example/x", "h1", '"e2"', "Tue, 07 Oct 2025 10:00:00 GMT", "1|d")})
    state.save(path)
    assert SyncState.load(path) == state
    path.write_text("{not json")
    assert SyncState.load(path) == SyncState()
    assert SyncState.load(tmp_path / "none.json") == SyncState()


def test_charsets_declared_by_http_by_meta_or_guessed():
    text = "<html><body><p>Caf\u00e9 cr\u00e8me</p></body></html>"
    assert decode_html(text.encode("cp1252"), "iso-8859-1") == text  # read as windows-1252, like browsers
    meta = f'<meta charset="windows-1252">{text}'
    assert decode_html(meta.encode("cp1252")) == meta
    assert decode_html(text.encode("utf-8")) == text
    assert decode_html(gzip.compress(text.encode("utf-8"))) == text
    with pytest.raises(NoArticle, match="binary"):
        decode_html(b"\x89PNG\x00\x00\x00")


def test_page_article_drops_a_bad_value_instead_of_the_article():
    page = extract_page("<html><head><title>T</title></head><body><article><p>The council met on Friday to talk "
                        "about the bridge and the budget for next year.</p></article></body></html>")
    page = type(page)(**(page.to_dict() | {"published": "1850-01-01", "title": "x" * 600}))
    article = page_article("https://e.org/a", page, "e.org/a")
    assert article.published is None and article.title is None and article.text == page.text
    assert article.source == "https://e.org/a" and article.content_hash


def test_the_old_extractor_is_kept_for_the_benchmark():
    html = "<html><body><nav>Menu</nav><article><h1>H</h1><p>One.</p><p>Two.</p></article></body></html>"
    assert extract_by_tags(html) == "H\n\nOne.\n\nTwo."


@pytest.mark.parametrize("value, seconds", [("5", 5.0), ("600", 60.0), (None, None), ("soon", None),
                                            ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0)])
def test_retry_after(value, seconds):
    assert _retry_after(value) == seconds
