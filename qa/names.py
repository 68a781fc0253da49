"""Names in questions and sentences: which words are names, which names no source mentions, and who
holds which post ("Kremlin spokesman", "Iran's foreign minister")."""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Iterator
from functools import lru_cache
from typing import NamedTuple

from countryinfo import all_countries
from lemminflect import getAllLemmas
from rapidfuzz.distance import OSA

from qa.index_format import IndexData
from qa.ingest import MONTHS
from qa.lexical import LETTER_WORD, MONTH_SHORT, is_stop_word, tokenize

POSSESSIVE = re.compile(r"['’]s$")
_SENTENCE_OPENERS = ".!?:\"“"
_QUALIFIED = re.compile(r"\s+(?:to|of|in|for)\s+(?:the\s+)?")
JOINED = re.compile(r"\s*(?:,|,?\s*(?:and|or|&))\s*", re.I)  # between names of one subject: "Iran and Pakistan"
_PREFIX = 4  # words spelt alike share at least this many first letters
# a month before a day or year is a date, not a name
_DATED = re.compile(rf"{MONTH_SHORT.pattern}|\b(?:{'|'.join(m.title() for m in MONTHS)})\b(?=\s*\d)")
# a place where something is, not a government acting: "in Kabul", "from Moscow"
_LOCATIVE = re.compile(r"\b(?:in|at|from|to|into|near|outside|inside|around|across|through|within|via|towards?)\s+$",
                       re.I)
_PART_OF_NAME = re.compile(r"\b[A-Z][\w’'-]*\s+of\s+(?:the\s+)?$")  # before "America" of "Voice of America"


def is_name(text: str, word: re.Match) -> bool:
    """Whether `word` (a LETTER_WORD match in `text`) is a name: capitalised, no stop word and no month
    before a day or year ("August 2021", "Aug 2021"); opening a sentence, only one no dictionary knows
    ("Kremlin spokesman ...", not "Other words ...")."""
    if not word[0][:1].isupper() or is_stop_word(word[0]) or _DATED.match(text, word.start()):
        return False
    return not _opens_sentence(text, word) or not getAllLemmas(word[0].lower())


def _opens_sentence(text: str, word: re.Match) -> bool:
    before = text[:word.start()].rstrip()
    return not before or before[-1] in _SENTENCE_OPENERS


def name_runs(text: str) -> list[list[re.Match]]:
    """The names in `text`: runs of name words with only spaces between them, a possessive ending a run
    ("Iran's foreign minister", "Newcastle International Airport")."""
    runs: list[list[re.Match]] = []
    prev = None
    for word in LETTER_WORD.finditer(text):
        if not is_name(text, word):
            prev = None
            continue
        joined = prev is not None and text[prev.end():word.start()].isspace() and not POSSESSIVE.search(prev[0])
        if joined:
            runs[-1].append(word)
        else:
            runs.append([word])
        prev = word
    return runs


def name_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each name in `text`, a possessive ending left outside ("Iran" of "Iran's")."""
    spans = []
    for run in name_runs(text):
        possessive = POSSESSIVE.search(run[-1][0])
        spans.append((run[0].start(), run[-1].end() - (len(possessive[0]) if possessive else 0)))
    return spans


def name_words(text: str) -> list[str]:
    """The words of `text` that are names, possessives dropped."""
    return [POSSESSIVE.sub("", w[0]) for run in name_runs(text) for w in run]


@lru_cache(maxsize=1)
def capital_countries() -> dict[str, set[str]]:
    """Stem of a one-word capital -> stems of its country's name: news writes "Moscow" for Russia. Capitals
    shared by two countries are left out."""
    pairs = [(tuple(tokenize(str(c.capital()))), set(tokenize(c.name()))) for c in all_countries()]
    shared = Counter(capital for capital, _ in pairs)
    return {capital[0]: country for capital, country in pairs if len(capital) == 1 and shared[capital] == 1 and country}


@lru_cache(maxsize=1)
def _country_named() -> dict[str, str]:
    """Stem of a one-word capital (as in `capital_countries`) -> its country's name as written."""
    return {stems[0]: c.name() for c in all_countries() if len(stems := tokenize(str(c.capital()))) == 1
            and stems[0] in capital_countries()}


