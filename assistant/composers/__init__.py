"""Composers turn the retrieved passages into a draft answer of cited claims.

``base`` holds the protocol and the draft types; ``extractive`` (the default, no LLM) and
``generated`` (an LLM writes, every sentence checked after) implement it. A composer only
proposes: ``assistant.verification`` decides what is shown.
"""

from assistant.composers.base import Claim, Composer, Draft, Evidence
from assistant.composers.extractive import ExtractiveComposer

__all__ = ["Claim", "Composer", "Draft", "Evidence", "ExtractiveComposer"]
