"""The index: incremental by content hash, exact offsets, crash safety, locking, clear load errors."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT, copy_corpus, run_cli

from qa import IndexLoadError, Settings, answer, build_index
from qa.index_format import current_build, load_index, load_tokens, save_tokens

MODEL = Settings().model_name
NEW_DOC = """---
title: "Kazakhstan's grain corridor"
authors: ["Test Author"]
date: "2024-05-01"
---
Kazakhstan opened a grain corridor through Afghanistan to reach the ports of Pakistan in 2024.
The corridor carries wheat and flour by rail to Termez and by truck onward to Peshawar.
"""


@pytest.fixture
def workspace(tmp_path) -> tuple[Path, Path]:
    corpus = copy_corpus(tmp_path / "corpus")
    index = tmp_path / "index"
    build_index(corpus, index)
    return corpus, index


def test_offsets_reproduce_chunks_and_sentences(built):
    _, index_dir = built
    index = load_index(index_dir, MODEL)
    spans = index.spans
    for i in range(len(spans.chunk_doc)):
        text = index.chunk_text(i)
        assert text and text == text.strip()
        lo, hi = spans.chunk_sent_lo[i], spans.chunk_sent_hi[i]
        assert hi > lo
        for s in range(lo, hi):  # every listed sentence overlaps its chunk
            assert spans.sent_start[s] < spans.chunk_end[i] and spans.sent_end[s] > spans.chunk_start[i]
    assert np.allclose(np.linalg.norm(index.sentence_vectors, axis=1), 1.0, atol=1e-3)
    manifest = index.manifest
    assert manifest["model"] == MODEL and manifest["dim"] == 384 and manifest["store"] == "flat"
    assert manifest["chunker"]["chunk_tokens"] == Settings().chunk_tokens
    assert all(len(d["hash"]) == 64 for d in manifest["documents"].values())


def test_each_sentence_is_also_embedded_with_the_next_one_of_its_document(built):
    from qa.embedding import get_embedder

    index = load_index(built[1], MODEL)
    sp = index.spans
    last = np.flatnonzero(np.r_[sp.sent_doc[1:] != sp.sent_doc[:-1], True])  # each document's last sentence
    assert np.array_equal(index.pair_vectors[last], index.sentence_vectors[last])
    i = int(last[0]) - 1
    pair = index.documents[sp.sent_doc[i]].text[sp.sent_start[i]:sp.sent_end[i + 1]]
    assert np.allclose(index.pair_vectors[i], get_embedder().encode([pair])[0], atol=1e-4)
    assert not np.allclose(index.pair_vectors[i], index.sentence_vectors[i], atol=1e-2)


def test_chunks_fit_the_model(built):
    from qa.embedding import get_embedder

    _, index_dir = built
    index = load_index(index_dir, MODEL)
    embedder = get_embedder()
    longest = max(embedder.token_length(index.chunk_text(i)) for i in range(len(index.spans.chunk_doc)))
    assert longest <= embedder.max_tokens - 2  # room for [CLS] and [SEP]: nothing is truncated


def test_add_modify_delete_reembed_only_what_changed(workspace):
    corpus, index = workspace
    before = load_index(index, MODEL)
    old_vectors = {d.source: i for i, d in enumerate(before.documents)}

    (corpus / "new.md").write_text(NEW_DOC)
    report = build_index(corpus, index)
    assert report.added == ["new.md"] and not report.updated and not report.removed
    assert len(report.unchanged) == 5
    new_chunks = load_index(index, MODEL).manifest["documents"]["new.md"]["chunks"]
    assert report.embedded_chunks == new_chunks

    target = corpus / "2023-02-11-hughes-regional-actors-iskp.md"
    target.write_text(target.read_text() + "\nA closing sentence was added by the editor today.\n")
    report = build_index(corpus, index)
    assert report.updated == [target.name] and len(report.unchanged) == 5 and not report.added
    after = load_index(index, MODEL)
    assert report.embedded_chunks == after.manifest["documents"][target.name]["chunks"]
    assert "added by the editor" in next(d.text for d in after.documents if d.source == target.name)

    (corpus / "2021-soufan-center-taliban-militancy-central-asia.md").unlink()
    report = build_index(corpus, index)
    assert report.removed == ["2021-soufan-center-taliban-militancy-central-asia.md"]
    assert report.embedded_chunks == 0
    final = load_index(index, MODEL)
    assert {d.source for d in final.documents} == set(old_vectors) - {report.removed[0]} | {"new.md"}
    assert len(final.store) == len(final.spans.chunk_doc)

    # unchanged documents kept their vectors exactly (they were not re-embedded)
    src = "2024-04-29-is-challenges-opportunities-taliban.md"
    j = next(i for i, d in enumerate(final.documents) if d.source == src)
    for vectors in ("sentence_vectors", "pair_vectors"):
        rows_before = getattr(before, vectors)[before.spans.sent_doc == old_vectors[src]]
        assert np.array_equal(rows_before, getattr(final, vectors)[final.spans.sent_doc == j])

    result = answer("What did Kazakhstan open through Afghanistan?", index_dir=index)
    assert result.grounded and result.citations[0].source == "new.md"


def test_bm25_updated_incrementally_matches_a_full_build(workspace, tmp_path):
    corpus, index = workspace
    (corpus / "new.md").write_text(NEW_DOC)
    (corpus / "2021-soufan-center-taliban-militancy-central-asia.md").unlink()
    build_index(corpus, index)
    fresh = tmp_path / "fresh"
    build_index(corpus, fresh)
    inc, full = load_index(index, MODEL), load_index(fresh, MODEL)
    assert load_tokens(current_build(index) / "tokens_sentences.npz") == \
        load_tokens(current_build(fresh) / "tokens_sentences.npz")
    for query in ("grain corridor wheat Termez", "Why did Russia delist the Taliban?", "Helmand water treaty"):
        for kind in ("chunk_lexical", "sentence_lexical"):
            a, b = getattr(inc, kind).scores(query), getattr(full, kind).scores(query)
            assert a.max() > 0 and np.allclose(a, b), (query, kind)


def test_nothing_changed_is_a_no_op(workspace):
    corpus, index = workspace
    build = current_build(index)
    report = build_index(corpus, index)
    assert report.embedded_chunks == 0 and len(report.unchanged) == 5
    assert current_build(index) == build


def test_model_or_chunker_change_forces_full_rebuild(workspace):
    corpus, index = workspace
    report = build_index(corpus, index, settings=Settings(chunk_tokens=120, chunk_overlap_tokens=20))
    assert "chunker settings changed" in report.full_rebuild_reason
    assert len(report.added) == 5 and report.embedded_chunks == report.chunks


def test_a_new_text_cleaning_forces_full_rebuild_and_says_so(workspace, monkeypatch):
    """Cleaning decides the display text and derived metadata, so a new version re-reads every file."""
    corpus, index = workspace
    monkeypatch.setattr("qa.ingest.CLEANING_VERSION", "next")
    monkeypatch.setattr("qa.indexer.CLEANING_VERSION", "next")
    report = build_index(corpus, index)
    assert report.full_rebuild_reason == "text cleaning changed" and len(report.added) == 5


def test_an_index_from_an_older_word_tokenizer_is_re_read_without_re_embedding(workspace):
    corpus, index = workspace
    build = current_build(index)
    manifest = json.loads((build / "manifest.json").read_text())
    del manifest["tokenizer_version"]
    manifest["chunker"]["tokenizer_version"] = "2"  # where builds before version 3 kept it
    (build / "manifest.json").write_text(json.dumps(manifest))
    fresh = load_tokens(build / "tokens_sentences.npz")
    save_tokens(build / "tokens_sentences.npz", [["stale"] for _ in fresh])
    with pytest.raises(IndexLoadError, match="tokenizer version 2.*qa index"):
        load_index(index, MODEL)
    report = build_index(corpus, index)
    assert report.retokenized and not report.full_rebuild_reason and report.embedded_chunks == 0
    assert load_tokens(current_build(index) / "tokens_sentences.npz") == fresh
    assert not build_index(corpus, index).retokenized  # once re-read, the words are kept again
    assert answer("What did Peskov say?", index_dir=index).grounded


def test_bad_file_is_reported_and_skipped_with_exit_1(workspace):
    corpus, index = workspace
    (corpus / "junk.txt").write_bytes(os.urandom(4096).replace(b"\0", b"\1") + b"\0")
    (corpus / "empty.md").write_bytes(b"")
    (corpus / "new.md").write_text(NEW_DOC)
    proc = run_cli("index", "--corpus", str(corpus), "--index", str(index), "--json")
    assert proc.returncode == 1, proc.stderr
    summary = json.loads(proc.stdout)
    assert set(summary["failed"]) == {"junk.txt", "empty.md"}
    assert "binary" in summary["failed"]["junk.txt"] and "empty" in summary["failed"]["empty.md"]
    assert summary["added"] == ["new.md"] and len(summary["unchanged"]) == 5


def test_unreadable_edit_keeps_the_indexed_version(workspace):
    corpus, index = workspace
    target = corpus / "2023-02-11-hughes-regional-actors-iskp.md"
    target.write_bytes(b"\0\1\2 binary now")
    report = build_index(corpus, index)
    assert target.name in report.failed
    assert any(d.source == target.name for d in load_index(index, MODEL).documents)


def test_cli_summary_and_json(workspace):
    corpus, index = workspace
    proc = run_cli("index", "--corpus", str(corpus), "--index", str(index))
    assert proc.returncode == 0 and "unchanged 5" in proc.stdout
    proc = run_cli("index", "--corpus", str(corpus), "--index", str(index), "--json")
    data = json.loads(proc.stdout)
    assert set(data) >= {"added", "updated", "removed", "unchanged", "failed", "chunks", "seconds"}


def _big_corpus(corpus: Path, paragraphs: int = 600) -> None:
    words = "border trade water security refugees corridor ministers talks province rail".split()
    body = "\n\n".join(
        f"Paragraph {i} reports that {words[i % 10]} and {words[(i * 7) % 10]} were discussed in meeting {i}. "
        f"Officials from district {i % 31} said the {words[(i * 3) % 10]} question remains open."
        for i in range(paragraphs)
    )
    (corpus / "big.md").write_text(f"---\ntitle: Big\n---\n{body}\n")


def _assert_consistent(index: Path) -> int:
    loaded = load_index(index, MODEL)
    assert len(loaded.store) == len(loaded.spans.chunk_doc) == loaded.manifest["chunks"]
    assert len(loaded.sentence_vectors) == len(loaded.spans.sent_doc)
    assert set(loaded.manifest["documents"]) == {d.source for d in loaded.documents}
    return len(loaded.documents)


def test_build_killed_at_any_moment_leaves_a_working_index(workspace):
    corpus, index = workspace
    old_build = current_build(index)
    _big_corpus(corpus, 1500)
    cmd = [sys.executable, "-m", "qa.cli", "index", "--corpus", str(corpus), "--index", str(index)]
    killed_mid_build = 0
    for delay in (0.5, 2.0, 4.0, 6.0, 8.0):
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        finished = proc.poll() is not None
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        docs = _assert_consistent(index)
        if current_build(index) == old_build:
            assert docs == 5 and not finished
            killed_mid_build += 1
            assert answer("Why did Russia delist the Taliban?", index_dir=index).grounded
    assert killed_mid_build >= 2
    report = build_index(corpus, index)  # the next run recovers and cleans up after the killed ones
    assert "big.md" in report.added + report.unchanged
    assert not list((index / "builds").glob(".tmp-*"))
    assert _assert_consistent(index) == 6


def test_concurrent_builds_are_serialized(workspace):
    corpus, index = workspace
    _big_corpus(corpus, 300)
    cmd = [sys.executable, "-m", "qa.cli", "index", "--corpus", str(corpus), "--index", str(index), "--json"]
    first = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(1.0)
    second = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out1, _ = first.communicate(timeout=300)
    out2, err2 = second.communicate(timeout=300)
    assert first.returncode == 0 and second.returncode == 0, err2
    r1, r2 = json.loads(out1), json.loads(out2)
    assert r1["added"] == ["big.md"]
    # the second waited for the lock, then found nothing left to do
    assert r2["added"] == [] and "big.md" in r2["unchanged"] and r2["embedded_chunks"] == 0
    assert "waiting" in err2


def test_lock_timeout_gives_a_clear_message(workspace):
    from filelock import FileLock

    corpus, index = workspace
    with FileLock(str(index / ".lock")):
        proc = run_cli("index", "--corpus", str(corpus), "--index", str(index), env={"QA_LOCK_TIMEOUT": "0.5"})
    assert proc.returncode == 2
    assert "Another `qa index` is still running" in proc.stderr


def test_missing_index_says_to_build(tmp_path):
    with pytest.raises(IndexLoadError, match="qa index"):
        load_index(tmp_path / "nothing", MODEL)
    proc = run_cli("ask", "Why?", "--index", str(tmp_path / "nothing"))
    assert proc.returncode == 2 and "Run `qa index`" in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.parametrize("damage", ["truncate_faiss", "garbage_manifest", "delete_spans", "garbage_abbreviations",
                                    "other_model", "mismatch"])
def test_corrupt_or_incompatible_index_says_to_rebuild(workspace, damage):
    corpus, index = workspace
    build = current_build(index)
    if damage == "truncate_faiss":
        data = (build / "faiss.index").read_bytes()
        (build / "faiss.index").write_bytes(data[: len(data) // 3])
    elif damage == "garbage_manifest":
        (build / "manifest.json").write_text("{not json")
    elif damage == "delete_spans":
        (build / "spans.npz").unlink()
    elif damage == "garbage_abbreviations":
        (build / "abbreviations.json").write_text('{"names": [')
    elif damage == "other_model":
        manifest = json.loads((build / "manifest.json").read_text())
        manifest["model"] = "some/other-model"
        (build / "manifest.json").write_text(json.dumps(manifest))
    else:
        vectors = np.load(build / "sentence_vectors.npy")
        np.save(build / "sentence_vectors.npy", vectors[:-3])
    with pytest.raises(IndexLoadError, match="--rebuild"):
        load_index(index, MODEL)
    proc = run_cli("ask", "Why did Russia delist the Taliban?", "--index", str(index))
    assert proc.returncode == 2 and "--rebuild" in proc.stderr and "Traceback" not in proc.stderr
    report = build_index(corpus, index, rebuild=True)
    assert len(report.added) == 5
    assert load_index(index, MODEL).documents


def test_index_dir_is_gitignored():
    ignored = (ROOT / ".gitignore").read_text()
    assert "/index/*" in ignored and (ROOT / "index" / "README.md").exists()


def test_empty_corpus_keeps_existing_index(workspace):
    corpus, index = workspace
    build = current_build(index)
    shutil.rmtree(corpus)
    corpus.mkdir()
    proc = run_cli("index", "--corpus", str(corpus), "--index", str(index))
    assert proc.returncode == 2 and "No readable documents" in proc.stderr
    assert current_build(index) == build
