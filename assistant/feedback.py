"""The feedback log: every answered question, and what readers said of the answer.

A SQLite file beside the store (``Settings.feedback_path``: ``feedback.sqlite3`` in the data
folder, or ``ASSISTANT_FEEDBACK_DB``). Two tables:

- ``answers``: one row per answer given through an interface (the CLI's ``ask``, the API, the chat,
  the widget): its ``id`` (the ``id`` of the answer JSON), the time (UTC), the question, the text
  searched (a follow-up's rewrite), the conversation id, the composer, whether it abstained, and
  the whole answer JSON (citations included).
- ``feedback``: at most one row per answer (a reader who changes their mind replaces it): helpful
  true/false, the optional comment, the time.

Nothing else is kept: no address, no cookie, no user agent. ``delete_all`` (``python -m assistant
feedback delete --all``) empties both tables; deleting the file does the same.

One connection per call, so the web server's threads share the file safely (SQLite serialises the
writes; a writer waits up to ``timeout`` seconds for another).
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
import sqlite3
import threading
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from assistant.errors import FeedbackError, UnknownAnswer
from assistant.models import Answer

MAX_COMMENT_CHARS = 1000
MAX_ID_CHARS = 64

_SCHEMA = """
CREATE TABLE IF NOT EXISTS answers (
    id TEXT PRIMARY KEY,
    asked_at TEXT NOT NULL,
    question TEXT NOT NULL,
    searched TEXT NOT NULL,
    conversation_id TEXT,
    composer TEXT NOT NULL,
    abstained INTEGER NOT NULL,
    answer_json TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS answers_asked_at ON answers (asked_at);
CREATE TABLE IF NOT EXISTS feedback (
    answer_id TEXT PRIMARY KEY REFERENCES answers (id) ON DELETE CASCADE,
    helpful INTEGER NOT NULL,
    comment TEXT,
    given_at TEXT NOT NULL
);
"""


def new_id() -> str:
    """A fresh, unguessable id (for an answer or a conversation)."""
    return secrets.token_hex(8)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


@dataclass
class Entry:
    """One answered question with the reader's feedback on it (``helpful`` None: none given)."""

    id: str
    asked_at: dt.datetime
    question: str
    searched: str
    conversation_id: str | None
    composer: str
    abstained: bool
    answer: dict
    helpful: bool | None = None
    comment: str | None = None
    rated_at: dt.datetime | None = None

    @property
    def flagged(self) -> bool:
        """Whether a reader said the answer did not help."""
        return self.helpful is False

    def to_dict(self) -> dict:
        return {"id": self.id, "asked_at": self.asked_at.isoformat(), "question": self.question,
                "searched": self.searched, "conversation_id": self.conversation_id, "composer": self.composer,
                "abstained": self.abstained, "helpful": self.helpful, "comment": self.comment,
                "rated_at": self.rated_at.isoformat() if self.rated_at else None}


def check_feedback(helpful, comment) -> str | None:
    """``comment`` as it is kept (stripped; None when empty), after checking both values.

    Raises:
        FeedbackError: ``helpful`` is not true/false, or the comment is not text or too long.
    """
    if not isinstance(helpful, bool):
        raise FeedbackError("'helpful' must be true or false")
    if comment is None:
        return None
    if not isinstance(comment, str):
        raise FeedbackError("'comment' must be text")
    comment = comment.strip()
    if len(comment) > MAX_COMMENT_CHARS:
        raise FeedbackError(f"the comment is {len(comment)} characters; at most {MAX_COMMENT_CHARS} are kept")
    return comment or None


class FeedbackStore:
    """The SQLite feedback log at ``path`` (created, with its folder, at the first write).

    Args:
        path: the database file.
        timeout: seconds a write waits for another process's write.
    """

    def __init__(self, path: Path, timeout: float = 10.0) -> None:
        self.path = Path(path)
        self.timeout = timeout
        self._ready = False
        self._init_lock = threading.Lock()

    def _connect(self, create: bool = True) -> sqlite3.Connection | None:
        if not create and not self.path.exists():
            return None
        if not self._ready:
            with self._init_lock:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                with closing(sqlite3.connect(self.path, timeout=self.timeout)) as db:
                    db.execute("PRAGMA journal_mode=WAL")
                    db.executescript(_SCHEMA)
                self._ready = True
        db = sqlite3.connect(self.path, timeout=self.timeout)
        db.execute("PRAGMA foreign_keys=ON")
        return db

    def record(self, answer: Answer, conversation_id: str | None = None) -> str:
        """Keep ``answer`` (and give it an id, set on ``answer.id``); returns the id."""
        answer.id = answer.id or new_id()
        data = answer.to_dict()
        with closing(self._connect()) as db, db:
            db.execute("INSERT INTO answers VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                       (answer.id, _now().isoformat(), answer.question, answer.searched or answer.question,
                        conversation_id, answer.composer_label, int(answer.abstained),
                        json.dumps(data, ensure_ascii=False)))
        return answer.id

    def give(self, answer_id: str, helpful: bool, comment: str | None = None) -> Entry:
        """Keep a reader's feedback on answer ``answer_id`` (replacing any given before).

        Raises:
            FeedbackError: ``helpful`` is not true/false, or the comment is not text or too long.
            UnknownAnswer: no answer has that id.
        """
        comment = check_feedback(helpful, comment)
        unknown = UnknownAnswer(f"no answer has the id '{str(answer_id)[:MAX_ID_CHARS]}': feedback is given on "
                                "the 'id' of an answer this assistant gave")
        if not isinstance(answer_id, str) or not answer_id or len(answer_id) > MAX_ID_CHARS:
            raise unknown
        db = self._connect(create=False)
        if db is None:
            raise unknown
        with closing(db), db:
            if db.execute("SELECT 1 FROM answers WHERE id = ?", (answer_id,)).fetchone() is None:
                raise unknown
            db.execute("INSERT INTO feedback VALUES (?, ?, ?, ?) ON CONFLICT (answer_id) DO UPDATE SET "
                       "helpful = excluded.helpful, comment = excluded.comment, given_at = excluded.given_at",
                       (answer_id, int(helpful), comment, _now().isoformat()))
        return self.entry(answer_id)

    def entry(self, answer_id: str) -> Entry | None:
        """The answer with this id and its feedback, or None."""
        found = self._select("WHERE a.id = ?", (answer_id,))
        return found[0] if found else None

    def entries(self, since: dt.date | dt.datetime | None = None) -> list[Entry]:
        """The answers given since ``since`` (a day, or a time in UTC), newest first, with their feedback."""
        if since is None:
            return self._select("", ())
        if not isinstance(since, dt.datetime):
            since = dt.datetime.combine(since, dt.time(), dt.timezone.utc)
        elif since.tzinfo is None:
            since = since.replace(tzinfo=dt.timezone.utc)
        return self._select("WHERE a.asked_at >= ?", (since.isoformat(),))

    def _select(self, where: str, args: tuple) -> list[Entry]:
        db = self._connect(create=False)
        if db is None:
            return []
        with closing(db):
            rows = db.execute(
                "SELECT a.id, a.asked_at, a.question, a.searched, a.conversation_id, a.composer, a.abstained, "
                "a.answer_json, f.helpful, f.comment, f.given_at FROM answers a "
                f"LEFT JOIN feedback f ON f.answer_id = a.id {where} ORDER BY a.asked_at DESC, a.rowid DESC",
                args).fetchall()
        return [Entry(r[0], dt.datetime.fromisoformat(r[1]), r[2], r[3], r[4], r[5], bool(r[6]), json.loads(r[7]),
                      None if r[8] is None else bool(r[8]), r[9], dt.datetime.fromisoformat(r[10]) if r[10] else None)
                for r in rows]

    def counts(self) -> dict:
        """``{"answers": N, "feedback": N, "helpful": N, "not_helpful": N}``."""
        db = self._connect(create=False)
        if db is None:
            return {"answers": 0, "feedback": 0, "helpful": 0, "not_helpful": 0}
        with closing(db):
            answers = db.execute("SELECT COUNT(*) FROM answers").fetchone()[0]
            given, helpful = db.execute("SELECT COUNT(*), COALESCE(SUM(helpful), 0) FROM feedback").fetchone()
        return {"answers": answers, "feedback": given, "helpful": helpful, "not_helpful": given - helpful}

    def delete_all(self) -> dict:
        """Delete every answer and every feedback row; returns the counts deleted."""
        counts = self.counts()
        db = self._connect(create=False)
        if db is not None:
            with closing(db), db:
                db.execute("DELETE FROM feedback")
                db.execute("DELETE FROM answers")
            with closing(sqlite3.connect(self.path, timeout=self.timeout)) as db:
                db.execute("VACUUM")  # the deleted text leaves the file too
                db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return {"answers": counts["answers"], "feedback": counts["feedback"]}
