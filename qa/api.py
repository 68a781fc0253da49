"""The public entry point: `answer(question, history)`. The model and index load once per process;
a newly built index is picked up on the next question, while questions in flight finish on the old one."""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from qa import conversation
from qa.abbreviations import spell_out
from qa.answer_types import defined_names, question_types
from qa.bylines import (
    WHICH_SOURCE,
    SourceAsked,
    answer_of_source,
    asked_of_source,
    credit_off_question,
    document_number,
    document_quoting,
    is_about_source,
    summaries,
)
from qa.comparison import Side, asked_comparison, compare
from qa.compose import combine, compose, first_quote
from qa.embedding import get_embedder
from qa.evidence import Evidence, load_ranker, score_sentences
from qa.framing import unframed
from qa.index_format import IndexData, build_id, load_index
from qa.lead import Asked, naming
from qa.lexical import LETTER_WORD, tokenize
from qa.names import name_words, unknown_names, with_countries
from qa.periods import asked_from, chunk_could_tell, could_tell, newest_date, without_start
from qa.retrieve import Candidate, retrieve, retrieve_within
from qa.scoped import Scoped, asked_within, named_sources
from qa.settings import Settings
from qa.timeline import asked_timeline, timeline
from qa.types import Answer

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Emphasis marks pasted with a question ("**Why** did _Russia_ ...") are no words of it. Tags are kept: a
# question may ask about one a source shows.
_MARKUP = re.compile(r"(?<!\w)[*_`~]+|[*_`~]+(?!\w)")
TIMELINE_READS = 2  # times the passages an answer reads that a timeline reads
_lock = threading.Lock()
_loaded: dict[Path, tuple[str | None, IndexData]] = {}


def get_index(index_dir: str | Path | None = None, settings: Settings | None = None) -> IndexData:
    """The live index for `index_dir` (default: the settings' folder), reloaded only when a build has
    swapped in a new one."""
    settings = settings or Settings.from_env()
    index_dir = Path(index_dir or settings.index_dir).resolve()
    current = build_id(index_dir)
    cached = _loaded.get(index_dir)
    if cached and cached[0] == current and current is not None:
        return cached[1]
    with _lock:
        cached = _loaded.get(index_dir)
        if cached and cached[0] == current and current is not None:
            return cached[1]
        data = load_index(index_dir, settings.model_name, settings.hnsw_ef_search)
        _loaded[index_dir] = (current, data)
        return data


def validate_question(question: str, limit: int) -> str:
    """The question with control characters blanked and emphasis marks dropped; ValueError when empty or
    over the limit."""
    if not isinstance(question, str):
        raise ValueError(f"The question must be text, not {type(question).__name__}.")
    cleaned = " ".join(_MARKUP.sub("", _CONTROL.sub(" ", question)).split())
    if not cleaned:
        raise ValueError("The question is empty: type a question about the sources.")
    if len(cleaned) > limit:
        raise ValueError(
            f"The question is {len(cleaned):,} characters long; the limit is {limit:,} "
            "(setting max_question_chars, QA_MAX_QUESTION_CHARS). Please shorten it."
        )
    return cleaned


def validate_history(history: list[dict] | None, limit: int) -> list[dict] | None:
    """`history` checked to be Gradio's messages format (`[{"role": ..., "content": ...}, ...]`);
    ValueError when it is not, or when an earlier question is over the limit (it could not have been asked,
    and reading it would take as long as its length)."""
    if history is None:
        return None
    if not isinstance(history, list):
        raise ValueError(f"The history must be a list of messages, not {type(history).__name__}.")
    for n, turn in enumerate(history, start=1):
        if not isinstance(turn, dict) or "role" not in turn or "content" not in turn:
            raise ValueError(f"Message {n} of the history is not a {{'role': ..., 'content': ...}} dict "
                             "(Gradio's messages format).")
        length = len(conversation.content_text(turn["content"]))
        if turn["role"] == "user" and length > limit:
            raise ValueError(f"Message {n} of the history is a question {length:,} characters long; the limit is "
                             f"{limit:,} (setting max_question_chars, QA_MAX_QUESTION_CHARS).")
    return history


@dataclass(frozen=True)
class Query:
    """A question made ready for retrieval: `text` is what is retrieved with (the question, plus the
    conversation's context for a follow-up, with abbreviations spelt out); `last_lead` is the last reply's
    first quote when the question follows up on it; `reading` is how the conversation made it read (the
    words sentences are matched with, the follow-up asked in full, whom it is about)."""

    text: str
    last_lead: str
    reading: conversation.Reading

    @property
    def words(self) -> str:
        return self.reading.words


