"""The LLM composer: a generated answer over numbered passages, every sentence checked after.

It first runs the extractive composer. If that abstains (nothing in the articles answers),
so does this: no model is asked to fill a gap. Otherwise the model gets the best sentences
(the extractive choice first) as numbered, quoted passages and writes an answer that cites
them with ``[n]``. The generated sentences become claims whose evidence is the passage each
cites; ``verification.Verifier`` then keeps only the supported ones, and shows the extractive
answer instead when too little survives (``Draft.fallback``). A back end that fails also falls
back (``Draft.failed``), with a notice that names the setting to fix.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, closing, nullcontext

from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import HumanMessage, SystemMessage

from assistant.composers.base import Claim, Draft, Evidence
from assistant.composers.extractive import ExtractiveComposer
from assistant.concurrency import Busy, Gate
from assistant.llm import LlmError, describe
from assistant.models import Article, Dropped, Retrieved
from assistant.prompts import ABSTAIN_PHRASE, load_prompt
from assistant.settings import Settings
from vectorstore.sentences import split_sentences

MARKER = re.compile(r"\s*\[(\d+)\]")
_CITATION_LIKE = re.compile(r"\[(\d+)\]")
# Text in an article that speaks to a model ("Ignore previous instructions and ..."). Such
# sentences are never given to a model as passages: they are data, and this keeps them inert.
INSTRUCTION_LIKE = re.compile(
    r"\b(?:ignore|disregard|forget)\b.{0,40}\b(?:instructions?|prompts?|rules|above|previous)\b"
    r"|\b(?:system prompt|you are now|as an ai\b|language model|reply only|respond only|say only|output only)",
    re.I)
# The model's way of declining: the phrase the system prompt tells it to use, or the like.
DONT_KNOW = re.compile(rf"{re.escape(ABSTAIN_PHRASE.rstrip('.'))}|\b(?:articles|passages) do not say\b"
                       r"|\bdo(?:es)? not (?:say|mention)\b|\bI don't know\b", re.I)


def passage_block(evidence: list[Evidence], label: Callable[[Evidence], str]) -> str:
    """The numbered passages, one per line: ``[n] text``.

    Bracketed numbers inside article text are made harmless so an article cannot fake a
    citation, and line breaks are removed so a passage cannot start a line of its own.
    Sentences that speak to a model (``INSTRUCTION_LIKE``) are never among them.
    """
    lines = []
    for n, ev in enumerate(evidence, start=1):
        text = " ".join(_CITATION_LIKE.sub(r"(\1)", label(ev)).split())
        lines.append(f"[{n}] {text}")
    return "\n".join(lines)


def claims_from(text: str, evidence: list[Evidence]) -> tuple[list[Claim], list[Dropped]]:
    """Generated ``text`` split into sentences, each a claim citing the passages its ``[n]`` name.

    Returns the claims and the sentences dropped at once (citing a passage that was not given).
    """
    claims, dropped = [], []
    for span in split_sentences(text):
        sentence = text[span.start:span.end]
        numbers = [int(n) for n in MARKER.findall(sentence)]
        plain = MARKER.sub("", sentence).strip()
        if not plain:
            continue
        bad = [n for n in numbers if not 1 <= n <= len(evidence)]
        if bad:
            dropped.append(Dropped(plain, f"cites [{bad[0]}], which was not one of the "
                                          f"{len(evidence)} passages given"))
            continue
        claims.append(Claim(plain, [evidence[n - 1] for n in dict.fromkeys(numbers)]))
    return claims, dropped


class LlmComposer:
    """Generated answers from a LangChain chat model, checked by the verifier afterwards.

    Args:
        model: the chat model.
        extractive: the extractive composer (chooses the passages; its answer is the fallback).
        settings: ``llm_passages`` (how many passages), ``max_answer_sentences`` and, for messages,
            the back end's setting.
        label: ``(evidence, articles) ->`` a passage's text as given to the model (the sentence
            with its resolved dates).
        gate: the model's queue (one answer at a time, a bounded line behind it); a question
            that finds it full, or waits too long, gets the extractive answer with a note.
        outside_store: ``() ->`` a context manager for the wait and the writing, which read
            neither the store nor the indexes (the ``Assistant`` gives back its read lock there).
    """

    def __init__(self, model: BaseChatModel, extractive: ExtractiveComposer, settings: Settings,
                 label: Callable[[Evidence, dict[str, Article]], str], gate: Gate | None = None,
                 outside_store: Callable[[], AbstractContextManager] = nullcontext) -> None:
        self.model = model
        self.gate = gate or Gate(settings.llm_queue, settings.llm_queue_wait)
        self.outside_store = outside_store
        self.extractive = extractive
        self.settings = settings
        self.label = label
        self.name = settings.llm
        self.system = load_prompt("system")
        self.prompt = load_prompt("answer")
        self.followup = load_prompt("followup")

    def rewrite(self, question: str, history: list) -> str | None:
        """The follow-up ``question`` made stand-alone by the model (``None`` if it gives nothing usable).

        Args:
            history: earlier ``conversation.Turn``s, oldest first (the last three are shown).
        """
        conversation = "\n".join(f"user: {t.question}\nassistant: {' '.join(MARKER.sub('', t.answer).split())}"
                                 for t in history[-3:])  # one line per turn (an answer may start with its short answer's line)
        prompt = self.followup.render(conversation=conversation, question=question)
        if not self.gate.try_enter():  # the model is answering someone: the rule-based rewrite stands
            return None
        try:
            text = self.model.invoke([HumanMessage(prompt)]).content
        except Exception:  # a failing model: the rule-based rewrite stands
            return None
        finally:
            self.gate.leave()
        line = text.strip().splitlines()[0].strip().strip('"') if isinstance(text, str) and text.strip() else ""
        return line if 3 <= len(line) <= 300 and line.endswith("?") else None

    def messages(self, question: str, evidence: list[Evidence], articles: dict[str, Article]) -> list:
        """The chat messages for ``question`` over ``evidence``."""
        block = passage_block(evidence, lambda ev: self.label(ev, articles))
        return [SystemMessage(self.system.render(abstain=ABSTAIN_PHRASE)),
                HumanMessage(self.prompt.render(passages=block, question=question,
                                                max_sentences=self.settings.max_answer_sentences))]

    def stream(self, found: Retrieved) -> Iterator[str | Draft]:
        """The generated text as it comes, then the ``Draft`` (with the extractive one as fallback)."""
        base = self.extractive.compose(found)
        if base.abstained:
            yield base
            return
        evidence = [e for e in base.candidates if not INSTRUCTION_LIKE.search(e.text)][: self.settings.llm_passages]
        messages = self.messages(found.query.text, evidence, found.articles)
        with self.outside_store():
            try:
                self.gate.enter()
            except Busy as exc:
                base.notice = f"The LLM is busy ({exc}): showing the extractive answer."
                base.failed = True
                yield base
                return
            parts: list[str] = []
            timeout = self.settings.llm_timeout
            deadline = time.monotonic() + timeout
            try:  # closing: a reader who leaves (the generator closed at a yield) stops the model too
                with closing(iter(self.model.stream(messages))) as stream:
                    for chunk in stream:
                        text = chunk.content if isinstance(chunk.content, str) else ""
                        if text:
                            parts.append(text)
                            yield text
                        if time.monotonic() > deadline:
                            raise LlmError(f"no complete answer within {timeout:g} s (ASSISTANT_LLM_TIMEOUT)")
            except Exception as exc:  # any back-end failure: a clear notice, and the extractive answer
                reason = str(exc) if isinstance(exc, LlmError) else f"{type(exc).__name__}: {exc}"
                base.notice = (f"The LLM ({describe(self.settings)}) failed: {reason[:300].rstrip('.')}. "
                               "Showing the extractive answer.")
                base.failed = True
                yield base
                return
            finally:
                self.gate.leave()
        generated = "".join(parts).strip()
        claims, dropped = claims_from(generated, evidence)
        written = min(len(claims) + len(dropped), self.settings.max_answer_sentences)
        for extra in claims[self.settings.max_answer_sentences:]:  # asked for at most this many
            dropped.append(Dropped(extra.text, f"beyond the {self.settings.max_answer_sentences} "
                                               "sentences asked for"))
        claims = claims[: self.settings.max_answer_sentences]
        if DONT_KNOW.search(generated) and not any(c.evidence for c in claims):
            base.notice = ("The LLM said the passages do not answer this, but the best sentences do "
                           "support an answer: showing the extractive answer.")
            base.failed = True
            yield base
            return
        yield Draft(claims, False, base.support, base.closest, candidates=evidence, fallback=base,
                    dropped=dropped, written=written)
