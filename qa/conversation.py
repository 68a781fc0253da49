"""Follow-up questions: rebuild what "Why?", "What happened to him?" or "And Iran?" refer to,
from the earlier turns alone (no language model is available)."""

from __future__ import annotations

import re
from typing import NamedTuple

import numpy as np
from lemminflect import getAllLemmas

from qa.embedding import get_embedder
from qa.framing import unframed
from qa.lexical import tokenize
from qa.names import JOINED, is_country, name_spans, name_words

_ANAPHORA = re.compile(
    r"\b(he|him|his|she|her|hers|they|them|their|theirs|it|its|this|that|these|those|there|then|"
    r"the group|the country|the organi[sz]ation|the same|the two \w+|both (?:sides|parties|countries)|the latter|"
    r"the former)\b", re.I)
# a second clause, where a pronoun may stand for a name of the first: "What did Iran do after Russia delisted it?"
_CLAUSE = re.compile(r"\b(?:after|when|because|since|before|if|while|until|once|as|that|which|who|whom|and|but|or)\b",
                     re.I)
_PERSON = re.compile(r"\b(?:he|him|his|she|hers)\b", re.I)  # "her" may be "his" or "him": left out
# "Why did Russia delist the Taliban and how did the Taliban respond?": a question, then "and" or "but"
# and a second question (or a bare "when?"); only where both are whole questions, so "What do Iran and
# Pakistan fear?" or "... and what other reasons?" stay one. A whole second question opens on a wh-word
# and an auxiliary, on "who" and its verb ("who decided?"), on "what" and a past verb ("what followed?"),
# or on a wh-word with its noun and an auxiliary ("what role did Kabulov play?").
_WH = r"(?:how|why|what|when|where|who|which|whom|whose)"
_AUX = r"(?:did|does|do|is|are|was|were|has|have|had|can|could|will|would|should|might)"
_SECOND = (rf"{_WH}\s+{_AUX}\b.*|who\s+\w+.*|what\s+\w+ed\b.*|(?:what|which|how\s+many|how\s+much)\s+\w+(?:\s+\w+)?\s+"
           rf"{_AUX}\b.*|(?:how|why|when|where)\W*")
_WHETHER_DONE = re.compile(r"^\W*(?:did|does|do|has|have|had|will|would|can|could)\s+(?:[\w’'-]+\s+){1,3}?"
                           r"(?P<verb>[a-z]+)\W*$", re.I)
_AUX_WORD = re.compile(rf"{_AUX}|be|been|may|must", re.I)
_COMPOUND = re.compile(rf"^\W*(?P<first>(?:{_WH}|{_AUX})\b.*?\w)[\s,;]+(?:and|but)\s+(?P<second>{_SECOND})$",
                       re.I | re.S)
# questions asked one after another: a question mark, then more (each asks, as a question mark or its
# opening shows: "What is Russia's stance? And China's")
_SEVERAL = re.compile(r"(?<=\?)\s+(?=\W*\w)")
_ASKS = re.compile(rf"^\W*(?:{_WH}|{_AUX}|and|but|what about|how about)\b", re.I)
_OPENS_QUESTION = re.compile(rf"^\W*(?:{_WH}|{_AUX})\b", re.I)
# A bare "Why?" or "How so?" is caught by its length; a full "Why did ...?" question stands on its own.
_CONTINUATION = re.compile(r"^\s*(and|but|also|so|what about|how about|and what about|what else)\b", re.I)
# A question ending on a reaction or what came of something leaves out what that was ("How did the
# Taliban respond?", "What was the outcome?"); with an object ("react to the attack?") it stands alone.
REACTING = r"respond(?:ed|s)?|react(?:ed|s)?|repl(?:y|ied|ies)|retaliated?|response|reaction"
_ELLIPSIS = re.compile(rf"\b(?:{REACTING}|outcome|results?|consequences?|aftermath|next|afterwards?)\W*$", re.I)
# What opens "And what about Iran's ...?": the rest is what the follow-up brings.
_OPENER = re.compile(r"^\s*(?:(?:and|but|also|so)\b[\s,]*)*(?:(?:what|how)\s+about\b|what\s+else\b)?", re.I)
_MARKERS = re.compile(r"\s*\[\d+\]")
CONTEXT_CHARS = 400
MAX_QUESTIONS = 4  # asked one after another, each answered in turn; more are read as one text
TOPIC_TURNS = 3
POINTING_TURNS = 6