def prepare(question: str, history: list[dict] | None, index: IndexData) -> Query:
    """The one way a question becomes a retrieval query (the ranker is trained on queries made by it)."""
    last_lead = first_quote(conversation.last_reply(history))
    if newest_date(index):  # the sources' dates bound what may answer "since 2021": its words need not match
        question = without_start(question).lstrip(" ,") or question
    reading = conversation.resolve(question, history, last_lead)
    follow_up = reading.query != question  # the conversation's context was taken in
    text = with_countries(spell_out(_respelt(reading.query, index), index.glossary), index)
    return Query(text, last_lead if follow_up else "", reading)


def _respelt(text: str, index: IndexData) -> str:
    """`text` with each word read as a misspelling of an indexed one written as the sources write it
    ("Why did Rusia delist the Talibn?"): BM25 reads it so already, and the model should embed it so too."""
    lexical = index.sentence_lexical

    def written(word: re.Match) -> str:
        stem = lexical.respelling(word[0])
        if stem is None:
            return word[0]
        for sentence in lexical.top(stem, 3):
            said = index.sentence_text(int(sentence))
            # a part of a hyphenated word too: "Uyghur" is written "Uighur" in "Uighur-led"
            found = next((part for w in LETTER_WORD.finditer(said) for part in {w[0], *w[0].split("-")}
                          if tokenize(part) == [stem]), None)
            if found:
                return found
        return word[0]

    return LETTER_WORD.sub(written, text)


@dataclass
class Trace:
    """Everything one question went through; `answer` is what users get, the rest is for evaluation."""

    answer: Answer
    query: str
    candidates: list[Candidate]
    evidence: list[Evidence]
    index: IndexData
    turned_to: tuple[str, ...] = ()  # whom a follow-up turned the earlier question to ("And China?")


def answer(question: str, history: list[dict] | None = None, *, index_dir: str | Path | None = None,
           top_k: int | None = None, settings: Settings | None = None) -> Answer:
    """Answer `question` from the indexed sources with verbatim, cited quotes, or abstain.

    `history` is the conversation so far in Gradio's messages format
    (`[{"role": "user" | "assistant", "content": str}, ...]`), used to resolve follow-ups.
    Raises ValueError for an empty or over-long question or a history not in that format, IndexLoadError
    when there is no usable index.
    """
    return run(question, history, index_dir=index_dir, top_k=top_k, settings=settings).answer


def run(question: str, history: list[dict] | None = None, *, index_dir: str | Path | None = None,
        top_k: int | None = None, settings: Settings | None = None) -> Trace:
    """`answer`, keeping the intermediate results."""
    settings = settings or Settings.from_env()
    question = validate_question(question, settings.max_question_chars)
    history = validate_history(history, settings.max_question_chars)
    trace = _run_read(unframed(question), history, index_dir, top_k, settings)
    trace.answer.question = question
    return trace


def _run_read(question: str, history: list[dict] | None, index_dir: str | Path | None, top_k: int | None,
              settings: Settings) -> Trace:
    """`run` for a question as read: a timeline from the dated passages on its subject; a comparison side by
    side; a compound one part by part; one about a source itself from that source's own text; one put to
    some sources from their text alone; "And X?" as restated, alone, when read with the topic it is not led
    by X (`_leads_naming`); one with a pronoun that may stand for its own words both alone and in the
    conversation."""
    subject = asked_timeline(question)
    if subject:
        return _run_timeline(question, subject, history, index_dir, top_k, settings)
    sides = asked_comparison(question)
    if sides:
        return _run_comparison(question, sides, index_dir, top_k, settings)
    parts = conversation.split_compound(question)
    if len(parts) > 1:
        return _run_parts(question, parts, history, index_dir=index_dir, top_k=top_k, settings=settings)
    of_source = asked_of_source(question)
    if of_source:
        return _run_of_source(question, of_source, history, index_dir, top_k, settings) or _run_one(
            question, history, index_dir, top_k, settings)
    scoped = asked_within(get_index(index_dir, settings), question)
    if scoped:
        return _run_within(question, scoped, history, index_dir, top_k, settings)
    with_topic = _run_one(question, history, index_dir, top_k, settings)
    if with_topic.turned_to and not _leads_naming(with_topic, question):
        alone = _run_one(with_topic.answer.read_as, None, index_dir, top_k, settings)
        if _leads_naming(alone, question, with_topic.turned_to):
            alone.answer.read_as = with_topic.answer.read_as
            return alone
    if not (history and conversation.may_stand_alone(question)):
        return with_topic
    alone = _run_one(question, None, index_dir, top_k, settings)
    return with_topic if _topic_reads_better(question, alone.answer, with_topic.answer) else alone


