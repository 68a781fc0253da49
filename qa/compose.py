"""Scored evidence -> an Answer of verbatim quotes with numbered citations, or an honest abstention."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import replace
from itertools import islice

import numpy as np

from qa.answer_types import CAUSAL, SUM_OF_MONEY, holds_answer_type, missing_figure
from qa.evidence import MIN_OVERLAP, Evidence, Overlap, author_tokens, lead_with, sentence_tokens
from qa.index_format import IndexData
from qa.lexical import tokenize
from qa.names import name_words, spelt_alike, unmentioned_names
from qa.types import Answer, Citation

NOT_IN_SOURCES = "The sources do not answer this question."
NO_NAME = "The passage that matches it best does not mention"
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~#&])")
_MORE = re.compile(r"\b(else|more|other|another|further|again)\b", re.I)
# "What happened next?" asks how the story goes on: the source's next sentence after the last lead. Only
# when it asks nothing else: "How did Moscow respond afterwards?" asks for a response.
_NEXT = re.compile(r"\b(next|then|afterwards?|after that|later|subsequently)\W*$", re.I)
_NEXT_WORDS = frozenset(tokenize("next then afterwards after later subsequently come happened"))
_QUOTED = re.compile(r"“(.*?)” \[\d+\]", re.S)  # a quote as compose writes it into the answer
_ESCAPED = re.compile(r"\\(.)")
RELATIVE_KEEP = 0.5  # a further quote must score at least half the best one
DUPLICATE_COSINE = 0.9
RELATED = 3  # nearest passages offered beside a refusal
# A sentence opening on a word that points back ("This led to ...", "Moreover, it wants ...", "On April 23,
# it announced ...") needs the one before it to be understood.
_POINTS_BACK = re.compile(r"(?:(?:moreover|however|furthermore|meanwhile|also|still|yet|instead|in addition|"
                          r"at the same time|nonetheless|nevertheless|ultimately|(?:on|in|by|at|since|after|during) "
                          r"[\w’'-]+(?: [\w’'-]+){0,2}|[\w’'-]+ (?:days?|weeks?|months?|years?) (?:later|earlier)),\s+|"
                          r"(?:despite|in spite of|because of|due to|after|besides)\s+)?"
                          r"(this|that|these|those|it|its|they|their|them|he|his|she|her|such|the (?:two|latter|"
                          r"former|move|step|decision|group|organi[sz]ation|country|same))\b", re.I)


def escape_markdown(text: str) -> str:
    """Render `text` literally in markdown (no links, emphasis or HTML from corpus text)."""
    return _MD_SPECIAL.sub(r"\\\1", text)


def first_quote(answer_markdown: str) -> str:
    """The first quote of an answer this module wrote, as it reads in the source ("" if none)."""
    found = _QUOTED.search(answer_markdown)
    return _ESCAPED.sub(r"\1", found.group(1)) if found else ""


def compose(index: IndexData, question: str, evidence: list[Evidence], *, threshold: float,
            max_citations: int, reason: bool, last_lead: str = "", unknown: list[str] | None = None,
            words: str | None = None, referents: tuple[str, ...] = (),
            turned_to: tuple[str, ...] = ()) -> Answer:
    """`last_lead` is what the last reply quoted first, when `question` follows up on it; `unknown` are
    names in the question that no source mentions, which rule out an answer; `words` are what sentences
    were matched with (default: the question); `referents` are the names a follow-up naming no one itself
    is about, one of which each further citation must name ("Where was he killed?" after "Who is Asim
    Umar?"); `turned_to` are those a follow-up turns the earlier question to ("And China?"), one of which
    the lead quote names too, when a sentence scoring RELATIVE_KEEP of the best does."""
    # the best score, not the lead's: a lead rule may have put a lower-scoring sentence first
    if unknown or not evidence or max(e.score for e in evidence) < threshold:
        return _abstain(index, question, evidence, _not_in_sources(unknown or []))
    overlap = Overlap(index, words or question)
    if last_lead:
        evidence = _lead_with_news(index, evidence, last_lead, question, reason, overlap)
    evidence = _lead_with_money(index, evidence, question)
    evidence = _lead_naming(index, evidence, _stems(turned_to))
    chosen = _choose(index, evidence, max_citations, overlap, _stems(referents or turned_to))
    chosen, spans = _join_touching(index, chosen, _quote_spans(index, chosen, reason))
    citations = [_citation(index, n, e, start, end) for n, (e, (start, end)) in enumerate(zip(chosen, spans), 1)]
    missing = missing_figure(citations[0].quote, question)
    if missing:
        return _abstain(index, question, evidence, f"{NOT_IN_SOURCES} The passages nearest to it give no {missing}.")
    unmentioned = unmentioned_names(index, question, chosen[0].sentence, citations[0].passage)
    if unmentioned:
        return _abstain(index, question, _naming_first(index, question, evidence),
                        f"{NOT_IN_SOURCES} {NO_NAME} {_either(unmentioned)}, and its source does at most once.")
    return Answer(question, _answer_text(citations), grounded=True, citations=citations)


def combine(question: str, parts: list[str], answers: list[Answer]) -> Answer:
    """One answer to a compound question from the answers to its parts: the first part's citations, then
    each later part's lead quote (its further quotes would crowd the first part's out), renumbered; a
    quote already cited is not cited again, or replaces the citation it takes in ("On April 23, ..." by
    "On April 23, ... Mujahid said ..."); `read_as` names the parts, and those the sources do not answer."""
    grounded = [a for a in answers if a.grounded]
    unanswered = [p for p, a in zip(parts, answers) if not a.grounded]
    read_as = " + ".join(parts) + (f" (not in the sources: {' + '.join(unanswered)})" if grounded and unanswered
                                   else "")
    if not grounded:
        return Answer(question, answers[0].answer, grounded=False, related=answers[0].related, read_as=read_as)
    citations: list[Citation] = []
    for c in [*grounded[0].citations, *(a.citations[0] for a in grounded[1:])]:
        at = next((i for i, k in enumerate(citations) if c.doc_id == k.doc_id and c.start < k.end and k.start < c.end),
                  None)
        if at is None:
            citations.append(replace(c, n=len(citations) + 1))
        elif c.start <= citations[at].start and citations[at].end <= c.end:  # it reads on: the longer one stays
            citations[at] = replace(c, n=citations[at].n)
    return Answer(question, _answer_text(citations), grounded=True, citations=citations, read_as=read_as)


def _answer_text(citations: list[Citation]) -> str:
    """The answer's markdown: each quote in quotation marks with its marker."""
    return " ".join(f"“{escape_markdown(c.quote)}” [{c.n}]" for c in citations)


