"""``make train-judge``: fit the answer judge on RealTime QA 2023 and write ``assistant/judge.onnx``.

The judge reads a question and a candidate sentence (with its headline) together and gives the
probability that the sentence answers the question. Three judges are compared on the same weeks:

a. **hand**: today's hand-set support, ``0.45 * dense + 0.40 * lexical + 0.15 * answer_type``;
b. **boosted**: gradient-boosted trees (scikit-learn) over those features and more (position,
   search rank, length, gaps to the pool's best, the answer-kind evidence, new words);
c. **cross-encoder**: all-MiniLM-L6-v2 (the packaged embedding model's weights) fine-tuned as a
   sentence-transformers ``CrossEncoder`` (question and sentence in one input), exported to ONNX
   with int8 weights (onnxruntime's dynamic quantization).

Data (``tools.judge_data``): each question's own search results, split into sentences; a sentence
holding the gold answer is a positive. Split by weeks: the weeks before ``--valid-from``
(2023-10-01) train, the weeks from it (the quarter ``make eval-external`` answers end to end) are
held aside. (b) also gets a 5-fold cross-validation by weeks inside the training weeks.

Figures per judge on the held-aside weeks (``--valid-from`` on): **top1**, the share of answerable
questions (the answer is in the pool) whose best-scored sentence holds it; **declines**, at the
threshold that keeps false declines of those questions at 0.10 or under (chosen on the training
weeks' out-of-fold scores for (a) and (b), on a fold of training weeks held out of the cross-encoder's
fit for (c)), the share of questions the articles do not answer that it declines; **auc**, how well the
best score tells the two apart. The cross-encoder is written to ``--out`` only with ``--write`` and
when it beats the hand-set judge on top1.

The same run fits the short-answer span scorer (``tools.train_spans``, ``assistant/spans.json``)
and prints its table first.

Run as ``python -m tools.train_judge [--bench ../shared/benchmarks/realtimeqa-2023] [--write]``.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.judge import TREE_FEATURES, pair_text, trees_to_dict
from tools import judge_data, train_spans
from tools.judge_data import Pool, as_retrieved, build_pools, week_folds
from vectorstore.embedder import write_onnx

BENCH = Path("../shared/benchmarks/realtimeqa-2023")
# Written out of git: no fitted judge or span scorer has yet beaten the hand-set ones end to end
# (docs/judge.md); ASSISTANT_JUDGE names a judge file to try, and a span scorer is tried by copying it
# to assistant/spans.json.
OUT = Path(".data/judge/judge.onnx")
SPANS_OUT = Path(".data/judge/spans.json")
TREES_OUT = Path(".data/judge/judge.json")
VALID_FROM = "20231001"
MAX_LENGTH = 96
SEED = 13
FALSE_DECLINES = 0.10


@dataclass
class Fit:
    """How the cross-encoder is fitted (the defaults are the shipped judge's)."""

    epochs: int = 1
    batch_size: int = 16
    lr: float = 4e-5
    layers: int = 3  # the first transformer layers of MiniLM's six are kept: half the cost of all six at answer time
    frozen_layers: int = 0  # the embeddings and these first layers keep their weights
    negatives: int = 10  # per question, the pool's best-scored sentences that do not hold the answer
    max_length: int = MAX_LENGTH
    seed: int = SEED


# ---------------------------------------------------------------------------------------------- pairs


def training_pairs(pools: list[Pool], negatives: int, seed: int = SEED) -> list[tuple[str, str, int]]:
    """``(question, sentence | headline, label)``: every positive, every sentence holding a wrong
    choice, and the ``negatives`` best-placed other sentences of each pool."""
    rng = random.Random(seed)
    out = []
    for p in pools:
        kept = 0
        for c in p.candidates:
            if c.label or c.distractor or kept < negatives:
                out.append((p.question, pair_text(c.text, c.title), int(c.label)))
                kept += 0 if c.label or c.distractor else 1
    rng.shuffle(out)
    return out


# --------------------------------------------------------------------------------------- cross-encoder


def base_cross_encoder(model_path: Path | None = None, max_length: int = MAX_LENGTH):
    """A ``CrossEncoder`` with one output made from the packaged embedding model's weights."""
    from sentence_transformers import CrossEncoder

    from vectorstore.embedder import bundled_model_path

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return CrossEncoder(str(model_path or bundled_model_path()), num_labels=1, max_length=max_length,
                            device="cpu")


def fit_cross_encoder(pairs: list[tuple[str, str, int]], fit: Fit, model_path: Path | None = None,
                      progress: bool = True):
    """Fine-tune the cross-encoder on ``pairs`` (binary cross-entropy on its one logit); returns it.

    A plain PyTorch loop over the ``CrossEncoder``'s model and tokenizer: seeded, so a run is
    repeatable on the same machine. Only the first ``fit.layers`` transformer layers are kept; the
    embeddings and the first ``fit.frozen_layers`` stay frozen."""
    import torch
    from tqdm.auto import tqdm

    torch.manual_seed(fit.seed)
    random.seed(fit.seed)
    np.random.seed(fit.seed)
    ce = base_cross_encoder(model_path, fit.max_length)
    model, tok = ce.model, ce.tokenizer
    bert = model.bert
    if fit.layers < len(bert.encoder.layer):
        bert.encoder.layer = bert.encoder.layer[:fit.layers]
        model.config.num_hidden_layers = fit.layers
    for p in bert.embeddings.parameters():
        p.requires_grad = False
    for layer in bert.encoder.layer[:fit.frozen_layers]:
        for p in layer.parameters():
            p.requires_grad = False
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=fit.lr, weight_decay=0.01)
    steps = fit.epochs * ((len(pairs) + fit.batch_size - 1) // fit.batch_size)
    warm = max(1, steps // 10)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min((s + 1) / warm, max(0.0, (steps - s) / (steps - warm + 1))))
    positives = sum(p[2] for p in pairs) or 1
    pos_weight = torch.tensor(min(4.0, (len(pairs) - positives) / positives))
    model.train()
    bar = tqdm(total=steps, desc="Fitting the judge", unit="batch", disable=not progress)
    for epoch in range(fit.epochs):
        order = list(range(len(pairs)))
        random.Random(fit.seed + epoch).shuffle(order)
        for b in range(0, len(order), fit.batch_size):
            batch = [pairs[i] for i in order[b:b + fit.batch_size]]
            enc = tok([q for q, _, _ in batch], [s for _, s, _ in batch], padding=True, truncation=True,
                      max_length=fit.max_length, return_tensors="pt")
            logits = model(**enc).logits.squeeze(-1)
            labels = torch.tensor([float(y) for _, _, y in batch])
            loss = torch.nn.functional.binary_cross_entropy_with_logits(logits, labels, pos_weight=pos_weight)
            loss.backward()
            opt.step()
            sched.step()
            opt.zero_grad()
            bar.update(1)
            bar.set_postfix(loss=f"{loss.item():.3f}")
    bar.close()
    model.eval()
    return ce


def torch_scores(ce, pairs: list[tuple[str, str]], batch_size: int = 64) -> np.ndarray:
    """The fitted cross-encoder's probabilities for ``(question, text)`` pairs, in PyTorch."""
    import torch

    out = []
    with torch.no_grad():
        for b in range(0, len(pairs), batch_size):
            batch = pairs[b:b + batch_size]
            enc = ce.tokenizer([q for q, _ in batch], [s for _, s in batch], padding=True, truncation=True,
                               max_length=ce.max_length, return_tensors="pt")
            out.append(torch.sigmoid(ce.model(**enc).logits.squeeze(-1)).numpy())
    return np.concatenate(out) if out else np.zeros(0)


def export(ce, out: Path, metadata: dict[str, str], quantize: bool = True) -> Path:
    """The cross-encoder as one ONNX file (inputs ``input_ids``, ``attention_mask``,
    ``token_type_ids``; output ``logits``), int8 weights when ``quantize``, with ``metadata`` (the
    threshold, the figures) in the file; written atomically (``vectorstore.embedder.write_onnx``)."""
    return write_onnx(ce.model.eval(), "logits", out, quantize, metadata)


# ------------------------------------------------------------------------------------ features (a, b)

FEATURES = TREE_FEATURES  # named as ExtractiveComposer names them; "passage_rank" here is the search result's rank


def pool_features(pools: list[Pool], progress: bool = True) -> list[np.ndarray]:
    """Per pool, a ``(candidates, FEATURES)`` array (the meaning similarity from the bundled embedder)."""
    from assistant import short_answer
    from assistant.answer_types import answer_type_score
    from assistant.question import profile_question
    from vectorstore.embedder import shared_embedder
    from vectorstore.terms import terms

    embedder = shared_embedder()
    texts = [c.text for p in pools for c in p.candidates]
    vectors = embedder.embed_documents(texts, progress=progress)
    questions = embedder.embed_documents([p.question for p in pools])
    out, i = [], 0
    for qi, p in enumerate(pools):
        profile = profile_question(p.question, lambda t: 1.0)
        want, q_terms = short_answer.asked(p.question), set(profile.weights)
        rows = []
        n = len(p.candidates)
        dense = vectors[i:i + n] @ questions[qi]
        i += n
        for c, d in zip(p.candidates, dense):
            kind, _ = answer_type_score(profile, c.text)
            holds = short_answer.holds_answer(want, c.text, q_terms)
            content = set(terms(c.text))
            rows.append([float(d), c.lexical, max(kind, holds), holds, 0.0, 0.0, c.position, 1 / (1 + c.result_rank),
                         len(c.text) / 300, len(content - q_terms) / max(len(content), 1), float(bool(profile.wants))])
        x = np.array(rows, dtype=np.float64).reshape(-1, len(FEATURES))
        if len(x):
            x[:, 4] = x[:, 0] - x[:, 0].max()
            x[:, 5] = x[:, 1] - x[:, 1].max()
        out.append(x)
    return out


def cached_features(pools: list[Pool], cache: Path | None, progress: bool = True) -> list[np.ndarray]:
    """``pool_features``, kept in ``cache`` (a ``.npz``) for the same pools: the embedding is the slow part."""
    import hashlib

    digest = hashlib.sha256("\x00".join(f"{p.qid}\x01{p.question}\x01" + "\x02".join(c.text for c in p.candidates)
                                        for p in pools).encode()).hexdigest()
    if cache is not None and cache.is_file():
        saved = np.load(cache)
        if str(saved["digest"]) == digest:
            return np.split(saved["x"], np.cumsum([len(p.candidates) for p in pools])[:-1])
    x = pool_features(pools, progress)
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        np.savez(cache, digest=digest, x=np.vstack(x) if x else np.zeros((0, len(FEATURES))))
    return x


def hand_scores(x: np.ndarray) -> np.ndarray:
    """Today's hand-set support over the pool's features."""
    return 0.45 * x[:, 0] + 0.40 * x[:, 1] + 0.15 * x[:, 2]


# --------------------------------------------------------------------------------------------- figures


def threshold_for(scores: list[np.ndarray], pools: list[Pool], false_declines: float = FALSE_DECLINES) -> float:
    """The highest threshold on a question's best score that declines at most ``false_declines`` of
    the answerable questions (those whose pool holds the answer)."""
    return judge_data.threshold_for([float(s.max()) for s, p in zip(scores, pools)
                                     if len(s) and any(c.label for c in p.candidates)], false_declines)


def figures(scores: list[np.ndarray], pools: list[Pool], threshold: float) -> dict[str, float]:
    """top1, false declines and declines (see the module's docstring) at ``threshold``, and the AUC."""
    ans = [(s, p) for s, p in zip(scores, pools) if len(s) and any(c.label for c in p.candidates)]
    unans = [(s, p) for s, p in zip(scores, pools) if len(s) and not p.answerable]
    top1 = np.mean([p.candidates[int(np.argmax(s))].label for s, p in ans]) if ans else 0.0
    false_declines = np.mean([s.max() < threshold for s, _ in ans]) if ans else 0.0
    declines = np.mean([s.max() < threshold for s, _ in unans]) if unans else 0.0
    a, u = [s.max() for s, _ in ans], [s.max() for s, _ in unans]
    auc = np.mean([(x > y) + 0.5 * (x == y) for x in a for y in u]) if a and u else 0.0
    return {"questions": len(ans) + len(unans), "top1": float(top1), "false_declines": float(false_declines),
            "declines": float(declines), "auc": float(auc), "threshold": float(threshold)}


def split_by_week(pools: list[Pool], valid_from: str) -> tuple[list[int], list[int]]:
    train = [i for i, p in enumerate(pools) if p.week < valid_from]
    return train, [i for i, p in enumerate(pools) if p.week >= valid_from]


# More of a RISING feature never makes a sentence less likely to answer, more of a FALLING one never
# more likely (scikit-learn's monotonic constraints): the trees then carry over to candidates unlike
# the training ones. The names are the composer's; a model is given those among its features.
RISING = ("dense", "lexical", "answer_type", "holds", "dense_gap", "lexical_gap", "context_lexical",
          "article_lexical", "article_dense", "answer_votes", "on_day")
FALLING = ("missing_names", "unknown_share", "unknown_majority")


def boosted_model(seed: int = SEED, features: tuple[str, ...] = FEATURES):
    """The boosted trees both judge tools fit (``features``: the columns, in order)."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    return HistGradientBoostingClassifier(
        max_iter=200, learning_rate=0.05, max_leaf_nodes=15, min_samples_leaf=40, random_state=seed,
        monotonic_cst=[1 if f in RISING else -1 if f in FALLING else 0 for f in features])


def _fit_predict(model, x: list[np.ndarray], pools: list[Pool], fit_idx: list[int], pred_idx: list[int]) -> dict[int, np.ndarray]:
    xs = np.vstack([x[i] for i in fit_idx])
    ys = np.array([c.label for i in fit_idx for c in pools[i].candidates])
    model.fit(xs, ys)
    return {i: model.predict_proba(x[i])[:, 1] if len(x[i]) else np.zeros(0) for i in pred_idx}


@dataclass
class Fitted:
    """The compared judges' figures, and the fitted ones (with the threshold each would ship with)."""

    table: dict[str, dict]
    trees: object = None
    trees_threshold: float = 0.0
    cross_encoder: object = None
    cross_encoder_threshold: float = 0.0


def compare(pools: list[Pool], valid_from: str, fit: Fit, model_path: Path | None = None,
            progress: bool = True, cross_encoder: bool = True, cache: Path | None = None) -> Fitted:
    """Figures for the three judges on the held-aside weeks (the cross-encoder only with
    ``cross_encoder``), and the fitted judges. ``cache``: where the pools' features are kept."""
    everything = pools  # the cross-encoder's pairs come from these, extras included
    pools = [as_retrieved(p) for p in pools]
    train, valid = split_by_week(pools, valid_from)
    x = cached_features(pools, cache, progress)
    table: dict[str, dict] = {}
    # (a) hand-set: nothing fitted; the threshold from the training weeks
    hand = [hand_scores(xi) for xi in x]
    t = threshold_for([hand[i] for i in train], [pools[i] for i in train])
    table["a. hand-set support"] = figures([hand[i] for i in valid], [pools[i] for i in valid], t)
    # (b) boosted trees: 5-fold by weeks inside the training weeks, then fitted on all of them
    oof: dict[int, np.ndarray] = {}
    weeks = [p.week for p in pools]
    for fold in week_folds(weeks, train):
        oof |= _fit_predict(boosted_model(fit.seed), x, pools, [i for i in train if i not in set(fold)], fold)
    t = threshold_for([oof[i] for i in train], [pools[i] for i in train])
    table["b. boosted trees, 5-fold CV (training weeks)"] = figures([oof[i] for i in train], [pools[i] for i in train], t)
    trees = boosted_model(fit.seed)
    pred = _fit_predict(trees, x, pools, train, valid)
    table["b. boosted trees"] = figures([pred[i] for i in valid], [pools[i] for i in valid], t)
    out = Fitted(table, trees, t)
    if not cross_encoder:
        return out
    # (c) the cross-encoder: the threshold from its scores on the last fifth of the training weeks,
    # held out of a first fit; then fitted on every training week
    folds = week_folds(weeks, train)
    inner_fit, inner_val = [i for f in folds[:-1] for i in f], folds[-1]
    ce = fit_cross_encoder(training_pairs([everything[i] for i in inner_fit], fit.negatives, fit.seed), fit, model_path,
                           progress)
    inner = _ce_pool_scores(ce, [pools[i] for i in inner_val])
    t = threshold_for(inner, [pools[i] for i in inner_val])
    table["c. cross-encoder, last training fold"] = figures(inner, [pools[i] for i in inner_val], t)
    ce = fit_cross_encoder(training_pairs([everything[i] for i in train], fit.negatives, fit.seed), fit, model_path,
                           progress)
    scores = _ce_pool_scores(ce, [pools[i] for i in valid])
    table["c. cross-encoder"] = figures(scores, [pools[i] for i in valid], t)
    out.cross_encoder, out.cross_encoder_threshold = ce, t
    return out


def _ce_pool_scores(ce, pools: list[Pool]) -> list[np.ndarray]:
    pairs = [(p.question, pair_text(c.text, c.title)) for p in pools for c in p.candidates]
    flat = torch_scores(ce, pairs)
    out, i = [], 0
    for p in pools:
        out.append(flat[i:i + len(p.candidates)])
        i += len(p.candidates)
    return out


def print_table(table: dict[str, dict]) -> None:
    print(f"{'judge':48} {'questions':>9} {'top1':>6} {'false declines':>15} {'declines':>9} {'auc':>6} {'threshold':>9}")
    for name, f in table.items():
        print(f"{name:48} {f['questions']:9d} {f['top1']:6.3f} {f['false_declines']:15.3f} {f['declines']:9.3f} "
              f"{f['auc']:6.3f} {f['threshold']:9.3f}")


def write_winner(fitted: Fitted, fit: Fit, args) -> None:
    """Write the judge with the best top1 on the held-aside weeks, if it beats the hand-set support:
    the trees as ``--trees-out`` (JSON), the cross-encoder as ``--out`` (ONNX, int8); the loser's
    file is removed, so the package ships one judge."""
    table = fitted.table
    hand = table["a. hand-set support"]["top1"]
    trees = table["b. boosted trees"]["top1"]
    ce = table.get("c. cross-encoder", {}).get("top1", -1.0)
    if max(trees, ce) <= hand:
        print("not written: no fitted judge beats the hand-set support on the held-aside weeks")
        return
    meta = {"trained_on": f"RealTime QA 2023, weeks before {args.valid_from}", "figures": table}
    if trees >= ce:
        args.trees_out.parent.mkdir(parents=True, exist_ok=True)
        args.trees_out.write_text(json.dumps(trees_to_dict(fitted.trees, fitted.trees_threshold, meta)) + "\n",
                                  encoding="utf-8")
        args.out.unlink(missing_ok=True)
        print(f"wrote {args.trees_out} (boosted trees; threshold {fitted.trees_threshold:.3f})")
        return
    fitted.cross_encoder.save(str(args.torch_out))  # the PyTorch weights (not in git), to check the ONNX file against
    export(fitted.cross_encoder, args.out, {"threshold": f"{fitted.cross_encoder_threshold:.6f}",
                                            "trained_on": meta["trained_on"], "figures": json.dumps(table),
                                            "fit": json.dumps(fit.__dict__), "max_length": str(fit.max_length)})
    args.trees_out.unlink(missing_ok=True)
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.1f} MB; cross-encoder; threshold "
          f"{fitted.cross_encoder_threshold:.3f})")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bench", type=Path, default=BENCH, help=f"the RealTime QA 2023 folder (default {BENCH})")
    ap.add_argument("--valid-from", default=VALID_FROM, help="the first held-aside week, YYYYMMDD (default %(default)s)")
    ap.add_argument("--out", type=Path, default=OUT, help="where the judge is written (default %(default)s)")
    ap.add_argument("--write", action="store_true", help="write the judge when it beats the hand-set support")
    ap.add_argument("--torch-out", type=Path, default=Path(".data/judge-torch"),
                    help="where the PyTorch weights are kept, out of git (default %(default)s)")
    ap.add_argument("--epochs", type=int, default=Fit.epochs, help="the cross-encoder's passes over its pairs")
    ap.add_argument("--lr", type=float, default=Fit.lr, help="the cross-encoder's learning rate")
    ap.add_argument("--layers", type=int, default=Fit.layers, help="MiniLM's transformer layers kept (of 6)")
    ap.add_argument("--spans-out", type=Path, default=SPANS_OUT,
                    help="where the short-answer span scorer is written (default %(default)s)")
    ap.add_argument("--trees-out", type=Path, default=TREES_OUT,
                    help="where the judge is written when the boosted trees win (default %(default)s)")
    ap.add_argument("--no-cross-encoder", action="store_true",
                    help="compare the hand-set support and the trees only (minutes, not the cross-encoder's half hour)")
    ap.add_argument("--features-cache", type=Path, default=Path(".data/judge-features.npz"),
                    help="where the candidates' features are kept between runs (default %(default)s)")
    ap.add_argument("--spans-only", action="store_true", help="fit the span scorer only (seconds, not the judge's minutes)")
    ap.add_argument("--report", type=Path, help="also write the figures here as JSON")
    args = ap.parse_args(argv)
    if not (args.bench / "key.json").is_file():
        print(f"skipped: no benchmark at {args.bench} (read from ../shared, never copied here)")
        return 0
    started = time.monotonic()
    pools = build_pools(args.bench)
    train, valid = split_by_week(pools, args.valid_from)
    print(f"{len(pools)} questions ({len(train)} in training weeks, {len(valid)} held aside from {args.valid_from}), "
          f"{sum(len(p.candidates) for p in pools):,} candidate sentences")
    spans, span_table = train_spans.fit_spans(pools, args.valid_from)
    train_spans.print_table(span_table)
    if args.write:
        args.spans_out.parent.mkdir(parents=True, exist_ok=True)
        args.spans_out.write_text(json.dumps(spans.to_dict(), indent=1) + "\n", encoding="utf-8")
        print(f"wrote {args.spans_out}")
    if args.spans_only:
        return 0
    fit = Fit(epochs=args.epochs, lr=args.lr, layers=args.layers)
    fitted = compare(pools, args.valid_from, fit, cross_encoder=not args.no_cross_encoder, cache=args.features_cache)
    table = fitted.table
    print_table(table)
    if args.report:
        args.report.parent.mkdir(parents=True, exist_ok=True)
        args.report.write_text(json.dumps(table, indent=1))
    if args.write:
        write_winner(fitted, fit, args)
    print(f"done in {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