def with_countries(question: str, index: IndexData) -> str:
    """`question` with its country after each capital standing for a government that no source mentions
    ("What did Tashkent (Uzbekistan) do ...?"): retrieval finds what the sources say of the country."""
    for name in reversed(_asked(index, question)):
        if len(name.ways) > 1 and not _known(index, name.words[0]):
            question = f"{question[:name.end]} ({_country_named()[name.ways[0][0]]}){question[name.end:]}"
    return question


@lru_cache(maxsize=1)
def country_capitals() -> dict[str, str]:
    """Stem of a one-word country's name -> stem of its capital (the reverse of `capital_countries`)."""
    reverse: dict[str, str] = {}
    for capital, country in capital_countries().items():
        if len(country) == 1:
            reverse.setdefault(next(iter(country)), capital)
    return reverse


def same_place(stem: str) -> set[str] | None:
    """The stems that together name the place `stem` names: a capital's country ("moscow": {"russia"}),
    a one-word country's capital ("russia": {"moscow"}); None for any other stem."""
    country = capital_countries().get(stem)
    if country:
        return country
    capital = country_capitals().get(stem)
    return {capital} if capital else None


@lru_cache(maxsize=1)
def _country_by_name() -> dict[str, str]:
    """A country's name or usual spelling in lower case ("uk", "russian federation") -> its name."""
    return {n.lower(): c.name() for c in all_countries()
            for n in [c.name(), *(c.info().get("altSpellings") or [])] if n.isascii()}


def is_country(name: str) -> bool:
    """Whether `name` is a country's name or a usual spelling of it ("Iran", "US", "Russian Federation")."""
    return name.lower() in _country_by_name()


@lru_cache(maxsize=1)
def _place_stems() -> frozenset[str]:
    """Stems of countries' names, capitals and nationalities ("china", "kabul", "afghan"), and of the words of
    longer ones that are no ordinary words ("saudi" of "Saudi Arabia", not "united" of "United States":
    "United Nations" is no country)."""
    stems: set[str] = set()
    for country in all_countries():
        info = country.info()
        names = [country.name(), str(country.capital()), info.get("demonym") or "", *(info.get("altSpellings") or [])]
        for name in names:
            words = LETTER_WORD.findall(name) if name.isascii() else []
            stems.update(tokenize(" ".join(w for w in words if len(words) == 1 or not getAllLemmas(w.lower()))))
    return frozenset(stems)


# where a text places what it tells of: "in Russia", "inside Iran", "in Moscow", "at Soleimani's grave"
_PLACED = re.compile(r"\b((?i:in|inside|within|at|near))\s+(?:the\s+)?((?:[A-Z][\w’'-]*\s*)+)")
_IN = frozenset(["in", "inside", "within"])  # where a country is what something is placed in


def placed_names(text: str) -> list[str]:
    """The names `text` places something in, at or near ("in Russia", "at Soleimani's grave")."""
    return [m[2].strip() for m in _PLACED.finditer(text)]


def placed_countries(text: str) -> list[str]:
    """The countries `text` places what it tells of in ("in Russia", "inside Iran"; "in Moscow" is in Russia,
    "in the UK" in the United Kingdom), by their names in lower case; not a nationality ("in the Afghan
    proxy wars")."""
    return [country.lower() for m in _PLACED.finditer(text) if m[1].lower() in _IN and (country := _country_of(m[2]))]


def _country_of(name: str) -> str | None:
    """The country `name` names, or the one whose one-word capital it is ("Moscow": "Russia")."""
    name = POSSESSIVE.sub("", name.strip())
    stems = tokenize(name)
    return _country_by_name().get(name.lower()) or (_country_named().get(stems[0]) if len(stems) == 1 else None)


