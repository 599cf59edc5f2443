"""The failure kinds a judge is meant to remove, end to end with today's default (no judge has yet
beaten the hand-set support and the fitted ranker: docs/judge.md): a store of articles written here
(none from any benchmark), the real embedding model, the real pipeline. A kind the assistant still
gets wrong is an expected failure with its reason; the test turns into a failure when it is fixed,
so that its mark is removed. And a judge file named by ``ASSISTANT_JUDGE`` is the one the answers use."""

from __future__ import annotations

import json

import numpy as np
import pytest
import yaml

from assistant.answer import Assistant
from assistant.judge import TREE_FEATURES, TreeJudge, trees_to_dict
from assistant.settings import load_settings
from tests.conftest import run_cli
from vectorstore.store import ChromaStore

pytestmark = pytest.mark.integration

ARTICLES = {
    "montana.txt": ("Montana voters choose a governor", "2025-11-04",
                    "Voters in Montana went to the polls on Tuesday to choose a new governor.\n"
                    "Polls had shown Sarah Klein with a narrow lead heading into the vote.\n"
                    "Klein, a former teacher, campaigned on school funding and lower property taxes.\n"
                    "Election officials said results were not expected until Wednesday."),
    "arkon.txt": ("Northwind to buy chip maker Arkon", "2025-11-03",
                  "Northwind Corp. agreed on Monday to buy the chip maker Arkon for $4 billion.\n"
                  "Shares of the chip maker Arkon rose 8% on news of the deal.\n"
                  "Arkon employs about 3,000 people at two plants in Oregon.\n"
                  "Analysts said regulators would review the purchase next year."),
    "flood.txt": ("Flooding hits the valley", "2025-11-02",
                  "Heavy rain caused flooding across the Clearwater valley on Saturday.\n"
                  "The floods killed 14 people, officials said on Sunday.\n"
                  "Rescue teams searched for residents still missing after the flooding.\n"
                  "The governor declared a state of emergency for three counties."),
    "prices.txt": ("Prices climb again", "2025-11-04",
                   "Consumer prices rose 8.6% in October, the highest level in more than 40 years, the statistics office said.\n"
                   "Food and fuel led the increase.\n"
                   "Economists expect prices to ease next spring."),
    "ostland.txt": ("A new branch for the Bank of Ostland", "2025-11-03",
                    "The Bank of Ostland opened a new branch in the harbour district on Monday.\n"
                    "The branch will employ 40 people.\n"
                    "Its chairman cut the ribbon beside the Lantern Market."),
    "stadium.txt": ("Council splits over stadium plan", "2025-11-05",
                    "Governor Alan Reyes said Mayor Dana Whitfield's stadium plan was reckless and would leave "
                    "taxpayers with the bill.\n"
                    "The stadium would cost $900 million and seat 40,000 fans.\n"
                    "Council member Tom Okafor told reporters the stadium would bring thousands of jobs to the city.\n"
                    "Okafor, 44, was elected to the council last year."),
    "rescue.txt": ("Woman pulled from burning car", "2025-11-06",
                   "Firefighters rescued a woman from a burning car on the Harbour Bridge on Friday, the Ostland "
                   "Gazette reported.\n"
                   "The woman was taken to hospital with minor burns.\n"
                   "Fire chief Maria Santos said the crew reached the car within four minutes."),
    "cup.txt": ("Six countries to share the Harbour Cup", "2025-11-05",
                "The 2030 Harbour Cup will feature games in six countries on three continents.\n"
                "The opening games will be played in Ostland and Marovia.\n"
                "Organisers said tickets go on sale next year."),
    "summit.txt": ("Climate summit opens", "2025-11-05",
                   "Leaders from 40 nations gathered in Brazil this week for the climate summit.\n"
                   "The talks focused on protecting tropical forests and on money for poorer countries.\n"
                   "Several leaders arrived late because of a storm over the Atlantic."),
}


# Stories set in named places, in a store of their own (another article changes every word's weight).
PLACED = {
    "heat.txt": ("Heat records fall in Montana", "2025-07-11",
                 "Billings will approach record temperatures in the upper 90s on Friday, the weather service said.\n"
                 "The hottest temperature on record in Billings is 108 degrees, set in 1893.\n"
                 "Cooling centres will stay open across Montana through the weekend."),
    "trade.txt": ("Trade pact signed", "2025-07-10",
                  "Britain and Marovia signed a trade pact on Tuesday, weeks after their talks with the US stalled.\n"
                  "The pact takes effect in January."),
    "prices.txt": ARTICLES["prices.txt"],
    "retire.txt": ("Senator to step down", "2025-11-04",
                   "Senator Ruth Calder said on Monday that she will not run for reelection next year.\n"
                   "The former Easton mayor has held the seat since 1998.\n"
                   "Her decision opens a race that has drawn no challenger in decades."),
    "show.txt": ("A second season", "2025-11-03",
                 "“Harbour Lights” is officially coming back.\n"
                 "Streamwave announced on Sunday that the wildly popular drama show is green lit for a second season.\n"
                 "Filming starts in the spring."),
}


