"""A polite, safe HTTP fetcher for news pages, feeds, sitemaps and their robots.txt.

Rules (the README repeats them for users):

- Only ``http`` and ``https`` URLs, at most ``max_redirects`` redirects, each hop checked again.
- **No private addresses.** Every connection resolves its host and checks *every* address it
  resolves to; a loopback, private, link-local, shared, reserved or multicast address is refused
  unless it lies in one of ``allow_networks``. The check sits in the connection itself (the
  network backend under httpx), so it holds for redirects and cannot be raced by a DNS answer
  that changes between a check and the connection: the socket goes to the address checked.
- **robots.txt honoured** (RFC 9309): fetched once per site and read with ``urllib.robotparser``
  for this user agent; a 4xx robots.txt allows everything, a 5xx or an unreachable one allows
  nothing for now. A ``Crawl-delay`` slows this host down (at most ``max_crawl_delay`` seconds).
- **Polite**: an identifying ``User-Agent``; at most ``per_host`` requests at once to a host, and
  ``delay`` seconds between the starts of two requests to it.
- **Bounded**: each request must finish within ``timeout`` seconds (headers and body); a body
  larger than ``max_bytes`` is refused (from ``Content-Length``, or cut off while reading).
- **Retries** with exponential backoff (``backoff`` x 1, 2, 4 ...; a ``Retry-After`` of at most 60 s
  is honoured) on timeouts, dropped connections, 429 and 5xx; never on a refusal or another 4xx.
- Conditional requests: ``get(url, etag=..., last_modified=...)`` sends ``If-None-Match`` /
  ``If-Modified-Since`` and returns ``not_modified`` on 304.

Every failure is a ``FetchError`` whose message says what happened, for the caller to report
against its URL; nothing else escapes ``get``.
"""

from __future__ import annotations

import email.utils
import ipaddress
import logging
import socket
import threading
import time
import urllib.robotparser
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import httpcore
import httpx

log = logging.getLogger(__name__)
ROBOTS_MAX_BYTES = 512 * 1024  # RFC 9309: crawlers must read at least 500 KiB
RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
MAX_RETRY_AFTER = 60.0
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], list[str]]


class FetchError(Exception):
    """A URL could not be fetched; ``str(exc)`` says why (for the report line of that URL)."""


class AddressRefused(FetchError):
    """The host resolves to an address the policy does not allow (private, loopback, ...)."""


@dataclass(frozen=True)
class FetchPolicy:
    """How the fetcher behaves (see the module docstring); values come from the settings."""

    user_agent: str = "news-assistant/0.1 (news question answering)"
    timeout: float = 30.0
    retries: int = 2
    backoff: float = 1.0
    per_host: int = 2
    delay: float = 1.0
    max_bytes: int = 10 * 1024 * 1024
    max_redirects: int = 5
    max_crawl_delay: float = 30.0
    allow_networks: tuple[Network, ...] = ()


@dataclass
class Fetched:
    """A fetched URL: ``url`` as asked, ``final_url`` after redirects; ``not_modified`` on 304."""

    url: str
    final_url: str
    status: int
    body: bytes = b""
    content_type: str = ""
    charset: str | None = None
    etag: str | None = None
    last_modified: str | None = None

    @property
    def not_modified(self) -> bool:
        return self.status == 304


def parse_networks(values: Sequence[str]) -> tuple[Network, ...]:
    """``["127.0.0.0/8", "::1"]`` as networks.

    Raises:
        ValueError: a value is not an address or a network in CIDR notation.
    """
    out = []
    for value in values:
        try:
            out.append(ipaddress.ip_network(value.strip(), strict=False))
        except ValueError:
            raise ValueError(f"'{value}' is not an address or network, e.g. 127.0.0.0/8 or 10.1.2.3") from None
    return tuple(out)


def address_problem(address: str, allowed: Sequence[Network] = ()) -> str | None:
    """Why ``address`` may not be connected to (``"loopback"``, ``"private"``...), or ``None`` if it may."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if any(ip.version == net.version and ip in net for net in allowed):
        return None
    for kind in ("loopback", "link_local", "private", "multicast", "unspecified", "reserved"):
        if getattr(ip, f"is_{kind}"):
            return kind.replace("_", "-")
    if not ip.is_global:
        return "non-public"
    return None


def system_resolver(host: str, port: int) -> list[str]:
    """The addresses ``host`` resolves to, in the system's order of preference."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(info[4][0] for info in infos))