def _abstain(index: IndexData, question: str, evidence: list[Evidence], message: str) -> Answer:
    related = [_citation(index, n, e, *_sentence_span(index, e.sentence)) for n, e in enumerate(evidence[:RELATED], 1)]
    return Answer(question, message, grounded=False, related=related)


def _naming_first(index: IndexData, question: str, evidence: list[Evidence]) -> list[Evidence]:
    """The evidence, sentences the missing-name rule would not rule out first (read on their own): what is
    offered as possibly related to "What are Russia's security concerns?" should at least be about Russia."""
    naming = list(islice((e for e in evidence
                          if not unmentioned_names(index, question, e.sentence, index.sentence_text(e.sentence))),
                         RELATED))  # only as many as are offered: each check reads a sentence's words
    return naming + [e for e in evidence if e not in naming]


def _not_in_sources(unknown: list[str]) -> str:
    if not unknown:
        return NOT_IN_SOURCES
    return f"{NOT_IN_SOURCES} No source mentions {_either(unknown)}."


def _either(names: list[str]) -> str:
    return " or ".join(f"“{escape_markdown(name)}”" for name in names)


def _lead_with_news(index: IndexData, evidence: list[Evidence], last_lead: str, question: str,
                    reason: bool, overlap: Overlap) -> list[Evidence]:
    """Do not lead a follow-up with what led the last reply: "Why?" or "What happened to him?" asks for
    more ("What happened next?": the sentence its source goes on with, when retrieved). That sentence
    keeps the lead if its quote holds the answer type asked for ("When?" may be answered by a date
    already shown; "Why?" by the cause its quote takes in) or, read with the sentence before it, the words
    the follow-up brings itself ("What did he say about Russia?" after "Who is Zabihullah Mujahid?"), or
    if no other sentence scores at least RELATIVE_KEEP of it and holds MIN_OVERLAP of the words
    matched (which take in whom "him" is): an unrelated sentence is no news. A sentence shown before may
    lead again when it holds the follow-up's own words ("And in Tajikistan?" after a reply that quoted
    the attack "on the Tajik border" further on)."""
    own, names = _brought(index, question)
    if _asks_what_came_next(question, own, names):
        after = next((i for i, e in enumerate(evidence) if _follows(index, e.sentence, last_lead)), None)
        if after is not None:
            return [evidence[after], *evidence[:after], *evidence[after + 1:]]
    top = evidence[0]
    if index.sentence_text(top.sentence) not in last_lead:
        return evidence
    start, end = _quote_spans(index, [Evidence(top.sentence, top.chunk, top.score)], reason)[0]
    quote = index.documents[int(index.spans.sent_doc[top.sentence])].text[start:end]
    before = top.sentence - 1  # what the quote is about may be named just before it ("the step")
    context = index.sentence_text(before) if index.same_paragraph(before, top.sentence) else ""
    answers = _answers_new_words(question, own, names)
    if holds_answer_type(quote, question) or answers(tokenize(f"{context} {quote}")):
        return evidence
    return lead_with(evidence, lambda e: (index.sentence_text(e.sentence) not in last_lead
                                          and _holds_question_words(_read_with_before(index, e.sentence), overlap))
                     or answers(sentence_tokens(index.sentence_text(e.sentence))), keep=RELATIVE_KEEP)


