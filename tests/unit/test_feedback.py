"""The feedback log, gaps and the regression export, on a real SQLite file (no model)."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest

from assistant.errors import FeedbackError, UnknownAnswer
from assistant.evaluation import read_set
from assistant.feedback import FeedbackStore
from assistant.gaps import find_gaps, regression_yaml, summary
from assistant.models import Answer
from assistant.question import same_question


def answered(question: str, abstained: bool = False, text: str = "Troops arrived late Tuesday. [1]") -> Answer:
    return Answer(question=question, answer="The articles do not say." if abstained else text, abstained=abstained)


@pytest.fixture
def log(tmp_path) -> FeedbackStore:
    return FeedbackStore(tmp_path / "data" / "feedback.sqlite3")


def test_record_gives_an_id_and_keeps_the_answer_json(log):
    a = answered("Who arrived in Elwood?")
    answer_id = log.record(a, "conv1")
    assert a.id == answer_id and a.to_dict()["id"] == answer_id
    entry = log.entry(answer_id)
    assert entry.question == "Who arrived in Elwood?" and entry.conversation_id == "conv1"
    assert entry.answer["answer"] == a.answer and entry.answer["id"] == answer_id
    assert entry.helpful is None and not entry.abstained


def test_feedback_is_kept_and_replaced(log):
    answer_id = log.record(answered("Who arrived?"), "c")
    log.give(answer_id, True)
    entry = log.give(answer_id, False, "  It does not say when.  ")
    assert entry.helpful is False and entry.comment == "It does not say when."
    assert log.counts() == {"answers": 1, "feedback": 1, "helpful": 0, "not_helpful": 1}


def test_bad_feedback_is_refused(log):
    answer_id = log.record(answered("Who arrived?"), "c")
    with pytest.raises(UnknownAnswer, match="no answer has the id 'nope'"):
        log.give("nope", True)
    with pytest.raises(FeedbackError, match="true or false"):
        log.give(answer_id, "yes")
    with pytest.raises(FeedbackError, match="at most 1000"):
        log.give(answer_id, False, "x" * 10_000)
    assert log.counts()["feedback"] == 0


def test_unknown_answer_before_anything_was_kept(log):
    with pytest.raises(UnknownAnswer):
        log.give("abc", True)
    assert not log.path.exists()  # asking created no file


def test_same_question_merges_rewordings_not_different_questions():
    assert same_question("What is the population of Elwood?", "Elwood's population?")
    assert same_question("What is the population of Elwood?", "what is the population of elwood")
    assert not same_question("Who is the mayor of Chicago?", "Who is the governor of Illinois?")


def test_gaps_group_near_duplicates_newest_first(log):
    log.record(answered("What is the population of Elwood?", abstained=True), "a")
    helped = log.record(answered("Who arrived in Elwood?"), "b")
    log.give(helped, True)
    log.record(answered("Elwood's population?", abstained=True), "c")
    flagged = log.record(answered("When did the troops arrive?"), "d")
    log.give(flagged, False, "Wrong day")
    log.record(answered("Who arrived in Elwood and when?"), "e")  # answered, not rated: no gap
    gaps = find_gaps(log.entries())
    assert [(g.question, g.count, g.abstained, g.flagged) for g in gaps] == [
        ("When did the troops arrive?", 1, 0, 1),
        ("Elwood's population?", 2, 2, 0)]
    assert gaps[1].wordings == [("Elwood's population?", 1), ("What is the population of Elwood?", 1)]
    assert gaps[0].comments == ["Wrong day"]
    text = summary(gaps)
    assert "also asked as: What is the population of Elwood?" in text and "reader: \u201cWrong day\u201d" in text


def test_since_filters_by_the_day_asked(log):
    log.record(answered("What is the population of Elwood?", abstained=True), "a")
    with sqlite3.connect(log.path) as db:
        db.execute("UPDATE answers SET asked_at = '2020-01-01T00:00:00+00:00'")
    log.record(answered("How old is Pritzker?", abstained=True), "b")
    assert [g.question for g in find_gaps(log.entries(dt.date(2021, 1, 1)))] == ["How old is Pritzker?"]
    assert len(find_gaps(log.entries())) == 2


def test_regression_export_reads_back_with_empty_expectations(log, tmp_path):
    log.record(answered('What did "the mayor" say?\nAnd: why?', abstained=True), "a")
    flagged = log.record(answered("When did the troops arrive?"), "b")
    log.give(flagged, False, "Wrong day\n# not yaml")
    out = tmp_path / "gaps.qa.yaml"
    out.write_text(regression_yaml(find_gaps(log.entries()), dt.datetime(2026, 1, 2, 3, 4)), encoding="utf-8")
    text = out.read_text(encoding="utf-8")
    assert "# the assistant answered: Troops arrived late Tuesday. [1]" in text
    assert "# reader: Wrong day # not yaml" in text
    cases = read_set(out).cases
    assert [c.question for c in cases] == ["When did the troops arrive?", 'What did "the mayor" say?\nAnd: why?']
    assert [c.id for c in cases] == ["when-did-the-troops-arrive", "what-did-the-mayor-say-and-why"]
    assert not any(c.expects for c in cases)


def test_empty_export_is_a_valid_empty_list():
    assert "questions: []" in regression_yaml([], dt.datetime(2026, 1, 1))


def test_delete_all_empties_the_log(log):
    answer_id = log.record(answered("Who?"), "a")
    log.give(answer_id, False, "secret words")
    assert log.delete_all() == {"answers": 1, "feedback": 1}
    assert log.entries() == [] and log.counts()["answers"] == 0
    assert b"secret words" not in log.path.read_bytes()
