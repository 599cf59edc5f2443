"""The fetcher for real, against a news site on 127.0.0.1: robots.txt, the address rules (before a
connection and after a redirect), size and time limits, retries, conditional requests, politeness.
No model is loaded here."""

import time

import pytest

from tests.integration.news_site import NewsSite
from vectorstore.fetching import Fetcher, FetchError, FetchPolicy, parse_networks

pytestmark = pytest.mark.integration
LOOPBACK = parse_networks(["127.0.0.0/8"])


@pytest.fixture
def site():
    s = NewsSite()
    s.set("/robots.txt", "User-agent: *\nDisallow: /private/\n", "text/plain")
    s.page("/news/council.html", "council.html")
    yield s
    s.close()


def fetcher(**kw) -> Fetcher:
    values = dict(timeout=2.0, retries=1, backoff=0.0, delay=0.0, allow_networks=LOOPBACK) | kw
    return Fetcher(FetchPolicy(**values))


def test_a_page_with_its_validators_then_304(site):
    with fetcher() as f:
        got = f.get(site.url("/news/council.html"))
        assert got.status == 200 and b"Mill Street" in got.body and got.etag and got.last_modified
        again = f.get(site.url("/news/council.html"), etag=got.etag, last_modified=got.last_modified)
    assert again.not_modified and again.body == b""
    assert site.log == [("/robots.txt", 200), ("/news/council.html", 200), ("/news/council.html", 304)]


def test_robots_txt_disallow_is_honoured_without_asking_for_the_page(site):
    site.page("/private/secret.html", "storm.html")
    with fetcher() as f, pytest.raises(FetchError, match=r"disallowed by http://127\.0\.0\.1:\d+/robots\.txt"):
        f.get(site.url("/private/secret.html"))
    assert site.hits["/private/secret.html"] == 0 and site.hits["/robots.txt"] == 1


def test_robots_txt_rules_for_our_agent_and_crawl_delay(site):
    site.set("/robots.txt", "User-agent: news-assistant\nDisallow: /news/\nCrawl-delay: 1\n\n"
                            "User-agent: *\nDisallow:\n", "text/plain")
    site.page("/other/storm.html", "storm.html")
    with fetcher() as f:
        with pytest.raises(FetchError, match="disallowed"):
            f.get(site.url("/news/council.html"))
        started = time.monotonic()
        f.get(site.url("/other/storm.html"))
        f.get(site.url("/other/storm.html"))
        assert time.monotonic() - started >= 1.0  # the second waited for the crawl delay (whole seconds)
    with fetcher(user_agent="another-bot/1.0") as f:
        assert f.get(site.url("/news/council.html")).status == 200


def test_a_missing_robots_txt_allows_and_a_failing_one_forbids(site):
    del site.routes["/robots.txt"]
    with fetcher() as f:
        assert f.get(site.url("/news/council.html")).status == 200
    site.set("/robots.txt", "down", "text/plain", status=503)
    with fetcher() as f, pytest.raises(FetchError, match=r"robots.txt could not be read \(HTTP 503.*not fetched for now"):
        f.get(site.url("/news/council.html"))


def test_private_addresses_are_refused_without_the_setting(site):
    with Fetcher(FetchPolicy(timeout=2.0, retries=0)) as f:
        with pytest.raises(FetchError, match=r"refused: 127\.0\.0\.1 resolves to 127\.0\.0\.1, a loopback address"):
            f.get(site.url("/news/council.html"))
        with pytest.raises(FetchError, match=r"refused: localhost resolves to .*loopback"):
            f.get(site.url("/news/council.html").replace("127.0.0.1", "localhost"))
    assert not site.log  # refused before any connection, robots.txt included


def test_a_redirect_to_an_address_not_allowed_is_refused(site):
    port = site.origin.rsplit(":", 1)[1]
    site.set("/moved", "", status=302, headers={"Location": f"http://127.0.0.2:{port}/news/council.html"})
    with fetcher(allow_networks=parse_networks(["127.0.0.1/32"])) as f:
        with pytest.raises(FetchError, match=r"127\.0\.0\.2, a loopback address"):
            f.get(site.url("/moved"))
        site.set("/fine", "", status=301, headers={"Location": "/news/council.html"})
        got = f.get(site.url("/fine"))
    assert got.final_url == site.url("/news/council.html") and got.status == 200


def test_only_http_and_https_and_a_redirect_loop_ends(site):
    site.set("/loop", "", status=302, headers={"Location": "/loop"})
    site.set("/to-file", "", status=302, headers={"Location": "file:///etc/passwd"})
    with fetcher() as f:
        for bad in ("file:///etc/passwd", "ftp://127.0.0.1/x", "javascript:alert(1)"):
            with pytest.raises(FetchError, match="only http and https"):
                f.get(bad)
        with pytest.raises(FetchError, match="more than 5 redirects"):
            f.get(site.url("/loop"))
        with pytest.raises(FetchError, match="only http and https"):
            f.get(site.url("/to-file"))


def test_size_limit_by_content_length_and_while_reading(site):
    big = b"<html><body><p>" + b"word " * 60_000 + b"</p></body></html>"
    site.set("/big.html", big)
    site.set("/big-stream.html", big, chunked=True)
    with fetcher(max_bytes=64 * 1024) as f:
        with pytest.raises(FetchError, match=r"too large: 0\.3 MiB \(the limit is 0\.1 MiB"):
            f.get(site.url("/big.html"))
        with pytest.raises(FetchError, match=r"too large: more than 0\.1 MiB"):
            f.get(site.url("/big-stream.html"))
        assert f.get(site.url("/news/council.html")).status == 200


def test_timeouts_and_5xx_are_retried_then_reported(site):
    site.page("/slow.html", "storm.html", delay=1.5)
    site.set("/flaky.html", "busy", status=503, headers={"Retry-After": "0"})
    with fetcher(timeout=0.5, retries=1) as f:
        with pytest.raises(FetchError, match=r"timed out after 0\.5s .*\(after 2 tries\)"):
            f.get(site.url("/slow.html"))
        with pytest.raises(FetchError, match=r"HTTP 503 \(after 2 tries\)"):
            f.get(site.url("/flaky.html"))
        with pytest.raises(FetchError, match="HTTP 404 Not Found"):
            f.get(site.url("/nowhere.html"))
    assert site.hits["/slow.html"] == 2 and site.hits["/flaky.html"] == 2 and site.hits["/nowhere.html"] == 1


def test_an_unreachable_host_is_reported(site):
    from tests.conftest import free_port

    with fetcher() as f, pytest.raises(FetchError, match="unreachable"):
        f.get(f"http://127.0.0.1:{free_port()}/x.html")


def test_per_host_delay_spaces_requests(site):
    with fetcher(delay=0.25) as f:
        started = time.monotonic()
        for _ in range(3):
            f.get(site.url("/news/council.html"))
    assert time.monotonic() - started >= 0.75  # robots.txt, then three pages, 0.25 s apart


def test_identifying_user_agent_is_sent(site):
    seen = []
    original = site._answer

    def spy(h):
        seen.append(h.headers.get("User-Agent"))
        original(h)

    site._answer = spy
    with fetcher(user_agent="news-assistant/0.1 (test; ops@example.org)") as f:
        f.get(site.url("/news/council.html"))
    assert seen and all(ua == "news-assistant/0.1 (test; ops@example.org)" for ua in seen)
