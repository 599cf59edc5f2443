"""``make train-judge``'s loop on a tiny benchmark written here: pools from each question's own
results; the boosted trees fitted and written as the JSON the assistant reads, with scikit-learn's
probabilities; the cross-encoder fitted from the packaged MiniLM weights, exported to ONNX with its
threshold, and read back by the assistant's ``Judge`` with the scores PyTorch gives."""

from __future__ import annotations

import json

import numpy as np
import pytest
import yaml

from assistant.judge import TREE_FEATURES, Judge, JudgeError, TreeJudge, trees_to_dict
from tools import train_judge
from tools.judge_data import as_retrieved, build_pools

pytestmark = pytest.mark.integration

ARTICLES = {
    "a1.txt": ("Storm hits coast", "A storm struck the coast on Monday. The storm was named Helene by forecasters. "
               "Officials closed schools across the region. Forecasters had predicted a weaker storm."),
    "a2.txt": ("Council elects mayor", "The city council met on Tuesday. It elected Maria Lopez as mayor. "
               "Several members praised the outgoing mayor, John Park. The vote was seven to two."),
    "a3.txt": ("Team wins title", "The Falcons won the championship on Sunday. Their coach thanked the fans. "
               "The Hawks had been the favourites before the final. Tickets sold out in an hour."),
    "a4.txt": ("Bridge reopens", "The Harbor Bridge reopened after two years of repairs. Traffic moved freely. "
               "The repairs cost 40 million dollars. Drivers welcomed the news."),
}
QUESTIONS = [
    ("20230106_0", "What was the storm that struck the coast named?", "Helene", ["Ian"], ["a1.txt", "a2.txt"]),
    ("20230106_1", "Who did the city council elect as mayor?", "Maria Lopez", ["John Park"], ["a2.txt", "a1.txt"]),
    ("20230113_0", "Which team won the championship on Sunday?", "Falcons", ["Hawks"], ["a3.txt", "a4.txt"]),
    ("20230113_1", "How much did the bridge repairs cost?", "40 million dollars", ["10 million dollars"],
     ["a4.txt", "a3.txt"]),
    ("20230120_0", "Which singer won the award for best album?", "Adele", ["Drake"], ["a3.txt", "a1.txt"]),
]


@pytest.fixture(scope="module")
def bench(tmp_path_factory):
    root = tmp_path_factory.mktemp("bench")
    (root / "articles").mkdir()
    meta = {}
    for name, (title, text) in ARTICLES.items():
        (root / "articles" / name).write_text(text, encoding="utf-8")
        meta[name] = {"headline": title, "outlet": "Test", "published": "2023-01-05"}
    (root / "articles" / "articles.yaml").write_text(yaml.safe_dump(meta), encoding="utf-8")
    key = [{"id": i, "question": q, "as_of": "2023-01-05", "gold": g, "distractors": d, "results": r,
            "in_results": any(g.lower() in ARTICLES[n][1].lower() for n in r),
            "in_corpus": any(g.lower() in t.lower() for _, t in ARTICLES.values())} for i, q, g, d, r in QUESTIONS]
    (root / "key.json").write_text(json.dumps(key), encoding="utf-8")
    return root


def test_pools_label_the_sentences_that_hold_the_answer(bench):
    pools = {p.qid: p for p in build_pools(bench)}
    assert set(pools) == {q[0] for q in QUESTIONS}  # the unanswerable one gives a pool of negatives
    storm = pools["20230106_0"]
    assert [c.text for c in storm.candidates if c.label] == ["The storm was named Helene by forecasters."]
    assert storm.week == "20230106" and storm.answerable
    mayor = pools["20230106_1"]
    assert any(c.distractor and not c.label for c in mayor.candidates)  # "John Park": a wrong choice, a near miss
    assert not pools["20230120_0"].answerable and not any(c.label for c in pools["20230120_0"].candidates)


def test_the_training_loop_fits_exports_and_the_assistant_reads_the_same_scores(bench, tmp_path):
    pools = build_pools(bench)
    fit = train_judge.Fit(epochs=3, batch_size=4, lr=1e-4, negatives=3)
    pairs = train_judge.training_pairs(pools, fit.negatives, fit.seed)
    assert sum(y for _, _, y in pairs) == 4 and len(pairs) > 8
    ce = train_judge.fit_cross_encoder(pairs, fit, progress=False)
    # it learned something: on its own training pairs, the answers score above the rest
    texts = [(q, s) for q, s, _ in pairs]
    p = train_judge.torch_scores(ce, texts)
    labels = np.array([y for _, _, y in pairs])
    assert p[labels == 1].mean() > p[labels == 0].mean()
    # exported without quantization, the ONNX file gives PyTorch's scores; int8 stays close
    fp32 = train_judge.export(ce, tmp_path / "judge-fp32.onnx", {"threshold": "0.4"}, quantize=False)
    int8 = train_judge.export(ce, tmp_path / "judge.onnx", {"threshold": "0.4"})
    for path, tolerance in ((fp32, 1e-4), (int8, 0.08)):
        judge = Judge(path)
        assert judge.threshold == 0.4
        got = np.concatenate([judge.scores(q, [s]) for q, s in texts])
        assert np.abs(got - p).max() < tolerance, path.name
    assert int8.stat().st_size < 25e6


def test_a_judge_file_without_its_threshold_is_refused_with_a_reason(bench, tmp_path):
    ce = train_judge.base_cross_encoder()
    path = train_judge.export(ce, tmp_path / "bare.onnx", {}, quantize=False)
    with pytest.raises(JudgeError, match="no threshold"):
        Judge(path)
    with pytest.raises(JudgeError, match="no judge file"):
        Judge(tmp_path / "missing.onnx")



def test_the_comparison_fits_the_trees_and_writes_the_judge_the_assistant_reads(bench, tmp_path):
    pools = build_pools(bench)
    fitted = train_judge.compare(pools, "20230120", train_judge.Fit(), progress=False, cross_encoder=False,
                                 cache=tmp_path / "features.npz")
    assert set(fitted.table) == {"a. hand-set support", "b. boosted trees, 5-fold CV (training weeks)",
                                 "b. boosted trees"}
    assert (tmp_path / "features.npz").is_file()  # a second run reads the features from there
    again = train_judge.compare(pools, "20230120", train_judge.Fit(), progress=False, cross_encoder=False,
                                cache=tmp_path / "features.npz")
    assert again.table == fitted.table
    judge = TreeJudge(trees_to_dict(fitted.trees, fitted.trees_threshold))
    x = train_judge.cached_features([as_retrieved(p) for p in pools], tmp_path / "features.npz")[0]
    rows = [dict(zip(TREE_FEATURES, r)) for r in x]
    assert np.allclose(judge.probabilities(rows), fitted.trees.predict_proba(x)[:, 1])
