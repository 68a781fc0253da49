"""The sources behind the index: list what is indexed, read one document, add an uploaded file, set one
aside and put it back."""

from __future__ import annotations

import os
import re
import tempfile
import unicodedata
from pathlib import Path

from qa.api import get_index
from qa.ingest import SUPPORTED_SUFFIXES, is_source
from qa.settings import Settings
from qa.types import Document, QAError, credit

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
REMOVED = ".removed"  # where removed sources go: hidden folders are not indexed


def list_documents(index_dir: str | Path | None = None, settings: Settings | None = None) -> list[dict]:
    """One row per indexed document: title, authors, who it is credited to (`by`: the authors, else the
    publisher), date, source, chunks, when indexed."""
    index = get_index(index_dir, settings)
    rows = []
    for source, meta in sorted(index.manifest["documents"].items(), key=lambda kv: kv[1].get("date", ""),
                               reverse=True):
        rows.append({"title": meta["title"], "authors": ", ".join(meta["authors"]),
                     "by": credit(meta["authors"], meta.get("publisher", "")), "date": meta["date"],
                     "source": source, "chunks": meta["chunks"], "indexed_at": meta["indexed_at"]})
    return rows


def get_document(doc_id: str, index_dir: str | Path | None = None, settings: Settings | None = None) -> Document:
    """An indexed document by id (its display text is what citation offsets refer to); KeyError if unknown."""
    index = get_index(index_dir, settings)
    for doc in index.documents:
        if doc.doc_id == doc_id:
            return doc
    raise KeyError(doc_id)


def safe_filename(name: str) -> str:
    """A plain file name: no folders, no leading dots, only [A-Za-z0-9._-], a supported extension."""
    base = unicodedata.normalize("NFKD", Path(name.replace("\\", "/")).name).encode("ascii", "ignore").decode()
    stem, suffix = os.path.splitext(base)
    suffix = suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        allowed = ", ".join(SUPPORTED_SUFFIXES)
        raise QAError(f"{name!r}: only {allowed} files can be added.")
    stem = _UNSAFE.sub("-", stem).strip(".-_")[:80] or "upload"
    return stem + suffix


def add_source(filename: str, data: bytes, corpus_dir: str | Path | None = None,
               settings: Settings | None = None) -> Path:
    """Save an uploaded file into the corpus folder (replacing a file of the same name); returns its path.
    Run `build_index` afterwards to index it."""
    settings = settings or Settings.from_env()
    corpus = Path(corpus_dir or settings.corpus_dir).resolve()
    if len(data) > settings.max_upload_bytes:
        raise QAError(f"{filename!r} is {len(data):,} bytes; the limit is {settings.max_upload_bytes:,} "
                      "(QA_MAX_UPLOAD_BYTES).")
    target = (corpus / safe_filename(filename)).resolve()
    if target.parent != corpus:
        raise QAError(f"{filename!r}: refusing to write outside {corpus}.")
    corpus.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=corpus, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return target


def remove_source(source: str, corpus_dir: str | Path | None = None, settings: Settings | None = None) -> Path:
    """Set a source aside: move it (`source` is its path relative to the corpus folder) into the corpus
    folder's `.removed/`, which is not indexed, so it can be put back; returns where it went. Run
    `build_index` afterwards to drop it from the index."""
    corpus = _corpus(corpus_dir, settings)
    path = (corpus / source).resolve()
    if not path.is_relative_to(corpus) or not is_source(path, corpus):
        raise QAError(f"{source!r} is not a source in {corpus} (a file the index reads).")
    rel = path.relative_to(corpus)
    target = corpus / REMOVED / rel
    n = 1
    while target.exists():  # removed before: keep every copy
        n += 1
        target = (corpus / REMOVED / rel).with_name(f"{path.stem}-{n}{path.suffix}")
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(path, target)
    return target


def removed_sources(corpus_dir: str | Path | None = None, settings: Settings | None = None) -> list[str]:
    """The sources `remove_source` set aside, as paths relative to the corpus folder's `.removed/`."""
    removed = _corpus(corpus_dir, settings) / REMOVED
    if not removed.is_dir():
        return []
    return sorted(p.relative_to(removed).as_posix() for p in removed.rglob("*") if p.is_file())


def restore_source(name: str, corpus_dir: str | Path | None = None, settings: Settings | None = None) -> Path:
    """Put a removed source (`name` as `removed_sources` lists it) back into the corpus folder under that
    name; returns its path. Refused if a source of that name is there now. Run `build_index` afterwards."""
    corpus = _corpus(corpus_dir, settings)
    removed = corpus / REMOVED
    path = (removed / name).resolve()
    if not name or not path.is_relative_to(removed) or not path.is_file():
        raise QAError(f"{name!r} is not a removed source in {removed}.")
    target = corpus / path.relative_to(removed)
    if target.exists():
        raise QAError(f"{target.relative_to(corpus)} is in the corpus now; remove or rename it first.")
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(path, target)
    return target


def _corpus(corpus_dir: str | Path | None, settings: Settings | None) -> Path:
    return Path(corpus_dir or (settings or Settings.from_env()).corpus_dir).resolve()
