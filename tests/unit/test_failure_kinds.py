"""The count per failure kind of a RealTime QA report (``tools/failure_kinds.py``), on a tiny key and
report written here. With the benchmark's ``score.py`` present, its normalisation is used as well, and
the questions counted must be the ones ``score.py`` counts."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT
from tools import failure_kinds as fk

SCORE_PY = ROOT.parent / "shared/benchmarks/realtimeqa-dev/score.py"
CHOICES = ["Boston", "Denver", "Austin"]


@pytest.fixture(params=["ours", "score.py"])
def matcher(request):
    if request.param == "ours":
        return fk.OWN_MATCHER
    if not SCORE_PY.is_file():
        pytest.skip(f"{SCORE_PY} is absent: only our own normalisation is tested")
    return fk.load_matcher(SCORE_PY)


def q(qid, gold, source="CNN", in_corpus=True, **more):
    return {"id": qid, "question": f"Question {qid}?", "as_of": "2023-12-10", "source": source, "gold": gold,
            "distractors": [c for c in CHOICES if c != gold] if gold in CHOICES else CHOICES, "in_corpus": in_corpus,
            **more}


def answered(qid, answer, passages, citations=()):
    return {"id": qid, "question": f"Question {qid}?", "answer": answer, "abstained": False, "short_answer": None,
            "citations": [{"article_id": a, "text": answer} for a in citations],
            "retrieved": [{"article_id": a, "text": t} for a, t in passages]}


def declined(qid, passages):
    return {**answered(qid, "", passages), "answer": "I could not find this in the articles.", "abstained": True}


# gold corpus: answerable = a CNN question whose gold string is in the corpus; must decline = another
# outlet's, nowhere in the corpus
GOLD_KEY = [
    q("hit", "\u201cSquid Game\u201d"),
    q("not-retrieved", "Denver"),
    q("other-sentence", "Austin"),
    q("declined", "Boston"),
    q("declined-not-retrieved", "Boston"),
    q("with-a-wrong-choice", "Denver"),
    q("missing", "Austin"),
    q("answered-must-decline", "Paris", source="USA Today", in_corpus=False),
    q("declined-must-decline", "Rome", source="THE WEEK", in_corpus=False),
    q("not-counted", "Oslo", source="CNN", in_corpus=False),  # neither label in score.py's gold rule
]
GOLD_REPORT = {"metrics": {}, "results": [
    answered("hit", "Squid Game was renewed for a second season.", [("a1", "Squid Game was renewed.")], ["a1"]),
    answered("not-retrieved", "The team moved to Boston.", [("a2", "The team moved to Boston.")]),
    answered("other-sentence", "The firm is based in Boston.",
             [("a3", "The firm is based in Boston."), ("a4", "It opened an office in Austin-area suburbs.")]),
    declined("declined", [("a5", "The marathon in Boston drew 30,000 runners.")]),
    declined("declined-not-retrieved", [("a6", "Nothing about it here.")]),
    answered("with-a-wrong-choice", "Flights from Denver and Austin were cancelled.", [("a7", "Denver, Austin.")]),
    answered("answered-must-decline", "The summit was held in Rome.", [("a8", "The summit was held in Rome.")]),
    declined("declined-must-decline", [("a9", "Rome hosted it.")]),
    answered("not-counted", "Oslo.", [("a10", "Oslo.")]),
]}


def test_each_failure_kind_is_counted_once(matcher):
    counts = fk.count_failures(GOLD_KEY, GOLD_REPORT, "gold", matcher)

    assert (counts.answerable, counts.must_decline) == (7, 2)
    assert counts.missed == {fk.NOT_RETRIEVED: 2, fk.OTHER_SENTENCE: 1, fk.DECLINED: 1, fk.GOLD_NOT_COUNTED: 1,
                             fk.NOT_IN_REPORT: 1}
    assert counts.wrongly_answered == {fk.ANSWERED_MUST_DECLINE: 1}
    assert counts.ids[fk.NOT_RETRIEVED] == ["not-retrieved", "declined-not-retrieved"]
    assert counts.ids[fk.OTHER_SENTENCE] == ["other-sentence"]  # "Austin-area" holds Austin: dashes are spaces
    assert counts.ids[fk.DECLINED] == ["declined"]
    assert counts.ids[fk.ANSWERED_MUST_DECLINE] == ["answered-must-decline"]
    assert "hit" not in {i for ids in counts.ids.values() for i in ids}  # the curly quotes are normalised away


def test_a_result_is_found_by_its_question_when_it_has_no_id():
    report = [{k: v for k, v in r.items() if k != "id"} for r in GOLD_REPORT["results"]]

    counts = fk.count_failures(GOLD_KEY, report, "gold")

    assert counts.missed[fk.DECLINED] == 1 and counts.missed[fk.NOT_IN_REPORT] == 1


def test_a_report_without_an_answer_step_is_not_counted_as_answering():
    key = [q("found", "Denver"), q("lost", "Austin"), q("decline", "Paris", source="USA Today", in_corpus=False)]
    naive = [answered("found", "", [("a1", "Snow closed Denver airport.")]),
             answered("lost", "", [("a2", "Nothing here.")]), answered("decline", "", [("a3", "Paris.")])]

    counts = fk.count_failures(key, naive, "gold")

    assert counts.missed == {fk.NO_ANSWER_STEP: 1, fk.NOT_RETRIEVED: 1}
    assert counts.wrongly_answered == {fk.NO_ANSWER_STEP: 1}
    assert fk.ANSWERED_MUST_DECLINE not in counts.wrongly_answered


@pytest.fixture
def window_articles(tmp_path):
    """Three articles: two of the questions' window (up to 31 days before 2023-12-10), one from 2015."""
    folder = tmp_path / "articles"
    folder.mkdir()
    texts = {"a0000000000001.txt": ("Snow closed the Denver airport this week.", "2023-12-01"),
             "a0000000000002.txt": ("The new stadium opens in Austin.", "2023-11-20"),
             "b0000000000003.txt": ("In 2015 the Denver council met; Austin sent a delegate.", "2015-03-02")}
    for name, (text, _) in texts.items():
        (folder / name).write_text(text, encoding="utf-8")
    (folder / "articles.yaml").write_text(yaml.safe_dump(
        {name: {"headline": name, "outlet": "CNN", "published": day} for name, (_, day) in texts.items()}),
        encoding="utf-8")
    return folder


