"""Cited-answer research assistant: verbatim, cited quotes from your own sources.

    >>> from qa import answer
    >>> a = answer("Why did Russia delist the Taliban?")
    >>> print(a.answer); [c.quote for c in a.citations]
"""

from qa.api import answer
from qa.indexer import build_index
from qa.settings import Settings
from qa.sources import (
    add_source,
    get_document,
    list_documents,
    remove_source,
    removed_sources,
    restore_source,
)
from qa.types import (
    Answer,
    BuildReport,
    Chunk,
    Citation,
    Document,
    IndexLoadError,
    QAError,
    credit,
)

__all__ = [
    "answer", "build_index", "list_documents", "get_document", "add_source", "remove_source", "removed_sources",
    "restore_source", "Settings",
    "Answer", "BuildReport", "Chunk", "Citation", "Document", "IndexLoadError", "QAError", "credit",
]
