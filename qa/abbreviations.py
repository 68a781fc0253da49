"""Abbreviations: what "IMU", "SCO" or "IS-K" in a question stands for, read off the indexed texts.

The embedding model knows few abbreviations ("How many fighters does ISKP have?" is barely closer to
"ISKP/Daesh ... now numbering some 6,000" than to anything else), and an article may spell out a name
that a reader abbreviates ("Shanghai Cooperation Organization" for "SCO"), or abbreviates a name that a
reader spells out. A question's abbreviation is therefore looked up among the capitalised phrases of the
corpus whose initials spell it (the one it is defined as in brackets, else the most frequent), and a name
in the question among the abbreviations the corpus uses for it.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType

import numpy as np

from qa.lexical import LETTER_WORD, tokenize

# Within a name these stay lower-case and give no initial ("Movement of Uzbekistan", "al-Qaeda in the
# Indian Subcontinent"); "The" opening a sentence is no part of a name either.
_JOINERS = frozenset({"of", "the", "in", "and", "for", "on", "de", "la", "du", "&"})
_LEADING = frozenset({"The", "A", "An"})
_WORD = re.compile(rf"{LETTER_WORD.pattern}|&")
# Two to seven capitals, not a Roman numeral ("John Paul II", "World War II").
_ABBREVIATION = re.compile(r"(?<![\w-])(?![IVX]+(?![\w-]))[A-Z](?:-?[A-Z0-9]){1,6}(?![\w-])")
_DEFINITION = re.compile(r"\s*\(\s*([A-Z][A-Z0-9-]{1,7})\s*[),;]")
MAX_NAME_WORDS = 8
# Cosine of two documents' mean chunk vectors from which they are on one subject: articles on
# Afghanistan's neighbours score 0.8 and more with each other, SQuAD's Wikipedia articles at most 0.25.
SAME_SUBJECT = 0.4


class Glossary:
    """What each abbreviation stands for in a corpus ("IMU" -> "Islamic Movement of Uzbekistan"), and the
    abbreviations the corpus uses. Built with the index (`from_texts`) and stored beside it."""

    def __init__(self, names: dict[str, str], used: set[str]):
        self.names = names
        self.used = used

    @classmethod
    def from_texts(cls, texts: Sequence[str], topics: np.ndarray) -> Glossary:
        """Capitalised phrases by their initials: for each, the phrase it is defined as in brackets most
        often ("National Football League (NFL)"), else the most frequent one; but where the corpus writes
        the abbreviation itself and never defines it, only a phrase from documents on the subject of every
        document writing it: "CBS" in an article on television is no "Chicago Booth School" of one on a
        university, while "ISKP" may be another article's "Islamic State-Khorasan Province". `topics`: one
        unit vector per text, what it is about."""
        found: dict[str, Counter[str]] = defaultdict(Counter)
        defined: dict[str, Counter[str]] = defaultdict(Counter)
        found_in: dict[tuple[str, str], set[int]] = defaultdict(set)
        written_in: dict[str, set[int]] = defaultdict(set)
        for doc, text in enumerate(texts):
            for m in _ABBREVIATION.finditer(text):
                written_in[m.group().replace("-", "")].add(doc)
            for run, defines in _capitalised_runs(text):
                for i, j in _phrases(run):
                    initials, phrase = _initials(run[i:j]), " ".join(run[i:j])
                    found[initials][phrase] += 1
                    found_in[initials, phrase].add(doc)
                    if j == len(run) and initials == defines:
                        defined[initials][phrase] += 1
        names = {}
        for key, phrases in found.items():
            if key in written_in and key not in defined:
                writers = sorted(written_in[key])
                phrases = Counter({p: n for p, n in phrases.items()
                                   if _same_subject(topics[sorted(found_in[key, p])], topics[writers])})
            if phrases:
                names[key] = (defined.get(key) or phrases).most_common(1)[0][0]
        return cls(names, set(written_in))

    def save(self, path: Path) -> None:
        path.write_text(json.dumps({"names": self.names, "used": sorted(self.used)}))

    @classmethod
    def load(cls, path: Path) -> Glossary:
        data = json.loads(path.read_text())
        return cls(dict(data["names"]), set(data["used"]))

    def expand(self, abbreviation: str) -> str | None:
        """What the corpus spells `abbreviation` out as, if anything."""
        return self.names.get(abbreviation.replace("-", ""))

    def abbreviation(self, words: list[str]) -> str | None:
        """The abbreviation the corpus uses for this name, if the corpus also spells it out this way
        ("Denver Broncos" is no "DB" just because both turn up)."""
        initials = _initials(words)
        name = self.expand(initials) if initials in self.used else None
        return initials if name and _same_name(name, " ".join(words)) else None


@lru_cache(maxsize=256)  # retrieval, evidence and compose each read one question's abbreviations
def spelt_out(question: str, glossary: Glossary) -> Mapping[str, str]:
    """Abbreviation -> name, for each abbreviation in the question that the corpus spells out and each
    name in it that the corpus abbreviates ("ISKP" for "Islamic State Khorasan Province"). A question in
    capitals has none: more than half its words in capitals, two or more ("WHAT IS ISKP?"; not "And the
    TTP?" nor "IMU")."""
    capitals = sum(w.isupper() for w in LETTER_WORD.findall(question) if len(w) > 1)
    if capitals > 1 and capitals * 2 > len(LETTER_WORD.findall(question)):
        return MappingProxyType({})
    found = {m.group(): glossary.expand(m.group()) for m in _ABBREVIATION.finditer(question)}
    for run, _ in _capitalised_runs(question):
        taken: set[int] = set()
        for i, j in sorted(_phrases(run), key=lambda span: span[0] - span[1]):  # longest first
            short = glossary.abbreviation(run[i:j])
            if short and short not in found and taken.isdisjoint(range(i, j)) and " ".join(run[i:j]) in question:
                found[short] = " ".join(run[i:j])
                taken.update(range(i, j))
    return MappingProxyType({short: name for short, name in found.items() if name})


def spelt_stems(text: str, glossary: Glossary) -> list[tuple[str, set[str], bool]]:
    """`spelt_out` as stems: for each abbreviation, its stem (none for a one-letter one), the stems of the
    name it stands for, and whether `text` writes that name itself ("ttp", {"tehreek", "taliban",
    "pakistan"}, False)."""
    return [(key, set(tokenize(name)), name in text) for short, name in spelt_out(text, glossary).items()
            for key in tokenize(short.replace("-", ""))]


def spell_out(question: str, glossary: Glossary) -> str:
    """`question` with each abbreviation's name put after it, and each name's abbreviation after the name
    ("What does the IMU (Islamic Movement of Uzbekistan) want?")."""
    names = spelt_out(question, glossary)
    done: set[str] = set()

    def annotate(match: re.Match) -> str:
        short = match.group()
        if short not in names or short in done:
            return short
        done.add(short)
        return f"{short} ({names[short]})"

    question = _ABBREVIATION.sub(annotate, question)
    for short, name in names.items():
        if short not in done:
            question = question.replace(name, f"{name} ({short})", 1)
    return question


def _same_subject(phrase_docs: np.ndarray, writer_docs: np.ndarray) -> bool:
    """Whether every document writing an abbreviation is on the subject of some document with the phrase."""
    return bool(((writer_docs @ phrase_docs.T).max(axis=1) >= SAME_SUBJECT).all())


def _phrases(run: list[str]) -> Iterable[tuple[int, int]]:
    """(start, end) of the phrases of a run that may be names: two words or more, ending at the end of
    the run or before a joiner (not "Chicago Bears in Super" out of "... Super Bowl"), with no
    abbreviation in them."""
    ends = [j for j in range(2, len(run) + 1) if j == len(run) or not _counts(run[j])]
    for i, first in enumerate(run):
        if not _counts(first) or first in _LEADING:
            continue
        for j in ends:
            if i + 1 < j <= i + MAX_NAME_WORDS and _counts(run[j - 1]) and _no_abbreviation(run[i:j]):
                yield i, j


def _capitalised_runs(text: str) -> Iterable[tuple[list[str], str]]:
    """Runs of words that may make up a name (capitalised words and the joiners between them), each with
    the abbreviation in brackets right after it ("" if none)."""
    run: list[str] = []
    last_end = 0
    for m in _WORD.finditer(text):
        word = m.group()
        adjacent = text[last_end:m.start()].strip() == ""
        if (word[0].isupper() or (run and word in _JOINERS)) and (adjacent or not run):
            run.append(word)
            last_end = m.end()
            continue
        yield from _finished(run, text, last_end)
        run = [word] if word[0].isupper() else []
        last_end = m.end()
    yield from _finished(run, text, last_end)


def _finished(run: list[str], text: str, end: int) -> Iterable[tuple[list[str], str]]:
    while run and not _counts(run[-1]):  # "Islamic Movement of" ends on a name word, not a joiner
        run = run[:-1]
    if len(run) > 1:
        defined = _DEFINITION.match(text, end)
        yield run, defined.group(1).replace("-", "") if defined else ""


def _same_name(a: str, b: str) -> bool:
    return re.sub(r"\W+", " ", a).lower() == re.sub(r"\W+", " ", b).lower()


def _counts(word: str) -> bool:
    """Whether a word gives an initial: a capitalised word, not a joiner."""
    return word[0].isupper() and word.lower() not in _JOINERS


def _no_abbreviation(words: list[str]) -> bool:
    """No abbreviation among the words ("US-led NATO" is no spelling-out of "UN")."""
    return not any(len(part) > 1 and part.isupper() for word in words for part in re.split(r"[-'’]", word))


def _initials(words: list[str]) -> str:
    """Initials of the capitalised parts ("Al-Qaeda in the Indian Subcontinent" -> "AQIS",
    "Tehreek-e-Taliban Pakistan" -> "TTP")."""
    return "".join(part[0] for word in words if _counts(word)
                   for part in re.split(r"[-'’]", word) if part and part[0].isupper())
