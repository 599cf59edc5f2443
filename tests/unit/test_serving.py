"""The benches time each question as a reader asks it: as of its day when the set gives one."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from tools.serving import asked, latencies


def test_questions_are_timed_as_of_their_day():
    cases = [SimpleNamespace(question="Who won?", as_of=dt.date(2023, 10, 5)),
             SimpleNamespace(question="Where is Elwood?", as_of=None)]
    assert [asked(c) for c in cases] == [("Who won?", "2023-10-05"), "Where is Elwood?"]
    calls = []

    class Assistant:
        def clear_caches(self):
            calls.append("clear")

        def answer(self, question, as_of=None):
            calls.append((question, as_of))

    times = latencies(Assistant(), [asked(c) for c in cases])
    assert len(times) == 2 and all(t >= 0 for t in times)
    assert calls == ["clear", ("Who won?", dt.date(2023, 10, 5)), "clear", ("Where is Elwood?", None)]