def _brought(index: IndexData, question: str) -> tuple[set[str], set[str]]:
    """The stems a follow-up brings itself, and the stems of the names in it."""
    return set(index.sentence_lexical.query_tokens(question)), _stems(name_words(question))


def _stems(words: Sequence[str]) -> set[str]:
    return set(tokenize(" ".join(words)))


def _asks_what_came_next(question: str, own: set[str], names: set[str]) -> bool:
    """"What happened next?", "What did Russia do then?": a question on what came next that brings no
    word of its own (`own`) but the names of whom it asks about."""
    return bool(_NEXT.search(question)) and not own - _NEXT_WORDS - names


def _lead_with_money(index: IndexData, evidence: list[Evidence], question: str) -> list[Evidence]:
    """For a question asking for a sum of money, lead with a sentence that gives one (see `lead_with`),
    when the best does not ("How much money did the committee raise?": "25 percent of all money it
    raises" is no sum; "$40 million" is). Not for any figure: a count question would then lead with a
    byline's or a date's number."""
    if missing_figure(index.sentence_text(evidence[0].sentence), question) != SUM_OF_MONEY:
        return evidence
    return lead_with(evidence, lambda e: not missing_figure(index.sentence_text(e.sentence), question))


def _lead_naming(index: IndexData, evidence: list[Evidence], referents: set[str]) -> list[Evidence]:
    """For a follow-up about someone (`referents`, stems), lead with a sentence naming them, read with the
    one before it, when the best does not: "And China?" after "What did Russia announce on April 23?"
    is not answered by Russia's announcement."""
    if not referents or _names_one(_read_with_before(index, evidence[0].sentence), referents):
        return evidence
    return lead_with(evidence, lambda e: _names_one(_read_with_before(index, e.sentence), referents),
                     keep=RELATIVE_KEEP)


def _follows(index: IndexData, sentence: int, last_lead: str) -> bool:
    """Whether `sentence` is the one its source goes on with after the last lead quote."""
    before = sentence - 1
    return (before >= 0 and index.spans.sent_doc[before] == index.spans.sent_doc[sentence]
            and index.sentence_text(before) in last_lead and index.sentence_text(sentence) not in last_lead)


