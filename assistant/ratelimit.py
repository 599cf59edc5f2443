"""Per-client rate limits: a token bucket for each client address.

A client may ask ``count`` questions at once, then one more every ``period / count`` seconds
(``30/minute``: a burst of 30, then one every 2 s). Buckets live in memory, in this process; a
bucket left idle until full is forgotten, so memory stays bounded by the clients active in the
last period (and by ``max_clients`` in any case).
"""

from __future__ import annotations

import math
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable


class RateLimiter:
    """``check(client)`` takes one token from the client's bucket.

    Args:
        count: questions allowed per ``period`` (the bucket's size).
        period: seconds.
        max_clients: most buckets kept; the least recently used go first beyond it.
        clock: seconds, monotonic (tests pass their own).
    """

    def __init__(self, count: int, period: float, max_clients: int = 10_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if count < 1 or period <= 0:
            raise ValueError("a rate limit needs a count of at least 1 and a positive period")
        self.count = count
        self.period = period
        self.rate = count / period  # tokens per second
        self.max_clients = max_clients
        self.clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # client -> (tokens, at)
        self._lock = threading.Lock()

    def check(self, client: str) -> int:
        """Take a token for ``client``: 0 if it may go on, else the whole seconds to wait (>= 1)."""
        now = self.clock()
        with self._lock:
            tokens, at = self._buckets.pop(client, (float(self.count), now))
            tokens = min(float(self.count), tokens + (now - at) * self.rate)
            if tokens >= 1:
                self._buckets[client] = (tokens - 1, now)
                wait = 0
            else:
                self._buckets[client] = (tokens, now)
                wait = max(1, math.ceil((1 - tokens) / self.rate))
            if len(self._buckets) > self.max_clients:
                self._forget(now)
            return wait

    def _forget(self, now: float) -> None:
        full = [c for c, (tokens, at) in self._buckets.items() if tokens + (now - at) * self.rate >= self.count]
        for client in full:
            del self._buckets[client]
        while len(self._buckets) > self.max_clients:
            self._buckets.popitem(last=False)


def parse_rate(text: str) -> tuple[int, float] | None:
    """``"30/minute"`` -> ``(30, 60.0)``; ``"0"`` or ``"off"`` -> ``None`` (no limit).

    Accepted: ``N/second``, ``N/minute``, ``N/hour``, ``N/day`` (or ``s``, ``min``, ``h``, ``d``),
    and ``N/Ks`` style periods such as ``10/30s``.

    Raises:
        ValueError: anything else, saying what is accepted.
    """
    text = text.strip().lower()
    if text in ("0", "off", "none", ""):
        return None
    m = re.fullmatch(r"(\d+)\s*/\s*(\d+(?:\.\d+)?)?\s*(s|sec|second|m|min|minute|h|hour|d|day)s?", text)
    if not m or int(m.group(1)) < 1:
        raise ValueError(f"'{text}' is not a rate limit: write e.g. 30/minute, 5/second, 100/hour, 10/30s, or 0 for none")
    unit = {"s": 1, "sec": 1, "second": 1, "m": 60, "min": 60, "minute": 60, "h": 3600, "hour": 3600,
            "d": 86400, "day": 86400}[m.group(3)]
    return int(m.group(1)), float(m.group(2) or 1) * unit
