"""Build or refresh the index: diff the corpus against the live build by content hash, embed only
what changed, write a new build folder and swap it in atomically, all under a lock."""

from __future__ import annotations

import multiprocessing
import os
import shutil
import sys
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
from filelock import FileLock, Timeout

from qa import index_format as fmt
from qa.abbreviations import Glossary
from qa.chunking import SEPARATORS, Span, chunk_document, make_splitter
from qa.embedding import get_embedder
from qa.ingest import CLEANING_VERSION, IngestError, content_hash, find_sources, load_document
from qa.lexical import TOKENIZER_VERSION, LexicalIndex, tokenize
from qa.settings import Settings
from qa.store import FaissStore
from qa.types import BuildReport, Document, IndexLoadError, QAError

Progress = Callable[[float, str], None]
KEEP_BUILDS = 2  # the live one and the one before, for readers that are still on it


@dataclass
class DocParts:
    """One document's rows in a build: its spans (local to the document), vectors and BM25 tokens."""

    doc: Document
    sentences: list[Span]
    chunks: list[Span]
    ranges: list[tuple[int, int]]
    chunk_vectors: np.ndarray
    sentence_vectors: np.ndarray
    pair_vectors: np.ndarray  # each sentence read together with the next one (see index_format)
    indexed_at: str
    chunk_tokens: list[list[str]] | None = None  # None: tokenized from the text
    sentence_tokens: list[list[str]] | None = None

    def __post_init__(self):
        if self.chunk_tokens is None:
            self.chunk_tokens = [tokenize(self.doc.text[c.start:c.end]) for c in self.chunks]
        if self.sentence_tokens is None:
            self.sentence_tokens = [tokenize(self.doc.text[t.start:t.end]) for t in self.sentences]


def build_index(corpus_dir: Path | str | None = None, index_dir: Path | str | None = None,
                rebuild: bool = False, settings: Settings | None = None,
                progress: Progress | None = None) -> BuildReport:
    """Bring `index_dir` up to date with `corpus_dir`. Safe to kill at any moment; serialized by a lock."""
    settings = (settings or Settings.from_env()).replace(corpus_dir=corpus_dir, index_dir=index_dir)
    corpus, index = Path(settings.corpus_dir), Path(settings.index_dir)
    if not corpus.is_dir():
        raise QAError(f"Corpus folder {corpus} does not exist.")
    index.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(index / ".lock"))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        print(f"Another index build holds {index / '.lock'}; waiting up to {settings.lock_timeout:.0f} s...",
              file=sys.stderr)
        try:
            lock.acquire(timeout=settings.lock_timeout)
        except Timeout:
            raise QAError("Another `qa index` is still running; try again when it has finished.") from None
    try:
        return _build_locked(corpus, index, rebuild, settings, progress or _no_progress)
    finally:
        lock.release()


def _no_progress(fraction: float, message: str) -> None:
    pass


def chunker_settings(settings: Settings) -> dict:
    return {
        "chunk_tokens": settings.chunk_tokens,
        "chunk_overlap_tokens": settings.chunk_overlap_tokens,
        "separators": SEPARATORS,
        "cleaning_version": CLEANING_VERSION,
        "splitter": "langchain RecursiveCharacterTextSplitter + pysbd sentences, run-on lines joined",
    }


def _build_locked(corpus: Path, index: Path, rebuild: bool, settings: Settings, progress: Progress) -> BuildReport:
    started = time.perf_counter()
    _remove_stale_temp_builds(index)
    report = BuildReport()
    previous, reason, report.retokenized = _previous_parts(index, settings, rebuild)
    report.full_rebuild_reason = reason
    sources = find_sources(corpus)
    progress(0.0, f"Reading {len(sources)} files")
    kept: dict[str, DocParts] = {}
    to_embed: list[Document] = []
    for path in sources:
        source = path.relative_to(corpus).as_posix()
        old = previous.get(source)
        try:
            if old is not None and old.doc.content_hash == content_hash(path.read_bytes()):
                kept[source] = old
                report.unchanged.append(source)
                continue
            to_embed.append(load_document(path, corpus, settings.max_file_bytes))
        except (IngestError, OSError) as exc:
            report.failed[source] = str(exc)
            if old is not None:  # keep what was indexed rather than lose it over an unreadable edit
                kept[source] = old
            continue
        (report.updated if old is not None else report.added).append(source)
    present = {p.relative_to(corpus).as_posix() for p in sources}
    report.removed = sorted(s for s in previous if s not in present)
    changed = report.added or report.updated or report.removed or reason or report.retokenized
    if not changed and fmt.current_build(index):
        report.chunks = sum(len(p.chunks) for p in kept.values())
        report.seconds = time.perf_counter() - started
        progress(1.0, "Index already up to date")
        return report
    if not kept and not to_embed:
        raise QAError(f"No readable documents in {corpus}; the existing index (if any) is left as it was.")
    fresh = _embed_documents(to_embed, settings, progress)
    report.embedded_chunks = sum(len(p.chunks) for p in fresh)
    parts = sorted([*kept.values(), *fresh], key=lambda p: p.doc.source)
    progress(0.9, "Writing the index")
    _write_and_swap(index, parts, settings)
    report.chunks = sum(len(p.chunks) for p in parts)
    report.seconds = time.perf_counter() - started
    progress(1.0, f"Indexed {len(parts)} documents, {report.chunks} chunks")
    return report


