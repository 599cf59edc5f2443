"""Command line: ``python -m assistant {ingest,sync,extract,check,ask,gaps,feedback,suggest,timeline,chat,run,eval,train-scorer}``.

Each command is two functions side by side: ``add_<name>(sub)`` declares its options and
``cmd_<name>(args, settings)`` runs it, through functions the tests and the web layer call too;
``COMMANDS`` lists them in the order ``--help`` shows. ``main`` only parses and dispatches. User
errors print one clear line on stderr and exit with status 2.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import os
import sys
from pathlib import Path

from assistant.errors import USER_ERRORS
from assistant.settings import load_settings

EXIT_USER_ERROR = 2


def build_parser() -> argparse.ArgumentParser:
    """The parser of ``python -m assistant``: one subcommand per entry of ``COMMANDS``."""
    parser = argparse.ArgumentParser(prog="python -m assistant",
                                     description="Answer questions about news articles, with exact citations.")
    sub = parser.add_subparsers(dest="command", required=True)
    for add in COMMANDS:
        add(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """``python -m assistant COMMAND ...``: parse, then run the command; returns the exit status."""
    args = build_parser().parse_args(argv)
    return run_command(args.func, args)


def _day(text: str):
    import datetime as dt

    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date: write YYYY-MM-DD") from exc


def add_store_options(p: argparse.ArgumentParser) -> None:
    """Add ``--data-dir``, ``--chroma-url`` and ``--collection``: which store a command uses."""
    p.add_argument("--data-dir", type=Path, help="folder of the embedded store (ASSISTANT_DATA_DIR)")
    p.add_argument("--chroma-url", help="use a Chroma server, e.g. http://127.0.0.1:8000 (ASSISTANT_CHROMA_URL)")
    p.add_argument("--collection", help="collection name prefix (ASSISTANT_COLLECTION)")


def setup_logging(*loggers: str) -> None:
    """The project's own log lines (ingest progress, repairs) at INFO on stderr; libraries stay at WARNING.

    Args:
        loggers: more loggers to show the same way (a measurement tool's own).
    """
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s", "%H:%M:%S"))
    for name in ("assistant", "vectorstore", *loggers):
        logger = logging.getLogger(name)
        if not logger.handlers:
            logger.addHandler(handler)
            logger.setLevel(logging.INFO)
            logger.propagate = False


def run_command(command, args: argparse.Namespace, loggers: tuple[str, ...] = ()) -> int:
    """Run ``command(args, settings)`` the way every command runs: log lines on stderr, the settings
    from the environment with the options' ``--data-dir``, ``--chroma-url``, ``--collection``, ``--host``
    and ``--port`` over it, a user error printed as one line.

    Args:
        command: the work, given the parsed options and the settings; returns the exit status.
        args: the parsed options.
        loggers: more loggers to show besides the project's (see ``setup_logging``).

    Returns:
        ``command``'s exit status; 2 after a user error (``USER_ERRORS``), 130 after Ctrl-C.
    """
    setup_logging(*loggers)
    try:
        settings = load_settings(**{name: getattr(args, name, None)
                                    for name in ("data_dir", "chroma_url", "collection", "host", "port")})
        return command(args, settings)
    except USER_ERRORS as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        return 130


def _assistant(settings):
    from assistant.answer import Assistant

    return Assistant(settings)


# -- the commands: each one's options (add_<name>) beside its work (cmd_<name>) -------------------

def add_ingest(sub) -> None:
    """The options of ``ingest``."""
    p = sub.add_parser("ingest", help="load articles into the store: files, folders, or web pages, feeds and sitemaps")
    p.add_argument("paths", nargs="*", metavar="PATH_OR_URL",
                   help="files, folders, or http(s) URLs of article pages, RSS/Atom feeds or sitemaps "
                        "(default: the seeds folder)")
    p.add_argument("--prune", action="store_true", help="drop stored articles whose file is gone "
                                                        "(web articles: 'sync --prune')")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    add_store_options(p)
    p.set_defaults(func=cmd_ingest)


def cmd_ingest(args, settings) -> int:
    """Ingest files, folders and web sources (the seeds when nothing is named); print the report."""
    from vectorstore.sources import is_url

    urls = [a for a in args.paths if is_url(a)]
    paths = [Path(a) for a in args.paths if not is_url(a)]
    assistant = _assistant(settings)
    report = None
    if paths or not urls:
        report = assistant.ingest(paths or [settings.seeds_dir], prune=args.prune)
    if urls:
        if args.prune:
            print("note: --prune applies to files; web articles are pruned by 'sync --prune'", file=sys.stderr)
        web = assistant.ingest_urls(urls)
        report = report.add(web) if report else web
    return _print_report(report, args.json)


def _print_report(report, as_json: bool) -> int:
    """Print what was skipped, what is wrong but cost nothing, what was stored once or moved (stderr),
    then the report; returns 0."""
    for path, reason in report.skipped:
        print(f"warning: skipped {path}: {reason}", file=sys.stderr)
    for path, message in report.warnings:
        print(f"warning: {path}: {message}", file=sys.stderr)
    for copy in report.new_copies():
        print(f"stored once: {copy.label} is a copy of {copy.primary_source}", file=sys.stderr)
    for aid, old, new in report.promoted:
        print(f"moved: {aid} ({old} is gone) now comes from its copy {new}", file=sys.stderr)
    print(json.dumps(report.to_dict(), indent=2) if as_json else report.summary())
    return 0


def add_sync(sub) -> None:
    """The options of ``sync``."""
    p = sub.add_parser("sync", help="read the web sources again; fetch and store only what is new or changed")
    p.add_argument("--sources", type=Path, metavar="FILE",
                   help="a sources.yaml (default: sources.yaml in the data folder, else the URLs ingested before)")
    p.add_argument("--prune", action="store_true", help="remove the articles of pages no source lists any more")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    add_store_options(p)
    p.set_defaults(func=cmd_sync)


def cmd_sync(args, settings) -> int:
    """Read the web sources again and store what is new or changed; print the report."""
    from assistant.web_sources import sync_sources
    from vectorstore.sources import SyncState

    sync_sources(settings, args.sources, SyncState.load(settings.sources_state))  # fail before loading the model
    report = _assistant(settings).sync(args.sources, prune=args.prune)
    return _print_report(report, args.json)


def add_extract(sub) -> None:
    """The options of ``extract``."""
    p = sub.add_parser("extract", help="show what would be stored from pages or files (nothing is stored)")
    p.add_argument("inputs", nargs="+", metavar="PATH_OR_URL", help=".html, .html.gz, .txt or .md files, or http(s) URLs")
    p.add_argument("--json", action="store_true", help="one JSON object per input and line")
    p.set_defaults(func=cmd_extract)


def cmd_extract(args, settings) -> int:
    """Print what would be stored from each page or file; exit status 1 if any could not be read."""
    from assistant.web_sources import extract

    results = extract(args.inputs, settings)
    for r in results:
        if args.json:
            print(json.dumps(r, ensure_ascii=False))
        elif "error" in r:
            print(f"error: {r['source']}: {r['error']}", file=sys.stderr)
        else:
            print(f"== {r['source']}")
            for key in ("title", "outlet", "published", "author"):
                print(f"{key}: {r[key] if r[key] is not None else '(unknown)'}")
            print(f"text ({len(r['text'])} characters):\n{r['text']}\n")
    return 1 if any("error" in r for r in results) else 0


def add_check(sub) -> None:
    """The options of ``check``."""
    p = sub.add_parser("check", help="report the store's health: half-written articles left by an interrupted "
                                     "ingest, articles the keyword index lacks or holds in another version "
                                     "(exit 0 healthy, 1 problems left)")
    p.add_argument("--repair", action="store_true",
                   help="repair what is found (not while another ingest is writing: then it only reports)")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    add_store_options(p)
    p.set_defaults(func=cmd_check)


def cmd_check(args, settings) -> int:
    """Report the store's health, repairing with ``--repair``; exit status 0 healthy, 1 problems left."""
    from assistant.storage import check_store, open_keyword_index, open_store

    store = open_store(settings)
    health = check_store(store, repair=args.repair, keyword=open_keyword_index(settings, store))
    print(json.dumps(health.to_dict(), indent=2, ensure_ascii=False) if args.json else health.summary())
    return 0 if health.healthy else 1


def add_ask(sub) -> None:
    """The options of ``ask``."""
    p = sub.add_parser("ask", help="answer one question")
    p.add_argument("question")
    p.add_argument("--as-of", type=_day, metavar="YYYY-MM-DD",
                   help="the day the question is asked: later articles unused, 'this week' is that week, and a question "
                        "naming no earlier time is about the news of then (the 60 days before it); default: the whole archive")
    p.add_argument("--json", action="store_true", help="print the machine-readable answer")
    add_store_options(p)
    p.set_defaults(func=cmd_ask)


def cmd_ask(args, settings) -> int:
    """Answer one question, log it for feedback, and print it with its answer id."""
    from assistant.feedback import FeedbackStore, new_id
    from assistant.question import validate_question

    validate_question(args.question, settings.max_question_chars)  # fail before loading the model
    answer = _assistant(settings).answer(args.question, as_of=args.as_of)
    FeedbackStore(settings.feedback_path).record(answer, new_id())
    print(json.dumps(answer.to_dict(), indent=2, ensure_ascii=False) if args.json
          else f"{render(answer)}\n\nAnswer id: {answer.id}")
    return 0


def render(answer) -> str:
    """An answer as terminal text: the answer, then its sources (or its closest matches)."""
    from assistant.citations import shown_path

    lines = [answer.answer, ""]  # with a short answer, it comes first ("Taiwan [1]"), on a line of its own
    if answer.notice:
        lines[1:1] = [f"note: {answer.notice}", ""]
    items = answer.closest if answer.abstained else answer.citations
    if items:
        lines.append("Closest matches (not an answer):" if answer.abstained else "Sources:")
    for c in items:
        loc = c.location
        about = ", ".join(x for x in (loc.title, loc.outlet, loc.published) if x) or loc.source
        lines.append(f"  [{c.n}] {about} ({loc.source}, characters {loc.start}-{loc.end})")
        lines.append(f"      \u201c{c.text}\u201d")
        for e in c.dates:
            if e.relative:
                lines.append(f"      {e.phrase} = {e.label} (from {e.anchor}, confidence {e.confidence:.2f})")
        for other in c.also_in:
            lines.append(f"      also in {other.source}")
        for source in c.also_at:
            lines.append(f"      also at {shown_path(source)}")
    if answer.dropped or answer.rejected:
        lines.append(f"Not shown ({answer.composer_label} answer; generated sentences without support):")
        lines.extend(f"  - {d.sentence} ({d.reason})" for d in answer.dropped)
        if answer.rejected:
            lines.append(f"  - the generated answer ({answer.rejected}: the extractive answer is shown instead)")
    if answer.follow_ups:
        lines.append("You could also ask:")
        lines.extend(f"  - {q}" for q in answer.follow_ups)
    return "\n".join(lines).rstrip()


def add_suggest(sub) -> None:
    """The options of ``suggest``."""
    p = sub.add_parser("suggest", help="make the suggested questions again (each checked by answering it); "
                                       "ingest does this too")
    p.add_argument("--json", action="store_true", help="print them as JSON")
    add_store_options(p)
    p.set_defaults(func=cmd_suggest)


def cmd_suggest(args, settings) -> int:
    """Make the suggested questions again and print them."""
    made = _assistant(settings).suggest()
    if args.json:
        print(json.dumps(made.to_dict(), indent=2, ensure_ascii=False))
        return 0
    print("Suggested (each answered from its article when checked):")
    print("\n".join(f"  - {q}" for q in made.suggested) or "  (none)")
    print("Follow-ups by article:")
    for aid, questions in made.by_article.items():
        print(f"  {aid}: " + ("; ".join(questions) or "(none answered)"))
    return 0


def add_gaps(sub) -> None:
    """The options of ``gaps``."""
    p = sub.add_parser("gaps", help="the questions readers could not get answers to (abstained or flagged), "
                                    "near-duplicates merged, newest first")
    p.add_argument("--since", type=_day, metavar="YYYY-MM-DD", help="only questions asked on or after this day")
    p.add_argument("--json", action="store_true", help="print the gaps as JSON")
    add_store_options(p)
    p.set_defaults(func=cmd_gaps)


def cmd_gaps(args, settings) -> int:
    """Print the questions readers got no answer to."""
    from assistant.feedback import FeedbackStore
    from assistant.gaps import find_gaps, summary

    gaps = find_gaps(FeedbackStore(settings.feedback_path).entries(args.since))
    print(json.dumps({"gaps": [g.to_dict() for g in gaps]}, indent=2, ensure_ascii=False) if args.json
          else summary(gaps))
    return 0


def add_feedback(sub) -> None:
    """The options of ``feedback``."""
    p = sub.add_parser("feedback", help="the feedback log: rate an answer, export gaps as a regression set, delete")
    fsub = p.add_subparsers(dest="action", required=True)
    f = fsub.add_parser("give", help="rate an answer by its id (as a reader does with the buttons)")
    f.add_argument("answer_id", metavar="ANSWER_ID")
    rating = f.add_mutually_exclusive_group(required=True)
    rating.add_argument("--helpful", dest="helpful", action="store_true", default=None)
    rating.add_argument("--not-helpful", dest="helpful", action="store_false")
    f.add_argument("--comment", help="a short comment (at most 1000 characters)")
    add_store_options(f)
    f = fsub.add_parser("export", help="write the unanswered and flagged questions as a regression set")
    f.add_argument("--regression", type=Path, required=True, metavar="OUT.yaml", help="the set file to write")
    f.add_argument("--since", type=_day, metavar="YYYY-MM-DD", help="only questions asked on or after this day")
    f.add_argument("--corpus", metavar="FOLDER", help="write 'corpus: FOLDER' (relative to OUT.yaml) into the set")
    add_store_options(f)
    f = fsub.add_parser("delete", help="delete the feedback log's contents")
    f.add_argument("--all", action="store_true", required=True, help="every answered question and every rating")
    add_store_options(f)
    p.set_defaults(func=cmd_feedback)


def cmd_feedback(args, settings) -> int:
    """Rate an answer, export the gaps as a regression set, or empty the feedback log."""
    import datetime as dt

    from assistant.feedback import FeedbackStore
    from assistant.gaps import find_gaps, regression_yaml

    log = FeedbackStore(settings.feedback_path)
    if args.action == "give":
        entry = log.give(args.answer_id, args.helpful, args.comment)
        print(f"Kept: {'helpful' if entry.helpful else 'not helpful'} for \u201c{entry.question}\u201d"
              + (f" (comment: {entry.comment})" if entry.comment else ""))
    elif args.action == "export":
        gaps = find_gaps(log.entries(args.since))
        args.regression.parent.mkdir(parents=True, exist_ok=True)
        made = dt.datetime.now(dt.timezone.utc)
        args.regression.write_text(regression_yaml(gaps, made, args.corpus), encoding="utf-8")
        print(f"{len(gaps)} question{'s' * (len(gaps) != 1)} written to {args.regression}, each with an empty "
              "'expect' to fill in ('eval' skips them until then).")
    else:
        gone = log.delete_all()
        print(f"Deleted {gone['answers']} answered question(s) and {gone['feedback']} rating(s) "
              f"from {log.path}.")
    return 0


def add_timeline(sub) -> None:
    """The options of ``timeline``."""
    p = sub.add_parser("timeline", help="the dated events across the articles, in date order")
    p.add_argument("--json", action="store_true", help="print the events as JSON (as GET /api/timeline)")
    add_store_options(p)
    p.set_defaults(func=cmd_timeline)


def cmd_timeline(args, settings) -> int:
    """Print the dated events across the articles, in date order."""
    events = _assistant(settings).timeline()
    if args.json:
        print(json.dumps({"events": [e.to_dict() for e in events]}, indent=2, ensure_ascii=False))
        return 0
    for ev in events:
        loc = ev.sentence.location
        print(f"{ev.label:<24} {ev.phrase!r} in {loc.source} ({loc.start}-{loc.end})")
        print(f"{'':<24} \u201c{ev.sentence.text}\u201d")
        for other in ev.also_in:
            print(f"{'':<24} also in {other.source}")
    print(f"{len(events)} dated events.")
    return 0


def add_chat(sub) -> None:
    """The options of ``chat``."""
    p = sub.add_parser("chat", help="interactive terminal chat")
    add_store_options(p)
    p.set_defaults(func=cmd_chat)


def cmd_chat(args, settings, assistant=None) -> int:
    """Answer questions typed at the terminal, follow-ups in context, until an empty line or Ctrl-D."""
    from assistant.conversation import Turn

    assistant = assistant or _assistant(settings)
    print("Ask about the articles; follow-up questions use the conversation (empty line or Ctrl-D to quit).")
    history: list[Turn] = []
    while True:
        try:
            question = input("\nyou> ")
        except EOFError:
            print()
            return 0
        if not question.strip():
            return 0
        try:
            answer = assistant.answer(question, history)
            if answer.searched and answer.searched != answer.question:
                print(f"(searched: {answer.searched})")
            print(render(answer))
            history.append(Turn(answer.question, answer.answer))
        except USER_ERRORS as exc:
            print(f"error: {exc}")


def add_run(sub) -> None:
    """The options of ``run``."""
    p = sub.add_parser("run", help="repair half-written articles (unless an ingest is running), ingest the seeds "
                                   "if the store is empty (else date again articles dated by older rules), then "
                                   "serve the web chat and API")
    p.add_argument("--host", help="address to listen on (ASSISTANT_HOST, default 127.0.0.1)")
    p.add_argument("--port", type=int, help="port to listen on (ASSISTANT_PORT, default 7860)")
    add_store_options(p)
    p.set_defaults(func=cmd_run)


def cmd_run(args, settings) -> int:
    """Repair, ingest the seeds into an empty store (or date again what older rules dated), then serve
    the web chat and API until stopped."""
    from assistant.web import check_port_free, serve

    try:
        check_port_free(settings.host, settings.port)  # before the slow part
    except OSError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    assistant = _assistant(settings)
    # Repair what an interrupted ingest left, unless an ingest is writing right now (then only report).
    # A store on a Chroma server has no writer lock to tell, so there the check only reports.
    health = assistant.check_store(repair=settings.chroma_url is None)
    print(health.summary() if health.problems or health.busy else health.summary().splitlines()[0], flush=True)
    if assistant.is_empty():
        print(f"The store is empty: ingesting {settings.seeds_dir}/ ...")
        print(assistant.ingest([settings.seeds_dir]).summary())
    else:
        _redate(assistant)
        if settings.suggest_articles and (settings.suggestions_path is None or not settings.suggestions_path.exists()):
            print("Making the suggested questions (checked against the articles) ...", flush=True)
            assistant.suggest()
    try:
        serve(settings, assistant)
    except OSError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    return 0


def _redate(assistant) -> None:
    """Date again the stored articles dated by older rules (after an upgrade), saying how many; when
    another ingest keeps the store, say so and leave them to the next ingest."""
    from vectorstore.lock import StoreBusy

    try:
        report = assistant.redate()
    except StoreBusy as exc:
        print(f"Not dating the stored articles again now ({exc}); the next ingest does.", flush=True)
        return
    if report.redated:
        print(f"{len(report.redated)} stored article(s) dated again by newer rules.", flush=True)


def add_eval(sub) -> None:
    """The options of ``eval``."""
    p = sub.add_parser("eval", help="run a regression question set")
    p.add_argument("set", type=Path, help="YAML question set, e.g. tests/regression/seeds.qa.yaml")
    p.add_argument("--report", type=Path, action="append", default=[], metavar="OUT.json|OUT.html",
                   help="write the report here: JSON (every answer and the metrics), or a page to read if the "
                        "name ends in .html (repeat for both)")
    p.add_argument("--repeat", type=int, default=1, metavar="N", help="answer each question N times (generated answers vary)")
    p.add_argument("--min-pass", type=float, default=1.0, metavar="SHARE",
                   help="with --repeat: a question passes if at least this share of its runs pass (default 1.0)")
    add_store_options(p)
    p.set_defaults(func=cmd_eval)


def cmd_eval(args, settings) -> int:
    """Answer and check a question set, print the results and metrics, write the reports; exit status
    0 if every question passed, else 1."""
    from assistant import evaluation
    from assistant.report import write_report

    if args.repeat < 1 or not 0 < args.min_pass <= 1:
        print("error: --repeat must be 1 or more and --min-pass a share above 0 and at most 1", file=sys.stderr)
        return EXIT_USER_ERROR
    cases = evaluation.load_set(args.set)
    empty = [c for c in cases if not c.expects]
    cases = [c for c in cases if c.expects]
    if empty:
        print(f"skipped {len(empty)} question{'s' * (len(empty) != 1)} whose expect is empty (fill it in to check "
              f"{'them' if len(empty) != 1 else 'it'}): {', '.join(c.id for c in empty)}")
    if not cases:
        print("nothing to check: every question's expect is empty")
        return 0
    results = evaluation.run_set(_assistant(settings), cases, args.repeat, args.min_pass)
    print(evaluation.table(results))
    m = evaluation.metrics(results)
    print("\n" + ", ".join(f"{k}: {v}" for k, v in m.items()))
    for report in args.report:
        write_report(report, results, title=args.set.name)
        print(f"report written to {report}")
    return 0 if m["passed"] == m["questions"] else 1


def add_train_scorer(sub) -> None:
    """The options of ``train-scorer``."""
    p = sub.add_parser("train-scorer", help="fit the sentence scorer on question sets, with cross-validated figures")
    p.add_argument("--set", dest="sets", action="append", required=True, metavar="QUESTIONS.yaml[=ARTICLES]",
                   help="a question set and the folder of its articles, which a set naming its 'corpus' "
                        "may leave out (repeat for several sets)")
    p.add_argument("--out", type=Path, default=Path(__file__).parent / "scorer.json",
                   help="where to save the scorer (default: the package's assistant/scorer.json, the one the assistant uses)")
    p.add_argument("--folds", type=int, default=5, help="cross-validation folds (default 5)")
    p.add_argument("--second-look-only", action="store_true",
                   help="keep the support and ranker of the scorer in --out and fit only its second look (a model "
                        "of the whole question that may answer one the support declines) on these sets")
    add_store_options(p)
    p.set_defaults(func=cmd_train_scorer)


def cmd_train_scorer(args, settings) -> int:
    """Fit the sentence scorer on the sets' questions and save it; print the cross-validated figures."""
    from assistant import training
    from assistant.answer import Assistant
    from assistant.evaluation import read_set
    from assistant.scorer import SentenceScorer, load_scorer
    from vectorstore.embedder import make_embedder

    if not args.out.parent.is_dir() or not os.access(args.out.parent, os.W_OK):
        print(f"error: --out {args.out}: its folder does not exist or is not writable", file=sys.stderr)
        return EXIT_USER_ERROR
    try:  # the scorer there now: its second look is kept by a ranker refit, its ranker by a second-look fit
        current = load_scorer(args.out) if args.out.is_file() else None
    except (ValueError, KeyError, json.JSONDecodeError) as exc:
        if args.second_look_only:
            print(f"error: --out {args.out}: not a scorer this version reads ({exc})", file=sys.stderr)
            return EXIT_USER_ERROR
        current = None
    if args.second_look_only and current is None:
        print(f"error: --second-look-only: no scorer at --out {args.out} to add a second look to", file=sys.stderr)
        return EXIT_USER_ERROR
    embedder = make_embedder(settings.embedding_model, settings.embedding_backend, settings.device, settings.embedding_cache)
    questions = []
    for spec in args.sets:
        qpath, _, articles = spec.partition("=")
        qset = read_set(Path(qpath), renumber=True)
        if not (articles or qset.corpus):
            print(f"error: --set {spec!r}: the set names no 'corpus'; write QUESTIONS.yaml=ARTICLES_FOLDER",
                  file=sys.stderr)
            return EXIT_USER_ERROR
        qpath, articles = Path(qpath), Path(articles) if articles else qset.corpus
        name = f"{qpath.parent.name}-{qpath.name.split('.')[0]}"  # seeds.qa.yaml -> regression-seeds
        data = settings.data_dir / "train" / name  # each set's own store, kept for the next fit
        set_settings = settings.model_copy(update={"data_dir": data})
        assistant = Assistant(set_settings, embedder=embedder, scorer=SentenceScorer.neutral())
        print(assistant.ingest([articles]).summary())
        questions += training.collect(assistant, qset.cases, name)
    if args.second_look_only:
        try:
            look = training.train_second_look(current, questions, k=args.folds)
        except ValueError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return EXIT_USER_ERROR
        training.save(dataclasses.replace(current, second_look=look), args.out)
        print(json.dumps(look.report, indent=2))
        print(f"second look fitted (log-odds threshold {look.threshold:.2f}, chosen out of fold); the support and "
              f"ranker kept; scorer written to {args.out}")
        return 0
    scorer = training.train(questions, k=args.folds)
    if current is not None:
        scorer.second_look = current.second_look
    training.save(scorer, args.out)
    print(json.dumps(scorer.report, indent=2))
    print(f"ranker fitted; abstain threshold {scorer.threshold:.2f} (hand-set){'; second look kept' if scorer.second_look else ''}; "
          f"scorer written to {args.out}")
    return 0


# The subcommands, in the order ``--help`` lists them.
COMMANDS = (add_ingest, add_sync, add_extract, add_check, add_ask, add_gaps, add_feedback, add_suggest, add_timeline,
            add_chat, add_run, add_eval, add_train_scorer)
