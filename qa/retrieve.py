"""Question -> candidate chunks: dense (FAISS) and BM25 rankings of chunks and of sentences, fused by
reciprocal rank."""

from __future__ import annotations

from collections.abc import Callable
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


def lexical_ranking(index: IndexData, query: str, k: int) -> np.ndarray:
    return index.chunk_lexical.top(query, k)


def sentence_ranking(index: IndexData, query: str, query_vec: np.ndarray, k: int) -> np.ndarray:
    """Chunks ordered by their best sentence, the sentences ranked by fusing dense and BM25: a chunk
    about something else can hold the one sentence that answers, and its own vector will not show it.
    The sentence each of the two ranks first leads: fusing ranks alone would bury a sentence one of them
    is sure of and the other misses ("the two entities that the most powerful neighboring countries
    consider preeminent threats", first by BM25, 143rd by dense similarity)."""
    dense_ids = index.sentence_store.search(query_vec[None, :], k)[1][0]
    return _chunks_of_sentences(index, dense_ids[dense_ids >= 0], index.sentence_lexical.top(query, k))


def _chunks_of_sentences(index: IndexData, dense_ids: np.ndarray, lexical_ids: np.ndarray) -> np.ndarray:
    firsts = [int(r[0]) for r in (dense_ids, lexical_ids) if len(r)]
    fused = [*firsts, *_fuse([dense_ids, lexical_ids])]
    return np.asarray(list(dict.fromkeys(int(index.spans.sent_chunk[s]) for s in fused)), dtype=np.int64)


def _fuse(rankings: list[np.ndarray]) -> list[int]:
    """Reciprocal rank fusion: ids by the sum of 1 / (RRF_K + rank) over the rankings, best first."""
    fused: dict[int, float] = {}
    for ranking in rankings:
        for rank, i in enumerate(ranking):
            fused[int(i)] = fused.get(int(i), 0.0) + 1.0 / (RRF_K + rank + 1)
    return sorted(fused, key=lambda i: -fused[i])


def _with_firsts(fused: list[int], rankings: list[np.ndarray], k: int) -> list[int]:
    """The first `k` fused ids, where each ranking's first id stays: it takes the place of the last
    one that is not first anywhere (while there is one: never more than `k`)."""
    firsts = list(dict.fromkeys(int(r[0]) for r in rankings if len(r)))
    top = fused[:k]
    for first in firsts:
        drop = next((i for i in range(len(top) - 1, -1, -1) if top[i] not in firsts), None)
        if first not in top and drop is not None:
            del top[drop]
            top.append(first)
    return top


def retrieve(index: IndexData, query: str, query_vec: np.ndarray, k: int, depth: int,
             allowed: Callable[[int], bool] | None = None) -> list[Candidate]:
    """The `k` best chunks, fusing three top-`depth` rankings: chunks by dense similarity, chunks by
    BM25, and chunks by their best sentence; only chunks `allowed` holds for, if given."""
    dense_ids, dense_scores = dense_ranking(index, query_vec, depth)
    rankings = [dense_ids, lexical_ranking(index, query, depth), sentence_ranking(index, query, query_vec, depth)]
    if allowed:
        rankings = [np.asarray([c for c in r if allowed(int(c))], dtype=np.int64) for r in rankings]
    return _fused(index, rankings, dict(zip(dense_ids.tolist(), dense_scores.tolist())), query_vec, k)


def retrieve_within(index: IndexData, query: str, query_vec: np.ndarray, k: int,
                    docs: frozenset[int]) -> list[Candidate]:
    """`retrieve` over the chunks of documents `docs` alone, each ranking exact over them (a few sources
    are small beside the index, and their chunks may rank below any depth searched)."""
    chunks = np.flatnonzero(np.isin(index.spans.chunk_doc, list(docs)))
    sentences = np.flatnonzero(np.isin(index.spans.sent_doc, list(docs)))
    dense = index.store.vectors(chunks.tolist()) @ query_vec if len(chunks) else np.zeros(0)
    sentence_dense = index.sentence_vectors[sentences] @ query_vec
    rankings = [
        chunks[np.argsort(-dense, kind="stable")],
        _ranked(chunks, index.chunk_lexical.scores(query)[chunks]),
        _chunks_of_sentences(index, sentences[np.argsort(-sentence_dense, kind="stable")],
                             _ranked(sentences, index.sentence_lexical.scores(query)[sentences])),
    ]
    return _fused(index, rankings, dict(zip(chunks.tolist(), dense.tolist())), query_vec, k)


def _ranked(ids: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """`ids` by their BM25 `scores`, best first, leaving out those it misses."""
    order = np.argsort(-scores, kind="stable")
    return ids[order][scores[order] > 0]


def _fused(index: IndexData, rankings: list[np.ndarray], dense_of: dict[int, float], query_vec: np.ndarray,
           k: int) -> list[Candidate]:
    order = _with_firsts(_fuse(rankings), rankings, k)
    missing = [c for c in order if c not in dense_of]
    if missing:  # chunks the dense chunk ranking did not reach still need a dense score for the evidence step
        vecs = index.store.vectors(missing)
        dense_of.update(zip(missing, (vecs @ query_vec).tolist()))
    return [Candidate(c, dense_of[c]) for c in order]
