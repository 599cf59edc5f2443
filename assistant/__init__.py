"""Question answering over news articles with exact, verified citations.

Entry points: ``assistant.answer.Assistant`` (the library), ``python -m assistant`` (the CLI).
"""

# The settings set the environment the libraries underneath read (no model hub, no analytics):
# imported here so that it is set before any module of the package imports those libraries.
from assistant import settings as _settings  # noqa: F401
