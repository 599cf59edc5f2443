"""The answer chain: question -> retrieve -> compose -> verify -> ``Answer``.

``Assistant`` wires the parts from the settings once (model load, keyword index) and answers
many questions; the CLI, the web layer and the regression runner all call ``Assistant.answer``.
"""

from __future__ import annotations

from pathlib import Path

from langchain_core.runnables import Runnable, RunnableLambda, RunnablePassthrough

from assistant.citations import annotate_dates, closest_matches, verify, with_context
from assistant.composer import Composer
from assistant.conversation import Turn, rewrite
from assistant.errors import EmptyStoreError, QuestionError
from assistant.extractive_composer import ExtractiveComposer
from assistant.models import Answer
from assistant.retrieval import DateRetriever, DenseRetriever, HybridRetriever, KeywordRetriever
from assistant.settings import Settings
from assistant.timeline import DateIndex
from vectorstore.chunking import SentenceChunker
from vectorstore.embedder import MiniLmEmbedder
from vectorstore.ingestion import IngestReport, ingest
from vectorstore.keyword import Bm25Index
from vectorstore.store import ChromaStore

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
        self.composer: Composer = ExtractiveComposer(self.store, self.index, self.embedder.embed_query,
                                                     s.abstain_threshold, s.max_answer_sentences,
                                                     dates=self.dates)
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

    def timeline(self) -> list:
        """The dated events across the articles, in date order (``timeline.Event``)."""
        return self.dates.events()

    def _build_chain(self) -> Runnable:
        def validate(request: dict) -> dict:
            q = validate_question(request["question"], self.settings.max_question_chars)
            if len(self.index) == 0:
                raise EmptyStoreError("Nothing is ingested yet: run 'python -m assistant ingest' "
                                      "(or 'make run', which ingests the seeds).")
            turns = request["history"][-self.settings.max_history_turns:] if self.settings.max_history_turns else []
            standalone = rewrite(q, turns)
            return {"question": q, "standalone": standalone.question, "searched": standalone.searched,
                    "vector": self.embedder.embed_query(standalone.question)}

        def retrieve(state: dict):
            # The carried-over names steer retrieval; the answer is chosen for the question itself.
            return self.retriever.passages(state["searched"], limit=self.settings.answer_passages)

        def compose(state: dict):
            return self.composer.compose(state["standalone"], state["vector"], state["passages"])

        return (
            RunnableLambda(validate, name="validate")
            | RunnablePassthrough.assign(passages=RunnableLambda(retrieve, name="retrieve"))
            | RunnablePassthrough.assign(draft=RunnableLambda(compose, name="compose"))
            | RunnableLambda(self._finish, name="verify")
        ).with_config(run_name="answer")

    def _finish(self, state: dict) -> Answer:
        draft = state["draft"]
        question, searched = state["question"], state["searched"]
        retrieved = state["passages"][: self.settings.top_k]
        verified = verify(self.store, draft) if not draft.abstained else None
        if verified is None or not verified.sentences:
            closest = with_context(self.store, closest_matches(self.store, draft.closest))
            return Answer(question, ABSTAIN_TEXT, True, [], retrieved, closest, searched, draft.support)
        citations = with_context(self.store, verified.citations)
        by_n = {c.n: c for c in citations}
        # Dates are added after verification: the claim checked is the article's own sentence.
        text = " ".join(f"{annotate_dates(sentence, [by_n[n] for n in ns])} {''.join(f'[{n}]' for n in ns)}"
                        for sentence, ns in verified.sentences)
        return Answer(question, text, False, citations, retrieved, [], searched, draft.support)
