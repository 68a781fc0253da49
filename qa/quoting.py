"""Chosen sentences -> the spans quoted: each widened to read on its own (the sentence a pointing word
refers to, the cause a why-question asks for), and quotes that read on from each other joined."""

from __future__ import annotations

import re

from qa.answer_types import CAUSAL
from qa.evidence import Evidence
from qa.index_format import IndexData

# A sentence opening on a word that points back ("This led to ...", "Moreover, it wants ...", "On April 23,
# it announced ...") needs the one before it to be understood; "That said, ..." only turns, as "However" does.
POINTS_BACK = re.compile(r"(?:(?:moreover|however|furthermore|meanwhile|also|still|yet|instead|in addition|"
                         r"that said|that being said|having said that|even so|"
                         r"at the same time|nonetheless|nevertheless|ultimately|(?:on|in|by|at|since|after|during) "
                         r"[\w’'-]+(?: [\w’'-]+){0,2}|[\w’'-]+ (?:days?|weeks?|months?|years?) (?:later|earlier)),\s+|"
                         r"(?:despite|in spite of|because of|due to|after|besides)\s+)?"
                         r"(this|that(?! said| being said)|these|those|it|its|they|their|them|he|his|she|her|such|"
                         r"the (?:two|latter|"
                         r"former|move|step|decision|group|organi[sz]ation|country|same))\b", re.I)


def quote_spans(index: IndexData, chosen: list[Evidence], reason: bool) -> list[tuple[int, int]]:
    """Each quote's span: its sentence widened over merged neighbours; for a why-question the first
    quote also takes in the adjacent sentence of its paragraph that gives the cause (or, failing a
    causal cue, the one that follows, where explanations usually sit). A quote that opens with its own
    sentence pointing back ("This led to ...") takes in the sentence before it in its paragraph, so it
    reads on its own; a neighbour taken in does not pull in another (the quote would drift away)."""
    used = {s for e in chosen for s in {e.sentence} | e.merged}
    spans = []
    for i, e in enumerate(chosen):
        ids = {e.sentence} | e.merged
        if reason and i == 0 and not any(CAUSAL.search(index.sentence_text(s)) for s in ids):
            extra = _reason_neighbour(index, min(ids), max(ids), used)
            if extra is not None:
                ids.add(extra)
                used.add(extra)
        first = min(ids)
        if first == e.sentence and POINTS_BACK.match(index.sentence_text(first)) and first - 1 not in used \
                and index.same_paragraph(first - 1, first):
            ids.add(first - 1)
            used.add(first - 1)
        spans.append((int(index.spans.sent_start[min(ids)]), int(index.spans.sent_end[max(ids)])))
    return spans


def join_touching(index: IndexData, chosen: list[Evidence],
                   spans: list[tuple[int, int]]) -> tuple[list[Evidence], list[tuple[int, int]]]:
    """One quote for text that reads on: a quote that overlaps a better one of the same document, or follows
    or precedes it in its paragraph with nothing between (once widened back to what it points to, or to a
    cause), is joined to it rather than cited again."""
    kept: list[tuple[Evidence, tuple[int, int]]] = []
    for e, span in zip(chosen, spans):
        doc = int(index.spans.sent_doc[e.sentence])
        at = next((i for i, (k, other) in enumerate(kept)
                   if int(index.spans.sent_doc[k.sentence]) == doc and _touch(index.documents[doc].text, span, other)),
                  None)
        if at is None:
            kept.append((e, span))
        else:
            k, other = kept[at]
            kept[at] = (k, (min(span[0], other[0]), max(span[1], other[1])))
    return [k for k, _ in kept], [span for _, span in kept]


def _touch(text: str, a: tuple[int, int], b: tuple[int, int]) -> bool:
    first, second = sorted([a, b])
    between = text[first[1]:second[0]]
    return second[0] <= first[1] or (between.isspace() and "\n" not in between)


def _reason_neighbour(index: IndexData, first: int, last: int, used: set[int]) -> int | None:
    options = [nb for nb, anchor in ((last + 1, last), (first - 1, first))
               if nb not in used and index.same_paragraph(anchor, nb)]
    causal = [nb for nb in options if CAUSAL.search(index.sentence_text(nb))]
    if causal:
        return causal[0]
    return options[0] if options and options[0] == last + 1 else None


