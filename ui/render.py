"""HTML for answers, source cards and the document view. Every piece of corpus or user text goes
through `esc`, which leaves nothing that HTML or markdown would interpret."""

from __future__ import annotations

import html
from urllib.parse import urlencode

from qa import credit as source_credit

_ENTITIES = {c: f"&#{ord(c)};" for c in "&<>\"'`*_[]()#|~\\!{}$"}


def esc(text: str) -> str:
    """Text as inert HTML: markup characters and markdown punctuation become numeric entities."""
    return _inert(text).replace("\n", "<br>")


def esc_keeping_lines(text: str) -> str:
    """`esc`, with line breaks kept as characters rather than shown as breaks (for text to copy)."""
    return _inert(text).replace("\n", "&#10;")


def _inert(text: str) -> str:
    return "".join(_ENTITIES.get(ch, ch) for ch in text)


def credit(c: dict) -> str:
    """Who a citation is credited to: its authors, else its publisher."""
    return source_credit(c["authors"], c["publisher"]) or "Author not stated"


def byline(c) -> str:
    return f"{esc(credit(c))} · {esc(c['date'] or 'undated')}"


def answer_html(result: dict, turn: int) -> list[str]:
    """The answer as a list of pieces (streamed one by one): each quote with its marker link, the last
    one followed by a button that copies the answer as plain text with its sources."""
    read_as = _read_as(result, "Read as") + "<br>" if result.get("read_as") else ""
    if not result["grounded"]:
        hint = "Try rephrasing, or see the possibly related passages under Sources." if result.get("related") \
            else "Try rephrasing."
        return [f'{read_as}<span class="qa-abstain"><strong>Not in the sources.</strong> {esc(result["answer"])} '
                f'{hint}</span>']
    apart = "<br>" if listed(result) else ""
    pieces, label = [], ""
    for i, c in enumerate(result["citations"]):
        shown = _label(c) if c.get("label") != label else ""  # a label once over the quotes under it
        label = c.get("label")
        pieces.append(f'{apart if i else ""}{shown}<span class="qa-quote">{quoted(c["quote"])}</span>&nbsp;'
                      f'<a class="qa-cite" href="#qa-cite-{turn}-{c["n"]}" title="{esc(c["title"])}">[{c["n"]}]</a>')
    caution = f'<span class="qa-caution">{esc(result["caution"])}</span><br>' if result.get("caution") else ""
    pieces[0] = read_as + caution + pieces[0]
    # The text to copy rides in a hidden element: the chat's sanitizer drops data attributes.
    pieces[-1] += (f'<br><span class="qa-copy-text">{esc_keeping_lines(plain_answer(result))}</span>'
                   '<button class="qa-copy" type="button">Copy with sources</button>')
    return pieces


def listed(result: dict) -> bool:
    """Whether the answer lists its quotes one to a line, under labels (a timeline's dates, a comparison's
    sides, the authors of several sources summed up)."""
    return any(c.get("label") for c in result["citations"])


def _label(c: dict) -> str:
    return f'<strong class="qa-label">{esc(c["label"])}</strong> ' if c.get("label") else ""


def _read_as(result: dict, label: str) -> str:
    """How a follow-up was read (`Answer.read_as`), to show beside it."""
    return f'<span class="qa-read-as">{label}: {esc(result["read_as"])}</span>'


def plain_answer(result: dict) -> str:
    """The question, its quotes and a numbered list of their sources, as plain text to paste elsewhere."""
    quotes = ("\n" if listed(result) else " ").join(
        f"{c['label'] + ': ' if c.get('label') else ''}{quoted_plain(c['quote'])} [{c['n']}]"
        for c in result["citations"])
    sources = [f"[{c['n']}] {credit(c)}, “{c['title']}”, {c['date'] or 'undated'}. {c['source']}"
               for c in result["citations"]]
    asked = f'{result["question"]} (read as: {result["read_as"]})' if result.get("read_as") else result["question"]
    caution = [result["caution"], ""] if result.get("caution") else []
    return "\n".join([asked, "", *caution, quotes, "", "Sources:", *sources])


