"""Time expressions in the seed articles, resolved against each article's publication date.

The expected table was written by hand from the article text (the publication dates and why
are in seeds/articles.yaml). Every expression the finder reports must be in the table, in
order, and every row must be found: a new false positive fails as surely as a miss.
"""

import datetime as dt

import pytest
import yaml

from assistant.question import question_dates
from tests.conftest import SEEDS
from vectorstore.dates import find_time_expressions, format_range

UNRESOLVED = None
EXPECTED = {
    # USA TODAY, Wed 8 Oct 2025 ("USA TODAY" in the byline is a name, not "today")
    "000_260dedd85ce9b948.txt": [
        ("Wednesday Oct. 8", "Wed 8 Oct 2025"),
        ("Oct. 4", "Sat 4 Oct 2025"),            # the White House ordered their deployment
        ("Oct. 9", "Thu 9 Oct 2025"),            # the hearing
        ("Earlier this week", "6–7 Oct 2025"),   # Monday and Tuesday before publication
        ("this week", "6–12 Oct 2025"),
        ("in August", "Aug 2025"),               # 800 troops deployed in Washington, D.C.
        ("last weekend", "4–5 Oct 2025"),        # protesters arrested in Broadview
        ("This week", "6–12 Oct 2025"),
        ("in recent weeks", UNRESOLVED),
        ("Sept. 30", "Tue 30 Sep 2025"),         # the South Side raid
        ("Oct. 4", "Sat 4 Oct 2025"),            # the Border Patrol shooting
        ("Oct. 4", "Sat 4 Oct 2025"),            # Pritzker's post
        ("last month", "Sep 2025"),
    ],
    # no outlet, Wed 8 Oct 2025
    "001_35557c4c5dbf5703.txt": [
        ("last year", "2024"),                   # Trump's election victory
        ("late Tuesday", "Tue 7 Oct 2025"),      # the Texas soldiers arrived
    ],
    # NBC News, Wed 8 Oct 2025
    "002_85c227fcc5e5a241.txt": [
        ("Wednesday", "Wed 8 Oct 2025"),
        ("Wednesday afternoon", "Wed 8 Oct 2025"),
        ("today", "Wed 8 Oct 2025"),             # inside a quote said that Wednesday afternoon
        ("Monday", "Mon 6 Oct 2025"),            # Illinois sued
        ("Thursday", "Thu 9 Oct 2025"),          # "a hearing ... for Thursday": ahead, not behind
        ("this week", "6–12 Oct 2025"),
        ("Monday", "Mon 6 Oct 2025"),            # Johnson signed his order
        ("Sunday", "Sun 5 Oct 2025"),            # Pritzker on "State of the Union"
        ("In recent days", UNRESOLVED),
        ("Tuesday", "Tue 7 Oct 2025"),
        ("Last month", "Sep 2025"),
        ("days later", UNRESOLVED),              # relative to another event, not to the date
        ("Wednesday", "Wed 8 Oct 2025"),         # Comey arraigned
    ],
    # CNN, Mon 1 Sep 2025 (Labor Day)
    "003_0ddfd030a1922397.txt": [
        ("this week", "1–7 Sep 2025"),
        ("over the weekend", "30–31 Aug 2025"),  # the mayor's order
        ("Sunday", "Sun 31 Aug 2025"),
        ("Sunday", "Sun 31 Aug 2025"),
        ("this Friday", "Fri 5 Sep 2025"),       # "by this Friday": the Friday of that week
        ("Sunday", "Sun 31 Aug 2025"),
        ("Saturday", "Sat 30 Aug 2025"),
        ("Saturday", "Sat 30 Aug 2025"),
        ("past week", "25–31 Aug 2025"),
        ("Monday morning", "Mon 1 Sep 2025"),
        ("Sunday", "Sun 31 Aug 2025"),
        ("Saturday", "Sat 30 Aug 2025"),
        ("last weekend", "23–24 Aug 2025"),      # in Trump's post of Saturday Aug 30, not of Sep 1
        ("the holiday weekend", UNRESOLVED),
        ("Friday", "Fri 29 Aug 2025"),           # "since Friday at 10:32 p.m."
        ("last week", "25–31 Aug 2025"),
        ("this year", "2025"),
    ],
    # no outlet, Sat 30 Aug 2025
    "004_e28152c5ebfe76fb.txt": [
        ("Saturday", "Sat 30 Aug 2025"),         # the publication day itself
        ("August 30", "Sat 30 Aug 2025"),
        ("last weekend", "23–24 Aug 2025"),
    ],
}


