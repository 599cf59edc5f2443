"""pytest plugin: question sets as tests. Each question of a set file (``*.qa.yaml`` by default) is
one test item named by its ``id``, answered through ``Assistant.answer`` and checked by
``assistant.evaluation`` (the same checks as ``python -m assistant eval``), so ``-k``, ``--lf``,
``-x`` and ``--junitxml`` work as for any test. A question marked ``known_failure`` is a strict
xfail: the day it passes, the run fails until the mark is removed.

Installed with the package, pytest loads it through the ``pytest11`` entry point
``assistant.pytest_plugin``; in a checkout, ``-p assistant.pytest_plugin`` or
``pytest_plugins = ["assistant.pytest_plugin"]`` in a conftest loads the same module under the same
name, so the two never register it twice.

The articles a set is about: the set's own ``corpus:`` key (relative to the set file), or
``--qa-corpus PATH`` for every set; each corpus is ingested once per session into a temporary
store, or ``--qa-data-dir DIR`` uses a store ingested before. Options: ``pytest --help`` under
"question sets". The settings are the one ``Settings`` object (``ASSISTANT_*`` environment, then the
options here); nothing here changes the environment.

PYTEST_DONT_REWRITE (no assertions here: failures are ``QuestionFailed``, shown by ``explain``)
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from assistant.errors import EvalSetError
from assistant.evaluation import (
    Case,
    QuestionSet,
    Result,
    explain,
    read_set,
    run_case,
)
from assistant.report import html_report, write_report

if TYPE_CHECKING:
    from assistant.answer import Assistant
    from vectorstore.embedder import MiniLmEmbedder
    from vectorstore.ingestion import IngestReport

DEFAULT_PATTERNS = ["*.qa.yaml"]


class QuestionFailed(Exception):
    """A question's answer did not meet its expectations (in enough of its runs)."""

    def __init__(self, result: Result) -> None:
        super().__init__(", ".join(str(f) for f in result.failures))
        self.result = result


class QaSetupError(Exception):
    """The articles for a set cannot be made ready (no corpus, nothing ingested, an empty store)."""


@dataclass(frozen=True)
class Source:
    """Where a set's articles are: a folder to ingest into a temporary store, or a store ingested before."""

    corpus: Path | None = None
    data_dir: Path | None = None

    def __str__(self) -> str:
        return f"store {self.data_dir}" if self.data_dir else f"corpus {self.corpus}"


