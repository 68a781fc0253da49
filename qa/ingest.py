"""Read a source file into a Document: extract text, clean web noise, find its metadata.

The cleaned *display text* is what every quote and offset refers to, so cleaning is a pure,
deterministic function of the file's bytes (and CLEANING_VERSION, which is part of the hash).
"""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
from datetime import date, datetime
from pathlib import Path

import yaml
from lemminflect import getAllLemmas

from qa.types import Document, QAError

SUPPORTED_SUFFIXES = (".txt", ".md", ".html", ".htm", ".pdf")
# 4: authors and publisher derived from a byline or dateline when metadata has none; 5: a date only from the
# opening lines before the prose
CLEANING_VERSION = "5"


class IngestError(QAError):
    """A file that cannot be read or parsed; the message is the reason."""


def find_sources(corpus_dir: Path) -> list[Path]:
    """Every supported file under `corpus_dir`, skipping hidden files and README files."""
    return [path for path in sorted(corpus_dir.rglob("*")) if is_source(path, corpus_dir)]


def is_source(path: Path, corpus_dir: Path) -> bool:
    """Whether `path`, inside `corpus_dir`, is a file the index reads: a supported type, neither hidden
    (nor in a hidden folder) nor a README."""
    rel = path.relative_to(corpus_dir)
    if any(part.startswith(".") for part in rel.parts) or path.name.lower().startswith("readme"):
        return False
    return path.is_file() and path.suffix.lower() in SUPPORTED_SUFFIXES


def content_hash(raw: bytes) -> str:
    return hashlib.sha256(CLEANING_VERSION.encode() + b"\0" + raw).hexdigest()


def load_document(path: Path, corpus_dir: Path, max_bytes: int = 50 * 1024 * 1024) -> Document:
    """Read, extract and clean one file. Raises IngestError with a reason a user can act on."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise IngestError(f"file too large ({size:,} bytes; the limit is {max_bytes:,}, QA_MAX_FILE_BYTES)")
        raw = path.read_bytes()
    except OSError as exc:
        raise IngestError(f"cannot read file: {exc.strerror or exc}") from exc
    if not raw.strip():
        raise IngestError("empty file")
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        text, meta = _extract_pdf(raw)
    elif suffix in (".html", ".htm"):
        text, meta = _extract_html(_decode(raw))
    else:
        text, meta = _split_front_matter(_decode(raw))
    display = clean_text(text)
    if len(display.split()) < 3:
        raise IngestError("no text left after cleaning")
    source = path.relative_to(corpus_dir).as_posix()
    return Document(
        doc_id=source,
        source=source,
        title=str(meta.get("title") or _derive_title(display, path)).strip(),
        authors=_as_list(meta.get("authors") or meta.get("author")) if _names_authors(meta)
        else derive_authors(display),
        date=_normalise_date(meta.get("date")) or derive_date(display),
        publisher=str(meta.get("publisher") or derive_publisher(display)).strip(),
        text=display,
        content_hash=content_hash(raw),
    )


# --- extraction ---------------------------------------------------------------------------


def _decode(raw: bytes) -> str:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16")
    if b"\x00" in raw:
        raise IngestError("binary file (NUL bytes), not text")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    text = raw.decode("cp1252", errors="replace")
    printable = sum(ch.isprintable() or ch in "\n\r\t" for ch in text)
    if "\ufffd" in text or printable < 0.97 * len(text):
        raise IngestError("undecodable text (not UTF-8, UTF-16 or Latin-1/Windows-1252)")
    return text


_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n---[ \t]*\n", re.S)


def _split_front_matter(text: str) -> tuple[str, dict]:
    match = _FRONT_MATTER.match(text.lstrip("\ufeff"))
    if not match:
        return text, {}
    try:
        meta = yaml.safe_load(match.group(1)) or {}
    except yaml.YAMLError as exc:
        raise IngestError(f"invalid front matter: {exc}") from exc
    if not isinstance(meta, dict):
        raise IngestError("front matter must be a mapping of keys to values")
    return text.lstrip("\ufeff")[match.end():], meta


def _extract_html(html: str) -> tuple[str, dict]:
    import trafilatura

    text = trafilatura.extract(html, include_comments=False, include_tables=True, favor_recall=True)
    if not text or len(text.split()) < 3:
        text = _html_fallback_text(html)
    meta = trafilatura.extract_metadata(html)
    found = {}
    if meta is not None:
        found = {"title": meta.title, "author": meta.author, "date": meta.date, "publisher": meta.sitename}
    return text, {k: v for k, v in found.items() if v}


def _html_fallback_text(html: str) -> str:
    """Visible text of short pages that trafilatura judges too small to extract."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    for tag in soup(["script", "style", "nav", "header", "footer", "aside", "form", "noscript", "template"]):
        tag.decompose()
    root = soup.find("article") or soup.find("main") or soup.body or soup
    blocks = [b.get_text(" ", strip=True) for b in root.find_all(["h1", "h2", "h3", "h4", "p", "li", "blockquote"])]
    return "\n\n".join(b for b in blocks if b) or root.get_text("\n", strip=True)


