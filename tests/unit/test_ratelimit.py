"""The per-client rate limit: a token bucket per address, and the setting that configures it."""

from __future__ import annotations

import pytest

from assistant.ratelimit import RateLimiter, parse_rate
from assistant.settings import SettingsError, load_settings


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_then_one_question_per_interval():
    clock = Clock()
    limiter = RateLimiter(3, 60, clock=clock)  # 3/minute: a burst of 3, then one every 20 s
    assert [limiter.check("1.2.3.4") for _ in range(3)] == [0, 0, 0]
    assert limiter.check("1.2.3.4") == 20
    clock.now += 5
    assert limiter.check("1.2.3.4") == 15  # a refused question takes nothing
    clock.now += 15
    assert limiter.check("1.2.3.4") == 0
    assert limiter.check("1.2.3.4") == 20


def test_clients_have_their_own_buckets():
    limiter = RateLimiter(1, 60, clock=Clock())
    assert limiter.check("a") == 0 and limiter.check("a") == 60
    assert limiter.check("b") == 0


def test_idle_clients_are_forgotten_so_memory_stays_bounded():
    clock = Clock()
    limiter = RateLimiter(2, 10, max_clients=100, clock=clock)
    for i in range(100):
        limiter.check(f"10.0.0.{i}")
    clock.now += 10  # everyone's bucket is full again
    limiter.check("new")
    assert len(limiter._buckets) == 1


@pytest.mark.parametrize("text, rule", [("30/minute", (30, 60.0)), ("5/second", (5, 1.0)), ("100/hour", (100, 3600.0)),
                                        ("10/30s", (10, 30.0)), ("2/min", (2, 60.0)), ("1000/day", (1000, 86400.0)),
                                        ("0", None), ("off", None)])
def test_rate_limit_texts(text, rule):
    assert parse_rate(text) == rule


@pytest.mark.parametrize("text", ["30", "30 per minute", "0/minute", "x/second", "5/fortnight"])
def test_a_bad_rate_limit_says_what_is_accepted(text):
    with pytest.raises(SettingsError, match="30/minute, 5/second"):
        load_settings(rate_limit=text)


def test_the_default_limit_is_on():
    assert load_settings().rate_limit_rule == (30, 60.0)