def _previous_parts(index: Path, settings: Settings, rebuild: bool) -> tuple[dict[str, DocParts], str, bool]:
    """The live build's documents by source, or {} with the reason a full rebuild is needed; and whether
    their words must be re-read because the word tokenizer changed."""
    build = fmt.current_build(index)
    if build is None:
        return {}, "" if not (index / fmt.BUILDS).exists() else "no live index", False
    if rebuild:
        return {}, "--rebuild requested", False
    try:
        manifest = fmt.read_manifest(build)
        fmt.check_compatible(manifest, settings.model_name, build)
        chunker = {k: v for k, v in manifest.get("chunker", {}).items() if k != "tokenizer_version"}
        current = chunker_settings(settings)
        if chunker != current:
            cleaning_only = {**chunker, "cleaning_version": CLEANING_VERSION} == current
            return {}, "text cleaning changed" if cleaning_only else "chunker settings changed", False
        # A new word tokenizer changes only the BM25 tokens: the texts are re-read, the vectors kept.
        retokenize = fmt.tokenizer_version(manifest) != TOKENIZER_VERSION
        return _read_parts(build, manifest, keep_tokens=not retokenize), "", retokenize
    except IndexLoadError as exc:
        return {}, f"previous index unusable ({exc.reason})", False
    except (OSError, ValueError, KeyError) as exc:
        return {}, f"previous index unusable ({exc})", False


def _read_parts(build: Path, manifest: dict, keep_tokens: bool) -> dict[str, DocParts]:
    docs = fmt.read_documents(build)
    spans = fmt.Spans.load(build / "spans.npz")
    chunk_vectors = np.load(build / "chunk_vectors.npy", mmap_mode="r")
    sentence_vectors = np.load(build / "sentence_vectors.npy", mmap_mode="r")
    pair_vectors = np.load(build / "pair_vectors.npy", mmap_mode="r")
    chunk_tokens, sentence_tokens = None, None
    if keep_tokens:
        chunk_tokens, sentence_tokens = _stored_tokens(build, "chunks"), _stored_tokens(build, "sentences")
    # rows are stored document by document, so each document's rows are one slice
    chunk_bounds = np.searchsorted(spans.chunk_doc, np.arange(len(docs) + 1))
    sent_bounds = np.searchsorted(spans.sent_doc, np.arange(len(docs) + 1))
    parts = {}
    for i, doc in enumerate(docs):
        c = slice(int(chunk_bounds[i]), int(chunk_bounds[i + 1]))
        s = slice(int(sent_bounds[i]), int(sent_bounds[i + 1]))
        parts[doc.source] = DocParts(
            doc=doc,
            sentences=[Span(int(a), int(b)) for a, b in zip(spans.sent_start[s], spans.sent_end[s])],
            chunks=[Span(int(a), int(b)) for a, b in zip(spans.chunk_start[c], spans.chunk_end[c])],
            ranges=[(int(a) - s.start, int(b) - s.start)
                    for a, b in zip(spans.chunk_sent_lo[c], spans.chunk_sent_hi[c])],
            chunk_vectors=np.asarray(chunk_vectors[c]),
            sentence_vectors=np.asarray(sentence_vectors[s]),
            pair_vectors=np.asarray(pair_vectors[s]),
            indexed_at=manifest["documents"][doc.source]["indexed_at"],
            chunk_tokens=chunk_tokens[c] if chunk_tokens is not None else None,
            sentence_tokens=sentence_tokens[s] if sentence_tokens is not None else None,
        )
    return parts


def _stored_tokens(build: Path, kind: str) -> list[list[str]] | None:
    """A build's BM25 tokens, or None for a build written before they were stored."""
    path = build / f"tokens_{kind}.npz"
    return fmt.load_tokens(path) if path.exists() else None


