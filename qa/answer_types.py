"""What a question asks for (a number, a date, a name, a place, a cause) and whether a text gives it.
General cues of English, shared by the ranker's features and the rules that shape an answer."""

from __future__ import annotations

import re
from functools import lru_cache

from lemminflect import getAllLemmas

from qa.ingest import MONTHS
from qa.lexical import LETTER_WORD, is_stop_word, tokenize
from qa.names import (
    POSSESSIVE,
    asked_posts,
    capital_countries,
    has_new_name,
    holder_fit,
    is_country,
    name_runs,
    name_words,
    names_new,
    spelt_alike,
    stem_of,
)

_OPENS = r"(?:^|[,;:]\s*|\band\s+|\bbut\s+)\W*"
_QTYPES = {
    "number": re.compile(r"\bhow (many|much|long|old|far|large|big|often|high)\b|\bwhat (percentage|percent|"
                         r"number|proportion|share|amount)\b", re.I),
    # "when", "who" and "where" ask only where a question or clause opens on them: "How old was he when
    # he played?" asks for a number, "the man who ..." for nothing.
    "date": re.compile(_OPENS + r"(?:(?:since|until|till|by|from)\s+)?when\b|"
                       r"\bwhat (year|date|month|day|time|century|decade|period)\b|\bwhich year\b", re.I),
    "person": re.compile(_OPENS + r"(?:(?:to|by|with|for|of|from)\s+)?(?:who|whom|whose)\b", re.I),
    # "What is his name?", "What was the hotel called?" (a cue for the answer's shape, not a ranker feature:
    # trained as one, its weight was about nil)
    "name": re.compile(r"\bwhat\s+(?:is|was|are|were)\s+(?:(?:the|his|her|their|its)\s+)?(?:[\w-]+\s+)?names?\b|"
                       r"\bwhat\s+(?:is|was|are|were)\s+(?:[\w’'-]+\s+){1,6}(?:called|named)\b", re.I),
    "place": re.compile(_OPENS + r"(?:(?:from|to|in)\s+)?where\b|"
                        r"\bwhich (country|countries|city|province|region|state|place)\b", re.I),
    "reason": re.compile(r"\bwhy\b|\bfor what reason\b|\bwhat (caused|led to|prompted|motivated|drove)\b|"
                         r"\bhow come\b|\breasons?\b|\bmotivations?\b", re.I),
}
# "What is European Union law?", "Who was Asim Umar?": asks what or who something is, answered where the
# text says so ("European Union law is a body of ...", "Asim Umar, the leader of ...").
_DEFINITION = re.compile(r"^\W*(?:what|who)\s+(?:is|are|was|were)\s+(?:(?:the|a|an)\s+)?"
                         r"(?P<subject>[\w’'.-]+(?:\s+[\w’'.-]+){0,5}?)\W*$", re.I)
_HAS_NUMBER = re.compile(r"\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|dozen|hundred|thousand|"
                         r"million|billion|percent)\b", re.I)
_MONTH_NAMES = "|".join(MONTHS)
_HAS_DATE = re.compile(r"\b(1[0-9]|20)\d\d(?:s|['’]s)?\b|\b(" + _MONTH_NAMES + r"|spring|summer|autumn|winter|monday|"
                       r"tuesday|wednesday|thursday|friday|saturday|sunday)\b|\bcentur(?:y|ies)\b|\b\d+\s*(?:BC|BCE|AD|CE)\b",
                       re.I)
AUXILIARIES = ("has", "have", "had", "is", "are", "was", "were", "do", "does", "did", "will", "would", "can", "could",
               "should", "may", "might")
# "Has it worked?", "And did Pakistan attend?": asks whether, which a passage may tell by what it says.
_YES_OR_NO = re.compile(r"^\W*(?:(?:and|but|so)\s+)?(?:" + "|".join(AUXILIARIES) + r")\b", re.I)


def asks_yes_or_no(question: str) -> bool:
    """Whether the question asks whether something is so."""
    return bool(_YES_OR_NO.search(question))


# A count asked for: "how much" before a verb asks for a degree ("How much has it grown?"), which words
# may give; before a noun it asks for an amount. So do "What is the population/number/share of ...?" and
# "How big/high/... is ...?", a size ("How big a threat ...?" asks for a degree).
_COUNT = re.compile(r"\bhow many\b|\bhow much\b(?!\s+(?:" + "|".join(AUXILIARIES) + r")\b)|"
                    r"\bhow (?:big|large|tall|high|heavy|wide|deep)\s+(?:" + "|".join(AUXILIARIES) + r")\b|"
                    r"\bwhat (percentage|percent|number|proportion|share|amount)\b|"
                    r"\bwhat (?:is|was|are|were) the (?:total )?(?:population|number|percentage|proportion|share|"
                    r"amount|death toll|toll)\b", re.I)
