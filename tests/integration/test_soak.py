"""A short soak (``tools/soak.py``, what ``make soak`` runs at full size) as part of ``make test``:
real processes on 127.0.0.1, clients asking while two ingests into the served store are killed
part-way, bad requests on every route. It passes only with no 5xx answer, no dropped connection,
a store equal to a clean ingest and a server that saw every article without a restart."""

from __future__ import annotations

import pytest

from assistant.settings import load_settings
from tools.soak import run, summary

pytestmark = pytest.mark.integration


def test_a_short_soak_passes(tmp_path):
    result = run(load_settings(data_dir=tmp_path / "unused"), clients=4, articles=8, limit_s=240)
    assert result["passed"], summary(result)
    assert result["five_xx"] == 0 and result["dropped"] == 0
    assert result["asks"]["ok"] > 0 and result["bad_requests"]["fewest_per_route"] >= 50
