"""The current snapshot of the read side, shared by many threads and swapped when the store changes.

``Snapshots`` holds the ``Pipeline`` answers are read from. Answers share the read side of a
readers-writer lock (the embedder, Chroma and the indexes are safe to read at once); a refresh,
which reopens the store and builds a new pipeline, takes the write side after the answers in
flight, and swaps the new pipeline in with one assignment (``assistant/concurrency.py``).

Another process's write is noticed by the store's change mark (``Store.generation``): one small
file read for an embedded store; on a Chroma server, a note every app process reads, at most
once a second.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from assistant.concurrency import ReadWriteLock
from assistant.pipeline import Pipeline
from vectorstore.store import Store

log = logging.getLogger(__name__)
REFRESH_WAIT = 30.0  # how long a refresh waits for the answers in flight before leaving it to the next question


class Snapshots:
    """The current ``Pipeline`` over ``store``, made by ``build``.

    Args:
        store: the store whose changes make a new snapshot.
        build: makes a pipeline from what the store holds now.
        sharing: the lock answers read under and a refresh writes under (a new one if not given).
    """

    def __init__(self, store: Store, build: Callable[[], Pipeline], sharing: ReadWriteLock | None = None) -> None:
        self.store = store
        self.build = build
        self.sharing = sharing or ReadWriteLock()  # answers read together; a refresh writes alone
        self._refreshing = threading.Lock()
        self._generation = self._mark()  # read first: a write meanwhile shows next time
        self.current = build()

    @contextmanager
    def reading(self) -> Iterator[Pipeline]:
        """The current pipeline, held against a refresh while the block runs."""
        with self.sharing.reading():
            yield self.current

    def refresh(self) -> None:
        """Build a new pipeline from what the store holds now (after the answers in flight)."""
        with self.sharing.writing():
            self._generation = self._mark()
            self.current = self.build()

    def refresh_if_changed(self) -> bool:
        """Refresh if another process (or this one) wrote since the pipeline was built.

        Cheap enough to call before every answer. Call it outside an answer: it waits for the
        answers in flight (at most ``REFRESH_WAIT`` seconds, then leaves the refresh to the next
        call), while another thread's refresh is not waited for.

        Returns:
            Whether the store was reopened and a new pipeline built.
        """
        if not self.stale() or not self._refreshing.acquire(blocking=False):
            return False  # unchanged, or another thread is refreshing: answer from what is there
        try:
            with self.sharing.writing(REFRESH_WAIT) as got:
                if not got:
                    log.warning("store changed, but answers in flight kept it for %.0f s: refreshing later",
                                REFRESH_WAIT)
                    return False
                if not self.stale():
                    return False
                self.store.reopen()
                self._generation = self._mark()
                self.current = self.build()
                return True
        finally:
            self._refreshing.release()

    def stale(self) -> bool:
        """Whether another process has written since the pipeline was built (``Store.generation``)."""
        return self._mark() != self._generation

    def _mark(self) -> str:
        return self.store.generation()