_HOW_MANY = re.compile(r"\bhow many\b", re.I)
# A year, by the word before it that makes it one ("in 2022", "the 1973 treaty"): no count.
_YEAR = re.compile(r"\b(?:in|since|until|from|to|before|after|during|of|the|early|late|mid|" + _MONTH_NAMES
                   + r")[\s-]+(1[5-9]\d\d|20\d\d)s?\b", re.I)
# Number words that give a figure ("several" gives none; "one" mostly means "a certain": "one of the reasons").
_NUMBER_WORDS = (r"(?:two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|dozens?|"
                 r"hundreds?|thousands?|millions?|billions?|trillions?|none|zero)")
# A figure, for a count question: stricter than _HAS_NUMBER, the ranker's cue, which any year meets.
_QUANTITY = re.compile(r"\d|\b(?:" + _NUMBER_WORDS + r"|percent|half|twice|doubled?|tripled?|quadrupled?)\b", re.I)
# "twice", "three times", "tripled": how often or how much more, no count of anything ("How many delegates
# visited?" is not answered by "visiting China at least twice"), unless times are counted
_MULTIPLE = re.compile(r"\b(?:once|twice|thrice|doubled?|tripled?|quadrupled?|(?:\d[\d,.]*|one|" + _NUMBER_WORDS
                       + r")\s+times)\b", re.I)
_TIMES_ASKED = re.compile(r"\bhow many times\b|\bhow often\b", re.I)
# "two months later", "for 20 years", "two and a half decades", "half a century": a span of time (its unit,
# group 1), no count of anything else.
_DURATION = re.compile(r"\b(?:(?:\d+|a few|several|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
                       r"twenty|thirty|forty|fifty|hundred)(?:\s+and\s+a\s+half)?|half\s+an?)\s+(seconds?|minutes?|"
                       r"hours?|days?|weeks?|months?|years?|decades?|centuries|century)\b", re.I)
# "the two parties", "all four": a number word after "the" or "all" (group 1), with the three words after
# it, where its noun is.
_THE_NUMBER = re.compile(r"\b(?:the|all(?: the)?) (two|three|four|five|six|seven|eight|nine|ten)((?: [\w’'-]+){1,3})",
                         re.I)
# A sum of money asked for: "how much" with a word of paying, or what something costs.
_MONEY_ASKED = re.compile(r"\bhow much\b(?=.*\b(?:money|costs?|costing|spend|spends|spent|spending|pay|pays|"
                          r"paid|price|priced|worth|budget|funds?|funded|funding|raise|raised|earn|earns|earned|"
                          r"invest|invested|investment|sell|sold|buy|bought|fees?|fined?|charged?|donated?|"
                          r"owed?|lend|lent|loans?)\b)|\bwhat (?:is|was|were|are|will be) (?:the|its|their) "
                          r"(?:[\w-]+ )?(?:cost|price)s?\b|\bwhat (?:did|does|do|will|would)\b[^?]*\bcost\W*$", re.I)
# "How much water is Iran owed?" asks for an amount of water, not of money, whatever the verb.
_MUCH_OF = re.compile(r"\bhow much ([a-z]+) (?:" + "|".join(AUXILIARIES) + r")\b", re.I)
_MONEY_NOUN = re.compile(r"money|cash|funds?|funding|aid|capital|revenues?|income|profits?|debts?|tax(?:es)?|"
                         r"compensation|ransom|salary|wages?|rent", re.I)
_MONEY = re.compile(r"[$£€¥₹]|\b(?:dollars?|euros?|pounds?|yen|yuan|renminbi|rupees?|lakhs?|crores?|rubles?|"
                    r"roubles?|francs?|marks|pesos?|lira|lire|afghanis?|rials?|tomans?|dinars?|dirhams?|riyals?|"
                    r"shillings?|guineas?|kronor|kroner|krona|cents?|pence|usd|eur|gbp)\b", re.I)
# "since 2003", "since then": time, not a cause.
_TIME_AFTER_SINCE = r"(?:\d|then|early|late|mid|" + _MONTH_NAMES + r"|the (?:start|end|beginning|fall))"
CAUSAL = re.compile(r"^\W*to \w+|\b(because|since(?!\s+" + _TIME_AFTER_SINCE + r")|due to|owing to|as a result|"
                    r"in order to|so that|"
                    r"aim(?:s|ed)? (?:at|to)|in (?:a bid|an effort|an attempt) to|so as to|reason|"
                    r"with the (?:aim|goal|intention|purpose) of|"
                    r"driven by|fear|concern|motivat\w*|led to|therefore|thus|given that|interest|"
                    r"in response|seeks?|wants?|desire|goal|to (?:counter|confront|tackle|resolve)|"
                    r"(?:stem|stems|stemmed|result|results|resulted|arose|arises) from|"
                    r"(?:caused|triggered|sparked|prompted) by)\b", re.I)

