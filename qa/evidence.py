"""Candidate chunks -> scored candidate sentences.

Each sentence of the retrieved chunks gets general features (dense similarity computed from
vectors stored at index time, of the sentence alone and read with its neighbours; lexical overlap, also
counting the document's title and authors, and the year its date gives a month named without one; the
chunk's retrieval rank; answer-type cues) and a probability of holding the answer from a logistic model
trained by `benchmarks/train_ranker.py`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from qa.abbreviations import spelt_stems
from qa.answer_types import TYPE_CUES, question_types
from qa.index_format import IndexData
from qa.lexical import LETTER_WORD, tokenize
from qa.names import same_place
from qa.periods import implied_year
from qa.retrieve import Candidate

WEIGHTS_FILE = Path(__file__).with_name("ranker.json")

_SENTENCE_END = (".", "!", "?", "”", '"', "’", "'", ")", ":")

FEATURES = [
    "dense", "dense_with_prev", "dense_with_next", "chunk_dense", "chunk_rank", "bm25", "overlap",
    "overlap_with_doc", "bigram", "novelty", "type_number", "type_count", "type_date", "type_person", "type_place",
    "type_reason", "type_definition", "short", "prev_overlap", "next_overlap",
]


@dataclass
class Evidence:
    sentence: int  # global sentence id
    chunk: int  # the best-ranked retrieved chunk that contains it
    score: float  # probability that the sentence holds the answer
    merged: set[int] = field(default_factory=set)  # adjacent sentences quoted together with this one


@dataclass(frozen=True)
class Ranker:
    weights: np.ndarray
    bias: float
    abstain_threshold: float  # calibrated by benchmarks/train_ranker.py
    weak_evidence_threshold: float  # ... as the score a fifth of the answers to answerable dev questions fall below


@lru_cache(maxsize=4)
def load_ranker(path: Path = WEIGHTS_FILE) -> Ranker:
    data = json.loads(path.read_text())
    if data["features"] != FEATURES:
        raise ValueError(f"{path} was trained on other features; run benchmarks/train_ranker.py")
    abstain = float(data.get("abstain_threshold", 0.2))
    return Ranker(np.asarray(data["weights"], dtype=np.float64), float(data["bias"]), abstain,
                  float(data.get("weak_evidence_threshold", abstain)))


def quotable(text: str, title: str = "") -> bool:
    """A claim worth quoting: a finished sentence, not a heading, byline or caption. A long headline
    without a full stop is a heading all the same when it repeats the document's title."""
    if title and _bare(text) == _bare(title):
        return False
    return text.rstrip().endswith(_SENTENCE_END) or len(text.split()) >= 12


def _bare(text: str) -> str:
    return " ".join(LETTER_WORD.findall(text.lower()))


def candidate_sentences(index: IndexData, candidates: list[Candidate]) -> tuple[np.ndarray, np.ndarray]:
    """Unique quotable sentence ids of the candidate chunks and of their neighbours just across a chunk
    boundary (an answer often follows the sentence that matches the question), each with the rank of
    the best candidate chunk it came from."""
    seen: dict[int, int] = {}
    n, doc_of = len(index.spans.sent_doc), index.spans.sent_doc
    for pos, cand in enumerate(candidates):
        lo, hi = int(index.spans.chunk_sent_lo[cand.chunk]), int(index.spans.chunk_sent_hi[cand.chunk])
        title = index.documents[int(doc_of[lo])].title
        for s in range(max(lo - 1, 0), min(hi + 1, n)):
            if s not in seen and doc_of[s] == doc_of[lo] and quotable(index.sentence_text(s), title):
                seen[s] = pos
    ids = np.fromiter(seen, dtype=np.int64, count=len(seen))
    return ids, np.fromiter(seen.values(), dtype=np.int64, count=len(seen))


class Overlap:
    """How much of the question's content (IDF-weighted stems, and stem bigrams) a text covers. A name the
    corpus also abbreviates ("SCO", "Shanghai Cooperation Organization") is covered by the abbreviation or
    by all the words it stands for, and weighs as the abbreviation does; a capital is covered by its
    country's name ("Did Moscow help ...?" by "Russia has supported ..."), and a one-word country by its
    capital ("... attacked in Russia?" by "... attacked ... in Moscow"). Stems in `frame` only frame the
    question and are no part of its content."""

    def __init__(self, index: IndexData, question: str, frame: frozenset[str] = frozenset()):
        self.idf = index.sentence_lexical.weight
        stems = [t for t in index.sentence_lexical.query_tokens(question) if t not in frame]
        self.stems = set(stems)
        self.spelt: dict[str, set[str]] = {}
        for key, name, written in spelt_stems(question, index.glossary):
            self.spelt[key] = name
            if written:  # asked by name, it weighs as one word
                self.stems -= name
            self.stems.add(key)
        for stem in self.stems:
            place = same_place(stem)
            if place:
                self.spelt.setdefault(stem, place)
        self.total = sum(self.idf(t) for t in self.stems) or 1.0
        self.bigrams = set(zip(stems, stems[1:]))

    def words(self, tokens: Sequence[str]) -> float:
        found = self.stems.intersection(tokens)
        found.update(k for k, name in self.spelt.items() if k not in found and name.issubset(tokens))
        return sum(self.idf(t) for t in found) / self.total

    def phrases(self, tokens: Sequence[str]) -> float:
        if not self.bigrams:
            return 0.0
        return len(self.bigrams.intersection(zip(tokens, tokens[1:]))) / len(self.bigrams)


