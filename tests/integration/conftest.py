"""Web fixtures: the real app served by uvicorn on 127.0.0.1, host pages on other loopback
origins, and Debian's chromium driven by Playwright. Servers and the browser start once per
session; each test gets a fresh browser page that records every request it makes."""

from __future__ import annotations

import functools
import http.server
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

from assistant.answer import Assistant
from assistant.settings import load_settings
from assistant.web import create_app
from tests.conftest import free_port
from vectorstore.store import ChromaStore

CHROMIUM = "/usr/bin/chromium"
# Headless, and quiet: without the background-networking flags chromium tries to reach
# Google's hosts at start, which this offline machine refuses.
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
HOSTILE = Path(__file__).parent / "data" / "hostile.md"


class Server:
    """The app served by uvicorn in a thread on a free 127.0.0.1 port, configured as ``make run``
    serves it (``web.config``: the h11 parser, head and body limits, timeouts)."""

    def __init__(self, app, settings=None) -> None:
        import uvicorn

        from assistant.web import config

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        settings = settings or app.state.assistant.settings
        self.server = uvicorn.Server(config(app, settings, host="127.0.0.1", port=self.port))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> Server:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError(f"the web app did not start on {self.url}")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(10)


class StaticSite:
    """A plain static web server on its own loopback origin (a site owner's page)."""

    def __init__(self, root: Path) -> None:
        root.mkdir(parents=True, exist_ok=True)
        self.root = root
        handler = functools.partial(_QuietHandler, directory=str(root))
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.origin = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def page_with_widget(self, name: str, api: str) -> str:
        """Write a news page that embeds the widget from ``api`` with the README's two lines; its URL."""
        (self.root / name).write_text(HOST_PAGE.format(api=api), encoding="utf-8")
        return f"{self.origin}/{name}"

    def close(self) -> None:
        self.httpd.shutdown()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


