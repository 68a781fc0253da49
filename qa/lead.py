"""Scored evidence -> the order it is quoted in. The ranker's order, then rules that each let a sentence
giving what the question asks for lead in place of a better-scoring one that does not (`lead_with`), in
the order of RULES."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from qa.abbreviations import spelt_stems
from qa.answer_types import (
    ADVICE,
    ADVICE_ASKED,
    ADVISING_ASKED,
    AUXILIARIES,
    SAYING,
    SUM_OF_MONEY,
    asked_speaker,
    asks_when,
    asks_yes_or_no,
    gives_date,
    holds_answer_type,
    missing_figure,
    reports_speech_of,
    tells_speech,
)
from qa.conversation import REACTING, brought
from qa.evidence import Evidence, Overlap, author_tokens, sentence_tokens
from qa.index_format import IndexData
from qa.lexical import LETTER_WORD, is_stop_word, tokenize
from qa.names import (
    POSSESSIVE,
    asked_posts,
    holder_fit,
    name_words,
    placed_countries,
    placed_names,
    same_place,
    spelt_alike,
)
from qa.periods import asked_year, sentence_years, source_date
from qa.quoting import quote_spans

LEAD_KEEP = 0.8  # a sentence giving what the question asks for may lead if it scores this share of the best one
RELATIVE_KEEP = 0.5  # ... or half of it, for news and "And X?" (also: a further quote must score half the best)
# share of the question's words (IDF-weighted) a sentence must hold to lead in a better one's place or be cited
# beside it: sharing the corpus's general subject ("the Taliban") is not enough
MIN_OVERLAP = 0.2
_YEAR_BEFORE = re.compile(r"\b(?:1[0-9]|20)\d\d\b((?:\W+[\w’'-]+){1,3})")  # a year and the words after it


@dataclass(frozen=True)
class Asked:
    """A question as the answer is shaped for it: `words` are what sentences were matched with (a
    follow-up's take in whom it is about); for a follow-up, `last_lead` is the last reply's first quote,
    `referents` the names it is about when it names no one itself ("Where was he killed?" after "Who is
    Asim Umar?") and `turned_to` those it turns the earlier question to ("And China?"); `reason`: it asks
    why; `defined`: the names a "Who is X?" or "What is X?" asks about; `since`: the earliest time it asks
    about (`periods.asked_from`)."""

    question: str
    words: str
    reason: bool = False
    last_lead: str = ""
    referents: tuple[str, ...] = ()
    turned_to: tuple[str, ...] = ()
    defined: tuple[str, ...] = ()
    since: str = ""


def order(index: IndexData, evidence: list[Evidence], asked: Asked) -> list[Evidence]:
    """`evidence` (best first) in the order it is quoted: each of RULES in turn, so a later rule's lead
    stands (what a follow-up turns to, last, counts most)."""
    for rule in RULES:
        evidence = rule(index, evidence, asked)
    return evidence


def lead_with(ranked: list[Evidence], fits, keep: float = LEAD_KEEP) -> list[Evidence]:
    """`ranked` led by the first later sentence for which `fits` holds, among those scoring at least
    `keep` of the best one; unchanged if there is none."""
    for i, e in enumerate(ranked[1:], start=1):
        if e.score < keep * ranked[0].score:
            break
        if fits(e):
            return [e, *ranked[:i], *ranked[i + 1:]]
    return ranked


def own_word(index: IndexData, ranked: list[Evidence], asked: Asked) -> list[Evidence]:
    """Lead with a sentence holding MIN_OVERLAP of the question's words itself, scoring LEAD_KEEP of the best
    one, when the best holds none: "ISKP?" is not answered by the sentence beside one naming ISKP. Not for a
    follow-up, whose own few words ("Why does that matter?") an answer about its topic need not hold."""
    overlap = Overlap(index, asked.words)

    def held(e: Evidence) -> float:
        return overlap.words(sentence_tokens(index.sentence_text(e.sentence)))

    if asked.last_lead or not overlap.stems or held(ranked[0]) > 0:
        return ranked
    return lead_with(ranked, lambda e: held(e) >= MIN_OVERLAP)


def same_holder(index: IndexData, ranked: list[Evidence], asked: Asked) -> list[Evidence]:
    """Lead with a sentence that gives the question's role to the holder asked about, when the best one
    gives it only to someone else: "the Taliban spokesman" is not "Kremlin spokesman Dmitry Peskov", and
    "Iran's foreign minister" is "the Iranian foreign minister", not "the Taliban's foreign minister"."""
    posts = asked_posts(asked.words)
    if not posts or holder_fit(index.sentence_text(ranked[0].sentence), posts, asked.words) >= 0:
        return ranked
    return lead_with(ranked, lambda e: holder_fit(index.sentence_text(e.sentence), posts, asked.words) > 0)


# "Is Pakistan still supporting the Taliban?": asks how things stand now, which the newest source tells best.
_NOW = re.compile(r"\b(?:still|now|nowadays|currently|current|today|latest|most recent|recent|recently|at present|"
                  r"these days|any longer|anymore|no longer)\b", re.I)


def in_year(index: IndexData, ranked: list[Evidence], asked: Asked) -> list[Evidence]:
    """For a question placed in one year, lead with a sentence telling of that year (`sentence_years`) and
    holding MIN_OVERLAP of its words, when the best tells of others: "Which countries attended the Moscow
    dialogue in 2023?" is not answered by Russia's "dialogue" with the Taliban in April 2024."""
    year = asked_year(asked.question)
    told = sentence_years(index, ranked[0].sentence)
    if not year or not told or year in told:
        return ranked
    overlap = Overlap(index, asked.words)
    return lead_with(ranked, lambda e: year in sentence_years(index, e.sentence)
                     and holds_question_words(read_with_before(index, e.sentence), overlap))


def in_place(index: IndexData, ranked: list[Evidence], asked: Asked) -> list[Evidence]:
    """For a question placed in one country or capital ("in Russia"), lead with a sentence placing what it
    tells of there (its capital or country counts: "in Moscow") and holding MIN_OVERLAP of its words, when the
    best places it elsewhere only: "Which attacks did IS Khorasan carry out in Russia?" is not answered by
    "several attacks inside Iran"."""
    asked_in = set(placed_countries(asked.question))
    if len(asked_in) != 1 or len(placed_names(asked.question)) > 1:  # "in Moscow and at Soleimani's grave"
        return ranked

    def placed_there(e: Evidence) -> bool:
        return not asked_in.isdisjoint(placed_countries(index.sentence_text(e.sentence)))

    best_placed = placed_countries(index.sentence_text(ranked[0].sentence))
    if not best_placed or not asked_in.isdisjoint(best_placed):
        return ranked
    overlap = Overlap(index, asked.words)
    return lead_with(ranked, lambda e: placed_there(e) and holds_question_words(read_with_before(index, e.sentence),
                                                                                   overlap), keep=RELATIVE_KEEP)


def newest_source(index: IndexData, ranked: list[Evidence], asked: Asked) -> list[Evidence]:
    """For a question on how things stand now, lead with the best sentence of the newest dated source among
    those scoring at least LEAD_KEEP of the best one and holding MIN_OVERLAP of the question's words:
    positions change, and a 2020 article may no longer hold in 2024."""
    if not _NOW.search(asked.words):
        return ranked

    def date(e: Evidence) -> str:  # ISO dates order as strings
        return source_date(index, e.sentence)

    overlap = Overlap(index, asked.words)

    def fits(e: Evidence) -> bool:  # not a sentence of the newest source that merely shares its subject
        return overlap.words(sentence_tokens(index.sentence_text(e.sentence))) >= MIN_OVERLAP

    close = [e for e in ranked if e.score >= LEAD_KEEP * ranked[0].score and fits(e)]
    newest = max((date(e) for e in close), default="")
    if not newest or date(ranked[0]) == newest:
        return ranked
    return lead_with(ranked, lambda e: date(e) == newest and fits(e))


_MORE = re.compile(r"\b(else|more|other|another|further|again)\b", re.I)
# "What happened next?" asks how the story goes on: the source's next sentence after the last lead. Only
# when it asks nothing else: "How did Moscow respond afterwards?" asks for a response.
_NEXT = re.compile(r"\b(next|then|afterwards?|after that|later|subsequently)\W*$", re.I)
_NEXT_WORDS = frozenset(tokenize("next then afterwards after later subsequently come happened"))
# "How did the Taliban respond?", "Did the Taliban welcome it?": what someone made of what was just told,
# which a source most often tells next.
_REACTION = re.compile(rf"\b(?:{REACTING}|welcome[ds]?)(?:\s+(?:it|this|that|them|the\s+\w+))?\W*$", re.I)


def news(index: IndexData, evidence: list[Evidence], asked: Asked) -> list[Evidence]:
    """Do not lead a follow-up with what led the last reply: "Why?" or "What happened to him?" asks for
    more; "What happened next?" and "How did the Taliban respond?" for what its source tells next
    (`_told_next`). That sentence keeps the lead if its quote holds the answer type asked for ("When?" may
    be answered by a date already shown; "Why?" by the cause its quote takes in), if the follow-up asks
    whether something is so and names no one ("Has it worked?" of the Moscow process is answered by "have
    yet to yield tangible dividends", which described it before; "Did Iran's attitude change ...?" may
    ask of another topic), or, read with the sentence before it, the words the follow-up brings itself
    ("What did he say about Russia?" after "Who is Zabihullah Mujahid?"), or if no other sentence scores
    at least RELATIVE_KEEP of it and holds MIN_OVERLAP of the words matched (which take in whom "him"
    is): an unrelated sentence is no news. A sentence shown before may lead again when it holds the
    follow-up's own words ("And in Tajikistan?" after a reply that quoted the attack "on the Tajik
    border" further on)."""
    if not asked.last_lead:
        return evidence
    question, last_lead = asked.question, asked.last_lead
    new = _brought(index, question)
    after = _told_next(index, evidence, question, last_lead, new)
    if after is not None:
        return [evidence[after], *evidence[:after], *evidence[after + 1:]]
    top = evidence[0]
    if index.sentence_text(top.sentence) not in last_lead:
        return evidence
    start, end = quote_spans(index, [Evidence(top.sentence, top.chunk, top.score)], asked.reason)[0]
    quote = index.documents[int(index.spans.sent_doc[top.sentence])].text[start:end]
    context = sentence_before(index, top.sentence)  # what the quote is about may be named there ("the step")
    answers = _answers_new_words(question, new)
    if holds_answer_type(quote, question) or answers(tokenize(f"{context} {quote}")) or _verdict_kept(
            index, top, asked, new):
        return evidence
    overlap = Overlap(index, asked.words)

    def news_fits(e: Evidence) -> bool:
        return ((index.sentence_text(e.sentence) not in last_lead
                 and holds_question_words(read_with_before(index, e.sentence), overlap))
                or answers(sentence_tokens(index.sentence_text(e.sentence))))

    # "Why not?": a sentence that gives a reason before one that only shares the words
    led = lead_with(evidence, lambda e: news_fits(e) and holds_answer_type(index.sentence_text(e.sentence), question),
                    keep=RELATIVE_KEEP)
    return led if led is not evidence else lead_with(evidence, news_fits, keep=RELATIVE_KEEP)


def _told_next(index: IndexData, evidence: list[Evidence], question: str, last_lead: str,
               new: Brought) -> int | None:
    """Where in `evidence` the sentence is that its source goes on with after the last lead, for "What
    happened next?", and for "How did the Taliban respond?" if it reports what they said ("That said, the
    step was a continuation ..." goes on, but is no reaction); None if not retrieved or not asked for."""
    reacting = " ".join(name_words(brought(question))) if _REACTION.search(question) else ""
    if not (_asks_what_came_next(question, new.words, new.names) or reacting):
        return None
    return next((i for i, e in enumerate(evidence) if _follows(index, e.sentence, last_lead)
                 and (not reacting or reports_speech_of(index.sentence_text(e.sentence), reacting))), None)


def dated_elsewhere(index: IndexData, asked: Asked, quote: str) -> bool:
    """Whether a follow-up asks when something happened and the lead quote holds none of the words it brings:
    "When was he born?" after "Who is Zabihullah Mujahid?" is not answered by the date of Russia's delisting,
    which the earlier turn's words found."""
    if not asked.last_lead or not asks_when(asked.question):
        return False
    new = _brought(index, asked.question)
    words = new.words - new.names
    if words <= SAYING and tells_speech(quote):  # "When did he say it?": "On Friday, ... Grigoriev slammed ..."
        return False
    return bool(words) and not words & set(tokenize(quote)) and not _dates_referent(quote, asked.referents)


def _dates_referent(quote: str, referents: Sequence[str]) -> bool:
    """Whether a year in `quote` stands just before what the follow-up is about: "the 1973 Afghan-Iranian
    Helmand River Water Treaty" dates the treaty "When was it signed?" asks about."""
    about = stems(referents)
    return any(about & set(tokenize(m[1])) for m in _YEAR_BEFORE.finditer(quote))


def own_words(index: IndexData, evidence: list[Evidence], asked: Asked) -> list[Evidence]:
    """Lead a follow-up with a sentence holding the words it brings itself (read with the sentence before
    it), when the best does not: the earlier turns' names it is matched with pull towards sentences about
    them ("When did it lead to clashes?" after three questions on the Helmand River is best matched by the
    1973 treaty, for its date and names; "This led to clashes ... in May 2023" answers it). Not when the
    last lead keeps it for a verdict (see `news`)."""
    if not asked.last_lead:
        return evidence
    new = _brought(index, asked.question)
    if _verdict_kept(index, evidence[0], asked, new):
        return evidence
    answers = _answers_new_words(asked.question, new)
    if answers(read_with_before(index, evidence[0].sentence)):
        return evidence
    return lead_with(evidence, lambda e: answers(read_with_before(index, e.sentence)))


def _verdict_kept(index: IndexData, top: Evidence, asked: Asked, new: Brought) -> bool:
    """Whether `top` led the last reply and the follow-up asks whether something is so, naming no one and
    asking for no more: that sentence may give the verdict ("Has it worked?" after the Moscow process: "have
    yet to yield tangible dividends")."""
    return (index.sentence_text(top.sentence) in asked.last_lead and asks_yes_or_no(asked.question)
            and not new.names and not _MORE.search(asked.question))


class Brought(NamedTuple):
    """The stems a follow-up brings itself (not those of its opener: "about" of "What about the TTP?"),
    the stems of the names in it, and for each abbreviation among them the stems of what it stands for
    in the sources ("ttp": "tehreek", "taliban", "pakistan")."""

    words: set[str]
    names: set[str]
    spelt: dict[str, set[str]]


def _brought(index: IndexData, question: str) -> Brought:
    text = brought(question) or question
    return Brought(set(index.sentence_lexical.query_tokens(text)), stems(name_words(text)), spellings(index, text))


def spellings(index: IndexData, text: str) -> dict[str, set[str]]:
    """The stems of what each abbreviation in `text` stands for in the sources."""
    return {key: name for key, name, written in spelt_stems(text, index.glossary) if not written}


def naming(index: IndexData, names: Sequence[str], question: str) -> Callable[[Sequence[str]], bool]:
    """A test of whether a text's stems name one of `names` (`names_one`), an abbreviation as `question`
    spells it out: of the names alone, "TTP" would read as a question typed in capitals."""
    named, spelt = stems(names), spellings(index, question)
    return lambda tokens: names_one(tokens, named, spelt)


def stems(words: Sequence[str]) -> set[str]:
    """The stems of `words` (names, mostly), to compare with a sentence's tokens; none of two letters:
    "Al" of "Ismail Al-Khatib" names no one ("Al-Qaeda" has it too)."""
    return {t for t in tokenize(" ".join(words)) if len(t) > 2}


def _asks_what_came_next(question: str, own: set[str], names: set[str]) -> bool:
    """"What happened next?", "What did Russia do then?": a question on what came next that brings no
    word of its own (`own`) but the names of whom it asks about."""
    return bool(_NEXT.search(question)) and not own - _NEXT_WORDS - names


def advice(index: IndexData, evidence: list[Evidence], asked: Asked) -> list[Evidence]:
    """For a question asking what someone advises, lead with a sentence in prescriptive words (see
    `lead_with`) when the best one reports what happened: "What does Sakhi recommend doing about the
    Taliban?" is not answered by "Pakistan warned the Taliban ..." in her article but by "the best course
    of action is to provide proof ...". Also one scoring RELATIVE_KEEP of the best that holds MIN_OVERLAP
    of the question's words, read with the sentence before it and its authors' names, when a verb of
    advising asks for it: "What did Sakhi recommend?" is best matched by her biography, which names her and
    recommends nothing."""
    def advises(e: Evidence) -> bool:
        return bool(ADVICE.search(index.sentence_text(e.sentence)))

    if not ADVICE_ASKED.search(asked.question) or advises(evidence[0]):
        return evidence
    led = lead_with(evidence, advises)
    if led is not evidence or not ADVISING_ASKED.search(asked.question):
        return led
    overlap = Overlap(index, asked.words)
    return lead_with(evidence, lambda e: advises(e) and holds_question_words(read_with_before(index, e.sentence),
                                                                             overlap), keep=RELATIVE_KEEP)


def speaker(index: IndexData, evidence: list[Evidence], asked: Asked) -> list[Evidence]:
    """For a question asking what someone said, lead with a sentence reporting their words (read with the
    sentence before it: "He added ..."), scoring RELATIVE_KEEP of the best one and holding MIN_OVERLAP of
    the question's words, when the best does not: "What did the Taliban say about it?" after Russia's
    delisting is not answered by "Kremlin spokesman Dmitry Peskov said ..." but by "Taliban spokesman
    Zabihullah Mujahid said the step ..."."""
    who = asked_speaker(asked.question)

    def says(e: Evidence) -> bool:
        return reports_speech_of(f"{sentence_before(index, e.sentence)} {index.sentence_text(e.sentence)}", who)

    if not who or says(evidence[0]):
        return evidence
    overlap = Overlap(index, asked.words)
    return lead_with(evidence, lambda e: says(e) and holds_question_words(read_with_before(index, e.sentence), overlap),
                     keep=RELATIVE_KEEP)


def sum_of_money(index: IndexData, evidence: list[Evidence], asked: Asked) -> list[Evidence]:
    """For a question asking for a sum of money, lead with a sentence that gives one (see `lead_with`),
    when the best does not ("How much money did the committee raise?": "25 percent of all money it
    raises" is no sum; "$40 million" is). Not for any figure: a count question would then lead with a
    byline's or a date's number."""
    if missing_figure(index.sentence_text(evidence[0].sentence), asked.question) != SUM_OF_MONEY:
        return evidence
    return lead_with(evidence, lambda e: not missing_figure(index.sentence_text(e.sentence), asked.question))


def dated(index: IndexData, evidence: list[Evidence], asked: Asked) -> list[Evidence]:
    """For a question asking when, lead with a sentence giving a date and holding MIN_OVERLAP of its words
    (read with the one before it), when the best gives none: "When did clashes happen?" after a question
    on the water dispute is answered by "This led to clashes ... in May 2023", not by a list of clashes
    that would be declined for giving no date. It must hold one of the question's words besides its names:
    a date of the same parties' other dealings does not answer "When did Tajikistan recognize the
    Taliban government?"."""
    if not asks_when(asked.question) or gives_date(index.sentence_text(evidence[0].sentence)):
        return evidence
    overlap = Overlap(index, asked.words)
    content = set(tokenize(asked.question)) - stems(name_words(asked.question))

    def fits(e: Evidence) -> bool:
        tokens = read_with_before(index, e.sentence)
        return (gives_date(index.sentence_text(e.sentence)) and holds_question_words(tokens, overlap)
                and not content.isdisjoint(tokens))

    return lead_with(evidence, fits)


def turned_to(index: IndexData, evidence: list[Evidence], asked: Asked) -> list[Evidence]:
    """For a follow-up turning the earlier question to someone else, lead with a sentence naming them, read
    with the one before it, when the best does not: "And China?" after "What did Russia announce on April
    23?" is not answered by Russia's announcement."""
    names = naming(index, asked.turned_to, asked.question)

    def named(e: Evidence) -> bool:
        return names(read_with_before(index, e.sentence))

    if not asked.turned_to or named(evidence[0]):
        return evidence
    return lead_with(evidence, named, keep=RELATIVE_KEEP)


# whom the question asks about as the one acting or holding a view: the name just after its auxiliary ("What
# did Iran do ...?", "When did China host them?", "Is Russia arming the Taliban?", "What is Russia's stance?")
_ACTOR = re.compile(r"^\W*(?i:(?:and|but|so)\s+)?(?i:(?:what|how|when|why|where)\s+)?"
                    rf"(?i:{'|'.join(AUXILIARIES)})\s+(?:the\s+)?(?P<actor>(?:[A-Z][\w’'-]*\s*)+)\b")


def actor(index: IndexData, evidence: list[Evidence], asked: Asked) -> list[Evidence]:
    """For a question on what someone named did or holds, lead with a sentence naming them (read with the one
    before it and its source's title: "The city has a proud history of theatre" in an article on Newcastle)
    and holding MIN_OVERLAP of the question's words, when the best does not: "What is Russia's stance?" is
    not answered by Iran's caution at "the Taliban's anti-Shi'a stance". In a follow-up, one of the last lead
    quote comes first ("Did Pakistan attend?" after the 2023 Kremlin dialogue: "Pakistan surprisingly
    declined the invitation", not the 2018 conference's list of guests)."""
    found = _ACTOR.search(asked.question)
    who = name_words(found["actor"]) if found else []
    names = naming(index, who, asked.question)  # "the IMU" by "the Islamic Movement of Uzbekistan"

    def named(tokens: list[str], e: Evidence) -> bool:
        return names([*tokens, *sentence_tokens(index.documents[int(index.spans.sent_doc[e.sentence])].title)])

    if not stems(who) or named(read_with_before(index, evidence[0].sentence), evidence[0]):
        return evidence
    overlap = Overlap(index, asked.words)

    def fits(e: Evidence) -> bool:
        tokens = read_with_before(index, e.sentence)
        return named(tokens, e) and holds_question_words(tokens, overlap)

    if asked.last_lead:  # the passage the conversation is on tells first of them, if it does
        told = lead_with(evidence, lambda e: fits(e) and index.sentence_text(e.sentence) in asked.last_lead)
        if told is not evidence:
            return told
    return lead_with(evidence, fits)


# "Why does Russia engage with the Taliban?": the doer, its verb, and what follows it
_DOES = re.compile(r"\s*(?P<verb>[a-z]+)\b(?P<rest>.*)$", re.S)
_TOWARDS = frozenset({"with", "to", "toward", "towards", "against"})  # what a verb is done with or to
ROLE_WINDOW = 4  # words after a verb's word that may name what it is done with or to


def doer(index: IndexData, evidence: list[Evidence], asked: Asked) -> list[Evidence]:
    """For a question on what someone named does to or with someone else, lead with a sentence naming the
    doer, holding MIN_OVERLAP of the question's words, and not casting the two the other way round, when
    the best does: "Why does Russia engage with the Taliban?" is not answered by "the Taliban's engagement
    with Russia"."""
    roles = _roles(index, asked.question)
    if roles is None or not roles(index.sentence_text(evidence[0].sentence)):
        return evidence
    overlap = Overlap(index, asked.words)
    who = naming(index, name_words(_ACTOR.search(asked.question)["actor"]), asked.question)

    def fits(e: Evidence) -> bool:
        tokens = read_with_before(index, e.sentence)
        return who(tokens) and holds_question_words(tokens, overlap) and not roles(index.sentence_text(e.sentence))

    return lead_with(evidence, fits)


def _roles(index: IndexData, question: str) -> Callable[[str], bool] | None:
    """A test of whether a sentence casts the question's doer and the names after its verb the other way
    round: a word of the verb, with no doer named before it, done with or to the doer ("engagement with
    Russia") or done by one of the others or anyone else named ("the Taliban's engagement"; "Afghanistan
    wants" is no answer to what Iran wants from the Taliban); None if the question does not ask what
    someone named does to or with others named."""
    found = _ACTOR.search(question)
    does = _DOES.match(question, found.end()) if found else None
    verb = tokenize(does["verb"]) if does else []
    others = name_words(does["rest"]) if does else []
    if not (verb and others):
        return None
    doer_named = naming(index, name_words(found["actor"]), question)
    other_named = naming(index, others, question)

    def reversed_roles(text: str) -> bool:
        words = LETTER_WORD.findall(text)
        for i in (i for i, w in enumerate(words) if tokenize(w) == verb):
            before = tokenize(" ".join(words[:i]))
            if doer_named(before):
                return False
            after = words[i + 1:i + 1 + ROLE_WINDOW]
            towards = next((j for j, w in enumerate(after) if w.lower() in _TOWARDS), None)
            done_to = towards is not None and doer_named(tokenize(" ".join(after[towards + 1:])))
            subject = _subject(words[:i])
            if done_to or other_named(tokenize(" ".join(subject))) or _someone(subject):
                return True
        return False
    return reversed_roles


def _someone(words: list[str]) -> bool:
    """Whether `words` name someone: a capitalised word that is no stop word ("Afghanistan", not "This")."""
    return any(w[:1].isupper() and not is_stop_word(w) for w in words)


def _subject(words: list[str]) -> list[str]:
    """What the words before a verb's word say does it: the word just before, past any auxiliaries
    ("Afghanistan wants", "Iran has engaged"), and any owner among the three before ("the Taliban's
    external engagement")."""
    bare = [w for w in words if w.lower() not in AUXILIARIES]
    return [*bare[-1:], *(w for w in words[-3:] if POSSESSIVE.search(w))]


def _follows(index: IndexData, sentence: int, last_lead: str) -> bool:
    """Whether `sentence` is the one its source goes on with after the last lead quote."""
    before = sentence - 1
    return (before >= 0 and index.spans.sent_doc[before] == index.spans.sent_doc[sentence]
            and index.sentence_text(before) in last_lead and index.sentence_text(sentence) not in last_lead)


def _answers_new_words(question: str, new: Brought) -> Callable[[Sequence[str]], bool]:
    """A test of whether a text's stems hold at least half the words the follow-up brings itself (never,
    when it asks for more). A name counts in any spelling alike ("And in Tajikistan?" is answered by "on
    the Tajik border"), an abbreviation spelt out ("And the TTP?" by "the Tehreek Taliban Pakistan")."""
    own = new.words
    if not own or _MORE.search(question):
        return lambda tokens: False

    def answers(tokens: Sequence[str]) -> bool:
        held = set(tokens)
        found = [w for w in own if w in held or (w in new.names and any(spelt_alike(w, h) for h in held))
                 or (w in new.spelt and new.spelt[w] <= held)]
        return 2 * len(found) >= len(own)
    return answers


def holds_question_words(tokens: list[str], overlap: Overlap) -> bool:
    """Whether a sentence's tokens, read with the one before it and its authors' names (`read_with_before`:
    "What does Sakhi recommend?" is asked of every sentence Sakhi wrote), hold MIN_OVERLAP of the
    question's words. Not the title: every sentence would then hold the words of the subject it is about."""
    if not overlap.stems:  # "Why?" has no words of its own
        return True
    return overlap.words(tokens) >= MIN_OVERLAP


def names_one(tokens: list[str], names: set[str], spelt: dict[str, set[str]] | None = None) -> bool:
    """Whether the tokens of a sentence read with the one before it (`read_with_before`) name one of
    `names` (spelt alike), if any are given; a one-word country is named by its capital and a capital by
    its one-word country, as in the question-word overlap ("And in Russia?": "... in Moscow"), and an
    abbreviation by what it stands for (`spelt`, see `spellings`)."""
    if not names:
        return True
    held = set(tokens)
    return any(spelt_alike(n, t) for t in held for n in names) or any(
        place <= held for n in names if (place := same_place(n) or (spelt or {}).get(n)))


def read_alone(index: IndexData, sentence: int, authors: bool = True) -> list[str]:
    """Stems of a sentence and, unless `authors` is false, its authors' names."""
    return [*sentence_tokens(index.sentence_text(sentence)), *(author_tokens(index, sentence) if authors else ())]


def read_with_before(index: IndexData, sentence: int, authors: bool = True) -> list[str]:
    """Stems of a sentence, its authors' names (unless `authors` is false) and the sentence before it in its
    paragraph."""
    return [*read_alone(index, sentence, authors), *sentence_tokens(sentence_before(index, sentence))]


def sentence_before(index: IndexData, sentence: int) -> str:
    """The sentence before `sentence` in its paragraph ("" for a paragraph's first)."""
    return index.sentence_text(sentence - 1) if index.same_paragraph(sentence - 1, sentence) else ""


RULES: tuple[Callable[[IndexData, list[Evidence], Asked], list[Evidence]], ...] = (
    own_word, same_holder, in_year, in_place, actor, doer, newest_source, news, own_words, advice, speaker,
    sum_of_money, dated, turned_to)
