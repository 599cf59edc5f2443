"""What the web API reads and sends: the pydantic models of its requests and replies.

The answer's reply is ``Answer.to_dict`` (the ``ask --json`` contract), typed here so the spec
shows it, with every ``source`` (and ``also_at`` entry) shown relative (``citations.shown_path``):
no absolute path leaves the server. Keys the answer leaves out (``id``, ``notice``,
``closest_matches``, ``searched``, ``also_in``, ``also_at``) stay out: replies are sent with
``exclude_unset``.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictStr,
    StringConstraints,
)
from pydantic_core import PydanticCustomError

from assistant.citations import shown_path
from assistant.feedback import MAX_COMMENT_CHARS, MAX_ID_CHARS
from assistant.models import Answer
from assistant.question import non_text

MAX_HISTORY_MESSAGES = 200
MAX_MESSAGE_CHARS = 20_000

ShownPath = Annotated[str, AfterValidator(shown_path)]


def public(value):
    """``value`` (an answer, articles, a timeline as JSON-ready data) with every ``source`` (and ``also_at``
    entry) shown relative (``citations.shown_path``): no absolute path leaves the server."""
    if isinstance(value, dict):
        return {k: shown_path(v) if k == "source" and isinstance(v, str)
                else [shown_path(s) for s in v] if k == "also_at" and isinstance(v, list)
                else public(v) for k, v in value.items()}
    if isinstance(value, list):
        return [public(v) for v in value]
    return value


# -- requests ------------------------------------------------------------------------------------

def readable(value):
    """``value`` as given, unless it is text holding a character that is not text (``question.non_text``:
    NUL, other control characters but tabs and line breaks, half a surrogate pair). Run before the field's
    own checks, so every text field refuses these with the same message (422)."""
    if isinstance(value, str) and (bad := non_text(value)) is not None:
        raise PydanticCustomError("not_text", "contains a character that is not text (U+{code}); remove it and "
                                              "send it again", {"code": f"{ord(bad):04X}"})
    return value


# Every text field of a request: the question, earlier messages, ids, a feedback comment. A field's length
# and pattern sit inside its type, before the check for unreadable characters: given on the field, they
# would apply to the checked value as a sequence (and say "items" instead of "characters").
Text = Annotated[str, BeforeValidator(readable)]
MessageText = Annotated[str, StringConstraints(max_length=MAX_MESSAGE_CHARS), BeforeValidator(readable)]
ConversationId = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$"),
                           BeforeValidator(readable)]
AnswerId = Annotated[StrictStr, StringConstraints(min_length=1, max_length=MAX_ID_CHARS), BeforeValidator(readable)]
Comment = Annotated[StrictStr, StringConstraints(max_length=MAX_COMMENT_CHARS), BeforeValidator(readable)]


class Message(BaseModel):
    """One earlier message of the conversation."""

    model_config = ConfigDict(extra="forbid")
    role: Literal["user", "assistant"]
    content: MessageText


class AskRequest(BaseModel):
    """A question, optionally following up on earlier messages (oldest first)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"question": "Who arrived in Elwood and when?"},
        {"question": "And who ordered their deployment?", "history": [
            {"role": "user", "content": "Who arrived in Elwood and when?"},
            {"role": "assistant", "content": "The back-and-forth comes as Texas National Guard troops were seen "
                                             "assembling at the Army Reserve Training Center in Elwood... [1]"}]}]})
    question: Text = Field(description="The question (1 to ASSISTANT_MAX_QUESTION_CHARS characters).")
    history: list[Message] = Field(default_factory=list, max_length=MAX_HISTORY_MESSAGES,
                                   description="Earlier messages, for follow-up questions.")
    as_of: dt.date | None = Field(None, description="The day the question is asked (YYYY-MM-DD): later articles are "
                                                    "not used, 'this week' means that day's week, and a question naming no "
                                                    "earlier time is about the news of that day (the 60 days before it). "
                                                    "Empty: the whole archive, up to today.")
    conversation_id: ConversationId | None = Field(
        None, description="The ``conversation_id`` of the previous answer, for a follow-up (kept in the feedback "
                          "log); empty = a new conversation.")


