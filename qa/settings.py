"""One settings object: defaults, overridden by `QA_*` environment variables, then by CLI flags."""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, fields
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    """Every tunable of the pipeline. Each field `x` can be set by the environment variable `QA_X`."""

    corpus_dir: Path = ROOT / "corpus"
    index_dir: Path = ROOT / "index"
    model_name: str = "sentence-transformers/all-MiniLM-L6-v2"
    # all-MiniLM-L6-v2 truncates at 256 word pieces; 200 leaves room for [CLS]/[SEP] and tokenizer drift.
    chunk_tokens: int = 200
    chunk_overlap_tokens: int = 40
    batch_size: int = 16  # fastest on a 2-core CPU (see benchmarks/README.md, model speed)
    # Below this many chunks search is exact (flat); above it HNSW (see benchmarks/README for the numbers).
    ann_threshold: int = 200_000
    hnsw_m: int = 32
    hnsw_ef_search: int = 128
    top_k: int = 8
    candidate_k: int = 30
    max_citations: int = 3
    max_question_chars: int = 1000
    # Abstain when no sentence reaches this evidence probability; None = the value calibrated in qa/ranker.json.
    abstain_threshold: float | None = None
    # Below this best evidence probability an answer is flagged as weaker evidence; None = calibrated.
    weak_evidence_threshold: float | None = None
    max_upload_bytes: int = 20 * 1024 * 1024
    max_file_bytes: int = 50 * 1024 * 1024  # larger corpus files are skipped with a reason
    lock_timeout: float = 600.0
    concurrency_limit: int = 4  # questions answered at once by the web app
    max_queue: int = 128  # beyond this many waiting requests the app answers "busy, try again"
    auth: str = ""  # "user:password" protects changing the sources (upload, remove, restore) in the web app
    host: str = "127.0.0.1"
    port: int = 7860

    @classmethod
    def from_env(cls, **overrides) -> Settings:
        """Defaults, then `QA_*` variables, then explicit overrides (None means "not given")."""
        values = {}
        for f in fields(cls):
            raw = os.environ.get(f"QA_{f.name.upper()}")
            if raw is not None:
                values[f.name] = _coerce(f, raw)
        values.update({k: v for k, v in overrides.items() if v is not None})
        for key in ("corpus_dir", "index_dir"):
            if key in values:
                values[key] = Path(values[key])
        return cls(**values)

    def replace(self, **changes) -> Settings:
        return dataclasses.replace(self, **{k: v for k, v in changes.items() if v is not None})


def _coerce(f: dataclasses.Field, raw: str):
    kind = f.type if isinstance(f.type, str) else getattr(f.type, "__name__", str(f.type))
    try:
        if kind == "int":
            return int(raw)
        if kind in ("float", "float | None"):
            return float(raw)
    except ValueError as exc:
        raise ValueError(f"QA_{f.name.upper()}={raw!r} is not a valid {kind}") from exc
    if kind == "Path":
        return Path(raw)
    return raw
