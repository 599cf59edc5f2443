"""A store's serving figures as a reader meets them: a fresh process opens the store, answers the
first question (cold start), then times every question again with its vector embedded afresh (warm
p50/p95), and reports its peak RSS. ``make bench CORPUS=...`` (``tools.bench.corpus``) and
``make bench-archive`` (``tools.archive_bench``) both measure a store this way.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from assistant.answer import Assistant

ROOT = Path(__file__).resolve().parent.parent  # the checkout: the serving process imports tools from here

# The serving process. Its arguments: the data folder, a JSON file of the questions, and "retrieval"
# to time retrieval alone as well (else "-").
_SERVE = ("import json, resource, sys, time; t = time.perf_counter()\n"
          "from assistant.answer import Assistant\nfrom assistant.settings import load_settings\n"
          "qs = json.load(open(sys.argv[2]))\n"
          "from tools.serving import latencies, percentile\n"
          "a = Assistant(load_settings(data_dir=sys.argv[1])); latencies(a, qs[:1]); cold = time.perf_counter() - t\n"
          "latencies(a, qs[:3]); lat = latencies(a, qs)\n"
          "out = {'cold_start_s': round(cold, 2), 'ask_p50_ms': round(percentile(lat, 50), 1),\n"
          "       'ask_p95_ms': round(percentile(lat, 95), 1)}\n"
          "if sys.argv[3] == 'retrieval':\n"
          "    lat = latencies(a, qs, a.retrieve)\n"
          "    out.update(retrieve_p50_ms=round(percentile(lat, 50), 1), retrieve_p95_ms=round(percentile(lat, 95), 1))\n"
          "out['peak_rss_mb'] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)\n"
          "print(json.dumps(out))\n")


def percentile(values: list[float], p: float) -> float:
    """The ``p``-th percentile of ``values`` (nearest rank, no interpolation)."""
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


Question = str | tuple[str, str | None]  # a question, or a question and the day it is asked (YYYY-MM-DD)


def asked(case) -> Question:
    """A question set's case as the serving process times it: with its ``as_of`` when it has one
    (a question asked on a day is answered from the news of then: a smaller window to search)."""
    return (case.question, case.as_of.isoformat()) if case.as_of else case.question


def latencies(assistant: Assistant, questions: list[Question],
              call: Callable[..., object] | None = None) -> list[float]:
    """Milliseconds of ``call`` (default ``assistant.answer``) per question, each embedded afresh
    and asked as of its day when one is given."""
    import datetime as dt

    call = call or assistant.answer
    out = []
    for q in questions:
        text, day = (q, None) if isinstance(q, str) else q
        as_of = dt.date.fromisoformat(day) if day else None
        assistant.clear_caches()  # measure the real query embedding, not a cache hit
        t = time.perf_counter()
        call(text, as_of=as_of)
        out.append((time.perf_counter() - t) * 1000)
    return out


def serve_figures(data_dir: Path, questions: list[Question], retrieval: bool = False) -> dict:
    """Serve the store in ``data_dir`` from a new process and measure it.

    Args:
        data_dir: the data folder of an ingested store (an embedded one: ``ASSISTANT_CHROMA_URL`` is
            not passed on).
        questions: the questions to time (each a text, or a text and the day it is asked: ``asked``);
            the first also measures the cold start.
        retrieval: time retrieving the questions' passages alone as well.

    Returns:
        ``{"cold_start_s", "ask_p50_ms", "ask_p95_ms", "peak_rss_mb", "process_s"}``, and with
        ``retrieval`` ``"retrieve_p50_ms"`` and ``"retrieve_p95_ms"``.

    Raises:
        RuntimeError: the serving process failed (the end of its stderr is in the message).
    """
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(questions, f)
    try:
        t = time.perf_counter()
        env = {k: v for k, v in os.environ.items() if k != "ASSISTANT_CHROMA_URL"}
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
        out = subprocess.run([sys.executable, "-c", _SERVE, str(data_dir), f.name, "retrieval" if retrieval else "-"],
                             capture_output=True, text=True, env=env)
        if out.returncode:
            raise RuntimeError(f"bench --corpus: the serving process failed: {out.stderr[-2000:]}")
        figures = json.loads(out.stdout.strip().splitlines()[-1])
        figures["process_s"] = round(time.perf_counter() - t, 1)
        return figures
    finally:
        os.unlink(f.name)