class FeedbackRequest(BaseModel):
    """A reader's rating of one answer (its ``id``), with an optional short comment."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"answer_id": "3f2a9c0d1e4b5a67", "helpful": False, "comment": "It does not say who gave the order."}]})
    answer_id: AnswerId = Field(description="The answer's ``id``.")
    helpful: StrictBool = Field(description="true: the answer helped; false: it did not.")
    comment: Comment | None = Field(None, description=f"At most {MAX_COMMENT_CHARS} characters.")


# -- replies -------------------------------------------------------------------------------------
# Field order is key order in the JSON: it follows the ``to_dict`` methods of ``assistant.models``.
# ``extra="forbid"``: a key added there fails here until the reply's model has it too.

class _Reply(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ApiError(_Reply):
    """What went wrong, in words."""

    error: str


class ArticlePlace(_Reply):
    """Where a passage stands in another article (a near-duplicate)."""

    article_id: str
    source: ShownPath
    title: str | None
    outlet: str | None
    published: str | None
    start: int
    end: int


class ResolvedDate(_Reply):
    """The days a time expression means (``start`` to ``end``), and how it reads."""

    start: dt.date
    end: dt.date
    label: str


class DateReply(_Reply):
    """A time expression in a cited sentence ("late Tuesday"), at its offsets in the article."""

    phrase: str
    start: int
    end: int
    resolved: ResolvedDate | None
    anchor: dt.date | None = Field(description="The day it was resolved from (the publication date).")
    confidence: float
    rule: str


class Context(_Reply):
    """The rest of the cited sentence's paragraph, for display."""

    before: str
    after: str


class CitationReply(_Reply):
    """A cited sentence ``[n]``: ``text`` is exactly the article's text at ``start:end``."""

    n: int
    article_id: str
    source: ShownPath
    title: str | None
    outlet: str | None
    published: str | None
    start: int
    end: int
    text: str
    context: Context
    dates: list[DateReply]
    also_in: list[ArticlePlace] = Field(default_factory=list, description="Only when other articles have it too.")
    also_at: list[ShownPath] = Field(default_factory=list, description="Other sources of the same story, if any.")


class ShortAnswerReply(_Reply):
    """The few words that answer the question ("Texas"), inside citation ``citation``."""

    text: str
    start: int
    end: int
    article_id: str
    citation: int
    day: str | None = Field(None, description='The day a relative time in it means ("Tue 7 Oct 2025" for "late '
                                              'Tuesday"); null otherwise.')


class PassageReply(_Reply):
    """A retrieved passage, with its retrieval score."""

    article_id: str
    source: ShownPath
    start: int
    end: int
    text: str
    score: float
    also_in: list[ArticlePlace] = Field(default_factory=list, description="Only when other articles have it too.")


class DroppedReply(_Reply):
    """A generated sentence that is not shown, and why."""

    sentence: str
    reason: str


class AnswerReply(_Reply):
    """The answer to ``POST /api/ask``: the ``ask --json`` answer with its ``conversation_id``."""

    id: str | None = Field(None, description="The answer's id, for feedback (absent if it could not be kept).")
    question: str
    answer: str = Field(description="The answer, with [n] markers to its citations; with a short answer, it starts "
                                    "with it and its marker on a line of their own (\"Texas [1]\", a blank line).")
    abstained: bool = Field(description="true: the articles do not say (see closest_matches).")
    short_answer: ShortAnswerReply | None
    citations: list[CitationReply]
    retrieved: list[PassageReply]
    support: float
    composer: str
    dropped: list[DroppedReply]
    follow_ups: list[str]
    notice: str | None = Field(None, description="Something the reader should know (only when there is).")
    closest_matches: list[CitationReply] | None = Field(None, description="Only when the answer abstained.")
    searched: str | None = Field(None, description="What was searched, when a follow-up was rewritten.")
    conversation_id: str

    @classmethod
    def of(cls, answer: Answer, conversation_id: str) -> AnswerReply:
        """``answer`` as the API sends it in conversation ``conversation_id``."""
        return cls.model_validate({**answer.to_dict(), "conversation_id": conversation_id})


class FeedbackReply(_Reply):
    """The feedback kept (a later rating of the same answer replaces it)."""

    answer_id: str
    helpful: bool
    comment: str | None