def opens_as_question(text: str) -> bool:
    """Whether `text` opens as a question does, on a wh-word or an auxiliary ("why did ...", "is it ...")."""
    return bool(_OPENS_QUESTION.match(text))


def split_compound(question: str) -> list[str]:
    """The questions a compound question asks, in order, each as a question of its own ("Why did Russia
    delist the Taliban?", "How did the Taliban respond?"), or several asked one after another ("What is
    Russia's stance? And China's?"); the question alone when it asks one."""
    asked = _SEVERAL.split(question.strip())
    if 1 < len(asked) <= MAX_QUESTIONS and all(q.endswith("?") or _ASKS.match(q) for q in asked[1:]):
        return [part for q in asked for part in _split_one(q)]
    return _split_one(question)


def _split_one(question: str) -> list[str]:
    """`split_compound` for one sentence: two questions joined by "and" or "but"."""
    found = _COMPOUND.match(question)
    if not found:
        return [question]
    second = found["second"].strip()
    second = second[:1].upper() + second[1:]
    return [f"{found['first']}?", second if second.endswith("?") else f"{second}?"]


def is_follow_up(question: str) -> bool:
    """A question that leans on the conversation: a pronoun, "and ...", a reaction without its cause, or
    few content words and no name ("Why?", "How so?"; but "Who is Mujahid?" names its own subject). A
    compound question leans on it as its first part does (its later parts lean on that)."""
    question = split_compound(question)[0]
    return bool(_ANAPHORA.search(question)) or _leans_by_form(question) or _brings_little(question)


def may_stand_alone(question: str) -> bool:
    """A follow-up only by a pronoun, which may stand for the question's own words: "How has the Taliban
    used its visits to Iran and China?" (not "And Iran?", "How did they respond?", "Why?", or "How did the
    Taliban condemn it?", whose pronoun is its verb's object: it cannot stand for the verb's subject); or
    one that names its subject (`names_its_subject`)."""
    question = split_compound(question)[0]
    if names_its_subject(question):
        return True
    pointing = list(_ANAPHORA.finditer(question))
    return bool(pointing) and not (_leans_by_form(question) or _brings_little(question)
                                   or all(_object_of_clause(question, p) for p in pointing))


def names_its_subject(question: str) -> bool:
    """Whether a question asking whether someone did what it leaves unsaid names who ("Did Pakistan
    attend?", not "Did they attend?"): it may ask of the conversation's topic, or of its subject alone
    ("Has ISKP grown?", asked after a question on the Helmand River)."""
    return _bare_verb(question) and bool(name_words(question)) and not _ANAPHORA.search(question)


def _object_of_clause(question: str, pronoun: re.Match) -> bool:
    """Whether `pronoun` is the object of the verb just before it, in the question's one clause ("condemn
    it", "bind them"; not "say it would", "after Russia delisted it" or "attacks against them")."""
    before, after = question[:pronoun.start()].split(), question[pronoun.end():].split()
    verb = before[-1].lower() if before else ""
    return (pronoun[0].lower() in ("it", "them", "him", "her") and not _AUX_WORD.fullmatch(verb)
            and "VERB" in getAllLemmas(verb) and not _CLAUSE.search(question[:pronoun.start()])
            and not (after and _AUX_WORD.fullmatch(after[0])))


def _leans_by_form(question: str) -> bool:
    """"And ...", "What about ...", a reaction without its cause ("How did the Taliban respond?"), or
    whether someone did what is left unsaid ("Did Pakistan attend?": attend what the conversation was
    about)."""
    return bool(_CONTINUATION.match(question) or _ELLIPSIS.search(question) or _bare_verb(question))


