"""`qa eval`: answer quality on the labelled seed questions and on SQuAD, beside two baselines
(plain dense top-k and BM25 alone), measured in the same run."""

from __future__ import annotations

import json
import re
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from qa.api import Trace, get_index, run, thresholds
from qa.conversation import exchange
from qa.embedding import get_embedder
from qa.index_format import IndexData
from qa.indexer import build_index
from qa.ingest import load_document
from qa.retrieve import dense_ranking, lexical_ranking
from qa.settings import ROOT, Settings
from qa.types import Answer

SEED_FILE = ROOT / "benchmarks" / "data" / "seed_questions.jsonl"
CONVERSATIONS_FILE = ROOT / "benchmarks" / "data" / "conversations.jsonl"
SQUAD_FILE = ROOT.parent / "shared" / "benchmarks" / "squad" / "squad-v1.1-dev-half-a.json"
CACHE = ROOT / ".cache"
RESULTS = ROOT / "benchmarks" / "results"


@dataclass
class Item:
    """One evaluation question: gold strings that a correct quote contains (none if unanswerable)."""

    question: str
    gold: list[str]
    history: list[str] = field(default_factory=list)
    kind: str = ""
    gold_span: tuple[str, int, int] | None = None  # (source, start, end) of the gold paragraph, SQuAD only


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text.lower()).strip()


def contains_gold(text: str, gold: list[str]) -> bool:
    t = normalise(text)
    return any(normalise(g) in t for g in gold)


# --- data ---------------------------------------------------------------------------------


def labelled_items(path: Path = SEED_FILE) -> list[Item]:
    """The questions of a labelled file on the bundled corpus (the seed set, or the conversations)."""
    items = []
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        items.append(Item(row["question"], row["evidence"], row.get("history", []), row["kind"]))
    return items


def squad_articles() -> list[dict]:
    if not SQUAD_FILE.exists():
        raise FileNotFoundError(f"SQuAD data not found at {SQUAD_FILE}")
    return json.loads(SQUAD_FILE.read_text(encoding="utf-8"))["data"]


def squad_split(article_index: int) -> str:
    """Even articles train the ranker; odd ones are held out for evaluation."""
    return "train" if article_index % 2 == 0 else "test"


def write_squad_corpus(folder: Path) -> None:
    """One document per article, paragraphs separated by blank lines, title in front matter."""
    folder.mkdir(parents=True, exist_ok=True)
    for i, article in enumerate(squad_articles()):
        title = article["title"].replace("_", " ")
        body = "\n\n".join(p["context"].strip() for p in article["paragraphs"])
        text = f'---\ntitle: {json.dumps(title)}\nauthors: ["Wikipedia contributors"]\n---\n{body}\n'
        path = folder / f"{i:02d}-{article['title'][:60]}.txt"
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")


