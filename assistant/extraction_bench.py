"""The article-extraction benchmark behind ``make bench-extraction``: the Scrapinghub
article-extraction pages in ``../shared/benchmarks/article-extraction`` (read from there, never
copied), each page's text by the hand-written extractor used before and by trafilatura as
``ingest`` runs it now, scored by the benchmark's own ``score.py`` (token 4-gram shingles).

Pages are read as files are: no URL is given to the extractor (a page ingested by URL has one).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from vectorstore.extraction import NoArticle, decode_html, extract_by_tags, extract_page

EXTRACTORS = {
    "hand-written (before)": extract_by_tags,
    "trafilatura (now)": lambda html: extract_page(html).text,
}


def run(benchmark: Path, out_dir: Path) -> dict:
    """Extract every page with each extractor, write the predictions, score them.

    Returns:
        ``{"pages": n, "extractors": {name: {f1, precision, recall, accuracy, empty, seconds}}}``.
    """
    truth_path = benchmark / "ground-truth.json"
    truth = json.loads(truth_path.read_text(encoding="utf-8"))
    pages = {pid: decode_html((benchmark / "html" / f"{pid}.html.gz").read_bytes()) for pid in sorted(truth)}
    out_dir.mkdir(parents=True, exist_ok=True)
    result = {"pages": len(pages), "extractors": {}}
    for name, extract in EXTRACTORS.items():
        started = time.perf_counter()
        pred, empty = {}, 0
        for pid, html in pages.items():
            try:
                text = extract(html)
            except NoArticle:
                text = ""
            empty += not text
            pred[pid] = {"articleBody": text}
        seconds = time.perf_counter() - started
        pred_path = out_dir / f"extraction-{name.split()[0]}.json"
        pred_path.write_text(json.dumps(pred, ensure_ascii=False), encoding="utf-8")
        scored = subprocess.run([sys.executable, str(benchmark / "score.py"), str(truth_path), str(pred_path)],
                                capture_output=True, text=True, check=True)
        result["extractors"][name] = json.loads(scored.stdout) | {"empty": empty, "seconds": round(seconds, 1),
                                                                   "predictions": str(pred_path)}
    return result


def table(result: dict) -> str:
    """The figures as a Markdown table."""
    lines = [f"{result['pages']} pages of the article-extraction benchmark",
             "| extractor | F1 | precision | recall | exact | pages with no text | seconds |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for name, r in result["extractors"].items():
        lines.append(f"| {name} | {r['f1']:.3f} | {r['precision']:.3f} | {r['recall']:.3f} | {r['accuracy']:.3f} "
                     f"| {r['empty']} | {r['seconds']} |")
    return "\n".join(lines)
