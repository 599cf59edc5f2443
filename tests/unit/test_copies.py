"""Copies: the rule that says two texts are one story, the MinHash index that finds candidates,
and what an ingest does with a copy (stored once, its source kept in ``also_at``)."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT
from tests.unit.fakes import HashingEmbedder, MemoryStore
from vectorstore.chunking import SentenceChunker
from vectorstore.copies import (
    MAX_UNSHARED,
    CopyIndex,
    Fingerprint,
    fingerprint,
    likeness,
    normalised,
)
from vectorstore.ingestion import ingest

# A made-up wire story (about 170 words) and pieces of text around it.
STORY = (
    "The Riverton city council voted 6 to 3 on Tuesday night to close the Elm Street bridge for "
    "repairs starting in March, after engineers found cracks in two of its steel supports. "
    "Mayor Carla Mendes said the closure would last at least eight months and cost about 4.2 million "
    "dollars, most of it paid by a state grant. Commuters will be sent over the Harbor Road bridge, "
    "which the city says can carry the extra traffic if signal timing is changed at three crossings. "
    "Council member Joe Akers, who voted against the plan, said small businesses on Elm Street would "
    "lose customers for most of a year and asked for a temporary footbridge. The engineers' report, "
    "released last week, said the bridge was safe for cars for now but that the cracks would grow "
    "with winter freezing. A public meeting on detours is set for February 12 at the Riverton library, "
    "where residents can see the repair plans and ask questions of the contractors and city staff."
)
OTHER = (
    "Heavy rain flooded parts of the coastal town of Port Ellis on Sunday, closing schools and "
    "cutting power to about 2,000 homes. Fire crews rescued a family of four from a car stranded on "
    "Marsh Lane, and the county opened a shelter at the high school gym. Forecasters said another "
    "storm could arrive by Wednesday, and officials asked residents to move cars away from low streets."
)


def words_of(text: str) -> list[str]:
    return text.split()


def test_normalisation_ignores_case_punctuation_and_whitespace():
    assert normalised("The  Mayor, said:\n\u201cNo!\u201d") == normalised("the mayor said no")
    assert likeness(STORY, STORY.upper().replace(",", "").replace(".", " .")).identical
    assert likeness("Short note.", "short   NOTE").is_copy  # identical: copies even when short


def test_a_syndicated_copy_with_a_new_first_line_and_a_credit_is_a_copy():
    syndicated = "By Staff, Riverton Daily\n\n" + STORY + "\n\nThis story first appeared in the Riverton Daily."
    found = likeness(STORY, syndicated)
    assert not found.identical
    assert found.containment == 1.0 and found.is_copy


def test_a_lightly_edited_copy_is_a_copy_and_a_heavily_edited_one_is_not():
    w = words_of(STORY)
    edited = " ".join("roughly" if i in (20, 60, 100) else x for i, x in enumerate(w))
    assert likeness(STORY, edited).is_copy
    rewritten = " ".join(x if i % 4 else "word" for i, x in enumerate(w))  # a word in four changed
    assert not likeness(STORY, rewritten).is_copy


def test_a_long_article_quoting_a_short_one_is_not_its_copy():
    quoting = OTHER + "\n\nEarlier coverage, in full:\n\n" + STORY + "\n\n" + OTHER.replace("Sunday", "Monday")
    found = likeness(STORY, quoting)
    assert found.containment == 1.0  # every 5-gram of the short story is in the long one
    assert found.length_ratio < 0.7 and not found.is_copy
    assert not likeness(STORY[: len(STORY) // 2], STORY).is_copy  # the first half only


def test_long_texts_with_many_unshared_5_grams_are_not_copies():
    long_story = " ".join(f"word{i}" for i in range(1000))  # 996 distinct 5-grams
    extra = long_story + " " + " ".join(f"more{i}" for i in range(200))
    found = likeness(long_story, extra)
    assert found.containment == 1.0 and found.length_ratio >= 0.7
    assert found.unshared > MAX_UNSHARED and not found.is_copy
    assert likeness(long_story, long_story + " " + " ".join(f"more{i}" for i in range(100))).is_copy


def test_different_stories_are_not_copies():
    assert not likeness(STORY, OTHER).is_copy
    assert not likeness("", STORY).is_copy


def test_fingerprints_are_deterministic_across_processes_and_read_back():
    here = fingerprint(STORY)
    code = ("from vectorstore.copies import fingerprint; import sys; "
            "print(fingerprint(sys.stdin.read()))")
    there = subprocess.run([sys.executable, "-c", code], input=STORY, capture_output=True, text=True, cwd=ROOT,
                           env={"PYTHONHASHSEED": "123", "PATH": ""}, check=True).stdout.strip()
    assert str(here) == there
    assert Fingerprint.parse(str(here)) == here
    assert Fingerprint.parse("nonsense") is None and Fingerprint.parse(None) is None


def test_the_index_finds_a_copy_and_not_an_unrelated_story():
    index = CopyIndex()
    index.add("story", fingerprint(STORY))
    index.add("other", fingerprint(OTHER))
    copy = "Riverton (AP) \u2014 " + STORY + " Reporting by the Associated Press."
    assert index.candidates(fingerprint(copy))[0] == "story"
    assert "other" not in index.candidates(fingerprint(copy))
    index.remove("story")
    assert "story" not in index.candidates(fingerprint(copy))


def write(folder, name, text):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
    return folder / name


def test_ingest_stores_a_copy_once_and_keeps_its_source_in_also_at(tmp_path):
    store, chunker = MemoryStore(), SentenceChunker(100, 300)
    a = write(tmp_path / "wire", "bridge.txt", STORY)
    b = write(tmp_path / "daily", "bridge-closure.txt", "By Staff\n\n" + STORY)
    write(tmp_path / "wire", "flood.txt", OTHER)
    first = ingest([tmp_path / "wire"], store, HashingEmbedder(), chunker, root=tmp_path, progress=False)
    assert sorted(first.ingested) == ["bridge", "flood"]
    report = ingest([tmp_path / "wire", b], store, HashingEmbedder(), chunker, root=tmp_path, progress=False)
    assert report.ingested == [] and sorted(report.unchanged) == ["bridge", "flood"]
    assert [(c.source, c.primary_id) for c in report.copies] == [("daily/bridge-closure.txt", "bridge")]
    assert "1 stored once" in report.summary()
    assert [c.source for c in store.article("bridge").also_at] == ["daily/bridge-closure.txt"]
    assert store.article("flood").also_at == ()
    assert {c.article_id for c in store.all_chunks()} == {"bridge", "flood"}  # the copy's chunks: none

    again = ingest([tmp_path / "wire", b], store, HashingEmbedder(), chunker, root=tmp_path, progress=False)
    assert again.ingested == [] and again.new_copies() == []  # the same sources again: nothing to do
    assert [c.source for c in store.article("bridge").also_at] == ["daily/bridge-closure.txt"]

    # The copy changes into another story: it leaves also_at and is stored on its own.
    b.write_text(OTHER.replace("Port Ellis", "Bay Town") + " " + STORY[:200], encoding="utf-8")
    changed = ingest([b], store, HashingEmbedder(), chunker, root=tmp_path, progress=False)
    assert changed.ingested == ["bridge-closure"]
    assert store.article("bridge").also_at == ()

    # Back to a copy; then the first file is removed: its copy is promoted on prune.
    b.write_text("By Staff\n\n" + STORY, encoding="utf-8")
    ingest([b], store, HashingEmbedder(), chunker, root=tmp_path, progress=False)
    assert store.article("bridge-closure") is None
    assert [c.source for c in store.article("bridge").also_at] == ["daily/bridge-closure.txt"]
    a.unlink()
    pruned = ingest([tmp_path / "wire", tmp_path / "daily"], store, HashingEmbedder(), chunker, root=tmp_path,
                    progress=False, prune=True)
    assert pruned.promoted == [("bridge", "wire/bridge.txt", "daily/bridge-closure.txt")]
    assert pruned.pruned == []
    kept = store.article("bridge")
    assert kept.source == "daily/bridge-closure.txt" and kept.also_at == ()
    assert {c.source for c in store.all_chunks() if c.article_id == "bridge"} == {"daily/bridge-closure.txt"}


def test_two_copies_in_one_run_are_stored_once(tmp_path):
    store = MemoryStore()
    write(tmp_path / "a", "one.txt", STORY)
    write(tmp_path / "b", "two.txt", STORY.replace("Tuesday night", "Tuesday evening") + "\n\n(Wire copy.)")
    report = ingest([tmp_path / "a", tmp_path / "b"], store, HashingEmbedder(), SentenceChunker(100, 300),
                    root=tmp_path, progress=False)
    [kept] = report.ingested
    [copy] = report.copies
    assert copy.primary_id == kept and {kept, copy.article_id} == {"one", "two"}
    assert [c.source for c in store.article(kept).also_at] == [copy.source]


def test_the_copies_bench_counts_what_ingest_would_store_once(tmp_path):
    from tools.copies_bench import read_corpus, run

    write(tmp_path, "a.txt", STORY)
    write(tmp_path, "b.txt", OTHER)
    write(tmp_path, "c.txt", "By Staff\n\n" + STORY)
    got = run(read_corpus(tmp_path))
    assert got["articles"] == 3 and got["copies"] == [("c", "a")] and got["missed"] == []
    assert [(a, b) for a, b, _ in got["pairs"]] == [("a", "c")]