def _extract_pdf(raw: bytes) -> tuple[str, dict]:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(raw))
        pages = [page.extract_text() or "" for page in reader.pages]
        info = reader.metadata or {}
    except (PyPdfError, ValueError, KeyError, TypeError, OSError) as exc:
        raise IngestError(f"broken PDF: {exc}") from exc
    text = "\n\n".join(p.strip() for p in pages if p.strip())
    if not text.strip():
        raise IngestError("PDF has no text layer (scanned image?); run OCR first")
    meta = {"title": info.get("/Title"), "author": info.get("/Author")}
    created = info.get("/CreationDate")
    if isinstance(created, str) and re.match(r"D:\d{8}", created):
        meta["date"] = f"{created[2:6]}-{created[6:8]}-{created[8:10]}"
    return text, {k: v for k, v in meta.items() if v}


# --- cleaning -----------------------------------------------------------------------------

_LINK = re.compile(r"!?\[([^\]\n]*)\]\([^)\n]*\)")
_MD_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!$|>~])")
_HEADING = re.compile(r"^#{1,6}\s+")
_EMPHASIS = re.compile(r"(\*\*|__)(.+?)\1")
_WHOLE_LINE_ITALIC = re.compile(r"^[*_](?![*_\s])(.+?)(?<![*_\s])[*_]$")
_DATE_WITH_VIEWS = re.compile(r"^(\d{4}-\d{2}-\d{2})\s*\d+\s+views?$", re.I)
_BOILERPLATE = [
    re.compile(p, re.I)
    for p in (
        r"read the",
        r"(read the )?print issue",
        r"download( pdf| the pdf)?",
        r"get the latest from .{1,60}",
        r"how often would you like to hear from us\??",
        r"thank you!? your (request|subscription) (was|has been) (successfully )?(submitted|received)\.?",
        r".{0,40}\b(subscribe|sign up)\b.{0,40}\bnewsletter\b.{0,60}",
        r"(share|share this|share on .{1,30}|print|email|tweet|advertisement)",
        r"\d+\s+views?",
        r"doi:?",
        r"(related|recommended) (articles|posts|reading):?",
    )
]
_CREDIT = re.compile(r"\b(photo|image|picture)?\s*credits?:\s*\S", re.I)
SENTENCE_END = tuple(".!?:;\"”’)]")  # what a finished sentence or paragraph ends on


