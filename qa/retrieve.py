"""Question -> candidate chunks: dense (FAISS) and BM25 rankings fused by reciprocal rank."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from qa.index_format import IndexData

RRF_K = 60


@dataclass
class Candidate:
    chunk: int
    dense: float  # cosine similarity of question and chunk


def dense_ranking(index: IndexData, query_vec: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    scores, ids = index.store.search(query_vec[None, :], k)
    keep = ids[0] >= 0
    return ids[0][keep], scores[0][keep]


def lexical_ranking(index: IndexData, query: str, k: int) -> tuple[np.ndarray, np.ndarray]:
    scores = index.chunk_lexical.scores(query)
    k = min(k, len(scores))
    top = np.argpartition(-scores, k - 1)[:k] if k < len(scores) else np.arange(len(scores))
    top = top[np.argsort(-scores[top], kind="stable")]
    top = top[scores[top] > 0]
    return top, scores[top]


def retrieve(index: IndexData, query: str, query_vec: np.ndarray, k: int, depth: int) -> list[Candidate]:
    """The `k` best chunks by fusing the top-`depth` dense and lexical rankings."""
    dense_ids, dense_scores = dense_ranking(index, query_vec, depth)
    lex_ids, _ = lexical_ranking(index, query, depth)
    fused: dict[int, float] = {}
    for ranking in (dense_ids, lex_ids):
        for rank, chunk in enumerate(ranking):
            fused[int(chunk)] = fused.get(int(chunk), 0.0) + 1.0 / (RRF_K + rank + 1)
    dense_of = dict(zip(dense_ids.tolist(), dense_scores.tolist()))
    order = sorted(fused, key=lambda c: (-fused[c], -dense_of.get(c, -1.0)))[:k]
    missing = [c for c in order if c not in dense_of]
    if missing:  # chunks found only lexically still need a dense score for the evidence step
        vecs = index.store.vectors(missing)
        dense_of.update(zip(missing, (vecs @ query_vec).tolist()))
    return [Candidate(c, dense_of[c]) for c in order]