def _bare_verb(question: str) -> bool:
    """Whether the question asks whether its subject did something, ending on the verb ("Did Pakistan
    attend?", "Has it worked?")."""
    asked = _WHETHER_DONE.match(question)
    return bool(asked) and "VERB" in getAllLemmas(asked["verb"].lower())


def _brings_little(question: str) -> bool:
    """Few content words and no name: "Why?", "How so?"."""
    return len(tokenize(question)) <= 2 and not name_words(question)


class Reading(NamedTuple):
    """How a question is read: `query` is retrieved with, `words` are matched with sentences,
    `restated` is the follow-up asked in full when it could be ("" otherwise), to show users, and
    `referents` are the names a follow-up naming no one itself is about ("Where was he killed?" after
    "Who is Asim Umar?"), with `about` the earlier questions they come from, and `turned_to` those a
    follow-up turns the earlier question to ("And China?" after "What did Russia announce?")."""

    query: str
    words: str
    restated: str = ""
    referents: tuple[str, ...] = ()
    turned_to: tuple[str, ...] = ()
    about: tuple[str, ...] = ()


def resolve(question: str, history: list[dict] | None, last_lead: str = "") -> Reading:
    """The text to retrieve with and the words to match sentences with.

    A question that stands on its own is both. A follow-up retrieves with the conversation's topic (see
    `_topic`) too, and for a pronoun with `last_lead`, the last answer's first quote ("him" is often named
    only there; the other quotes would pull in their own subjects), or else the start of the last answer.
    Its words take in the names the topic was about ("What did he say?" after "Who is Zabihullah
    Mujahid?", "How many were killed?"), only names: the earlier questions' other words ask what was
    already answered. "And what about Iran?" is matched with the last question asked of Iran (`_turned`), a
    bare "Why?" with all the words of its query."""
    pointing = _ANAPHORA.search(question)
    questions = _topic(history, bool(pointing)) if history and is_follow_up(question) else []
    if not questions:
        return Reading(question, question)
    topic = " ".join(questions)
    last_answer = (last_lead or _MARKERS.sub("", _last(history, "assistant"))[:CONTEXT_CHARS]) if pointing else ""
    query = " ".join(p for p in (question, topic, last_answer) if p)
    if _CONTINUATION.match(question):
        turned = _turned(question, questions[-1])
        # the topic stays in the query: "And in Iran?" after "What happened at Crocus City?" asks of an attack
        if turned:
            return Reading(f"{question} {turned} {topic}", f"{question} {turned}", turned,
                           turned_to=tuple(name_words(question)))
        # the opener only frames the follow-up: "about" of "What about China?" is no match for "little known
        # about how ..."
        return Reading(query, brought(question) or question)
    if not (tokenize(question) or pointing):
        return Reading(query, question)
    names = name_words(topic)
    referents = () if name_words(question) else tuple(names)
    return Reading(query, " ".join([question, *names]), _named(question, questions[-1]), referents,
                   about=tuple(questions) if referents else ())


def _named(question: str, earlier: str) -> str:
    """The follow-up with its one "he" or "she" (or "him", "his", "hers") written as the one person the
    earlier question names: "Where was he killed?" after "Who is Asim Umar?" reads "Where was Asim Umar
    killed?". Only to show how it was read (its words already take in the earlier question's names), so
    "" when that is unsure: no name or several, or a one-word name ("Russia's" may stand for a people).
    """
    people = name_spans(earlier)
    found = list(_PERSON.finditer(question))
    if len(found) != 1 or len(people) != 1:
        return ""
    name = earlier[slice(*people[0])]
    if " " not in name:
        return ""
    pronoun = found[0]
    said = f"{name}’s" if pronoun[0].lower() in ("his", "hers") else name
    return question[:pronoun.start()] + said + question[pronoun.end():]


