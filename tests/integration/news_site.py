"""A news site on 127.0.0.1 for the web-source tests: pages, feeds, sitemaps, robots.txt,
redirects, slow and huge pages, with ETag / Last-Modified and a log of every request it answered."""

from __future__ import annotations

import hashlib
import http.server
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from email.utils import formatdate
from pathlib import Path

WEB = Path(__file__).parent / "data" / "web"


@dataclass
class Route:
    """What the site answers for one path."""

    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    headers: dict = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering
    chunked: bool = False  # no Content-Length, the body in pieces
    validators: bool = True  # ETag and Last-Modified (and 304 on a matching conditional request)
    modified: float = field(default_factory=time.time)

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha1(self.body).hexdigest()[:16] + '"'

    @property
    def last_modified(self) -> str:
        return formatdate(int(self.modified), usegmt=True)


class NewsSite:
    """``site.set(path, body, ...)`` adds or changes a page; ``site.hits[path]`` counts its GETs,
    ``site.log`` lists ``(path, status)`` in order; ``site.url(path)`` is its address."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.routes: dict[str, Route] = {}
        self.hits: Counter = Counter()
        self.log: list[tuple[str, int]] = []
        self.lock = threading.Lock()
        site = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):  # noqa: N802 - the name http.server calls
                site._answer(self)

            def log_message(self, *args):
                pass

        self.httpd = _QuietServer((host, 0), Handler)
        self.httpd.daemon_threads = True
        self.origin = f"http://{host}:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def url(self, path: str) -> str:
        return self.origin + path

    def set(self, path: str, body: str | bytes, content_type: str = "text/html; charset=utf-8", **kw) -> Route:
        route = Route(body.encode("utf-8") if isinstance(body, str) else body, content_type, **kw)
        self.routes[path] = route
        return route

    def page(self, path: str, name: str, content_type: str = "text/html; charset=utf-8", **kw) -> Route:
        """Serve the self-made page ``tests/integration/data/web/NAME``."""
        return self.set(path, (WEB / name).read_bytes(), content_type, **kw)

    def reset(self) -> None:
        with self.lock:
            self.hits.clear()
            self.log.clear()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def _answer(self, h: http.server.BaseHTTPRequestHandler) -> None:
        path = h.path
        route = self.routes.get(path)
        status = route.status if route else 404
        if route and route.validators and status == 200:
            inm, ims = h.headers.get("If-None-Match"), h.headers.get("If-Modified-Since")
            if (inm and inm == route.etag) or (not inm and ims and ims == route.last_modified):
                status = 304
        with self.lock:
            self.hits[path] += 1
            self.log.append((path, status))
        if route and route.delay:
            time.sleep(route.delay)
        try:
            h.send_response(status)
            if route and route.validators:
                h.send_header("ETag", route.etag)
                h.send_header("Last-Modified", route.last_modified)
            for k, v in (route.headers if route else {}).items():
                h.send_header(k, v)
            if status == 304 or route is None or 300 <= status < 400:
                body = b"" if status == 304 else (b"not found" if route is None else route.body)
                h.send_header("Content-Length", str(len(body)))
                h.end_headers()
                h.wfile.write(body)
                return
            h.send_header("Content-Type", route.content_type)
            if route.chunked:
                h.send_header("Transfer-Encoding", "chunked")
                h.end_headers()
                for i in range(0, len(route.body), 65536):
                    piece = route.body[i:i + 65536]
                    h.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
                h.wfile.write(b"0\r\n\r\n")
            else:
                h.send_header("Content-Length", str(len(route.body)))
                h.end_headers()
                h.wfile.write(route.body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the fetcher hung up (a size limit or a timeout): that is the point of some tests


class _QuietServer(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address) -> None:
        pass  # a client that hung up mid-request (size limits, timeouts) is expected here


def rss(site: NewsSite, entries: list[tuple[str, str, str]]) -> str:
    """An RSS 2.0 feed of ``(path, guid, pubDate)`` entries."""
    items = "".join(f"<item><title>{p}</title><link>{site.url(p)}</link><guid isPermaLink=\"false\">{g}</guid>"
                    f"<pubDate>{d}</pubDate></item>" for p, g, d in entries)
    return (f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Riverton Ledger</title>'
            f"<link>{site.origin}/</link><description>News</description>{items}</channel></rss>")


def atom(site: NewsSite, entries: list[tuple[str, str, str]]) -> str:
    """An Atom feed of ``(path, id, updated)`` entries, with links relative to the feed."""
    items = "".join(f'<entry><title>{p}</title><link rel="alternate" href="{p}"/><id>{i}</id><updated>{u}</updated>'
                    "</entry>" for p, i, u in entries)
    return (f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom" xml:base="{site.origin}/">'
            f"<title>Riverton Ledger (Atom)</title><id>urn:ledger</id><updated>2025-10-08T12:00:00Z</updated>{items}</feed>")


def sitemap(site: NewsSite, urls: list[tuple[str, str]], news: bool = False) -> str:
    """A sitemap of ``(path, lastmod)``; with ``news``, a news sitemap (publication dates, no lastmod)."""
    if news:
        items = "".join(f"<url><loc>{site.url(p)}</loc><news:news><news:publication><news:name>Riverton Ledger"
                        f"</news:name><news:language>en</news:language></news:publication><news:publication_date>{d}"
                        f"</news:publication_date><news:title>{p}</news:title></news:news></url>" for p, d in urls)
        ns = ' xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"'
    else:
        items = "".join(f"<url><loc>{site.url(p)}</loc><lastmod>{d}</lastmod></url>" for p, d in urls)
        ns = ""
    return f'<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"{ns}>{items}</urlset>'


def sitemap_index(site: NewsSite, maps: list[tuple[str, str]]) -> str:
    """A sitemap index of ``(path, lastmod)``."""
    items = "".join(f"<sitemap><loc>{site.url(p)}</loc><lastmod>{d}</lastmod></sitemap>" for p, d in maps)
    return f'<?xml version="1.0" encoding="UTF-8"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{items}</sitemapindex>'
