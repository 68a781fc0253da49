"""The web app, for real: a launched server, gradio_client, and headless Chromium driven by Playwright."""

from __future__ import annotations

import shutil
import urllib.request
from pathlib import Path

import pytest
from conftest import ROOT, copy_corpus
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from serving import start_server, stop_server

from qa import answer, build_index

SHOTS = ROOT / "tests" / "screenshots"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
HOSTILE = """---
title: "<script>window.__pwned = 1</script> Hostile <img src=x onerror=window.__pwned=2>"
authors: ["<b>Mallory</b>"]
date: "2024-01-01"
---
The Wakhan corridor customs post reported <script>window.__pwned = 3</script> a record
<img src=x onerror="window.__pwned=4"> number of camel caravans in 2024.
Officials said the *caravans* carried [salt](javascript:alert(1)) and wool to the Chinese border.
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A real `qa serve` on a private corpus copy (with one hostile document) and index."""
    base = tmp_path_factory.mktemp("app")
    corpus = copy_corpus(base / "corpus")
    (corpus / "hostile.md").write_text(HOSTILE)
    index = base / "index"
    build_index(corpus, index)
    proc, url = start_server(corpus, index, QA_AUTH="ed:s3cret")
    yield url, corpus, index
    stop_server(proc)


@pytest.fixture(scope="module")
def client(server):
    from gradio_client import Client

    return Client(server[0], verbose=False)


def test_ask_endpoint_returns_a_cited_answer(client):
    result = client.predict("Why did Russia delist the Taliban?", None, api_name="/ask")
    assert result["grounded"] is True
    assert set(result) >= {"question", "answer", "grounded", "citations"}
    first = result["citations"][0]
    assert first["n"] == 1 and "[1]" in result["answer"]
    assert set(first) >= {"doc_id", "title", "authors", "date", "source", "quote", "start", "end", "passage",
                          "passage_start", "passage_end", "score"}
    assert first["quote"] in first["passage"]


def test_ask_endpoint_abstains(client):
    result = client.predict("Who won the 2022 FIFA World Cup?", None, api_name="/ask")
    assert result["grounded"] is False and result["citations"] == []
    assert "do not answer" in result["answer"]


def test_ask_endpoint_follow_up(client):
    first = client.predict("Which group attacked the Crocus City shopping center in Moscow?", None, api_name="/ask")
    history = [{"role": "user", "content": "Which group attacked the Crocus City shopping center in Moscow?"},
               {"role": "assistant", "content": first["answer"]}]
    result = client.predict("How many people did it kill?", history, api_name="/ask")
    assert result["grounded"] and any("143" in c["quote"] for c in result["citations"])
    assert result["read_as"] == ""  # "it" is looked up, not restated


def test_ask_endpoint_rejects_empty_question(client):
    with pytest.raises(Exception, match="empty"):
        client.predict("   ", None, api_name="/ask")


def test_document_view_escapes_and_404s(server):
    url, _, _ = server
    page = urllib.request.urlopen(f"{url}doc?id=hostile.md&start=10&end=40").read().decode()  # noqa: S310
    assert "<script>" not in page and "<img" not in page and "&#60;script&#62;" in page
    assert '<mark id="quote">' in page
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(f"{url}doc?id=../../etc/passwd")  # noqa: S310
    assert err.value.code == 404


# --- the browser ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run", "--disable-quic"])
        yield b
        b.close()


def _open_document(page, link):
    with page.expect_popup() as popup:
        link.click()
    doc = popup.value
    doc.wait_for_load_state()
    return doc


def _open_chat(browser, url: str, width: int = 1400):
    page = browser.new_page(viewport={"width": width, "height": 1000})
    page.goto(url)
    page.wait_for_selector("#qa-input textarea")
    return page