WINDOW_KEY = [
    q("hit", "Denver", results=["a0000000000001.txt"]),
    q("cites-only-an-old-article", "Denver", results=["a0000000000001.txt"]),
    q("retrieved-only-from-an-old-article", "Austin", results=["a0000000000002.txt"]),
    q("declined", "Austin", results=["a0000000000002.txt", "b0000000000003.txt"]),
    q("only-in-an-old-result", "Austin", results=["b0000000000003.txt"]),  # neither label
    q("answered-must-decline", "Paris", in_corpus=False, results=[]),
]
WINDOW_REPORT = {"results": [
    answered("hit", "Snow closed the Denver airport.", [("a0000000000001", "Snow closed the Denver airport.")],
             ["a0000000000001"]),
    answered("cites-only-an-old-article", "The Denver council met.", [("b0000000000003", "The Denver council met.")],
             ["b0000000000003"]),
    answered("retrieved-only-from-an-old-article", "The council met.",
             [("b0000000000003", "Austin sent a delegate."), ("a0000000000001", "Snow closed the airport.")]),
    declined("declined", [("a0000000000002", "The new stadium opens in Austin.")]),
    answered("only-in-an-old-result", "Austin sent a delegate.", [("b0000000000003", "Austin sent a delegate.")]),
    answered("answered-must-decline", "Paris.", [("a0000000000001", "Paris.")]),
]}


