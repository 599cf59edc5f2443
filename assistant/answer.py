"""The answer chain: question -> (follow-up rewrite) -> retrieve -> compose -> verify -> ``Answer``.

``Assistant`` wires the parts from the settings once (model load, keyword and date indexes,
the composer ``ASSISTANT_LLM`` names) and answers many questions; the CLI, the web layer and
the regression runner all call ``Assistant.answer`` (or ``answer_stream``, which also yields
generated text as it comes). A generated draft that does not verify well enough is replaced
by the extractive one (``_verify_generated``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import numpy as np
from langchain_core.runnables import Runnable, RunnableLambda, RunnablePassthrough

from assistant.citations import (
    VerifiedAnswer,
    annotate_dates,
    closest_matches,
    generated_support,
    verify,
    with_context,
)
from assistant.composer import Composer, Draft, Evidence
from assistant.conversation import Rewrite, Turn, rewrite
from assistant.errors import EmptyStoreError, QuestionError
from assistant.extractive_composer import ExtractiveComposer
from assistant.llm import LlmError, chat_model
from assistant.llm_composer import LlmComposer
from assistant.models import Answer, Citation
from assistant.retrieval import DateRetriever, DenseRetriever, HybridRetriever, KeywordRetriever
from assistant.settings import Settings
from assistant.support import coverage, profile_question
from assistant.timeline import DateIndex
from vectorstore.chunking import SentenceChunker
from vectorstore.embedder import MiniLmEmbedder
from vectorstore.ingestion import IngestReport, ingest
from vectorstore.keyword import Bm25Index
from vectorstore.store import ChromaStore
from vectorstore.terms import terms

log = logging.getLogger(__name__)
# A generated answer must hold at least this share of the question's (weighted) words that the
# extractive answer holds, or it is not shown: supported sentences can still miss the point.
RELEVANCE_RATIO = 0.8

ABSTAIN_TEXT = ("The articles do not say. None of the passages I found answers this question; "
                "the closest ones are listed below, but they are not an answer.")


def validate_question(question: object, max_chars: int) -> str:
    """The question, stripped.

    Raises:
        QuestionError: not text, empty or whitespace only, or longer than ``max_chars``.
    """
    if not isinstance(question, str):
        raise QuestionError("The question must be text.")
    q = question.strip()
    if not q:
        raise QuestionError("The question is empty: type a question about the articles.")
    if len(q) > max_chars:
        raise QuestionError(f"The question is {len(q)} characters long; the limit is {max_chars} "
                            "(ASSISTANT_MAX_QUESTION_CHARS). Ask something shorter.")
    return q


def open_store(settings: Settings) -> ChromaStore:
    """The store the settings point at: a Chroma server if ``chroma_url`` is set, else the local folder."""
    return ChromaStore(path=settings.chroma_path, url=settings.chroma_url, collection=settings.collection)


class Assistant:
    """Answers questions over the ingested articles.

    Args:
        settings: the configuration.
        store, embedder: reuse already-open parts (tests share one model per session).
    """

    def __init__(self, settings: Settings, store: ChromaStore | None = None,
                 embedder: MiniLmEmbedder | None = None) -> None:
        self.settings = settings
        self.store = store or open_store(settings)
        self.embedder = embedder or MiniLmEmbedder(settings.embedding_model, device=settings.device)
        self.chunker = SentenceChunker(settings.chunk_target_chars, settings.chunk_max_chars)
        self.refresh()

    def refresh(self) -> None:
        """Rebuild the keyword index and the chain from what the store holds now."""
        s = self.settings
        chunks = self.store.all_chunks()
        self.index = Bm25Index(chunks)
        self.dates = DateIndex(chunks, self.store.all_dates())
        self.retriever = HybridRetriever(
            dense=DenseRetriever(store=self.store, embedder=self.embedder, k=s.candidates),
            keyword=KeywordRetriever(index=self.index, k=s.candidates),
            dates=DateRetriever(dates=self.dates, k=s.candidates),
            rrf_k=s.rrf_k, top_k=s.top_k,
        )
        self.extractive = ExtractiveComposer(self.store, self.index, self.embedder.embed_query,
                                             s.abstain_threshold, s.max_answer_sentences, dates=self.dates)
        self.composer: Composer = self.extractive
        self.llm_notice = ""
        if s.llm != "extractive":
            try:
                model = chat_model(s)
                self.composer = LlmComposer(model, self.extractive, s, label=self._dated_text)
            except LlmError as exc:
                self.llm_notice = f"{exc}. Answers are extractive until that is fixed."
                log.warning(self.llm_notice)
        self.chain = self._build_chain()

    def ingest(self, paths: list[Path], prune: bool = False, progress: bool | None = None) -> IngestReport:
        """Ingest files or folders, then refresh the index."""
        report = ingest(paths, self.store, self.embedder, self.chunker, prune=prune, progress=progress)
        if report.ingested or report.pruned:
            self.refresh()
        return report

    def answer(self, question: str, history: list[Turn] | None = None) -> Answer:
        """Answer one question, as a follow-up to ``history`` (earlier turns, oldest first) if given.

        ``Answer.searched`` is what was actually searched: the question itself, or for a
        follow-up ("And who ordered their deployment?") the question with the previous turn's
        names added.

        Raises:
            QuestionError: the question is empty or too long.
            EmptyStoreError: nothing has been ingested.
        """
        return self.chain.invoke({"question": question, "history": history or []})

    def answer_stream(self, question: str, history: list[Turn] | None = None) -> Iterator[str | Answer]:
        """Like ``answer``, but yields the generated text as it comes (LLM composers), then the
        verified ``Answer`` (last), which replaces what was streamed."""
        state = self._prepare({"question": question, "history": history or []})
        state["passages"] = self._retrieve(state)
        for item in self.composer.stream(state["standalone"], state["vector"], state["passages"]):
            if isinstance(item, Draft):
                state["draft"] = item
            else:
                yield item
        yield self._finish(state)

    def timeline(self) -> list:
        """The dated events across the articles, in date order (``timeline.Event``)."""
        return self.dates.events()

    def _prepare(self, request: dict) -> dict:
        q = validate_question(request["question"], self.settings.max_question_chars)
        if len(self.index) == 0:
            raise EmptyStoreError("Nothing is ingested yet: run 'python -m assistant ingest' "
                                  "(or 'make run', which ingests the seeds).")
        turns = request["history"][-self.settings.max_history_turns:] if self.settings.max_history_turns else []
        standalone = rewrite(q, turns)
        if (self.settings.llm_rewrite and turns and standalone.searched != q
                and isinstance(self.composer, LlmComposer)):
            by_model = self.composer.rewrite(q, turns)
            if by_model:
                standalone = Rewrite(by_model)
        return {"question": q, "standalone": standalone.question, "searched": standalone.searched,
                "vector": self.embedder.embed_query(standalone.question)}

    def _retrieve(self, state: dict):
        # The carried-over names steer retrieval; the answer is chosen for the question itself.
        return self.retriever.passages(state["searched"], limit=self.settings.answer_passages)

    def _build_chain(self) -> Runnable:
        def compose(state: dict):
            return self.composer.compose(state["standalone"], state["vector"], state["passages"])

        return (
            RunnableLambda(self._prepare, name="validate")
            | RunnablePassthrough.assign(passages=RunnableLambda(self._retrieve, name="retrieve"))
            | RunnablePassthrough.assign(draft=RunnableLambda(compose, name="compose"))
            | RunnableLambda(self._finish, name="verify")
        ).with_config(run_name="answer")

    def _dated_text(self, ev: Evidence) -> str:
        """A sentence as an LLM sees it: with the day each relative date means ("late Tuesday (Tue 7 Oct 2025)")."""
        article = self.store.article(ev.location.article_id)
        dates = article.dates_in(ev.location.start, ev.location.end) if article else []
        return annotate_dates(ev.text, [Citation(0, ev.location, ev.text, dates=dates)])

    def _similarity(self, a: str, b: str) -> float:
        return float(np.dot(self.embedder.embed_query(a), self.embedder.embed_query(b)))

    def _verify_generated(self, draft: Draft, question: str) -> tuple[VerifiedAnswer, str, list[dict]]:
        """Verify a generated ``draft``; fall back to the extractive draft when too little holds,
        or when what holds answers less of the question than the extractive answer does.

        Returns the verified answer, the name of the composer shown, and the dropped sentences.
        """
        s = self.settings
        verified = verify(self.store, draft, check=lambda claim, ev: generated_support(
            claim, self._dated_text(ev), self._similarity, s.llm_min_support))
        written = draft.written or len(draft.claims)
        profile = profile_question(question, self.index.idf)
        covers = coverage(profile, set(terms(" ".join(text for text, _ in verified.sentences))))
        extractive_covers = coverage(profile, set(terms(" ".join(c.text for c in draft.fallback.claims))))
        if not verified.sentences or len(verified.sentences) < s.llm_min_kept * written:
            why = (f"{len(verified.sentences)} of {written} generated sentences were supported (at least "
                   f"{s.llm_min_kept:.0%} needed)")
        elif covers < RELEVANCE_RATIO * extractive_covers:
            why = (f"the supported sentences hold {covers:.0%} of the question's words, the extractive answer "
                   f"{extractive_covers:.0%}")
        else:
            return verified, self.composer.name, verified.dropped
        dropped = verified.dropped + [{"sentence": "(the generated answer)",
                                       "reason": f"{why}: the extractive answer is shown instead"}]
        return verify(self.store, draft.fallback), f"extractive (fallback from {self.composer.name})", dropped

    def _finish(self, state: dict) -> Answer:
        draft = state["draft"]
        question, searched = state["question"], state["searched"]
        retrieved = state["passages"][: self.settings.top_k]
        notice = " ".join(x for x in (self.llm_notice, draft.notice) if x)
        if draft.fallback is not None:  # generated
            verified, composer, dropped = self._verify_generated(draft, state["standalone"])
        else:  # from the extractive composer, also when an LLM failed (then with a notice)
            composer = f"extractive (fallback from {self.composer.name})" if draft.notice else self.extractive.name
            verified, dropped = (None if draft.abstained else verify(self.store, draft)), []
        if verified is None or not verified.sentences:
            closest = with_context(self.store, closest_matches(self.store, draft.closest))
            return Answer(question, ABSTAIN_TEXT, True, [], retrieved, closest, searched, draft.support,
                          composer=composer, dropped=dropped, notice=notice)
        citations = with_context(self.store, verified.citations)
        by_n = {c.n: c for c in citations}
        # Dates are added after verification: the claim checked is the article's own sentence.
        text = " ".join(f"{annotate_dates(sentence, [by_n[n] for n in ns])} {''.join(f'[{n}]' for n in ns)}"
                        for sentence, ns in verified.sentences)
        return Answer(question, text, False, citations, retrieved, [], searched, draft.support,
                      composer=composer, dropped=dropped, notice=notice)
