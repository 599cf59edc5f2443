"""One writer per store: a lock file in the store's folder, held while an ingest writes.

Two ingests into the same embedded Chroma folder at once corrupt its index silently (both
exit 0, then every question fails). ``WriterLock`` is an exclusive ``flock`` on
``<folder>/writer.lock``: a second writer waits up to ``timeout`` seconds, saying so, then
refuses with ``StoreBusy``. The lock goes with the process: a killed ingest leaves no stale
lock behind. Readers never take it. A Chroma server orders its own writes, so a store on a
server takes no lock here.
"""

from __future__ import annotations

import fcntl
import os
import sys
import time
from pathlib import Path

from vectorstore.errors import StoreError

LOCK_FILE = "writer.lock"
GENERATION_FILE = "generation"
OPEN_LOCK = "open.lock"  # orders the opening of an embedded store (vectorstore.store)


def mark_written(folder: str | Path) -> None:
    """Record that the store in ``folder`` changed (readers in other processes refresh on it)."""
    path = Path(folder) / GENERATION_FILE
    path.write_text(f"{time.time_ns()}\n", encoding="utf-8")


def unmarked_writes(folder: str | Path) -> bool:
    """Whether a file of the store in ``folder`` changed after its last change mark: a writer killed
    between writing a group and marking it left a change that readers in other processes never saw."""
    folder = Path(folder)
    try:
        marked = (folder / GENERATION_FILE).stat().st_mtime_ns
    except OSError:
        marked = 0
    for path in folder.rglob("*"):
        if path.name in (GENERATION_FILE, LOCK_FILE, OPEN_LOCK) or path.name.endswith("-shm"):
            continue  # the locks, and SQLite's shared memory (readers touch it)
        try:
            if path.is_file() and path.stat().st_mtime_ns > marked:
                return True
        except OSError:
            continue
    return False


def generation(folder: str | Path) -> str:
    """The store's last change mark ("" before the first): compare to see whether it changed."""
    try:
        return (Path(folder) / GENERATION_FILE).read_text(encoding="utf-8").strip()
    except OSError:
        return ""


def writer(folder: str | Path) -> str | None:
    """Who holds the writer lock of the store in ``folder`` (e.g. "pid 123"), or ``None`` if nobody."""
    path = Path(folder) / LOCK_FILE
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    except BlockingIOError:
        return os.pread(fd, 64, 0).decode(errors="replace").strip() or "another process"
    finally:
        os.close(fd)


class StoreBusy(StoreError):
    """Another process is writing to the store; the message says which and what to do."""


class WriterLock:
    """``with WriterLock(folder, timeout):`` — exclusive writing to the store in ``folder``.

    Raises:
        StoreBusy: another writer still holds the lock after ``timeout`` seconds.
    """

    def __init__(self, folder: str | Path, timeout: float = 60.0, poll: float = 0.2, quiet: bool = False) -> None:
        self.path = Path(folder) / LOCK_FILE
        self.timeout = timeout
        self.poll = poll
        self.quiet = quiet
        self._fd: int | None = None

    def __enter__(self) -> WriterLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + self.timeout
        told = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "another process"
                if time.monotonic() >= deadline:
                    os.close(fd)
                    raise StoreBusy(f"another ingest ({holder}) is writing to {self.path.parent}; wait for it to "
                                    "finish and run this again (ASSISTANT_LOCK_TIMEOUT sets how long to wait)") from None
                if not told and not self.quiet:
                    print(f"waiting for another ingest ({holder}) to finish writing to {self.path.parent} ...",
                          file=sys.stderr, flush=True)
                    told = True
                time.sleep(self.poll)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()}".encode(), 0)
        self._fd = fd
        return self

    def __exit__(self, *exc) -> None:
        if self._fd is not None:
            os.ftruncate(self._fd, 0)
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
