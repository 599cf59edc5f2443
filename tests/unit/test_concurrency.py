"""Sharing one Assistant between threads: the readers-writer lock, the LLM's queue, and an
answer that stops when its reader goes away."""

from __future__ import annotations

import threading
import time

import pytest

from assistant.answer import Assistant
from assistant.concurrency import Busy, Gate, ReadWriteLock
from assistant.models import Answer
from assistant.settings import load_settings
from tests.unit.fakes import HashingEmbedder, MemoryStore, ScriptedChat

MARCH = "How many people marched to city hall?"


def in_thread(fn) -> threading.Thread:
    t = threading.Thread(target=fn, daemon=True)
    t.start()
    return t


def test_readers_share_the_lock():
    lock, both_in = ReadWriteLock(), threading.Barrier(2, timeout=5)

    def read():
        with lock.reading():
            both_in.wait()  # a BrokenBarrierError here would mean the second reader was kept out

    threads = [in_thread(read) for _ in range(2)]
    for t in threads:
        t.join(5)
    assert not both_in.broken


def test_a_writer_waits_for_readers_and_holds_back_readers_that_come_after_it():
    lock, order = ReadWriteLock(), []
    reading, release = threading.Event(), threading.Event()

    def first_reader():
        with lock.reading():
            reading.set()
            release.wait(5)
            order.append("reader 1 done")

    def writer():
        with lock.writing() as got:
            order.append(f"writer in ({got})")

    def late_reader():
        with lock.reading():
            order.append("reader 2 in")

    r1 = in_thread(first_reader)
    reading.wait(5)
    w = in_thread(writer)
    time.sleep(0.1)  # the writer is now waiting
    r2 = in_thread(late_reader)
    time.sleep(0.1)
    assert order == []  # the writer waits for reader 1; reader 2 waits behind the writer
    release.set()
    for t in (r1, w, r2):
        t.join(5)
    assert order == ["reader 1 done", "writer in (True)", "reader 2 in"]


def test_a_writer_gives_up_after_its_timeout_and_lets_readers_go_on():
    lock, done = ReadWriteLock(), threading.Event()

    def read():
        with lock.reading():
            done.set()

    with lock.reading():
        with lock.writing(timeout=0.1) as got:
            assert got is False
        t = in_thread(read)
        assert done.wait(5)  # not held back by a writer that gave up
    t.join(5)


def test_the_gate_turns_away_beyond_its_line_at_once():
    gate = Gate(waiting=0, wait=10)
    gate.enter()
    t = time.monotonic()
    with pytest.raises(Busy, match="already waiting"):
        gate.enter()
    assert time.monotonic() - t < 1
    gate.leave()
    gate.enter()  # free again
    gate.leave()


def test_the_gate_gives_up_after_the_wait():
    gate = Gate(waiting=1, wait=0.1)
    with gate.held():
        with pytest.raises(Busy, match="no turn within 0.1 s"):
            gate.enter()
        assert gate.queued == 0


def test_the_gate_serves_its_line_in_order():
    gate, order = Gate(waiting=3, wait=10), []
    gate.enter()

    def waiter(name):
        with gate.held():
            order.append(name)

    threads = []
    for name in ("first", "second", "third"):
        threads.append(in_thread(lambda n=name: waiter(n)))
        deadline = time.monotonic() + 5
        while gate.queued < len(threads) and time.monotonic() < deadline:
            time.sleep(0.01)
    gate.leave()
    for t in threads:
        t.join(5)
    assert order == ["first", "second", "third"]


@pytest.fixture
def with_llm(corpus, tmp_path):
    """An Assistant over the small corpus whose LLM is a scripted chat model (no real model)."""
    def make(text="About 300 people marched to city hall [1].", delay=0.0, **settings):
        s = load_settings(data_dir=tmp_path / "data", llm="openai:scripted", **settings)
        a = Assistant(s, store=MemoryStore(), embedder=HashingEmbedder(), chat=ScriptedChat(text=text, delay=delay))
        a.ingest([corpus], progress=False)
        return a
    return make


def test_a_busy_llm_gives_the_extractive_answer_with_a_note(with_llm):
    a = with_llm(llm_queue=0)
    a.llm_gate.enter()  # another question is being written
    try:
        busy = a.answer(MARCH)
    finally:
        a.llm_gate.leave()
    assert busy.composer_label == "extractive (fallback from openai:scripted)"
    assert busy.notice.startswith("The LLM is busy") and "showing the extractive answer" in busy.notice
    assert "About 300 people marched to city hall" in busy.answer and not busy.abstained
    assert a.chat.words_sent == 0  # the model was not asked
    assert "busy" not in a.answer(MARCH).notice  # free again: asked as usual


def test_an_llm_that_runs_past_its_timeout_is_stopped_and_the_extractive_answer_shown(with_llm):
    a = with_llm(text="word " * 200, delay=0.01, llm_timeout=0.2)
    answer = a.answer(MARCH)
    assert "no complete answer within 0.2 s (ASSISTANT_LLM_TIMEOUT)" in answer.notice
    assert answer.fallback_from == "openai:scripted" and a.chat.words_sent < 100
    assert a.llm_gate.try_enter()  # the gate was given back
    a.llm_gate.leave()


def test_closing_a_stream_stops_the_model_and_frees_the_gate_and_the_store(with_llm):
    a = with_llm(text="word " * 200, delay=0.01)
    stream = a.answer_stream(MARCH)
    first = next(stream)
    assert isinstance(first, str)  # the model is writing
    stream.close()  # the reader went away
    assert a.chat.stopped and a.chat.words_sent < 10
    assert a.llm_gate.try_enter()
    a.llm_gate.leave()
    with a.sharing.writing(timeout=0) as got:  # no answer holds the store any more
        assert got


def test_answers_run_at_once_and_a_refresh_waits_for_them(with_llm):
    a = with_llm(llm_queue=5, text="word " * 30, delay=0.01)
    results: list[Answer] = []
    threads = [in_thread(lambda: results.append(a.answer(MARCH))) for _ in range(3)]
    time.sleep(0.05)
    a.refresh()  # waits for the answers in flight, never breaks them
    for t in threads:
        t.join(10)
    assert len(results) == 3 and all(not r.abstained for r in results)


def test_a_refresh_does_not_wait_for_the_llm(with_llm):
    a = with_llm(text=" ".join(["word"] * 300), delay=0.01)
    done: list[Answer] = []
    t = in_thread(lambda: done.append(a.answer(MARCH)))
    deadline = time.monotonic() + 10
    while not a.chat.words_sent and time.monotonic() < deadline:
        time.sleep(0.01)
    with a.sharing.writing(timeout=1) as got:  # the model is writing: the store is free meanwhile
        assert got and not done
    t.join(20)
    assert done and a.chat.words_sent == 300


def test_pausing_outside_a_read_is_harmless():
    lock = ReadWriteLock()
    with lock.paused():
        pass
    with lock.writing(timeout=0) as got:
        assert got
