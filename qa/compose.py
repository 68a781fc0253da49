"""Scored evidence -> an Answer of verbatim quotes with numbered citations, or an honest abstention."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from difflib import SequenceMatcher
from itertools import islice

import numpy as np

from qa.answer_types import bare_speaker, reports_speech_of, unanswered
from qa.evidence import Evidence, Overlap, sentence_tokens
from qa.index_format import IndexData
from qa.ingest import MONTHS
from qa.lead import (
    RELATIVE_KEEP,
    Asked,
    dated_elsewhere,
    holds_question_words,
    names_one,
    order,
    read_alone,
    read_with_before,
    sentence_before,
    stems,
)
from qa.lexical import tokenize
from qa.names import unknown_words, unmentioned_names
from qa.periods import newest_date, older
from qa.quoting import join_touching, quote_spans
from qa.types import Answer, Citation

NOT_IN_SOURCES = "The sources do not answer this question."
NO_NAME = "The passage that matches it best does not mention"
NAMING_WEAKER = "; the possibly related passages that name it match the question less closely"
WEAK_EVIDENCE = ("Weaker evidence: these quotes match the question less closely than most answers do; "
                 "check that they answer it.")
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~#&])")
_QUOTED = re.compile(r"“(.*?)” \[\d+\]", re.S)  # a quote as compose writes it into the answer
_ESCAPED = re.compile(r"\\(.)")
DUPLICATE_COSINE = 0.9
DUPLICATE_SHARE = 0.9  # of the shorter sentence's words found in the longer one, in order
DUPLICATE_MIN_WORDS = 8  # fewer are too few to tell a repeat from a sentence on the same thing
# a further citation must score this share of the abstention threshold: half the best may still be a sentence
# that only shares a word or two ("... were killed by the Taliban in Panjshir" for a bombing's death toll)
FURTHER_SHARE = 0.8
SPEECH_READ = 5  # passages nearest "What did X say?" read for X's words, however weakly they match
# "What did Qureshi say about ...?" asks what he said: a further quote of what someone else said, or of what
# "can be said about" anything, shares only the frame
FRAME = frozenset(tokenize("say about"))
RELATED = 3  # nearest passages offered beside a refusal
ABSENT_SHOWN = 3  # of the question's words no source has, those a refusal names


def escape_markdown(text: str) -> str:
    """Render `text` literally in markdown (no links, emphasis or HTML from corpus text)."""
    return _MD_SPECIAL.sub(r"\\\1", text)


def first_quote(answer_markdown: str) -> str:
    """The first quote of an answer this module wrote, as it reads in the source ("" if none)."""
    found = _QUOTED.search(answer_markdown)
    return _ESCAPED.sub(r"\1", found.group(1)) if found else ""


def compose(index: IndexData, asked: Asked, evidence: list[Evidence], *, threshold: float, max_citations: int,
            unknown: list[str] | None = None, weak_below: float = 0.0) -> Answer:
    """The answer to `asked` from `evidence` (best first), or an abstention below `threshold`, flagged
    as weaker evidence below `weak_below`. `unknown` are names in the question that no source mentions,
    which rule out an answer. Each further citation must hold some of the question's words and, for a
    follow-up about someone, name them."""
    question = asked.question
    who = bare_speaker(question)  # "What did Grigoriev say?": his words answer it, however weakly they match
    # the best score, not the lead's: a lead rule may put a lower-scoring sentence first
    if unknown or not evidence or (max(e.score for e in evidence) < threshold
                                   and not _words_reported(index, who, evidence)):
        return _abstain(index, question, evidence, _not_in_sources(index, question, unknown or [], asked.since))
    evidence = order(index, evidence, asked)
    chosen = _choose(index, evidence, max_citations, Overlap(index, asked.words, FRAME), _names_asked(index, asked),
                     FURTHER_SHARE * threshold, authors=not asked.defined)
    chosen, spans = join_touching(index, chosen, quote_spans(index, chosen, asked.reason))
    citations = [_citation(index, n, e, start, end) for n, (e, (start, end)) in enumerate(zip(chosen, spans), 1)]
    lead = citations[0].quote
    weak = max(c.score for c in citations) < weak_below
    missing = unanswered(lead, question, weak=weak) or ("give no date" if dated_elsewhere(index, asked, lead) else "")
    if missing:
        return _abstain(index, question, evidence,
                        f"{NOT_IN_SOURCES} The passages nearest to it {escape_markdown(missing)}.")
    unmentioned = unmentioned_names(index, question, chosen[0].sentence, citations[0].passage)
    if unmentioned:
        related = _naming_first(index, question, evidence)
        # what is offered below may name it: say why those passages do not answer either
        weaker = NAMING_WEAKER if related[0] is not evidence[0] else ""
        return _abstain(index, question, related,
                        f"{NOT_IN_SOURCES} {NO_NAME} {_either(unmentioned)}, and its source does at most once{weaker}.")
    said = bool(who) and reports_speech_of(f"{sentence_before(index, chosen[0].sentence)} {lead}", who)
    caution = WEAK_EVIDENCE if weak and not said else ""
    return Answer(question, quoted_answer(citations), grounded=True, citations=citations, caution=caution)


def _words_reported(index: IndexData, who: str, evidence: list[Evidence]) -> bool:
    """Whether the question asks only what `who` said (`bare_speaker`) and one of the SPEECH_READ passages
    nearest it reports their words: "What did Grigoriev say?" has too few words to match any sentence
    well, but "Grigoriev slammed the radical movement ..." answers it."""
    return bool(who) and any(
        reports_speech_of(f"{sentence_before(index, e.sentence)} {index.sentence_text(e.sentence)}", who)
        for e in evidence[:SPEECH_READ])


def combine(question: str, parts: list[str], answers: list[Answer]) -> Answer:
    """One answer to a compound question from the answers to its parts: the first part's citations, then
    each later part's lead quote (its further quotes would crowd the first part's out), renumbered; a
    quote already cited is not cited again, or replaces the citation it takes in ("On April 23, ..." by
    "On April 23, ... Mujahid said ..."); `read_as` names the parts as each was read ("And China's?": "What
    is China's stance?"), and those the sources do not answer."""
    grounded = [a for a in answers if a.grounded]
    parts = [a.read_as or p for p, a in zip(parts, answers)]
    unanswered = [p for p, a in zip(parts, answers) if not a.grounded]
    read_as = parts_read(parts, unanswered, bool(grounded))
    if not grounded:
        return Answer(question, answers[0].answer, grounded=False, related=answers[0].related, read_as=read_as)
    caution = next((a.caution for a in grounded if a.caution), "")
    citations: list[Citation] = []
    for c in [*grounded[0].citations, *(a.citations[0] for a in grounded[1:])]:
        at = next((i for i, k in enumerate(citations) if c.overlaps(k)), None)
        if at is None:
            citations.append(replace(c, n=len(citations) + 1))
        elif c.start <= citations[at].start and citations[at].end <= c.end:  # it reads on: the longer one stays
            citations[at] = replace(c, n=citations[at].n)
    return Answer(question, quoted_answer(citations), grounded=True, citations=citations, read_as=read_as,
                  caution=caution)


def parts_read(parts: list[str], unanswered: list[str], answered: bool) -> str:
    """How a question asked in parts was read: its parts, and those the sources do not answer when some
    other part is answered."""
    return " + ".join(parts) + (f" (not in the sources: {' + '.join(unanswered)})" if answered and unanswered
                                else "")


def quoted_answer(citations: list[Citation]) -> str:
    """The answer's markdown: each quote in quotation marks with its marker; quotes under labels one to a
    line, each as a list item under its label in bold."""
    if any(c.label for c in citations):
        return "\n".join(f"- **{escape_markdown(c.label)}** “{escape_markdown(c.quote)}” [{c.n}]" for c in citations)
    return " ".join(f"“{escape_markdown(c.quote)}” [{c.n}]" for c in citations)


def _abstain(index: IndexData, question: str, evidence: list[Evidence], message: str) -> Answer:
    related = [cite(index, n, e) for n, e in enumerate(evidence[:RELATED], 1)]
    return Answer(question, message, grounded=False, related=related)


def _naming_first(index: IndexData, question: str, evidence: list[Evidence]) -> list[Evidence]:
    """The evidence, sentences the missing-name rule would not rule out first (read on their own): what is
    offered as possibly related to "What are Russia's security concerns?" should at least be about Russia."""
    naming = list(islice((e for e in evidence
                          if not unmentioned_names(index, question, e.sentence, index.sentence_text(e.sentence))),
                         RELATED))  # only as many as are offered: each check reads a sentence's words
    return naming + [e for e in evidence if e not in naming]


def _not_in_sources(index: IndexData, question: str, unknown: list[str], since: str) -> str:
    """Why the sources do not answer: a name no source mentions rules an answer out, a time after the newest
    source too; otherwise the evidence is weak, and the question's words no source has may say why."""
    if unknown:
        return f"{NOT_IN_SOURCES} No source mentions {_either(unknown)}."
    newest = newest_date(index)
    if since and older(newest, since):
        return f"{NOT_IN_SOURCES} It asks about {shown_date(since)}; the newest source is dated {newest}."
    absent = unknown_words(index, question)
    if not absent:
        return NOT_IN_SOURCES
    more = len(absent) - ABSENT_SHOWN  # a question in another language lacks most of its words: name a few
    return (f"{NOT_IN_SOURCES} No source has the word {_either(absent[:ABSENT_SHOWN])}"
            f"{f' (nor {more} more of its words)' if more > 0 else ''}.")


def shown_date(iso: str) -> str:
    """"2023-05" as "May 2023"."""
    year, _, month = iso.partition("-")
    return f"{MONTHS[int(month) - 1].capitalize()} {year}" if month else year


def _either(names: list[str]) -> str:
    return " or ".join(f"“{escape_markdown(name)}”" for name in names)


def _names_asked(index: IndexData, asked: Asked) -> Callable[[list[str]], bool]:
    """A test of whether a further quote's stems name whom the question is about: for a follow-up, one of
    its referents ("him"); for "Who is X?", every word of X the sources have ("Who is Abdul Ghani Baradar?"
    is not answered by "the Ghani regime")."""
    if asked.defined:
        known = [{s} for s in stems(asked.defined) if s in index.sentence_lexical.idf]
        return lambda tokens: all(names_one(tokens, stem) for stem in known)
    referents = stems(asked.referents or asked.turned_to)
    return lambda tokens: names_one(tokens, referents)


def _choose(index: IndexData, evidence: list[Evidence], limit: int, overlap: Overlap,
            names: Callable[[list[str]], bool], floor: float, authors: bool) -> list[Evidence]:
    """Up to `limit` quotes from the sentences scoring at least RELATIVE_KEEP of the best. A sentence next
    to a better chosen one in its paragraph widens that quote instead of taking a citation of its own. The
    lead quote takes in the first such neighbour even past the limit: the sentence that completes the best
    one is worth more than a new citation. A further citation must also score `floor`, and hold MIN_OVERLAP of the
    question's words, read with the sentence before it: its score alone may come from sharing the corpus's
    general subject ("the Taliban"), and skipping it leaves the place to one that does. For a follow-up
    about someone named earlier, it must name one of `referents` too (the brother killed in Panjshir does
    not answer where Umar was killed). The best sentence of the lead's passage is weighed first
    (`_passage_first`). A sentence holds its `authors`' names too, unless the question asks who
    or what they are: what Sakhi wrote does not say who Sakhi is."""
    best = evidence[0]
    chosen = [best]
    for e in _passage_first(index, evidence):
        if e.score < RELATIVE_KEEP * best.score:
            continue
        near = next((c for c in chosen if abs(e.sentence - c.sentence) == 1
                     and index.same_paragraph(e.sentence, c.sentence)), None)
        if near is best and not best.merged:
            best.merged.add(e.sentence)
        elif len(chosen) < limit and not repeats(index, e, chosen):
            if near is not None:
                near.merged.add(e.sentence)
            elif e.score >= floor:
                tokens = read_with_before(index, e.sentence, authors)
                if holds_question_words(tokens, overlap) and names(tokens):
                    alone = read_alone(index, e.sentence, authors)
                    if not (holds_question_words(alone, overlap) and names(alone)):
                        e.merged.add(e.sentence - 1)  # chosen for what the sentence before says: quoted with it
                    chosen.append(e)
    return chosen


def _passage_first(index: IndexData, evidence: list[Evidence]) -> list[Evidence]:
    """The evidence after the best, the best-scoring sentence of the best one's passage first (not its
    neighbour, which widens its quote): a passage goes on about what it answers ("Was the Taliban invited to
    the Kremlin's security dialogue?": "... were not invited" follows the Kremlin's dialogue), where a
    better-scoring sentence elsewhere may only share the question's words ("In 2015, Pakistan's foreign
    office invited a Taliban delegation ...")."""
    sp, best = index.spans, evidence[0]
    start, end = sp.chunk_start[best.chunk], sp.chunk_end[best.chunk]

    def in_passage(e: Evidence) -> bool:
        return (sp.sent_doc[e.sentence] == sp.sent_doc[best.sentence] and start <= sp.sent_start[e.sentence] < end
                and abs(e.sentence - best.sentence) > 1)

    mate = next((e for e in evidence[1:] if in_passage(e)), None)
    return ([mate] if mate else []) + [e for e in evidence[1:] if e is not mate]


def repeats(index: IndexData, e: Evidence, chosen: list[Evidence]) -> bool:
    """Whether `e` says what a chosen sentence already says: nearly the same vector, or the same words but
    for a few (an article's summary repeated in its body with a list inserted)."""
    vec = index.sentence_vectors[e.sentence]
    return any(float(vec @ index.sentence_vectors[c.sentence]) > DUPLICATE_COSINE
               or _same_words(index.sentence_text(c.sentence), index.sentence_text(e.sentence)) for c in chosen)


def _same_words(a: str, b: str) -> bool:
    """Whether the shorter sentence's stems are nearly all in the longer one, in the same order."""
    x, y = sorted((sentence_tokens(a), sentence_tokens(b)), key=len)
    matched = sum(block.size for block in SequenceMatcher(None, x, y, autojunk=False).get_matching_blocks())
    return len(x) >= DUPLICATE_MIN_WORDS and matched >= DUPLICATE_SHARE * len(x)


def cite(index: IndexData, n: int, e: Evidence, span: tuple[int, int] | None = None) -> Citation:
    """Citation `n`, quoting `span` of the text of `e`'s document (default: the sentence of `e` whole)."""
    return _citation(index, n, e, *(span or _sentence_span(index, e.sentence)))


def _sentence_span(index: IndexData, sentence: int) -> tuple[int, int]:
    return int(index.spans.sent_start[sentence]), int(index.spans.sent_end[sentence])


def _citation(index: IndexData, n: int, e: Evidence, start: int, end: int) -> Citation:
    doc = index.documents[int(index.spans.sent_doc[e.sentence])]
    chunk = index.chunk(e.chunk)  # the quote may lie just across its boundary: the passage takes in both
    p_start, p_end = min(chunk.start, start), max(chunk.end, end)
    return Citation(
        n=n, doc_id=doc.doc_id, title=doc.title, authors=list(doc.authors), date=doc.date,
        publisher=doc.publisher, source=doc.source,
        quote=doc.text[start:end], start=start, end=end,
        passage=doc.text[p_start:p_end], passage_start=p_start, passage_end=p_end,
        score=round(float(np.float64(e.score)), 4),
    )
