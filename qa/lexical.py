"""Lexical matching: one tokenizer (lower-cased, stop words dropped, Snowball-stemmed) and BM25 (bm25s)."""

from __future__ import annotations

import json
import math
import re
import threading
import unicodedata
from collections import Counter, OrderedDict
from functools import cached_property, lru_cache
from pathlib import Path

import bm25s
import numpy as np
import Stemmer
from bm25s.stopwords import STOPWORDS_EN
from lemminflect import getAllLemmas
from rapidfuzz import process
from rapidfuzz.distance import OSA

from qa.embedding import dictionary_words
from qa.ingest import MONTHS

_WORD = re.compile(r"\w\w+|\d")
# A word as written in names and headings: letters, joined by hyphens or apostrophes ("Al-Qaeda", "Russia's").
LETTER_WORD = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*")
# Question words carry the answer type, not the topic, so they do not count as content words.
_STOP = frozenset(STOPWORDS_EN) | {
    "what", "why", "who", "whom", "whose", "when", "where", "which", "how", "did", "does", "do",
    "many", "much",
}
# In a question these verbs stand for the event asked about ("What happened at X?", like "What did X
# do?"); the sentence that answers describes the event and rarely uses them. A pronoun stands for
# someone named elsewhere ("What did he say?"): a sentence with "he" in it is no closer for that.
_QUESTION_STOP = frozenset({"happen", "happened", "happens", "happening", "occur", "occurred", "occurs",
                            "occurring", "he", "him", "his", "she", "her", "hers", "its", "them", "theirs"})
# An imperative question ("Tell me about X", "List the attacks") opens with a request that, like "what",
# says what kind of answer is wanted, not what it is about.
_REQUEST = re.compile(r"^\W*(?:(?:please|(?:can|could|would) you)\s+)*(?:tell|describe|explain|summari[sz]e|list|"
                      r"name|give|show|outline|define|identify)\b", re.I)
_stemmer = Stemmer.Stemmer("english")
# An unknown word of 5+ letters within one edit (two from 8 letters; a swap of neighbours counts one) of
# an indexed one is taken for a misspelling of it. Shorter words are left alone ("bank" is not "ban").
TYPO_MIN_CHARS = 5
TYPO_LONG_CHARS = 8
SKELETON_MIN_CHARS = 3  # a shorter skeleton ("tl") is shared by unrelated words
RECENT_QUERIES = 8  # BM25 scores kept per index: the question's, and the names looked up for it
KNOWN_MEMORY = 50_000  # question words remembered per index with the stem each is read as


# Part of the index manifest: a change makes `qa index` re-read every text's words (and abbreviations).
TOKENIZER_VERSION = "13"
_DOUBLED = re.compile(r"(.)\1+")
_DOTTED = re.compile(r"\b(?:[A-Z]\.){2,}")  # "U.S.", "U.N.": read as "US", "UN"
# A month's short form before a day or year ("Aug 2021", "Sept. 11") is the month: "Mar" alone may be a verb.
_MONTHS = {m[:3].title(): m.title() for m in MONTHS if len(m) > 3} | {"Sept": "September"}
MONTH_SHORT = re.compile(r"\b(" + "|".join(_MONTHS) + r")\b\.?(?=\s*\d)")
_SOFT = re.compile(r"[aeiouyh]")  # letters transliterations spell differently
_BRITISH_ISE = re.compile(r"(?<=\w{3})is(e|ed|es|ing|ation|ations)$")
# Other British spellings, folded only into an American word the dictionary has: "neighbouring" is
# "neighboring", "defence" "defense", "theatre" "theater"; "hour", "resource" and "science" stay.
_BRITISH = [(re.compile(p), r) for p, r in (
    (r"(?<=[a-z]{3})our(?=[a-z]{0,4}$)", "or"),
    (r"(?<=[a-z]{2})ence(?=s?$)", "ense"),
    (r"(?<=[a-z]{2})([tb])re(?=s?$)", r"\1er"),
    (r"(?<=[a-z]{3})ogue(?=s?$)", "og"),
    (r"(?<=[a-z]{2})ys(?=e$|ed$|es$|ing$)", "yz"),
)]


