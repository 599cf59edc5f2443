"""``make eval-external``: the RealTime QA corpora written by others, scored with the benchmark's own
``score.py``, ours beside the naive set-up, each followed by a count per failure kind.

The corpora (``--corpora``): ``gold`` and ``full``, the 2022 dev corpora (``--dev``), and ``2023``, a
quarter of the 2023 weeks (``--rtqa2023``, ``--from``/``--to``) written by that folder's ``subset.py``
into ``DATA/rtqa2023-FROM_TO`` once and reused. The 2023 quarter is held aside for validation: nothing
is fitted on it. For each corpus:

1. ingest its articles once into its own store, ``DATA/corpus-NNN`` (NNN: ``cksum`` of the folder's
   absolute path, the Makefile's ``corpus_store``, so ``make bench`` finds the same store);
2. answer its questions through the question-set plugin (one test per question; pytest's exit status
   is ignored: a benchmark is not a gate), writing ``REPORTS/rtqa-NAME.json`` / ``.html`` / ``.xml`` / ``.txt``;
3. score the answers with ``score.py`` (``--corpus window --articles DIR`` for the 2023 quarter) and
   count the failure kinds (``tools.failure_kinds``);
4. the same for the naive set-up (``tools.baseline``; retrieval only), ``REPORTS/rtqa-NAME-naive.json``,
   embedded again only when its articles, questions or embedding model changed (``--reuse``).

A benchmark folder that is absent is skipped with a message (the data is read from ``../shared``,
never copied into the repository). Run as ``python -m tools.external [--corpora gold full 2023]``.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from tools import failure_kinds

DEV = Path("../shared/benchmarks/realtimeqa-dev")
RTQA2023 = Path("../shared/benchmarks/realtimeqa-2023")
# The last quarter of 2023: the weeks held aside for validation (never trained on).
FROM, TO = "2023-10-01", "2023-12-31"
NAIVE = "naive (1000/200-character chunks, MiniLM, Chroma top 5; retrieval only):"


class StepFailed(Exception):
    """A step of the run (ingest, subset, scoring) exited with an error."""


@dataclass(frozen=True)
class Corpus:
    """One corpus to score: its articles, questions and key, and how ``score.py`` reads it."""

    name: str  # the reports' name: REPORTS/rtqa-NAME.*
    title: str
    articles: Path
    questions: Path
    key: Path
    rootdir: Path  # pytest's rootdir: the question ids are relative to it
    score_args: tuple[str, ...]
    made_by: tuple[str, ...] = ()  # the command that writes the corpus, when it is made here (subset.py)


def cksum(data: bytes) -> int:
    """POSIX ``cksum``'s CRC of ``data`` (the same number the ``cksum`` command prints)."""
    crc = 0

    def feed(byte: int) -> None:
        nonlocal crc
        crc ^= byte << 24
        for _ in range(8):
            crc = ((crc << 1) ^ 0x04C11DB7) if crc & 0x80000000 else crc << 1
        crc &= 0xFFFFFFFF

    for byte in data:
        feed(byte)
    n = len(data)
    while n:
        feed(n & 0xFF)
        n >>= 8
    return ~crc & 0xFFFFFFFF


def store_for(articles: Path, data: Path) -> Path:
    """The store a corpus folder is ingested into: the Makefile's ``corpus_store``
    (``realpath -sm FOLDER | cksum``: the absolute path, symbolic links kept, and a newline)."""
    line = os.fsencode(os.path.abspath(articles)) + b"\n"
    return data / f"corpus-{cksum(line)}"


def dev_corpus(dev: Path, name: str) -> Corpus:
    """A 2022 dev corpus (``gold`` or ``full``) of the folder ``dev``."""
    return Corpus(name, f"realtimeqa-dev {name}", dev / name / "articles", dev / name / "questions.yaml",
                  dev / name / "key.json", dev, ("--corpus", name))


def quarter_corpus(rtqa2023: Path, out: Path, lo: str, hi: str) -> Corpus:
    """The 2023 weeks from ``lo`` to ``hi``, written into ``out`` by the benchmark's ``subset.py``."""
    return Corpus(f"{lo}_{hi}", f"realtimeqa-2023 {lo} to {hi} (held-aside validation weeks)", out / "articles",
                  out / "questions.yaml", out / "key.json", out,
                  ("--corpus", "window", "--articles", str(out / "articles")),
                  made_by=(str(rtqa2023 / "subset.py"), str(out), "--from", lo, "--to", hi))


def _run(what: str, cmd: list, check: bool = True, **kwargs) -> None:
    done = subprocess.run([str(c) for c in cmd], check=False, **kwargs)
    if check and done.returncode != 0:
        raise StepFailed(f"{what} failed (exit status {done.returncode}): {' '.join(str(c) for c in cmd)}")


def make_corpus(corpus: Corpus) -> None:
    """Write a corpus made here (the 2023 quarter) unless it was written before: ``key.json`` is the
    last file ``subset.py`` writes, so a run stopped part-way is redone.

    Raises:
        StepFailed: ``subset.py`` exited with an error.
    """
    if not corpus.made_by:
        return
    if corpus.key.is_file():
        print(f"== {corpus.title}: made before, in {corpus.rootdir}")
        return
    print(f"== {corpus.title}: {Path(corpus.made_by[0]).name} into {corpus.rootdir} (once)")
    _run("subset.py", [sys.executable, *corpus.made_by])