def _answers_new_words(question: str, own: set[str], names: set[str]) -> Callable[[Sequence[str]], bool]:
    """A test of whether a text's stems hold at least half the words the follow-up brings itself (`own`;
    never, when it asks for more). A name (`names`) counts in any spelling alike ("And in Tajikistan?" is
    answered by "on the Tajik border")."""
    if not own or _MORE.search(question):
        return lambda tokens: False

    def answers(tokens: Sequence[str]) -> bool:
        held = set(tokens)
        found = [w for w in own if w in held or (w in names and any(spelt_alike(w, h) for h in held))]
        return 2 * len(found) >= len(own)
    return answers


def _choose(index: IndexData, evidence: list[Evidence], limit: int, overlap: Overlap,
            referents: set[str]) -> list[Evidence]:
    """Up to `limit` quotes from the sentences scoring at least RELATIVE_KEEP of the best. A sentence next
    to a better chosen one in its paragraph widens that quote instead of taking a citation of its own. The
    lead quote takes in the first such neighbour even past the limit: the sentence that completes the best
    one is worth more than a new citation. A further citation must also hold MIN_OVERLAP of the
    question's words, read with the sentence before it: its score alone may come from sharing the corpus's
    general subject ("the Taliban"), and skipping it leaves the place to one that does. For a follow-up
    about someone named earlier, it must name one of `referents` too (the brother killed in Panjshir does
    not answer where Umar was killed)."""
    best = evidence[0]
    chosen = [best]
    for e in evidence[1:]:
        if e.score < RELATIVE_KEEP * best.score:
            break
        near = next((c for c in chosen if abs(e.sentence - c.sentence) == 1
                     and index.same_paragraph(e.sentence, c.sentence)), None)
        if near is best and not best.merged:
            best.merged.add(e.sentence)
        elif len(chosen) < limit and not _repeats(index, e, chosen):
            if near is not None:
                near.merged.add(e.sentence)
            else:
                tokens = _read_with_before(index, e.sentence)
                if _holds_question_words(tokens, overlap) and _names_one(tokens, referents):
                    chosen.append(e)
    return chosen


def _holds_question_words(tokens: list[str], overlap: Overlap) -> bool:
    """Whether a sentence's tokens, read with the one before it and its authors' names (`_read_with_before`:
    "What does Sakhi recommend?" is asked of every sentence Sakhi wrote), hold MIN_OVERLAP of the
    question's words. Not the title: every sentence would then hold the words of the subject it is about."""
    if not overlap.stems:  # "Why?" has no words of its own
        return True
    return overlap.words(tokens) >= MIN_OVERLAP


def _names_one(tokens: list[str], names: set[str]) -> bool:
    """Whether the tokens of a sentence read with the one before it (`_read_with_before`) name one of
    `names` (spelt alike), if any are given."""
    return not names or any(spelt_alike(n, t) for t in tokens for n in names)


def _read_with_before(index: IndexData, sentence: int) -> list[str]:
    """Stems of a sentence, its authors' names and the sentence before it in its paragraph."""
    tokens = [*sentence_tokens(index.sentence_text(sentence)), *author_tokens(index, sentence)]
    if index.same_paragraph(sentence - 1, sentence):
        tokens += sentence_tokens(index.sentence_text(sentence - 1))
    return tokens


def _repeats(index: IndexData, e: Evidence, chosen: list[Evidence]) -> bool:
    """Whether `e` says what a chosen sentence already says (the same text, or nearly the same vector)."""
    vec = index.sentence_vectors[e.sentence]
    return any(float(vec @ index.sentence_vectors[c.sentence]) > DUPLICATE_COSINE
               or index.sentence_text(c.sentence) == index.sentence_text(e.sentence) for c in chosen)


def _quote_spans(index: IndexData, chosen: list[Evidence], reason: bool) -> list[tuple[int, int]]:
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
        if first == e.sentence and _POINTS_BACK.match(index.sentence_text(first)) and first - 1 not in used \
                and index.same_paragraph(first - 1, first):
            ids.add(first - 1)
            used.add(first - 1)
        spans.append((int(index.spans.sent_start[min(ids)]), int(index.spans.sent_end[max(ids)])))
    return spans


def _join_touching(index: IndexData, chosen: list[Evidence],
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
