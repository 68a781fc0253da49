"""Shared fixtures: a private copy of the bundled corpus and its index, built once per test session
with the real model and real FAISS."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"


def copy_corpus(dest: Path) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    for f in CORPUS.glob("*.md"):
        if f.name != "README.md":
            shutil.copy(f, dest / f.name)
    return dest


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> tuple[Path, Path]:
    """(corpus_dir, index_dir) of the bundled corpus, indexed once. Tests must not modify them."""
    from qa import build_index

    base = tmp_path_factory.mktemp("bundled")
    corpus = copy_corpus(base / "corpus")
    index = base / "index"
    report = build_index(corpus, index)
    assert not report.failed and report.chunks > 0
    return corpus, index


def run_cli(*args: str, env: dict | None = None, timeout: float = 300,
            stdin: str | None = None) -> subprocess.CompletedProcess:
    """Run `qa ...` in a real subprocess (`stdin` fed to it, if given)."""
    return subprocess.run(
        [sys.executable, "-m", "qa.cli", *args], capture_output=True, text=True, timeout=timeout,
        env={**os.environ, **(env or {})}, cwd=ROOT, input=stdin,
    )


def write_pdf(path: Path, text: str | None) -> None:
    """A minimal one-page PDF; with `text` None it has no text layer (like a scanned page)."""
    content = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode() if text else b"0 0 m 100 100 l S"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, obj in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    path.write_bytes(bytes(out))
