"""The answer's text with a short answer: the short answer's line first, then the sentences."""

from assistant.models import Answer, Citation, Location, ShortAnswer

SENTENCE = "Saudi Arabian officials cracked down on rainbow-colored toys in Riyadh."


def _answer(abstained: bool = False) -> Answer:
    loc = Location("a1", "articles/a1.txt", 0, len(SENTENCE))
    short = ShortAnswer("Saudi Arabia", Location("a1", "articles/a1.txt", 0, 12), 1, of_kind=True)
    return Answer("Which country cracked down on rainbow-colored toys?", f"{short.lead}{SENTENCE} [1]", abstained,
                  [Citation(1, loc, SENTENCE)], short_answer=short)


def test_the_body_is_the_text_after_the_short_answers_line():
    a = _answer()
    assert a.answer == "Saudi Arabia [1]\n\n" + SENTENCE + " [1]"
    assert a.body == SENTENCE + " [1]"


def test_without_a_short_answer_the_body_is_the_whole_text():
    a = _answer()
    a.short_answer = None
    assert a.body == a.answer
    declined = Answer("q", "The articles do not say.", True)
    assert declined.body == declined.answer


def test_a_relative_time_leads_with_the_day_it_means():
    sentence = "The soldiers arrived late Tuesday."
    at = sentence.index("Tuesday")
    short = ShortAnswer("Tuesday", Location("a1", "articles/a1.txt", at, at + 7), 1, of_kind=True, day="Tue 7 Oct 2025")
    a = Answer("When did the soldiers arrive?", f"{short.lead}{sentence} [1]", False,
               [Citation(1, Location("a1", "articles/a1.txt", 0, len(sentence)), sentence)], short_answer=short)
    assert a.answer.startswith("Tuesday (Tue 7 Oct 2025) [1]\n\n") and a.body == sentence + " [1]"
    assert short.to_dict()["day"] == "Tue 7 Oct 2025"