def squad_items(corpus: Path, split: str, limit: int | None = None) -> list[Item]:
    """Questions of one split, each with its gold answers and gold paragraph offsets."""
    items = []
    for i, article in enumerate(squad_articles()):
        if squad_split(i) != split:
            continue
        path = next(corpus.glob(f"{i:02d}-*.txt"))
        doc = load_document(path, corpus)
        cursor = 0
        for para in article["paragraphs"]:
            context = para["context"].strip()
            start = doc.text.find(context[:80], cursor)
            end = start + len(context) if start >= 0 else -1
            cursor = max(cursor, start)
            for qa in para["qas"]:
                gold = sorted({a["text"] for a in qa["answers"]})
                items.append(Item(qa["question"], gold, kind="squad", gold_span=(doc.source, start, end)))
    if limit:
        items = items[::max(1, len(items) // limit)][:limit]
    return items


def squad_index(settings: Settings) -> tuple[Path, Path]:
    corpus, index = CACHE / "squad" / "corpus", CACHE / "squad" / "index"
    write_squad_corpus(corpus)
    report = build_index(corpus, index, settings=settings)
    if report.failed:
        raise RuntimeError(f"SQuAD documents failed to index: {report.failed}")
    return corpus, index


# --- scoring ------------------------------------------------------------------------------


def chunk_hit(index: IndexData, chunk: int, item: Item) -> bool:
    if not contains_gold(index.chunk_text(chunk), item.gold):
        return False
    if item.gold_span is None:
        return True
    source, start, end = item.gold_span
    doc = index.documents[int(index.spans.chunk_doc[chunk])]
    return doc.source == source and index.spans.chunk_start[chunk] < end and index.spans.chunk_end[chunk] > start


class Faithfulness:
    """Checks every quote against the document re-read from the corpus folder."""

    def __init__(self, corpus: Path):
        self.corpus, self.texts, self.checked, self.failed = corpus, {}, 0, []

    def check(self, citation) -> None:
        if citation.source not in self.texts:
            self.texts[citation.source] = load_document(self.corpus / citation.source, self.corpus).text
        text = self.texts[citation.source]
        self.checked += 1
        ok = text[citation.start:citation.end] == citation.quote and \
            text[citation.passage_start:citation.passage_end] == citation.passage
        if not ok:
            self.failed.append(citation.quote[:80])

    @property
    def rate(self) -> float:
        return 1.0 if not self.checked else 1 - len(self.failed) / self.checked


def evaluate_pipeline(items: list[Item], index_dir: Path, corpus: Path, settings: Settings) -> dict:
    """Our pipeline: retrieval hits, quote hits, faithfulness, abstention, latency."""
    tally = _Tally(Faithfulness(corpus))
    for item in items:
        history = _conversation(item, index_dir, settings)
        t = time.perf_counter()
        trace = run(item.question, history or None, index_dir=index_dir, settings=settings)
        tally.latencies.append((time.perf_counter() - t) * 1000)
        tally.add(item, trace)
    return tally.report(items)


def _conversation(item: Item, index_dir: Path, settings: Settings) -> list[dict]:
    """The earlier turns of a follow-up, each answered as the chat would have answered it."""
    history: list[dict] = []
    for previous in item.history:
        prev = run(previous, history, index_dir=index_dir, settings=settings).answer
        history += exchange(previous, prev.answer)
    return history


@dataclass
class _Tally:
    """Counts over the questions of one evaluation run."""

    faith: Faithfulness
    hit1: int = 0
    hit5: int = 0
    first: int = 0
    anyq: int = 0
    abst_right: int = 0
    abst_wrong: int = 0
    answered_unanswerable: int = 0
    # per answer given: (flagged as weaker evidence, first quote holds the evidence)
    flags: list[tuple[bool, bool]] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    misses: list[dict] = field(default_factory=list)
    kinds: dict[str, list[bool]] = field(default_factory=dict)  # quote holds the evidence, or abstained rightly

    def add(self, item: Item, trace: Trace) -> None:
        result = trace.answer
        for c in result.citations:
            self.faith.check(c)
        if not item.gold:
            self._unanswerable(item, result)
            return
        hits = [chunk_hit(trace.index, c.chunk, item) for c in trace.candidates]
        self.hit1 += bool(hits[:1] and hits[0])
        self.hit5 += any(hits[:5])
        if not result.grounded:
            self.abst_wrong += 1
            self.kinds.setdefault(item.kind, []).append(False)
            self.misses.append({"question": item.question, "why": "abstained"})
            return
        f = contains_gold(result.citations[0].quote, item.gold)
        a = any(contains_gold(c.quote, item.gold) for c in result.citations)
        self.flags.append((bool(result.caution), f))
        self.first += f
        self.anyq += a
        self.kinds.setdefault(item.kind, []).append(f)
        if not a:
            self.misses.append({"question": item.question, "why": "no quote holds the evidence",
                                "quotes": [c.quote[:120] for c in result.citations]})

    def _unanswerable(self, item: Item, result: Answer) -> None:
        if result.grounded:
            self.answered_unanswerable += 1
            self.flags.append((bool(result.caution), False))
            self.misses.append({"question": item.question, "why": "answered, though no source answers it",
                                "quotes": [c.quote[:120] for c in result.citations]})
        else:
            self.abst_right += 1
        self.kinds.setdefault(item.kind, []).append(not result.grounded)

    def report(self, items: list[Item]) -> dict:
        weak = [right for flagged, right in self.flags if flagged]
        other = [right for flagged, right in self.flags if not flagged]
        answerable = sum(1 for i in items if i.gold)
        unanswerable = len(items) - answerable
        abstained = self.abst_right + self.abst_wrong
        return {
            "questions": len(items),
            "answerable": answerable,
            "unanswerable": unanswerable,
            "retrieval_hit@1": _ratio(self.hit1, answerable),
            "retrieval_hit@5": _ratio(self.hit5, answerable),
            "first_quote_hit": _ratio(self.first, answerable),
            "any_citation_hit": _ratio(self.anyq, answerable),
            "quote_faithfulness": round(self.faith.rate, 4),
            "quotes_checked": self.faith.checked,
            "false_abstention_rate": _ratio(self.abst_wrong, answerable),
            "correct_abstention_rate": _ratio(self.abst_right, unanswerable) if unanswerable else None,
            "false_answer_rate": _ratio(self.answered_unanswerable, unanswerable) if unanswerable else None,
            "abstention_precision": _ratio(self.abst_right, abstained) if abstained else None,
            "abstention_recall": _ratio(self.abst_right, unanswerable) if unanswerable else None,
            # how well the weaker-evidence flag tells answers apart: the share of answers flagged, and the share
            # of flagged and of other answers whose first quote holds the evidence (answering an
            # unanswerable question counts as wrong)
            "weak_evidence_rate": _ratio(len(weak), len(self.flags)),
            "first_quote_precision_weak": _ratio(sum(weak), len(weak)),
            "first_quote_precision_other": _ratio(sum(other), len(other)),
            "latency_ms_p50": round(statistics.median(self.latencies), 1),
            "latency_ms_p95": round(float(np.percentile(self.latencies, 95)), 1),
            # answerable kinds: first quote holds the evidence; unanswerable kinds: abstained
            "by_kind": {k: {"questions": len(v), "rate": _ratio(sum(v), len(v))}
                        for k, v in sorted(self.kinds.items())},
            "misses": self.misses[:40],
        }


def evaluate_baselines(items: list[Item], index_dir: Path, settings: Settings) -> dict:
    """Dense top-k alone and BM25 alone, each quoting its best sentence among its top-5 chunks."""
    index = get_index(index_dir, settings)
    embedder = get_embedder()
    answerable = [i for i in items if i.gold]
    out = {}
    for name in ("dense", "bm25"):
        hit1 = hit5 = first = 0
        latencies = []
        for item in answerable:
            t = time.perf_counter()
            qv = embedder.encode([item.question])[0]
            ranked = dense_ranking(index, qv, 5)[0] if name == "dense" else lexical_ranking(index, item.question, 5)
            sentence = _best_sentence(index, ranked, item.question, qv, name)
            latencies.append((time.perf_counter() - t) * 1000)
            hits = [chunk_hit(index, int(c), item) for c in ranked]
            hit1 += bool(hits[:1] and hits[0])
            hit5 += any(hits)
            first += sentence is not None and contains_gold(index.sentence_text(sentence), item.gold)
        out[name] = {
            "retrieval_hit@1": _ratio(hit1, len(answerable)),
            "retrieval_hit@5": _ratio(hit5, len(answerable)),
            "first_quote_hit": _ratio(first, len(answerable)),
            "latency_ms_p50": round(statistics.median(latencies), 1) if latencies else None,
        }
    return out


def _best_sentence(index: IndexData, chunks, question: str, qv: np.ndarray, name: str) -> int | None:
    ids = [s for c in chunks for s in range(int(index.spans.chunk_sent_lo[c]), int(index.spans.chunk_sent_hi[c]))]
    if not ids:
        return None
    if name == "dense":
        scores = index.sentence_vectors[ids] @ qv
    else:
        scores = index.sentence_lexical.scores(question)[ids]
    return ids[int(np.argmax(scores))]


def _ratio(a: int, b: int) -> float:
    return round(a / b, 4) if b else 0.0


# --- the command --------------------------------------------------------------------------

TABLE_KEYS = ["retrieval_hit@1", "retrieval_hit@5", "first_quote_hit", "any_citation_hit", "quote_faithfulness",
              "false_abstention_rate", "correct_abstention_rate", "latency_ms_p50", "latency_ms_p95"]


def run_eval(only: str | None = None, squad_limit: int | None = None, out: str | None = None) -> dict:
    settings = Settings.from_env()
    abstain, weak = thresholds(settings)
    results: dict = {"date": time.strftime("%Y-%m-%d"), "settings": {
        "top_k": settings.top_k, "abstain_threshold": abstain, "weak_evidence_threshold": weak,
        "max_citations": settings.max_citations, "chunk_tokens": settings.chunk_tokens}}
    if only in (None, "seed"):
        build_index(settings.corpus_dir, settings.index_dir, settings=settings)
        items = labelled_items()
        results["seed"] = {"ours": evaluate_pipeline(items, settings.index_dir, settings.corpus_dir, settings),
                           "baselines": evaluate_baselines(items, settings.index_dir, settings)}
        # a baseline without the conversation's context cannot take part in a follow-up
        results["conversations"] = {"ours": evaluate_pipeline(labelled_items(CONVERSATIONS_FILE), settings.index_dir,
                                                              settings.corpus_dir, settings), "baselines": {}}
    if only in (None, "squad"):
        corpus, index = squad_index(settings)
        items = squad_items(corpus, "test", squad_limit)
        results["squad"] = {"split": "held-out (odd) articles",
                            "ours": evaluate_pipeline(items, index, corpus, settings),
                            "baselines": evaluate_baselines(items, index, settings)}
    path = Path(out) if out else RESULTS / "eval.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=1, ensure_ascii=False))
    print_table(results)
    print(f"\nwrote {path}")
    return results


def print_table(results: dict) -> None:
    for corpus in ("seed", "conversations", "squad"):
        if corpus not in results:
            continue
        block = results[corpus]
        rows = [("ours", block["ours"])] + [(f"baseline: {k}", v) for k, v in block["baselines"].items()]
        print(f"\n{corpus} ({block['ours']['questions']} questions)")
        print("| method | " + " | ".join(TABLE_KEYS) + " |")
        print("|---" * (len(TABLE_KEYS) + 1) + "|")
        for name, row in rows:
            print(f"| {name} | " + " | ".join("" if row.get(k) is None else str(row.get(k)) for k in TABLE_KEYS) + " |")
        kinds = block["ours"]["by_kind"]
        if len(kinds) > 1:
            print("by kind (first quote holds the evidence; for unanswerable kinds, abstained): " +
                  ", ".join(f"{k} {v['rate']} of {v['questions']}" for k, v in kinds.items()))


def run_cli(only=None, squad_limit=None, out=None) -> int:
    try:
        run_eval(only, squad_limit, out)
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0