class _GuardedBackend(httpcore.NetworkBackend):
    """httpcore's network backend, checking every address a host resolves to before connecting."""

    def __init__(self, allowed: Sequence[Network], resolve: Resolver) -> None:
        self.allowed = tuple(allowed)
        self.resolve = resolve
        self.inner = httpcore.SyncBackend()

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        try:
            addresses = self.resolve(host, port)
        except OSError as exc:
            raise httpcore.ConnectError(f"cannot resolve {host} ({exc.strerror or exc})") from None
        for address in addresses:
            kind = address_problem(address, self.allowed)
            if kind:
                raise AddressRefused(
                    f"refused: {host} resolves to {address}, a {kind} address (private, loopback and link-local "
                    "addresses are never fetched unless ASSISTANT_FETCH_ALLOW_PRIVATE lists them, e.g. 127.0.0.0/8)")
        last: Exception = httpcore.ConnectError(f"{host} resolves to no address")
        for address in addresses:  # connect to the address checked, not to a second lookup's answer
            try:
                return self.inner.connect_tcp(address, port, timeout, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last = exc
        raise last

    def connect_unix_socket(self, path, timeout=None, socket_options=None):  # pragma: no cover
        raise httpcore.ConnectError("unix sockets are not fetched")

    def sleep(self, seconds: float) -> None:  # pragma: no cover
        time.sleep(seconds)


class _GuardedTransport(httpx.HTTPTransport):
    def __init__(self, allowed: Sequence[Network], resolve: Resolver) -> None:
        super().__init__(trust_env=False)
        # httpx takes no network backend of its own; its pool is rebuilt with the guarded one.
        self._pool = httpcore.ConnectionPool(ssl_context=httpx.create_ssl_context(trust_env=False),
                                             max_connections=100, max_keepalive_connections=20,
                                             network_backend=_GuardedBackend(allowed, resolve))


@dataclass
class _Host:
    """One host's share of the politeness rules: a slot count and the next allowed start."""

    slots: threading.BoundedSemaphore
    delay: float
    lock: threading.Lock = field(default_factory=threading.Lock)
    next_start: float = 0.0

    def wait_turn(self) -> None:
        with self.lock:
            now = time.monotonic()
            if self.next_start > now:
                time.sleep(self.next_start - now)
            self.next_start = time.monotonic() + self.delay


class Fetcher:
    """Fetches URLs by the rules of the module docstring. Thread-safe; close it (or use ``with``).

    Args:
        policy: the rules' values.
        resolve: ``(host, port) -> [addresses]``; the system resolver by default (tests may map
            a test host name to 127.0.0.1 with it).
    """

    def __init__(self, policy: FetchPolicy | None = None, resolve: Resolver = system_resolver) -> None:
        self.policy = policy or FetchPolicy()
        p = self.policy
        self.client = httpx.Client(
            transport=_GuardedTransport(p.allow_networks, resolve), follow_redirects=False, trust_env=False,
            timeout=httpx.Timeout(p.timeout), headers={"User-Agent": p.user_agent})
        self._hosts: dict[str, _Host] = {}
        self._robots: dict[str, urllib.robotparser.RobotFileParser | FetchError] = {}
        self._lock = threading.Lock()
        self._robots_locks: dict[str, threading.Lock] = {}
        self.requests = 0  # requests sent, robots.txt included (for reports and tests)

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.client.close()

    # -- the one public call ---------------------------------------------------------------
    def get(self, url: str, etag: str | None = None, last_modified: str | None = None) -> Fetched:
        """Fetch ``url`` (following redirects), conditionally when ``etag``/``last_modified`` are given.

        Returns:
            ``Fetched`` with the body (status 2xx) or ``not_modified`` (304).

        Raises:
            FetchError: not http(s), refused address, disallowed by robots.txt, too large, timed
                out, unreachable, an HTTP error status, too many redirects.
        """
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        current = url
        for _ in range(self.policy.max_redirects + 1):
            _check_url(current)
            self._check_robots(current)
            status, head, body = self._request(current, headers, self.policy.max_bytes)
            if status in (301, 302, 303, 307, 308):
                location = head.get("location")
                if not location:
                    raise FetchError(f"HTTP {status} redirect without a Location")
                current = urljoin(current, location.strip())
                continue
            if status == 304:
                return Fetched(url, current, 304, etag=head.get("etag") or etag,
                               last_modified=head.get("last-modified") or last_modified)
            if not 200 <= status < 300:
                raise FetchError(f"HTTP {status} {httpx.codes.get_reason_phrase(status)}".strip())
            ctype = head.get("content-type", "")
            return Fetched(url, current, status, body, ctype.split(";")[0].strip().lower(), _charset(ctype),
                           head.get("etag"), head.get("last-modified"))
        raise FetchError(f"more than {self.policy.max_redirects} redirects")

    # -- robots.txt ------------------------------------------------------------------------
    def _check_robots(self, url: str) -> None:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        with self._lock:
            lock = self._robots_locks.setdefault(origin, threading.Lock())
        with lock:
            rules = self._robots.get(origin)
            if rules is None:
                rules = self._robots[origin] = self._read_robots(origin)
        if isinstance(rules, FetchError):
            raise rules
        if not rules.can_fetch(self.policy.user_agent, url):
            raise FetchError(f"disallowed by {origin}/robots.txt for this user agent")

    def _read_robots(self, origin: str) -> urllib.robotparser.RobotFileParser | FetchError:
        rules = urllib.robotparser.RobotFileParser(origin + "/robots.txt")
        current = origin + "/robots.txt"
        try:
            for _ in range(self.policy.max_redirects + 1):
                _check_url(current)
                status, head, body = self._request(current, {}, ROBOTS_MAX_BYTES, truncate=True)
                if status in (301, 302, 303, 307, 308) and head.get("location"):
                    current = urljoin(current, head["location"].strip())
                    continue
                break
        except AddressRefused as exc:
            return exc
        except _Retryable as exc:  # the site itself is down or too slow
            return FetchError(f"{exc}, asking for {origin}/robots.txt; the site is not fetched for now")
        except FetchError as exc:
            return FetchError(f"{origin}/robots.txt could not be read ({exc}); the site is not fetched for now")
        if 400 <= status < 500:
            rules.allow_all = True
        elif not 200 <= status < 300:
            return FetchError(f"{origin}/robots.txt answered HTTP {status}; the site is not fetched for now")
        else:
            rules.parse(body.decode("utf-8", errors="replace").splitlines())
            delay = rules.crawl_delay(self.policy.user_agent)
            if delay:
                self._host(urlsplit(origin).netloc).delay = max(self.policy.delay,
                                                                 min(float(delay), self.policy.max_crawl_delay))
        rules.modified()
        return rules

    # -- one request, with politeness, limits and retries ------------------------------------
    def _host(self, netloc: str) -> _Host:
        with self._lock:
            host = self._hosts.get(netloc)
            if host is None:
                host = self._hosts[netloc] = _Host(threading.BoundedSemaphore(self.policy.per_host), self.policy.delay)
            return host

    def _request(self, url: str, headers: dict, limit: int, truncate: bool = False) -> tuple[int, dict, bytes]:
        p = self.policy
        host = self._host(urlsplit(url).netloc)
        attempt = 0
        while True:
            with host.slots:
                host.wait_turn()
                try:
                    status, head, body = self._once(url, headers, limit, truncate)
                except AddressRefused:
                    raise
                except _Retryable as exc:
                    problem, wait, kind = str(exc), None, _Retryable
                else:
                    if status not in RETRY_STATUS:
                        return status, head, body
                    problem, wait, kind = f"HTTP {status}", _retry_after(head.get("retry-after")), FetchError
            if attempt >= p.retries:
                raise kind(problem + (f" (after {attempt + 1} tries)" if attempt else ""))
            pause = wait if wait is not None else p.backoff * 2 ** attempt
            log.info("%s: %s; trying again in %.1fs", url, problem, pause)
            time.sleep(pause)
            attempt += 1

    def _once(self, url: str, headers: dict, limit: int, truncate: bool) -> tuple[int, dict, bytes]:
        deadline = time.monotonic() + self.policy.timeout
        with self._lock:
            self.requests += 1
        try:
            with self.client.stream("GET", url, headers=headers) as response:
                head = {k.lower(): v for k, v in response.headers.items()}
                if not 200 <= response.status_code < 300:
                    return response.status_code, head, b""
                size = head.get("content-length", "")
                if size.isdigit() and int(size) > limit and not truncate:
                    raise FetchError(f"too large: {_mib(int(size))} (the limit is {_mib(limit)}, "
                                     "ASSISTANT_FETCH_MAX_BYTES)")
                parts, got = [], 0
                for part in response.iter_bytes():
                    parts.append(part)
                    got += len(part)
                    if got > limit:
                        if truncate:
                            break
                        raise FetchError(f"too large: more than {_mib(limit)} (ASSISTANT_FETCH_MAX_BYTES)")
                    if time.monotonic() > deadline:
                        raise _Retryable(f"timed out: the page took longer than {self.policy.timeout:g}s "
                                         "(ASSISTANT_FETCH_TIMEOUT)")
                return response.status_code, head, b"".join(parts)[:limit]
        except AddressRefused:
            raise
        except httpx.TimeoutException:
            raise _Retryable(f"timed out after {self.policy.timeout:g}s (ASSISTANT_FETCH_TIMEOUT)") from None
        except httpx.UnsupportedProtocol:
            raise FetchError("only http and https URLs are fetched") from None
        except (httpx.TransportError, httpx.DecodingError) as exc:
            raise _Retryable(_transport_problem(exc)) from None


class _Retryable(FetchError):
    """A failure of the connection itself, worth another try (timeout, dropped or refused connection)."""


def _check_url(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise FetchError(f"only http and https URLs are fetched, not '{parts.scheme or url}'")
    if not parts.hostname:
        raise FetchError("the URL has no host")
    if parts.username or parts.password:
        raise FetchError("URLs with a user name or password are not fetched")


def _transport_problem(exc: Exception) -> str:
    text = str(exc) or type(exc).__name__
    if isinstance(exc, httpx.ConnectError):
        return f"unreachable ({text})"
    if isinstance(exc, httpx.RemoteProtocolError):
        return f"the server broke the connection ({text})"
    return f"{type(exc).__name__}: {text}"


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        seconds = float(value)
    else:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        seconds = when.timestamp() - time.time()
    return max(0.0, min(seconds, MAX_RETRY_AFTER))


def _charset(content_type: str) -> str | None:
    for param in content_type.split(";")[1:]:
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset" and value.strip():
            return value.strip().strip('"').strip("'")
    return None


def _mib(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MiB"