def _turned(question: str, earlier: str) -> str:
    """The earlier question asked of the follow-up's own subject: "And what about Pakistan?" after "What
    does China want from the Taliban?" asks "What does Pakistan want from the Taliban?". The earlier
    question's name most like the new one (by the model's vectors: a country for a country) gives way;
    "" when either names nothing, when `earlier` is itself a follow-up (the oldest of a long chain), when
    nothing changes ("And the Taliban?" after a question about the Taliban), or when the result would
    leave out a word the follow-up brings ("And what did Iran say?" asks more than the earlier question
    of Iran)."""
    if is_follow_up(earlier):
        return ""
    new, old = name_spans(question), name_spans(earlier)
    if not new or not old or not all(JOINED.fullmatch(question[a[1]:b[0]]) for a, b in zip(new, new[1:])):
        return ""
    # a country gives way to a country ("And Pakistan?" after "What concerns has Uzbekistan expressed about
    # the Taliban?"), when the earlier question names one
    if all(is_country(question[a:b]) for a, b in new) and any(is_country(earlier[a:b]) for a, b in old):
        old = [(a, b) for a, b in old if is_country(earlier[a:b])]
    vectors = get_embedder().encode([*(question[a:b] for a, b in new), *(earlier[a:b] for a, b in old)])
    likeness = (vectors[len(new):] @ vectors[:len(new)].T).mean(axis=1)  # "Iran and Pakistan": like each
    start, end = old[int(np.argmax(likeness))]
    turned = f"{earlier[:start]}{question[new[0][0]:new[-1][1]]}{earlier[end:]}"
    return turned if turned != earlier and set(tokenize(brought(question))) <= set(tokenize(turned)) else ""


def brought(question: str) -> str:
    """What a follow-up brings itself: the question without the words that open it ("And what about
    Iran?": "Iran?")."""
    return question[_OPENER.match(question).end():].strip()


def _topic(history: list[dict], pointing: bool = False) -> list[str]:
    """The last question, and while it was itself a follow-up the ones before it (at most TOPIC_TURNS),
    newest first: "Why?" after "What did he say?" after "Who is Mujahid?" is still about Mujahid. For a
    question that points back ("What does that show?"), only while they point back too or bring no words
    of their own, as far back as POINTING_TURNS: "Who chaired the session?" is what "that" is, whatever
    was asked before it, and "it" after three questions on "it" is still what the first one named."""
    questions = [t.get("content") for t in history if isinstance(t, dict) and t.get("role") == "user"]
    topic = []
    for content in reversed(questions[-(POINTING_TURNS if pointing else TOPIC_TURNS):]):
        q = unframed(content_text(content))
        topic.append(q)
        leans_back = (_ANAPHORA.search(q) or not tokenize(q)) if pointing else is_follow_up(q)
        if not leans_back:
            break
    return _restated(topic)


def _restated(topic: list[str]) -> list[str]:
    """`topic` (newest first) with an "And X?" and the question it turned read as one: "Why?" after "What
    does Iran want from the Taliban?" and "And Pakistan?" asks why of "What does Pakistan want from the
    Taliban?", not of Iran too."""
    for i, (later, earlier) in enumerate(zip(topic, topic[1:])):
        if _CONTINUATION.match(later):
            turned = _turned(later, earlier)
            if turned:
                return [*topic[:i], turned]
    return topic


def exchange(question: str, reply: str) -> list[dict]:
    """One turn of a conversation in Gradio's messages format: the question and the reply's markdown."""
    return [{"role": "user", "content": question}, {"role": "assistant", "content": reply}]


def last_reply(history: list[dict] | None) -> str:
    """The text of the last assistant turn ("" if none)."""
    return _last(history, "assistant") if history else ""


def _last(history: list[dict], role: str) -> str:
    for turn in reversed(history):
        if isinstance(turn, dict) and turn.get("role") == role:
            return content_text(turn.get("content"))
    return ""


def content_text(content) -> str:
    """Gradio message content may be a string or a list of parts; keep the text."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(content_text(c) for c in content)
    if isinstance(content, dict):
        return str(content.get("text", ""))
    return ""
