"""Question answering over news articles with exact, verified citations.

Entry points: ``assistant.answer.Assistant`` (the library), ``python -m assistant`` (the CLI).
"""
