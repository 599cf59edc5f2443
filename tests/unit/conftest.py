"""Unit-tier fixtures: a tiny corpus in an in-memory store with the hashing embedder (no model)."""

from __future__ import annotations

import pytest

from assistant.answer import Assistant
from assistant.settings import load_settings
from tests.unit.fakes import HashingEmbedder, MemoryStore

COUNCIL = ("The Springfield council approved the library budget on Monday after a two-hour debate.\n\n"
           "Mayor Ann Lee said the budget adds two librarians and keeps the library open on Sundays.\n\n"
           "The vote was 7 to 2, with council members Ruth Park and Omar Diaz opposed.\n")
PROTEST = ("Residents of Shelbyville protested the new parking fees on Tuesday.\n\n"
           "About 300 people marched to city hall, where Police Chief Dana Cole met them.\n\n"
           "The fees take effect in November, the city said.\n")
META = ("council.txt: {outlet: Springfield Times, headline: Council approves library budget, published: '2025-10-08'}\n"
        "protest.txt: {outlet: Shelbyville Post, headline: Parking fee protest, published: '2025-10-09'}\n")


@pytest.fixture
def corpus(tmp_path):
    """The two small articles (with an ``articles.yaml``) in a folder."""
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "council.txt").write_text(COUNCIL, encoding="utf-8")
    (folder / "protest.txt").write_text(PROTEST, encoding="utf-8")
    (folder / "articles.yaml").write_text(META, encoding="utf-8")
    return folder


@pytest.fixture
def small(corpus, tmp_path):
    """An ``Assistant`` over the small corpus, in a ``MemoryStore`` with the hashing embedder."""
    a = Assistant(load_settings(data_dir=tmp_path / "data"), store=MemoryStore(), embedder=HashingEmbedder())
    report = a.ingest([corpus], progress=False)
    assert sorted(report.ingested) == ["council", "protest"]
    return a
