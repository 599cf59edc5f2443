"""The answer judge: the probability that a sentence answers a question, read together.

A cross-encoder (all-MiniLM-L6-v2's weights fine-tuned on a year of news-quiz questions written by
others, RealTime QA 2023; see ``docs/judge.md`` and ``make train-judge``) run by onnxruntime from
one file, ``assistant/judge.onnx`` (int8 weights). It reads the question and the sentence with its
headline in one input, so a sentence that only comes close to what is asked (a prediction where a
result is asked, a related figure, a name in another role) can be told from one that answers it.

The file carries its own threshold (ONNX metadata ``threshold``): below it for the best candidate,
the assistant says the articles do not say; and the input length it was fitted with (``max_length``). The tokenizer is the packaged embedding model's
(``tokenizer.json``: the judge was fitted from the same weights and vocabulary).
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

import numpy as np

from assistant.errors import AssistantError
from assistant.scorer import FEATURES as SCORER_FEATURES
from vectorstore.embedder import bundled_model_path, onnx_session

MAX_LENGTH = 96  # tokens of question + sentence + headline, as in training (tools/train_judge.py)


class JudgeError(AssistantError):
    """The judge file cannot be read (missing, not a judge, or without its threshold): a user error,
    reported by the CLI as one line with what to do."""


def pair_text(sentence: str, title: str | None) -> str:
    """What the judge reads beside the question: the sentence, then its headline (as in training)."""
    return f"{sentence} | {title}" if title else sentence


class Judge:
    """``scores(question, texts)``: for each text (``pair_text``), the probability that it answers.

    Args:
        path: the ONNX file (``make train-judge``).
        model_path: the folder with ``tokenizer.json`` (default: the packaged embedding model).
        threads: onnxruntime's threads (default: its own choice).
    """

    def __init__(self, path: Path, model_path: Path | None = None, threads: int | None = None) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise JudgeError(f"no judge file at {self.path}: rebuild it with 'make train-judge', "
                             "or set ASSISTANT_JUDGE=off")
        from tokenizers import Tokenizer

        try:
            self.session = onnx_session(self.path, threads)
        except Exception as exc:  # onnxruntime raises its own kinds for a bad file
            raise JudgeError(f"the judge file {self.path} cannot be read: {exc}; rebuild it with 'make train-judge', "
                             "or set ASSISTANT_JUDGE=off") from exc
        meta = self.session.get_modelmeta().custom_metadata_map
        try:
            self.threshold = float(meta["threshold"])
        except (KeyError, ValueError) as exc:
            raise JudgeError(f"the judge file {self.path} has no threshold in its metadata: "
                             "rebuild it with 'make train-judge'") from exc
        self.meta = dict(meta)
        self.abstains = True  # its probability decides whether to answer, as well as the order
        folder = Path(model_path) if model_path else bundled_model_path()
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length=int(meta.get("max_length", MAX_LENGTH)))
        self.tokenizer.no_padding()

    def scores(self, question: str, texts: list[str]) -> np.ndarray:
        """The probability that each of ``texts`` answers ``question`` (one batch)."""
        if not texts:
            return np.zeros(0, dtype=np.float32)
        encodings = self.tokenizer.encode_batch([(question, t) for t in texts])
        width = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(texts), width), dtype=np.int64)
        mask = np.zeros_like(ids)
        types = np.zeros_like(ids)
        for row, e in enumerate(encodings):
            n = len(e.ids)
            ids[row, :n], mask[row, :n], types[row, :n] = e.ids, e.attention_mask, e.type_ids
        logits = self.session.run(None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": types})[0]
        return 1.0 / (1.0 + np.exp(-logits.reshape(-1).astype(np.float64)))


# What a tree judge fitted on the benchmark's own pools reads of a candidate (``tools/train_judge.py``),
# by the names ``ExtractiveComposer`` gives its features.
TREE_FEATURES = ("dense", "lexical", "answer_type", "holds", "dense_gap", "lexical_gap", "position", "passage_rank",
                 "length", "new_words", "wants_kind")
# Every feature the composer computes: a tree judge may read any of them (its file names them).
COMPOSER_FEATURES = (*SCORER_FEATURES, "holds")


class TreeJudge:
    """Gradient-boosted trees over a candidate's features (those its file names, among
    ``COMPOSER_FEATURES``): the probability that it answers. Read from JSON (``assistant/judge.json``, written by ``make train-judge`` from
    scikit-learn's ``HistGradientBoostingClassifier``) and evaluated with numpy, all candidates of a
    question at once: all trees are walked together, a level at a time, for every row.

    Args:
        data: ``{features, baseline, threshold, trees: [{feature, split, left, right, leaf, value,
            missing_left}], report}``.
    """

    def __init__(self, data: dict) -> None:
        self.features = tuple(data.get("features", ()))
        if not self.features or set(self.features) - set(COMPOSER_FEATURES):
            raise JudgeError(f"the judge was fitted on features {list(self.features)}, the code computes "
                             f"{list(COMPOSER_FEATURES)}: refit it with 'make train-judge'")
        self.baseline = float(data["baseline"])
        # whether its probability also decides to answer at all (else it only orders the candidates)
        self.abstains = bool(data.get("abstains", False))
        self.threshold = float(data["threshold"])
        self.report = data.get("report", {})
        # every tree padded to the same number of nodes, so that all are walked at once
        trees = data["trees"]
        width = max((len(t["leaf"]) for t in trees), default=1)

        def table(key: str, dtype, fill) -> np.ndarray:
            out = np.full((len(trees), width), fill, dtype=dtype)
            for i, t in enumerate(trees):
                out[i, :len(t[key])] = t[key]
            return out

        self.feature = table("feature", np.int64, 0)
        self.split = table("split", np.float64, 0.0)
        self.left = table("left", np.int64, 0)
        self.right = table("right", np.int64, 0)
        self.leaf = table("leaf", bool, True)
        self.value = table("value", np.float64, 0.0)
        self.missing_left = table("missing_left", bool, False)

    @classmethod
    def load(cls, path: Path) -> TreeJudge:
        try:
            return cls(json.loads(path.read_text(encoding="utf-8")))
        except FileNotFoundError as exc:
            raise JudgeError(f"no judge file at {path}: rebuild it with 'make train-judge', "
                             "or set ASSISTANT_JUDGE=off") from exc
        except (ValueError, KeyError, TypeError) as exc:
            raise JudgeError(f"the judge file {path} cannot be read: {exc}; rebuild it with 'make train-judge', "
                             "or set ASSISTANT_JUDGE=off") from exc

    def probabilities(self, rows: list[dict[str, float]]) -> np.ndarray:
        """The probability for each candidate's features."""
        if not rows:
            return np.zeros(0)
        x = np.array([[r[f] for f in self.features] for r in rows], dtype=np.float64)
        n_trees = len(self.leaf)
        tree = np.arange(n_trees)[None, :]  # (1, trees)
        node = np.zeros((len(rows), n_trees), dtype=np.int64)  # each row's place in each tree
        row = np.arange(len(rows))[:, None]
        while True:
            inner = ~self.leaf[tree, node]
            if not inner.any():
                break
            values = x[row, self.feature[tree, node]]
            go_left = np.where(np.isnan(values), self.missing_left[tree, node], values <= self.split[tree, node])
            node = np.where(inner, np.where(go_left, self.left[tree, node], self.right[tree, node]), node)
        raw = self.baseline + self.value[tree, node].sum(axis=1)
        return 1.0 / (1.0 + np.exp(-raw))


def trees_to_dict(model, threshold: float, report: dict | None = None,
                  features: tuple[str, ...] = TREE_FEATURES, abstains: bool = False) -> dict:
    """A fitted ``HistGradientBoostingClassifier`` (binary, numeric ``features`` in that order) as
    the JSON ``TreeJudge`` reads; ``abstains``: its probability also decides whether to answer."""
    trees = []
    for [predictor] in model._predictors:  # one tree per boosting round (binary: one per round)
        n = predictor.nodes
        trees.append({"feature": n["feature_idx"].tolist(), "split": n["num_threshold"].tolist(),
                      "left": n["left"].tolist(), "right": n["right"].tolist(), "leaf": n["is_leaf"].astype(int).tolist(),
                      "value": n["value"].tolist(), "missing_left": n["missing_go_to_left"].astype(int).tolist()})
    return {"features": list(features), "baseline": float(np.ravel(model._baseline_prediction)[0]),
            "threshold": float(threshold), "abstains": abstains, "trees": trees, "report": report or {}}


_SHARED: dict[tuple, Judge] = {}
_LOCK = threading.Lock()


def shared_judge(path: Path, model_path: Path | None = None) -> Judge | TreeJudge:
    """One judge per file in a process (a refresh builds a new pipeline, not a new judge): a ``.json``
    tree judge or an ``.onnx`` cross-encoder made by ``make train-judge``."""
    path = Path(path)
    key = (str(path), str(model_path or ""))
    with _LOCK:
        if key not in _SHARED:
            _SHARED[key] = Judge(path, model_path) if path.suffix == ".onnx" else TreeJudge.load(path)
        return _SHARED[key]