def features(index: IndexData, question: str, query_vec: np.ndarray, candidates: list[Candidate],
             ids: np.ndarray, positions: np.ndarray, bm25: np.ndarray) -> np.ndarray:
    """One row of FEATURES per candidate sentence. `question` supplies the words and answer type;
    `query_vec` and `bm25` come from the retrieval query (the question plus any conversation context)."""
    vecs = index.sentence_vectors[ids]
    dense = vecs @ query_vec
    overlap = Overlap(index, question)
    qtypes = question_types(question)
    texts = [index.sentence_text(int(s)) for s in ids]
    tokens_of = _tokens_around(index, ids)
    tokens = [tokens_of[int(s)] for s in ids]
    top = bm25.max() if len(bm25) and bm25.max() > 0 else 1.0
    with_prev, with_next = _pair_dense(index, ids, query_vec, dense)
    asks_year = any(len(stem) == 4 and stem.isdigit() for stem in overlap.stems)

    def implied(sentence: int) -> list[str]:  # only a question naming a year can match it
        year = implied_year(index, sentence) if asks_year else ""
        return [year] if year else []

    cols = {
        "dense": dense,
        "dense_with_prev": with_prev,
        "dense_with_next": with_next,
        "chunk_dense": [candidates[p].dense for p in positions],
        "chunk_rank": 1.0 / (1.0 + positions),
        "bm25": bm25 / top,
        "overlap": [overlap.words(t) for t in tokens],
        "overlap_with_doc": [overlap.words([*t, *_doc_tokens(index, int(s)), *implied(int(s))])
                             for s, t in zip(ids, tokens)],
        "bigram": [overlap.phrases(t) for t in tokens],
        "novelty": [len(set(t) - overlap.stems) / len(set(t)) if t else 0.0 for t in tokens],
        **{f"type_{kind}": [kind in qtypes and has(t, question) for t in texts] for kind, has in TYPE_CUES.items()
           if f"type_{kind}" in FEATURES},
        "short": [len(t) < 5 for t in tokens],
        "prev_overlap": [_neighbour_overlap(index, int(s), -1, overlap, tokens_of) for s in ids],
        "next_overlap": [_neighbour_overlap(index, int(s), 1, overlap, tokens_of) for s in ids],
    }
    rows = np.column_stack([np.asarray(cols[name], dtype=np.float64) for name in FEATURES])
    return rows


def _tokens_around(index: IndexData, ids: np.ndarray) -> dict[int, tuple[str, ...]]:
    """Stems of each candidate sentence and of the sentences either side (candidates are often each
    other's neighbours)."""
    n = len(index.spans.sent_doc)
    wanted = {int(s) + offset for s in ids for offset in (-1, 0, 1)}
    return {s: sentence_tokens(index.sentence_text(s)) for s in wanted if 0 <= s < n}


@lru_cache(maxsize=8192)  # the answer step reads again the sentences the evidence step read
def sentence_tokens(text: str) -> tuple[str, ...]:
    """Stems of a sentence of the index, tokenized once for all the steps of an answer."""
    return tuple(tokenize(text))


def _neighbour_overlap(index: IndexData, sentence: int, offset: int, overlap: Overlap,
                       tokens_of: dict[int, tuple[str, ...]]) -> float:
    nb = sentence + offset
    if not 0 <= nb < len(index.spans.sent_doc) or index.spans.sent_doc[nb] != index.spans.sent_doc[sentence]:
        return 0.0
    return overlap.words(tokens_of[nb])


def _pair_dense(index: IndexData, ids: np.ndarray, query_vec: np.ndarray,
                dense: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Similarity of each sentence read together with the one before it, and with the one after it
    ("the step" in one sentence is "Moscow's decision" in the one before). A sentence with no neighbour in
    its document stands alone."""
    with_next = index.pair_vectors[ids] @ query_vec
    before = np.maximum(ids - 1, 0)
    has_prev = (ids > 0) & (index.spans.sent_doc[before] == index.spans.sent_doc[ids])
    with_prev = np.where(has_prev, index.pair_vectors[before] @ query_vec, dense)
    return with_prev, with_next


def _doc_tokens(index: IndexData, sentence: int) -> list[str]:
    """The words of a sentence's document title and authors: "What does Sakhi recommend?" is asked of
    every sentence Sakhi wrote."""
    return _header_tokens(index.documents[int(index.spans.sent_doc[sentence])].title) + author_tokens(index, sentence)


def author_tokens(index: IndexData, sentence: int) -> list[str]:
    """The words of the names of a sentence's authors, who wrote every sentence of it."""
    return _header_tokens(" ".join(index.documents[int(index.spans.sent_doc[sentence])].authors))


@lru_cache(maxsize=4096)
def _header_tokens(header: str) -> list[str]:
    return tokenize(header)


def sentence_features(index: IndexData, question: str, query: str, query_vec: np.ndarray,
                      candidates: list[Candidate]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Candidate sentence ids, the rank of the chunk each came from, and their FEATURES rows.
    `query` is what was retrieved with (the question plus any conversation context)."""
    ids, positions = candidate_sentences(index, candidates)
    if not len(ids):
        return ids, positions, np.zeros((0, len(FEATURES)))
    bm25 = index.sentence_lexical.scores(query)[ids]
    words = question if index.sentence_lexical.query_tokens(question) else query
    return ids, positions, features(index, words, query_vec, candidates, ids, positions, bm25)


def score_sentences(index: IndexData, question: str, query: str, query_vec: np.ndarray,
                    candidates: list[Candidate]) -> list[Evidence]:
    """Candidate sentences, best first."""
    ids, positions, rows = sentence_features(index, question, query, query_vec, candidates)
    if not len(ids):
        return []
    ranker = load_ranker()
    probs = 1.0 / (1.0 + np.exp(-(rows @ ranker.weights + ranker.bias)))
    order = np.argsort(-probs, kind="stable")
    return [Evidence(int(ids[i]), candidates[int(positions[i])].chunk, float(probs[i])) for i in order]


