"""Suggested questions: the rules that make them, the check that keeps them, follow-ups (no model)."""

from __future__ import annotations

from assistant.models import Answer, Citation, Location
from assistant.suggestions import Suggestions, build, candidates
from vectorstore.models import Article

TEXT = ("The back-and-forth comes as Texas National Guard troops were seen assembling at the Army Reserve "
        "Training Center in Elwood, a village about 45 miles southwest of Chicago.\n\n"
        "There has been especially strong pushback in Chicago, where 200 national guard soldiers sent from Texas "
        "arrived late Tuesday.\n\n"
        "\u201cThis is an invasion,\u201d Brandon Johnson said on Monday.")


def article(aid: str = "a1", published: str = "2025-10-08", text: str = TEXT) -> Article:
    return Article(id=aid, source=f"{aid}.txt", text=text, title="Troops", published=published)


def answer_citing(question: str, article_id: str | None) -> Answer:
    if article_id is None:
        return Answer(question=question, answer="The articles do not say.", abstained=True)
    loc = Location(article_id=article_id, source=f"{article_id}.txt", start=0, end=5)
    return Answer(question=question, answer="Texas [1]", abstained=False,
                  citations=[Citation(n=1, location=loc, text="Texas")])


def test_candidates_come_from_the_sentences_by_rule():
    made = candidates(article())
    assert "How many national guard soldiers sent from Texas arrived late Tuesday?" in made
    assert "What did Brandon Johnson say?" in made
    assert "What happened in Elwood?" in made
    assert "Who is Brandon Johnson?" in made
    assert made.index("How many national guard soldiers sent from Texas arrived late Tuesday?") == 0
    assert not [q for q in made if "Monday" in q or q.startswith("What happened in The")]


def test_only_questions_answered_from_their_article_are_kept():
    asked = []

    def pipeline(question: str) -> Answer:
        asked.append(question)
        if question.startswith("How many"):
            return answer_citing(question, None)  # abstains: never suggested
        if question.startswith("What happened"):
            return answer_citing(question, "other")  # answered from another article: not about this one
        return answer_citing(question, "a1")

    made = build([article("a1"), article("old", "2020-01-01")], pipeline, newest=1)
    assert made.by_article == {"a1": ["What did Brandon Johnson say?", "Who is Brandon Johnson?"]}
    assert made.suggested == ["What did Brandon Johnson say?"]  # near-duplicates are not suggested twice
    assert not any(q.startswith("How many") for q in made.suggested)
    assert asked == candidates(article("a1"))  # only the newest article's questions were checked


def test_suggested_round_robin_over_the_newest_articles():
    def pipeline(question: str) -> Answer:
        return answer_citing(question, "b" if "Pritzker" in question else "a")

    a = article("a", "2025-10-08")
    b = article("b", "2025-10-09", "\u201cCome and get me,\u201d JB Pritzker said. Pritzker spoke in Springfield.")
    made = build([a, b], pipeline)
    assert made.suggested[0] == "What did JB Pritzker say?"  # the newest article first
    assert made.suggested[1].startswith("How many")  # then the next article's first question


def test_follow_ups_come_from_the_cited_articles_without_the_question_asked(tmp_path):
    s = Suggestions(["Q1?"], {"a": ["Who is Brandon Johnson?", "What happened in Elwood?", "Where is Elwood?"],
                              "b": ["What did JB Pritzker say?"]})
    asked = answer_citing("Who is Brandon Johnson?", "a")
    assert s.follow_ups(asked) == ["What happened in Elwood?", "Where is Elwood?"]
    assert s.follow_ups(answer_citing("Where?", None)) == []
    s.save(tmp_path / "s.json")
    assert Suggestions.load(tmp_path / "s.json").by_article == s.by_article
    assert Suggestions.load(tmp_path / "missing.json").suggested == []
