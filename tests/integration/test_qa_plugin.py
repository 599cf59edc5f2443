"""The question-set plugin (``assistant.pytest_plugin``) for real: pytest runs a tiny set over a tiny
corpus in a temporary folder, with the real embedding model and a real Chroma store. The runs are
in-process (``runpytest_inprocess``), so they reuse this session's loaded model."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest

pytest_plugins = ["pytester"]
pytestmark = pytest.mark.integration

COUNCIL = ("The Springfield council approved the library budget on Monday after a two-hour debate.\n\n"
           "Mayor Ann Lee said the budget adds two librarians and keeps the library open on Sundays.\n\n"
           "The vote was 7 to 2, with council members Ruth Park and Omar Diaz opposed.\n")
PROTEST = ("Residents of Shelbyville protested the new parking fees on Tuesday.\n\n"
           "About 300 people marched to city hall, where Police Chief Dana Cole met them.\n\n"
           "The fees take effect in November, the city said.\n")
HOSTILE = ("<script>alert('report')</script> The Ogdenville zoo opened a new <b>penguin</b> house on Friday "
           "<img src=x onerror=alert(2)>.\n\nVisitors queued for an hour to see the birds.\n")
META = ("council.txt: {outlet: Springfield Times, headline: Council approves library budget, published: '2025-10-08'}\n"
        "protest.txt: {outlet: Shelbyville Post, headline: Parking fee protest, published: '2025-10-09'}\n"
        "zoo.txt: {outlet: Ogdenville Crier, headline: Penguins, published: '2025-10-11'}\n")

TEAM_SET = """\
corpus: articles
questions:
- id: council-vote
  question: What was the council vote?
  expect: {mentions: ["7 to 2"], articles: [council], abstain: false}
- id: budget-day
  question: When did the council approve the library budget?
  expect: {dates: [{phrase: Monday, day: 2025-10-06}], max_citations: 3, articles: [council]}
- id: protest-count
  question: How many people marched to city hall?
  expect: {short_answer: "300", not_mentions: [librarians]}
- id: penguins
  question: When did the zoo open the penguin house?
  expect: {articles: [zoo], abstain: false}
- id: moon
  question: How far away is the Moon?
  known_failure: the articles say nothing about the Moon
  expect: {abstain: false}
"""


@pytest.fixture(scope="module")
def warm(embedder, tmp_path_factory):
    """The model loaded and Chroma, LangChain and BM25 imported and started before the in-process runs,
    which then reuse them (a run forgets the modules it imported itself)."""
    from assistant.answer import Assistant
    from assistant.settings import load_settings
    from vectorstore.store import ChromaStore

    settings = load_settings(data_dir=tmp_path_factory.mktemp("warm"))
    Assistant(settings, store=ChromaStore(settings.chroma_path), embedder=embedder)


@pytest.fixture(autouse=True)
def team(pytester, warm):
    """A team's repository: ``articles/`` and ``team.qa.yaml``."""
    articles = pytester.mkdir("articles")
    (articles / "council.txt").write_text(COUNCIL, encoding="utf-8")
    (articles / "protest.txt").write_text(PROTEST, encoding="utf-8")
    (articles / "zoo.txt").write_text(HOSTILE, encoding="utf-8")
    (articles / "articles.yaml").write_text(META, encoding="utf-8")
    (pytester.path / "team.qa.yaml").write_text(TEAM_SET, encoding="utf-8")
    return pytester


def run(pytester, *args):
    return pytester.runpytest_inprocess("-p", "assistant.pytest_plugin", "-p", "no:cacheprovider", *args)


class Tags(HTMLParser):
    """Every start tag and attribute name in a page."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.attributes: set[str] = set()

    def handle_starttag(self, tag, attrs) -> None:
        self.tags.add(tag)
        self.attributes.update(name for name, _ in attrs)


def test_each_question_is_a_test_named_by_its_id_with_junitxml_and_an_html_report(team):
    result = run(team, "-v", "--junitxml=junit.xml", "--qa-html=report.html")
    result.assert_outcomes(passed=4, xfailed=1)
    result.stdout.fnmatch_lines(["*team.qa.yaml::council-vote PASSED*", "*team.qa.yaml::budget-day PASSED*",
                                 "*team.qa.yaml::moon XFAIL*the articles say nothing about the Moon*",
                                 "*articles: Ingest finished: 3 ingested*"])
    cases = ET.parse(team.path / "junit.xml").getroot().iter("testcase")
    assert [c.get("name") for c in cases] == ["council-vote", "budget-day", "protest-count", "penguins", "moon"]

    page = (team.path / "report.html").read_text(encoding="utf-8")
    parsed = Tags()
    parsed.feed(page)
    assert parsed.tags <= {"html", "head", "meta", "title", "style", "body", "h1", "h2", "h3", "p", "table", "tr",
                           "th", "td", "a", "span", "section", "ul", "li", "code", "div", "ol", "mark", "strong"}
    assert not {a for a in parsed.attributes if a.startswith("on")} and "src" not in parsed.attributes
    # the hostile article's text is shown as text, highlighted where it is cited
    assert "&lt;b&gt;penguin&lt;/b&gt;" in page and "&lt;img src=x onerror=alert(2)&gt;" in page
    assert '<strong class="short">300</strong>' in page and "KNOWN FAILURE" in page
    assert page.count('<section class="case') == 5


def test_k_selects_questions_by_id(team):
    result = run(team, "--collect-only", "-q", "-k", "budget or protest")
    result.stdout.fnmatch_lines(["team.qa.yaml::budget-day", "team.qa.yaml::protest-count",
                                 "2/5 tests collected (3 deselected)*"])


def test_wrong_expectations_fail_naming_them_and_a_known_failure_that_passes_fails(team):
    (team.path / "team.qa.yaml").write_text("""\