@pytest.mark.parametrize("name", sorted(EXPECTED), ids=lambda n: n[:3])
def test_seed_time_expressions(name):
    meta = yaml.safe_load((SEEDS / "articles.yaml").read_text(encoding="utf-8"))[name]
    text = (SEEDS / name).read_text(encoding="utf-8")
    found = find_time_expressions(text, str(meta["published"]))
    assert [(e.phrase, e.label or UNRESOLVED) for e in found] == EXPECTED[name]
    for e in found:
        assert text[e.start:e.end] == e.phrase
        assert e.anchor == dt.date.fromisoformat(str(meta["published"])) or e.rule.endswith("+quote")
        assert (e.confidence == 0) == (not e.resolved)


def test_quoted_phrase_is_resolved_from_when_it_was_said():
    text = ("In a warning on Saturday, Trump told the governor to act.\n"
            "\u201cSix people were killed in Chicago last weekend,\u201d he wrote.")
    e = find_time_expressions(text, "2025-09-01")[-1]
    assert (e.phrase, e.label, e.anchor, e.rule) == ("last weekend", "23–24 Aug 2025", dt.date(2025, 8, 30),
                                                       "last-weekend+quote")
    assert e.confidence <= 0.6


@pytest.mark.parametrize("phrase, published, label", [
    ("on Wednesday", "2025-10-08", "Wed 8 Oct 2025"),        # a weekday on the publication day is that day
    ("next Monday", "2025-10-08", "Mon 13 Oct 2025"),
    ("last Wednesday", "2025-10-08", "Wed 1 Oct 2025"),
    ("yesterday", "2025-10-08", "Tue 7 Oct 2025"),
    ("tomorrow", "2025-10-08", "Thu 9 Oct 2025"),
    ("two days ago", "2025-10-08", "Mon 6 Oct 2025"),
    ("next week", "2025-10-08", "13–19 Oct 2025"),
    ("later this week", "2025-10-08", "9–12 Oct 2025"),
    ("this weekend", "2025-10-08", "11–12 Oct 2025"),
    ("next month", "2025-12-15", "Jan 2026"),
    ("earlier this month", "2025-10-08", "1–7 Oct 2025"),
    ("on Dec. 30", "2026-01-02", "Tue 30 Dec 2025"),          # the year nearest the publication date
    ("by Jan. 5", "2025-12-28", "Mon 5 Jan 2026"),
    ("Oct. 4, 2024", "2025-10-08", "Fri 4 Oct 2024"),         # an explicit year wins
    ("this year", "9999-06-01", "9999"),                      # the calendar's last year, shown without overflow
    ("this month", "9999-12-15", "Dec 9999"),                 # its last month: it has no month after it
    ("last month", "0001-02-10", "Jan 1"),
    ("in October", "2025-10-08", "Oct 2025"),                # a month alone: its days
    ("in January", "2025-10-08", "Jan 2025"),                 # news looks back ten months...
    ("in November", "2025-10-08", "Nov 2025"),                # ...and ahead two
    ("since November", "2025-10-08", "Nov 2024"),             # "since" looks back
    ("until September", "2025-10-08", "Sep 2025"),            # "he served until September"
    ("since early November", "2025-10-08", "1–10 Nov 2024"),  # "since" looks back, the part named too
    ("since Sept. 30", "2025-10-08", "Tue 30 Sep 2025"),      # a month with its day is that day
    ("until Sept. 30, 2024", "2025-10-08", "Mon 30 Sep 2024"),
    ("at the end of August", "2025-10-08", "21–31 Aug 2025"),
    ("in late February", "2024-03-05", "21–29 Feb 2024"),     # a leap year's February
    ("in mid-September", "2025-10-08", "11–20 Sep 2025"),
    ("in early Dec. 2023", "2025-10-08", "1–10 Dec 2023"),
    ("in August last year", "2025-10-08", "Aug 2024"),
    ("last October", "2025-10-08", "Oct 2024"),               # the one before the month it is said in
    ("next March", "2025-10-08", "Mar 2026"),
])
def test_rules(phrase, published, label):
    [e] = find_time_expressions(f"It happened {phrase}.", published)
    assert e.label == label