def _embed_documents(docs: list[Document], settings: Settings, progress: Progress) -> list[DocParts]:
    if not docs:
        return []
    embedder = get_embedder()
    splitter = make_splitter(embedder.token_length, settings.chunk_tokens, settings.chunk_overlap_tokens)
    pieces = _chunk_all(docs, splitter)
    texts: list[str] = []
    for doc, (sentences, chunks, _) in zip(docs, pieces):
        texts += [doc.text[c.start:c.end] for c in chunks] + [doc.text[s.start:s.end] for s in sentences]
        texts += [doc.text[a.start:b.end] for a, b in zip(sentences, sentences[1:])]
    vectors = _encode_with_progress(embedder, texts, settings.batch_size, progress)
    now = datetime.now(timezone.utc).isoformat(timespec="seconds")
    out, row = [], 0
    for doc, (sentences, chunks, ranges) in zip(docs, pieces):
        cv = vectors[row:row + len(chunks)]
        row += len(chunks)
        sv = vectors[row:row + len(sentences)]
        row += len(sentences)
        pairs = max(len(sentences) - 1, 0)
        pv = np.concatenate([vectors[row:row + pairs], sv[pairs:]])  # the last sentence has no next one
        row += pairs
        out.append(DocParts(doc, sentences, chunks, ranges, cv, sv, pv, now))
    return out


PARALLEL_MIN_CHARS = 200_000  # below this, starting worker processes costs more than it saves
_splitter_for_workers = None


def _chunk_all(docs: list[Document], splitter) -> list:
    """Sentence-split and chunk every document, on all cores when there is enough text.
    Workers are forked so that they inherit the loaded tokenizer instead of pickling it."""
    global _splitter_for_workers
    cores = os.cpu_count() or 1
    if cores < 2 or len(docs) < 2 or sum(len(d.text) for d in docs) < PARALLEL_MIN_CHARS:
        return [chunk_document(doc, splitter) for doc in docs]
    _splitter_for_workers = splitter
    try:
        with ProcessPoolExecutor(cores, mp_context=multiprocessing.get_context("fork")) as pool:
            return list(pool.map(_chunk_in_worker, docs))
    finally:
        _splitter_for_workers = None


def _chunk_in_worker(doc: Document):
    return chunk_document(doc, _splitter_for_workers)


def _encode_with_progress(embedder, texts: list[str], step: int, progress: Progress) -> np.ndarray:
    """Encode in length-sorted batches (little padding), one batch per model call so that questions
    answered while a build runs wait for one batch at most, not the whole build."""
    from tqdm import tqdm

    order = sorted(range(len(texts)), key=lambda i: len(texts[i]), reverse=True)
    out = np.zeros((len(texts), embedder.dim), dtype=np.float32)
    with tqdm(total=len(texts), desc="Embedding", unit="text", disable=None, file=sys.stderr) as bar:
        for i in range(0, len(order), step):
            batch = order[i:i + step]
            out[batch] = embedder.encode([texts[j] for j in batch])
            bar.update(len(batch))
            progress(0.05 + 0.85 * bar.n / len(texts), f"Embedding {bar.n}/{len(texts)} texts")
    return out


def _write_and_swap(index: Path, parts: list[DocParts], settings: Settings) -> None:
    builds = index / fmt.BUILDS
    name = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%f") + f"-{os.getpid()}"
    tmp = builds / f".tmp-{name}"
    try:
        tmp.mkdir(parents=True)
        _write_build(tmp, parts, settings)
        _fsync_tree(tmp)
        final = builds / name
        os.rename(tmp, final)
        link_tmp = index / f".{fmt.CURRENT}.tmp"
        if link_tmp.is_symlink() or link_tmp.exists():
            link_tmp.unlink()
        os.symlink(Path(fmt.BUILDS) / name, link_tmp)
        os.replace(link_tmp, index / fmt.CURRENT)
        _fsync_dir(index)
    except BaseException as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        if isinstance(exc, OSError):
            raise QAError(f"Could not write the new index in {index}: {exc.strerror or exc}. "
                          "The previous index is unchanged; free some space and run `qa index` again.") from exc
        raise
    _remove_old_builds(builds, keep=name)