# A noun made from a verb Snowball does not join to it ("agreement" ~ "agreed", "decision" ~ "decide",
# "arrival" ~ "arrive"): each pattern's group 1 plus one of its endings, where that is a verb.
_DERIVED = [(re.compile(p), ends) for p, ends in (
    (r"^(\w{3,})ments?$", ("",)),
    (r"^(\w{3,})ures?$", ("", "e")),
    (r"^(\w{2,}(?:[iou][vs]|ew))als?$", ("e", "")),
    (r"^(\w{2,}[aiou])sions?$", ("de",)),
    (r"^(\w{2,}a)nsions?$", ("nd",)),
)]
# A noun Snowball keeps apart from its adjective ("economy" ~ "economic", "diplomacy" ~ "diplomatic",
# "legitimacy" ~ "legitimate"): group 1 plus one of the endings, where that is an adjective.
_ADJECTIVAL = [(re.compile(p), ends) for p, ends in (
    (r"^(\w{3,}a)cy$", ("tic", "te")),
    (r"^(\w{3,}[^aeiouy])y$", ("ic", "ical")),
)]


@lru_cache(maxsize=50_000)
def _stem(word: str) -> str:
    """Snowball stem of the word's base form ("said" ~ "say", "women" ~ "woman"), a noun made from a verb
    read as the verb and one made into an adjective as the adjective, with British spellings folded into
    American ones ("recognise" ~ "recognized", "neighbours" ~ "neighbors")."""
    return _stemmer.stemWord(_BRITISH_ISE.sub(r"iz\1", _american(_verb_of(_adjective_of(_base_form(word))))))


def _verb_of(word: str) -> str:
    """The verb a noun is made from by a regular ending, if the dictionary knows it as a verb and not
    also as a noun ("statement" stays: "state" is a noun too); else the word."""
    def only_verb(form: str) -> bool:
        lemmas = getAllLemmas(form)
        return form in lemmas.get("VERB", ()) and "NOUN" not in lemmas
    return _related_form(word, _DERIVED, only_verb)


def _adjective_of(word: str) -> str:
    """The adjective a noun makes by a regular ending ("diplomacy" -> "diplomatic"), if the dictionary knows
    it as one; else the word. A word that is no noun ("rusty") or is a verb too ("specify", "ferry") stays."""
    lemmas = getAllLemmas(word)
    if "NOUN" not in lemmas or "VERB" in lemmas:
        return word
    return _related_form(word, _ADJECTIVAL, lambda form: form in getAllLemmas(form).get("ADJ", ()))


def _related_form(word: str, patterns: list[tuple[re.Pattern, tuple[str, ...]]], fits) -> str:
    """The first of a pattern's group 1 plus one of its endings that `fits`; else the word."""
    for pattern, ends in patterns:
        found = pattern.match(word)
        for end in ends if found else ():
            if fits(found[1] + end):
                return found[1] + end
    return word


def _american(word: str) -> str:
    """The American spelling of a British one, if the dictionary has it."""
    for pattern, american in _BRITISH:
        folded = pattern.sub(american, word, count=1)
        if folded != word and folded in dictionary_words():
            return folded
    return word


_MEN = re.compile(r"(?<=\w{3})men$")


def _base_form(word: str) -> str:
    """The lemma of an irregular verb or noun form ("took" -> "take", "children" -> "child") that can be
    nothing else; a word that is also another part of speech ("left", "saw", "ground") stays as it is.
    Snowball alone leaves such forms apart from their base."""
    lemmas = getAllLemmas(word)
    if len(lemmas) == 1:
        (pos, forms), = lemmas.items()
        if pos in ("VERB", "NOUN"):
            return forms[0]
    if not lemmas and _MEN.search(word):  # a plural the dictionary lacks: "Frenchmen", "countrymen"
        return word[:-3] + "man"
    return word


# Set phrases whose verb says nothing ("That said, the step was ..." reports no speech)
_IDIOM = re.compile(r"\b(?:that said|having said that|that being said|needless to say|that is to say|so to speak)\b",
                    re.I)


