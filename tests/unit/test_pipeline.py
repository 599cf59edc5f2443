"""The one answer chain, end to end over fakes: understand -> retrieve -> compose -> verify -> present."""

from __future__ import annotations

from assistant.conversation import Turn
from assistant.pipeline import AnswerChunk
from assistant.prompts import ABSTAIN_NOTHING_TEXT, ABSTAIN_TEXT
from assistant.question import Request
from tests.unit.conftest import COUNCIL, PROTEST

TEXTS = {"council": COUNCIL, "protest": PROTEST}


def test_the_answer_is_the_last_item_of_the_stream(small):
    question = "How many people marched to city hall?"
    streamed = list(small.answer_stream(question))
    plain = small.answer(question)
    assert streamed[-1].to_dict() == plain.to_dict()
    assert "About 300 people marched to city hall" in plain.answer and plain.answer.endswith("[1]")


def test_cited_text_is_the_article_text_at_its_offsets(small):
    answer = small.answer("What did the Springfield council approve?")
    assert not answer.abstained and answer.citations
    for c in answer.citations:
        assert TEXTS[c.location.article_id][c.location.start:c.location.end] == c.text
    assert answer.citations[0].location.article_id == "council"


def test_other_langchain_code_can_invoke_the_chain_with_a_plain_question(small):
    out = small.pipeline.chain.invoke("Who met the marchers at city hall?")
    assert isinstance(out, AnswerChunk) and "Dana Cole" in out.answer.answer
    docs = small.pipeline.retriever.invoke("parking fees protest")
    assert docs[0].metadata["article_id"] == "protest"


def test_articles_are_fetched_once_per_answer(small):
    before = small.store.article_fetches
    small.answer("What did Mayor Ann Lee say about the budget?")
    assert small.store.article_fetches == before + 1


def test_a_question_the_articles_do_not_answer_abstains_with_the_closest_matches(small):
    answer = small.answer("What is the population of Springfield?")
    assert answer.abstained and answer.answer == ABSTAIN_TEXT and not answer.citations
    assert answer.closest and all(TEXTS[c.location.article_id][c.location.start:c.location.end] == c.text
                                  for c in answer.closest)


def test_a_named_day_finds_what_happened_that_day(small):
    answer = small.answer("What happened on Oct. 6?")  # "on Monday" in a story of Wed 8 Oct 2025
    assert "approved the library budget on Monday (Mon 6 Oct 2025)" in answer.answer


def test_the_query_is_understood_once_with_everything_later_stages_need(small):
    query = small.pipeline.understanding(Request("And who opposed it?", (Turn("What did the Springfield council approve?",
                                                                      "The Springfield council approved ..."),)))
    assert query.question == "And who opposed it?" and query.text == "Who opposed it?"
    assert query.searched.startswith("Who opposed it? (about: Springfield")
    assert query.profile.wants == {"person"} and query.vector.shape == query.searched_vector.shape
    two = small.pipeline.understanding.plain("How many people marched, and who met them?")
    assert [p.text for p in two.parts] == ["How many people marched", "who met them?"]
    named = small.pipeline.understanding.plain("How many people marched in Springfield, and who met them?")
    assert [p.text for p in named.parts] == ["How many people marched in Springfield", "Who met them? (about: Springfield)"]
    assert "springfield" in named.parts[1].profile.weights  # the part is answered with the names it carries
    dated = small.pipeline.understanding.plain("What happened on Oct. 6?")
    assert [(str(a), str(b)) for a, b in dated.days] == [("2025-10-06", "2025-10-06")]


def test_a_two_part_question_is_answered_part_by_part(small):
    answer = small.answer("How many people marched to city hall, and what was the council vote?")
    assert "300 people" in answer.answer and "7 to 2" in answer.answer


def test_edges_get_articles_and_health_from_the_assistant(small):
    assert [a["id"] for a in small.articles()] == ["council", "protest"]
    assert small.articles()[0]["title"] == "Council approves library budget"
    health = small.health()
    assert health["status"] == "ok" and health["store"]["articles"] == 2 and health["composer"] == "extractive"


def test_passages_are_widened_to_their_neighbours_with_exact_offsets(corpus, tmp_path):
    from assistant.answer import Assistant
    from assistant.settings import load_settings
    from tests.unit.fakes import HashingEmbedder, MemoryStore

    fine = Assistant(load_settings(data_dir=tmp_path / "d", chunk_target_chars=50, chunk_max_chars=100),
                     store=MemoryStore(), embedder=HashingEmbedder())
    fine.ingest([corpus], progress=False)  # one chunk per paragraph
    found = fine.pipeline.retriever.retrieve(fine.pipeline.understanding.plain("How many people marched to city hall?"), 3)
    assert "About 300 people marched" in found.passages[0].chunk.text
    for p in found.passages:
        article = TEXTS[p.chunk.article_id]
        assert article[p.chunk.start:p.chunk.end] == p.chunk.text
        assert p.match is not None and p.chunk.start <= p.match[0] < p.match[1] <= p.chunk.end
        assert len(p.chunk_ids) >= 2  # the matched chunk and at least one neighbour


