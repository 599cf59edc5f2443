"""The answer judge's examples, from a benchmark written by others: RealTime QA 2023.

Each question of ``key.json`` comes with the articles its own web search returned (``results``):
the real pool of near misses retrieval hands the answering step. Every sentence of those articles
(split as the store splits them) is scored by how much of the question's term weight it holds; a
question's **pool** is its ``pool_size`` best sentences, plus any sentence holding the gold answer
or one of the quiz's wrong choices among its ``reach`` best (the near misses that matter most; ``extra``: they train the cross-encoder, and are left out of
the figures and the trees' fit, see ``as_retrieved``).

A sentence is a positive when it holds the gold answer string (the benchmark's own normalisation,
``score.py``'s ``has``), a negative otherwise. A question whose gold answer occurs in no article of
the year (``in_corpus`` false) gives only negatives: the pool of a question the articles do not
answer. A question whose answer is elsewhere in the year but not in its own results is left out
(its results may say it in other words: an unreliable label).

The week of a question is its id's date (``20230106_3`` -> ``20230106``): weeks share stories, so a
split into training and validation is always by weeks.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import yaml

from assistant.judge import pair_text  # noqa: F401 - what the judge reads beside the question, as it serves
from assistant.training import holds as has  # the benchmark's normalisation (score.py's), whole words
from assistant.training import normalise as normalize
from vectorstore.sentences import split_sentences
from vectorstore.terms import terms

POOL_SIZE = 24
REACH = 80
MAX_CHARS = 400  # a longer "sentence" is a list or a table row run together: cut, as the store cuts


@dataclass
class Candidate:
    """One sentence of a question's pool."""

    text: str
    title: str
    article: str
    position: float  # where it starts in its article (0 = top)
    result_rank: int  # its article's place in the question's own search results (0 = first)
    lexical: float  # share of the question's term weight it holds
    label: int  # 1: it holds the gold answer
    distractor: bool  # it holds one of the quiz's wrong choices
    extra: bool = False  # in the pool only because it holds the answer or a wrong choice (beyond the best ``pool_size``)


@dataclass
class Pool:
    """A question and its candidate sentences."""

    qid: str
    week: str
    question: str
    as_of: str
    gold: str
    answerable: bool  # the gold answer is in one of its own results
    candidates: list[Candidate] = field(default_factory=list)


def week_of(qid: str) -> str:
    return qid.split("_")[0]


class Articles:
    """The benchmark's articles: text, headline and sentences, read once each."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        meta = yaml.safe_load((self.folder / "articles.yaml").read_text(encoding="utf-8")) or {}
        self.meta: dict[str, dict] = {k: (v or {}) for k, v in meta.items()}
        self._sentences: dict[str, list[tuple[str, float]]] = {}

    def sentences(self, name: str) -> list[tuple[str, float]]:
        """``(sentence, position)`` for each sentence of the article (empty if it is missing)."""
        if name not in self._sentences:
            path = self.folder / name
            text = path.read_text(encoding="utf-8", errors="replace") if path.is_file() else ""
            n = max(len(text), 1)
            self._sentences[name] = [(text[s.start:s.end][:MAX_CHARS], s.start / n) for s in split_sentences(text)
                                     if s.end - s.start >= 20]
        return self._sentences[name]

    def title(self, name: str) -> str:
        return str(self.meta.get(name, {}).get("headline") or "")


def build_pools(bench: Path, pool_size: int = POOL_SIZE, reach: int = REACH,
                limit: int | None = None) -> list[Pool]:
    """Every usable question of ``bench/key.json`` with its pool (see the module's docstring)."""
    key = json.loads((Path(bench) / "key.json").read_text(encoding="utf-8"))
    articles = Articles(Path(bench) / "articles")
    pools = []
    for q in key[:limit] if limit else key:
        if not q.get("in_results") and q.get("in_corpus"):
            continue  # the answer is somewhere in the year, perhaps in other words in its results: unreliable
        pool = Pool(q["id"], week_of(q["id"]), q["question"], q.get("as_of", ""), q["gold"], bool(q.get("in_results")))
        rows = []
        for rank, name in enumerate(q.get("results", [])):
            title = articles.title(name)
            for text, position in articles.sentences(name):
                rows.append((text, title, name, position, rank))
        if not rows:
            continue
        q_terms = [t for t in dict.fromkeys(terms(q["question"]))]
        df = Counter(t for text, *_ in rows for t in set(terms(text)))
        weight = {t: math.log((len(rows) + 1) / (df.get(t, 0) + 0.5)) for t in q_terms}
        total = sum(weight.values()) or 1.0
        scored = []
        for text, title, name, position, rank in rows:
            s_terms = set(terms(text))
            lexical = sum(w for t, w in weight.items() if t in s_terms) / total
            scored.append((lexical - 0.01 * rank, lexical, text, title, name, position, rank))
        scored.sort(key=lambda r: -r[0])
        seen = set()
        for i, (_, lexical, text, title, name, position, rank) in enumerate(scored[:reach]):
            if normalize(text) in seen:
                continue
            label = int(has(text, q["gold"]))
            distractor = any(has(text, d) for d in q.get("distractors", []))
            if i < pool_size or label or distractor:
                seen.add(normalize(text))
                pool.candidates.append(Candidate(text, title, name, position, rank, lexical, label, distractor,
                                                 extra=i >= pool_size))
        pools.append(pool)
    return pools


def as_retrieved(pool: Pool) -> Pool:
    """The pool without its extras: the sentences retrieval would hand over, as they come. Judges are
    measured, and the trees fitted, on these: with the extras, holding few of the question's words
    would look like a sign of the answer (the extras are there because they hold it)."""
    return Pool(pool.qid, pool.week, pool.question, pool.as_of, pool.gold, pool.answerable,
                [c for c in pool.candidates if not c.extra])


def week_folds(weeks: list[str], idx: list[int] | range, k: int = 5) -> list[list[int]]:
    """``k`` folds of ``idx`` by weeks (``weeks[i]``: item ``i``'s week; consecutive weeks together,
    a week never in two folds; fewer weeks than folds: a fold per week)."""
    labels = sorted({weeks[i] for i in idx})
    k = max(1, min(k, len(labels)))
    fold_of = {w: j * k // len(labels) for j, w in enumerate(labels)}
    return [[i for i in idx if fold_of[weeks[i]] == f] for f in range(k)]


def threshold_for(best: list[float], false_declines: float = 0.10) -> float:
    """The highest threshold that declines at most ``false_declines`` of the answerable questions,
    given each one's best score (``best``)."""
    best = sorted(best)
    if not best:
        return 0.0
    return best[int(np.floor(false_declines * len(best)))] - 1e-9