# "What does Sakhi recommend?", "What should be done about ...?": asks what someone advises, which a text gives
# in prescriptive words ("the best course of action is to ...", "should", "must")
_ADVISING = r"recommend\w*|advis(?:e|es|ed|ing)|urg(?:e|es|ed|ing)"
ADVICE_ASKED = re.compile(rf"^(?!\W*why\b).*\b(?:{_ADVISING}|advocat(?:e|es|ed|ing)|should)\b", re.I)
# ... by a verb of advising: "should" may be no advice asked for ("cells that should be targeted").
ADVISING_ASKED = re.compile(rf"^(?!\W*why\b).*\b(?:{_ADVISING}|advocat(?:e|es|ed|ing))\b", re.I)
ADVICE = re.compile(rf"\b(?:should|must|ought to|needs? to|{_ADVISING}|"
                    r"(?:best|only) (?:course|way|option)|"
                    r"(?:essential|crucial|vital|imperative|necessary) (?:to|that))\b", re.I)
# "Why does that matter?", "Why is it significant?": asks what something shows or means, which a text says
# with "shows", "means" or "signals" more often than with a cause.
_SIGNIFICANCE_ASKED = re.compile(r"\bwhy\b.*\b(?:matters?|mattered|important|significant|notable|relevant)\b", re.I)
_SIGNIFICANCE = re.compile(r"\b(?:show(?:s|ed|n|ing)?|means?|meant|signal(?:s|led|ed|ing)?|indicat(?:es?|ed|ing)|"
                           r"demonstrat(?:es?|ed|ing)|suggest(?:s|ed|ing)?|reflect(?:s|ed|ing)?|underscor(?:es?|ed|ing)|"
                           r"highlight(?:s|ed|ing)?)\b", re.I)


def question_types(question: str) -> set[str]:
    """The kinds of answer the question asks for ("number", "count", "date", "person", "name", "place",
    "reason", "definition")."""
    kinds = {name for name, pattern in _QTYPES.items() if pattern.search(question)}
    if _counted_asked(question)[0]:  # "How many field goals ...?": a figure next to what is counted
        kinds.add("count")
    return kinds | {"definition"} if _DEFINITION.search(question) else kinds


def defined_names(question: str) -> list[str]:
    """The names a "Who is X?" or "What is X?" asks about, when X is a name ("Ismail Al-Khatib", "IS
    Khorasan"), not a description ("Jacksonville's hottest month"); else []."""
    asked = _DEFINITION.search(question)
    if not asked:
        return []
    names = name_words(question)
    words = [POSSESSIVE.sub("", w) for w in LETTER_WORD.findall(asked["subject"]) if not is_stop_word(w)]
    return names if words and all(w in names for w in words) else []


@lru_cache(maxsize=256)
def _defined(question: str) -> re.Pattern | None:
    """What says what the question's subject is: the subject, then a copula or an apposition, or a copula,
    then the subject."""
    asked = _DEFINITION.search(question)
    if not asked:
        return None
    subject = r"\s+".join(re.escape(w) for w in asked["subject"].split())
    return re.compile(rf"\b{subject}\s*(?:\([^)]*\)\s*)?(?:,\s*(?:a|an|the|who|which)\b|"
                      r"(?:is|are|was|were)\s+(?:(?:also|not|now|still)\s+)?(?:a|an|the|one)\b|refers to\b|means\b)"
                      rf"|\b(?:is|are|was|were)\s+(?:(?:the|a|an)\s+)?{subject}\b", re.I)  # "Canberra is the capital"


def _gives_definition(text: str, question: str) -> bool:
    pattern = _defined(question)
    return bool(pattern and pattern.search(text))


_ENDS_COUNTED = frozenset([*AUXILIARIES, "be", "been", "must"])  # the verb after "how many people"


@lru_cache(maxsize=256)
def _counted_asked(question: str) -> tuple[str, frozenset[str]]:
    """What a "how many" question counts: the stem of its noun and those of the names before it ("How many
    ISKP members ...?": "member", {"iskp"}), the words after "how many" up to the verb; "percent" for a
    percentage; ("", {}) for no count."""
    if re.search(r"\bwhat (?:percentage|percent)\b", question, re.I):
        return "percent", frozenset()
    asked = re.search(r"\bhow many\s+(?:of\s+(?:the|these|those|its|their|his|her|our)\s+)?((?:[\w’'-]+\s*){1,3})",
                      question, re.I)
    words: list[str] = []
    for word in asked[1].split() if asked else []:
        forms = getAllLemmas(word.lower())
        verb = forms and "NOUN" not in forms and "ADJ" not in forms
        if is_stop_word(word) or word.lower() in _ENDS_COUNTED or (verb and words):
            break  # the verb: "How many astronauts visited ...", "How many were killed?" ("remaining" modifies)
        words.append(word)
    stems = tokenize(" ".join(words))
    if not stems:
        return "", frozenset()
    return stems[-1], frozenset(tokenize(" ".join(w for w in words[:-1] if w[:1].isupper())))


