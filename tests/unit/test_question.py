import re

import pytest

from assistant.answer_types import answer_type_score
from assistant.errors import QuestionError
from assistant.question import profile_question, sub_questions, validate_question
from assistant.verification import facts, supports
from vectorstore.copies import near_duplicate
from vectorstore.terms import terms, words


def flat_idf(term):
    return 1.0


def test_question_kinds():
    assert profile_question("Who arrived in Elwood and when?", flat_idf).wants == {"person", "time"}
    assert profile_question("On which day did Illinois sue?", flat_idf).wants == {"time"}
    assert profile_question("How old is Trump?", flat_idf).wants == {"number"}
    # "when" as a conjunction does not ask for a time
    assert "time" not in profile_question("What did he say when asked about it?", flat_idf).wants


def test_question_terms_skip_question_words_and_meta_words():
    p = profile_question("How old is Trump according to the articles?", flat_idf)
    assert set(p.weights) == {"old", "trump"}
    # "going on" asks what happened; the news says it in its own words
    assert profile_question("What has been going on in Logan Square?", flat_idf).terms == ["logan", "squar"]
    assert "go" in profile_question("Where will the troops go on Monday?", flat_idf).terms


def test_sub_questions_split_only_real_parts():
    assert sub_questions("Who arrived in Elwood and when?") == ["Who arrived in Elwood and when?"]
    assert sub_questions("How did Johnson respond, and what did the troops do?") == [
        "How did Johnson respond", "what did the troops do?"]


def test_terms_normalise_hyphens_possessives_and_stems():
    assert terms("the 79-year-old's") == ["79", "year", "old"]
    assert terms("sued") == terms("sue")


def test_words_join_abbreviations_drop_possessives_and_split_compounds():
    assert words("The U.S. 79-year-old Trump’s rock ’n’ roll, e-mail's; it's") == [
        "the", "us", "79", "year", "old", "trump", "rock", "n", "roll", "e", "mail", "it"]
    assert words("x's's") == ["xs"] and words("--- ...") == [] and words("") == []


def test_supports_rejects_a_wrong_date_and_unrelated_claims():
    passage = "Troops arrived after the White House ordered their deployment on Oct. 4."
    assert supports("The White House ordered the deployment on Oct. 4.", passage)[0]
    ok, why = supports("The White House ordered the deployment on Oct. 5.", passage)
    assert not ok and "oct. 5" in why.lower()
    assert not supports("Pritzker visited El Salvador.", passage)[0]
    assert "oct. 4" in facts(passage)


def test_near_duplicates():
    a = "“Chicago Mayor should be in jail for failing to protect Ice Officers! Governor Pritzker also!” Trump posted."
    b = "\"Chicago Mayor should be in jail for failing to protect Ice Officers! Governor Pritzker also!\" Trump wrote on Wednesday."
    assert near_duplicate(a, b)
    assert not near_duplicate(a, "Governor Pritzker said he would not back down.")


def test_what_did_someone_say_wants_their_quoted_words():
    p = profile_question("What did House Speaker Mike Johnson say when asked about it?", flat_idf)
    assert p.wants == {"quote"}
    quoted = "\u201cShould they be in prison?\u201d Johnson responded."
    reported = "Johnson did not say whether he believed they should be jailed."
    someone_else = "\u201cThey should be in jail,\u201d Trump posted."
    only_inside = "Trump posted: \u201cJohnson should be in jail.\u201d"
    assert answer_type_score(p, quoted) == (1.0, {"quote"})
    assert answer_type_score(p, reported)[0] == 0.0
    assert answer_type_score(p, someone_else)[0] == 0.0
    assert answer_type_score(p, only_inside)[0] == 0.0  # the name must stand outside the quotation
    named_not_speaking = "Trump said in a post that Chicago Mayor Brandon Johnson \u201cshould be in jail.\u201d"
    assert answer_type_score(p, named_not_speaking)[0] == 0.0  # named, but not the one speaking
    assert "quote" in profile_question("How did Pritzker respond?", flat_idf).wants
    assert "quote" not in profile_question("Who said it was a war zone?", flat_idf).wants


