"""Split a document's display text into sentences and token-bounded chunks, keeping exact offsets."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import pysbd
from langchain_text_splitters import RecursiveCharacterTextSplitter

from qa.types import Document

# Paragraphs first, then lines, then sentence ends, then clauses; the separator stays with the
# left piece so that a chunk ends where a sentence ends.
SEPARATORS = ["\n\n", "\n", ". ", "? ", "! ", "; ", ", ", " ", ""]

_segmenter = pysbd.Segmenter(language="en", clean=False, char_span=False)


@dataclass(frozen=True)
class Span:
    start: int
    end: int


def split_sentences(text: str) -> list[Span]:
    """Sentence spans of `text`: each line (paragraph or heading) split with pysbd, whitespace trimmed."""
    spans: list[Span] = []
    for line in re.finditer(r"[^\n]+", text):
        cursor = line.start()
        for sentence in _segmenter.segment(line.group()):
            piece = sentence.strip()
            if not piece:
                continue
            start = text.find(piece, cursor, line.end())
            if start < 0:  # pysbd normalised something; fall back to the whole remainder
                start, piece = cursor, text[cursor:line.end()].strip()
                start = text.find(piece, cursor) if piece else cursor
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