@dataclass
class QaSession:
    """What the question sets of one pytest session share: the embedder (one per process), a store per
    corpus (ingested once) and an ``Assistant`` per store and composer. The project's own fixtures
    read the same objects through the ``qa_session`` fixture, so the seeds are ingested once."""

    corpus: Path | None = None
    data_dir: Path | None = None
    composer: str | None = None
    repeat: int = 1
    min_pass: float = 1.0
    html: Path | None = None
    json: Path | None = None
    results: dict[str, list[Result]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    _settings: object = None
    _tmp: Path | None = None
    _stores: dict[Path, Path] = field(default_factory=dict)
    _ingests: dict[Path, IngestReport] = field(default_factory=dict)
    _assistants: dict[tuple, Assistant] = field(default_factory=dict)
    _errors: dict[tuple, Exception] = field(default_factory=dict)

    @property
    def settings(self):
        """The settings every store starts from: defaults < ``ASSISTANT_*`` < ``--qa-composer``."""
        if self._settings is None:
            from assistant.settings import load_settings

            self._settings = load_settings(llm=self.composer)
        return self._settings

    @property
    def embedder(self) -> MiniLmEmbedder:
        from vectorstore.embedder import shared_embedder

        return shared_embedder(self.settings.embedding_model, self.settings.device, self.settings.embedding_backend,
                               self.settings.embedding_cache)

    def source_for(self, qset: QuestionSet) -> Source:
        """Where ``qset``'s articles are: ``--qa-data-dir``, else ``--qa-corpus``, else the set's ``corpus``.

        Raises:
            QaSetupError: none of the three is given, or the corpus folder does not exist.
        """
        if self.data_dir:
            return Source(data_dir=self.data_dir)
        corpus = self.corpus or qset.corpus
        if corpus is None:
            raise QaSetupError(f"{qset.path}: the set names no articles: put 'corpus: FOLDER' (relative to the "
                               "set file) at its top, or run pytest with --qa-corpus PATH or --qa-data-dir DIR")
        if not corpus.exists():
            raise QaSetupError(f"{qset.path}: the corpus {corpus} does not exist")
        return Source(corpus=corpus)

    def store_for(self, corpus: Path) -> Path:
        """The data folder holding ``corpus``, ingested into a temporary store the first time it is asked for.

        Raises:
            QaSetupError: nothing in ``corpus`` could be ingested.
        """
        corpus = Path(corpus).resolve()
        if corpus not in self._stores:
            from assistant.answer import Assistant
            from vectorstore.store import ChromaStore

            if self._tmp is None:
                self._tmp = Path(tempfile.mkdtemp(prefix="qa-stores-"))
            data = self._tmp / f"{len(self._stores)}-{corpus.name}"
            settings = self.settings.model_copy(update={"data_dir": data, "llm": "extractive"})
            store = ChromaStore(settings.chroma_path, collection=settings.collection)
            report = Assistant(settings, store=store, embedder=self.embedder).ingest([corpus], progress=False)
            if not report.ingested:
                why = "; ".join(f"{p}: {r}" for p, r in report.skipped) or "no .txt, .md or .html file"
                raise QaSetupError(f"nothing in {corpus} could be ingested ({why})")
            self.notes.append(f"{corpus}: {report.summary()}"
                              + "".join(f"\n  skipped {p}: {r}" for p, r in report.skipped))
            self._stores[corpus], self._ingests[corpus] = data, report
        return self._stores[corpus]

    def ingest_report(self, corpus: Path) -> IngestReport:
        """What ingesting ``corpus`` into its temporary store did."""
        self.store_for(corpus)
        return self._ingests[Path(corpus).resolve()]

    def assistant(self, source: Source | Path, composer: str | None = None) -> Assistant:
        """The ``Assistant`` over ``source`` (a ``Source`` or a corpus folder) answering with ``composer``
        (None: the settings' own), made once per session; a failure to make it is remembered, not retried.

        Raises:
            QaSetupError: the articles cannot be made ready (see ``store_for``), or the store is empty.
        """
        if isinstance(source, Path):
            source = Source(corpus=source.resolve())
        key = (source, composer or self.settings.llm)
        if key in self._errors:
            raise self._errors[key]
        if key not in self._assistants:
            try:
                self._assistants[key] = self._make(source, composer)
            except Exception as exc:
                self._errors[key] = exc
                raise
        return self._assistants[key]

    def _make(self, source: Source, composer: str | None) -> Assistant:
        from assistant.answer import Assistant
        from vectorstore.store import ChromaStore

        update = {"llm": composer} if composer else {}
        if source.data_dir:
            settings = self.settings.model_copy(update={**update, "data_dir": source.data_dir})
            made = Assistant(settings, embedder=self.embedder)
            if made.is_empty():
                raise QaSetupError(f"the store in {source.data_dir} is empty: ingest the articles first, "
                                   f"e.g. python -m assistant ingest --data-dir {source.data_dir} ARTICLES")
            return made
        settings = self.settings.model_copy(update={**update, "data_dir": self.store_for(source.corpus)})
        return Assistant(settings, store=ChromaStore(settings.chroma_path, collection=settings.collection),
                         embedder=self.embedder)

    def record(self, set_path: Path, result: Result) -> None:
        self.results.setdefault(str(set_path), []).append(result)

    def close(self) -> None:
        """Remove the temporary stores."""
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None


QA_SESSION = pytest.StashKey[QaSession]()


def qa_session_of(config: pytest.Config) -> QaSession:
    """The session's ``QaSession`` (for fixtures in a conftest that share its stores)."""
    return config.stash[QA_SESSION]


# -- hooks -------------------------------------------------------------------------------------

def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("qa", "question sets (news-assistant: *.qa.yaml files as tests)")
    group.addoption("--qa-corpus", metavar="PATH",
                    help="articles (a folder or file) to ingest for every question set, instead of each set's own "
                         "'corpus:'; ingested once per session into a temporary store")
    group.addoption("--qa-data-dir", metavar="DIR",
                    help="answer from the store already in DIR (filled by 'python -m assistant ingest "
                         "--data-dir DIR ...'); nothing is ingested")
    group.addoption("--qa-composer", metavar="NAME",
                    help="who writes the answers: extractive, bundled, llamacpp:/path/model.gguf, ollama:MODEL, "
                         "openai:MODEL (default: ASSISTANT_LLM, else extractive)")
    group.addoption("--qa-repeat", type=int, default=1, metavar="N",
                    help="answer each question N times (generated answers vary from run to run)")
    group.addoption("--qa-min-pass", type=float, default=1.0, metavar="SHARE",
                    help="with --qa-repeat: a question passes if at least this share of its runs pass (default 1.0)")
    group.addoption("--qa-html", metavar="FILE", help="write a report for a person to read: every question, its answer "
                                                      "with the citations highlighted, what failed")
    group.addoption("--qa-json", metavar="FILE", help="write the answers and metrics as JSON (as 'eval --report')")
    parser.addini("qa_files", type="args", default=DEFAULT_PATTERNS,
                  help="glob patterns of question-set files to collect (default: *.qa.yaml)")


def pytest_configure(config: pytest.Config) -> None:
    opt = config.getoption
    repeat, min_pass = opt("qa_repeat"), opt("qa_min_pass")
    if repeat < 1:
        raise pytest.UsageError(f"--qa-repeat must be 1 or more, not {repeat}")
    if not 0 < min_pass <= 1:
        raise pytest.UsageError(f"--qa-min-pass is a share of the runs, above 0 and at most 1, not {min_pass}")
    if opt("qa_composer"):
        from assistant.settings import SettingsError, load_settings

        try:
            load_settings(llm=opt("qa_composer"))
        except SettingsError as exc:
            raise pytest.UsageError(f"--qa-composer {opt('qa_composer')}: {exc}") from exc
    here = config.invocation_params.dir

    def path(name: str) -> Path | None:
        value = opt(name)
        return (here / value).resolve() if value else None

    for name in ("qa_corpus", "qa_data_dir"):
        if path(name) and not path(name).exists():
            raise pytest.UsageError(f"--{name.replace('_', '-')} {opt(name)}: no such file or folder")
    config.stash[QA_SESSION] = QaSession(corpus=path("qa_corpus"), data_dir=path("qa_data_dir"),
                                         composer=opt("qa_composer"), repeat=repeat, min_pass=min_pass,
                                         html=path("qa_html"), json=path("qa_json"))


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> QaFile | None:
    if file_path.suffix not in (".yaml", ".yml"):
        return None
    # A file named on the command line is a set whatever its name (an outside benchmark's questions.yaml).
    if parent.session.isinitpath(file_path) or any(file_path.match(p) for p in parent.config.getini("qa_files")):
        return QaFile.from_parent(parent, path=file_path)
    return None


def pytest_sessionfinish(session: pytest.Session) -> None:
    qa = session.config.stash.get(QA_SESSION, None)
    if qa is None or not qa.results:
        return
    groups = [(_shown_path(session.config, p), rs) for p, rs in qa.results.items()]
    if qa.html:
        qa.html.parent.mkdir(parents=True, exist_ok=True)
        qa.html.write_text(html_report(groups), encoding="utf-8")
        qa.notes.append(f"HTML report: {qa.html}")
    if qa.json:
        write_report(qa.json, [r for _, rs in groups for r in rs])
        qa.notes.append(f"JSON report: {qa.json}")


def pytest_terminal_summary(terminalreporter, config: pytest.Config) -> None:
    qa = config.stash.get(QA_SESSION, None)
    if qa is not None and qa.notes:
        terminalreporter.section("question sets")
        for note in qa.notes:
            terminalreporter.write_line(note)


def pytest_unconfigure(config: pytest.Config) -> None:
    qa = config.stash.get(QA_SESSION, None)
    if qa is not None:
        qa.close()


@pytest.fixture(scope="session")
def qa_session(pytestconfig: pytest.Config) -> QaSession:
    """The session's question-set state: ``qa_session.assistant(corpus)`` shares the store the sets use."""
    return qa_session_of(pytestconfig)


def _shown_path(config: pytest.Config, path: str) -> str:
    try:
        return str(Path(path).relative_to(config.rootpath))
    except ValueError:
        return path


# -- collection --------------------------------------------------------------------------------

class QaFile(pytest.File):
    """A question-set file: one ``QaItem`` per question."""

    source: Source

    def collect(self):
        try:
            qset = read_set(self.path)
            self.source = qa_session_of(self.config).source_for(qset)
        except (EvalSetError, QaSetupError) as exc:
            raise self.CollectError(str(exc)) from exc
        for case in qset.cases:
            item = QaItem.from_parent(self, name=case.id, case=case)
            if not case.expects:
                item.add_marker(pytest.mark.skip(reason=f"{case.id}: its expect is empty: fill it in to check this question"))
            elif case.known_failure:
                item.add_marker(pytest.mark.xfail(reason=case.known_failure, strict=True))
            yield item


class QaItem(pytest.Item):
    """One question: answered (``--qa-repeat`` times) and checked; fails with ``explain``'s message."""

    def __init__(self, *, case: Case, **kwargs) -> None:
        super().__init__(**kwargs)
        self.case = case

    def runtest(self) -> None:
        qa = qa_session_of(self.config)
        assistant = qa.assistant(self.parent.source, qa.composer)
        result = run_case(assistant, self.case, qa.repeat, qa.min_pass)
        qa.record(self.path, result)
        self.user_properties.append(("question", self.case.question))
        if not result.passed:
            raise QuestionFailed(result)

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, QuestionFailed):
            return explain(excinfo.value.result)
        if isinstance(excinfo.value, QaSetupError):
            return f"cannot answer {self.case.id!r}: {excinfo.value}"
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self):
        return self.path, self.case.line, f"{self.case.id}: {self.case.question}"