def clean_text(text: str) -> str:
    """Web-page text -> display text: no link stubs, escapes, markup, credits or footer prompts."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = _LINK.sub(r"\1", text)
    text = _MD_ESCAPE.sub(r"\1", text)
    lines = [_clean_line(line) for line in text.split("\n")]
    text = "\n".join(line for line in lines if line is not None)
    text = _join_broken_paragraphs(text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _clean_line(line: str) -> str | None:
    """The cleaned line, "" for a blank line, or None to drop it."""
    line = line.replace("\u00a0", " ").strip()
    line = _HEADING.sub("", line)
    line = _EMPHASIS.sub(r"\2", line)
    line = _WHOLE_LINE_ITALIC.sub(r"\1", line).strip()
    if not line:
        return ""
    views = _DATE_WITH_VIEWS.match(line)
    if views:
        return views.group(1)
    if any(p.fullmatch(line) for p in _BOILERPLATE):
        return None
    if _CREDIT.search(line) and len(line.split()) <= 40:
        return None
    return re.sub(r"[ \t]+", " ", line)


def _join_broken_paragraphs(text: str) -> str:
    """Rejoin a sentence that a page layout split across a blank line ("was also\\n\\nsupporting")."""
    paragraphs = text.split("\n\n")
    out: list[str] = []
    for para in paragraphs:
        if out and para[:1].islower() and _ends_mid_sentence(out[-1]):
            out[-1] = out[-1].rstrip() + " " + para.lstrip()
        else:
            out.append(para)
    return "\n\n".join(out)


def _ends_mid_sentence(para: str) -> bool:
    """Prose cut off mid-sentence, as opposed to a heading (no inner sentence end, capitalised)."""
    para = para.rstrip()
    if not para or para.endswith(SENTENCE_END):
        return False
    last_word = para.rsplit(None, 1)[-1]
    return last_word[:1].islower() or bool(re.search(r"[.!?]\s", para))


# --- metadata -----------------------------------------------------------------------------

MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
          "november", "december")
_MONTHS = {m: i for i, m in enumerate(MONTHS, start=1)}
# a month written out or short, as one group ("August", "Aug.", "Sept")
MONTH_RE = "(" + "|".join(_MONTHS) + r"|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec)\.?"
ISO_DATE = re.compile(r"\d{4}(?:-\d{2}){0,2}")  # "2024-04-29", "2023-08", "2020"
_DATE_PATTERNS = [
    (re.compile(r"\b(\d{4})-(\d{2})-(\d{2})"), lambda m: (m[1], m[2], m[3])),
    (re.compile(MONTH_RE + r"\s+(\d{1,2}),?\s+(\d{4})", re.I), lambda m: (m[3], month_number(m[1]), m[2])),
    (re.compile(r"\b(\d{1,2})\s+" + MONTH_RE + r"\s+(\d{4})", re.I), lambda m: (m[3], month_number(m[2]), m[1])),
    (re.compile(r"\b" + MONTH_RE + r"\s+(\d{4})\b", re.I), lambda m: (m[2], month_number(m[1]), None)),
    (re.compile(r"\b(19[5-9]\d|20\d\d)\b"), lambda m: (m[1], None, None)),
]


def month_number(name: str) -> str:
    """A month's number, two digits, from its name written out or short ("Sept.": "09")."""
    key = name.lower().rstrip(".")
    number = next(v for k, v in _MONTHS.items() if k.startswith(key[:3]))
    return f"{number:02d}"


def derive_date(text: str) -> str:
    """The first date in the opening lines before the first line of prose (a byline or dateline: "February
    11, 2023", "by August 2023"), as ISO or partial ISO; else "". A date in the first paragraph tells what
    the text is about ("The 1973 oil crisis began in October 1973 ..."), not when it was written."""
    for line in _lines(text)[:1 + OPENING_LINES]:
        if _is_prose(line):
            break
        for pattern, parts in _DATE_PATTERNS:
            match = pattern.search(line)
            if match:
                year, month, day = parts(match)
                return "-".join(f"{int(p):02d}" if i else p for i, p in enumerate((year, month, day)) if p)
    return ""


def _normalise_date(value) -> str:
    if isinstance(value, (date, datetime)):
        return value.isoformat()[:10]
    if value is None or value == "":
        return ""
    if ISO_DATE.fullmatch(str(value).strip()):
        return str(value).strip()
    return derive_date(str(value)) or str(value)


def _derive_title(text: str, path: Path) -> str:
    first = text.split("\n", 1)[0].strip()
    if 0 < len(first) <= 200:
        return first
    return path.stem.replace("_", " ").replace("-", " ")


def _names_authors(meta: dict) -> bool:
    """Whether the file's own metadata says who wrote it (an empty list says: no one is named)."""
    return meta.get("authors") is not None or meta.get("author") is not None


