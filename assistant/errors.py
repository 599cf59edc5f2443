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


USER_ERRORS = (AssistantError, SettingsError, StoreError, EmbedderError, UnreadableFile, SourcesError)