- id: vote
  question: What was the council vote?
  expect: {mentions: ["7 to 2", "Mars"], not_mentions: [Ruth Park], max_citations: 0}
- id: fixed
  question: How many people marched to city hall?
  known_failure: it used to miss the number
  expect: {short_answer: "300"}
- id: marchers-day
  question: When did residents protest the parking fees?
  expect: {dates: [{phrase: Tuesday, day: 2025-10-08}]}
""", encoding="utf-8")  # no corpus in the file: --qa-corpus names it
    result = run(team, "--qa-corpus", "articles", "--qa-repeat", "2", "--qa-min-pass", "0.5")
    result.assert_outcomes(failed=3)
    result.stdout.fnmatch_lines([
        "*_ vote: What was the council vote? _*",
        "failed 3 expectations: mentions, not_mentions, max_citations",
        "  - mentions: answer lacks 'Mars'",
        "  - not_mentions: answer contains 'Ruth Park'",
        "  - max_citations: 1 citation, at most 0 expected",
        "question: What was the council vote?",
        "runs: 0 of 2 runs passed (needs 50%); failed: *",
        "answer (extractive): The vote was 7 to 2*",
        "citations:",
        "  [[]1] articles/council.txt *: \u201cThe vote was 7 to 2, with council members Ruth Park and Omar Diaz opposed.\u201d",
    ])
    result.stdout.fnmatch_lines(["*_ fixed: How many people marched to city hall? _*", "[XPASS(strict)] it used to miss the number"])
    result.stdout.fnmatch_lines(["failed dates: 'Tuesday' should be Wed 8 Oct 2025; cited: 'Tuesday' = Tue 7 Oct 2025"])


def test_a_file_named_on_the_command_line_is_a_set_whatever_its_name(team, seeded_dir):
    (team.path / "questions.yaml").write_text(
        "- {id: elwood, question: 'Where is Elwood?', expect: {mentions: ['45 miles southwest of Chicago']}}\n",
        encoding="utf-8")
    assert "questions.yaml" not in str(run(team, "--collect-only", "-q").stdout)  # not *.qa.yaml
    result = run(team, "questions.yaml", "--qa-data-dir", str(seeded_dir))  # the seeds' store, ingested before
    result.assert_outcomes(passed=1)


def test_the_file_pattern_is_configurable_and_setup_problems_are_clear(team):
    team.makeini("[pytest]\nqa_files = *.questions.yaml\n")
    (team.path / "newsroom.questions.yaml").write_text("- {id: q, question: 'Who?'}\n", encoding="utf-8")
    result = run(team, "--collect-only", "-q")
    result.stdout.fnmatch_lines(["*newsroom.questions.yaml: the set names no articles: put 'corpus: FOLDER'*"])
    assert "team.qa.yaml" not in str(result.stdout)

    (team.path / "newsroom.questions.yaml").write_text("- {id: q, question: 'Who?', expect: {mention: [x]}}\n")
    result = run(team, "--collect-only", "-q", "--qa-corpus", "articles")
    assert "entry 'q': unknown expect key(s) ['mention']; allowed: ['abstain'," in result.stdout.str()
    result = run(team, "--qa-composer", "gpt")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--qa-composer gpt: *is not a composer*"])


def test_questions_whose_expect_is_empty_are_skipped_saying_why(team):
    (team.path / "exported.qa.yaml").write_text(
        "corpus: articles\nquestions:\n"
        "- id: filled\n  question: What was the council vote?\n  expect: {mentions: [\"7 to 2\"]}\n"
        "- id: to-fill\n  question: How far away is the Moon?\n  # the assistant answered: The articles do not say.\n"
        "  expect: {}\n", encoding="utf-8")
    result = run(team, "exported.qa.yaml", "-rs")
    result.assert_outcomes(passed=1, skipped=1)
    result.stdout.fnmatch_lines(["*to-fill*its expect is empty: fill it in to check this question*"])