def _write_build(path: Path, parts: list[DocParts], settings: Settings) -> None:
    docs = [p.doc for p in parts]
    spans, chunk_vectors, sentence_vectors, pair_vectors = _stack(parts)
    dim = int(chunk_vectors.shape[1])
    store, sentence_store = (FaissStore.build(v, settings.ann_threshold, settings.hnsw_m, settings.hnsw_ef_search)
                             for v in (chunk_vectors, sentence_vectors))
    np.save(path / "chunk_vectors.npy", chunk_vectors)
    np.save(path / "sentence_vectors.npy", sentence_vectors)
    np.save(path / "pair_vectors.npy", pair_vectors)
    spans.save(path / "spans.npz")
    store.save(path / "faiss.index")
    sentence_store.save(path / "faiss_sentences.index")
    chunk_tokens = [t for p in parts for t in p.chunk_tokens]
    sentence_tokens = [t for p in parts for t in p.sentence_tokens]
    fmt.save_tokens(path / "tokens_chunks.npz", chunk_tokens)
    fmt.save_tokens(path / "tokens_sentences.npz", sentence_tokens)
    LexicalIndex.build(chunk_tokens).save(path / "bm25_chunks")
    LexicalIndex.build(sentence_tokens).save(path / "bm25_sentences")
    fmt.write_documents(path, docs)
    Glossary.from_texts([d.text for d in docs], _topics(chunk_vectors, spans.chunk_doc, len(docs))).save(
        path / "abbreviations.json")
    fmt.write_manifest(path, {
        "format_version": fmt.FORMAT_VERSION,
        "model": settings.model_name,
        "dim": dim,
        "chunker": chunker_settings(settings),
        "tokenizer_version": TOKENIZER_VERSION,
        "store": store.kind,
        "sentence_store": sentence_store.kind,
        "built_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "chunks": len(chunk_tokens),
        "sentences": len(sentence_tokens),
        "documents": {
            p.doc.source: {
                "hash": p.doc.content_hash, "title": p.doc.title, "authors": p.doc.authors,
                "date": p.doc.date, "publisher": p.doc.publisher, "chunks": len(p.chunks),
                "sentences": len(p.sentences), "indexed_at": p.indexed_at,
            }
            for p in parts
        },
    })


def _topics(chunk_vectors: np.ndarray, chunk_doc: np.ndarray, documents: int) -> np.ndarray:
    """What each document is about: the unit mean of its chunk vectors."""
    sums = np.zeros((documents, chunk_vectors.shape[1]))
    np.add.at(sums, chunk_doc, chunk_vectors)
    return sums / np.maximum(np.linalg.norm(sums, axis=1, keepdims=True), 1e-12)


def _stack(parts: list[DocParts]) -> tuple[fmt.Spans, np.ndarray, np.ndarray, np.ndarray]:
    cols: dict[str, list] = {k: [] for k in fmt.Spans.__dataclass_fields__}
    sent_base = chunk_base = 0
    for d, p in enumerate(parts):
        first_chunk = {}
        for c, (span, (lo, hi)) in enumerate(zip(p.chunks, p.ranges)):
            cols["chunk_doc"].append(d)
            cols["chunk_start"].append(span.start)
            cols["chunk_end"].append(span.end)
            cols["chunk_sent_lo"].append(sent_base + lo)
            cols["chunk_sent_hi"].append(sent_base + hi)
            for s in range(lo, hi):
                first_chunk.setdefault(s, chunk_base + c)
        for s, span in enumerate(p.sentences):
            cols["sent_doc"].append(d)
            cols["sent_start"].append(span.start)
            cols["sent_end"].append(span.end)
            cols["sent_chunk"].append(first_chunk.get(s, -1))
        sent_base += len(p.sentences)
        chunk_base += len(p.chunks)
    spans = fmt.Spans(**{k: np.asarray(v, dtype=np.int64) for k, v in cols.items()})
    chunk_vectors, sentence_vectors, pair_vectors = (
        np.concatenate([getattr(p, name) for p in parts]).astype(np.float32)
        for name in ("chunk_vectors", "sentence_vectors", "pair_vectors"))
    return spans, chunk_vectors, sentence_vectors, pair_vectors


def _remove_stale_temp_builds(index: Path) -> None:
    """Left behind by a build that was killed; safe to delete because we hold the lock."""
    builds = index / fmt.BUILDS
    if builds.is_dir():
        for tmp in builds.glob(".tmp-*"):
            shutil.rmtree(tmp, ignore_errors=True)


def _remove_old_builds(builds: Path, keep: str) -> None:
    done = sorted((p for p in builds.iterdir() if not p.name.startswith(".")), key=lambda p: p.name)
    for old in done[:-KEEP_BUILDS]:
        if old.name != keep:
            shutil.rmtree(old, ignore_errors=True)


def _fsync_tree(path: Path) -> None:
    for f in path.rglob("*"):
        if f.is_file():
            with open(f, "rb") as fh:
                os.fsync(fh.fileno())
    _fsync_dir(path)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
