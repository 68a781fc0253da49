"""The plain data that flows between the pipeline's steps."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field


class QAError(Exception):
    """A problem the user can act on; its message says what to do."""


class IndexLoadError(QAError):
    """The index is missing, corrupt or built with other settings. `reason` says what is wrong;
    the message adds what to do about it."""

    def __init__(self, reason: str, hint: str = "Run `qa index --rebuild` to build it again."):
        super().__init__(f"{reason} {hint}")
        self.reason = reason


@dataclass
class Document:
    """A source after ingestion. Every offset elsewhere refers to `text` (the display text)."""

    doc_id: str
    source: str  # path relative to the corpus folder
    title: str
    authors: list[str]
    date: str  # ISO date, or a partial one ("2023-08", "2020"), or "" when unknown
    publisher: str
    text: str
    content_hash: str


@dataclass
class Chunk:
    """A span of a document's display text (`text == document.text[start:end]`), with the character
    spans of the sentences that overlap it."""

    chunk_id: int
    doc_id: str
    start: int
    end: int
    text: str
    sentences: list[tuple[int, int]]


@dataclass
class Citation:
    """One numbered citation: an exact quote with its offsets and the passage around it."""

    n: int
    doc_id: str
    title: str
    authors: list[str]
    date: str
    publisher: str  # who published it; the byline when no author is named
    source: str
    quote: str
    start: int
    end: int
    passage: str
    passage_start: int
    passage_end: int
    score: float
    # what the quote stands under in an answer listing its quotes: the date a timeline's entry names
    # ("November 2018"), or the side of a comparison it speaks for ("Russia"); "" in other answers
    label: str = ""

    def overlaps(self, other: Citation) -> bool:
        """Whether the two quotes overlap in the text of one document."""
        return self.doc_id == other.doc_id and self.start < other.end and other.start < self.end

    def to_dict(self) -> dict:
        return asdict(self)


def credit(authors: Sequence[str], publisher: str) -> str:
    """Who a source is credited to: its authors, else its publisher ("" if neither is known)."""
    return ", ".join(authors) or publisher


@dataclass
class Answer:
    """What `qa.answer` returns. `answer` is markdown with inline markers [1], [2]; `read_as` is how a
    question was read ("And what about Pakistan?" -> "What does Pakistan want from the Taliban?"; a
    compound question's parts, and any the sources do not answer), "" for a question read as asked;
    `caution` says when the quotes match the question less closely than most answers ("" otherwise)."""

    question: str
    answer: str
    grounded: bool
    citations: list[Citation] = field(default_factory=list)
    related: list[Citation] = field(default_factory=list)  # "possibly related" when abstaining
    read_as: str = ""
    caution: str = ""
    timings_ms: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {
            "question": self.question,
            "answer": self.answer,
            "grounded": self.grounded,
            "citations": [c.to_dict() for c in self.citations],
            "related": [c.to_dict() for c in self.related],
            "read_as": self.read_as,
            "caution": self.caution,
        }


@dataclass
class BuildReport:
    """Summary of one `qa index` run."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)  # source -> reason
    chunks: int = 0
    embedded_chunks: int = 0
    seconds: float = 0.0
    full_rebuild_reason: str = ""
    retokenized: bool = False  # the word tokenizer changed: words re-read, vectors kept

    def to_dict(self) -> dict:
        return asdict(self)
