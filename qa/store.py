"""Vector storage behind one small interface, so the backend can be replaced (see README: scaling)."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import faiss
import numpy as np


class VectorStore(Protocol):
    """Inner-product search over unit vectors, addressed by row number."""

    kind: str

    def __len__(self) -> int: ...

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(scores, ids) of shape (len(queries), k); missing results have id -1."""
        ...

    def vectors(self, ids: list[int]) -> np.ndarray:
        """The stored vectors of rows `ids`."""
        ...

    def save(self, path: Path) -> None: ...


class FaissStore:
    """Exact (flat) search for small corpora, HNSW above `ann_threshold` vectors."""

    def __init__(self, index: faiss.Index):
        self.index = index
        self.kind = "hnsw" if isinstance(index, faiss.IndexHNSW) else "flat"

    @classmethod
    def build(cls, vectors: np.ndarray, ann_threshold: int, hnsw_m: int = 32,
              ef_search: int = 128, ef_construction: int = 200) -> FaissStore:
        dim = vectors.shape[1]
        if len(vectors) > ann_threshold:
            index = faiss.IndexHNSWFlat(dim, hnsw_m, faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efConstruction = ef_construction
            index.hnsw.efSearch = ef_search
        else:
            index = faiss.IndexFlatIP(dim)
        if len(vectors):
            index.add(np.ascontiguousarray(vectors, dtype=np.float32))
        return cls(index)

    def __len__(self) -> int:
        return self.index.ntotal

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        k = max(1, min(k, len(self)))
        return self.index.search(np.ascontiguousarray(queries, dtype=np.float32), k)

    def vectors(self, ids: list[int]) -> np.ndarray:
        return np.stack([self.index.reconstruct(int(i)) for i in ids])

    def save(self, path: Path) -> None:
        faiss.write_index(self.index, str(path))

    @classmethod
    def load(cls, path: Path, ef_search: int | None = None) -> FaissStore:
        index = faiss.read_index(str(path))
        if ef_search and isinstance(index, faiss.IndexHNSW):
            index.hnsw.efSearch = ef_search
        return cls(index)
