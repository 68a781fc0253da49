"""Questions about a source itself: who wrote it, when it appeared, what it argues ("Who wrote the article
about exporting instability?", "When was it published?", "Summarize the Sakhi article"). The answer quotes
where the source's own text credits or dates it, found from its record (authors, publisher, date), or the
sentences that best stand for the whole of it; never what other sources say."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import NamedTuple

import numpy as np

from qa.compose import NOT_IN_SOURCES, cite, escape_markdown, quoted_answer
from qa.evidence import Evidence, quotable
from qa.index_format import IndexData
from qa.ingest import MONTHS
from qa.lexical import tokenize
from qa.names import unmentioned_names
from qa.quoting import POINTS_BACK
from qa.types import Answer, Citation, Document, credit

# what names a text of the sources: "the article", "this piece", "the 2023 report"
_TEXT = (r"(?:(?:the|this|that)\s+(?P<named>(?:[\w’'-]+\s+){0,3}?)(?P<noun>article|piece|analysis|commentary|essay|"
         r"op-ed|paper|report|source|text|document)s?\b(?P<about>.*?)|this\s+one|it|that|this)")
# a text no source tells of: "Who wrote the report?" after "What did the UN report say?" may ask who wrote
# the UN's, and "Who wrote it?" may ask who wrote a treaty
_SOURCE_NOUNS = frozenset({"article", "piece", "analysis", "commentary", "essay", "op-ed", "source"})
_ASKS = (
    ("author", re.compile(rf"^\W*who\s+(?:wrote|authored|penned|is\s+behind|was\s+behind)\s+{_TEXT}\W*$", re.I)),
    ("author", re.compile(rf"^\W*who\s+(?:is|are|was|were)\s+the\s+(?:authors?|writers?)\s+of\s+{_TEXT}\W*$", re.I)),
    ("date", re.compile(rf"^\W*when\s+(?:was|were)\s+{_TEXT}\s+(?:published|written|released)\W*$", re.I)),
    ("date", re.compile(rf"^\W*when\s+did\s+{_TEXT}\s+(?:come\s+out|appear)\W*$", re.I)),
    ("summary", re.compile(rf"^\W*(?:please\s+)?(?:summari[sz]e|sum\s+up|give\s+(?:me\s+)?(?:a\s+|the\s+)?"
                           rf"(?:summary|gist|overview)\s+of|what\s+is\s+the\s+(?:gist|summary)\s+of)\s+{_TEXT}\W*$",
                           re.I)),
    ("summary", re.compile(r"^\W*what\s+(?:is|are|was)\s+the\s+(?:(?:author|writer)s?[’']s?\s+)?"
                           r"(?:(?:main|central|key|overall)\s+)?(?:argument|point|thesis|conclusion|message|takeaway)s?"
                           rf"\s+(?:of|in)\s+{_TEXT}\W*$", re.I)),
    ("summary", re.compile(rf"^\W*what\s+(?:does|did)\s+{_TEXT}\s+(?:argue|conclude|say)\W*$", re.I)),
    ("summary", re.compile(rf"^\W*what\s+(?:is|was)\s+{_TEXT}\s+about\W*$", re.I)),
)
_ABOUT = re.compile(r"^\s*(?:about|on|regarding|concerning|that\s+(?:discusses|covers|is\s+about)|from|by|in)\s+", re.I)
WHICH_SOURCE = (f"{NOT_IN_SOURCES} It asks about a source without saying which: name what it is about (“Who "
                f"wrote the article about …?”), or ask after an answer that quotes it.")
NAMED_SHARE = 0.5  # of the words naming a source that its title or credit must hold, when it keeps no record
HEAD_SENTENCES = 6  # a source's dateline stands among its first sentences; a date further on is an event's
SUMMARY_SENTENCES = 4
SUMMARY_MIN_WORDS = 8  # a shorter sentence seldom stands for a whole text
# a note on who wrote a text: "Authors: ...", "The authors are investigators on ..."
_CREDIT_OPENING = re.compile(r"^\W*(?:the\s+)?(?:authors?|writers?)\s*(?::|(?:is|are|was|were)\b)", re.I)
REPEAT_PENALTY = 0.5  # of a sentence's likeness to one already chosen, taken off its claim to stand for the text


class SourceAsked(NamedTuple):
    """What a question asks of a source (`kind`: "author", "date" or "summary") and the words saying which
    source (`about`: "exporting instability", "Soufan Center"; "" for "it" or "the article", which point to
    the last answer that quoted one; unless `sure`, only when the question before was about a source too,
    and for a summary of "the Soufan Center report", only when those words name a source: "What does the
    UN report say?" asks what the sources say of it)."""

    kind: str
    about: str
    sure: bool = True  # False for "it" or "the report", which may be a text the sources tell of


def asked_of_source(question: str) -> SourceAsked | None:
    """What the question asks of a source, or None when it asks about what the sources say."""
    for kind, pattern in _ASKS:
        found = pattern.match(question)
        if found:
            about = " ".join(f"{found['named'] or ''} {_ABOUT.sub('', found['about'] or '')}".split()).strip(" ?.!")
            a_source = (found["noun"] or "").lower() in _SOURCE_NOUNS
            return SourceAsked(kind, about, a_source or bool(about) and kind != "summary")
    return None


def answer_of_source(index: IndexData, question: str, asked: SourceAsked, doc_no: int, score: float) -> Answer:
    """The answer to `question` about document `doc_no`: the sentences of its text that name its authors
    (or publisher) or give its date, quoted; else an abstention that says what its record holds."""
    doc = index.documents[doc_no]
    sentences = _sentences_of(index, doc_no)
    quoted = {"author": _crediting, "date": _dating, "summary": _summarising}[asked.kind](index, doc, sentences)
    if quoted:
        citations = [cite(index, n, _evidence(index, s, score)) for n, s in enumerate(quoted, 1)]
        return Answer(question, quoted_answer(citations), grounded=True, citations=citations)
    record = _record(asked, doc)
    what = "name its author" if asked.kind == "author" else "give its date"
    said = f"; its record gives {escape_markdown(record)}" if record else ""
    return Answer(question, f"{NOT_IN_SOURCES} The text of “{escape_markdown(doc.title)}” does not {what}{said}.",
                  grounded=False, related=[cite(index, 1, _evidence(index, sentences[0], score))])


def summaries(index: IndexData, question: str, docs: list[int]) -> Answer:
    """Each of documents `docs` summed up (`_summarising`), under its credit when there are several."""
    citations: list[Citation] = []
    for doc_no in docs:
        doc = index.documents[doc_no]
        label = (credit(doc.authors, doc.publisher) or doc.title) if len(docs) > 1 else ""
        chosen = _summarising(index, doc, _sentences_of(index, doc_no))
        citations += [replace(cite(index, n, _evidence(index, s, 1.0)), label=label)
                      for n, s in enumerate(chosen, len(citations) + 1)]
    return Answer(question, quoted_answer(citations), grounded=True, citations=citations)


def credit_off_question(index: IndexData, question: str, sentence: int) -> bool:
    """Whether `sentence` tells of its own source's authors and the question names someone or something its
    paragraph does not: "Who funds the Taliban?" is not answered by "The authors are investigators on the
    Carnegie Corporation of New York-funded project ...", though their text is about the Taliban."""
    return credits_its_authors(index, sentence) and bool(
        unmentioned_names(index, question, sentence, _paragraph(index, sentence), implied=False))


def credits_its_authors(index: IndexData, sentence: int) -> bool:
    """Whether `sentence` tells of its own source's authors: opens on "Authors:" or "The author is", or
    names one of them in full ("Nilofar Sakhi is a nonresident senior fellow ...")."""
    text = index.sentence_text(sentence)
    doc = index.documents[int(index.spans.sent_doc[sentence])]
    return bool(_CREDIT_OPENING.match(text)) or any(" " in name and name in text for name in doc.authors)


def _paragraph(index: IndexData, sentence: int) -> str:
    """The sentences of `sentence`'s paragraph."""
    first, last = sentence, sentence
    while index.same_paragraph(first - 1, sentence):
        first -= 1
    while index.same_paragraph(sentence, last + 1):
        last += 1
    return " ".join(index.sentence_text(s) for s in range(first, last + 1))


def _sentences_of(index: IndexData, doc_no: int) -> range:
    """The numbers of a document's sentences, which run on from one another."""
    ids = (index.spans.sent_doc == doc_no).nonzero()[0]
    return range(int(ids[0]), int(ids[-1]) + 1)


def _evidence(index: IndexData, sentence: int, score: float) -> Evidence:
    return Evidence(sentence, int(index.spans.sent_chunk[sentence]), score)


def is_about_source(index: IndexData, asked: SourceAsked, doc: Document) -> bool:
    """Whether a question about a source is about `doc`, the one best answering its subject: some source
    keeps a record of what is asked (authors or publisher, or a date), or the subject is mostly words of
    `doc`'s title or credit ("the IS challenges article" of "IS Presents Challenges and Opportunities
    ..."). In sources that keep no such record, a paper they tell of is meant ("When did the Plos
    Pathogens paper come out?")."""
    if asked.sure and any(_record(asked, d) for d in index.documents):
        return True
    words = tokenize(asked.about)
    named = set(tokenize(" ".join([doc.title, *doc.authors, doc.publisher])))
    return bool(words) and sum(w in named for w in words) >= NAMED_SHARE * len(words)


def _record(asked: SourceAsked, doc: Document) -> str:
    """What `doc`'s record says of what is asked: who it is credited to, or its date; for a summary,
    either ("" if nothing)."""
    credited = credit(doc.authors, doc.publisher)
    return {"author": credited, "date": doc.date}.get(asked.kind, credited or doc.date)


def document_number(index: IndexData, doc_id: str) -> int:
    """The position of document `doc_id` in the index."""
    return next(i for i, d in enumerate(index.documents) if d.doc_id == doc_id)


def document_quoting(index: IndexData, quote: str) -> int | None:
    """The number of the document whose text holds `quote` (None if none does)."""
    return next((i for i, d in enumerate(index.documents) if quote and quote in d.text), None)


def _crediting(index: IndexData, doc: Document, sentences: range) -> list[int]:
    """Of `doc`'s `sentences`, those holding the first mention of each author (or else of the publisher)."""
    found: set[int] = set()
    for name in doc.authors or ([doc.publisher] if doc.publisher else []):
        first = next((s for s in sentences if name in index.sentence_text(s)), None)
        if first is not None:
            found.add(first)
    return sorted(found)


def _dating(index: IndexData, doc: Document, sentences: range) -> list[int]:
    """The first of `doc`'s first HEAD_SENTENCES `sentences` that writes its date."""
    forms = _written_dates(doc)
    return next(([s] for s in sentences[:HEAD_SENTENCES] if any(f in index.sentence_text(s) for f in forms)), [])


def _summarising(index: IndexData, doc: Document, sentences: range) -> list[int]:
    """Of `doc`'s `sentences`, the SUMMARY_SENTENCES (in the text's order) most like the text as a whole
    (nearest the mean of its sentence vectors), each less so for being like one already chosen; only claims
    worth quoting (`quotable`: no heading, byline or caption) of SUMMARY_MIN_WORDS or more that do not need
    the sentence before them."""
    texts = {s: index.sentence_text(s) for s in sentences}
    fits = [s for s, text in texts.items() if quotable(text, doc.title) and len(text.split()) >= SUMMARY_MIN_WORDS
            and not POINTS_BACK.match(text)]
    fits = fits or list(sentences)
    vectors = index.sentence_vectors[fits]
    centre = vectors.mean(axis=0)
    standing = vectors @ (centre / (np.linalg.norm(centre) or 1.0))
    chosen: list[int] = []
    while len(chosen) < min(SUMMARY_SENTENCES, len(fits)):
        repeats = (vectors @ vectors[chosen].T).max(axis=1) if chosen else np.zeros(len(fits))
        claim = standing - REPEAT_PENALTY * repeats
        claim[chosen] = -np.inf
        chosen.append(int(np.argmax(claim)))
    return sorted(fits[i] for i in chosen)


def _written_dates(doc: Document) -> list[str]:
    """How a text may write its ISO date: "2023-02-11", "February 11, 2023", "11 February 2023", "August 2023"."""
    parts = doc.date.split("-")
    year, month, day = (parts + ["", ""])[:3]
    if len(parts) > 3 or not all(p.isdigit() for p in parts) or month and not 0 < int(month) <= 12:
        return [doc.date] if doc.date else []  # not ISO: as its record writes it
    if not month:
        return [year]
    name = MONTHS[int(month) - 1].capitalize()
    if not day:
        return [f"{name} {year}", f"{name[:3]} {year}", f"{year}-{month}"]
    d = str(int(day))
    short = name[:3]
    return [doc.date, f"{name} {d}, {year}", f"{d} {name} {year}", f"{short} {d}, {year}", f"{short}. {d}, {year}"]