@pytest.mark.parametrize("sentence, label", [
    ("The Senate will vote on the bill Thursday.", "Thu 9 Oct 2025"),           # what is to come: the coming one
    ("The Senate voted on the bill Thursday.", "Thu 2 Oct 2025"),              # what happened: the last one
    ("The vote will happen Wednesday.", "Wed 8 Oct 2025"),                     # the day it is said
    ("The show is set to air Friday at 9 p.m.", "Fri 10 Oct 2025"),
    ("Payments are expected to resume Monday, officials said.", "Mon 13 Oct 2025"),
    ("He will go to Paris, the White House said Monday.", "Mon 6 Oct 2025"),   # the clause of "said"
    ("Officials said Tuesday they will act.", "Tue 7 Oct 2025"),
    ("\u201cWe will win,\u201d he said Tuesday.", "Tue 7 Oct 2025"),
    ("She will keep her job after a meeting Monday.", "Mon 6 Oct 2025"),       # the meeting's day: past
    ("She will join Congress after she won the special election Tuesday.", "Tue 7 Oct 2025"),
])
def test_a_weekday_in_a_clause_about_what_is_to_come_is_the_coming_one(sentence, label):
    [e] = find_time_expressions(sentence, "2025-10-08")  # a Wednesday
    assert e.label == label


@pytest.mark.parametrize("phrase, published", [
    ("earlier this week", "2025-10-06"),   # said on a Monday: no earlier day that week
    ("on Tuesday", None),                  # no publication date: nothing to resolve against
    ("Oct. 4", None),
    ("the long weekend", "2025-10-08"),
    ("a few days later", "2025-10-08"),
    ("in October", None),
])
def test_unresolvable_phrases_stay_unresolved(phrase, published):
    [e] = find_time_expressions(f"It happened {phrase}.", published)
    assert not e.resolved and e.confidence == 0 and e.label == "" and e.rule == "unresolved"


def test_full_date_resolves_without_a_publication_date():
    [e] = find_time_expressions("On Sept. 30, 2025, agents raided a building.", None)
    assert e.label == "Tue 30 Sep 2025" and e.confidence == 0.99


def test_question_dates_take_only_calendar_dates():
    anchor = dt.date(2025, 10, 8)
    assert [(e.first, e.last) for e in question_dates("What happened on Oct. 4?", anchor)] == [
        (dt.date(2025, 10, 4), dt.date(2025, 10, 4))]
    assert question_dates("What happened last weekend?", anchor) == []
    assert [(e.first, e.last) for e in question_dates("What did he post at the end of August?", anchor)] == [
        (dt.date(2025, 8, 21), dt.date(2025, 8, 31))]  # a month names its days as a calendar date does
    assert [e.phrase for e in find_time_expressions("Theresa May said on March 3 that she may go.", "2025-10-08")] == [
        "March 3"]  # a name and a verb are not months; a month with its day is that day
    assert find_time_expressions("This may be the end: troops march in may.", "2025-10-08") == []
    for text in ("amid August heat", "the late August Wilson", "in August Wilson's play", "in April's report",
                 "in March Madness", "this august body", "Kevin May said"):
        assert find_time_expressions(text, "2025-10-08") == [], text  # names and words, not months
    [e] = find_time_expressions("“We met in October 2024,” she said.", "2025-10-08")
    assert (e.label, e.rule) == ("Oct 2024", "date-month-with-year")  # its year is its own, quoted or not


def test_format_range():
    d = dt.date
    assert format_range(d(2025, 10, 7), d(2025, 10, 7)) == "Tue 7 Oct 2025"
    assert format_range(d(2025, 9, 1), d(2025, 9, 30)) == "Sep 2025"
    assert format_range(d(2025, 8, 30), d(2025, 9, 5)) == "30 Aug – 5 Sep 2025"
    assert format_range(d(2024, 1, 1), d(2024, 12, 31)) == "2024"
    assert format_range(d(9999, 12, 1), d(9999, 12, 31)) == "Dec 9999"  # no day after the calendar's last
    assert format_range(d(9999, 1, 1), d(9999, 12, 31)) == "9999"


@pytest.mark.parametrize("text, phrases", [
    ("It happened \u017fept. 30.", []),                     # long s: no month ("ſept" raised KeyError)
    ("THI\u017f WEEK and \u017fix days ago", []),
    ("la\u017ft Monday", [("Monday", "Mon 6 Oct 2025")]),   # "laſt" is no "last": the weekday alone
    ("ye\u017fterday", []),                                 # not read as "today"
    ("Fr\u0131day", []),                                    # dotless i
    ("On Oct.\u00a04 and this\u2003week", [("Oct.\u00a04", "Sat 4 Oct 2025"), ("this\u2003week", "6–12 Oct 2025")]),
])
def test_only_ascii_letters_spell_the_words_of_a_time_phrase(text, phrases):
    found = find_time_expressions(text, "2025-10-08")
    assert [(e.phrase, e.label) for e in found] == phrases
    assert all(text[e.start:e.end] == e.phrase for e in found)
