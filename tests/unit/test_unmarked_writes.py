"""A writer killed between writing and marking leaves a change no reader saw: the next ingest marks it."""

from __future__ import annotations

import os

from vectorstore.lock import GENERATION_FILE, LOCK_FILE, mark_written, unmarked_writes


def _at(path, seconds):
    os.utime(path, ns=(seconds * 10**9, seconds * 10**9))


def test_a_store_file_newer_than_the_mark_is_an_unmarked_write(tmp_path):
    (tmp_path / "segment").mkdir()
    data = tmp_path / "segment" / "data.bin"
    data.write_bytes(b"x")
    assert unmarked_writes(tmp_path)  # never marked
    mark_written(tmp_path)
    _at(data, 1_000)
    _at(tmp_path / GENERATION_FILE, 2_000)
    assert not unmarked_writes(tmp_path)
    _at(data, 3_000)  # written after the mark, then the writer died
    assert unmarked_writes(tmp_path)


def test_locks_and_sqlite_shared_memory_are_not_writes(tmp_path):
    mark_written(tmp_path)
    _at(tmp_path / GENERATION_FILE, 2_000)
    for name in (LOCK_FILE, "open.lock", "keyword.sqlite3-shm"):
        (tmp_path / name).write_bytes(b"")
        _at(tmp_path / name, 3_000)
    assert not unmarked_writes(tmp_path)
