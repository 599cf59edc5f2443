"""One writer per store folder: a second writer waits, then refuses with a clear message."""

from __future__ import annotations

import os
import threading
import time

import pytest

from vectorstore.lock import StoreBusy, WriterLock


def test_a_second_writer_is_refused_after_its_timeout_naming_the_holder(tmp_path):
    with WriterLock(tmp_path):
        started = time.monotonic()
        with pytest.raises(StoreBusy, match=f"another ingest \\(pid {os.getpid()}\\) is writing"):
            with WriterLock(tmp_path, timeout=0.3):
                pass
        assert time.monotonic() - started >= 0.3
    with WriterLock(tmp_path, timeout=0):  # released: free again
        pass


def test_a_waiting_writer_goes_on_when_the_first_finishes(tmp_path, capsys):
    order = []
    first = WriterLock(tmp_path).__enter__()

    def second():
        with WriterLock(tmp_path, timeout=10):
            order.append("second")

    t = threading.Thread(target=second)
    t.start()
    time.sleep(0.5)
    order.append("first done")
    first.__exit__(None, None, None)
    t.join(10)
    assert order == ["first done", "second"]
    assert "waiting for another ingest" in capsys.readouterr().err
