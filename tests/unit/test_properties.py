"""Properties that hold for every input, checked with Hypothesis: never an exception a reader did
not cause, never a 500, and offsets that are always exact.

- Dates: any text with any publication date (year 1 to 9999, or none) is read without raising;
  every expression is the text at its offsets; a resolved one runs forward and can be shown.
- Sentences: any text splits into ordered, non-overlapping, trimmed spans inside the region.
- Questions: any text asked on any day gives an answer or a ``QuestionError``, never another error;
  the cited sentences and the short answer are the article's text at their offsets.
- Short answers: candidates lie inside their sentence, and the spaces between words (two, a tab, a
  non-breaking one) do not change which names are found.
- Metadata: any ``articles.yaml`` is read or refused with ``UnreadableFile``.
- The API: any JSON body sent to ``/api/ask`` or ``/api/feedback`` gets a reply below 500, and a
  character that is not text in any of its text fields a 422 that names the field.

Examples per test come from the Hypothesis profile (tests/conftest.py): 50 in ``make test``,
2,000 in ``make fuzz``.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from assistant.answer import Assistant
from assistant.conversation import Turn
from assistant.errors import EmptyStoreError, QuestionError
from assistant.question import (
    Recency,
    Request,
    profile_question,
    question_dates,
    recency,
    sub_questions,
    validate_question,
)
from assistant.settings import load_settings
from assistant.short_answer import asked, candidates
from assistant.web import create_app
from tests.unit.conftest import COUNCIL, META, PROTEST
from tests.unit.fakes import HashingEmbedder, MemoryStore
from vectorstore.dates import TimeExpression, find_time_expressions
from vectorstore.loading import METADATA_FILE, UnreadableFile, load_metadata
from vectorstore.models import Span
from vectorstore.sentences import split_long, split_sentences

# Function-scoped fixtures (the small assistant, tmp_path) are shared by a test's examples on purpose:
# the assistant is only read, and each example rewrites the one file it uses.
shared_fixtures = settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

# -- strategies ----------------------------------------------------------------------------------

EDGE_DAYS = [dt.date.min, dt.date.min + dt.timedelta(days=1), dt.date(1, 1, 7), dt.date(1, 12, 31),
             dt.date(9999, 1, 1), dt.date(9999, 12, 1), dt.date(9999, 12, 25), dt.date.max - dt.timedelta(days=1),
             dt.date.max, dt.date(2024, 2, 29), dt.date(2025, 10, 8)]
# the first and last weeks of the calendar are where date arithmetic breaks: drawn as often as the rest
days = st.one_of(st.sampled_from(EDGE_DAYS), st.dates(max_value=dt.date(1, 1, 31)),
                 st.dates(min_value=dt.date(9999, 12, 1)), st.dates())

WEEKDAY_NAMES = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
MONTH_NAMES = ["Jan.", "January", "Feb", "February", "Mar.", "March", "Apr.", "April", "May", "June", "Jun",
               "July", "Aug.", "August", "Sept.", "Sep.", "September", "Oct.", "October", "Nov.", "Dec.", "December"]
counts = st.one_of(st.integers(0, 40), st.integers(0, 10**40)).map(str) | st.sampled_from(
    ["a", "one", "two", "ten", "00", "0" * 30 + "7"])
time_phrases = st.one_of(
    st.builds("{} {} ago".format, counts, st.sampled_from(["day", "days", "week", "weeks", "Weeks"])),
    st.builds("{}{} {}".format, st.sampled_from(["", "late ", "early ", "this ", "next ", "last ", "for ", "until ",
                                                  "by ", "since ", "on "]),
              st.sampled_from(WEEKDAY_NAMES), st.sampled_from(["", "morning", "night", "afternoon"])),
    st.builds("{}{} {}{}{}".format, st.sampled_from(["", "Wednesday ", "Sunday, "]), st.sampled_from(MONTH_NAMES),
              st.integers(0, 99), st.sampled_from(["", "st", "th"]),
              st.sampled_from(["", ", 2025", " 1999", ", 2099", " 2000"])),
    st.builds("{} {}".format, st.sampled_from(["this", "last", "next", "past", "this past", "earlier this",
                                               "later this"]),
              st.sampled_from(["week", "weekend", "month", "year"])),
    st.sampled_from(["yesterday", "today", "tonight", "tomorrow", "this morning", "over the weekend", "the weekend",
                     "the holiday weekend", "days later", "in recent weeks", "USA TODAY", "recently", "the latest"]),
)
# Letters Unicode case-insensitive matching takes for ASCII ones (long s, dotless and dotted i, the
# Kelvin sign), and plain case changes: "ſept. 30", "LAST WEEK", "Next Monday".
LOOKALIKES = [{}, {"s": "\u017f"}, {"i": "\u0131"}, {"i": "\u0130"}, {"k": "\u212a", "K": "\u212a"}]
time_phrases = st.one_of(
    time_phrases,
    st.builds(lambda phrase, table, case: case(phrase).translate(str.maketrans(table)), time_phrases,
              st.sampled_from(LOOKALIKES), st.sampled_from([str.lower, str.upper, str.title])),
)
glue = st.sampled_from([" ", "  ", "\n", "\n\n", ". ", ", ", " \u201c", "\u201d ", ' "', '" ', " (", ") ", "\t",
                        " on Saturday (August 30), writing: \u201c", "\u2028", "\r\n"])
texts_with_dates = st.lists(st.one_of(time_phrases, glue, st.text(max_size=12)), max_size=12).map("".join)
published = st.one_of(st.none(), days, days.map(dt.date.isoformat), st.text(max_size=12),
                      st.sampled_from(["0000-01-01", "10000-01-01", "9999-12-31T23:59", "2025-02-30"]))

SENTENCE_BITS = [". ", "! ", "? ", "?! ", ".\u201d ", '." ', "\u201d Trump said. ", " said ", "U.S. ", "Gov. ",
                 "Oct. 4 ", "J. ", "a.m. ", "The ", "He ", "\u201c", "\u201d", '"', "(", ")", "\n", "\r\n", " \n ",
                 "\t", "\x0b", "\x1c", "\u2028", "\u00a0", "\u3000", "—", "...", "A", "b", "1", "\u0301", ""]
prose = st.lists(st.one_of(st.sampled_from(SENTENCE_BITS), st.text(max_size=8)), max_size=25).map("".join)

QUESTION_BITS = ["What did ", "Who ", "When did ", "How many ", "Where ", "the Springfield council ", "approve",
                 "library budget", " and when", ", and what did ", "Mayor Ann Lee ", "say", "protest", "recently",
                 "the latest", "latest ", "this week", "What about ", "and ", "they", "?", " ", "\t", "\n"]
questions = st.one_of(
    st.text(max_size=60),
    st.lists(st.one_of(st.sampled_from(QUESTION_BITS), time_phrases, st.text(max_size=6)), max_size=10).map("".join),
)


def flat_idf(term: str) -> float:
    return 1.0


def assert_exact(text: str, found: list[TimeExpression]) -> None:
    """Each expression is the text at its offsets; a resolved one runs forward and reads as a label."""
    for e in found:
        assert 0 <= e.start < e.end <= len(text)
        assert text[e.start:e.end] == e.phrase
        assert (e.first is None) == (e.last is None) == (not e.resolved)
        assert 0.0 <= e.confidence <= 1.0
        if e.resolved:
            assert e.first <= e.last
            assert e.label
            assert TimeExpression.from_dict(e.to_dict()) == e


# -- dates ---------------------------------------------------------------------------------------

@given(texts_with_dates, published)
@example("1000000 days ago", dt.date(2025, 10, 8))
@example("this year", dt.date.max)
@example("this month", dt.date(9999, 12, 15))
@example("next Monday", dt.date.max)
@example("last Monday", dt.date.min)
def test_any_text_with_any_publication_date_gives_exact_expressions(text, day):
    assert_exact(text, find_time_expressions(text, day))


# -- sentences -----------------------------------------------------------------------------------

@given(prose, st.data())
def test_any_text_splits_into_ordered_trimmed_spans_within_the_region(text, data):
    start = data.draw(st.integers(0, len(text)), label="start")
    end = data.draw(st.one_of(st.none(), st.integers(start, len(text))), label="end")
    spans = split_sentences(text, start, end)
    stop = len(text) if end is None else end
    previous = start
    for s in spans:
        assert previous <= s.start < s.end <= stop
        piece = text[s.start:s.end]
        assert piece == piece.strip()
        previous = s.end
    # nothing but whitespace (and the line breaks between lines) is left out
    covered = "".join(text[s.start:s.end] for s in spans)
    assert "".join(covered.split()) == "".join(text[start:stop].split())


@given(prose, st.integers(1, 40))
def test_a_long_sentence_is_cut_into_exact_pieces_no_longer_than_the_limit(text, max_chars):
    for span in split_sentences(text) or [Span(0, len(text))]:
        pieces = split_long(text, span, max_chars)
        previous = span.start
        for p in pieces:
            assert previous <= p.start < p.end <= span.end and p.end - p.start <= max_chars
            previous = p.end


# -- the question side ---------------------------------------------------------------------------

@given(st.one_of(questions, st.none(), st.integers(), st.lists(st.text(max_size=3))), st.integers(1, 80))
def test_any_question_is_validated_or_refused_with_a_question_error(question, max_chars):
    try:
        q = validate_question(question, max_chars)
    except QuestionError as exc:
        assert str(exc)
        return
    assert q == q.strip() and 0 < len(q) <= max_chars


@given(questions, st.one_of(st.none(), days), st.one_of(st.none(), days))
@example("What happened this week?", None, dt.date.min)
@example("What happened 3652059 days ago?", None, dt.date.max)
@example("What is the latest?", None, dt.date.min)
def test_any_question_on_any_day_is_profiled_split_and_placed_in_time(question, newest, as_of):
    profile = profile_question(question, flat_idf)
    assert set(profile.weights) == set(profile.terms)
    parts = sub_questions(question)
    assert parts and all(isinstance(p, str) for p in parts)
    dates = question_dates(question, newest, as_of)
    assert_exact(question, dates)
    assert all(e.resolved for e in dates)
    limit = recency(question, dates, as_of)
    assert limit is None or (isinstance(limit, Recency) and limit.since <= as_of)


@given(questions, st.one_of(st.none(), days))
@shared_fixtures
def test_any_question_on_any_day_is_understood_or_refused(small, question, as_of):
    try:
        query = small.pipeline.understanding(Request(question, (), as_of))
    except QuestionError:
        return
    assert query.question == question.strip()
    assert query.as_of == (as_of or dt.date.today())
    assert_exact(query.text, query.dates)


turns = st.builds(Turn, questions, questions)


@given(questions, st.one_of(st.none(), days), st.lists(turns, max_size=3))
@example("What did the council approve this week?", dt.date.min, [])
@example("What did the council approve this week?", dt.date.max, [])
@example("What happened recently?", dt.date.min, [])
@example("When did the council vote?", dt.date(1, 1, 2), [])
@example("What did the council approve la\u017ft week?", None, [])  # KeyError 'laſt' (a 500 in the API)
@shared_fixtures
def test_any_question_on_any_day_is_answered_or_refused(small, question, as_of, history):
    try:
        answer = small.answer(question, history=history, as_of=as_of)
    except (QuestionError, EmptyStoreError):
        return
    json.dumps(answer.to_dict())
    articles = small.store.articles([c.location.article_id for c in answer.citations])
    for c in answer.citations:
        assert articles[c.location.article_id].text[c.location.start:c.location.end] == c.text
    if answer.short_answer is not None:
        where = answer.short_answer.location
        assert articles[where.article_id].text[where.start:where.end] == answer.short_answer.text


# -- short answers -------------------------------------------------------------------------------

NAME_WORDS = ["Saudi", "Arabian", "Israeli", "Japanese", "officials", "Denver", "Broncos", "Tuesday", "The", "Judge",
              "April", "Perry", "U.S.", "District", "and", "of", "Bank", "America", "troops", "\u201cHello\u201d",
              "Texas", "New", "York", "City", "Beth", "Mead", "There", "I", "I\u2019ll", "Washington,", "D.C.",
              "al-Zawahiri", "Britney", "Spears", "Elton", "John", "Tony", "Awards", "\u0130stanbul", "Yellowstone",
              "National", "Park"]
NAME_QUESTIONS = ["Which country sent officials?", "Who ruled?", "Which city?", "Which awards show?", "Which state?",
                  "Which team won?", "Where?", "Which airline?", "Which national park?"]
SPACES = [" ", "  ", "\t", "\u00a0", "\u2009"]


@given(st.one_of(prose, st.lists(st.sampled_from(NAME_WORDS), max_size=10).map(" ".join)),
       st.one_of(questions, st.sampled_from(NAME_QUESTIONS)))
def test_any_sentence_gives_short_answer_candidates_inside_it(text, question):
    want = asked(question)
    if want is None:
        return
    for start, end, fit in candidates(text, want):
        assert 0 <= start < end <= len(text) and 0 <= fit <= 1


@given(st.lists(st.tuples(st.sampled_from(NAME_WORDS), st.sampled_from(SPACES)), min_size=1, max_size=10),
       st.sampled_from(NAME_QUESTIONS))
@example([("Saudi", "  "), ("Arabian", " "), ("officials", " ")], "Which country sent officials?")
def test_the_spaces_between_words_do_not_change_the_names_found(words_and_spaces, question):
    """A name reads the same whatever spaces stand between its words (two, a tab, a non-breaking one)."""
    spaced = "".join(w + sp for w, sp in words_and_spaces).rstrip()
    plain = " ".join(w for w, _ in words_and_spaces)
    want = asked(question)

    def found(text: str) -> list[tuple[str, float]]:
        return sorted((" ".join(text[start:end].split()), round(fit, 3)) for start, end, fit in candidates(text, want))

    assert found(spaced) == found(plain)


# -- metadata ------------------------------------------------------------------------------------

yaml_scalars = st.one_of(
    st.sampled_from(["", "null", "~", "true", "no", "2025-10-08", "'2025-10-08'", "2025-02-30", "0000-00-00",
                     "10000-01-01", "1e400", ".nan", "-.inf", "0x1F", "0o17", "12:30:00", "!!binary aGk=",
                     "!!binary @@@", "!!timestamp 2025-13-45", "!!int x", "!!float x", "!!python/name:os.system",
                     "*a", "&a x", "[]", "{}", "[1, [2, [3]]]", "'it''s'", '"\\x00"', '"\\ud800"', '"\\U0010FFFF"',
                     "|\n  block", ">-\n  folded", "? a", "<<: *a", "!!set {a, b}", "!!omap [a: 1]",
                     "9" * 400]),
    st.text(max_size=10),
)
yaml_keys = st.one_of(st.sampled_from(["council.txt", "a.md", "outlet", "headline", "published", "author", "<<",
                                       "? [a, b]", "? {a: 1}", "1", "null", "'x'", "*a", "&a k", "!!int 3"]),
                      st.text(max_size=8))
yaml_lines = st.one_of(
    st.builds("{}: {{outlet: {}, headline: {}, published: {}}}".format, yaml_keys, yaml_scalars, yaml_scalars,
              yaml_scalars),
    st.builds("{}:\n  {}: {}".format, yaml_keys, yaml_keys, yaml_scalars),
    st.builds("{}: {}".format, yaml_keys, yaml_scalars),
    st.sampled_from(["---", "...", "%YAML 1.1", "%TAG ! tag:x,2000:", "- a", "  - b", "\t", "#", "[" * 300,
                     "{" * 300, "&a [*a]", "x: &a {y: *a}", "'", '"', "\ufeff"]),
    st.text(max_size=20),
)
yaml_texts = st.lists(yaml_lines, max_size=6).map("\n".join)


def read_or_refused(folder, text: str) -> None:
    (folder / METADATA_FILE).write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        meta = load_metadata(folder)
    except UnreadableFile as exc:
        assert str(exc)
        return
    assert all(isinstance(k, str) and set(v) >= {"title", "outlet", "published"} for k, v in meta.items())


@given(yaml_texts)
@shared_fixtures
def test_any_articles_yaml_is_read_or_refused_as_unreadable(tmp_path, text):
    read_or_refused(tmp_path, text)


def test_an_articles_yaml_nested_deeper_than_the_parser_goes_is_refused_as_unreadable(tmp_path):
    read_or_refused(tmp_path, "x: " + "[" * 500 + "]" * 500)


# -- the API -------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def api(tmp_path_factory):
    """A client of the whole web app over the small corpus, and the id of an answer it gave."""
    root = tmp_path_factory.mktemp("api")
    corpus = root / "articles"
    corpus.mkdir()
    for name, text in (("council.txt", COUNCIL), ("protest.txt", PROTEST), ("articles.yaml", META)):
        (corpus / name).write_text(text, encoding="utf-8")
    s = load_settings(data_dir=root / "data", rate_limit="0")
    assistant = Assistant(s, store=MemoryStore(), embedder=HashingEmbedder())
    assistant.ingest([corpus], progress=False)
    app = create_app(s, assistant)
    with TestClient(app) as client:
        answered = client.post("/api/ask", json={"question": "What did the Springfield council approve?"})
        assert answered.status_code == 200
        yield client, answered.json()["id"]


json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=20)),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
nasty_text = st.one_of(questions, st.text(max_size=30),
                       st.sampled_from(["Who\x00 arrived?", "Who \ud800 arrived?", "\x1b[31m", "\u200b", "\r\n",
                                        "Who\tarrived\nin Elwood?", "\ufeffWho?", "x" * 600]))
date_texts = st.one_of(days.map(dt.date.isoformat),
                       st.sampled_from(["0000-01-01", "0001-01-01", "9999-12-31", "10000-01-01", "+10000-01-01",
                                        "-0001-01-01", "2025-02-30", "2025-10-08T25:00", "20251008", "", "today"]),
                       st.integers(-10**20, 10**20), st.floats(), st.text(max_size=12))
messages = st.one_of(
    st.fixed_dictionaries({"role": st.sampled_from(["user", "assistant"]), "content": nasty_text}),
    st.dictionaries(st.sampled_from(["role", "content", "name"]), json_values, max_size=3),
    json_values,
)
ask_bodies = st.one_of(
    st.fixed_dictionaries({"question": nasty_text},
                          optional={"history": st.one_of(st.lists(messages, max_size=4), json_values),
                                    "as_of": st.one_of(date_texts, json_values),
                                    "conversation_id": st.one_of(st.text(max_size=70), json_values)}),
    json_values,
)


def feedback_bodies(answer_id: str):
    return st.one_of(
        st.fixed_dictionaries({"answer_id": st.one_of(st.just(answer_id), nasty_text, json_values),
                               "helpful": st.one_of(st.booleans(), json_values)},
                              optional={"comment": st.one_of(nasty_text, st.text(max_size=1100), json_values),
                                        "extra": json_values}),
        json_values,
    )


def post(client: TestClient, path: str, body) -> dict:
    r = client.post(path, content=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    assert r.status_code < 500, (body, r.status_code, r.text)
    assert r.headers["content-type"] == "application/json"
    reply = r.json()
    if r.status_code >= 400:
        assert reply["error"]
    return reply


@given(ask_bodies)
@example({"question": "What did the council approve this week?", "as_of": "0001-01-01"})
@example({"question": "What did the council approve this week?", "as_of": "9999-12-31"})
@example({"question": "What did the council approve THI\u017f WEEK?", "as_of": "2025-10-10"})
@example({"question": "Who?", "history": [{"role": "user", "content": "Who\x00?"}]})
@example({"question": "Who?", "history": [{"role": "user", "content": "What \ud800 council?"},
                                          {"role": "assistant", "content": "The council \ud800 [1]"}]})
@shared_fixtures
def test_any_body_posted_to_ask_gets_a_reply_below_500(api, body):
    post(api[0], "/api/ask", body)


@given(st.data())
@shared_fixtures
def test_any_body_posted_to_feedback_gets_a_reply_below_500(api, data):
    client, answer_id = api
    post(client, "/api/feedback", data.draw(feedback_bodies(answer_id), label="body"))


not_text_characters = st.characters(categories=["Cc", "Cs"], exclude_characters="\t\n\r")


@st.composite
def with_one_not_text(draw, answer_id: str):
    """A request that would be accepted, but for one character that is not text in one of its text
    fields: (path, body, the field as the error names it, the character)."""
    bad = draw(not_text_characters, label="bad")

    def spoiled(text: str) -> str:
        at = draw(st.integers(0, len(text)))
        return text[:at] + bad + text[at:]

    history = [{"role": "user", "content": "Who approved the budget?"},
               {"role": "assistant", "content": "The council."}]
    field = draw(st.sampled_from(["question", "history.0.content", "history.1.content", "conversation_id",
                                  "answer_id", "comment"]), label="field")
    if field in ("answer_id", "comment"):
        body = {"answer_id": answer_id, "helpful": True, "comment": "Too short"}
        body[field] = spoiled(body[field])
        return "/api/feedback", body, field, bad
    body = {"question": "And when?", "history": history, "conversation_id": "c1"}
    if field.startswith("history"):
        i = int(field.split(".")[1])
        history[i] = {**history[i], "content": spoiled(history[i]["content"])}
    else:
        body[field] = spoiled(body[field])
    return "/api/ask", body, field, bad


@given(st.data())
@shared_fixtures
def test_a_character_that_is_not_text_in_any_text_field_is_refused_by_name(api, data):
    client, answer_id = api
    path, body, field, bad = data.draw(with_one_not_text(answer_id))
    r = client.post(path, content=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    assert r.status_code == 422
    assert r.json()["error"].startswith(f"Invalid request: {field}: contains a character that is not text "
                                        f"(U+{ord(bad):04X})")
