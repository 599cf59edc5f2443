"""Who says what (``assistant.attribution``): the speaker a question asks about, and whether a
sentence has that person speaking. Sentences written here."""

import pytest

from assistant.attribution import asked_bearer, asked_speaker, mentions, speaks


@pytest.mark.parametrize("question, speaker", [
    ("What did Muriel Bowser say about the deployment?", "Muriel Bowser"),
    ("What has Trump said about Chicago?", "Trump"),
    ("What did House Speaker Mike Johnson say when asked?", "House Speaker Mike Johnson"),
    ("what did trump say about muriel bowser", "trump"),  # typed in lower case
    ("What does Pritzker think the president is after?", "Pritzker"),
    ("What did Pritzker call the plan?", "Pritzker"),
    ("What did the governor say?", None),  # a role, not a name
    ("What did his office say?", None),
    ("What did Johnson's executive order say about masks?", None),  # an order's words, not a person's
    ("How did Pritzker respond to the threat?", None),  # a response may be a deed
    ("Who won the race in Montana?", None),
])
def test_the_speaker_a_question_asks_the_words_of(question, speaker):
    assert asked_speaker(question) == speaker


@pytest.mark.parametrize("sentence", [
    "Bowser said the city would not cooperate.",
    "Mayor Muriel Bowser, a Democrat, told reporters the troops were not needed.",
    "Bowser on Sunday said the troops were not needed.",
    "\u201cWe do not need them,\u201d said Mayor Bowser.",
    "The troops are not needed, according to Mayor Bowser.",
    "\u201cWe do not need them,\u201d Mayor Muriel Bowser said on Sunday.",
    "Bowser pointed to falling crime on Sunday in a dig at the president, saying the city \u201cis safer than ever.\u201d",
    "Bowser echoed that message during a visit to the harbour: \u201cWe are safe.\u201d",
    "Bowser's office said the mayor had not been consulted.",
    "Bowzer said the city would not cooperate.",  # a letter typed wrong
])
def test_a_sentence_with_the_person_speaking(sentence):
    assert speaks(sentence, "Muriel Bowser")


@pytest.mark.parametrize("sentence", [
    "Trump said Mayor Muriel Bowser's statements were positive.",  # someone else speaks about her
    "Trump said Bowser should be in jail.",
    "The troops were sent over Mayor Muriel Bowser\u2019s objections.",
    "Bowser met the president on Monday.",
    "The city council, not Mayor Bowser, will vote on the plan next week.",
])
def test_a_sentence_that_only_speaks_of_the_person(sentence):
    assert not speaks(sentence, "Muriel Bowser")


@pytest.mark.parametrize("question, bearer", [
    ("how old is pritzker", "pritzker"),
    ("How old is Mack Rutherford?", "Mack Rutherford"),
    ("How old is Trump according to the articles?", "Trump"),
    ("How old will Biden be at the end of his term?", "Biden"),
    ("Where was JB Pritzker born?", "JB Pritzker"),
    ("In which city was Taylor Swift born?", "Taylor Swift"),
    ("How old is he?", None),
    ("How old is the teenager?", None),
    ("How old is the bridge?", None),
    ("How many troops arrived?", None),
])
def test_the_person_a_question_asks_the_age_of(question, bearer):
    assert asked_bearer(question) == bearer


def test_a_passage_names_a_person_by_the_last_word_of_the_name():
    assert mentions("Illinois governor JB Pritzker has become a critic.", "Gov. JB Pritzker")
    assert mentions("Pritzker's office declined to comment.", "pritzker")
    assert not mentions("with the 79-year-old signaling that his administration is ready", "Pritzker")
