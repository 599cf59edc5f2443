"""The article-extraction benchmark behind ``make bench-extraction``: the Scrapinghub
article-extraction pages in ``../shared/benchmarks/article-extraction`` (read from there, never
copied), each page's text by the hand-written extractor used before and by trafilatura as
``ingest`` runs it now, scored by the benchmark's own ``score.py`` (token 4-gram shingles).

Pages are read as files are: no URL is given to the extractor (a page ingested by URL has one).
Run as ``python -m tools.extraction_bench [--benchmark DIR] [--out DIR]``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

from assistant.cli import run_command
from assistant.settings import Settings
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


def build_parser() -> argparse.ArgumentParser:
    """The options of ``python -m tools.extraction_bench``."""
    p = argparse.ArgumentParser(prog="python -m tools.extraction_bench",
                                description="score the HTML extraction on the article-extraction benchmark "
                                            "(before and now)")
    p.add_argument("--benchmark", type=Path, default=Path("../shared/benchmarks/article-extraction"),
                   help="the benchmark's folder (ground-truth.json, html/, score.py)")
    p.add_argument("--out", type=Path, default=Path("reports"), help="where the predictions and figures go")
    return p


def score(args: argparse.Namespace, settings: Settings) -> int:
    """Score both extractors, write ``OUT/extraction.json`` and print the table; says so and returns 0
    when the benchmark is absent."""
    if not (args.benchmark / "ground-truth.json").is_file():
        print(f"bench-extraction: skipped, {args.benchmark} is absent (the benchmark is read from there, never copied)")
        return 0
    result = run(args.benchmark, args.out)
    (args.out / "extraction.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    print(table(result))
    return 0


def main(argv: list[str] | None = None) -> int:
    """``python -m tools.extraction_bench``: parse the options and score; returns the exit status."""
    return run_command(score, build_parser().parse_args(argv), loggers=("tools",))


if __name__ == "__main__":
    sys.exit(main())