# a lowercase particle within a person's name: "Shahab al-Muhajir", "Osama bin Laden", "Charles de Gaulle"
_JOINED_PARTICLE = r"(?:al|el|ad|ar|as)-"
_PARTICLE_NEXT = re.compile(rf"\s+(?:{_JOINED_PARTICLE}[A-Z]|(?:bin|ibn|van|von|de|da|di|du|der|del|la|le)\s+[A-Z])")
_PARTICLE_OPENING = re.compile(rf"^{_JOINED_PARTICLE}(?=[A-Z])")  # "al-" of "al-Muhajir"
# the last word of a body's, a place's or an agreement's name, not a person's: "Islamic Movement", "Islamic
# State", "Northern Alliance", "Helmand River Water Treaty"
_BODY_HEAD = re.compile(r"(?:movements?|states?|part(?:y|ies)|fronts?|alliances?|councils?|organi[sz]ations?|"
                        r"ministr(?:y|ies)|provinces?|arm(?:y|ies)|forces?|groups?|unions?|networks?|committees?|"
                        r"commissions?|agenc(?:y|ies)|services?|offices?|governments?|assembl(?:y|ies)|nations?|"
                        r"republics?|emirates?|compan(?:y|ies)|corporations?|banks?|universit(?:y|ies)|institutes?|"
                        r"cent(?:er|re)s?|foundations?|leagues?|associations?|federations?|brigades?|corps|"
                        r"departments?|administrations?|courts?|parliaments?|treat(?:y|ies)|accords?|agreements?|conventions?|"
                        r"conferences?|summits?|rivers?|lakes?|dams?|mountains?)", re.I)


def names_new(text: str, question: str, *, places: bool, acronyms: bool, person: bool = False,
              full: bool = False) -> bool:
    """Whether `text` has a name the question lacks: not a lone capitalised word opening a sentence, nor,
    unless they count, a country or people only ("Iran", "Saudi"; not "Voice of America") or an acronym
    ("ISKP"); if `person`, not a body's, place's or agreement's ("the Helmand River Water Treaty" names no
    official); if `full`, a person's of two words or more, as news names whoever holds a post ("Zamir
    Kabulov", "President Vladmir Putin"; not "the Taliban", "Shiite" or "the Islamic Movement")."""
    asked = set(tokenize(question))
    for run in name_runs(text):
        stems = tokenize(" ".join(POSSESSIVE.sub("", w[0]) for w in run))
        if not stems or set(stems) <= asked:
            continue
        if not places and set(stems) <= _place_stems() and not _PART_OF_NAME.search(text, 0, run[0].start()):
            continue
        acronym = run[0][0].isupper()
        lone = len(run) == 1 and not (full and _PARTICLE_NEXT.match(text, run[0].end()))  # "Shahab al-Muhajir"
        if lone and (full or (not acronyms if acronym else _opens_sentence(text, run[0]))):
            continue
        if (person or full) and _BODY_HEAD.fullmatch(POSSESSIVE.sub("", run[-1][0])):
            continue
        return True
    return False


def has_new_name(text: str, question: str) -> bool:
    """Whether `text` names someone or something the question does not."""
    q = question.lower()
    return any(w.lower() not in q for w in name_words(text))


def unknown_names(index: IndexData, question: str) -> list[str]:
    """Names in the question ("Sirajuddin Haqqani", "Wakhan Corridor") that no indexed text mentions, not even
    spelt a little differently. Such a question cannot be answered from the sources, whatever else
    they say about its topic. A capital standing for its government ("What has Beijing done?") is
    mentioned where its country is."""
    return [POSSESSIVE.sub("", question[name.start:name.end]) for name in _asked(index, question)
            if not _known_name(index, name)]


def unknown_words(index: IndexData, question: str) -> list[str]:
    """The question's words that no indexed text has, not even spelt a little differently ("opium"), in
    order, once each."""
    return list(dict.fromkeys(w[0] for w in LETTER_WORD.finditer(question) if not _known(index, w[0])))


