"""What the chat shows when something goes wrong, and how sources are named to readers."""

from __future__ import annotations

from pathlib import Path

from assistant.citations import shown_path
from assistant.errors import EmptyStoreError
from assistant.webchat import FAILED, escape, respond


def test_an_internal_error_is_logged_not_shown(caplog):
    def broken(question, turns):
        raise RuntimeError("TextEncodeInput must be Union[...] at /srv/secret/path.py")
        yield  # a generator, like Assistant.answer_stream

    [(messages, turns)] = list(respond(broken, "Who?", []))
    assert [m.content for m in messages] == [escape(FAILED)]
    assert "secret" not in messages[0].content and "TextEncodeInput" not in messages[0].content
    assert turns == []  # no turn for a question not answered
    assert "TextEncodeInput" in caplog.text  # the operator has it


def test_an_error_the_reader_can_act_on_is_shown():
    def empty(question, turns):
        raise EmptyStoreError("Nothing is ingested yet")
        yield

    [(messages, _)] = list(respond(empty, "Who?", []))
    assert "Nothing is ingested yet" in messages[0].content


def test_sources_are_shown_relative_never_as_absolute_paths(tmp_path):
    inside = Path.cwd() / "seeds" / "000.txt"
    assert shown_path(str(inside)) == "seeds/000.txt"
    assert shown_path("seeds/000.txt") == "seeds/000.txt"
    outside = tmp_path / "private" / "story.txt"
    assert shown_path(str(outside)) == "story.txt"
