"""Extraction on real news pages: pages of the article-extraction benchmark in
``../shared/benchmarks/article-extraction`` (read from there, never copied) against their ground
truth, scored with the benchmark's own metric. Skipped when the benchmark is not beside this checkout;
the self-made pages in tests/integration/data/web are always checked (test_web_sources.py, unit tests)."""

import gzip
import json
import runpy

import pytest

from tests.conftest import ROOT
from vectorstore.extraction import decode_html, extract_page
from vectorstore.loading import load_article

pytestmark = pytest.mark.integration
BENCHMARK = ROOT.parent / "shared" / "benchmarks" / "article-extraction"
FIRST = 8  # the first pages in id order: not picked for how well they do


@pytest.fixture(scope="module")
def benchmark():
    if not (BENCHMARK / "ground-truth.json").is_file():
        pytest.skip(f"{BENCHMARK} is absent: the benchmark pages are read from there (make bench-extraction)")
    truth = json.loads((BENCHMARK / "ground-truth.json").read_text(encoding="utf-8"))
    return truth, runpy.run_path(str(BENCHMARK / "score.py"))


def test_benchmark_pages_match_their_ground_truth(benchmark):
    truth, score = benchmark
    f1s = {}
    for pid in sorted(truth)[:FIRST]:
        text = extract_page(gzip.decompress((BENCHMARK / "html" / f"{pid}.html.gz").read_bytes())).text
        tp, fp, fn = score["page"](truth[pid]["articleBody"], text)
        p, r = score["prec"](tp, fp, fn), score["rec"](tp, fp, fn)
        f1s[pid[:12]] = 2 * p * r / (p + r) if p + r else 0.0
    assert min(f1s.values()) >= 0.9, f1s
    assert sum(f1s.values()) / len(f1s) >= 0.95, f1s


def test_a_benchmark_page_file_is_stored_as_extracted(benchmark):
    truth, _ = benchmark
    pid = sorted(truth)[0]
    path = BENCHMARK / "html" / f"{pid}.html.gz"
    article = load_article(path, id_root=None)
    assert article.id == pid  # the .html.gz is not part of the id
    assert article.text == extract_page(decode_html(path.read_bytes())).text
    assert article.text.split("\n\n")[0] == truth[pid]["articleBody"].split("\n")[0]
