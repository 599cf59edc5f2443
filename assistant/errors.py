"""Errors a user can cause, each with a message that says what to do next.

The CLI and web layers turn these into a clear message (never a traceback).
"""

from assistant.settings import SettingsError
from vectorstore.embedder import EmbedderError
from vectorstore.loading import UnreadableFile
from vectorstore.sources import SourcesError
from vectorstore.store import StoreError


class AssistantError(Exception):
    """Base of the assistant's own user-facing errors."""


class QuestionError(AssistantError, ValueError):
    """The question is empty or too long."""


class EmptyStoreError(AssistantError):
    """Nothing has been ingested yet."""


class EvalSetError(AssistantError):
    """A regression question set is missing or malformed."""


class FeedbackError(AssistantError, ValueError):
    """Feedback that cannot be kept as given: not true/false, a comment too long or not text."""


class UnknownAnswer(AssistantError, LookupError):
    """Feedback names an answer id this assistant never gave (or one since deleted)."""


USER_ERRORS = (AssistantError, SettingsError, StoreError, EmbedderError, UnreadableFile, SourcesError)