# A figure and the words after it: what it counts ("seven times", "all 32 of these astronauts"); a figure
# joined to a word by a hyphen measures in it ("a 33-yard field goal" counts yards, not goals).
_FIGURE_THEN = re.compile(r"(?:\d[\d,.]*|\b" + _NUMBER_WORDS + r"\b)(?:\s*(%)|-([a-z]+)\b|((?:\s+[\w’'-]+){1,4}))",
                          re.I)


def _counts_asked(text: str, question: str) -> bool:
    """Whether `text` gives a figure for what the question counts ("sacked him seven times" for "How many
    times was he sacked?"; "hundreds of Taliban members" not for "How many ISKP members ...?"), no year."""
    noun, names = _counted_asked(question)
    if not noun or names and not names.issubset(tokenize(text)):
        return False
    for m in _FIGURE_THEN.finditer(_YEAR.sub(" ", text)):
        if noun in (["percent"] if m[1] else tokenize(m[2] or m[3])):
            return True
    return False


TYPE_CUES = {  # does a text hold what each answer type asks for?
    "number": lambda text, question: bool(_HAS_NUMBER.search(text)),
    "count": _counts_asked,
    "date": lambda text, question: bool(_HAS_DATE.search(text)),
    "person": has_new_name,
    "name": has_new_name,
    "place": has_new_name,
    "reason": lambda text, question: bool(CAUSAL.search(text) or (_SIGNIFICANCE_ASKED.search(question)
                                                                  and _SIGNIFICANCE.search(text))),
    "definition": _gives_definition,
}


def holds_answer_type(text: str, question: str) -> bool:
    """Whether `text` has what the question's answer type asks for (a number for "how many", ...)."""
    return any(TYPE_CUES[kind](text, question) for kind in question_types(question))


SUM_OF_MONEY, FIGURE = "sum of money", "figure"  # what `missing_figure` finds missing

# "When did the talks resume?" is answered by a date, an age or a time ("3.5 billion years ago", "during the
# Roman Empire"). Only a "when" on what happened: "When do treaties apply?" asks on what condition, which a
# clause gives ("as soon as they enter into force").
_WHEN_DID = re.compile(r"^\W*when\s+(?:did|was|were|has|have|had)\b", re.I)
# "When did he become foreign minister?", "When did China open an embassy?", "When did Iran stop supporting
# them?": when a post, state or undertaking began or ended, which a sentence giving the post as a title ("the
# Taliban's foreign minister Amir Khan Muttaqi"), the state ("Before 2001, Iran supported ...") or something
# else the same parties did with its date does not tell; a span of time tells both ("The French and Indian
# War (1754–1763)", "from the 18th century through to the 20th")
_SPAN = r"\b\d{3,4}\s*[–—-]\s*\d{2,4}\b|\bfrom\b[^.]{0,80}?\b(?:to|through|until|till)\b"
_WHEN_CHANGED = (
    (re.compile(r"^\W*when\s+(?:did\b.*\bbecome|(?:was|were)\b.*\b(?:appointed|elected|named|sworn))\b", re.I),
     re.compile(rf"\b(?:bec[oa]m\w*|appoint\w*|nominat\w*|named|elect\w*|sworn|took office|tak\w* office|assum\w*|"
                rf"since|promot\w*|rose|succeed\w*|replac\w*|join\w*|took over|inaugurat\w*)\b|{_SPAN}", re.I),
     "do not tell when that began"),
    (re.compile(r"^\W*when\s+(?:did|was|were)\b.*\b(?:start|started|begin|began|begun|open|opened|launch|launched|"
                r"initiate|initiated|establish|established|founded|create|created|form|formed|introduce|introduced)\b",
                re.I),
     re.compile(rf"\b(?:start\w*|beg[iau]n\w*|open\w*|launch\w*|initia\w*|establish\w*|found(?:ed|ing|ation)|"
                rf"creat\w*|form(?:ed|ing|ation)|introduc\w*|enact\w*|adopt\w*|passed|sign(?:ed|ing)|ratif\w*|first|"
                rf"since|new|bec[oa]m\w*|emerg\w*|set up|inaugurat\w*|born|origin\w*|onset|dawn|from then|onwards?|"
                rf"thereafter)\b|{_SPAN}", re.I),
     "do not tell when that began"),
    (re.compile(r"^\W*when\s+did\b.*\b(?:stop|cease|end|quit|halt|abandon)\b", re.I),
     re.compile(rf"\b(?:stop\w*|ceas\w*|end\w*|quit\w*|halt\w*|abandon\w*|until|no longer|withdr[ae]w\w*|"
                rf"terminat\w*|abolish\w*|discontinu\w*|finish\w*|over|collaps\w*|dissol\w*)\b|{_SPAN}", re.I),
     "do not tell when that ended"),
    # "When was he released from prison?" (a detention ended), "When was the album released?" (it came out)
    (re.compile(r"^\W*when\s+(?:did|was|were)\b.*\b(?:release|released|freed|free)\b", re.I),
     re.compile(rf"\b(?:releas\w*|free\w*|liberat\w*|launch\w*|debut\w*|came out|went on sale|publish\w*|issued|"
                rf"unveil\w*|premier\w*|aired|first|until)\b|{_SPAN}", re.I),
     "do not tell of a release"),
)
_TIME = re.compile(r"\b(?:ago|years?|decades?|centur(?:y|ies)|era|reign|dynasty|war|during)\b", re.I)
# A name asked for: who holds a post ("Who is the Taliban's minister of water?", "What is the name of its
# envoy?", "Which Saudi diplomats ...?"), which organisation or work ("Which Chinese company ...?") or which place
# ("Which city ...?"). Not "Which articles state that ...": a verb.
_ROLES = (r"(?:leaders?|(?:prime )?ministers?|presidents?|spokes(?:man|men|woman|women|person|people)|officials?|"
          r"envoys?|ambassadors?|diplomats?|commanders?|chiefs?|heads?|founders?|kings?|queens?|emperors?|generals?|"
          r"governors?|mayors?|secretar(?:y|ies)|chair(?:man|men|woman|person)?|directors?|representatives?|"
          r"negotiators?|delegates?|advis[eo]rs?|authors?|writers?|inventors?|architects?|composers?|painters?|"
          r"players?|coach(?:es)?|captains?|ceos?|owners?|successors?|predecessors?|deput(?:y|ies)|emirs?|"
          r"clerics?|militants?|fighters?|members?|people|persons?|m[ae]n|wom[ae]n)")
