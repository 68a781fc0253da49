"""The Gradio web chat. It only calls `qa`'s public API; all rendering escapes corpus and user text."""

from __future__ import annotations

import hmac
from datetime import datetime, timezone
from pathlib import Path

import gradio as gr
import uvicorn
from fastapi import FastAPI, HTTPException, Query
from fastapi.responses import HTMLResponse

import qa
from ui.render import APP_CSS, APP_HEAD, answer_html, cards_html, document_page, esc

EXAMPLES = [
    "Why did Russia delist the Taliban?",
    "What divides Iran and the Taliban?",
    "Why are Central Asian countries wary of the Taliban?",
    "How much has ISKP grown since the Taliban took over?",
    "Compare Russia's and Iran's approaches to the Taliban",
    "Timeline of Russia's relations with the Taliban",
]
DOC_COLUMNS = ["title", "by", "date", "source", "chunks", "indexed"]
# In pixels, not shares of the page: on a phone the table scrolls sideways instead of wrapping each
# header letter by letter.
DOC_WIDTHS = ["340px", "190px", "100px", "270px", "80px", "180px"]


def _documents_table(settings: qa.Settings) -> list[list]:
    try:
        rows = qa.list_documents(settings=settings)
    except qa.QAError:
        return []
    return [[row["title"], row["by"] or "not stated", row["date"] or "undated", row["source"], row["chunks"],
             _when(row["indexed_at"])] for row in rows]


def _when(iso: str) -> str:
    """"2026-11-30 00:39 UTC" for the index's ISO time stamp."""
    try:
        return datetime.fromisoformat(iso).astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    except (TypeError, ValueError):
        return str(iso)


def _check_auth(settings: qa.Settings, credentials: str) -> None:
    if settings.auth and not hmac.compare_digest(credentials.strip().encode(), settings.auth.encode()):
        raise gr.Error("Changing the sources needs the access key (user:password) set by QA_AUTH / --auth.")


def _responder(settings: qa.Settings):
    """The chat's handler."""

    def respond(message: str, chat: list, history: list, turns: list):
        """Stream the answer quote by quote; cards for every turn go in the side panel."""
        if not (message or "").strip():
            yield chat, history, turns, cards_html(turns), ""
            return
        chat = [*chat, {"role": "user", "content": esc(message)}]
        yield ([*chat, {"role": "assistant", "content": '<span class="qa-wait">Searching the sources…</span>'}],
               history, turns, cards_html(turns), "")
        try:
            result = qa.answer(message, history, settings=settings).to_dict()
        except (ValueError, qa.QAError) as exc:
            chat = [*chat, {"role": "assistant", "content": f'<span class="qa-abstain">{esc(str(exc))}</span>'}]
            yield chat, history, turns, cards_html(turns), ""
            return
        earlier_cards = cards_html(turns)
        turn = len(turns) + 1
        turns = [*turns, (turn, message, result)]
        history = [*history, {"role": "user", "content": message},
                   {"role": "assistant", "content": result["answer"]}]
        pieces = answer_html(result, turn)
        for i in range(1, len(pieces) + 1):  # this turn's cards appear with its last quote
            yield ([*chat, {"role": "assistant", "content": " ".join(pieces[:i])}], history, turns,
                   cards_html(turns) if i == len(pieces) else earlier_cards, "")
    return respond


def _rebuilder(settings: qa.Settings):
    """The Documents tab's handler: save the uploaded files, rebuild the index."""

    def upload_and_rebuild(files, credentials: str, progress=gr.Progress()):  # noqa: B008 (Gradio's idiom)
        _check_auth(settings, credentials or "")
        added = []
        for f in files or []:
            path = Path(f if isinstance(f, str) else f.name)
            try:
                added.append(qa.add_source(path.name, path.read_bytes(), settings=settings).name)
            except qa.QAError as exc:
                raise gr.Error(str(exc)) from exc
        note = "Saved: " + ", ".join(esc(a) for a in added) if added else ""
        return *_rebuild(settings, progress, note), None

    return upload_and_rebuild