# Hostile styles on purpose: the widget must look the same anyway.
HOST_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>The Daily Bugle</title>
<style>
 body {{ font-family: Georgia, serif; margin: 0; background: #faf7f0; color: #222; }}
 header {{ background: #7f1d1d; color: #fff; padding: 18px 40px; font-size: 28px; font-weight: bold; }}
 main {{ max-width: 640px; margin: 30px 40px; line-height: 1.6; }}
 button {{ background: lime !important; font-size: 30px; }}
 * {{ letter-spacing: 2px; }}
 div, section {{ border: 2px dashed red; display: none; }}
</style></head>
<body><header>The Daily Bugle</header>
<main><h1>Guard troops arrive outside Chicago</h1>
<p>Our coverage of the National Guard deployment continues. Ask the assistant in the corner about our reporting.</p></main>
<script src="{api}/widget.js" defer></script>
<news-assistant></news-assistant>
</body></html>
"""


@pytest.fixture(scope="session")
def sites(tmp_path_factory):
    """Two host sites on their own origins: ``allowed`` is in ASSISTANT_ALLOWED_ORIGINS, ``other`` is not."""
    allowed = StaticSite(tmp_path_factory.mktemp("site-allowed"))
    other = StaticSite(tmp_path_factory.mktemp("site-other"))
    yield {"allowed": allowed, "other": other}
    allowed.close()
    other.close()


@pytest.fixture(scope="session")
def web(assistant, sites):
    """The web app over the seeded store, allowing the ``allowed`` site's origin."""
    # No rate limit here: the whole suite asks from 127.0.0.1 (the limit has its own server in test_api.py).
    settings = load_settings(data_dir=assistant.settings.data_dir, allowed_origins=[sites["allowed"].origin],
                             rate_limit="0")
    with Server(create_app(settings, assistant), settings) as server:
        yield server


SEED = "000_260dedd85ce9b948.txt"


@pytest.fixture(scope="session")
def strict_web(tmp_path_factory, embedder, sites):
    """The web app with a low rate limit (2 questions per hour per address) and a 2 s request
    timeout, over one seed article ingested from a folder outside the working folder (so its
    stored ``source`` is an absolute path that must never be shown)."""
    from tests.conftest import SEEDS

    folder = tmp_path_factory.mktemp("outside") / "private-articles"
    folder.mkdir()
    (folder / SEED).write_text((SEEDS / SEED).read_text(encoding="utf-8"), encoding="utf-8")
    meta = yaml.safe_load((SEEDS / "articles.yaml").read_text(encoding="utf-8"))
    (folder / "articles.yaml").write_text(yaml.safe_dump({SEED: meta[SEED]}), encoding="utf-8")
    data = tmp_path_factory.mktemp("strict")
    settings = load_settings(data_dir=data, allowed_origins=[sites["allowed"].origin], rate_limit="2/hour",
                             request_timeout=2)
    strict = Assistant(settings, store=ChromaStore(settings.chroma_path), embedder=embedder)
    report = strict.ingest([folder], progress=False)
    assert len(report.ingested) == 1, report.skipped
    assert strict.store.article_index()[report.ingested[0]]["source"].startswith("/")
    with Server(create_app(settings, strict), settings) as server:
        yield server


@pytest.fixture(scope="session")
def hostile_web(tmp_path_factory, embedder, sites):
    """The web app over a store holding one hostile article (script, onerror, javascript: link, outside image)."""
    data = tmp_path_factory.mktemp("hostile")
    settings = load_settings(data_dir=data, allowed_origins=[sites["allowed"].origin])
    hostile = Assistant(settings, store=ChromaStore(settings.chroma_path), embedder=embedder)
    report = hostile.ingest([HOSTILE], progress=False)
    assert len(report.ingested) == 1, report.skipped
    with Server(create_app(settings, hostile), settings) as server:
        yield server


@pytest.fixture(scope="session")
def browser():
    """Debian's chromium, headless, driven by Playwright (its own browser download cannot work here)."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: 'make test' installs Debian's chromium (apt-get install chromium)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@dataclass
class Recorded:
    """What a page did: every request URL, dialogs (alert/confirm) and console errors."""

    requests: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def outside(self) -> list[str]:
        """Requests that left the machine (anything not to 127.0.0.1, or data:/blob: URLs)."""
        return [u for u in self.requests
                if not (u.startswith("http://127.0.0.1:") or u.startswith(("data:", "blob:")))]


@pytest.fixture
def page(browser):
    """A fresh page (own context) that records its requests; returns ``(page, recorded)``."""
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    pg = context.new_page()
    rec = Recorded()
    pg.on("request", lambda r: rec.requests.append(r.url))
    pg.on("dialog", lambda d: (rec.dialogs.append(d.message), d.dismiss()))
    pg.on("console", lambda m: rec.errors.append(m.text) if m.type == "error" else None)
    pg.set_default_timeout(30_000)
    yield pg, rec
    context.close()


@pytest.fixture
def screenshot(request):
    """``screenshot(page_or_locator, name)``: saved only with ``--screenshots DIR``."""
    folder = request.config.getoption("--screenshots")

    def save(target, name: str) -> None:
        if folder:
            Path(folder).mkdir(parents=True, exist_ok=True)
            target.screenshot(path=str(Path(folder) / name))

    return save


# Web-source settings for tests against the local news site: loopback allowed, no pauses, one retry.
FAST = dict(fetch_allow_private=["127.0.0.0/8"], fetch_delay=0.0, fetch_backoff=0.0, fetch_retries=1,
            fetch_timeout=2.0)


@pytest.fixture
def make(tmp_path, embedder):
    """``make(**settings)``: an Assistant over a fresh store in this test's folder (web settings from ``FAST``)."""
    def _make(**kw):
        settings = load_settings(data_dir=tmp_path / "data", **(FAST | kw))
        return Assistant(settings, store=ChromaStore(settings.chroma_path), embedder=embedder)
    return _make