def _run_of_source(question: str, asked: SourceAsked, history: list[dict] | None, index_dir: str | Path | None,
                   top_k: int | None, settings: Settings) -> Trace | None:
    """A question about a source itself, answered from the source it names by its subject ("the article
    about exporting instability": the one that best answers "exporting instability") or, for "it", from
    the source of the first quote of the last answer that quoted one (a refusal saying so if there is
    none); None when "it" or "the report" may be a text the sources tell of (the question before was not
    about a source, or no source answers to "the UN report"), or when the subject's source is no source of
    the question (`is_about_source`)."""
    if asked.about:
        trace = _run_one(asked.about, None, index_dir, top_k, settings)
        if not trace.answer.grounded:  # `run` puts back the question as asked
            return trace if asked.sure else None  # "the UN report" found nowhere may still be told of
        cited = trace.answer.citations[0]
        doc_no = document_number(trace.index, cited.doc_id)
        if not is_about_source(trace.index, asked, trace.index.documents[doc_no]):
            return None
        trace.answer = answer_of_source(trace.index, question, asked, doc_no, cited.score)
        return trace
    asked_before = [conversation.content_text(t["content"]) for t in history or [] if t["role"] == "user"]
    if not (asked.sure or asked_before and asked_of_source(asked_before[-1])):
        return None
    index = get_index(index_dir, settings)
    replies = (conversation.content_text(t["content"]) for t in reversed(history or []) if t["role"] == "assistant")
    doc_no = next((found for reply in replies if (found := document_quoting(index, first_quote(reply))) is not None),
                  None)
    if doc_no is None:  # "the article", and no answer has quoted one
        return Trace(Answer(question, WHICH_SOURCE, grounded=False), question, [], [], index)
    return Trace(answer_of_source(index, question, asked, doc_no, 1.0), question, [], [], index)


def _run_timeline(question: str, subject: str, history: list[dict] | None, index_dir: str | Path | None,
                  top_k: int | None, settings: Settings) -> Trace:
    """A timeline of `subject`, from twice the passages an answer reads (a timeline spans more of them);
    the refusal an answer about `subject` would give when the sources do not tell of it."""
    trace = _run_one(subject, history, index_dir, TIMELINE_READS * (top_k or settings.top_k), settings)
    if trace.answer.grounded:
        trace.answer = timeline(trace.index, question, subject, trace.evidence, thresholds(settings)[0])
    return trace


def _run_within(question: str, scoped: Scoped, history: list[dict] | None, index_dir: str | Path | None,
                top_k: int | None, settings: Settings) -> Trace:
    """A question put to some sources ("According to Sakhi, ..."), answered from their text alone; what
    they argue as a whole ("What does Sakhi argue?"), by their summaries."""
    if not scoped.asked:
        index = get_index(index_dir, settings)
        summed_up = summaries(index, question, sorted(scoped.docs))
        summed_up.read_as = f"a summary of {named_sources(index, scoped.docs)}"
        return Trace(summed_up, question, [], [], index)
    trace = _run_one(scoped.asked, history, index_dir, top_k, settings, within=scoped.docs)
    shown = scoped.asked[:1].upper() + scoped.asked[1:]
    trace.answer.read_as = f"{shown}, only in {named_sources(trace.index, scoped.docs)}"
    return trace


def _run_comparison(question: str, sides: list[Side], index_dir: str | Path | None, top_k: int | None,
                    settings: Settings) -> Trace:
    """A comparison, each side asked alone (not as a follow-up: the other side's words would steer it).
    The trace is the first side's."""
    traces = [_run_one(side.asked, None, index_dir, top_k, settings) for side in sides]
    return _first_of(compare(traces[0].index, question, sides, [t.answer for t in traces]), traces)


def _leads_naming(trace: Trace, question: str, names: tuple[str, ...] | None = None) -> bool:
    """Whether the answer is led by a quote naming one of `names` (default: those the follow-up turned to)
    as `question` spells them. "And the TTP?" after "What does China want from the Taliban?" is read with
    that question, whose "China" can outweigh the TTP in retrieval: the question asked of the TTP alone may
    then find what the topic buried."""
    cited = trace.answer.citations
    names = trace.turned_to if names is None else names
    return bool(cited) and naming(trace.index, names, question)(tokenize(cited[0].quote))