def test_a_decline_says_whether_current_passages_were_found_and_which_time_set_the_window(small, corpus):
    import datetime as dt

    # a newer story that does not say how many marched: the week's passages are found, and none answers
    (corpus / "library.txt").write_text("The Springfield library extended its Sunday hours on Monday.\n", encoding="utf-8")
    (corpus / "articles.yaml").write_text(
        (corpus / "articles.yaml").read_text(encoding="utf-8")
        + "library.txt: {outlet: Springfield Times, headline: Library hours, published: '2025-10-27'}\n", encoding="utf-8")
    small.ingest([corpus], progress=False)
    later = small.answer("How many people marched to city hall this week?", as_of=dt.date(2025, 10, 30))
    assert later.abstained and all(p.chunk.article_id != "protest" for p in later.retrieved)
    assert later.retrieved and later.notice == (
        "Asked on 2025-10-30 about \u201cthis week\u201d, only articles published from 2025-10-20 on can report it; "
        "none of the passages found from then answers it, and older ones (the newest from 2025-10-09) were left out.")
    # the phrase named is the one that set the window: "last month" (February), not "this week"
    asked = small.answer("How many people marched to city hall this week, up from last month?", as_of=dt.date(2026, 3, 4))
    assert asked.abstained and asked.notice == (
        "Asked on 2026-03-04 about \u201clast month\u201d, only articles published from 2026-01-25 on can report it; "
        "the passages found about it are older (the newest from 2025-10-27).")


def test_as_of_leaves_out_later_articles_and_anchors_relative_days(small):
    import datetime as dt

    question = "How many people marched to city hall?"
    assert "300 people" in small.answer(question).answer
    # "recently" prefers recent articles but, with none about, answers from the latest there is
    recently = small.answer("How many people recently marched to city hall?", as_of=dt.date(2026, 1, 1))
    assert "300 people" in recently.answer
    before = small.answer(question, as_of=dt.date(2025, 10, 8))  # the protest story is from Oct 9
    assert all(c.location.article_id != "protest" for c in before.citations + before.closest)
    assert all(p.chunk.article_id != "protest" for p in before.retrieved)
    asked = small.pipeline.understanding(Request("What happened this week?", (), dt.date(2025, 10, 8)))
    assert [(str(a), str(b)) for a, b in asked.days] == [("2025-10-06", "2025-10-12")]
    assert small.pipeline.understanding(Request("What happened this week?")).days == []  # no day given: no anchor


def test_this_week_asked_long_after_the_story_is_declined_not_answered_from_it(small):
    import datetime as dt

    question = "How many people marched to city hall this week?"
    # asked the day after the protest story (Oct 9): answered from it
    assert "300 people" in small.answer(question, as_of=dt.date(2025, 10, 10)).answer
    # asked three weeks later, "this week" is another week: that story cannot say what happened then
    later = small.answer(question, as_of=dt.date(2025, 10, 30))
    assert later.abstained and all(p.chunk.article_id != "protest" for p in later.retrieved)
    # and the reader is told why: what was found is older than that week (and no closest passage
    # is promised when there is none)
    assert later.answer == ABSTAIN_NOTHING_TEXT and not later.closest
    assert later.notice == ("Asked on 2025-10-30 about \u201cthis week\u201d, only articles published from "
                            "2025-10-20 on can report it; the passages found about it are older (the newest "
                            "from 2025-10-09).")
    # without "this week" the same day still finds it, as does "this week" with no day given
    assert "300 people" in small.answer("How many people marched to city hall?", as_of=dt.date(2025, 10, 30)).answer
    # naming no time, asked months later, it is about the news of that day, which that story is not
    months = small.answer("How many people marched to city hall?", as_of=dt.date(2026, 3, 1))
    assert months.abstained and "300 people" not in months.answer
    assert months.notice == ("Asked on 2026-03-01, it is about the news of that day: only articles published from "
                             "2025-12-31 on can report it; the passages found about it are older (the newest "
                             "from 2025-10-09).")
    # naming the earlier time (its year), older articles answer it
    assert "300 people" in small.answer("How many people marched to city hall in 2025?", as_of=dt.date(2026, 3, 1)).answer
    assert "300 people" in small.answer(question).answer
    # "recently" prefers recent articles but, with none about, answers from the latest there is
    recently = small.answer("How many people recently marched to city hall?", as_of=dt.date(2026, 1, 1))
    assert "300 people" in recently.answer