def _words(text: str) -> list[str]:
    """Lower-cased content words; an initialism spelt like a stop word ("IS", "IT") is one, unless the whole
    text is in capitals, dotted initials are one word ("U.S." is "US"), a month's short form before a
    number is the month ("Aug 2021" is "august"); set phrases are none."""
    if text.isupper() and len(_WORD.findall(text)) > 1:
        text = text.lower()
    text = MONTH_SHORT.sub(lambda m: _MONTHS[m[1]], _IDIOM.sub(" ", text))
    words = _WORD.findall(_DOTTED.sub(lambda m: m[0].replace(".", ""), text))
    return [w.lower() for w in words if w.isupper() or w.lower() not in _STOP]


def is_stop_word(word: str) -> bool:
    return word.lower() in _STOP


def tokenize(text: str) -> list[str]:
    """Content-word stems of `text`, in order."""
    return [_stem(w) for w in _words(text)]


def _in_dictionary(word: str) -> bool:
    words = dictionary_words()
    return word in words or any(word.endswith(end) and word[:-len(end)] in words for end in ("s", "es"))


def _fold(text: str) -> str:
    """`text` without accents ("Céloron" ~ "Celoron")."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def _skeleton(folded: str) -> str:
    """The consonants a transliterated name keeps however it is spelt: its first letter, then its other
    letters but vowels and "h", a doubled letter once, "q" as "k" ("Tehrik" and "Tehreek", "Zabiullah" and
    "Zabihullah" are "trk", "zbl")."""
    once = _DOUBLED.sub(r"\1", folded)
    return once[:1] + _SOFT.sub("", once[1:].replace("q", "k"))


class LexicalIndex:
    """BM25 over tokenized texts, plus each stem's IDF. Both depend on corpus-wide statistics, so a
    build recomputes them, from stored tokens for every document it did not change."""

    def __init__(self, bm25: bm25s.BM25, idf: dict[str, float]):
        self.bm25 = bm25
        self.vocab = bm25.vocab_dict
        self.idf = idf
        self.max_idf = max(idf.values(), default=1.0)
        self._recent: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()  # the web app answers several questions at once
        self._known: dict[str, str] = {}  # see `_known_stem`
        # Indexed stems by accent-folded spelling, grouped by first letter (a typo rarely hits it); built
        # here, with the index, rather than on the first misspelt question.
        self._by_initial: dict[str, dict[str, str]] = {}
        for stem in idf:
            folded = _fold(stem)
            self._by_initial.setdefault(folded[:1], {})[folded] = stem

    @classmethod
    def build(cls, tokenized: list[list[str]]) -> LexicalIndex:
        bm25 = bm25s.BM25()
        tokens = [t or ["\u2205"] for t in tokenized]  # bm25s rejects empty documents
        bm25.index(tokens, show_progress=False)
        df = Counter(t for toks in tokens for t in set(toks))
        n = len(tokens)
        return cls(bm25, {t: math.log(1 + (n - c + 0.5) / (c + 0.5)) for t, c in df.items()})

    def query_tokens(self, text: str) -> list[str]:
        """Stems of the question `text` without the words that only frame it ("List ...", "happened", "he"),
        each one the index lacks replaced by the indexed stem it most likely misspells ("zabiulah" ->
        "zabihullah", "mujahed" -> "mujahid"), if there is one."""
        return [self._known_stem(w) for w in _words(_REQUEST.sub("", text, count=1)) if w not in _QUESTION_STOP]

    def respelling(self, word: str) -> str | None:
        """The indexed stem `word` is read as when the index lacks it and it looks misspelt ("Rusia":
        "russia"); None otherwise."""
        word = word.lower()
        if is_stop_word(word):
            return None
        stem, known = _stem(word), self._known_stem(word)
        return known if known != stem else None

    def _known_stem(self, word: str) -> str:
        """`word`'s stem, or the indexed stem it misspells; remembered, as retrieval, the evidence step and
        the respelling of one question each ask for the same words."""
        known = self._known.get(word)
        if known is None:
            if len(self._known) >= KNOWN_MEMORY:
                self._known.clear()
            known = self._known[word] = self._read_stem(word)
        return known

    def _read_stem(self, word: str) -> str:
        stem = _stem(word)
        if stem in self.idf or not word.isalpha():
            return stem
        # as written and as stemmed: the index holds stems, and a misspelt word may stem like no indexed one
        # ("Ghengis" -> "ghengi", one consonant from "genghi") or lose the letters it shares ("Mujahed" -> "mujah")
        spellings = {folded: self._alike(folded) for folded in (_fold(word), _fold(stem))}
        for folded, alike in spellings.items():
            known = alike.get(folded)
            if known:  # the same word with or without accents, however short ("Irán")
                return known
        # a real word the corpus lacks is no typo ("react"; "culled", a form the word list lacks, is no "called")
        if len(word) < TYPO_MIN_CHARS or _in_dictionary(word) or getAllLemmas(word):
            return stem
        for folded, alike in spellings.items():  # edits by the length of what is matched: "delist" of
            edits = 1 if len(folded) < TYPO_LONG_CHARS else 2  # "delisted" is no "delic" (of "delicate")
            match = process.extractOne(folded, alike.keys(), scorer=OSA.distance, score_cutoff=edits)
            if match:
                return alike[match[0]]
        for folded in spellings:
            found = self._transliterated(folded)
            if found:
                return found
        return stem

    def _alike(self, folded: str) -> dict[str, str]:
        """Indexed stems sharing the first letter of `folded`, by their accent-folded spelling."""
        return self._by_initial.get(folded[:1], {})

    @cached_property
    def _by_skeleton(self) -> dict[str, list[str]]:
        """Indexed stems by `_skeleton`; built on the first question that needs it (rare), not with the index."""
        grouped: dict[str, list[str]] = {}
        for stem in self.idf:
            grouped.setdefault(_skeleton(_fold(stem)), []).append(stem)
        return grouped

    def _transliterated(self, folded: str) -> str | None:
        """The indexed stem a name no dictionary knows spells with other vowels ("Tehrik": "tehreek"): the one
        sharing its consonants, or of several, the one within two edits."""
        skeleton = _skeleton(folded)
        alike = self._by_skeleton.get(skeleton, [])
        if len(skeleton) < SKELETON_MIN_CHARS or getAllLemmas(folded):
            return None
        if len(alike) > 1:  # "Ghandi": of "gandhi" and "gend", the one within two edits
            alike = [stem for stem in alike if OSA.distance(folded, _fold(stem), score_cutoff=2) <= 2]
        # a name is spelt as another name, not as an ordinary word ("Muhajir" is no "major")
        return alike[0] if len(alike) == 1 and not getAllLemmas(alike[0]) else None

    def weight(self, token: str) -> float:
        """IDF of a stem; an unseen stem is as rare as the rarest."""
        return self.idf.get(token, self.max_idf)

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every text for `query` (zeros when no query word is in the vocabulary), read-only.
        The last few queries' scores are kept: retrieval, the evidence step and the name lookup of one
        answer score the same queries."""
        with self._lock:
            if query in self._recent:
                self._recent.move_to_end(query)
                return self._recent[query]
        known = [t for t in self.query_tokens(query) if t in self.vocab]
        if known:
            out = self.bm25.get_scores(known).astype(np.float32)
        else:
            out = np.zeros(self.bm25.scores["num_docs"], dtype=np.float32)
        out.setflags(write=False)
        with self._lock:
            self._recent[query] = out
            while len(self._recent) > RECENT_QUERIES:
                self._recent.popitem(last=False)
        return out

    def top(self, query: str, k: int) -> np.ndarray:
        """Ids of the `k` texts scoring highest for `query`, best first, leaving out those it misses."""
        scores = self.scores(query)
        k = min(k, len(scores))
        best = np.argpartition(-scores, k - 1)[:k] if k < len(scores) else np.arange(len(scores))
        best = best[np.argsort(-scores[best], kind="stable")]
        return best[scores[best] > 0]

    def save(self, path: Path) -> None:
        self.bm25.save(str(path))
        (path / "idf.json").write_text(json.dumps(self.idf))

    @classmethod
    def load(cls, path: Path) -> LexicalIndex:
        return cls(bm25s.BM25.load(str(path)), json.loads((path / "idf.json").read_text()))