def _topic_reads_better(question: str, alone: Answer, with_topic: Answer) -> bool:
    """Whether a question whose pronoun may point back ("What did he say about the Taliban?") or to its
    own words ("How has the Taliban used its visits to Iran?", asked after another topic) is better read
    with the conversation's topic: when that leads with stronger evidence, or is not flagged as weaker
    where alone it is. One naming its subject ("Did Pakistan attend?") is when that leads with a quote naming
    it ("Pakistan surprisingly declined the invitation"), or with no fewer of its own words: the topic's
    names score high whatever it asks ("Has ISKP grown?" after a question on the Helmand River)."""
    if not (with_topic.grounded and alone.grounded):
        return with_topic.grounded
    if conversation.names_its_subject(question):
        own, lead = set(tokenize(question)), set(tokenize(with_topic.citations[0].quote))
        named = set(tokenize(" ".join(name_words(question))))
        if named and named <= lead:  # the topic's passage tells of whom it names
            return True
        return len(own & lead) >= len(own.intersection(tokenize(alone.citations[0].quote)))
    return (with_topic.citations[0].score > alone.citations[0].score
            or bool(alone.caution and not with_topic.caution))


def _run_one(question: str, history: list[dict] | None, index_dir: str | Path | None, top_k: int | None,
             settings: Settings, within: frozenset[int] = frozenset()) -> Trace:
    """One question answered as `conversation.resolve` reads it in `history`; from documents `within` alone,
    if given."""
    t0 = time.perf_counter()
    index = get_index(index_dir, settings)
    query = prepare(question, history, index)
    t1 = time.perf_counter()
    query_vec = get_embedder().encode([query.text])[0]
    t2 = time.perf_counter()
    k = top_k or settings.top_k
    since = asked_from(question)
    allowed = (lambda chunk: chunk_could_tell(index, chunk, since)) if since else None
    candidates = (retrieve_within(index, query.text, query_vec, k, within) if within
                  else retrieve(index, query.text, query_vec, k, max(settings.candidate_k, k), allowed))
    t3 = time.perf_counter()
    evidence = score_sentences(index, query.words, query.text, query_vec, candidates)
    if since:  # a sentence of an older source in a chunk naming a late year still cannot tell of it
        evidence = [e for e in evidence if could_tell(index, e.sentence, since)]
    evidence = [e for e in evidence if not credit_off_question(index, question, e.sentence)]
    threshold, weak_below = thresholds(settings)
    t4 = time.perf_counter()
    qtypes = question_types(question) or question_types(query.text)
    reading = query.reading
    asked = Asked(question, reading.words, "reason" in qtypes, query.last_lead, reading.referents, reading.turned_to,
                  tuple(defined_names(question)), since)
    result = compose(index, asked, evidence, threshold=threshold, max_citations=settings.max_citations,
                     unknown=_unknown(index, question, reading), weak_below=weak_below)
    t5 = time.perf_counter()
    timings = dict(load=t1 - t0, embed=t2 - t1, retrieve=t3 - t2, evidence=t4 - t3, compose=t5 - t4, total=t5 - t0)
    result.read_as = reading.restated
    result.timings_ms = {k: round(v * 1000, 2) for k, v in timings.items()}
    return Trace(result, query.text, candidates, evidence, index, reading.turned_to)


def _unknown(index: IndexData, question: str, reading: conversation.Reading) -> list[str]:
    """Names no source mentions in the question, or in the earlier questions it points back to: "Who
    carried it out?" after "What happened in Kerman?" asks about what no source mentions either."""
    return unknown_names(index, question) or list(dict.fromkeys(
        name for earlier in reading.about for name in unknown_names(index, earlier)))


def thresholds(settings: Settings) -> tuple[float, float]:
    """The evidence probability below which it abstains, and the one below which an answer is flagged as
    weaker evidence: the settings', else those calibrated with the ranker."""
    ranker = load_ranker()
    abstain, weak = settings.abstain_threshold, settings.weak_evidence_threshold
    return (ranker.abstain_threshold if abstain is None else abstain,
            ranker.weak_evidence_threshold if weak is None else weak)


def _run_parts(question: str, parts: list[str], history: list[dict] | None, **kwargs) -> Trace:
    """A compound question, asked part by part, each later part as a follow-up of the one before ("how
    did the Taliban respond?" to what the first part asked about). The trace is the first part's."""
    traces: list[Trace] = []
    turns = list(history or [])
    for part in parts:
        traces.append(run(part, turns or None, **kwargs))
        turns += conversation.exchange(part, traces[-1].answer.answer)
    return _first_of(combine(question, parts, [t.answer for t in traces]), traces)


def _first_of(result: Answer, traces: list[Trace]) -> Trace:
    """The trace of an answer made from several: the first one's, timed as all of them together."""
    result.timings_ms = {"total": round(sum(t.answer.timings_ms.get("total", 0.0) for t in traces), 2)}
    first = traces[0]
    return Trace(result, first.query, first.candidates, first.evidence, first.index)
