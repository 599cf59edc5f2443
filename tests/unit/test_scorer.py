"""The sentence scorer: the shipped files load, the hand-set score is the documented formula,
and fitting is deterministic with cross-validated figures saved beside the coefficients."""

from __future__ import annotations

import json

import pytest

from assistant.answer import Assistant
from assistant.evaluation import Case
from assistant.scorer import FEATURES, SentenceScorer, hand_set, load_scorer
from assistant.settings import load_settings
from assistant.training import collect, holds, save, train


def values(**given):
    return {f: given.get(f, 0.0) for f in FEATURES}


def test_the_default_scorer_is_the_hand_set_formula():
    scorer = load_scorer()
    assert scorer.link == "linear" and scorer.threshold == 0.45
    v = values(dense=0.6, lexical=0.5, answer_type=1.0, position=0.3)
    assert scorer.probability(v) == pytest.approx(0.45 * 0.6 + 0.40 * 0.5 + 0.15 * 1.0)
    assert scorer.probability({**v, "missing_names": 1.0}) < scorer.threshold  # a name the articles lack
    assert scorer.probability({**v, "unknown_majority": 1.0}) < scorer.threshold
    assert scorer.to_dict()["coefficients"] == hand_set().to_dict()["coefficients"]


def test_the_default_ranker_ships_with_its_cross_validated_figures():
    scorer = load_scorer()
    assert scorer.ranker and len(scorer.ranker["coefficients"]) == len(FEATURES)
    report = scorer.report
    assert report["folds"] >= 5 and set(report["cross_validated"]) == set(report["hand_set_on_the_same_questions"])
    # the order is the ranker's: a sentence holding the agreed answer span outranks one that does not
    plain = values(dense=0.6, lexical=0.5)
    assert scorer.rank({**plain, "answer_votes": 1.0}) > scorer.rank(plain)


def test_without_a_ranker_the_order_is_the_score():
    scorer = hand_set()
    v = values(dense=0.6, lexical=0.5, answer_type=1.0)
    assert scorer.ranker is None and scorer.rank(v) == scorer.probability(v)


def test_a_ranker_of_the_wrong_size_is_refused(tmp_path):
    data = load_scorer().to_dict()
    data["ranker"]["coefficients"] = data["ranker"]["coefficients"][:-1]
    (tmp_path / "s.json").write_text(json.dumps(data))
    with pytest.raises(ValueError, match="refit it"):
        load_scorer(tmp_path / "s.json")


def test_a_scorer_fitted_on_other_features_is_refused(tmp_path):
    data = hand_set().to_dict()
    data["features"] = data["features"][:-1]
    (tmp_path / "s.json").write_text(json.dumps(data))
    with pytest.raises(ValueError, match="refit it"):
        load_scorer(tmp_path / "s.json")


def test_fitting_is_deterministic_and_saves_what_it_was_checked_on(small, tmp_path):
    small.pipeline.extractive.scorer = SentenceScorer.neutral()  # features do not depend on the scorer
    cases = [Case("march", "How many people marched to city hall?", [["300 people"]], abstain=False),
             Case("vote", "What was the council vote?", [["7 to 2"]], abstain=False),
             Case("met", "Who met the marchers at city hall?", [["Dana Cole"]], abstain=False),
             Case("budget", "What does the budget add?", [["two librarians"]], abstain=False),
             Case("moon", "How far away is the Moon?", abstain=True),
             Case("pizza", "Which pizza won the contest?", abstain=True)]
    questions = collect(small, cases, "small")
    assert [q.id for q in questions] == [c.id for c in cases]
    assert all(q.labels.sum() >= 1 for q in questions if q.answerable)
    assert all(q.labels.sum() == 0 for q in questions if not q.answerable)
    first, second = train(questions, k=2), train(questions, k=2)
    assert first.to_dict() == second.to_dict()
    assert set(first.report["cross_validated"]["small"]) >= {"hit", "false_abstain", "abstain_correct", "first"}
    assert first.ranker and first.threshold == hand_set().threshold  # whether to answer stays hand-set
    save(first, tmp_path / "s.json")
    assert load_scorer(tmp_path / "s.json").to_dict() == first.to_dict()