# people a group's name may answer for ("Which militants ...?": "Islamic State militants")
_MANY = re.compile(r"militants|fighters|members|people|persons|men|women", re.I)
_BODIES = (r"(?:compan(?:y|ies)|firms?|corporations?|dams?|rivers?|lakes?|organi[sz]ations?|groups?|part(?:y|ies)|"
           r"newspapers?|agenc(?:y|ies)|outlets?|channels?|universit(?:y|ies)|teams?|clubs?|airlines?|banks?|"
           r"treat(?:y|ies)|operations?|movements?|militias?|networks?|factions?|alliances?|ships?|brands?|"
           r"institutions?|ministr(?:y|ies)|departments?|pipelines?|projects?|programm?e?s?)")
_PLACES = r"(?:countr(?:y|ies)|cit(?:y|ies)|towns?|villages?|provinces?|regions?|districts?|states?|nations?|capitals?)"
# "Which city/province ...?" is not answered by a country's name; "Which country ...?" is
_COUNTRY = re.compile(r"countr(?:y|ies)|nations?|states?", re.I)
_KINDS = rf"(?:mountains?|valleys?|islands?|seas?|oceans?|deserts?|basins?|plains?|peaks?|rivers?|lakes?|{_PLACES})"
# a name and what kind of place it names: "the Hindu Kush mountains", "Sistan and Baluchestan province" (not a
# body: "a United Nations team" is the UN's)
_KIND_NAMED = re.compile(r"(?:[A-Z][\w’'-]*\s+)+(?:and\s+(?:[A-Z][\w’'-]*\s+)+)?(?P<kind>" + _KINDS + r")\b")
# "one": the question asks who one holder is ("Who is the leader ...?", not "Who are the ...?")
_NAME_ASKED = re.compile(rf"^\W*(?:who\s+(?:(?P<one>is|was|became|becomes|will be|has been|had been)|are|were)\s+"
                         rf"(?:the\s+)?(?:[\w’'-]+\s+){{0,4}}?{_ROLES}\b|"
                         rf"what\s+(?:(?P<one_named>is|was)|are|were)\s+the\s+names?\s+of\s+(?:the\s+)?"
                         rf"(?:[\w’'-]+\s+){{0,4}}?{_ROLES}\b|"
                         rf"which\s+(?P<which>(?:[\w’'-]+\s+){{0,2}}?)(?:(?P<role>{_ROLES})|(?P<body>{_BODIES})|"
                         rf"(?P<place>{_PLACES}))\b(?!\s+that\b))", re.I)
# What someone said, asked for ("What did China say about the attack?"): the speaker is the few words between
# the auxiliary and the verb, not a noun's determiner ("What did the war leave the state of ...?").
_SAYING_VERBS = ("say said tell told claim claimed announce announced state stated declare declared warn warned "
                 "argue argued promise promised pledge pledged report reported comment mention write wrote respond "
                 "reply").split()
