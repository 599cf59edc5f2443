"""Storage layer: load articles, split them into sentences and chunks, embed, store, index.

Nothing in this package imports ``assistant``: it knows nothing of questions or answers.
"""
