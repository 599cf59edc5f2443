"""Sharing one ``Assistant`` between threads: a readers-writer lock and the LLM's bounded queue.

Answers only read (the embedder, the Chroma store, the in-memory indexes), so any number may run
at once. What is not safe while answers run is a refresh: reopening the store and swapping the
indexes after another process ingested. ``ReadWriteLock`` lets answers share the read side and
gives the refresh the write side, after the answers in flight (a waiting writer holds new readers
back, so a steady stream of answers cannot starve it; it gives up after a timeout, and the caller
tries again later).

An answer's LLM step reads neither the store nor the indexes, and takes seconds: it runs with
the read side given back (``ReadWriteLock.paused``), so a refresh never waits for a model.

A local LLM answers one question at a time and takes seconds for each. ``Gate`` lets one answer
use it, lets at most ``waiting`` more wait, each for at most ``wait`` seconds, and turns the rest
away at once with ``Busy``: the caller then shows the extractive answer with a note.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager


class ReadWriteLock:
    """Many readers or one writer; a waiting writer goes before readers that arrive after it.

    Not tied to threads: a reader may release from another thread than the one that acquired
    (a streamed answer is resumed by whichever worker thread asks for its next piece).
    """

    def __init__(self) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._readers = 0
        self._writing = False
        self._writers_waiting = 0

    @contextmanager
    def reading(self) -> Iterator[None]:
        """Hold the read side for the ``with`` block (waits while a writer holds or waits for the lock)."""
        with self._cond:
            while self._writing or self._writers_waiting:
                self._cond.wait()
            self._readers += 1
        try:
            yield
        finally:
            with self._cond:
                self._readers -= 1
                if not self._readers:
                    self._cond.notify_all()

    @contextmanager
    def paused(self) -> Iterator[None]:
        """Inside ``reading``: give the read side back for the ``with`` block (a writer may go
        meanwhile), then take it again. A no-op when no reader holds the lock."""
        with self._cond:
            held = self._readers > 0
            if held:
                self._readers -= 1
                if not self._readers:
                    self._cond.notify_all()
        try:
            yield
        finally:
            if held:
                with self._cond:
                    while self._writing or self._writers_waiting:
                        self._cond.wait()
                    self._readers += 1

    @contextmanager
    def writing(self, timeout: float | None = None) -> Iterator[bool]:
        """Hold the write side for the ``with`` block; yields ``False`` (and holds nothing) if the
        readers in flight did not finish within ``timeout`` seconds."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            self._writers_waiting += 1
            try:
                while self._writing or self._readers:
                    left = None if deadline is None else deadline - time.monotonic()
                    if left is not None and left <= 0:
                        break
                    self._cond.wait(left)
                got = not (self._writing or self._readers)
                if got:
                    self._writing = True
            finally:
                self._writers_waiting -= 1
                if not self._writers_waiting:
                    self._cond.notify_all()  # readers held back by this writer may go
        try:
            yield got
        finally:
            if got:
                with self._cond:
                    self._writing = False
                    self._cond.notify_all()


class Busy(Exception):
    """The LLM is in use and its queue is full, or the wait for it ran out; the message says which."""


class Gate:
    """One holder at a time, at most ``waiting`` more in line (first come, first served).

    Args:
        waiting: how many may wait while one holds the gate (0: only when free).
        wait: seconds one may wait before giving up with ``Busy``.
    """

    def __init__(self, waiting: int, wait: float) -> None:
        self.waiting = waiting
        self.wait = wait
        self._cond = threading.Condition(threading.Lock())
        self._held = False
        self._line: list[object] = []

    @property
    def queued(self) -> int:
        """How many are waiting now."""
        return len(self._line)

    def enter(self) -> None:
        """Take the gate, waiting in line if it is held.

        Raises:
            Busy: the line is full, or ``wait`` seconds passed.
        """
        with self._cond:
            if not self._held and not self._line:
                self._held = True
                return
            if len(self._line) >= self.waiting:
                raise Busy(f"{len(self._line) + 1} question(s) are already waiting for it")
            ticket = object()
            self._line.append(ticket)
            deadline = time.monotonic() + self.wait
            try:
                while self._held or self._line[0] is not ticket:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        raise Busy(f"no turn within {self.wait:g} s")
                    self._cond.wait(left)
                self._held = True
            finally:
                self._line.remove(ticket)
                self._cond.notify_all()  # the next in line may now be first

    def try_enter(self) -> bool:
        """Take the gate only if it is free and nobody waits; whether it was taken."""
        with self._cond:
            if self._held or self._line:
                return False
            self._held = True
            return True

    def leave(self) -> None:
        """Give the gate to the next in line."""
        with self._cond:
            self._held = False
            self._cond.notify_all()

    @contextmanager
    def held(self) -> Iterator[None]:
        """``with gate.held():`` — ``enter``, then ``leave`` however the block ends."""
        self.enter()
        try:
            yield
        finally:
            self.leave()
