"""Questions asking for a timeline ("Give me a timeline of Russia's relations with the Taliban", "Iran's
dealings with the Taliban in chronological order"): the passages on the subject that name a date, each
quoted verbatim, oldest first."""

from __future__ import annotations

import re
from dataclasses import replace

from qa.compose import NOT_IN_SOURCES, cite, escape_markdown, quoted_answer, repeats, shown_date
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
# what any timeline lists: "the key events in 2022" asks about 2022, and "events" matches no passage's words
_EVENTS = re.compile(r"^(?:the\s+)?(?:(?:key|main|major|important|significant)\s+)?(?:events|developments|milestones)"
                     r"\s+(?:in|of|on|concerning|regarding)\s+", re.I)
TIMELINE_MAX = 8  # passages quoted
TIMELINE_SHARE = 0.7  # of the best dated passage's score that another must reach to be on the same subject


def asked_timeline(question: str) -> str:
    """The subject a question asks a timeline of ("" when it asks for none)."""
    for pattern in _ASKS:
        found = pattern.match(question)
        if found:
            subject = found["subject"].strip()
            return _EVENTS.sub("", subject) or subject
    return ""


def timeline(index: IndexData, question: str, subject: str, evidence: list[Evidence], threshold: float) -> Answer:
    """The answer to `question`: of the `evidence` found for `subject` (best first), the passages that name a
    date and score near the best of them, at least `threshold`, each quoted as an answer would quote it
    (with the sentence before when it points back; passages that read on joined), in the order of the
    first date each quote names."""
    dated = [(e, span) for e in evidence for span in quote_spans(index, [e], False) if _date_of(index, e, span)[0]]
    best = max((e.score for e, _ in dated), default=0.0)
    if best < threshold:
        return Answer(question, f"{NOT_IN_SOURCES} No passage on “{escape_markdown(subject)}” names a date.",
                      grounded=False)
    kept: list[tuple[Evidence, tuple[int, int]]] = []
    for e, span in dated:
        if e.score >= TIMELINE_SHARE * best and not repeats(index, e, [k for k, _ in kept]):
            kept.append((e, span))
        if len(kept) == TIMELINE_MAX:
            break
    # in the text's order, so that every passage reading on from another is joined to it
    kept.sort(key=lambda k: (int(index.spans.sent_doc[k[0].sentence]), k[1]))
    joined = zip(*join_touching(index, [e for e, _ in kept], [span for _, span in kept]))
    ordered = sorted(((*_date_of(index, e, span), span[0], e, span) for e, span in joined),
                     key=lambda q: (q[0], q[2]))
    citations = [replace(cite(index, n, e, span), label=_shown(when, bound))
                 for n, (when, bound, _, e, span) in enumerate(ordered, 1)]
    return Answer(question, quoted_answer(citations), grounded=True, citations=citations,
                  read_as=f"a timeline of {subject}: the passages on it that name a date, oldest first")


def _date_of(index: IndexData, e: Evidence, span: tuple[int, int]) -> tuple[str, str]:
    """The first date named in a quote of `e`'s document spanning `span` (`periods.named_date`)."""
    first, last, starts = e.sentence, e.sentence, index.spans.sent_start
    while first > 0 and index.spans.sent_doc[first - 1] == index.spans.sent_doc[first] and starts[first] > span[0]:
        first -= 1
    while last + 1 < len(starts) and index.spans.sent_doc[last + 1] == index.spans.sent_doc[last] \
            and starts[last + 1] < span[1]:
        last += 1
    return next((d for s in range(first, last + 1) if (d := named_date(index, s))[0]), ("", ""))


def _shown(iso: str, bound: str) -> str:
    """A timeline entry's label: "November 2018", "Before 2001", "Late August 2021"."""
    label = f"{bound} {shown_date(iso)}".strip()
    return label[:1].upper() + label[1:]
