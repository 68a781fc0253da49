"""`make bench`: speed, memory and scale, measured side by side in one run.

Prints a table per section and writes benchmarks/results/bench.json. Medians and ratios are what
to read: absolute times on a shared 2-core machine move from run to run.

    python benchmarks/run.py [--only build,incremental,latency,scale,alternative,soak] [--max-scale N]
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import json
import platform
import pstats
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from qa.api import get_index, run
from qa.embedding import get_embedder
from qa.evaluate import contains_gold, labelled_items, squad_index, squad_items, write_squad_corpus
from qa.indexer import build_index
from qa.retrieve import retrieve
from qa.settings import ROOT, Settings
from qa.store import FaissStore

RESULTS = ROOT / "benchmarks" / "results"


def pct(values, q) -> float:
    return round(float(np.percentile(values, q)), 2)


def timed(fn, *args, **kwargs):
    t = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - t


# --- 1. index build vs the model alone ----------------------------------------------------


def bench_build(settings: Settings, work: Path) -> dict:
    """Full `qa index` of the SQuAD corpus against raw model.encode on the same texts, same run."""
    corpus = work / "squad-corpus"
    write_squad_corpus(corpus)
    get_embedder()  # load the model first: both sides below are timed warm
    report, _ = timed(build_index, corpus, work / "squad-index", rebuild=True, settings=settings)
    index = get_index(work / "squad-index", settings)
    chunk_texts = [index.chunk_text(i) for i in range(len(index.spans.chunk_doc))]
    sent_texts = [index.sentence_text(i) for i in range(len(index.spans.sent_doc))]
    sp = index.spans
    pair_texts = [index.documents[sp.sent_doc[i]].text[sp.sent_start[i]:sp.sent_end[i + 1]]
                  for i in range(len(sp.sent_doc) - 1) if sp.sent_doc[i] == sp.sent_doc[i + 1]]
    model = get_embedder().model
    _, raw_chunks = timed(model.encode, chunk_texts, batch_size=settings.batch_size, normalize_embeddings=True)
    _, raw_all = timed(model.encode, chunk_texts + sent_texts + pair_texts, batch_size=settings.batch_size,
                       normalize_embeddings=True)
    n = len(chunk_texts)
    speed = model_speed_options(model, chunk_texts[:300] + sent_texts[:1200])
    return {
        "chunks": n, "sentences": len(sent_texts), "sentence_pairs": len(pair_texts),
        "pipeline_seconds": round(report.seconds, 2),
        "pipeline_chunks_per_s": round(n / report.seconds, 1),
        "raw_encode_chunks_per_s": round(n / raw_chunks, 1),
        "raw_encode_same_texts_seconds": round(raw_all, 2),
        "ratio_vs_raw_chunk_encode": round(raw_chunks / report.seconds, 3),
        "ratio_vs_raw_encode_of_same_texts": round(raw_all / report.seconds, 3),
        "note": "the pipeline also embeds every sentence and every pair of neighbouring sentences (for "
                "sentence-level evidence), so the same-texts ratio is the like-for-like one",
        "model_speed_texts_per_s": speed,
    }


def model_speed_options(model, texts: list[str]) -> dict:
    """Texts per second of model.encode by torch thread count and batch size, same texts, same run."""
    import torch

    cores = torch.get_num_threads()
    out = {}
    try:
        for threads in sorted({1, cores}):
            torch.set_num_threads(threads)
            for batch in (8, 16, 32, 64):
                _, secs = timed(model.encode, texts, batch_size=batch)
                out[f"threads={threads} batch={batch}"] = round(len(texts) / secs, 1)
    finally:
        torch.set_num_threads(cores)
    return out


# --- 2. incremental update ----------------------------------------------------------------


def bench_incremental(settings: Settings, work: Path) -> dict:
    corpus, index = work / "squad-corpus", work / "squad-index"
    if not corpus.is_dir():  # run without the build benchmark (--only incremental)
        write_squad_corpus(corpus)
    if not (index / "current").exists():
        build_index(corpus, index, settings=settings)
    _, full = timed(build_index, corpus, index, rebuild=True, settings=settings)
    first = sorted(corpus.glob("*.txt"))[0]
    extra = corpus / "zz-added-document.txt"
    extra.write_text(first.read_text().replace("title:", "title: Copy of", 1))
    added, inc = timed(build_index, corpus, index, settings=settings)
    extra.unlink()
    _, noop = timed(build_index, corpus, index, settings=settings)  # removes it again
    return {"full_rebuild_s": round(full, 2), "add_one_document_s": round(inc, 2),
            "remove_one_document_s": round(noop, 2), "embedded_chunks_on_add": added.embedded_chunks,
            "speedup_add_vs_full": round(full / inc, 1)}


# --- 3. query latency ---------------------------------------------------------------------


def bench_latency(settings: Settings, index_dir: Path, questions: list[str], label: str) -> dict:
    index = get_index(index_dir, settings)
    embedder = get_embedder()
    for q in questions[:5]:  # warm
        run(q, index_dir=index_dir, settings=settings)
    retrieval, full, parts = [], [], {}
    for q in questions:
        t = time.perf_counter()
        qv = embedder.encode([q])[0]
        retrieve(index, q, qv, settings.top_k, settings.candidate_k)
        retrieval.append((time.perf_counter() - t) * 1000)
        trace, secs = timed(run, q, index_dir=index_dir, settings=settings)
        full.append(secs * 1000)
        for k, v in trace.answer.timings_ms.items():
            parts.setdefault(k, []).append(v)
    profile = cProfile.Profile()
    profile.enable()
    for q in questions[:50]:
        run(q, index_dir=index_dir, settings=settings)
    profile.disable()
    stats = pstats.Stats(profile)
    top = sorted(stats.stats.items(), key=lambda kv: kv[1][3], reverse=True)[:12]
    return {
        "corpus": label, "questions": len(questions),
        "retrieval_ms_p50": pct(retrieval, 50), "retrieval_ms_p95": pct(retrieval, 95),
        "answer_ms_p50": pct(full, 50), "answer_ms_p95": pct(full, 95),
        "median_ms_by_step": {k: round(statistics.median(v), 2) for k, v in parts.items()},
        "profile_cumulative_s_50_questions": [
            {"function": f"{Path(f[0]).name}:{f[1]}:{f[2]}", "cum_s": round(v[3], 3)} for f, v in top],
    }


# --- 4. scale -----------------------------------------------------------------------------


def synthetic_vectors(real: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """Half perturbed copies of real chunk vectors (clustered like real text), half random directions."""
    dim = real.shape[1]
    half = n // 2
    base = real[rng.integers(0, len(real), half)]
    copies = base + rng.normal(0, 0.35 / np.sqrt(dim), (half, dim)).astype(np.float32) * np.sqrt(dim) * 0.25
    noise = rng.normal(0, 1, (n - half, dim)).astype(np.float32)
    out = np.vstack([copies, noise]).astype(np.float32)
    out /= np.linalg.norm(out, axis=1, keepdims=True)
    return out


def bench_scale(settings: Settings, squad_index_dir: Path, sizes: list[int], work: Path) -> list[dict]:
    index = get_index(squad_index_dir, settings)
    real = np.load(index.path / "chunk_vectors.npy")
    queries = get_embedder().encode([i.question for i in squad_items(ROOT / ".cache" / "squad" / "corpus",
                                                                      "test", 200)])
    rng = np.random.default_rng(0)
    rows = []
    for n in sizes:
        vectors = synthetic_vectors(real, n, rng)
        exact = FaissStore.build(vectors, ann_threshold=n + 1)
        truth = exact.search(queries, 10)[1]
        for kind, threshold in (("flat", n + 1), ("hnsw", 0)):
            store, build_s = (exact, 0.0) if kind == "flat" else timed(
                FaissStore.build, vectors, threshold, settings.hnsw_m, settings.hnsw_ef_search)
            path = work / f"scale-{kind}-{n}.index"
            store.save(path)
            gc.collect()
            loaded, load_s = timed(FaissStore.load, path, settings.hnsw_ef_search)
            times = []
            for q in queries:
                t = time.perf_counter()
                loaded.search(q[None, :], 10)
                times.append((time.perf_counter() - t) * 1000)
            found = loaded.search(queries, 10)[1]
            recall = float(np.mean([len(set(a) & set(b)) / 10 for a, b in zip(found, truth)]))
            rows.append({
                "chunks": n, "index": kind, "build_s": round(build_s, 2), "load_s": round(load_s, 3),
                "search_ms_p50": pct(times, 50), "search_ms_p95": pct(times, 95),
                "bytes_per_chunk": round(path.stat().st_size / n, 1), "recall@10_vs_exact": round(recall, 4),
            })
            path.unlink()
            print(rows[-1], flush=True)
    return rows


# --- 5. the usual alternative -------------------------------------------------------------


class PlainPipeline:
    """What a quick LangChain + FAISS script does: 1000/200 character chunks, the same model, flat
    FAISS similarity search, and the top chunk shown as the answer."""

    def __init__(self, docs: list[str]):
        import faiss
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)
        self.chunks = [c for d in docs for c in splitter.split_text(d)]
        self.embedder = get_embedder()
        vectors = self.embedder.encode(self.chunks)
        self.index = faiss.IndexFlatIP(vectors.shape[1])
        self.index.add(vectors)

    def answer(self, question: str) -> str:
        qv = self.embedder.encode([question])
        return self.chunks[int(self.index.search(qv, 1)[1][0][0])]


def bench_alternative(settings: Settings, label: str, index_dir: Path, items) -> dict:
    index = get_index(index_dir, settings)
    plain = PlainPipeline([d.text for d in index.documents])
    items = [i for i in items if i.gold and not i.history]
    ours_first = ours_any = plain_hit = 0
    ours_ms, plain_ms, ours_chars, plain_chars = [], [], [], []
    for item in items:
        trace, secs = timed(run, item.question, index_dir=index_dir, settings=settings)
        ours_ms.append(secs * 1000)
        cites = trace.answer.citations
        ours_first += bool(cites) and contains_gold(cites[0].quote, item.gold)
        ours_any += any(contains_gold(c.quote, item.gold) for c in cites)
        ours_chars.append(sum(len(c.quote) for c in cites))
        shown, secs = timed(plain.answer, item.question)
        plain_ms.append(secs * 1000)
        plain_hit += contains_gold(shown, item.gold)
        plain_chars.append(len(shown))
    n = len(items)
    return {
        "corpus": label, "questions": n,
        "ours_first_quote_hit": round(ours_first / n, 4), "ours_any_citation_hit": round(ours_any / n, 4),
        "plain_top_chunk_hit": round(plain_hit / n, 4),
        "ours_chars_shown_median": statistics.median(ours_chars),
        "plain_chars_shown_median": statistics.median(plain_chars),
        "ours_ms_p50": pct(ours_ms, 50), "plain_ms_p50": pct(plain_ms, 50),
        "latency_ratio_ours_over_plain": round(statistics.median(ours_ms) / statistics.median(plain_ms), 2),
        "quality_ratio_ours_any_over_plain": round(ours_any / max(plain_hit, 1), 3),
    }


# --- 6. soak -----------------------------------------------------------------------------


def bench_soak(settings: Settings, questions: list[str], total: int = 2000, users: int = 8) -> dict:
    """A real server answering `total` questions from `users` threads; its resident memory after a
    warm-up of 200 questions against the end."""
    import threading

    import psutil
    from gradio_client import Client

    sys.path.insert(0, str(ROOT / "tests"))
    from serving import start_server, stop_server

    proc, url = start_server(settings.corpus_dir, settings.index_dir)
    try:
        rss = lambda: psutil.Process(proc.pid).memory_info().rss / 2**20  # noqa: E731
        errors, latencies, lock = [], [], threading.Lock()

        def user(u: int, count: int) -> None:
            client = Client(url, verbose=False)
            for i in range(count):
                t = time.perf_counter()
                try:
                    client.predict(questions[(u * 31 + i) % len(questions)], None, api_name="/ask")
                    with lock:
                        latencies.append((time.perf_counter() - t) * 1000)
                except Exception as exc:
                    with lock:
                        errors.append(repr(exc))

        def wave(count: int) -> None:
            threads = [threading.Thread(target=user, args=(u, count // users)) for u in range(users)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()

        start_rss = rss()
        wave(200)
        warm_rss = rss()
        started = time.perf_counter()
        wave(total)
        end_rss = rss()
        elapsed = time.perf_counter() - started
        return {"questions": total, "users": users, "errors": len(errors), "seconds": round(elapsed, 1),
                "p50_ms": pct(latencies, 50), "p95_ms": pct(latencies, 95), "rss_mb_start": round(start_rss, 1),
                "rss_mb_after_warmup": round(warm_rss, 1), "rss_mb_end": round(end_rss, 1),
                "rss_growth_after_warmup_pct": round(100 * (end_rss - warm_rss) / warm_rss, 2)}
    finally:
        stop_server(proc)


# --- the command --------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", default="build,incremental,latency,scale,alternative,soak")
    parser.add_argument("--max-scale", type=int, default=1_000_000)
    args = parser.parse_args()
    only = set(args.only.split(","))
    settings = Settings.from_env()
    results: dict = {"date": time.strftime("%Y-%m-%d"), "machine": machine()}
    work = Path(tempfile.mkdtemp(prefix="qa-bench-"))
    try:
        build_index(settings.corpus_dir, settings.index_dir, settings=settings)
        squad_corpus, squad_dir = squad_index(settings)
        if "build" in only:
            results["build"] = show("1. index build vs raw model.encode", bench_build(settings, work))
        if "incremental" in only:
            results["incremental"] = show("2. incremental update (SQuAD)", bench_incremental(settings, work))
        if "latency" in only:
            seed_q = [i.question for i in labelled_items() if not i.history]
            squad_q = [i.question for i in squad_items(squad_corpus, "test", 300)]
            results["latency"] = [show("3. query latency, bundled corpus",
                                       bench_latency(settings, settings.index_dir, seed_q, "bundled")),
                                  show("3. query latency, SQuAD",
                                       bench_latency(settings, squad_dir, squad_q, "squad"))]
        if "scale" in only:
            sizes = [n for n in (10_000, 100_000, 1_000_000) if n <= args.max_scale]
            results["scale"] = bench_scale(settings, squad_dir, sizes, work)
            show_table("4. scale (synthetic vectors)", results["scale"])
        if "alternative" in only:
            results["alternative"] = [
                show("5. vs plain LangChain+FAISS, bundled",
                     bench_alternative(settings, "bundled", settings.index_dir, labelled_items())),
                show("5. vs plain LangChain+FAISS, SQuAD",
                     bench_alternative(settings, "squad", squad_dir, squad_items(squad_corpus, "test", 500))),
            ]
        if "soak" in only:
            mixed = [i.question for i in labelled_items() if not i.history] + \
                [i.question for i in squad_items(squad_corpus, "test", 200)]
            results["soak"] = show("6. soak: 2,000 questions on a real server", bench_soak(settings, mixed))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / "bench.json"
    previous = json.loads(out.read_text()) if out.exists() else {}
    # sections kept from earlier runs may come from another day or machine: each says where it was measured
    measured = previous.get("measured_on", {})
    measured.update({section: f"{results['date']}, {results['machine']}" for section in results
                     if section not in ("date", "machine")})
    previous.update(results, measured_on=measured)
    out.write_text(json.dumps(previous, indent=1))
    print(f"\nwrote {out}")


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    import os

    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}"


def show(title: str, row: dict) -> dict:
    print(f"\n## {title}")
    for k, v in row.items():
        if isinstance(v, dict) and all(not isinstance(x, (list, dict)) for x in v.values()):
            for kk, vv in v.items():
                print(f"| {k}: {kk} | {vv} |")
        elif not isinstance(v, (list, dict)):
            print(f"| {k} | {v} |")
    sys.stdout.flush()
    return row


def show_table(title: str, rows: list[dict]) -> None:
    print(f"\n## {title}")
    keys = list(rows[0])
    print("| " + " | ".join(keys) + " |")
    print("|---" * len(keys) + "|")
    for r in rows:
        print("| " + " | ".join(str(r[k]) for k in keys) + " |")


if __name__ == "__main__":
    main()
