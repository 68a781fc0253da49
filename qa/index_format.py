"""The on-disk index: one immutable build folder, and `current` pointing at the live one.

A build folder holds manifest.json, documents.json, spans.npz (chunk and sentence offsets),
chunk_vectors.npy, sentence_vectors.npy, pair_vectors.npy (row i: sentence i read together with sentence
i + 1 of its document, or alone when it is the last; what a sentence means often spans the two),
faiss.index (chunks), faiss_sentences.index, two BM25 folders
and the tokens they were built from (tokens_chunks.npz, tokens_sentences.npz), which the next build
reuses for unchanged documents, and abbreviations.json (what the texts' abbreviations stand for).
"""

from __future__ import annotations

import json
import os
import zipfile
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from qa.abbreviations import Glossary
from qa.lexical import TOKENIZER_VERSION, LexicalIndex
from qa.store import FaissStore
from qa.types import Chunk, Document, IndexLoadError

FORMAT_VERSION = 4
CURRENT = "current"
BUILDS = "builds"


@dataclass
class Spans:
    """Offsets of every chunk and sentence, as parallel integer arrays (compact at any scale)."""

    chunk_doc: np.ndarray
    chunk_start: np.ndarray
    chunk_end: np.ndarray
    chunk_sent_lo: np.ndarray
    chunk_sent_hi: np.ndarray
    sent_doc: np.ndarray
    sent_start: np.ndarray
    sent_end: np.ndarray
    sent_chunk: np.ndarray  # the first chunk that contains each sentence

    def save(self, path: Path) -> None:
        np.savez(path, **asdict(self))

    @classmethod
    def load(cls, path: Path) -> Spans:
        with np.load(path) as data:
            return cls(**{k: data[k] for k in cls.__dataclass_fields__})


@dataclass
class IndexData:
    """A loaded build: everything retrieval needs, in memory."""

    path: Path
    manifest: dict
    documents: list[Document]
    spans: Spans
    sentence_vectors: np.ndarray
    pair_vectors: np.ndarray
    store: FaissStore  # chunk vectors
    sentence_store: FaissStore
    chunk_lexical: LexicalIndex
    sentence_lexical: LexicalIndex
    glossary: Glossary

    def chunk(self, i: int) -> Chunk:
        sp = self.spans
        doc = self.documents[sp.chunk_doc[i]]
        sentences = [(int(sp.sent_start[s]), int(sp.sent_end[s]))
                     for s in range(sp.chunk_sent_lo[i], sp.chunk_sent_hi[i])]
        return Chunk(int(i), doc.doc_id, int(sp.chunk_start[i]), int(sp.chunk_end[i]), self.chunk_text(i), sentences)

    def chunk_text(self, i: int) -> str:
        return self.documents[self.spans.chunk_doc[i]].text[self.spans.chunk_start[i]:self.spans.chunk_end[i]]

    def sentence_text(self, i: int) -> str:
        return self.documents[self.spans.sent_doc[i]].text[self.spans.sent_start[i]:self.spans.sent_end[i]]

    def same_paragraph(self, a: int, b: int) -> bool:
        """Whether sentences `a` and `b` both exist and stand in one paragraph of one document."""
        sp = self.spans
        n = len(sp.sent_doc)
        if not (0 <= a < n and 0 <= b < n) or sp.sent_doc[a] != sp.sent_doc[b]:
            return False
        lo, hi = min(a, b), max(a, b)
        return "\n" not in self.documents[sp.sent_doc[lo]].text[sp.sent_start[lo]:sp.sent_start[hi]]


def save_tokens(path: Path, tokens: list[list[str]]) -> None:
    """Tokenized texts as a vocabulary, flat token ids and per-text offsets."""
    vocab = sorted({t for toks in tokens for t in toks})
    number = {t: i for i, t in enumerate(vocab)}
    ids = np.fromiter((number[t] for toks in tokens for t in toks), dtype=np.int32)
    offsets = np.cumsum([0, *map(len, tokens)], dtype=np.int64)
    np.savez(path, ids=ids, offsets=offsets, vocab=np.array(vocab, dtype=str))


def load_tokens(path: Path) -> list[list[str]]:
    with np.load(path) as data:
        vocab, ids, offsets = data["vocab"].tolist(), data["ids"], data["offsets"]
    return [[vocab[i] for i in ids[a:b]] for a, b in zip(offsets[:-1], offsets[1:])]


