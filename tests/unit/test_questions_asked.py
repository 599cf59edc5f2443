"""A sentence that asks (a quiz page's question, a quoted "Why now?") says nothing: it is never the answer."""

from __future__ import annotations

import pytest

from assistant.answer import Assistant
from assistant.composers.extractive import asks
from assistant.question import Request
from assistant.settings import load_settings
from tests.unit.fakes import HashingEmbedder, MemoryStore

QUIZ = ("Put your knowledge to the test with our quiz of the week.\n\n"
        "1. Which Ogden bakery won the county pie contest this week?\n\n"
        "Crust & Co\n\nThe Rolling Pin\n\nButterfield's\n\nPie Society\n")
REPORT = ("The Rolling Pin, a bakery on Ogden's Main Street, won the county pie contest on Saturday.\n\n"
          "Judges praised its rhubarb pie.\n")
ELSEWHERE = "Ogden's library reopened on Monday after repairs to its roof.\n"


def test_asks_reads_the_closing_mark_past_quotes_and_brackets():
    assert asks("Which country is it?")
    assert asks('"Why would we do that?"')
    assert asks("He asked: \u201cWhere is the money?\u201d ")
    assert asks("(Who knew?)")
    assert not asks("Asked why, he said the money was gone.")
    assert not asks('"Why now?" he asked, and left.')  # what follows the quote says something
    assert not asks("")


def _assistant(tmp_path, texts):
    folder = tmp_path / "articles"
    folder.mkdir()
    for name, text in texts.items():
        (folder / name).write_text(text, encoding="utf-8")
    a = Assistant(load_settings(data_dir=tmp_path / "data"), store=MemoryStore(), embedder=HashingEmbedder())
    a.ingest([folder], progress=False)
    return a


QUESTION = "Which Ogden bakery won the county pie contest this week?"


@pytest.mark.parametrize("with_report", [True, False])
def test_a_quiz_question_is_never_cited(tmp_path, with_report):
    texts = {"quiz.txt": QUIZ, "library.txt": ELSEWHERE} | ({"report.txt": REPORT} if with_report else {})
    a = _assistant(tmp_path, texts)
    found = a.pipeline.retrieve(a.pipeline.understanding(Request(QUESTION, (), None)))
    cands = a.pipeline.extractive.candidates(found)
    assert cands and not any(asks(c.evidence.text) for c in cands)
    answer = a.answer(QUESTION)
    cited = " ".join(c.text for c in answer.citations)
    assert "Which Ogden bakery" not in cited
    if with_report:
        assert not answer.abstained and "The Rolling Pin, a bakery" in cited
    else:  # the quiz restates the question and lists four names: nothing says which one won
        assert answer.abstained
