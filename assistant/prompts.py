"""Prompts, loaded from the ``prompts`` package (the top-level ``prompts/`` folder, shipped as
package data in a wheel): one Markdown file per prompt, with named ``{variables}``. There are no
prompt strings in the code, so there is one copy to review.

``load_prompt(name).render(**values)`` fails on a missing (or unexpected) variable instead of
sending a half-filled prompt to a model. The abstention wording lives in ``prompts/abstain.md``:
the answer shown when the articles do not say, and the phrase the system prompt asks a model to
use (``ABSTAIN_PHRASE``, its first sentence), so the two cannot drift apart;
``prompts/abstain_nothing.md`` is the answer when there is no closest passage to list.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path

from assistant.errors import AssistantError

PROMPTS_DIR: Traversable = resources.files("prompts")


class PromptError(AssistantError):
    """A prompt file is missing, or was rendered with missing or unknown variables."""


@dataclass(frozen=True)
class Prompt:
    """A prompt template and the variables it needs."""

    name: str
    template: str

    @property
    def variables(self) -> set[str]:
        return {field for _, field, _, _ in string.Formatter().parse(self.template) if field}

    def render(self, **values: object) -> str:
        """The prompt with ``values`` filled in.

        Raises:
            PromptError: a variable of the prompt has no value, or a value has no variable.
        """
        missing = self.variables - set(values)
        extra = set(values) - self.variables
        if missing or extra:
            problems = []
            if missing:
                problems.append(f"missing {', '.join(sorted(missing))}")
            if extra:
                problems.append(f"unexpected {', '.join(sorted(extra))}")
            raise PromptError(f"prompt '{self.name}' (prompts/{self.name}.md): {'; '.join(problems)}")
        return self.template.format(**values).strip()


def load_prompt(name: str, folder: Traversable | Path = PROMPTS_DIR) -> Prompt:
    """The prompt in ``folder/name.md`` (default: the ``prompts`` package).

    Raises:
        PromptError: the file does not exist.
    """
    path = folder / f"{name}.md"
    try:
        return Prompt(name, path.read_text(encoding="utf-8"))
    except (FileNotFoundError, NotADirectoryError) as exc:
        raise PromptError(f"no prompt file {path}") from exc


ABSTAIN_TEXT = load_prompt("abstain").render()
ABSTAIN_PHRASE = ABSTAIN_TEXT.split(". ")[0].rstrip(".") + "."
# the same, when there is no closest passage to list ("this week" asked long after the articles)
ABSTAIN_NOTHING_TEXT = load_prompt("abstain_nothing").render()
