"""Follow-up questions: turn "And who ordered their deployment?" into a question that can be
searched on its own, using the conversation so far.

Without an LLM the rewrite is a rule: a question that leans on the previous turn (it opens
with "and"/"what about", or refers back with "they", "their", "it"... and names nothing of
its own) is searched together with the names from the previous question and the start of
the previous answer, e.g. "Who ordered their deployment? (about: Elwood; Texas National Guard)". "What about
Portland?" asks the previous question again about Portland.
The answer is chosen for the rewritten question itself; the names only steer retrieval. The
searched text is returned to the user (``Answer.searched``) so the rewrite is visible.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from vectorstore.sentences import split_sentences

OPENERS = re.compile(r"^(?:and|but|so|also|then|and then|what about|how about|and what about)\b[\s,]*", re.I)
ANAPHORS = frozenset({"they", "them", "their", "theirs", "it", "its", "he", "him", "his", "she", "her",
                      "hers", "those", "these", "there", "that"})
_WORD = re.compile(r"[A-Za-z][\w'’-]*")
# A run of capitalised words (allowing "of"/"the" inside, as in "Army Reserve Training Center").
_NAME = re.compile(r"\b[A-Z][\w’'.-]*(?:\s+(?:of\s+|the\s+)?[A-Z][\w’'.-]*)*")
# Capitalised only because they open a sentence or a question.
_NOT_NAMES = frozenset({"the", "a", "an", "and", "but", "so", "who", "what", "when", "where", "why", "how",
                        "which", "did", "does", "do", "is", "are", "was", "were", "can", "could", "will",
                        "would", "has", "have", "had", "in", "on", "at", "after", "before", "troops", "i",
                        "it", "they", "he", "she", "this", "that", "these", "those", "there", "also", "then",
                        "according", "as", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept",
                        "oct", "nov", "dec", "january", "february", "march", "april", "may", "june", "july",
                        "august", "september", "october", "november", "december", "monday", "tuesday",
                        "wednesday", "thursday", "friday", "saturday", "sunday", "mon", "tue", "wed", "thu",
                        "fri", "sat", "sun"})
MAX_CONTEXT_NAMES = 3


@dataclass(frozen=True)
class Turn:
    """One exchange: what the user asked and the answer's text (without its citation markers)."""

    question: str
    answer: str = ""


def names(text: str) -> list[str]:
    """Capitalised names in ``text``, in order, without words capitalised only by position."""
    out: list[str] = []
    for m in _NAME.finditer(text):
        words = m.group(0).rstrip(".").split()
        while words and words[0].lower() in _NOT_NAMES:
            words = words[1:]
        name = " ".join(words)
        if name and name.lower() not in _NOT_NAMES and name not in out:
            out.append(name)
    return out


def is_follow_up(question: str) -> bool:
    """Whether ``question`` needs the previous turn to be understood."""
    if OPENERS.match(question.strip()):
        return True
    words = [w.lower() for w in _WORD.findall(question)]
    return any(w in ANAPHORS for w in words) and not names(question)


# An answer's short-answer line ("Texas [1]", then a blank line: ``ShortAnswer.lead``).
_LEAD = re.compile(r"([^\n]+?)\s*\[\d+\]\n\n")


def _first_sentence(text: str) -> str:
    """An answer's first sentence; an answer that starts with its short answer on a line of its own
    ("Texas [1]", then a blank line) gives that line and the first sentence after it."""
    lead = _LEAD.match(text)
    rest = re.sub(r"\s*\[\d+\]", "", text[lead.end():] if lead else text)
    spans = split_sentences(rest)
    first = rest[spans[0].start:spans[0].end] if spans else rest
    return f"{lead.group(1).strip()}: {first}" if lead else first


@dataclass(frozen=True)
class Rewrite:
    """A question made stand-alone: ``question`` is what to answer, ``context`` the names carried
    over from earlier turns. ``searched`` (both together) is what retrieval looks for."""

    question: str
    context: tuple[str, ...] = ()

    @property
    def searched(self) -> str:
        return f"{self.question} (about: {'; '.join(self.context)})" if self.context else self.question


_ABOUT = re.compile(r"^(?:and\s+)?(?:what|how)\s+about\s+(?P<topic>.+?)\s*\??$", re.I)


def rewrite(question: str, history: list[Turn]) -> Rewrite:
    """``question`` asked after ``history`` (oldest first), made stand-alone.

    A stand-alone question is returned unchanged. A follow-up loses its opener and carries
    the names of the previous turn's question and answer; "What about X?" asks the previous
    question again about X (X replaces the previous question's last name, if it had one).
    """
    done = rewrites(history)
    return _rewrite(question, history[-1] if history else None, done[-1] if done else None)


def rewrites(history: list[Turn]) -> list[Rewrite]:
    """Each turn's question as it was made stand-alone (follow-ups build on each other)."""
    out: list[Rewrite] = []
    for i, turn in enumerate(history):
        out.append(_rewrite(turn.question, history[i - 1] if i else None, out[-1] if out else None))
    return out


def _rewrite(question: str, last: Turn | None, previous: Rewrite | None) -> Rewrite:
    question = question.strip()
    if last is None or previous is None or not is_follow_up(question):
        return Rewrite(question)
    about = _ABOUT.match(question)
    replaced = ""
    if about:
        topic = about.group("topic")
        earlier = names(previous.question)
        replaced = earlier[-1] if earlier else ""
        core = (previous.question.replace(replaced, topic) if replaced
                else f"{previous.question.rstrip('?')}, about {topic}?")
    else:
        core = OPENERS.sub("", question).strip()
        core = core[:1].upper() + core[1:]
    own = {n.lower() for n in names(core)} | {replaced.lower()}
    # Most specific first: what the previous question named, what its answer named, then
    # what the previous question had itself carried over.
    candidates = list(dict.fromkeys(names(previous.question) + names(_first_sentence(last.answer))
                                    + list(previous.context)))
    candidates = [n for n in candidates if n.lower() not in own]
    # a name inside a longer one carried too ("Texas" beside "Texas National Guard") takes no place of its own
    context = [n for n in candidates if not any(n != m and re.search(rf"\b{re.escape(n)}\b", m)
                                                for m in candidates)][:MAX_CONTEXT_NAMES]
    return Rewrite(core, tuple(context))


def parts_stand_alone(parts: list[str]) -> list[str]:
    """The parts of one question (``question.sub_questions``), each later part that leans on the
    one before it ("How many Texas guard soldiers came, and where were they seen gathering?")
    made stand-alone as a follow-up to it: "where were they seen gathering? (about: Texas)". Unlike
    a follow-up in a conversation, the names carried are the reader's own words in the same
    question, so the part is answered with them, not only searched with them."""
    # the parts as the turns of a conversation; a part with nothing to carry stays as written
    return [done.searched if done.context else part for part, done in zip(parts, rewrites([Turn(p) for p in parts]))]


def turns_from_messages(messages: list[dict]) -> list[Turn]:
    """Pair ``[{"role": "user"|"assistant", "content": str}, ...]`` messages into turns.

    Other roles and non-text content are ignored; an unanswered question is kept with an
    empty answer; of several assistant messages after a question, the first is the answer.
    """
    turns: list[Turn] = []
    answered = True
    for m in messages:
        role, content = m.get("role"), m.get("content")
        if not isinstance(content, str):
            continue
        if role == "user":
            turns.append(Turn(content))
            answered = False
        elif role == "assistant" and turns and not answered:
            turns[-1] = Turn(turns[-1].question, content)
            answered = True
    return turns