@pytest.mark.parametrize("bad, says", [
    ("Who \ud800 arrived?", "not text (U+D800)"),       # a lone surrogate
    ("Who\x00 arrived?", "not text (U+0000)"),           # NUL
    ("Who \x1b[31marrived?", "not text (U+001B)"),       # a control character
    ("\u200b\u200b\u200b", "no letters or digits"),     # zero-width spaces only
    ("   ", "empty"),
    ("x" * 501, "limit is 500"),
])
def test_questions_that_are_not_readable_text_are_refused_with_a_reason(bad, says):
    with pytest.raises(QuestionError, match=re.escape(says)):
        validate_question(bad, 500)


def test_ordinary_questions_pass_unchanged():
    assert validate_question("  Who arrived in Elwood\tand when?\n", 500) == "Who arrived in Elwood\tand when?"
    assert validate_question("新闻里说了什么?", 500) == "新闻里说了什么?"


def test_a_question_about_this_week_can_only_be_answered_from_articles_of_about_then():
    import datetime as dt

    from assistant.question import (
        CURRENT_DAYS,
        RECENT_DAYS,
        REPORT_LEAD_DAYS,
        Recency,
        question_dates,
        recency,
    )

    thursday = dt.date(2022, 6, 16)

    def limit(q, as_of=thursday):
        return recency(q, question_dates(q, thursday, as_of), as_of)

    lead = dt.timedelta(days=REPORT_LEAD_DAYS)
    # "this week" is Mon 13 - Sun 19 June: reports from a week before it on, strictly
    assert limit("Which park flooded this week?") == Recency(dt.date(2022, 6, 13) - lead)
    assert limit("Who resigned yesterday?") == Recency(dt.date(2022, 6, 15) - lead)
    assert limit("What did Biden announce on Monday?") == Recency(dt.date(2022, 6, 13) - lead)
    # "recently", "the latest": recent reports preferred, older ones when there are none
    assert limit("Which show was recently renewed?") == Recency(thursday - dt.timedelta(days=RECENT_DAYS), strict=False)
    # naming no time, or a time still ahead (announced in the news of the day asked): the news of
    # that day, strictly from the CURRENT_DAYS before it
    news_then = Recency(thursday - dt.timedelta(days=CURRENT_DAYS), named=False)
    assert limit("Which team won the Stanley Cup?") == news_then
    assert limit("Which singer starts a residency next month?") == news_then
    assert limit("What happened on June 10?") == news_then
    # an earlier time named: older articles report it
    assert limit("What happened on June 1, 2015?") is None
    assert limit("Who won the Stanley Cup in 2019?") is None
    # not told the day it is asked: no limit (a reader's "this week" has nothing to anchor to)
    assert limit("Which park flooded this week?", as_of=None) is None


@pytest.mark.parametrize("question, expected", [
    ("The Bank of Ostland raised its interest rate to the highest level in how many years?", ["bank", "ostland"]),
    ("Which champion will retire after the US Open?", ["us", "open"]),  # a place inside a name stays
    ("Who arrived in Elwood on Tuesday?", ["elwood"]),  # a weekday is no subject
    ("Netflix lost how many subscribers?", []),  # a sentence's first word is capitalised anyway
    ("Temperatures in Britain soared. What is the hottest UK temperature on record?", []),  # places
    ("Another American town is reeling. Which Japanese island erupted?", []),  # and their peoples
    ("How much is Britain's obesity costing, and where was 40.3C recorded?", []),  # a unit is no name
    ("Bank of Ostland raised its rate to the highest in how many years?", ["ostland"]),
    ("Who directed \u201cKillers of the Flower Moon\u201d?", ["killer", "flower", "moon"]),
    ("Who won Tuesday\u2019s vote in Elwood on June 30?", ["elwood"]),
    ("What did Theresa May say about March Madness?", ["theresa", "may", "march", "mad"]),
])
def test_the_subjects_of_a_question_are_its_names_but_places_and_times(question, expected):
    from assistant.question import subjects
    assert subjects(question) == expected


def test_an_answers_articles_must_name_half_of_what_the_question_is_about():
    from assistant.question import covers_subjects
    from vectorstore.terms import terms
    inflation = set(terms("US consumer prices rose 8.6% in May, the highest level in more than 40 years."))
    assert not covers_subjects(["bank", "ostland"], inflation)
    assert covers_subjects(["bank", "ostland"], inflation | {"ostland"})  # half is enough
    assert covers_subjects([], inflation)  # a question naming nothing is not checked
    assert covers_subjects(["japan"], set(terms("One of Japanese volcanoes erupted.")))  # "japan" opens "japanes"
