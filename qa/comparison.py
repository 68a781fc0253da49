"""Questions comparing two named subjects ("Compare Russia's and Iran's approaches to the Taliban", "How do
China and Pakistan differ on the Taliban?"): each side asked on its own, and answered side by side with the
quotes that name it."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import NamedTuple

from qa.compose import parts_read, quoted_answer
from qa.index_format import IndexData
from qa.lead import naming
from qa.lexical import tokenize
from qa.types import Answer, Citation

# a name: capitalised words, "the" before them ("the Taliban", "Central Asian states", "Shah Mehmood Qureshi")
_NAME = r"(?:the\s+)?[A-Z][\w.-]*(?:\s+(?:of\s+)?[A-Z][\w.-]*){0,3}?"
_POS = r"(?:[’']s?)?"
_SIDES = rf"(?P<a>{_NAME})(?P<pa>{_POS})\s+(?i:and|with|to|versus|vs\.?)\s+(?P<b>{_NAME})(?P<pb>{_POS})"
_END = r"[\s?.!]*$"
_ASKS = (
    re.compile(rf"^\W*(?i:(?:please\s+)?compare)\s+{_SIDES}(?:\s+(?P<topic>.+?))?{_END}"),
    re.compile(rf"^\W*(?i:how\s+do(?:es)?)\s+{_SIDES}\s+(?:(?P<before>.+?)\s+)?(?i:differ|compare)"
               rf"(?:\s+(?P<topic>.+?))?{_END}"),
    re.compile(rf"^\W*(?i:what\s+(?:is|are)\s+the\s+(?:main\s+|key\s+)?differences?\s+between)\s+{_SIDES}"
               rf"(?:\s+(?P<topic>.+?))?{_END}"),
    re.compile(rf"^\W*(?i:how\s+does)\s+(?P<a>{_NAME})(?P<pa>{_POS})(?:\s+(?P<before>.+?))?\s+"
               rf"(?i:compare|differ)\s+(?i:with|to|from)\s+(?P<b>{_NAME})(?P<pb>{_POS})(?:\s+(?P<topic>.+?))?{_END}"),
)
# "in their approach to ...": the side's own approach
_THEIR = re.compile(r"^(?i:(?:in|on|over|regarding|about|as\s+to)\s+)?(?i:their|its)\s+")
SIDE_QUOTES = 2  # quotes for each side


class Side(NamedTuple):
    """One side of a comparison: its name as the question writes it, and what is asked of it alone."""

    name: str
    asked: str


def asked_comparison(question: str) -> list[Side]:
    """The two sides a question compares, each with the question asked of it alone ("Russia's approaches to
    the Taliban"); [] when it compares none."""
    for pattern in _ASKS:
        found = pattern.match(question)
        if found:
            topic = " ".join(t for t in (found.groupdict().get("before"), found["topic"]) if t)
            owned = bool(found["pa"] or found["pb"])
            return [Side(name, _asked_of(name, topic, owned)) for name in (found["a"], found["b"])]
    return []


def _asked_of(name: str, topic: str, owned: bool) -> str:
    their = _THEIR.match(topic)
    if their:
        return f"{name}'s {topic[their.end():]}"
    if owned and topic:
        return f"{name}'s {topic}"
    return f"{name} {topic}".strip()


def compare(index: IndexData, question: str, sides: list[Side], answers: list[Answer]) -> Answer:
    """One answer from the answers to each side asked alone: up to SIDE_QUOTES of each side's quotes that
    name it, each labelled with its side, a quote cited once; declined as the first side is when no side
    has one."""
    citations: list[Citation] = []
    unanswered = []
    for side, answer in zip(sides, answers):
        names_it = naming(index, [side.name], side.asked)
        own = [c for c in answer.citations if names_it(tokenize(c.quote)) and not any(map(c.overlaps, citations))]
        label = side.name[:1].upper() + side.name[1:]
        citations += [replace(c, n=len(citations) + n, label=label) for n, c in enumerate(own[:SIDE_QUOTES], 1)]
        if not own:
            unanswered.append(side.asked)
    read_as = parts_read([s.asked for s in sides], unanswered, bool(citations))
    if not citations:
        return Answer(question, answers[0].answer, grounded=False, related=answers[0].related, read_as=read_as)
    caution = next((a.caution for a in answers if a.caution), "")
    return Answer(question, quoted_answer(citations), grounded=True, citations=citations, read_as=read_as,
                  caution=caution)