_SPEECH_ASKED = re.compile(r"^\W*what\s+(?:did|does|do|has|have|had|will|would)\s+"
                           r"(?P<speaker>(?:[\w’'-]+\s+){0,5}?[\w’'-]+)(?<!\bthe)(?<!\ba)(?<!\ban)(?<!\bits)"
                           rf"(?<!\btheir)(?<!\bhis)(?<!\bher)\s+(?:{'|'.join(_SAYING_VERBS)})\b", re.I)
# What was agreed, asked for ("What did the nations at the meeting agree to do?", "What was agreed in Doha?";
# not "Which church is agreed to be the oldest?" nor "Who did not agree with ...?"): a text tells it in words of
# agreeing, committing or deciding, not in what the parties "expressed concern" about.
_AGREEMENT_ASKED = re.compile(r"^\W*what\s+(?:(?:did|do|does|have|has|had|will|would)\b.*\bagree\b(?!\s+with)|"
                              r"(?:was|were|has been|have been|had been)\s+agreed\b)", re.I)
_AGREEMENT = re.compile(r"\b(?:agree\w*|accord\w*|pledg\w*|commit\w*|decid\w*|decision\w*|consensus|deals?|sign\w*|"
                        r"resol\w*|promis\w*|vow\w*|undert\w*|settle\w*|pacts?|treat(?:y|ies)|declarations?|"
                        r"communiqu\w*|joint)\b", re.I)
SAYING = frozenset(tokenize(" ".join(_SAYING_VERBS)))  # the stems of those verbs ("When did he say it?")
_SPEECH = re.compile(r"[“\"]|\b(?:say|says|said|saying|tell|tells|told|claim\w*|announc\w*|stat(?:es|ed|ing|ements?)|"
                     r"declar\w*|warn\w*|argu\w*|promis\w*|pledg\w*|report(?!edly)\w*|comment\w*|mention\w*|wr[io]te|"
                     r"writ(?:es|ten|ing)|remark\w*|not(?:e|es|ed)|add(?:s|ed)|insist\w*|stress\w*|emphasi[sz]\w*|"
                     r"condemn\w*|critici[sz]\w*|slam\w*|denounc\w*|den(?:y|ies|ied)|call(?:s|ed)|urg(?:e|es|ed)|"
                     r"assert\w*|express\w*|indicat\w*|according|describ\w*|believ\w*|hold|holds|ask(?:s|ed)|"
                     r"repl\w*|respon\w*|acknowledg\w*|admit\w*|confirm\w*|suggest\w*|explain\w*|propos\w*|"
                     r"recommend\w*|proclaim\w*|assur\w*|vow\w*|threaten\w*|demonstrat\w*|show(?:s|ed|n)?|"
                     r"reveal\w*|find(?:s|ings?)?|found|conclud\w*|observ\w*)\b", re.I)
# a capital speaking for its government: "Tehran confirmed that ..."
_SPEAKING_NAME = re.compile(rf"\b([A-Z][a-z]+)(?=\s+(?:{_SPEECH.pattern}))")
# "he said", "it has warned", "their statement": whoever the sentence before names may speak
_PRONOUN = re.compile(r"\b(?:he|she|it|they|his|her|its|their)\b", re.I)
_SPEAKER_BEFORE, _SPEAKER_AFTER = 16, 8  # words: "Peskov ... said", "..., said Peskov", "a report in May by the UN"
_PRONOUN_BEFORE = 3
# after which the speaker may follow when they change places ("“...,” said Peskov", "..., added the minister";
# not "The report said the group ..."), unless "to" or "of" does ("added to the list"); after other words of
# saying only "to" or "of" may lead to the speaker ("according to the UN", "remarks of the minister"), or
# "by" ("a report in June 2023 by a United Nations team")
_SPEAKER_NEXT = frozenset(["say", "says", "said", "added", "wrote", "told", "asked"])
_INVERTED = re.compile(r"[,”\"’']\s*$")
_TO_OF = re.compile(r"\s*(?:to|of)\b", re.I)
_SENTENCE_END = re.compile(r"[.!?]\s")


def missing_figure(text: str, question: str) -> str:
    """What the question asks for that `text` does not give: "sum of money" for a cost or price ("How
    much did the dam cost?": "25 percent" is no sum), "figure" for a count or amount ("how many", "what
    share"), else "". A date is no count: "How many trucks were seized in 2022?" is not answered by "... in
    2022"; nor is a span of time, unless time is counted ("two months later" answers "How many months?");
    nor is "the two parties" or "all four", which point back to what was named before, unless they count
    what is asked about ("How many partners?": "the three main partners")."""
    if _MONEY_ASKED.search(question) and not _of_other_than_money(question):
        return "" if _MONEY.search(text) else SUM_OF_MONEY
    if not _COUNT.search(question):
        return ""
    asked = set(tokenize(question))
    text = _DURATION.sub(lambda m: m[0] if asked.intersection(tokenize(m[1])) else " ", _YEAR.sub(" ", text))
    text = _THE_NUMBER.sub(lambda m: m[0] if asked.intersection(tokenize(m[2])) else f"the{m[2]}", text)
    if _HOW_MANY.search(question) and not _TIMES_ASKED.search(question):
        text = _MULTIPLE.sub(" ", text)
    return "" if _QUANTITY.search(text) else FIGURE