def _mover(settings: qa.Settings, move, unchosen: str, done: str):
    """A Documents tab handler that moves a source (`qa.remove_source`, `qa.restore_source`), then rebuilds
    the index; `done` says what happened, with {name} and {where} (relative to the corpus folder)."""

    def move_and_rebuild(name: str | None, credentials: str, progress=gr.Progress()):  # noqa: B008
        _check_auth(settings, credentials or "")
        if not name:
            raise gr.Error(unchosen)
        try:
            moved = move(name, settings=settings)
        except qa.QAError as exc:
            raise gr.Error(str(exc)) from exc
        where = moved.relative_to(settings.corpus_dir.resolve()).as_posix()
        return _rebuild(settings, progress, done.format(name=esc(name), where=esc(where)))

    return move_and_rebuild


def _rebuild(settings: qa.Settings, progress, note: str) -> tuple[str, list[list], dict, dict]:
    """Rebuild the index: the status, the documents table, and the menus of sources to remove and to
    restore."""
    try:
        report = qa.build_index(settings=settings, progress=lambda frac, msg: progress(frac, desc=msg))
    except qa.QAError as exc:
        raise gr.Error(str(exc)) from exc
    lines = [f"**Index rebuilt** in {report.seconds:.1f} s: {len(report.added)} added, "
             f"{len(report.updated)} updated, {len(report.removed)} removed, {len(report.unchanged)} unchanged."]
    if note:
        lines.append(note)
    for source, reason in report.failed.items():
        lines.append(f"Skipped {esc(source)}: {esc(reason)}")
    return "\n\n".join(lines), _documents_table(settings), *_menus(settings)


def _menus(settings: qa.Settings) -> tuple[dict, dict]:
    """The choices of the remove menu (the indexed sources) and of the restore menu (the removed ones)."""
    try:
        indexed = sorted(row["source"] for row in qa.list_documents(settings=settings))
    except qa.QAError:
        indexed = []
    return gr.update(choices=indexed, value=None), gr.update(choices=qa.removed_sources(settings=settings), value=None)


def _asker(settings: qa.Settings):
    """The /ask API endpoint."""

    def ask(question: str, history: list[dict] | None = None) -> dict:
        """Answer a question with cited quotes; returns Answer.to_dict()."""
        try:
            return qa.answer(question, history, settings=settings).to_dict()
        except (ValueError, qa.QAError) as exc:
            raise gr.Error(str(exc)) from exc
    return ask