def score_corpus(corpus: Corpus, score_py: Path, data: Path, reports: Path) -> None:
    """Ingest (once), answer, score and count the failure kinds of one corpus, ours then the naive set-up's.

    Raises:
        StepFailed: the ingest, the naive set-up or ``score.py`` exited with an error.
    """
    store = store_for(corpus.articles, data)
    base = reports / f"rtqa-{corpus.name}"
    print(f"== {corpus.title}: ingest (once) into {store}")
    _run("ingest", [sys.executable, "-m", "assistant", "ingest", corpus.articles],
         env=os.environ | {"ASSISTANT_DATA_DIR": str(store)})
    with open(f"{base}.txt", "w", encoding="utf-8") as summary:
        # failing questions are expected: pytest's exit status is not a result here
        _run("pytest", [sys.executable, "-m", "pytest", "-c", "pyproject.toml", "--rootdir", corpus.rootdir,
                        "-o", f"cache_dir={Path.cwd() / '.pytest_cache'}", "-p", "assistant.pytest_plugin",
                        "-q", "--tb=no", corpus.questions, "--qa-data-dir", store,
                        "--qa-json", f"{base}.json", "--qa-html", f"{base}.html", "--junitxml", f"{base}.xml"],
             check=False, stdout=summary)
    lines = Path(f"{base}.txt").read_text(encoding="utf-8").splitlines()
    print(lines[-1] if lines else f"(pytest printed nothing; see {base}.txt)")
    print("ours:")
    _score(corpus, score_py, Path(f"{base}.json"))
    naive = Path(f"{base}-naive.json")
    _run("the naive set-up", [sys.executable, "-m", "tools.baseline", corpus.articles, corpus.questions,
                              "--report", naive, "--reuse"])  # embedded once: it does not change with our code
    print(NAIVE)
    _score(corpus, score_py, naive)


def _score(corpus: Corpus, score_py: Path, report: Path) -> None:
    _run("score.py", [sys.executable, score_py, corpus.key, report, *corpus.score_args])
    failure_kinds.main([str(corpus.key), str(report), *corpus.score_args, "--score", str(score_py)])


def build_parser() -> argparse.ArgumentParser:
    """The options of ``python -m tools.external``."""
    p = argparse.ArgumentParser(prog="python -m tools.external",
                                description="score the RealTime QA corpora (2022 dev, a 2023 quarter): "
                                            "ours and the naive set-up, with a count per failure kind")
    p.add_argument("--corpora", nargs="+", default=["gold", "full", "2023"], choices=["gold", "full", "2023"],
                   help="which corpora (default: all three; gold alone is the quick one)")
    p.add_argument("--dev", type=Path, default=DEV,
                   help=f"the 2022 dev benchmark folder, with score.py (default {DEV})")
    p.add_argument("--rtqa2023", type=Path, default=RTQA2023,
                   help=f"the 2023 benchmark folder, with subset.py (default {RTQA2023})")
    p.add_argument("--from", dest="lo", default=FROM, metavar="DAY",
                   help=f"the 2023 quarter's first day of questions (default {FROM})")
    p.add_argument("--to", dest="hi", default=TO, metavar="DAY", help=f"its last day (default {TO})")
    p.add_argument("--data", type=Path, default=Path(".data"), help="where the stores and the 2023 quarter are kept")
    p.add_argument("--reports", type=Path, default=Path("reports"), help="where the reports go")
    return p


def main(argv: list[str] | None = None) -> int:
    """``python -m tools.external``: score each corpus asked for, skipping those whose folder is absent;
    returns 0, or 1 when a step failed."""
    args = build_parser().parse_args(argv)
    score_py = args.dev / "score.py"
    corpora: list[Corpus] = []
    for name in dict.fromkeys(args.corpora):
        if name == "2023":
            if not (args.rtqa2023 / "subset.py").is_file():
                print(f"eval-external: skipped the 2023 weeks, {args.rtqa2023} is absent")
                continue
            if not score_py.is_file():
                print(f"eval-external: skipped the 2023 weeks, no score.py to score them ({args.dev} is absent)")
                continue
            corpora.append(quarter_corpus(args.rtqa2023, args.data / f"rtqa2023-{args.lo}_{args.hi}", args.lo, args.hi))
        elif not (args.dev / name / "key.json").is_file() or not score_py.is_file():
            print(f"eval-external: skipped realtimeqa-dev {name}, {args.dev / name} is absent")
        else:
            corpora.append(dev_corpus(args.dev, name))
    try:
        for corpus in corpora:
            make_corpus(corpus)
            args.reports.mkdir(parents=True, exist_ok=True)
            score_corpus(corpus, score_py, args.data, args.reports)
    except StepFailed as exc:
        print(f"eval-external: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.stdout.reconfigure(line_buffering=True)  # our lines stay in order with the subprocesses' under make
    sys.exit(main())