def test_expected_phrases_are_matched_as_whole_words_without_case_or_punctuation():
    assert holds("The “Tony Awards” were handed out.", "tony awards")
    assert not holds("Antony Awardson spoke.", "tony award")


def test_the_answer_leads_with_the_rankers_first_among_well_supported_sentences():
    from assistant.composers.extractive import lead
    # the ranker prefers sentence 0, but its support (0.2) is far below the best (0.6): never shown first
    assert lead(order=[3.0, 1.0, 2.0], support=[0.2, 0.6, 0.5]) == 2
    assert lead(order=[3.0, 1.0, 2.0], support=[0.5, 0.6, 0.5]) == 0
    # a day question leads only with a sentence placed on the day; none: no answer
    assert lead([3.0, 1.0], [0.6, 0.6], eligible=[False, True]) == 1
    assert lead([3.0, 1.0], [0.6, 0.6], eligible=[False, False]) is None
    assert lead([], []) is None


def test_a_news_week_stays_in_one_fold(monkeypatch):
    import numpy as np

    from assistant import training

    assert training.week("20231006_10") == "20231006" and training.week("elwood-who") == "elwood-who"
    qs = [training.Question("rtqa", f"2023100{d}_{n}", True, np.zeros((2, len(training.FEATURES))), np.array([1, 0]))
          for d in range(1, 7) for n in range(3)]
    folds: list[set[str]] = []

    def fit(fit_on, c):  # records which questions each fold leaves out
        folds.append({q.id for q in qs} - {q.id for q in fit_on})
        raise ValueError("nothing to learn")

    monkeypatch.setattr(training, "fit_ranker", fit)
    training.cross_validate(qs, k=3)
    assert len(folds) == 3 and set().union(*folds) == {q.id for q in qs}
    for held in folds:
        weeks = {training.week(i) for i in held}
        assert held == {q.id for q in qs if training.week(q.id) in weeks}  # whole weeks held out


def test_the_shipped_second_look_answers_only_what_the_support_declines_and_every_word_is_known():
    from assistant.scorer import SecondLook

    look = load_scorer().second_look
    assert look is not None and set(look.report["cross_validated"]) == set(look.report["support_alone_on_the_same_questions"])
    close = values(article_lexical=0.9, answer_votes=1.0)  # its article covers the question, the candidates agree
    far = values(article_lexical=0.2, answer_votes=0.0)
    assert look.answers([close, far], [0.40, 0.30])
    assert not look.answers([far, close], [0.15, 0.10])
    assert not look.answers([{**close, "unknown_share": 0.3}, far], [0.40, 0.30])  # a word the articles never use
    assert SecondLook.values([], []) is None
    assert SecondLook.values([close, far], [0.40, 0.30]) == [0.40, 0.9, 1.0]


def test_a_second_look_on_other_features_is_refused(tmp_path):
    data = load_scorer().to_dict()
    data["second_look"]["features"] = ["support"]
    (tmp_path / "s.json").write_text(json.dumps(data))
    with pytest.raises(ValueError, match="refit it"):
        load_scorer(tmp_path / "s.json")


def _question(qid: str, answerable: bool, support_dense: float, article_lexical: float, votes: float, answers: bool):
    """One question of two candidates: the first (``support_dense`` sets its hand-set support) may answer."""
    import numpy as np

    from assistant import training

    first = values(dense=support_dense, article_lexical=article_lexical, answer_votes=votes)
    other = values(dense=0.1, article_lexical=article_lexical)
    return training.Question("weeks", qid, answerable, np.array([[r[f] for f in FEATURES] for r in (first, other)]),
                             np.array([int(answerable and answers), 0]))