def build_blocks(settings: qa.Settings) -> gr.Blocks:
    respond, upload_and_rebuild = _responder(settings), _rebuilder(settings)
    remove_and_rebuild = _mover(settings, qa.remove_source, "Choose the source to remove.",
                                "Moved {name} to {where}; it can be restored.")
    restore_and_rebuild = _mover(settings, qa.restore_source, "Choose the removed source to restore.",
                                 "Restored {where}.")
    with gr.Blocks(title="Cited answers: Afghanistan and its neighbours") as demo:
        gr.Markdown("## Cited answers\nEvery answer is quoted word for word from the sources, with numbered "
                    "citations. Click a number to see the passage; questions the sources do not answer are "
                    "declined, and answers on weaker evidence say so.")
        history = gr.State([])
        turns = gr.State([])
        with gr.Tab("Ask"):
            with gr.Row(equal_height=False):
                with gr.Column(scale=3):
                    chat = gr.Chatbot(label="Conversation", height=520, elem_id="qa-chat",
                                      buttons=[], feedback_options=None)
                    with gr.Row():
                        box = gr.Textbox(placeholder="Ask about the sources, e.g. Why did Russia delist the Taliban?",
                                         show_label=False, scale=5, max_length=settings.max_question_chars,
                                         elem_id="qa-input", submit_btn=False)
                        send = gr.Button("Ask", variant="primary", scale=1, elem_id="qa-send")
                    gr.Examples(EXAMPLES, inputs=box, label="Try")
                    clear = gr.Button("New chat", variant="secondary", elem_id="qa-clear")
                with gr.Column(scale=2):
                    gr.Markdown("### Sources")
                    sources = gr.HTML(cards_html([]), elem_id="qa-sources")
        with gr.Tab("Documents"):
            table = gr.Dataframe(value=lambda: _documents_table(settings), headers=DOC_COLUMNS,
                                 interactive=False, wrap=True, elem_id="qa-docs",
                                 column_widths=DOC_WIDTHS)
            gr.Markdown("**Add sources** (.txt, .md, .html, .pdf) and rebuild the index. The chat switches "
                        "to the new index as soon as it is built.")
            files = gr.File(file_count="multiple", file_types=[".txt", ".md", ".html", ".htm", ".pdf"],
                            label="Files to add", elem_id="qa-upload")
            credentials = gr.Textbox(label="Access key (user:password)", type="password",
                                     visible=bool(settings.auth))
            rebuild = gr.Button("Add files and rebuild the index", variant="primary", elem_id="qa-rebuild")
            gr.Markdown("**Remove a source** and rebuild the index. The file is moved to the corpus folder's "
                        "`.removed/`, which is not indexed, and can be restored here.")
            with gr.Row():
                removable = gr.Dropdown(label="Source to remove", choices=[], elem_id="qa-remove-choice")
                restorable = gr.Dropdown(label="Removed source to restore", choices=[], elem_id="qa-restore-choice")
            with gr.Row():
                remove = gr.Button("Remove it and rebuild the index", variant="stop", elem_id="qa-remove")
                restore = gr.Button("Restore it and rebuild the index", elem_id="qa-restore")
            status = gr.Markdown(elem_id="qa-status")

        outputs = [chat, history, turns, sources, box]
        box.submit(respond, [box, chat, history, turns], outputs, api_visibility="private")
        send.click(respond, [box, chat, history, turns], outputs, api_visibility="private")
        clear.click(lambda: ([], [], [], cards_html([]), ""), None, outputs, api_visibility="private")
        menus = [removable, restorable]
        rebuild.click(upload_and_rebuild, [files, credentials], [status, table, *menus, files],
                      api_visibility="private", concurrency_limit=1, concurrency_id="rebuild")
        remove.click(remove_and_rebuild, [removable, credentials], [status, table, *menus],
                     api_visibility="private", concurrency_limit=1, concurrency_id="rebuild")
        restore.click(restore_and_rebuild, [restorable, credentials], [status, table, *menus],
                      api_visibility="private", concurrency_limit=1, concurrency_id="rebuild")
        demo.load(lambda: _menus(settings), None, menus, api_visibility="private")
        gr.api(_asker(settings), api_name="ask")
    demo.queue(default_concurrency_limit=settings.concurrency_limit, max_size=settings.max_queue)
    return demo


def build_app(settings: qa.Settings) -> FastAPI:
    """FastAPI app: the chat at /, the whole-document view at /doc."""
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)

    @app.get("/doc", response_class=HTMLResponse)
    def document(id: str = Query(..., max_length=1000), start: int = 0, end: int = 0) -> str:  # noqa: A002
        try:
            doc = qa.get_document(id, settings=settings)
        except KeyError:
            raise HTTPException(404, "No such document in the index") from None
        return document_page(doc, start, end)

    demo = build_blocks(settings)
    return gr.mount_gradio_app(app, demo, path="/", css=APP_CSS, head=APP_HEAD, footer_links=["api"],
                               max_file_size=settings.max_upload_bytes, show_error=True)


def warm_up(settings: qa.Settings) -> None:
    """Load the model and index before the first visitor, so nobody waits seconds for their first answer."""
    try:
        qa.answer("warm-up", settings=settings)
    except qa.QAError as exc:
        print(f"warning: {exc}", flush=True)


def launch(settings: qa.Settings) -> None:
    warm_up(settings)
    app = build_app(settings)
    print(f"Serving on http://{settings.host}:{settings.port}", flush=True)
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="warning")
