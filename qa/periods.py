"""When a question asks about, and whether a source was written late enough to tell of it: an article of
2020 cannot say how things went "since 2021" or what happened "in May 2023"."""

from __future__ import annotations

import re
from pathlib import Path

from qa.index_format import IndexData
from qa.ingest import ISO_DATE, MONTH_RE, MONTHS, month_number

# a year, with the month before it if given ("May 2023", "Aug. 2021", "June 5, 2023")
_DATE = re.compile(rf"\b(?:(?P<month>{MONTH_RE})\s+(?:\d{{1,2}},?\s+)?)?(?P<year>(?:19|20)\d{{2}})\b", re.I)
# a year that ends what is asked about ("before 2001", "from 2018 to 2021", "between 2018 and 2021") bounds
# nothing from below
_UNTIL = re.compile(r"\b(?:before|until|till|prior\s+to|up\s+to|to|and|through|pre)\W*$", re.I)
# "since 2021" bounds the sources that may answer; what answers seldom repeats it
_FROM_ON = re.compile(rf"\s*\b(?:since|after)\s+(?:{_DATE.pattern})", re.I)
# a month written out and capitalised ("On March 22", "in late August"; not "may" the verb)
_MONTH_NAMED = re.compile(r"\b(?:" + "|".join(m.capitalize() for m in MONTHS) + r")\b")
# the word before a date that bounds or places it: "before 2001", "since 2003", "in late August"
_BOUND = re.compile(r"\b(before|since|after|until|by|early|late|mid)[\s-]+(?:in\s+)?$", re.I)
_newest: dict[Path, str] = {}


def asked_from(question: str) -> str:
    """The earliest time the question asks about, as an ISO date prefix ("2021", "2023-05"), or "" when it
    names no year that starts what it asks about."""
    found = [_iso(m) for m in _DATE.finditer(question) if not _UNTIL.search(question[:m.start()])]
    return min(found, default="")


def asked_year(question: str) -> str:
    """The one year the question places what it asks about in ("in 2023", "in May 2023"), or "" when it
    names none, several, or one it bounds ("since 2021", "before 2001")."""
    years = {m["year"] for m in _DATE.finditer(question)}
    found = _DATE.search(question)
    return found["year"] if len(years) == 1 and not _BOUND.search(question[:found.start()]) else ""


def sentence_years(index: IndexData, sentence: int) -> set[str]:
    """The years a sentence tells of: those it names (a month alone read in its source's year,
    `implied_year`), else its source's; none when it names none and its source is undated."""
    text = index.sentence_text(sentence)
    named = {m["year"] for m in _DATE.finditer(text)} | ({implied_year(index, sentence)} - {""})
    return named or ({source_date(index, sentence)[:4]} - {""})


def without_start(text: str) -> str:
    """`text` without the times it says what is asked about starts from ("since 2021", "after May 2023")."""
    return _FROM_ON.sub("", text)


def source_date(index: IndexData, sentence: int) -> str:
    """The ISO date of the source a sentence is in; "" when unknown or written some other way ("Spring 2020")."""
    return _iso_date(index.documents[int(index.spans.sent_doc[sentence])].date)


def implied_year(index: IndexData, sentence: int) -> str:
    """The year a sentence means by a month it names without any year, read from its source's date as a
    reader would: "On March 22" in an article of April 2024 is March 2024, "in December" the December
    before. "" when the sentence names a year, no month or months of two years, or its source is undated."""
    text = index.sentence_text(sentence)
    written = source_date(index, sentence)
    if not written or not _MONTH_NAMED.search(text) or _DATE.search(text):
        return ""
    year, month = int(written[:4]), written[5:7]
    years = {year - 1 if month and month_number(m[0]) > month else year for m in _MONTH_NAMED.finditer(text)}
    return str(years.pop()) if len(years) == 1 else ""


def named_date(index: IndexData, sentence: int) -> tuple[str, str]:
    """The first time a sentence names: as an ISO date prefix ("2018-11", "2001"; a month named without a
    year read in the year its source gives it, `implied_year`), with the word that bounds or places it
    ("before", "since", "late") or ""; ("", "") when it names none."""
    text = index.sentence_text(sentence)
    found = _DATE.search(text)
    if found:
        iso, at = _iso(found), found.start()
    else:
        year, month = implied_year(index, sentence), _MONTH_NAMED.search(text)
        if not year:
            return "", ""
        iso, at = f"{year}-{month_number(month[0])}", month.start()
    bound = _BOUND.search(text[:at])
    return iso, bound[1].lower() if bound else ""


def newest_date(index: IndexData) -> str:
    """The ISO date of the newest dated source ("" if none is dated); once per build, which never changes."""
    if index.path not in _newest:
        _newest[index.path] = max((_iso_date(d.date) for d in index.documents), default="")
    return _newest[index.path]


def chunk_could_tell(index: IndexData, chunk: int, since: str) -> bool:
    """Whether a chunk may tell of what happened from `since` on (see `could_tell`)."""
    return _could_tell(_iso_date(index.documents[int(index.spans.chunk_doc[chunk])].date),
                       index.chunk_text(chunk), since)


def could_tell(index: IndexData, sentence: int, since: str) -> bool:
    """Whether a sentence may tell of what happened from `since` on: its source is undated or not older (at
    the precision both dates have), or the sentence itself names a year as late (a 2020 article on a
    withdrawal "by May 2021")."""
    return _could_tell(source_date(index, sentence), index.sentence_text(sentence), since)


def older(written: str, since: str) -> bool:
    """Whether an ISO date is before `since`, at the precision both have ("2023" is not before "2023-05")."""
    precision = min(len(written), len(since))
    return bool(written) and written[:precision] < since[:precision]


def _could_tell(written: str, text: str, since: str) -> bool:
    return not older(written, since) or any(m["year"] >= since[:4] for m in _DATE.finditer(text))


def _iso_date(date: str) -> str:
    return date if ISO_DATE.fullmatch(date) else ""


def _iso(found: re.Match) -> str:
    return f"{found['year']}-{month_number(found['month'])}" if found["month"] else found["year"]
