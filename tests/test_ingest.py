"""Ingestion: cleaning rules, metadata, formats and bad files."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import CORPUS, write_pdf

from qa.chunking import split_sentences
from qa.ingest import IngestError, clean_text, derive_date, find_sources, load_document


def test_clean_text_removes_web_noise():
    raw = (
        "Title\n\nAfghan men at a market. Photo credit: Someone/dpa\n\n"
        "An agreement was [signed](#) and cost \\$2 trillion.\n\n"
        "Russia was also\n\nsupporting commanders in the north.\n\n"
        "Read the\nprint issue\nDownload\nGet the latest from JST\n"
        "How often would you like to hear from us?\nThank you! Your request was successfully submitted."
    )
    text = clean_text(raw)
    assert "An agreement was signed and cost $2 trillion." in text
    assert "Russia was also supporting commanders" in text
    for noise in ("Photo credit", "[signed]", "\\$", "print issue", "Get the latest", "Thank you"):
        assert noise not in text


def test_clean_text_is_deterministic_and_idempotent():
    raw = (CORPUS / "2020-ahmed-farasoo-akbarzadeh-taliban-regional-powers.md").read_text()
    once = clean_text(raw)
    assert clean_text(raw) == once
    assert clean_text(once) == once


def test_heading_is_not_glued_to_a_byline():
    text = clean_text("Exporting Instability\n\nby August 2023\n\nThe Taliban have ignited crises.")
    assert text.startswith("Exporting Instability\n\nby August 2023")


def test_bundled_corpus_metadata():
    docs = {p.name: load_document(p, CORPUS) for p in find_sources(CORPUS)}
    assert len(docs) == 5
    sakhi = docs["2023-08-sakhi-exporting-instability.md"]
    assert sakhi.authors == ["Nilofar Sakhi"] and sakhi.date == "2023-08" and sakhi.publisher == "JST"
    assert "Exporting Instability" in sakhi.title
    assert "Read the" not in sakhi.text and "Photo credit" not in sakhi.text
    assert all(d.title and d.date for d in docs.values())


@pytest.mark.parametrize("head,expected", [
    ("IS Presents Challenges\n2024-04-29307 view\nOn March 22", "2024-04-29"),
    ("A title\nMichael Hughes\nFebruary 11, 2023\nText", "2023-02-11"),
    ("A title\n\nby August 2023\n\nText", "2023-08"),
    ("A title\n\nEdition 4, 2020\n\nText", "2020"),
    ("No date here at all", ""),
    # a date in the first paragraph is what the text is about, not when it was written
    ("The 1973 oil crisis began in October 1973 when the members of OAPEC proclaimed an oil embargo.", ""),
    ("A title\nThe crisis began in October 1973.\nMarch 3, 2022", ""),
])
def test_derive_date(head, expected):
    assert derive_date(clean_text(head)) == expected


def test_metadata_derived_without_front_matter(tmp_path):
    (tmp_path / "note.txt").write_text("A Plain Title\nJane Doe\nMarch 3, 2022\n\nThe body says something useful.")
    doc = load_document(tmp_path / "note.txt", tmp_path)
    assert doc.title == "A Plain Title" and doc.date == "2022-03-03" and doc.doc_id == "note.txt"
    assert doc.authors == ["Jane Doe"]


@pytest.mark.parametrize("text,authors", [
    ("Title\n\nBy Jane Doe and John Smith\n\nThe body.", ["Jane Doe", "John Smith"]),
    # the seed articles' bylines: a link stub with honorifics, and an author box at the end after a dateless "by"
    ("Title\n\nEdition 4, 2020\n\n[Dr Zahid Shahab Ahmed, Abbas Farasoo and Professor Shahram Akbarzadeh](#)\n\n"
     "The Taliban appears to be on a diplomatic front foot.",
     ["Zahid Shahab Ahmed", "Abbas Farasoo", "Shahram Akbarzadeh"]),
    ("Title\n\nby August 2023\n\nThe body says a lot.\n\nNilofar Sakhi\nNilofar Sakhi is a nonresident senior fellow.",
     ["Nilofar Sakhi"]),
    ("Title\n\nThe body.\n\n*Authors: [Jane Doe](#) and [J. Roe](#). They work at a university.*",
     ["Jane Doe", "J. Roe"]),
    # no byline: a heading, a date, a place named all through the text
    ("Title\nCentral Asia\nThe body.", []),
    ("Title\n2024-04-29307 view\nOn March 22, militants attacked.", []),
    ("Title\nIran Relations\nIran is large. Iran borders Afghanistan. Iran and Iran.", []),
])
def test_authors_derived_from_a_byline_without_front_matter(tmp_path, text, authors):
    (tmp_path / "a.md").write_text(text)
    assert load_document(tmp_path / "a.md", tmp_path).authors == authors


@pytest.mark.parametrize("text,publisher", [
    ("Title\n\nWASHINGTON DC (The Soufan Center): Jihadist veterans maintain connections.", "The Soufan Center"),
    ("Title\nLONDON (Reuters) - Talks resumed on Monday.", "Reuters"),
    ("Title\nThe US (and others): talks resumed.", ""),
])
def test_publisher_derived_from_a_dateline_without_front_matter(tmp_path, text, publisher):
    (tmp_path / "a.txt").write_text(text)
    assert load_document(tmp_path / "a.txt", tmp_path).publisher == publisher


def test_front_matter_naming_no_author_is_kept(tmp_path):
    (tmp_path / "a.md").write_text('---\nauthors: []\n---\nTitle\nJane Doe\nThe body.')
    assert load_document(tmp_path / "a.md", tmp_path).authors == []


def test_html_keeps_main_text_only(tmp_path):
    (tmp_path / "page.html").write_text(
        "<html><head><title>Water talks</title><script>alert('x')</script></head><body>"
        "<nav>Home | About | Subscribe</nav><article><h1>Water talks</h1>"
        "<p>Iran and Afghanistan met to discuss the Helmand River water flow in 2023.</p>"
        "<p>The commission agreed to meet again next spring.</p></article>"
        "<footer>Copyright footer links</footer></body></html>"
    )
    doc = load_document(tmp_path / "page.html", tmp_path)
    assert "Helmand River water flow" in doc.text and "commission agreed" in doc.text
    assert "alert" not in doc.text and "Home | About" not in doc.text
    assert doc.title == "Water talks"


def test_pdf_text_layer(tmp_path):
    write_pdf(tmp_path / "report.pdf", "Tajikistan proposed a safety belt around Afghanistan.")
    doc = load_document(tmp_path / "report.pdf", tmp_path)
    assert "safety belt around Afghanistan" in doc.text


@pytest.mark.parametrize("name,content,reason", [
    ("empty.txt", b"", "empty"),
    ("blank.md", b"   \n\n  ", "empty"),
    ("junk.txt", bytes(range(256)) * 20, "binary"),
    ("broken.pdf", b"%PDF-1.4 this is not really a pdf", "PDF"),
])
def test_bad_files_raise_a_reason(tmp_path, name, content, reason):
    (tmp_path / name).write_bytes(content)
    with pytest.raises(IngestError, match=reason):
        load_document(tmp_path / name, tmp_path)


def test_scanned_pdf_is_reported(tmp_path):
    write_pdf(tmp_path / "scan.pdf", None)
    with pytest.raises(IngestError, match="no text layer"):
        load_document(tmp_path / "scan.pdf", tmp_path)


def test_latin1_and_utf16_text(tmp_path):
    text = "Caf\u00e9 talks in Kabul were held by the minister and his d\u00e9l\u00e9gation.\n"
    (tmp_path / "latin.txt").write_bytes(text.encode("latin-1"))
    (tmp_path / "wide.txt").write_bytes(text.encode("utf-16"))
    assert "d\u00e9l\u00e9gation" in load_document(tmp_path / "latin.txt", tmp_path).text
    assert "d\u00e9l\u00e9gation" in load_document(tmp_path / "wide.txt", tmp_path).text


def test_sentence_spans_are_exact():
    doc = load_document(CORPUS / "2024-04-29-is-challenges-opportunities-taliban.md", CORPUS)
    spans = split_sentences(doc.text)
    assert len(spans) > 40
    for s in spans:
        piece = doc.text[s.start:s.end]
        assert piece == piece.strip() and piece
    texts = [doc.text[s.start:s.end] for s in spans]
    assert "Moscow moved quickly." in texts


def test_a_hard_wrapped_sentence_is_one_sentence_and_a_heading_stays_apart(tmp_path):
    """A plain-text file wrapped at a fixed width breaks sentences across lines: each is still one sentence,
    quoted with its line breaks; a heading, a byline, a list item or a finished line stays apart."""
    (tmp_path / "wrapped.txt").write_text(
        "Russia and the Taliban\n"
        "Michael Hughes\n"
        "The customs post on the Wakhan corridor reported a record\n"
        "number of caravans in 2024, carrying salt,\n"
        "Wool and lapis to the border. Officials said so.\n"
        "- salt\n"
        "- wool\n")
    doc = load_document(tmp_path / "wrapped.txt", tmp_path)
    texts = [doc.text[s.start:s.end] for s in split_sentences(doc.text)]
    assert texts == ["Russia and the Taliban", "Michael Hughes",
                     "The customs post on the Wakhan corridor reported a record\nnumber of caravans in 2024, "
                     "carrying salt,\nWool and lapis to the border.", "Officials said so.", "- salt", "- wool"]


def test_find_sources_skips_readme_and_hidden(tmp_path: Path):
    for name in ("README.md", ".hidden.md", "a.md", "b.pdf", "c.docx"):
        (tmp_path / name).write_text("x")
    assert [p.name for p in find_sources(tmp_path)] == ["a.md", "b.pdf"]