def test_window_counts_passages_and_citations_of_current_articles_only(window_articles, matcher):
    counts = fk.count_failures(WINDOW_KEY, WINDOW_REPORT, "window", matcher, articles=window_articles)

    assert (counts.answerable, counts.must_decline) == (4, 1)
    assert counts.ids == {fk.GOLD_NOT_COUNTED: ["cites-only-an-old-article"],
                          fk.NOT_RETRIEVED: ["retrieved-only-from-an-old-article"],
                          fk.DECLINED: ["declined"], fk.ANSWERED_MUST_DECLINE: ["answered-must-decline"]}


def test_window_needs_the_articles_folder():
    with pytest.raises(ValueError, match="--articles"):
        fk.count_failures(WINDOW_KEY, WINDOW_REPORT, "window")


def _write(tmp_path, key, report):
    (tmp_path / "key.json").write_text(json.dumps(key), encoding="utf-8")
    (tmp_path / "report.json").write_text(json.dumps(report), encoding="utf-8")
    return str(tmp_path / "key.json"), str(tmp_path / "report.json")


def test_main_prints_the_table_and_says_whose_normalisation(tmp_path, capsys):
    key, report = _write(tmp_path, GOLD_KEY, GOLD_REPORT)

    assert fk.main([key, report, "--corpus", "gold", "--score", str(tmp_path / "absent.py"), "--ids"]) == 0

    out = capsys.readouterr().out
    assert "normalisation: our own (score.py not found)" in out
    rows = dict(line.strip().rsplit(None, 1) for line in out.splitlines() if line.startswith("    "))
    assert rows[fk.NOT_RETRIEVED] == "2" and rows[fk.OTHER_SENTENCE] == "1" and rows[fk.DECLINED] == "1"
    assert rows[fk.ANSWERED_MUST_DECLINE] == "1" and rows[fk.GOLD_NOT_COUNTED] == "1"
    assert "answerable, missed" in out and "6 of 7" in out and "1 of 2" in out
    assert "  declined though retrieved: declined" in out


def test_main_says_what_it_cannot_read(tmp_path, capsys):
    assert fk.main([str(tmp_path / "no-key.json"), str(tmp_path / "no-report.json")]) == 2
    assert "no-key.json" in capsys.readouterr().err


@pytest.mark.skipif(not SCORE_PY.is_file(), reason=f"{SCORE_PY} is absent")
@pytest.mark.parametrize("corpus", ["gold", "window"])
def test_the_questions_counted_are_score_pys(tmp_path, window_articles, corpus):
    """The same questions are answerable / must decline, and the misses are score.py's misses."""
    key, report = _write(tmp_path, *((GOLD_KEY, GOLD_REPORT) if corpus == "gold" else (WINDOW_KEY, WINDOW_REPORT)))
    more = ["--articles", str(window_articles)] if corpus == "window" else []
    done = subprocess.run([sys.executable, str(SCORE_PY), key, report, "--corpus", corpus, *more, "--json"],
                          capture_output=True, text=True, check=True)
    scored = json.loads(done.stdout)

    counts = fk.count_failures(json.loads(Path(key).read_text(encoding="utf-8")),
                               json.loads(Path(report).read_text(encoding="utf-8")), corpus,
                               fk.load_matcher(SCORE_PY), articles=window_articles)

    answered_questions = counts.answerable - counts.missed[fk.NOT_IN_REPORT]
    assert answered_questions == scored["answerable"]
    hits = answered_questions - (sum(counts.missed.values()) - counts.missed[fk.NOT_IN_REPORT])
    assert hits == round(scored["answer_hit"] * scored["answerable"])
    assert counts.must_decline == scored["should_abstain"]
    assert counts.must_decline - sum(counts.wrongly_answered.values()) == round(
        scored["abstain_correct"] * scored["should_abstain"])