def current_build(index_dir: Path) -> Path | None:
    """The live build folder, or None when there is no index yet."""
    link = index_dir / CURRENT
    if not link.is_symlink() and not link.exists():
        return None
    target = link.resolve()
    return target if target.is_dir() else None


def write_manifest(path: Path, manifest: dict) -> None:
    (path / "manifest.json").write_text(json.dumps(manifest, indent=1, ensure_ascii=False))


def write_documents(path: Path, documents: list[Document]) -> None:
    with open(path / "documents.json", "w", encoding="utf-8") as fh:
        json.dump([asdict(d) for d in documents], fh, ensure_ascii=False)


def read_manifest(build: Path) -> dict:
    try:
        return json.loads((build / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise IndexLoadError(f"The index at {build} is corrupt (manifest.json: {exc}).") from exc


def read_documents(build: Path) -> list[Document]:
    with open(build / "documents.json", encoding="utf-8") as fh:
        return [Document(**d) for d in json.load(fh)]


def check_compatible(manifest: dict, model_name: str, build: Path) -> None:
    if manifest.get("format_version") != FORMAT_VERSION:
        raise IndexLoadError(
            f"The index at {build} has format {manifest.get('format_version')}, this version reads "
            f"format {FORMAT_VERSION}."
        )
    if manifest.get("model") != model_name:
        raise IndexLoadError(
            f"The index at {build} was built with the model {manifest.get('model')!r}, but the settings "
            f"use {model_name!r}."
        )


def tokenizer_version(manifest: dict) -> str | None:
    """The word tokenizer of a build's BM25 tokens (older builds kept it among the chunker settings)."""
    return manifest.get("tokenizer_version") or manifest.get("chunker", {}).get("tokenizer_version")


def load_index(index_dir: Path, model_name: str, ef_search: int | None = None) -> IndexData:
    """Load the live build, or raise IndexLoadError saying what to do."""
    build = current_build(index_dir)
    if build is None:
        raise IndexLoadError(f"No index found in {index_dir}.", hint="Run `qa index` to build it.")
    manifest = read_manifest(build)
    check_compatible(manifest, model_name, build)
    if tokenizer_version(manifest) != TOKENIZER_VERSION:
        # questions would be split into words differently from the indexed texts, and quietly miss them
        raise IndexLoadError(
            f"The index at {build} was split into words by tokenizer version {tokenizer_version(manifest)}; "
            f"this version uses {TOKENIZER_VERSION}.",
            hint="Run `qa index` to update it (it keeps the vectors, so it takes seconds).")
    try:
        documents = read_documents(build)
        spans = Spans.load(build / "spans.npz")
        # Memory-mapped: the evidence step reads a few dozen rows per question, and the sentence FAISS
        # index already holds every vector in RAM; a second in-memory copy would double that cost.
        sentence_vectors = np.load(build / "sentence_vectors.npy", mmap_mode="r")
        pair_vectors = np.load(build / "pair_vectors.npy", mmap_mode="r")
        store = FaissStore.load(build / "faiss.index", ef_search)
        sentence_store = FaissStore.load(build / "faiss_sentences.index", ef_search)
        chunk_lexical = LexicalIndex.load(build / "bm25_chunks")
        sentence_lexical = LexicalIndex.load(build / "bm25_sentences")
        glossary = Glossary.load(build / "abbreviations.json")
    except (OSError, ValueError, KeyError, TypeError, RuntimeError, EOFError, zipfile.BadZipFile) as exc:
        raise IndexLoadError(f"The index at {build} is corrupt or incomplete ({exc}).") from exc
    n_chunks, n_sents = len(spans.chunk_doc), len(spans.sent_doc)
    if (len(store) != n_chunks or manifest.get("chunks") != n_chunks
            or not len(sentence_vectors) == len(pair_vectors) == len(sentence_store) == n_sents):
        raise IndexLoadError(
            f"The index at {build} is inconsistent ({len(store)} vectors for {n_chunks} chunks, "
            f"{len(sentence_vectors)}, {len(pair_vectors)} and {len(sentence_store)} for {n_sents} sentences)."
        )
    return IndexData(build, manifest, documents, spans, sentence_vectors, pair_vectors, store, sentence_store,
                     chunk_lexical, sentence_lexical, glossary)


def build_id(index_dir: Path) -> str | None:
    """A cheap fingerprint of the live build (one readlink), to notice a new one."""
    try:
        return os.readlink(index_dir / CURRENT)
    except OSError:
        return None
