"""The embedding back ends: the ONNX export (the default, fp32; int8 on request) is built offline
from the packaged model, cached, and gives the vectors (fp32) or the neighbours (int8) of the
PyTorch model it came from."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from tests.conftest import ROOT, SEEDS
from vectorstore.embedder import (
    MiniLmEmbedder,
    OnnxEmbedder,
    export_onnx,
    make_embedder,
)
from vectorstore.sentences import split_sentences


@pytest.fixture(scope="module")
def seed_sentences():
    text = " ".join(p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt")))
    sentences = [s for s in (text[sp.start:sp.end] for sp in split_sentences(text)) if len(s) > 30]
    return sentences[:120]


@pytest.fixture(scope="module")
def torch_embedder():
    return MiniLmEmbedder()


@pytest.fixture(scope="module")
def int8_embedder():
    return OnnxEmbedder(quantize=True)


def test_the_default_backend_is_fp32_onnx_with_the_torch_vectors(embedder, torch_embedder, seed_sentences):
    assert isinstance(embedder, OnnxEmbedder) and embedder.variant == "onnx-fp32"
    ours, reference = embedder.embed_documents(seed_sentences), torch_embedder.embed_documents(seed_sentences)
    assert (ours * reference).sum(axis=1).min() > 0.9999
    q = "Who arrived in Elwood?"
    assert float(embedder.embed_query(q) @ torch_embedder.embed_query(q)) > 0.9999


def test_int8_vectors_match_the_torch_model(int8_embedder, torch_embedder, seed_sentences):
    embedder = int8_embedder
    ours = embedder.embed_documents(seed_sentences)
    reference = torch_embedder.embed_documents(seed_sentences)
    assert ours.shape == reference.shape == (len(seed_sentences), 384)
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-4)
    cosines = (ours * reference).sum(axis=1)
    assert cosines.min() > 0.93 and cosines.mean() > 0.98, (cosines.min(), cosines.mean())
    # What retrieval sees: each question's nearest sentence under int8 is the torch model's nearest,
    # or a near tie of it (two sentences 0.011 apart swap on CPUs with AVX-512 VNNI int8 kernels).
    questions = ["Who arrived in Elwood?", "What did the governor say about the troops?",
                 "Which agency ran the immigration operation?", "When did the deployment start?"]
    for q in questions:
        torch_sims = reference @ torch_embedder.embed_query(q)
        pick = int(np.argmax(ours @ embedder.embed_query(q)))
        assert pick in np.argsort(-torch_sims)[:3] and torch_sims.max() - torch_sims[pick] < 0.02, q


def test_batching_by_length_keeps_the_input_order(int8_embedder, seed_sentences):
    embedder = int8_embedder
    texts = seed_sentences[:40]
    together = embedder.embed_documents(texts)
    one_by_one = np.stack([embedder.embed_documents([t])[0] for t in texts[:8]])
    # int8 activations are scaled per batch, so a text's vector moves a little with its batch
    # (cosine about 0.99), but each row is still its own text's vector.
    cosines = together[:8] @ one_by_one.T
    assert (np.diag(cosines) > 0.97).all(), np.diag(cosines)
    assert (cosines.argmax(axis=1) == np.arange(8)).all()
    assert embedder.embed_documents([]).shape == (0, 384)


def test_the_export_runs_offline_and_is_cached(tmp_path):
    """A fresh export in a process that cannot reach any host (proxies pointed at a closed port)."""
    dead = "http://127.0.0.1:9"
    env = {**os.environ, "HTTP_PROXY": dead, "HTTPS_PROXY": dead, "http_proxy": dead, "https_proxy": dead,
           "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(ROOT)}
    script = ("import json, sys; from pathlib import Path; from vectorstore.embedder import OnnxEmbedder; "
              "e = OnnxEmbedder(quantize=True, cache_dir=Path(sys.argv[1])); v = e.embed_query('Guard troops arrived in Elwood'); "
              "print(json.dumps({'dim': len(v), 'files': sorted(p.name for p in Path(sys.argv[1]).iterdir())}))")
    run = subprocess.run([sys.executable, "-c", script, str(tmp_path)], env=env, cwd=ROOT,
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    out = json.loads(run.stdout.strip().splitlines()[-1])
    assert out["dim"] == 384
    assert len(out["files"]) == 1 and out["files"][0].endswith("-int8.onnx"), out["files"]
    exported = tmp_path / out["files"][0]
    before = exported.stat().st_mtime_ns
    assert export_onnx(None, tmp_path, quantize=True) == exported  # cached: not built again
    assert exported.stat().st_mtime_ns == before


def test_an_unknown_backend_is_refused():
    from vectorstore.embedder import EmbedderError

    with pytest.raises(EmbedderError, match="onnx, onnx-int8, torch"):
        make_embedder(backend="tensorflow")