def quoted(quote: str) -> str:
    """The quote in quotation marks, escaped; one that is itself a quotation keeps only its own marks."""
    return esc(quoted_plain(quote))


def quoted_plain(quote: str) -> str:
    inner = quote[1:-1]
    if len(quote) > 1 and quote[0] in "“\"" and quote[-1] in "”\"" and not any(m in inner for m in "“”\""):
        return quote
    return f"“{quote}”"


def doc_link(c: dict) -> str:
    query = urlencode({"id": c["doc_id"], "start": c["start"], "end": c["end"]})
    return f"doc?{query}#quote"


def card(c: dict, turn: int, related: bool = False) -> str:
    """A source card: its number and label (a timeline's date, a comparison's side), title, authors, date,
    and the quote highlighted inside its passage."""
    before = c["passage"][: c["start"] - c["passage_start"]]
    after = c["passage"][c["end"] - c["passage_start"]:]
    number = "" if related else f'<span class="qa-num">[{c["n"]}]</span> {_label(c)}'
    ident = "" if related else f' id="qa-cite-{turn}-{c["n"]}"'
    return (
        f'<div class="qa-card{" qa-related" if related else ""}"{ident}>'
        f'<div class="qa-card-head">{number}<span class="qa-title">{esc(c["title"])}</span></div>'
        f'<div class="qa-meta">{byline(c)} · <span class="qa-src">{esc(c["source"])}</span></div>'
        f'<div class="qa-passage">{esc(before)}<mark>{esc(c["quote"])}</mark>{esc(after)}</div>'
        f'<a class="qa-open" href="{html.escape(doc_link(c))}" target="_blank" rel="noopener">'
        "Open the whole document at this quote ↗</a></div>"
    )


def cards_html(turns: list[tuple[int, str, dict]]) -> str:
    """Cards for every answered turn, newest first."""
    if not turns:
        return ('<div class="qa-empty">Sources appear here: every quote in an answer is numbered, and its '
                "card shows where it comes from.</div>")
    blocks = []
    for turn, question, result in reversed(turns):
        read_as = " " + _read_as(result, "read as") if result.get("read_as") else ""
        head = f'<div class="qa-turn-q">Q{turn}: {esc(question)}{read_as}</div>'
        if result["grounded"]:
            body = "".join(card(c, turn) for c in result["citations"])
        elif result.get("related"):
            body = ('<div class="qa-related-head">Possibly related passages — not an answer</div>'
                    + "".join(card(c, turn, related=True) for c in result["related"]))
        else:
            body = '<div class="qa-empty">No related passages.</div>'
        blocks.append(f'<section class="qa-turn">{head}{body}</section>')
    return "".join(blocks)


def document_page(doc, start: int, end: int) -> str:
    """A standalone page with the whole display text and the cited span marked."""
    text = doc.text
    start, end = max(0, min(start, len(text))), max(0, min(end, len(text)))
    if end < start:
        start, end = end, start
    authors = ", ".join(doc.authors) or "Author not stated"
    body = f'{esc(text[:start])}<mark id="quote">{esc(text[start:end])}</mark>{esc(text[end:])}'
    return (
        "<!doctype html><html><head><meta charset='utf-8'><meta name='viewport' content='width=device-width'>"
        f"<title>{esc(doc.title)}</title><style>{DOC_CSS}</style></head><body><main>"
        f"<h1>{esc(doc.title)}</h1><p class='meta'>{esc(authors)} · {esc(doc.date or 'undated')}"
        f"{' · ' + esc(doc.publisher) if doc.publisher else ''} · {esc(doc.source)}</p>"
        f"<article>{body}</article></main></body></html>"
    )


DOC_CSS = """
body{font:17px/1.6 Georgia,serif;background:#fafaf7;color:#1d1d1d;margin:0}
main{max-width:46rem;margin:2rem auto;padding:0 1.2rem}
h1{font:600 1.6rem/1.3 system-ui,sans-serif} .meta{color:#555;font:14px system-ui,sans-serif}
mark{background:#ffe08a;padding:.1em 0;scroll-margin-top:40vh}
article br{display:block;content:"";margin-top:.7em}
"""

