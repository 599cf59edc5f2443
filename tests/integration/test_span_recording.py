"""``tools/pipeline_spans.collect`` on the real assistant over the seeds: the spans it records are
those the short answer was chosen from, labelled by the set's expected answer."""

from __future__ import annotations

import datetime as dt

from assistant.evaluation import Case
from assistant.short_answer import hand_score
from tools import pipeline_spans
from tools.train_spans import _right


def test_collect_records_the_spans_the_short_answer_was_chosen_from(assistant):
    cases = [Case("q1", "How many Texas National Guard soldiers arrived in Chicago?", mentions=[["200"]],
                  as_of=dt.date(2025, 10, 10)),
             Case("q2", "What is the weather in Chicago today?", abstain=True),
             Case("q3", "Why did Pritzker object?")]  # neither expected phrases nor a decline: left out
    threshold = assistant.pipeline.extractive.abstain_threshold
    got = pipeline_spans.collect(assistant, cases, threshold)
    assert [q.gold for q in got] == ["200"]  # the decline was declined: no short answer to weigh
    (q,) = got
    answer = assistant.answer(cases[0].question, as_of=cases[0].as_of)
    best = max(q.spans, key=lambda s: hand_score(s[1]))[0]
    assert answer.short_answer is not None and best == answer.short_answer.text
    assert any(_right(span, "200") for span, _ in q.spans)
