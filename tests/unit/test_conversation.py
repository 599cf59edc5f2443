"""Follow-up questions made stand-alone (pure rules, no model)."""

import pytest

from assistant.citations import paragraph_context
from assistant.conversation import (
    Turn,
    is_follow_up,
    names,
    parts_stand_alone,
    rewrite,
    rewrites,
    turns_from_messages,
)

ELWOOD = Turn("Who arrived in Elwood and when?",
              "The back-and-forth comes as Texas National Guard troops were seen assembling at the Army "
              "Reserve Training Center in Elwood, a village about 45 miles southwest of Chicago. [1] More. [2]")


def test_names_skip_words_capitalised_by_position():
    assert names("Who ordered the deployment on Oct. 4 over the objections of Illinois Gov. JB Pritzker?") == [
        "Illinois Gov. JB Pritzker"]
    assert names("The White House said") == ["White House"]


@pytest.mark.parametrize("question, expected", [
    ("And who ordered their deployment?", True),
    ("What about Portland?", True),
    ("Was it legal?", True),
    ("Who arrived in Elwood and when?", False),
    ("What did Brandon Johnson say about their plans?", False),  # names its own subject
    ("How many troops were sent?", False),
])
def test_is_follow_up(question, expected):
    assert is_follow_up(question) is expected


def test_follow_up_carries_names_of_previous_turn():
    r = rewrite("And who ordered their deployment?", [ELWOOD])
    assert r.question == "Who ordered their deployment?"
    assert r.context == ("Elwood", "Texas National Guard", "Army Reserve Training Center")
    assert r.searched == "Who ordered their deployment? (about: Elwood; Texas National Guard; Army Reserve Training Center)"


def test_an_answer_led_by_its_short_answer_carries_the_same_names():
    led = Turn("Which state's troops arrived in Elwood?", "Texas [1]\n\n" + ELWOOD.answer)
    r = rewrite("And who ordered their deployment?", [led])
    # "Texas" is inside "Texas National Guard": it takes no place of the three
    assert r.context == ("Elwood", "Texas National Guard", "Army Reserve Training Center")


def test_a_long_history_answer_is_read_without_recursion():
    r = rewrite("And what did they do?", [Turn("Who arrived?", "A [1]\n\n" + "Troops came.\n\n" * 6000)])
    assert r.question == "What did they do?"


def test_standalone_question_is_unchanged_even_with_history():
    assert rewrite("What did Brandon Johnson sign?", [ELWOOD]).searched == "What did Brandon Johnson sign?"
    assert rewrite("And who ordered their deployment?", []).searched == "And who ordered their deployment?"


def test_what_about_asks_the_previous_question_again():
    r = rewrite("What about Washington?", [Turn("Who arrived in Elwood?", ELWOOD.answer)])
    assert r.question == "Who arrived in Washington?"
    assert "Elwood" not in r.context


def test_follow_ups_chain_through_earlier_rewrites():
    second = Turn("And who ordered their deployment?", "Troops arrived after the White House ordered their "
                  "deployment on Oct. 4 over the objections of Illinois Gov. JB Pritzker. [1]")
    done = rewrites([ELWOOD, second])
    assert done[1].question == "Who ordered their deployment?"
    r = rewrite("Was it legal?", [ELWOOD, second])
    assert r.context[:2] == ("White House", "Illinois Gov. JB Pritzker")
    assert "Elwood" in r.context


def test_turns_from_messages_pairs_questions_with_first_answer():
    turns = turns_from_messages([
        {"role": "user", "content": "Q1"}, {"role": "assistant", "content": "A1"},
        {"role": "assistant", "content": "sources"}, {"role": "system", "content": "x"},
        {"role": "user", "content": "Q2"}, {"role": "user", "content": ["not text"]},
    ])
    assert turns == [Turn("Q1", "A1"), Turn("Q2", "")]


def test_paragraph_context_stops_at_line_breaks_and_shortens():
    text = "Title\n\nFirst sentence. Cited one. Last one.\nNext paragraph."
    start = text.index("Cited")
    before, after = paragraph_context(text, start, start + len("Cited one."))
    assert (before, after) == ("First sentence. ", " Last one.")
    long = "word " * 200 + "Cited." + " word" * 200
    before, after = paragraph_context(long, 1000, 1006, max_chars=50)
    assert before.startswith("\u2026") and len(before) <= 52 and after.endswith("\u2026") and len(after) <= 52


def test_a_later_part_that_refers_back_carries_the_names_of_the_part_before():
    parts = ["How many Texas guard soldiers came", "where were they seen gathering?"]
    assert parts_stand_alone(parts) == ["How many Texas guard soldiers came",
                                        "Where were they seen gathering? (about: Texas)"]
    parts = ["What did Trump post about Pritzker at the end of August", "and what did he post about him in October?"]
    assert parts_stand_alone(parts)[1] == "What did he post about him in October? (about: Trump; Pritzker)"


def test_a_part_that_names_its_own_subject_is_left_as_written():
    parts = ["Which judge let the Chicago deployment go ahead", "what did the Oregon judge say about Portland?"]
    assert parts_stand_alone(parts) == parts
    assert parts_stand_alone(["Who arrived in Elwood and when?"]) == ["Who arrived in Elwood and when?"]
    assert parts_stand_alone(["How many people marched", "who met them?"]) == ["How many people marched", "who met them?"]