# Gradio's bundled Source Sans Pro at weight 600 holds only "A", "B" and some Cyrillic, so semi-bold text
# mixed its "A" with a fallback font's other letters ("Asim", "Central Asia"); weight 600 gets the full bold
# face instead (declared after Gradio's, so it is the one used).
APP_CSS = """
@font-face{font-family:'Source Sans Pro';font-weight:600;font-style:normal;
  src:url('static/fonts/SourceSansPro/SourceSansPro-Bold.woff2') format('woff2')}
.qa-quote{font-style:italic}
.qa-cite{font-weight:600;text-decoration:none;color:#1d4ed8;cursor:pointer;padding:0 .1em}
.qa-cite:hover{text-decoration:underline}
.qa-abstain{display:block;border-left:4px solid #b45309;background:#fff7ed;color:#7c2d12;padding:.5em .8em;
  border-radius:4px}
.qa-wait{color:#6b7280;font-style:italic}
.qa-caution{display:inline-block;font-size:.85em;color:#92400e;background:#fffbeb;border:1px solid #fcd34d;
  border-radius:4px;padding:.15em .5em;margin-bottom:.3em}
.qa-copy-text{display:none}
.qa-copy{margin-top:.5em;font-size:.8em;padding:.2em .7em;border:1px solid #d1d5db;border-radius:6px;
  background:#fff;color:#374151;cursor:pointer}
.qa-copy:hover{border-color:#1d4ed8;color:#1d4ed8}
#qa-sources{max-height:72vh;overflow-y:auto}
.qa-turn{margin-bottom:1.2em}
.qa-turn-q{font-weight:600;font-size:.9em;color:#374151;margin:.2em 0 .4em}
.qa-read-as{font-weight:400;font-style:normal;font-size:.85em;color:#6b7280}
.qa-card{border:1px solid #d1d5db;border-radius:8px;padding:.6em .8em;margin:.5em 0;background:#fff;color:#111;
  transition:box-shadow .3s,border-color .3s}
.qa-card.qa-flash{border-color:#1d4ed8;box-shadow:0 0 0 3px #93c5fd}
.qa-related{background:#f9fafb;border-style:dashed}
.qa-related-head{font-size:.85em;color:#92400e;font-weight:600}
.qa-card-head{font-weight:600} .qa-num{color:#1d4ed8} .qa-card-head .qa-label::after{content:" ·"}
.qa-meta{font-size:.8em;color:#4b5563;margin:.15em 0 .4em}
.qa-passage{font-size:.88em;line-height:1.45;color:#374151}
.qa-passage mark{background:#fde68a;color:#111;padding:0 .1em}
.qa-open{font-size:.8em}
.qa-empty{color:#6b7280;font-size:.9em}
"""

APP_HEAD = """
<script>
function qaCopy(button) {
  // The clipboard API needs a secure context; served over plain http on a network it is missing.
  const source = button.previousElementSibling;
  const text = source ? source.textContent : '';
  const done = function () {
    button.textContent = 'Copied';
    setTimeout(function () { button.textContent = 'Copy with sources'; }, 1500);
  };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(text).then(done);
    return;
  }
  const area = document.createElement('textarea');
  area.value = text;
  area.style.position = 'fixed';
  area.style.opacity = '0';
  document.body.appendChild(area);
  area.select();
  document.execCommand('copy');
  area.remove();
  done();
}
document.addEventListener('click', function (event) {
  const copy = event.target.closest && event.target.closest('button.qa-copy');
  if (copy) {
    event.preventDefault();
    qaCopy(copy);
    return;
  }
  const link = event.target.closest && event.target.closest('a.qa-cite');
  if (!link) return;
  event.preventDefault();
  event.stopPropagation();
  const card = document.getElementById((link.getAttribute('href') || '').replace(/^#/, ''));
  if (!card) return;
  card.scrollIntoView({behavior: 'smooth', block: 'center'});
  card.classList.add('qa-flash');
  setTimeout(function () { card.classList.remove('qa-flash'); }, 2000);
}, true);
</script>
"""
