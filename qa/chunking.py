"""Split a document's display text into sentences and token-bounded chunks, keeping exact offsets."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import pysbd
from langchain_text_splitters import RecursiveCharacterTextSplitter

from qa.ingest import SENTENCE_END
from qa.types import Document

# Paragraphs first, then lines, then sentence ends, then clauses; the separator stays with the
# left piece so that a chunk ends where a sentence ends.
SEPARATORS = ["\n\n", "\n", ". ", "? ", "! ", "; ", ", ", " ", ""]

_segmenter = pysbd.Segmenter(language="en", clean=False, char_span=False)


@dataclass(frozen=True)
class Span:
    start: int
    end: int


_BLOCK_MARKS = tuple("#*->|")  # a heading, list item, quotation or table row stands on its own line


def _runs_on(line: str, following: str) -> bool:
    """Whether `line` runs on into the `following` one, as in a hard-wrapped text file: it ends mid-sentence,
    on a lower-case word or a comma ("... reported a record" / "number of ..."), or the next line opens
    lower-case. A heading ("Russia and the Taliban") or a byline does not."""
    end, after = line.strip(), following.strip()
    if not end or not after or end.endswith(SENTENCE_END) or end.startswith(_BLOCK_MARKS) \
            or after.startswith(_BLOCK_MARKS):
        return False
    last = end.split()[-1]
    return last[:1].islower() or last.endswith(",") or after[:1].islower()


def _unwrapped(text: str) -> str:
    """`text` with each line break inside a run-on sentence read as a space: the same length, so offsets
    stay those of `text`."""
    lines = text.split("\n")
    breaks = [" " if _runs_on(line, following) else "\n" for line, following in zip(lines, lines[1:])]
    return "".join(line + sep for line, sep in zip(lines, [*breaks, ""]))


def split_sentences(text: str) -> list[Span]:
    """Sentence spans of `text`: each paragraph or heading split with pysbd, whitespace trimmed. A line that
    runs on into the next is read as one with it (`_runs_on`), a sentence then spanning the line break."""
    spans: list[Span] = []
    flat = _unwrapped(text)
    for line in re.finditer(r"[^\n]+", flat):
        cursor = line.start()
        for sentence in _segmenter.segment(line.group()):
            piece = sentence.strip()
            if not piece:
                continue
            start = flat.find(piece, cursor, line.end())
            if start < 0:  # pysbd normalised something; fall back to the whole remainder
                start, piece = cursor, flat[cursor:line.end()].strip()
                start = flat.find(piece, cursor) if piece else cursor
            spans.append(Span(start, start + len(piece)))
            cursor = start + len(piece)
            if cursor >= line.end():
                break
    return [s for s in spans if s.end > s.start]


def make_splitter(length: Callable[[str], int], chunk_tokens: int, overlap_tokens: int):
    return RecursiveCharacterTextSplitter(
        separators=SEPARATORS,
        keep_separator="end",
        chunk_size=chunk_tokens,
        chunk_overlap=overlap_tokens,
        length_function=length,
        strip_whitespace=True,
    )


def chunk_spans(text: str, splitter: RecursiveCharacterTextSplitter) -> list[Span]:
    """Chunk spans such that `text[start:end]` is exactly each piece the splitter returned."""
    spans: list[Span] = []
    cursor = 0
    for piece in splitter.split_text(text):
        start = text.find(piece, cursor)
        if start < 0:
            raise ValueError("text splitter returned a piece that is not in the text")
        spans.append(Span(start, start + len(piece)))
        cursor = start + 1
    return spans


def sentences_in(chunk: Span, sentences: list[Span], first: int = 0) -> tuple[int, int]:
    """(first, last exclusive) indices of the sentences overlapping `chunk`, searching from `first`."""
    i = first
    while i < len(sentences) and sentences[i].end <= chunk.start:
        i += 1
    j = i
    while j < len(sentences) and sentences[j].start < chunk.end:
        j += 1
    return i, j


def chunk_document(doc: Document, splitter) -> tuple[list[Span], list[Span], list[tuple[int, int]]]:
    """(sentences, chunks, per-chunk sentence ranges local to this document)."""
    sentences = split_sentences(doc.text)
    chunks = chunk_spans(doc.text, splitter)
    ranges = []
    first = 0
    for chunk in chunks:
        lo, hi = sentences_in(chunk, sentences, first)
        ranges.append((lo, hi))
        first = lo
    return sentences, chunks, ranges
