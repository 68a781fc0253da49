"""`qa index | ask | serve | eval` — thin shells over the public API."""

from __future__ import annotations

import argparse
import json
import os
import sys
import textwrap

from qa.settings import Settings
from qa.types import QAError, credit


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="qa", description="Cited answers from your own sources.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("index", help="build or refresh the index from the corpus folder")
    p.add_argument("--corpus", help="corpus folder (default: corpus/, QA_CORPUS_DIR)")
    p.add_argument("--index", help="index folder (default: index/, QA_INDEX_DIR)")
    p.add_argument("--rebuild", action="store_true", help="re-embed everything")
    p.add_argument("--json", action="store_true", help="print the summary as one JSON object")

    p = sub.add_parser("ask", help="answer a question with cited quotes; without one, a conversation on stdin")
    p.add_argument("question", nargs="?", default="-",
                   help="the question; '-' or none: one question per line from stdin, each a follow-up of those before")
    p.add_argument("--index", help="index folder")
    p.add_argument("--top-k", type=int, help="chunks to draw evidence from")
    p.add_argument("--json", action="store_true", help="print Answer.to_dict() as JSON")

    p = sub.add_parser("serve", help="start the web chat")
    p.add_argument("--host", help="interface to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, help="port (default 7860)")
    p.add_argument("--index", help="index folder")
    p.add_argument("--corpus", help="corpus folder (uploads go here)")
    p.add_argument("--auth", help="user:password required to upload, remove, restore and rebuild")

    p = sub.add_parser("eval", help="measure answer quality on the seed questions and SQuAD")
    p.add_argument("--only", choices=["seed", "squad"], help="run one corpus: seed (with the conversations) or SQuAD")
    p.add_argument("--limit", type=int, help="at most this many SQuAD questions")
    p.add_argument("--out", help="write the JSON results here (default benchmarks/results/eval.json)")

    args = parser.parse_args(argv)
    try:
        return {"index": _index, "ask": _ask, "serve": _serve, "eval": _eval}[args.command](args)
    except (QAError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `qa ask ... | head`: the reader left; say nothing more
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def _index(args) -> int:
    from qa.indexer import build_index

    report = build_index(args.corpus, args.index, rebuild=args.rebuild, settings=Settings.from_env())
    if args.json:
        print(json.dumps(report.to_dict()))
    else:
        if report.full_rebuild_reason:
            print(f"Full rebuild: {report.full_rebuild_reason}")
        if report.retokenized:
            print("The word tokenizer changed: every text's words were re-read (vectors kept).")
        print(f"added {len(report.added)}, updated {len(report.updated)}, removed {len(report.removed)}, "
              f"unchanged {len(report.unchanged)}, failed {len(report.failed)}; "
              f"{report.chunks} chunks ({report.embedded_chunks} embedded) in {report.seconds:.1f} s")
        for source, reason in report.failed.items():
            print(f"  skipped {source}: {reason}", file=sys.stderr)
    return 1 if report.failed else 0


def _ask(args) -> int:
    from qa.api import answer

    if args.question != "-":
        _print_answer(answer(args.question, index_dir=args.index, top_k=args.top_k), args.json)
        return 0
    return _converse(args)


def _converse(args) -> int:
    """Questions from stdin, one per line, each asked with the conversation so far (as the web chat does);
    with --json, one JSON object per line. A question refused (empty lines are skipped) is reported and
    the conversation goes on; the exit status says whether any was."""
    from qa.api import answer
    from qa.conversation import exchange

    history: list[dict] = []
    refused = False
    prompt = sys.stdin.isatty()
    while True:
        if prompt:
            print("> ", end="", file=sys.stderr, flush=True)
        line = sys.stdin.readline()
        if not line:
            return 2 if refused else 0
        if not line.strip():
            continue
        try:
            result = answer(line, history or None, index_dir=args.index, top_k=args.top_k)
        except ValueError as exc:
            print(f"error: {exc}", file=sys.stderr)
            refused = True
            continue
        _print_answer(result, args.json, compact=True)
        if not args.json:
            print()
        history += exchange(result.question, result.answer)


def _print_answer(result, as_json: bool, compact: bool = False) -> None:
    """The answer with its citations, or its `to_dict()` as JSON (on one line when `compact`)."""
    if as_json:
        print(json.dumps(result.to_dict(), ensure_ascii=False, indent=None if compact else 1), flush=True)
        return
    if result.read_as:  # a follow-up asked in full, or a compound question's parts
        print(f"Read as: {result.read_as}\n")
    if result.caution:
        print(f"{result.caution}\n")
    # The quotes as the sources write them: the answer's markdown escapes would show as backslashes here.
    quotes = [f"{c.label + ': ' if c.label else ''}“{c.quote}” [{c.n}]" for c in result.citations]
    listed = any(c.label for c in result.citations)  # a timeline or comparison: a quote to a line, labelled
    print(("\n" if listed else " ").join(quotes) if result.grounded else result.answer)
    for c in result.citations:
        by = credit(c.authors, c.publisher) or "author not stated"
        print(f"\n[{c.n}] {c.title} — {by}, {c.date or 'undated'} ({c.source}, chars {c.start}-{c.end})")
        # Wrapped for reading, never inside a word: "Iran-Afghan" must not read as "Iran-" and "Afghan".
        print(textwrap.indent(textwrap.fill(c.quote, 96, break_on_hyphens=False, break_long_words=False), "    "))
    if not result.grounded and result.related:
        print("\nPossibly related (not an answer):")
        for c in result.related:
            print(f"  - {c.title} ({c.date or 'undated'}): {c.quote[:160]}")
    sys.stdout.flush()


def _serve(args) -> int:
    from ui.app import launch

    settings = Settings.from_env(host=args.host, port=args.port, index_dir=args.index,
                                 corpus_dir=args.corpus, auth=args.auth)
    launch(settings)
    return 0


def _eval(args) -> int:
    from qa.evaluate import run_cli

    return run_cli(only=args.only, squad_limit=args.limit, out=args.out)


if __name__ == "__main__":
    sys.exit(main())