def _known_name(index: IndexData, asked: _Asked) -> bool:
    """Whether the corpus mentions the name: all its words (read as indexed words spelt a little differently,
    only as a name the sources write), the country a capital stands for, the surname after a title, the
    name written one letter off, or, past ordinary words it lacks ("Hall"), a run of two or more of them
    as the sources write it ("Crocus City Hall" is their "Crocus City ...")."""
    name = asked.words
    missing = [w for w in name if not _known(index, w)]
    if any(all(t in index.sentence_lexical.idf for t in way) for way in asked.ways[1:]):
        return True
    if not missing:
        return (asked.ways[0] == tokenize(" ".join(name)) or _said_together(index, asked.ways[0])
                or _written_alike(index, name))
    if name[-1] not in missing and _titled(index, name[-1]):  # "Abdul Ghani Baradar" is their "Mullah Baradar"
        return True
    if len(name) > 1 and _written_alike(index, name):  # "Vladimir Putin" is their "Vladmir Putin"
        return True
    known = [w for w in name if w not in missing]
    if len(known) < 2 or not all(getAllLemmas(w.lower()) for w in missing):
        return False
    phrase = " ".join(known)
    return phrase in " ".join(name) and _written(index, phrase)


PHRASE_CANDIDATES = 50  # sentences richest in a phrase's words, among which it is looked for
# titles news puts before a surname alone ("Mullah Baradar", "President Putin"); not "Amir", also a given name
_TITLE = re.compile(r"\b(?i:mullah|mawlawi|mawlavi|maulvi|maulana|sheikh|shaykh|haji|hajji|imam|ayatollah|mr|mrs|ms|"
                    r"dr|prof|professor|president|minister|general|gen|commander|ambassador|senator|governor|king|"
                    r"queen|prince|princess|sir|lord|lady|judge|justice|chancellor|sultan|marshal|admiral|colonel|"
                    r"captain|pope|saint|st|father|reverend|rev|rabbi|bishop|cardinal)\.?\s+$")


def _said_together(index: IndexData, stems: list[str]) -> bool:
    """Whether some sentence has `stems` in a row: a name read as indexed words spelt a little differently
    must be one the sources write ("Zabiullah Mujahed" is their "Zabihullah Mujahid"; "Imran Khan" is no
    "Iran" beside a "Khan")."""
    n = len(stems)
    for text in _candidates(index, " ".join(stems)):
        tokens = tokenize(text)
        if any(tokens[i:i + n] == stems for i in range(len(tokens) - n + 1)):
            return True
    return False


def _written_alike(index: IndexData, name: list[str]) -> bool:
    """Whether some sentence writes the words of `name` in a row, each as asked or one letter off ("Vladmir
    Putin", "Ashraf Ghani"): a source's spelling of a name may differ from the question's, and a name
    the dictionary knows ("Vladimir") is never read as a misspelling."""
    asked = [w.lower() for w in name]
    n = len(asked)
    for text in _candidates(index, " ".join(name)):
        words = [_PARTICLE_OPENING.sub("", w).lower() for w in LETTER_WORD.findall(text)]
        for i in range(len(words) - n + 1):
            if all(a == w or min(len(a), len(w)) > 3 and OSA.distance(a, w, score_cutoff=1) <= 1
                   for a, w in zip(asked, words[i:i + n])):
                return True
    return False


def _titled(index: IndexData, surname: str) -> bool:
    """Whether some sentence writes `surname` after a title alone ("Mullah Baradar"): then a question naming the
    same person in full ("Abdul Ghani Baradar") asks about someone the sources mention, not about a
    namesake ("Imran Khan" is not their "Amir Khan Muttaqi")."""
    for text in _candidates(index, surname):
        if any(_TITLE.search(text, 0, m.start()) for m in re.finditer(rf"\b{re.escape(surname)}\b", text)):
            return True
    return False


def _candidates(index: IndexData, words: str) -> Iterator[str]:
    """The sentences BM25 ranks first for `words`, among which a phrase of them is looked for (one that has
    them all scores for each), not by scanning every text: a scan grows with the corpus."""
    return (index.sentence_text(int(s)) for s in index.sentence_lexical.top(words, PHRASE_CANDIDATES))


def _written(index: IndexData, phrase: str) -> bool:
    """Whether some sentence has `phrase` as written."""
    return any(phrase in text for text in _candidates(index, phrase))