def _write(root, articles):
    folder = root / "articles"
    folder.mkdir()
    meta = {}
    for name, (title, day, text) in articles.items():
        (folder / name).write_text(text + "\n", encoding="utf-8")
        meta[name] = {"headline": title, "outlet": "Test Herald", "published": day}
    (folder / "articles.yaml").write_text(yaml.safe_dump(meta), encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return _write(tmp_path_factory.mktemp("judge"), ARTICLES)


@pytest.fixture(scope="module")
def placed(tmp_path_factory, embedder):
    root = _write(tmp_path_factory.mktemp("placed"), PLACED)
    settings = load_settings(data_dir=root / "data")
    assistant = Assistant(settings, store=ChromaStore(settings.chroma_path), embedder=embedder)
    report = assistant.ingest([root / "articles"])
    assert len(report.ingested) == len(PLACED), report.skipped
    return assistant


@pytest.fixture(scope="module")
def judged(corpus, embedder):
    settings = load_settings(data_dir=corpus / "data")
    assistant = Assistant(settings, store=ChromaStore(settings.chroma_path), embedder=embedder)
    report = assistant.ingest([corpus / "articles"])
    assert len(report.ingested) == len(ARTICLES), report.skipped
    assert assistant.pipeline.extractive.judge is None  # the default
    return assistant


def test_a_judge_file_named_in_the_settings_orders_the_candidates(judged, corpus, tmp_path):
    from sklearn.ensemble import HistGradientBoostingClassifier

    # a small tree judge that prefers sentences holding the kind of answer asked for
    rng = np.random.default_rng(0)
    x = rng.random((400, len(TREE_FEATURES)))
    y = (x[:, TREE_FEATURES.index("holds")] > 0.5).astype(int)
    path = tmp_path / "judge.json"
    path.write_text(json.dumps(trees_to_dict(HistGradientBoostingClassifier(max_iter=10).fit(x, y), 0.3)))
    settings = load_settings(data_dir=corpus / "data", judge=str(path))
    assistant = Assistant(settings, store=ChromaStore(settings.chroma_path), embedder=judged.embedder)
    assert isinstance(assistant.pipeline.extractive.judge, TreeJudge)
    answer = assistant.answer("Which company agreed to buy the chip maker Arkon?")
    assert not answer.abstained and answer.citations[0].text.startswith("Northwind Corp. agreed")
    found = assistant.pipeline.retrieve(assistant.pipeline.understand("Which company agreed to buy Arkon?"))
    assert all("judge" in c.features for c in assistant.pipeline.extractive.candidates(found))


def test_an_outcome_the_articles_never_report_is_declined(judged):
    # failure kind 1: a prediction ("had shown ... a narrow lead") where a result is asked
    answer = judged.answer("Who won the governor's race in Montana?")
    assert answer.abstained, answer.answer


def test_a_figure_from_a_story_about_something_else_is_declined(judged):
    # failure kind 1: a related number from another story ("the highest level in 40 years" is the
    # statistics office's; the only article that names the Bank of Ostland is about a new branch)
    answer = judged.answer("The Bank of Ostland says consumer prices rose to the highest level in how many years?")
    assert answer.abstained, answer.answer
    assert "do not name Bank of Ostland" in answer.notice and answer.closest
    # the same figure asked about what its article reports is answered
    answer = judged.answer("Consumer prices rose to the highest level in how many years?")
    assert not answer.abstained and "40 years" in answer.answer, answer.answer


def test_an_event_named_only_in_part_is_not_named(judged):
    # failure kind 1: the "Cup" of another event is not the event asked about, whose name the
    # answer's articles never write in full (another article has "Lantern")
    answer = judged.answer("Which countries will host the opening games of the 2030 Lantern Cup?")
    assert answer.abstained, answer.answer
    assert "do not name Lantern Cup" in answer.notice
    answer = judged.answer("Which countries will host the opening games of the 2030 Harbour Cup?")
    assert not answer.abstained and "Ostland and Marovia" in answer.answer, answer.answer


def test_a_record_from_a_story_set_in_another_country_is_declined(placed):
    # failure kind 1: a record asked of Britain answered from an article that places its story in
    # Montana (a US state and city) and never names Britain, its towns or its people
    answer = placed.answer("What is the hottest temperature on record in Britain?")
    assert answer.abstained, answer.answer
    assert "do not name Britain" in answer.notice and answer.closest
    answer = placed.answer("What is the hottest temperature on record in Billings?")  # the same, asked of Billings
    assert not answer.abstained and not answer.notice and "Billings" in answer.answer, answer.answer
    # an article that names no place at all is not placed elsewhere (a newsroom seldom names its own country)
    answer = placed.answer("Consumer prices in the US rose by how much in October?")
    assert not answer.abstained and "8.6%" in answer.answer, answer.answer


def test_a_lead_that_restates_the_news_is_followed_by_the_sentence_that_answers(placed):
    # failure kind 2: the sentence that best matches the question only restates its news ("will not
    # run for reelection"); the year asked for is in the sentence right after it
    answer = placed.answer("Senator Ruth Calder will not run for reelection. Since what year has she held her seat?")
    assert not answer.abstained, answer.answer
    assert answer.short_answer is not None and answer.short_answer.text == "1998", answer.answer
    assert [c.text[:20] for c in answer.citations] == ["Senator Ruth Calder ", "The former Easton ma"], answer.answer


def test_a_lead_that_refers_back_is_preceded_by_the_sentence_that_names_it(placed):
    # failure kind 2, the other way round: the best match says "the wildly popular drama show"; the
    # sentence before it names the show
    answer = placed.answer("Which wildly popular show was green lit for a second season?")
    assert not answer.abstained, answer.answer
    assert answer.short_answer is not None and answer.short_answer.text == "Harbour Lights", answer.answer


def test_words_asked_of_someone_who_is_only_spoken_about_are_declined(judged):
    # failure kind 1: "What did X say?" answered with a sentence in which someone else speaks about X
    answer = judged.answer("What did Dana Whitfield say about the stadium plan?")
    assert answer.abstained, answer.answer
    assert answer.notice == "None of the passages found reports Dana Whitfield saying this." and answer.closest
    # the same question asked of someone the articles have speaking is answered with their words
    answer = judged.answer("What did Tom Okafor say about the stadium?")
    assert not answer.abstained and answer.citations[0].text.startswith("Council member Tom Okafor told"), answer.answer
    answer = judged.answer("What did Governor Reyes say about the stadium plan?")
    assert not answer.abstained and answer.citations[0].text.startswith("Governor Alan Reyes said"), answer.answer


def test_an_age_from_a_passage_about_someone_else_is_declined(judged):
    # failure kind 1: "How old is X?" answered with another person's age ("Okafor, 44,")
    answer = judged.answer("How old is Dana Whitfield?")
    assert answer.abstained, answer.answer
    answer = judged.answer("How old is Tom Okafor?")
    assert not answer.abstained and answer.short_answer is not None and answer.short_answer.text == "44", answer.answer


def test_a_name_asked_for_is_not_answered_with_a_passage_that_names_no_one(judged):
    # failure kind 1: "What is the name of the woman...?" answered with a newspaper's name
    answer = judged.answer("What is the name of the woman rescued from the burning car?")
    assert answer.abstained, answer.answer
    answer = judged.answer("What is the name of the fire chief?")
    assert not answer.abstained and answer.short_answer is not None and answer.short_answer.text == "Maria Santos", \
        answer.answer


def test_the_sentence_that_answers_leads_over_a_similar_one(judged):
    # failure kind 2: the answering sentence retrieved, a similar one ("Shares of the chip maker...") chosen
    answer = judged.answer("Which company agreed to buy the chip maker Arkon?")
    assert not answer.abstained
    assert answer.citations[0].text.startswith("Northwind Corp. agreed"), answer.answer


def test_a_sentence_that_answers_is_not_declined(judged):
    # failure kind 3: a right answer declined because its support looked like an unanswerable one's
    answer = judged.answer("Which country hosted the climate summit this week?")
    assert not answer.abstained and "Brazil" in answer.answer


@pytest.mark.xfail(strict=True, reason="failure kind 4 remains: 'How many people died' is declined although "
                   "'The floods killed 14 people' is in the articles (docs/judge.md)")
def test_an_answer_in_other_words_than_the_question_is_found(judged):
    # failure kind 4: a paraphrase ("killed" for "died")
    answer = judged.answer("How many people died in the flooding?")
    assert not answer.abstained and "killed 14 people" in answer.answer, answer.answer


def test_a_missing_or_broken_judge_file_is_one_line_with_what_to_do(corpus, tmp_path):
    (tmp_path / "broken.json").write_text("{not json", encoding="utf-8")
    for path, says in ((tmp_path / "missing.json", "no judge file"), (tmp_path / "broken.json", "cannot be read")):
        run = run_cli("ask", "Which company agreed to buy Arkon?",
                      env={"ASSISTANT_DATA_DIR": str(corpus / "data"), "ASSISTANT_JUDGE": str(path)})
        assert run.returncode == 2, run.stderr
        assert says in run.stderr and "make train-judge" in run.stderr and "ASSISTANT_JUDGE=off" in run.stderr
        assert "Traceback" not in run.stderr


def test_the_second_look_answers_what_the_support_declines_when_every_word_is_in_the_articles(placed, embedder):
    question = "Which season is the show coming back for?"  # "... green lit for a second season."
    answer = placed.answer(question)
    assert answer.support < placed.pipeline.extractive.abstain_threshold  # the support alone declines it
    assert not answer.abstained and "second season" in answer.answer
    assert answer.short_answer is None  # below the threshold: no bold answer
    for c in answer.citations:  # each citation is the article's text at its offsets
        assert placed.store.article(c.location.article_id).text[c.location.start:c.location.end] == c.text
    # a word no article uses ("television") keeps the support's decline
    assert placed.answer("Which season is the show coming back for on television?").abstained
    off = Assistant(placed.settings.model_copy(update={"second_look": False}), store=placed.store, embedder=embedder)
    assert off.answer(question).abstained