def _ask(page, question: str, wait_for: str):
    before = page.locator(wait_for).count()  # counted before sending: a fast reply must not be counted in
    page.fill("#qa-input textarea", question)
    page.click("#qa-send")
    try:
        page.wait_for_function(
            "([sel, n]) => document.querySelectorAll(sel).length > n", arg=[wait_for, before], timeout=60_000)
    except PlaywrightTimeout as exc:  # say what the page showed instead
        raise AssertionError(f"no {wait_for} after asking {question!r}; the page shows: "
                             f"{page.locator('body').inner_text()[:1500]!r}") from exc
    page.wait_for_timeout(300)


@pytest.mark.browser
def test_browser_question_citation_and_highlight(server, browser):
    url, _, index = server
    page = _open_chat(browser, url)
    _ask(page, "Why did Russia delist the Taliban?", ".qa-card[id]")
    page.screenshot(path=str(SHOTS / "answer.png"))
    caution = answer("Why did Russia delist the Taliban?", index_dir=index).caution  # as the API says
    assert page.locator("#qa-chat .qa-caution").all_inner_texts() == ([caution] if caution else [])
    marker = page.locator("a.qa-cite").nth(1)
    target = marker.get_attribute("href").lstrip("#")
    marker.click()
    card = page.locator(f"#{target}")
    page.wait_for_function("id => document.getElementById(id).classList.contains('qa-flash')", arg=target)
    assert card.is_visible()
    quote = card.locator("mark").inner_text()
    assert len(quote) > 20 and quote in card.locator(".qa-passage").inner_text()
    page.screenshot(path=str(SHOTS / "citation-clicked.png"))
    doc = _open_document(page, card.locator("a.qa-open"))
    assert doc.locator("mark#quote").inner_text() == quote
    doc.screenshot(path=str(SHOTS / "document.png"))
    _ask(page, "Who won the 2022 FIFA World Cup?", ".qa-related")
    assert "Not in the sources" in page.locator(".qa-abstain").last.inner_text()
    page.screenshot(path=str(SHOTS / "abstain.png"))
    page.click("#qa-clear")
    page.wait_for_function("() => document.querySelectorAll('a.qa-cite').length === 0")
    page.close()


@pytest.mark.browser
def test_browser_shows_how_a_follow_up_was_read(server, browser):
    url, _, _ = server
    page = _open_chat(browser, url)
    _ask(page, "What does China want from the Taliban?", ".qa-card[id]")
    _ask(page, "And what about Pakistan?", "#qa-cite-2-1")
    expected = "What does Pakistan want from the Taliban?"
    assert page.locator(".qa-turn-q").first.inner_text() == f"Q2: And what about Pakistan? read as: {expected}"
    assert page.locator("#qa-chat .qa-read-as").last.inner_text() == f"Read as: {expected}"
    page.close()


@pytest.mark.browser
def test_browser_shows_a_timeline_one_dated_quote_to_a_line(server, browser):
    url, _, index = server
    question = "Give me a timeline of Russia's relations with the Taliban."
    expected = answer(question, index_dir=index)
    page = _open_chat(browser, url)
    _ask(page, question, ".qa-card[id]")
    reply = page.locator("#qa-chat .qa-quote").last.locator("xpath=ancestor::*[contains(@class, 'message')][1]")
    lines = [line for line in reply.inner_text().splitlines()[1:] if line.strip() and "Copy with" not in line]
    assert len(lines) == len(expected.citations) >= 3
    shown = [c.label if not i or c.label != expected.citations[i - 1].label else "" for i, c in
             enumerate(expected.citations)]  # a label once over the quotes under it
    assert all(line.startswith(f"{label} “".lstrip()) and line.endswith(f"[{c.n}]")
               for label, c, line in zip(shown, expected.citations, lines))
    dated = page.locator(".qa-card[id] .qa-card-head .qa-label").all_inner_texts()  # each card under its date too
    assert dated == [c.label for c in expected.citations]
    page.close()