# A byline's cue, and a name's words: capitalised ("Hughes", "Al-Khatib"), an initial ("J."), or a particle
_BYLINE = re.compile(r"^(?:by|written by|authors?\s*:)\s+(?P<names>.+?)\.?$", re.I)
_HONORIFIC = re.compile(r"^(?:dr|prof|professor|mr|mrs|ms|sir|dame)\.?\s+", re.I)
_NAME_WORD = re.compile(r"[A-Z]\.|[A-Z][\w’'-]*[a-z][\w’'-]*|(?:al|bin|ibn|van|von|de|da|del|der|la|le|el)(?:-\w+)?")
_NAME_SEPARATOR = re.compile(r"\s*(?:,|;|&|\band\b)\s*")
OPENING_LINES = 6  # lines after the title where a byline may stand
CLOSING_LINES = 15  # lines at the end where an author box ("Jane Doe\nJane Doe is a fellow ...") may stand


def derive_authors(text: str) -> list[str]:
    """Who wrote a text that does not say so in metadata: a byline in its opening lines ("By Jane Doe and
    John Roe", "Dr Jane Doe, John Roe", or a line that is nothing but names), or an author box or
    "Authors: ..." line at its end; [] when none is sure. Only names of two to four words."""
    lines = _lines(text)
    for line in lines[1:1 + OPENING_LINES]:
        if _is_prose(line):
            break
        names, cued = _byline(line)
        if names and (cued or _bare_byline(names, text)):
            return names
    closing = lines[-CLOSING_LINES:]
    for line, after in zip(closing, [*closing[1:], ""]):
        names, cued = _byline(line)
        if names and (cued or len(names) == 1 and re.match(rf"{re.escape(names[0])},? (?:is|was|has)\b", after)):
            return names
    return []


# A wire-style dateline opening the text: "WASHINGTON DC (The Soufan Center): ...", "LONDON (Reuters) - ..."
_DATELINE = re.compile(r"^[A-Z][A-Z.,' -]{1,40}\((?P<publisher>[A-Z][^()\n]{1,60})\)\s*[:—–-]", re.M)


def derive_publisher(text: str) -> str:
    """The publisher a dateline in the opening lines names; else ""."""
    found = _DATELINE.search("\n".join(_lines(text)[:1 + OPENING_LINES]))
    return found["publisher"].strip() if found else ""


def _lines(text: str) -> list[str]:
    """The text's lines that are not blank."""
    return [line for line in text.split("\n") if line.strip()]


def _is_prose(line: str) -> bool:
    return len(line.split()) >= 15 or line.rstrip().endswith((".", "!", "?", "”", '"'))


def _byline(line: str) -> tuple[list[str], bool]:
    """The names a line gives, if it is nothing but names after any cue ("By", "Authors:"), and whether it
    has a cue."""
    cue = _BYLINE.match(line.strip())
    if cue:  # the names end with the first sentence ("Authors: Jane Doe. She teaches ..."), not an initial
        line = re.split(r"(?<=[a-z]{2})\.\s", cue["names"])[0]
    if any(ch.isdigit() for ch in line) or len(line) > 120:
        return [], bool(cue)
    names = [_HONORIFIC.sub("", part).strip(" .") for part in _NAME_SEPARATOR.split(line.strip()) if part.strip()]
    return (names if names and all(_is_name(name) for name in names) else []), bool(cue)


def _bare_byline(names: list[str], text: str) -> bool:
    """Whether a line of names without a cue is a byline: none of its first names is an ordinary word
    ("Central Asia" is a heading), and none of its words comes up in the text more than a byline and an
    author box would name it ("Iran Relations" heads a text about Iran)."""
    if any(getAllLemmas(name.split()[0].lower()) for name in names):
        return False
    return all(len(re.findall(rf"\b{re.escape(word)}\b", text)) <= 3 for name in names for word in name.split())


def _is_name(text: str) -> bool:
    words = text.split()
    return 2 <= len(words) <= 4 and words[0][:1].isupper() and words[-1][:1].isupper() and \
        all(_NAME_WORD.fullmatch(w) for w in words)


def _as_list(value) -> list[str]:
    if not value:
        return []
    if isinstance(value, str):
        parts = re.split(r"\s*(?:;|,| and )\s*", value)
        return [p.strip() for p in parts if p.strip()]
    return [str(v).strip() for v in value if str(v).strip()]
