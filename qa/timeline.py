"""Questions asking for a timeline ("Give me a timeline of Russia's relations with the Taliban", "Iran's
dealings with the Taliban in chronological order"): the passages on the subject that name a date, each
quoted verbatim, oldest first."""

from __future__ import annotations

import re

from qa.compose import NOT_IN_SOURCES, cite, escape_markdown, repeats
from qa.evidence import Evidence
from qa.index_format import IndexData
from qa.periods import named_date
from qa.quoting import join_touching, quote_spans
from qa.types import Answer

_ASKS = (
    re.compile(r"^\W*(?:(?:please\s+)?(?:(?:can|could|would)\s+you\s+)?(?:give|show|make|draw\s+up|build|create|"
               r"provide|list)\s+(?:me\s+|us\s+)?|what\s+is\s+|what[’']s\s+)?(?:a\s+|the\s+)?(?:timeline|chronology)"
               r"\s+(?:of|for|on)\s+(?P<subject>.+?)[\s?.!]*$", re.I),
    re.compile(r"^\W*(?P<subject>.+?),?\s+(?:in\s+(?:chronological|date)\s+order|chronologically|year\s+by\s+year)"
               r"[\s?.!]*$", re.I),
)
TIMELINE_MAX = 8  # passages quoted
TIMELINE_SHARE = 0.7  # of the best dated passage's score that another must reach to be on the same subject


def asked_timeline(question: str) -> str:
    """The subject a question asks a timeline of ("" when it asks for none)."""
    for pattern in _ASKS:
        found = pattern.match(question)
        if found:
            return found["subject"].strip()
    return ""


def timeline(index: IndexData, question: str, subject: str, evidence: list[Evidence], threshold: float) -> Answer:
    """The answer to `question`: of the `evidence` found for `subject` (best first), the passages that name a
    date and score near the best of them, at least `threshold`, each quoted as an answer would quote it
    (with the sentence before when it points back), in the order of the dates they name."""
    dated = [(e, span, when) for e in evidence for span in quote_spans(index, [e], False)
             if (when := _date_of(index, e, span))]
    best = max((e.score for e, _, _ in dated), default=0.0)
    if best < threshold:
        return Answer(question, f"{NOT_IN_SOURCES} No passage on “{escape_markdown(subject)}” names a date.",
                      grounded=False)
    kept: list[tuple[Evidence, str]] = []
    for e, _, when in dated:
        if e.score >= TIMELINE_SHARE * best and not repeats(index, e, [k for k, _ in kept]):
            kept.append((e, when))
        if len(kept) == TIMELINE_MAX:
            break
    kept.sort(key=lambda k: (k[1], int(k[0].sentence)))
    chosen, spans = join_touching(index, [e for e, _ in kept], quote_spans(index, [e for e, _ in kept], False))
    citations = [cite(index, n, e, span) for n, (e, span) in enumerate(zip(chosen, spans), 1)]
    listed = "\n".join(f"- “{escape_markdown(c.quote)}” [{c.n}]" for c in citations)
    return Answer(question, listed, grounded=True, citations=citations,
                  read_as=f"a timeline of {subject}: the passages on it that name a date, oldest first")


def _date_of(index: IndexData, e: Evidence, span: tuple[int, int]) -> str:
    """The first date named in a quote's span, as an ISO prefix ("" if none)."""
    first = e.sentence
    while first > 0 and int(index.spans.sent_start[first]) > span[0]:
        first -= 1
    return next((d for s in range(first, e.sentence + 1) if (d := named_date(index, s))), "")
