"""Questions put to some sources alone: "According to the Soufan Center, why ...?", "What does Hughes say
about the UN report?", "In the 2020 article, what is said about Russia?", "Who funds the authors of the
2020 article?". The sources are named by their record (an author's name, the publisher, the year); the
question is answered from their text alone."""

from __future__ import annotations

import re
from typing import NamedTuple

from qa.conversation import opens_as_question
from qa.framing import unframed
from qa.index_format import IndexData
from qa.lexical import tokenize
from qa.types import Document, credit

_KINDS = r"(?:article|piece|analysis|commentary|essay|op-ed|paper|report|source|text)s?"
_TELLS = r"(?:say|says|said|write|writes|wrote|argue|argues|think|thinks|conclude|concludes|note|notes|claim|claims)"
_ASKS = (
    re.compile(r"^\W*according\s+to\s+(?P<source>[^,]+?)\s*,\s*(?P<asked>.+)$", re.I),
    re.compile(r"^(?P<asked>.+?)\s*,?\s+according\s+to\s+(?P<source>[^,]+?)[\s?.!]*$", re.I),
    re.compile(rf"^\W*what\s+(?:does|did|do)\s+(?P<source>.+?)\s+{_TELLS}\s+(?:about|on|of|regarding|concerning)\s+"
               r"(?P<asked>.+?)[\s?.!]*$", re.I),
    re.compile(rf"^\W*in\s+(?P<source>(?:the|this|that)\s+.+?\s+{_KINDS})\s*,\s*(?P<asked>.+)$", re.I),
    re.compile(rf"^(?P<asked>.+?)\s+in\s+(?P<source>the\s+.+?\s+{_KINDS})[\s?.!]*$", re.I),
    # "Where do the authors of the 2020 article work?": asked as "Where do the authors work?"
    re.compile(rf"^(?P<asked>.+?)\s+of\s+(?P<source>the\s+.+?\s+{_KINDS})(?P<rest>\s+\w.*?)?[\s?.!]*$", re.I),
    # what a source argues as a whole: "What does Hughes argue?"
    re.compile(rf"^\W*what\s+(?:does|did|do)\s+(?P<source>.+?)\s+{_TELLS}(?P<asked>)[\s?.!]*$", re.I),
)
# words naming what kind of text a source is, or that it has an author: no part of a source's record
_KIND_WORDS = frozenset(tokenize("article articles piece analysis commentary essay op-ed paper report source text "
                                 "author authors writer writers by"))
# sources named together: "Sakhi and Hughes"
_JOINED = re.compile(r"\s*(?:,|&|\band\b|\bor\b)\s*", re.I)


class Scoped(NamedTuple):
    """A question put to some sources: what is asked ("" for what they argue as a whole), and the numbers
    of the documents it is put to."""

    asked: str
    docs: frozenset[int]


def asked_within(index: IndexData, question: str) -> Scoped | None:
    """The question asked of the sources it names by their record, or None when it names none ("According
    to the UN report, ..." and "What did Peskov say about ...?" name no source)."""
    for pattern in _ASKS:
        found = pattern.match(question)
        if found:
            docs = sources_named(index, found["source"])
            if docs:
                asked = unframed(f"{found['asked']}{found.groupdict().get('rest') or ''}".strip())
                # a question is capitalised as asked alone; a bare topic keeps its words as typed
                return Scoped(asked[:1].upper() + asked[1:] if opens_as_question(asked) else asked, docs)
    return None


def sources_named(index: IndexData, phrase: str) -> frozenset[int]:
    """The documents whose record (authors, publisher, year) holds every word of `phrase` but those naming a
    kind of text ("the 2020 article", "Sakhi", "the Soufan Center report"), or of each of the sources it
    joins ("Sakhi and Hughes"); none if some part of it names no source."""
    named: set[int] = set()
    for part in _JOINED.split(phrase):
        words = set(tokenize(part)) - _KIND_WORDS
        found = {i for i, doc in enumerate(index.documents) if words and words <= _record_words(doc)}
        if not found:
            return frozenset()
        named |= found
    return frozenset(named)


def _record_words(doc: Document) -> set[str]:
    return set(tokenize(" ".join([*doc.authors, doc.publisher, doc.date[:4]])))


def named_sources(index: IndexData, docs: frozenset[int]) -> str:
    """The sources a question was put to, as a reader would name them: “Title” (credit, date)."""
    shown = [index.documents[i] for i in sorted(docs)]
    return "; ".join(f"“{d.title}” ({', '.join(p for p in (credit(d.authors, d.publisher), d.date) if p)})"
                     for d in shown)
