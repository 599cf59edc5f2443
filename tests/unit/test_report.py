"""The HTML report: what a person reads, and nothing in it that an article's text can turn into markup."""

from __future__ import annotations

import datetime as dt
from html.parser import HTMLParser

from assistant.evaluation import Case, Result, Run, check
from assistant.models import Answer, Citation, Location, ShortAnswer, TimeExpression
from assistant.report import html_report, write_report

HOSTILE = ('<script>alert("x")</script> The zoo opened a <b>penguin</b> house on Friday '
           '<img src=x onerror=alert(1)> for 300 birds.')
BEFORE, AFTER = '<a href="javascript:alert(2)">Click</a> ', " <iframe src=//evil></iframe>"
ALLOWED_TAGS = {"html", "head", "meta", "title", "style", "body", "h1", "h2", "h3", "p", "table", "tr", "th", "td",
                "a", "span", "section", "ul", "li", "code", "div", "ol", "mark", "strong"}


class Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data) -> None:
        self.text.append(data)


def _result(known_failure: str | None = None) -> Result:
    loc = Location("zoo", "articles/zoo.txt", 100, 100 + len(HOSTILE), title="<i>Zoo</i> news", outlet="Crier")
    friday_at = 100 + HOSTILE.index("Friday")
    friday = TimeExpression("Friday", friday_at, friday_at + 6, dt.date(2025, 10, 10), dt.date(2025, 10, 10),
                            dt.date(2025, 10, 11), 0.8, "weekday")
    count_at = 100 + HOSTILE.index("300")
    answer = Answer("<b>When</b> did the zoo open?", f"{HOSTILE} [1]", False,
                    [Citation(1, loc, HOSTILE, before=BEFORE, after=AFTER, dates=[friday])],
                    short_answer=ShortAnswer("300", Location("zoo", "articles/zoo.txt", count_at, count_at + 3), 1))
    case = Case("zoo-<script>", answer.question, mentions=[["<img>"]], known_failure=known_failure)
    return Result(case, [Run(answer, check(case, answer)[0], None)])


def test_hostile_article_text_makes_no_markup_and_shows_as_text():
    page = html_report([("team.qa.yaml <script>", [_result(), _result(known_failure="<b>known</b>")])])
    parsed = Page()
    parsed.feed(page)
    assert {tag for tag, _ in parsed.tags} <= ALLOWED_TAGS
    for tag, attrs in parsed.tags:
        assert not any(name.startswith("on") or name == "src" for name in attrs)
        assert tag != "a" or attrs["href"].startswith("#")  # only links inside the page
        assert tag != "meta" or set(attrs) <= {"charset", "name", "content"}
    text = "".join(parsed.text)
    assert HOSTILE.replace("Friday", "Friday (Fri 10 Oct 2025)") in text  # the article's characters, read as text
    assert BEFORE in text and AFTER in text and "<b>known</b>" in text and "zoo-<script>" in text


def test_the_report_shows_status_failures_answer_and_highlighted_citation():
    page = html_report([("team.qa.yaml", [_result()])])
    assert '<span class="badge fail">FAIL</span>' in page
    assert "<li><code>mentions</code> answer lacks &#x27;&lt;img&gt;&#x27;</li>" in page
    assert '<a class="ref" href="#q0-c1">[1]</a>' in page and '<li value="1" id="q0-c1">' in page
    # the cited sentence is marked inside its paragraph; the short answer bold and the day after "Friday"
    assert ('&lt;/a&gt; <mark>&lt;script&gt;' in page and 'house on Friday <span class="date">(Fri 10 Oct 2025)</span>'
            in page and 'for <strong class="short">300</strong> birds.</mark> &lt;iframe' in page)
    assert "&lt;i&gt;Zoo&lt;/i&gt; news · Crier · articles/zoo.txt, characters 100–" in page


def test_write_report_picks_html_or_json_by_the_file_name(tmp_path):
    write_report(tmp_path / "out.html", [_result()], title="zoo set")
    write_report(tmp_path / "out.json", [_result()])
    assert (tmp_path / "out.html").read_text(encoding="utf-8").startswith("<!doctype html>")
    assert '"failures": [\n        "mentions: answer lacks' in (tmp_path / "out.json").read_text(encoding="utf-8")


def test_failures_come_first_and_the_index_keeps_the_file_order():
    passing = _result()
    passing.case = Case("first-and-passing", "q")
    passing.runs[0].failures = []
    page = html_report([("set", [passing, _result()])])
    index, sections = page.split('<section class="case', 1)
    assert index.index(">first-and-passing</a>") < index.index(">zoo-&lt;script&gt;</a>")
    assert sections.index("zoo-&lt;script&gt;</h3>") < sections.index("first-and-passing</h3>")
    assert '<a href="#q0">first-and-passing</a>' in index and 'id="q0"' in sections