def unmentioned_names(index: IndexData, question: str, sentence: int, passage: str, implied: bool = True) -> list[str]:
    """Names in the question that `passage` (around `sentence`), its document's title and authors do not
    mention, and that its document mentions at most once: a passage from a text that is not about
    Kazakhstan does not answer what Kazakhstan's president said. A name the document is about may go
    unsaid in a passage ("She was born in 1981"), unless `implied` is false: then only the passage and
    the authors count."""
    doc = index.documents[int(index.spans.sent_doc[sentence])]
    near = _by_prefix(" ".join([passage, *([doc.title] if implied else []), *doc.authors]))
    counts = _document_words(doc.text) if implied else {}
    missing = []
    for group in _asked_groups(index, question):
        left_out = []
        for name in group:
            ways = name.ways
            if ways[0] and not any(_mentions(w, near) for w in ways) and sum(_mentions(w, counts) for w in ways) <= 1:
                left_out.append(" ".join(name.words))
        if len(left_out) == len(group):  # "Iran and Pakistan": a passage on either answers for its part
            missing += left_out
    return missing


def _mentions(stems: list[str], words: dict[str, list[tuple[str, int]]]) -> int:
    """How often the counted words name what `stems` do, spelt alike ("Asian" is "Asia")."""
    return sum(n for stem in stems for word, n in words.get(stem[:_PREFIX], ()) if spelt_alike(stem, word))


class _Asked(NamedTuple):
    """A name in the question: its words (possessive dropped), where it starts and ends, and the stems a
    text may name it by: its own, and for a one-word capital standing for its government ("What has
    Beijing done?", not "the embassy in Beijing") its country's."""

    words: list[str]
    start: int
    end: int
    ways: list[list[str]]


def _asked_groups(index: IndexData, question: str) -> list[list[_Asked]]:
    """`_asked`, those joined by "and", "or" or a comma ("Iran and Pakistan") in one group."""
    groups: list[list[_Asked]] = []
    end = None
    for name in _asked(index, question):
        if end is not None and JOINED.fullmatch(question[end:name.start]):
            groups[-1].append(name)
        else:
            groups.append([name])
        end = name.end
    return groups


def _asked(index: IndexData, question: str) -> list[_Asked]:
    """The names in the question. Left out: acronyms (a text may spell them out), a sentence's opening
    word ("Hwo did ..." is a typo, "Upon ..." no name), and every name of a title-cased question ("Why
    Did Russia Delist The Taliban?": a capitalised stop word gives it away, not the share of capitals,
    which is high in "Who is Sirajuddin Haqqani?" too)."""
    words = list(LETTER_WORD.finditer(question))
    if any(w[0][:1].isupper() and is_stop_word(w[0]) for w in words[1:]):
        return []
    names = []
    for run in name_runs(question):
        kept = [w for w in run if w[0][1:2].islower() and not _opens_sentence(question, w)
                and not (names and w.start() < names[-1].end)]  # "Laden", taken in by "Osama bin"
        if kept:
            kept += _after_particle(question, kept[-1].end())
            name = [POSSESSIVE.sub("", _PARTICLE_OPENING.sub("", w[0])) for w in kept]
            stems = index.sentence_lexical.query_tokens(" ".join(name))
            country = capital_countries().get(stems[0]) if len(stems) == 1 else None
            acting = country and not _LOCATIVE.search(question[:kept[0].start()])
            names.append(_Asked(name, kept[0].start(), kept[-1].end(), [stems, sorted(country)] if acting else [stems]))
    return names


def _after_particle(question: str, end: int) -> list[re.Match]:
    """The rest of a person's name past a lowercase particle ("al-Muhajir" of "Shahab al-Muhajir", "Laden" of
    "Osama bin Laden"), or none."""
    if not _PARTICLE_NEXT.match(question, end):
        return []
    word = LETTER_WORD.search(question, end)
    if word and word[0].islower():  # "bin", "de": the name goes on after it
        word = LETTER_WORD.search(question, word.end())
    return [word] if word else []


@lru_cache(maxsize=64)  # a document's words, read again for each question its passages lead
def _document_words(text: str) -> dict[str, list[tuple[str, int]]]:
    return _by_prefix(text)


def _by_prefix(text: str) -> dict[str, list[tuple[str, int]]]:
    """The words of `text` with their counts, by their first letters: words spelt alike share them."""
    grouped: dict[str, list[tuple[str, int]]] = {}
    for word, n in Counter(tokenize(text)).items():
        grouped.setdefault(word[:_PREFIX], []).append((word, n))
    return grouped