@pytest.mark.browser
def test_browser_copies_an_answer_with_its_sources_as_plain_text(server, browser):
    url, _, _ = server
    context = browser.new_context(viewport={"width": 1400, "height": 1000},
                                  permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    page.goto(url)
    page.wait_for_selector("#qa-input textarea")
    _ask(page, "Why did Russia delist the Taliban?", ".qa-card[id]")
    page.locator("button.qa-copy").last.click()
    page.wait_for_function("() => document.querySelector('button.qa-copy').textContent === 'Copied'")
    copied = page.evaluate("navigator.clipboard.readText()")
    quote = page.locator(".qa-card[id] mark").first.inner_text()
    title = page.locator(".qa-card[id] .qa-title").first.inner_text()
    assert copied.startswith("Why did Russia delist the Taliban?\n")
    assert quote in copied and "[1]" in copied and "\nSources:\n[1] " in copied and title in copied
    assert "<" not in copied and "&#" not in copied  # text, not markup
    context.close()


@pytest.mark.browser
def test_browser_hostile_document_renders_as_text(server, browser):
    url, _, _ = server
    page = _open_chat(browser, url)
    _ask(page, "What did the Wakhan corridor customs post report <img src=x onerror=window.__pwned=5>?",
         ".qa-card[id]")
    assert page.evaluate("window.__pwned") is None
    sources = page.locator("#qa-sources").inner_text()
    assert "<script>" in sources or "<img" in sources  # shown as text
    assert page.locator("#qa-sources script, #qa-sources img, #qa-chat img[src='x']").count() == 0
    page.screenshot(path=str(SHOTS / "hostile.png"))
    doc = _open_document(page, page.locator("a.qa-open").first)
    assert doc.evaluate("window.__pwned") is None and "<script>" in doc.locator("h1").inner_text()
    page.close()


@pytest.mark.browser
def test_browser_upload_rebuild_and_ask(server, browser, tmp_path):
    url, corpus, _ = server
    doc = tmp_path / "lapis trade.md"
    doc.write_text("---\ntitle: Lapis lazuli exports\ndate: 2024-06-01\n---\n"
                   "Badakhshan's lapis lazuli exports to China doubled in 2024, according to the mining ministry.\n")
    page = _open_chat(browser, url)
    page.get_by_role("tab", name="Documents").click()
    page.set_input_files("#qa-upload input[type=file]", str(doc))
    page.get_by_label("Access key (user:password)").fill("ed:wrong")
    page.click("#qa-rebuild")
    page.wait_for_selector("text=needs the access key", timeout=30_000)
    assert not (corpus / "lapis-trade.md").exists()
    page.get_by_label("Access key (user:password)").fill("ed:s3cret")
    page.click("#qa-rebuild")
    page.wait_for_selector("#qa-status >> text=Index rebuilt", timeout=120_000)
    assert (corpus / "lapis-trade.md").exists()
    assert "Lapis lazuli exports" in page.locator("#qa-docs").inner_text()
    page.screenshot(path=str(SHOTS / "documents.png"))
    page.get_by_role("tab", name="Ask").click()
    _ask(page, "How did Badakhshan's lapis lazuli exports change?", ".qa-card[id]")
    assert "lapis lazuli exports to China doubled" in page.locator("#qa-sources").inner_text()
    page.close()


@pytest.mark.browser
def test_browser_semi_bold_text_is_set_in_one_font(server, browser):
    """Gradio's semi-bold Source Sans Pro holds only "A" and "B": text at weight 600 (questions, card
    titles) must be set in a full face, not in whatever font stands in for its missing letters."""
    page = _open_chat(browser, server[0])
    widths = page.evaluate("""async () => {
        await document.fonts.load("600 20px 'Source Sans Pro'", 'Central');
        return ["'Source Sans Pro'", "'no such font'"].map(family => {
            const span = Object.assign(document.createElement('span'), {textContent: 'Central'});
            span.style.cssText = `font: 600 20px ${family}; position: absolute; white-space: nowrap`;
            document.body.append(span);
            return span.getBoundingClientRect().width;
        });
    }""")
    assert widths[0] != widths[1], widths  # the same width: both set in the browser's stand-in font
    page.close()


@pytest.mark.browser
def test_browser_remove_and_restore_a_source(server, client, browser):
    """A source removed in the Documents tab is set aside (not deleted), leaves the index and the table,
    and is no longer quoted; restored, it is quoted again; only with the access key."""
    url, corpus, index = server
    (corpus / "old-memo.md").write_text("---\ntitle: Old memo on saffron\ndate: 2020-01-01\n---\n"
                                        "Herat's saffron harvest tripled in 2019, the memo said.\n")
    build_index(corpus, index)
    page = _open_chat(browser, url)
    page.get_by_role("tab", name="Documents").click()
    page.wait_for_selector("#qa-docs >> text=Old memo on saffron")
    page.click("#qa-remove-choice input")
    page.get_by_role("option", name="old-memo.md").click()
    page.get_by_label("Access key (user:password)").fill("ed:wrong")
    page.click("#qa-remove")
    page.wait_for_selector("text=needs the access key", timeout=30_000)
    assert (corpus / "old-memo.md").exists()
    page.get_by_label("Access key (user:password)").fill("ed:s3cret")
    page.click("#qa-remove")
    page.wait_for_selector("#qa-status >> text=1 removed", timeout=120_000)
    assert not (corpus / "old-memo.md").exists() and (corpus / ".removed" / "old-memo.md").exists()
    assert "Old memo on saffron" not in page.locator("#qa-docs").inner_text()
    assert ".removed/old-memo.md" in page.locator("#qa-status").inner_text()
    page.click("#qa-remove-choice input")
    assert page.get_by_role("option", name="old-memo.md").count() == 0
    page.keyboard.press("Escape")
    page.screenshot(path=str(SHOTS / "documents-removed.png"))
    question = "How did Herat's saffron harvest change in 2019?"
    assert not any("saffron" in c["quote"] for c in client.predict(question, None, api_name="/ask")["citations"])
    # and back: the removed source is offered for restoring
    page.click("#qa-restore-choice input")
    page.get_by_role("option", name="old-memo.md").click()
    page.click("#qa-restore")
    page.wait_for_selector("#qa-status >> text=1 added", timeout=120_000)
    assert (corpus / "old-memo.md").exists() and not (corpus / ".removed" / "old-memo.md").exists()
    assert "Old memo on saffron" in page.locator("#qa-docs").inner_text()
    page.close()
    assert "tripled" in client.predict(question, None, api_name="/ask")["citations"][0]["quote"]


@pytest.mark.browser
def test_browser_on_a_phone_answers_and_documents_are_readable(server, browser):
    """At a phone's width the sources follow the chat, and the documents table scrolls sideways rather
    than squeezing its columns until headers wrap letter by letter."""
    url, _, _ = server
    page = _open_chat(browser, url, width=390)
    _ask(page, "Why did Russia delist the Taliban?", ".qa-card[id]")
    card = page.locator(".qa-card[id]").first.bounding_box()
    assert card["width"] > 250 and card["y"] > page.locator("#qa-send").bounding_box()["y"]
    page.get_by_role("tab", name="Documents").click()
    page.wait_for_selector("#qa-docs th")
    widths = page.eval_on_selector_all("#qa-docs th", "cells => cells.map(c => c.getBoundingClientRect().width)")
    assert len(widths) == 6 and min(widths) >= 70, widths
    viewport = "#qa-docs .virtual-table-viewport"
    assert page.eval_on_selector(viewport, "v => v.scrollWidth > v.clientWidth")
    table = page.locator("#qa-docs").inner_text()
    assert "UTC" in table and "The Soufan Center" in table  # credited as the cards credit it: no author, its publisher
    page.screenshot(path=str(SHOTS / "phone-documents.png"))
    page.close()