def _of_other_than_money(question: str) -> bool:
    much = _MUCH_OF.search(question)
    return bool(much) and not (_MONEY_NOUN.fullmatch(much[1]) or _MONEY.fullmatch(much[1]))


def unanswered(text: str, question: str, *, weak: bool = False) -> str:
    """What the question asks for that `text` does not give, as "give no figure", "give no date", "do not
    tell when that began" (or ended), "give no name", "report no agreement" or "report nothing China said";
    "" when it gives it or asks for none of these. A count `weak`ly supported by a text holding none of the
    question's words but its names is not given either: its figures count something else ("How many ISKP
    members has the Taliban arrested?": "ISKP ... now numbering some 6,000")."""
    missing = missing_figure(text, question)
    if missing:
        return f"give no {missing}"
    if _WHEN_DID.search(question) and not gives_date(text):
        return "give no date"
    for asked, told, untold in _WHEN_CHANGED:
        if asked.search(question) and not told.search(text):
            return untold
    if not _gives_name_asked(text, question):
        return "give no name"
    if _AGREEMENT_ASKED.search(question) and not _AGREEMENT.search(text):
        return "report no agreement"
    speaker = asked_speaker(question)
    if speaker and not reports_speech_of(text, speaker):
        return f"report nothing {speaker} said"
    if weak and _COUNT.search(question) and not _MONEY_ASKED.search(question) and _tells_nothing_asked(text, question):
        return "give no figure for what it asks"
    return ""


# "what is the number of" ("how many" is no content word anyway); a verb that says nothing of its own ("How
# many casualties did the British get?" asks only what it counts)
_FRAMING = frozenset(tokenize("number amount total get got have make made take took do give gave"))


def _tells_nothing_asked(text: str, question: str) -> bool:
    """Whether a count question asks more than what it counts and of whom ("How many ISKP members has the
    Taliban arrested?"; not "How many fighters does ISKP have?", which a figure for ISKP answers) and
    `text` holds none of its words but its names and those that frame it (auxiliaries, prepositions, "how
    many"): no noun, verb or word no dictionary has."""
    asked = set()
    for word in LETTER_WORD.findall(question):
        lemmas = getAllLemmas(word.lower())
        if not is_stop_word(word) and "AUX" not in lemmas and (not lemmas or {"NOUN", "VERB"} & lemmas.keys()):
            asked.update(tokenize(word))
    asked -= set(tokenize(" ".join(name_words(question)))) | _FRAMING
    much = _MUCH_OF.search(question)
    counted = _counted_asked(question)[0] or (stem_of(much[1]) if much else "")
    return bool(asked - {counted}) and not asked.intersection(tokenize(text))


def _capitalised(word: str) -> bool:
    letters = [c for c in word if c.isalpha()]
    return bool(letters) and letters[0].isupper()


def gives_date(text: str) -> bool:
    """Whether `text` gives a date or a time, as a "when" question asks ("in May 2023", "years ago")."""
    return bool(_HAS_DATE.search(text) or _TIME.search(text))


def asks_when(question: str) -> bool:
    """Whether the question asks when something happened ("When did ...?", "When was he born?")."""
    return bool(_WHEN_DID.search(question))


def asked_speaker(question: str) -> str:
    """Whose words the question asks for ("What did China say about ...?": "China"), else ""."""
    asked = _SPEECH_ASKED.search(question)
    return asked["speaker"] if asked else ""


def tells_speech(text: str) -> bool:
    """Whether `text` has a word of saying or a quotation mark, whoever speaks."""
    return bool(_SPEECH.search(text))


def bare_speaker(question: str) -> str:
    """Whose words the question asks for when it asks nothing more ("What did Grigoriev say?"), else ""."""
    asked = _SPEECH_ASKED.search(question)
    return asked["speaker"] if asked and not LETTER_WORD.search(question[asked.end():]) else ""


