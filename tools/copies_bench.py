"""The copies measurement behind ``make bench-copies``: how many articles of a corpus the copy rule
(``vectorstore.copies``) would store once, found the way ``ingest`` finds them (each article against
those before it, candidates from the MinHash index), and whether the index misses any: every pair
sharing a rarer word 5-gram is also checked by the exact rule. The pairs are printed (headline and
first words) to be read by eye; nothing is written to the repository.

Usage: ``python -m tools.copies_bench CORPUS...`` where a corpus is a folder of ``.txt``
articles (with an ``articles.yaml`` for headlines) or a benchmark ``ground-truth.json``
(``{id: {"articleBody": text}}``).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

import yaml

from vectorstore.copies import CopyIndex, fingerprint, likeness, shingles

MAX_SHARED_BY = 100  # a 5-gram in more articles than this is boilerplate: it does not make a pair


def read_corpus(path: Path) -> dict[str, tuple[str, str]]:
    """``{id: (text, headline)}`` of a folder of ``.txt`` files or a ``ground-truth.json``."""
    if path.is_file():
        truth = json.loads(path.read_text(encoding="utf-8"))
        return {k: (v["articleBody"], v.get("url") or "") for k, v in truth.items()}
    meta_file = path / "articles.yaml"
    meta = yaml.safe_load(meta_file.read_text(encoding="utf-8")) if meta_file.is_file() else {}
    return {p.stem: (p.read_text(encoding="utf-8"), ((meta or {}).get(p.name) or {}).get("headline") or "")
            for p in sorted(path.glob("*.txt"))}


def run(docs: dict[str, tuple[str, str]]) -> dict:
    """Measure the copy rule on ``docs``.

    Returns:
        ``{"articles", "copies": [(copy id, stored id)], "seconds", "pairs": [(a, b, Likeness)],
        "missed": [ids the index did not find although an earlier article is their copy]}``.
    """
    started = time.perf_counter()
    index, copies = CopyIndex(), []
    for aid, (text, _) in docs.items():
        made = fingerprint(text)
        found = next((c for c in index.candidates(made) if likeness(text, docs[c][0]).is_copy), None)
        if found is not None:
            copies.append((aid, found))
        index.add(aid, made)
    seconds = time.perf_counter() - started

    grams = {aid: shingles(text) for aid, (text, _) in docs.items()}
    holders: dict[int, list[str]] = defaultdict(list)
    for aid, gs in grams.items():
        for g in gs:
            holders[g].append(aid)
    shared: dict[tuple[str, str], int] = defaultdict(int)
    for ids in holders.values():
        if 1 < len(ids) <= MAX_SHARED_BY:
            for i, a in enumerate(ids):
                for b in ids[i + 1:]:
                    shared[a, b] += 1
    by_key: dict[str, list[str]] = defaultdict(list)
    for aid, (text, _) in docs.items():
        by_key[fingerprint(text).key].append(aid)
    todo = {p for p, n in shared.items() if n >= 0.3 * min(len(grams[p[0]]), len(grams[p[1]]))}
    todo |= {(ids[i], b) for ids in by_key.values() for i in range(len(ids)) for b in ids[i + 1:]}
    pairs = [(a, b, lk) for a, b in sorted(todo) if (lk := likeness(docs[a][0], docs[b][0])).is_copy]
    order = {aid: i for i, aid in enumerate(docs)}
    expected = {max(a, b, key=order.get) for a, b, _ in pairs}
    return {"articles": len(docs), "copies": copies, "seconds": seconds, "pairs": pairs,
            "missed": sorted(expected - {c for c, _ in copies})}


def build_parser() -> argparse.ArgumentParser:
    """The options of ``python -m tools.copies_bench``: the corpora to measure."""
    p = argparse.ArgumentParser(prog="python -m tools.copies_bench",
                                description="what the copy rule would store once in each corpus, the pairs "
                                            "printed to read by eye")
    p.add_argument("corpora", nargs="+", metavar="CORPUS",
                   help="a folder of .txt articles (headlines from its articles.yaml) or a benchmark's "
                        "ground-truth.json")
    return p


def main(argv: list[str] | None = None) -> int:
    """``python -m tools.copies_bench CORPUS...``: measure each corpus and print its pairs; returns 0."""
    for name in build_parser().parse_args(argv).corpora:
        docs = read_corpus(Path(name))
        got = run(docs)
        print(f"{name}: {got['articles']} articles, {len(got['copies'])} stored once "
              f"({1000 * got['seconds'] / max(got['articles'], 1):.1f} ms per article), "
              f"{len(got['pairs'])} copy pairs, index missed {len(got['missed'])}")
        for a, b, lk in got["pairs"]:
            how = "identical" if lk.identical else f"containment {lk.containment:.2f}, length ratio {lk.length_ratio:.2f}"
            print(f"  {a} ~ {b} ({how}, {lk.unshared} unshared)")
            for aid in (a, b):
                text, headline = docs[aid]
                print(f"    {headline[:70]!r}: {' '.join(text.split())[:90]!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