def test_the_second_look_is_fitted_out_of_fold_and_only_turns_declines_into_answers():
    from assistant import training

    qs = []
    for d in range(1, 7):  # six news weeks
        qs += [_question(f"2023100{d}_0", True, 0.85, 0.8, 1.0, True),   # support 0.38: declined, but answerable
               _question(f"2023100{d}_1", True, 0.86, 0.9, 0.9, True),
               _question(f"2023100{d}_2", False, 0.84, 0.2, 0.0, False),  # to decline: same support, nothing agrees
               _question(f"2023100{d}_3", False, 0.83, 0.3, 0.1, False),
               _question(f"2023100{d}_4", True, 1.2, 0.7, 1.0, True)]     # support 0.54: answered either way
    scorer = hand_set()
    look = training.train_second_look(scorer, qs, k=3)
    assert look.to_dict() == training.train_second_look(scorer, qs, k=3).to_dict()  # seeded, deterministic
    cv, alone = look.report["cross_validated"]["weeks"], look.report["support_alone_on_the_same_questions"]["weeks"]
    assert alone["hit"] < cv["hit"] == 1.0 and cv["abstain_correct"] == alone["abstain_correct"] == 1.0
    judged = [training.judged(scorer, q) for q in qs]
    for j in judged:
        answered = j.support >= scorer.threshold or look.answers(
            [dict(zip(FEATURES, r)) for r in j.question.features], [scorer.probability(dict(zip(FEATURES, r)))
                                                                     for r in j.question.features])
        assert answered == j.question.answerable


def test_the_composer_asks_the_second_look_only_below_the_threshold(small, monkeypatch):
    from assistant.scorer import SecondLook

    declined = "What did the council say about the fees?"  # every word is in the articles; support about 0.34
    assert small.answer(declined).abstained
    composer = small.pipeline.extractive
    monkeypatch.setattr(composer, "second_look", SecondLook([0.0, 0.0, 0.0], 0.0, threshold=-1.0))  # always yes
    answer = small.answer(declined)
    assert not answer.abstained and answer.citations
    assert small.answer("How long was the protest?").abstained  # "long": a word the articles never use
    monkeypatch.setattr(composer, "second_look", SecondLook([0.0, 0.0, 0.0], 0.0, threshold=1.0))  # never
    assert small.answer(declined).abstained


def test_the_second_look_setting_turns_it_off(corpus, tmp_path):
    from tests.unit.fakes import HashingEmbedder, MemoryStore

    on = Assistant(load_settings(data_dir=tmp_path / "on"), store=MemoryStore(), embedder=HashingEmbedder())
    off = Assistant(load_settings(data_dir=tmp_path / "off", second_look=False), store=MemoryStore(),
                    embedder=HashingEmbedder())
    assert on.pipeline.extractive.second_look == load_scorer().second_look is not None
    assert off.pipeline.extractive.second_look is None


def test_an_answer_the_second_look_gives_has_no_short_answer(corpus, tmp_path, monkeypatch):
    from assistant.scorer import SecondLook
    from tests.unit.fakes import HashingEmbedder, MemoryStore

    strict = Assistant(load_settings(data_dir=tmp_path / "data", abstain_threshold=0.95), store=MemoryStore(),
                       embedder=HashingEmbedder())
    strict.ingest([corpus], progress=False)
    question = "How many voted?"  # "The vote was 7 to 2": support about 0.7, below this threshold
    monkeypatch.setattr(strict.pipeline.extractive, "second_look", None)
    assert strict.answer(question).abstained
    monkeypatch.setattr(strict.pipeline.extractive, "second_look", SecondLook([0.0, 0.0, 0.0], 0.0, threshold=-1.0))
    answer = strict.answer(question)
    assert not answer.abstained and "7 to 2" in answer.answer
    assert answer.short_answer is None  # not confident enough for a bold "7"
    monkeypatch.setattr(strict.pipeline.extractive, "abstain_threshold", 0.45)  # above the threshold: the same
    monkeypatch.setattr(strict.pipeline, "short_floor", 0.45)                   # answer gives its short answer
    assert strict.answer(question).short_answer.text == "7"