def _gives_name_asked(text: str, question: str) -> bool:
    """Whether `text` gives the name the question asks for (`_NAME_ASKED`): a place's for a place; an
    organisation may be an acronym ("ISKP"), a person not; "Which diplomats ...?" may be answered by a
    nationality ("Saudi diplomats"), not "Which Saudi diplomats ...?", "Which Taliban official ...?" or "Who
    is the envoy?", whose holder is named in full ("the Taliban" or "Shiite" names no leader); a treaty, a body
    or a river names no official ("Which Iranian official ...?"), though a group may name its fighters; nor
    does a post given only to another holder ("Russian Ambassador to Afghanistan" for the Taliban's), a place
    of another kind ("the Hindu Kush mountains" for a dam), or, for a city, a country, an acronym or a capital
    speaking for its government ("Tehran confirmed ...")."""
    asked = _NAME_ASKED.search(question)
    if not asked:
        return True
    if asked["place"]:
        kind = asked["place"]
        if _COUNTRY.fullmatch(kind):
            return names_new(_other_kinds(text, kind), question, places=True, acronyms=True)
        return names_new(_other_kinds(_as_governments(text), kind, countries=True), question, places=True,
                         acronyms=False)
    if asked["body"]:
        return names_new(_other_kinds(text, asked["body"]), question, places=False, acronyms=True)
    role = asked[0].split()[-1]
    posts = {post for post in asked_posts(question) if post[1] == stem_of(role)}
    if posts and holder_fit(text, posts, question) < 0:
        return False
    if asked["role"] is None:  # "Who is the leader of ...?"; "Who are the ...?" may be answered by a group's name
        return names_new(text, question, places=False, acronyms=False, full=bool(asked["one"] or asked["one_named"]))
    return names_new(text, question, places=not name_words(asked["which"]), acronyms=False,
                     person=not _MANY.fullmatch(asked["role"]))


def _other_kinds(text: str, kind: str, countries: bool = False) -> str:
    """`text` with the names of things of another kind than the one asked for put as that kind: "the Hindu
    Kush mountains" and "Sistan and Baluchestan province" name no dam ("the mountains", "the province"); with
    `countries`, a country's name is no city's or province's either."""
    asked = tokenize(kind)
    text = _KIND_NAMED.sub(lambda m: m[0] if tokenize(m["kind"]) == asked else f"the {m['kind']}", text)
    if countries:
        for run in reversed(name_runs(text)):
            if is_country(" ".join(w[0] for w in run)):
                text = f"{text[:run[0].start()]}the country{text[run[-1].end():]}"
    return text


def _as_governments(text: str) -> str:
    """`text` with each capital that speaks for its government ("Tehran confirmed that ...") put as "the
    government": it names no city the question asks for."""
    capitals = capital_countries()
    return _SPEAKING_NAME.sub(lambda m: "the government" if stem_of(m[1]) in capitals else m[0], text)


def reports_speech_of(text: str, speaker: str) -> bool:
    """Whether `text` reports what `speaker` said: a word of saying ("said", "warned", a quotation mark) with
    the speaker a few words before or after it in its sentence, or a pronoun before it that can only be
    theirs (no one spoke earlier in the text: "Peskov said ... He added ..." is no word of the Taliban's).
    A speaker asked for by a post is named by every word of it: "Pakistani Foreign Minister Shah Mehmood
    Qureshi saying" is no word of China's foreign minister, nor "visits to ... China, as opportunities to
    ..., insist on ...". A quotation mark after a word of saying in its sentence quotes whoever that is."""
    stems = [(t, _capitalised(w)) for w in speaker.split() for t in tokenize(w) if len(t) > 2]
    if not stems:
        return True
    every = bool(re.search(rf"\b{_ROLES}\b", speaker, re.I))  # "China's foreign minister": all of it

    def names_speaker(words: list[str]) -> bool:
        # a name is matched by a name: "the United States" are not "said states and actors"
        found = [any(spelt_alike(s, t) and (_capitalised(w) or not name) for w in words for t in tokenize(w))
                 for s, name in stems]
        return all(found) if every else any(found)

    spoken = False  # whether someone spoke earlier in the text
    for cue in _SPEECH.finditer(text):
        opening = _SENTENCE_END.split(text[:cue.start()])[-1]
        if cue[0][:1].isupper() and opening.strip():
            continue  # part of a name: "the US State Department", "Voice of America Reports"
        if cue[0] in "“\"" and _SPEECH.search(opening.replace("“", " ").replace('"', " ")):
            continue
        before = opening.split()[-_SPEAKER_BEFORE:]
        rest = _SENTENCE_END.split(text[cue.end():])[0]
        after = rest.split()[:_SPEAKER_AFTER]
        if cue[0].lower() in _SPEAKER_NEXT:
            speaker_follows = _INVERTED.search(opening) and not _TO_OF.match(rest)
        else:
            speaker_follows = _TO_OF.match(rest)
        if not speaker_follows:
            after = after[after.index("by") + 1:] if "by" in after else []
        if (names_speaker(before) or names_speaker(after)
                or not spoken and _PRONOUN.search(" ".join(before[-_PRONOUN_BEFORE:]))):
            return True
        spoken = True
    return False