def _known(index: IndexData, word: str) -> bool:
    """Whether the corpus has `word`, or a word it probably misspells. A word questions are not matched
    by ("Tell", "List") is no evidence either way."""
    lexical = index.sentence_lexical
    stems = lexical.query_tokens(word)
    return not stems or any(t in lexical.idf for t in stems)


def asked_posts(question: str) -> set[tuple[tuple[str, ...], str]]:
    """(holder, stem of post) for each post the question gives a holder: "the Taliban spokesman"."""
    return {(holder, stem) for holder, word, stem in _attributions(question) if _office(word)}


def holder_fit(text: str, asked: set[tuple[tuple[str, ...], str]], question: str = "") -> int:
    """+1 if the text gives the asked posts it names to their holders, -1 if to others, 0 if it names none
    ("the Russian ambassador to Tajikistan" is held by Russia and Tajikistan, not by "Russian Ambassador to
    Afghanistan"). A name the text writes whole holds what its parts hold ("the Denver Broncos": "Broncos
    head coach" is Denver's); a title the question names is no holder ("Which Panthers player was named
    Most Valuable Player?": "the NFL Most Valuable Player" gives no player to the NFL)."""
    asking = {w for holder, _ in asked for w in holder}
    titled = set(tokenize(question)) - set(tokenize(" ".join(asking)))
    given: dict[str, list[tuple[str, ...]]] = {}
    for holder, _, stem in _attributions(text):
        if not titled.intersection(tokenize(" ".join(holder))):
            given.setdefault(stem, []).append(holder)
    named = [(h, post) for h, post in asked if post in given]
    if not named:  # most sentences a lead rule reads: no need to read their names
        return 0
    whole = [_holder(run) for run in name_runs(text)]

    def same(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
        return _same_holder(a, b) or any(_same_holder(a, name) and _same_holder(b, name) for name in whole)

    return 1 if all(any(same(h, g) for g in given[post]) for h, post in named) else -1


def _office(word: str) -> bool:
    """A word that can name one holder's post ("spokesman", "foreign [minister]"): a singular noun or an
    adjective, not a verb ("Iran using") or a plural that many share ("Afghan refugees")."""
    lemmas = getAllLemmas(word)
    return not word[:1].isupper() and ("ADJ" in lemmas or lemmas.get("NOUN", ("",))[0] == word)


@lru_cache(maxsize=65536)
def _attributions(text: str) -> tuple[tuple[tuple[str, ...], str, str], ...]:
    """(holder, word, stem of word) for each content word written right after a name word, the holder
    being the name's words up to there: "Kremlin spokesman", "Iran's foreign minister", "Newcastle
    International Airport" (both "Newcastle" and "Newcastle International" hold a post)."""
    out = []
    runs = name_runs(text)
    starting = {run[0].start(): run for run in runs}
    for run in runs:
        for i, name in enumerate(run):
            after = run[i + 1] if i + 1 < len(run) else LETTER_WORD.search(text, name.end())
            if after is None or not text[name.end():after.start()].isspace() or is_stop_word(after[0]):
                continue
            stem = stem_of(after[0])
            if stem:
                out.append((_holder(run[:i + 1]), after[0], stem))
                qualified = _QUALIFIED.match(text, after.end())  # "ambassador to Tajikistan": it holds the post too
                if qualified and qualified.end() in starting:
                    out.append((_holder(starting[qualified.end()]), after[0], stem))
    return tuple(out)


def _holder(run: list[re.Match]) -> tuple[str, ...]:
    return tuple(POSSESSIVE.sub("", w[0]).lower() for w in run)


@lru_cache(maxsize=65536)
def stem_of(word: str) -> str:
    stems = tokenize(word)
    return stems[0] if stems else ""


def _same_holder(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """Whether two holders share a word, spelt alike."""
    return any(spelt_alike(x, y) for x in a for y in b)


def spelt_alike(x: str, y: str) -> bool:
    """Whether two lower-case words name the same: "iran" and "iranian", "china" and "chinese", not "iran"
    and "iraq"."""
    return x == y or len(os.path.commonprefix([x, y])) >= max(_PREFIX, min(len(x), len(y)) - 1)
